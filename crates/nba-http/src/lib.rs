//! The plain HTTP API: the tool catalog and tool calls as JSON (`/v1/tools`), the probes an
//! orchestrator needs (`/live`, `/ready`, `/health`), and the operations surface
//! (`/metrics`, `/v1/alerts`, `/v1/ops/summary`, `/dashboard`) over a running `nba_ops`.
//! Every route is declared once, with its permission, in [`routes::ROUTES`]. It calls
//! `nba_app::App` and knows nothing about MCP; the binary mounts the MCP endpoint beside it.

mod auth;
mod error;
mod metrics;
mod middleware;
mod openapi;
mod predict;
pub mod routes;
pub mod server;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use nba_app::App;

pub use error::ApiError;
pub use metrics::ErrorKind;
pub use routes::{route_policy, RoutePolicy};
pub use server::{raise_fd_limit, serve, ServerLimits};

/// Counts a connection closed by a limit (`nba_mcp_http_connections_closed_total{reason}`).
pub(crate) fn metrics_closed(reason: &'static str) {
    nba_ops::metrics()
        .http_connections_closed
        .with(&[reason], |c| c.inc());
}

/// Largest request body accepted (tool arguments are small).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest a request may run before it is answered with a timeout error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared by every handler.
pub(crate) struct AppState {
    app: App,
    /// The running operations layer (metrics, alerts, summary), if any.
    ops: Option<nba_ops::OpsHandle>,
    /// What the probes answer: the operations layer's checker, else checks on demand.
    probes: nba_ops::Probes,
}

/// Limits the router enforces; [`router`] uses the defaults above.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: MAX_BODY_BYTES,
            request_timeout: REQUEST_TIMEOUT,
        }
    }
}

/// The HTTP API with the default limits, behind authentication (see [`route_policy`]);
/// probes check on every request, and the operations routes answer 404.
pub fn router(app: App) -> Router {
    router_with_limits(app, Limits::default())
}

/// The HTTP API with explicit limits (tests use short ones).
pub fn router_with_limits(app: App, limits: Limits) -> Router {
    secure(&app, build(app.clone(), None, limits), None, limits)
}

/// The HTTP API over a running `nba_ops::Ops` (probes from its background checker,
/// `/metrics`, `/v1/alerts`, `/v1/ops/summary`, `/dashboard`), and `extra` routes (the
/// `/mcp` service) beside them. The body limit wraps only the API and operations routes and
/// the deadline spares `/mcp`, so its long-lived streams are not cut off; request ids,
/// metrics and authentication wrap everything.
pub fn router_with_ops(app: App, ops: nba_ops::OpsHandle, extra: Option<Router>) -> Router {
    secure(
        &app,
        build(app.clone(), Some(ops), Limits::default()),
        extra,
        Limits::default(),
    )
}

/// The edge ([`middleware::Edge`]: request id, metrics, authentication, deadline) in front
/// of `routes` and `extra`.
fn secure(app: &App, routes: Router, extra: Option<Router>, limits: Limits) -> Router {
    let routes = routes
        .merge(extra.unwrap_or_default())
        .layer(tower::util::MapRequestLayer::new(
            middleware::note_route as fn(axum::extract::Request) -> axum::extract::Request,
        ));
    middleware::Edge::new(app.clone(), routes, limits.request_timeout).into_router()
}

fn build(app: App, ops: Option<nba_ops::OpsHandle>, limits: Limits) -> Router {
    let probes = match &ops {
        Some(ops) => ops.probes(),
        None => nba_ops::Probes::standalone(app.store()),
    };
    let state = Arc::new(AppState { app, ops, probes });
    routes::router(state).layer(DefaultBodyLimit::max(limits.max_body_bytes))
}
