//! Per-request middleware: a request id on every request and response, and a deadline.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::ApiError;

pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a client; longer ones are replaced, so logs stay sane.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Takes `x-request-id` from the request (or makes one), logs the request under it and
/// echoes it on the response.
pub(crate) async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| !v.is_empty() && v.len() <= MAX_REQUEST_ID_LEN && v.to_str().is_ok())
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .expect("a uuid is a valid header value")
        });
    req.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    let span = tracing::info_span!(
        "http",
        request_id = id.to_str().unwrap_or_default(),
        method = %req.method(),
        path = req.uri().path(),
    );
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        )
    });
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}

/// Answers 504 when the handler has not finished within `limit`; the handler is dropped.
pub(crate) async fn timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
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
            .layer(axum::middleware::from_fn(move |req, next| {
                timeout(limit, req, next)
            }));
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
