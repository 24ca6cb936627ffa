//! The edge: the one middleware every request passes, as a single service around the
//! router (one future per request, not one per layer): a request id on the request and the
//! response, the request metrics, authentication and authorization ([`crate::auth::guard`])
//! and, except on `/mcp` (whose streams live long), the deadline.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use nba_app::App;
use tower::ServiceExt;
use tracing::Instrument;

use crate::routes::RoutePolicy;
use crate::ApiError;

pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a client; longer ones are replaced, so logs stay sane.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The router behind the edge. Cloning is one reference count.
#[derive(Clone)]
pub(crate) struct Edge(Arc<EdgeInner>);

struct EdgeInner {
    app: App,
    routes: Router,
    /// Deadline of every route but `/mcp`.
    timeout: Duration,
}

impl Edge {
    pub(crate) fn new(app: App, routes: Router, timeout: Duration) -> Edge {
        Edge(Arc::new(EdgeInner {
            app,
            routes,
            timeout,
        }))
    }

    /// The router with the edge in front: what the server serves.
    pub(crate) fn into_router(self) -> Router {
        Router::new().fallback_service(self)
    }

    async fn handle(self, mut req: Request) -> Response {
        let m = nba_ops::metrics();
        let _in_flight = crate::metrics::InFlight::enter(m);
        let started = Instant::now();
        let route = crate::routes::find(req.uri().path());
        let policy = route.map_or(RoutePolicy::Authenticated, |r| r.policy);
        let path = req.uri().path();
        let mcp = path == "/mcp" || path.starts_with("/mcp/");
        // The router fills in the route it matched (see `note_route`), for the metrics.
        let matched = MatchedSlot::default();
        req.extensions_mut().insert(matched.clone());
        let method = crate::metrics::method_label(req.method());
        let id = request_id(&req);
        req.headers_mut().insert(REQUEST_ID.clone(), id.clone());
        let span = tracing::info_span!(
            "http",
            request_id = id.to_str().unwrap_or_default(),
            method = %req.method(),
            path = req.uri().path(),
        );
        let inner = &self.0;
        let mut response =
            crate::auth::guard(&inner.app, policy, &id, req, |req| inner.run(mcp, req))
                .instrument(span.clone())
                .await;
        span.in_scope(|| {
            tracing::info!(
                status = response.status().as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request"
            )
        });
        response.headers_mut().insert(REQUEST_ID.clone(), id);
        let kind = response.extensions().get::<crate::ErrorKind>().map(|k| k.0);
        let matched = matched.0.get();
        m.record_http(
            matched.map_or("unmatched", MatchedPath::as_str),
            method,
            response.status().as_u16(),
            kind,
            started.elapsed(),
        );
        response
    }
}

impl EdgeInner {
    /// The routes, under the deadline unless the route is `/mcp`.
    async fn run(&self, mcp: bool, req: Request) -> Response {
        let routes = self.routes.clone();
        if mcp {
            return routes.oneshot(req).await.unwrap_or_else(|e| match e {});
        }
        timeout(self.timeout, async move {
            routes.oneshot(req).await.unwrap_or_else(|e| match e {})
        })
        .await
    }
}

impl tower::Service<Request> for Edge {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let edge = self.clone();
        Box::pin(async move { Ok(edge.handle(req).await) })
    }
}

/// Where the router leaves the route it matched, for the edge's metrics (the edge runs
/// before routing, so it cannot read `MatchedPath` itself).
#[derive(Clone, Default)]
pub(crate) struct MatchedSlot(Arc<OnceLock<MatchedPath>>);

/// A route layer (`tower::util::MapRequestLayer`, no allocation of its own): copies the
/// matched route into the edge's [`MatchedSlot`].
pub(crate) fn note_route(req: Request) -> Request {
    if let (Some(slot), Some(path)) = (
        req.extensions().get::<MatchedSlot>(),
        req.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(path.clone());
    }
    req
}

/// The client's `x-request-id` when it is sane, else a new one.
fn request_id(req: &Request) -> HeaderValue {
    req.headers()
        .get(&REQUEST_ID)
        .filter(|v| !v.is_empty() && v.len() <= MAX_REQUEST_ID_LEN && v.to_str().is_ok())
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .expect("a uuid is a valid header value")
        })
}

/// Answers 504 when `run` has not finished within `limit`; `run` is dropped.
pub(crate) async fn timeout(limit: Duration, run: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(limit, run).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_s = limit.as_secs_f64(), "request timed out");
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                format!(
                    "the request did not finish within {} s",
                    limit.as_secs_f64()
                ),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    /// With the clock paused, tokio advances time as soon as every task is idle, so the
    /// 30 s deadline passes at once and deterministically.
    #[tokio::test(start_paused = true)]
    async fn a_request_past_the_deadline_gets_504() {
        let limit = crate::REQUEST_TIMEOUT;
        let router = Router::new()
            .route("/slow", get(std::future::pending::<&'static str>))
            .route("/fast", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(
                move |req, next: axum::middleware::Next| timeout(limit, next.run(req)),
            ));
        let slow = router
            .clone()
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(slow.status(), StatusCode::GATEWAY_TIMEOUT);
        let body = axum::body::to_bytes(slow.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "timeout");

        let fast = router
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }
}
