//! Request metrics: what the edge ([`crate::middleware`]) records of every request by
//! declared route, method, status and error code (`nba_mcp_http_*`), and the marker the
//! error mapping leaves on a response so errors are counted by kind.

use axum::http::Method;
use nba_ops::Metrics;

/// The application error code of a response, set by the error mapping so the middleware can
/// count errors by kind (`nba_mcp_errors_total{source="http"}`).
#[derive(Debug, Clone, Copy)]
pub struct ErrorKind(pub &'static str);

/// Counts a request in flight until dropped, also when the client goes away mid-request.
pub(crate) struct InFlight(&'static Metrics);

impl InFlight {
    pub(crate) fn enter(m: &'static Metrics) -> InFlight {
        m.http_in_flight.inc();
        InFlight(m)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.http_in_flight.dec();
    }
}

pub(crate) fn method_label(method: &Method) -> &'static str {
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
