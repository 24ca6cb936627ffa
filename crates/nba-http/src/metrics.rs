//! Request metrics: the middleware that records every request by matched route, method,
//! status and error code (`nba_mcp_http_*`), and the marker the error mapping leaves on a
//! response so errors are counted by kind.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use nba_ops::Metrics;

/// The application error code of a response, set by the error mapping so the middleware can
/// count errors by kind (`nba_mcp_errors_total{source="http"}`).
#[derive(Debug, Clone, Copy)]
pub struct ErrorKind(pub &'static str);

/// Records every request: `.layer(axum::middleware::from_fn(track_http))` on the outermost
/// router, so the route is the matched path (`unmatched` otherwise).
pub async fn track_http(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = method_label(req.method());
    let m = nba_ops::metrics();
    let _in_flight = InFlight::enter(m);
    let started = Instant::now();
    let response = next.run(req).await;
    let kind = response.extensions().get::<ErrorKind>().map(|k| k.0);
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    m.record_http(
        route,
        method,
        response.status().as_u16(),
        kind,
        started.elapsed(),
    );
    response
}

/// Counts a request in flight until dropped, also when the client goes away mid-request.
struct InFlight(&'static Metrics);

impl InFlight {
    fn enter(m: &'static Metrics) -> InFlight {
        m.http_in_flight.inc();
        InFlight(m)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.http_in_flight.dec();
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}
