//! The plain HTTP API: the tool catalog and tool calls as JSON (`/v1/tools`), and the
//! probes an orchestrator needs (`/live`, `/ready`, `/health`), with the rest of the
//! operations surface (`/metrics`, `/v1/alerts`, `/dashboard`) when the binary runs
//! `nba_ops`. It calls `nba_app::App` and knows nothing about MCP; the binary mounts the
//! MCP endpoint beside it.

mod auth;
mod error;
mod health;
mod middleware;
mod openapi;
mod predict;
pub mod server;
mod tools;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use nba_app::App;

pub use auth::{route_policy, RoutePolicy};
pub use error::ApiError;
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
#[derive(Clone)]
pub(crate) struct AppState {
    app: App,
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

/// The HTTP API with the default limits, behind authentication (see [`route_policy`]).
pub fn router(app: App) -> Router {
    router_with_limits(app, Limits::default())
}

/// The HTTP API with explicit limits (tests use short ones).
pub fn router_with_limits(app: App, limits: Limits) -> Router {
    secure(&app, build(app.clone(), limits, None), None)
}

/// The HTTP API with the routes of a running `nba_ops::Ops` (probes from its background
/// checker, `/metrics`, `/v1/alerts`, `/v1/ops/summary`, `/dashboard`) in place of the
/// on-demand probes, and `extra` routes (the `/mcp` service) beside them. Timeout and body
/// limit wrap only the API and operations routes, so `/mcp`'s long-lived streams are not cut
/// off; authentication and request ids wrap everything. Put `nba_ops::track_http` outside,
/// so every route is measured.
pub fn router_with_ops(app: App, ops_routes: Router, extra: Option<Router>) -> Router {
    secure(
        &app,
        build(app.clone(), Limits::default(), Some(ops_routes)),
        extra,
    )
}

/// Authentication over `routes` (and `extra`), the protected resource metadata, and the
/// request id outermost so the guard and the audit log see it.
fn secure(app: &App, routes: Router, extra: Option<Router>) -> Router {
    let metadata = Router::new()
        .route(auth::METADATA_PATH, get(auth::resource_metadata))
        .route(
            &format!("{}/{{*resource}}", auth::METADATA_PATH),
            get(auth::resource_metadata),
        )
        .with_state(app.clone());
    routes
        .merge(extra.unwrap_or_default())
        .merge(metadata)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::from_fn(middleware::request_id))
}

fn build(app: App, limits: Limits, ops_routes: Option<Router>) -> Router {
    let probes = health::routes(&app, ops_routes);
    let state = Arc::new(AppState { app });
    let timeout = limits.request_timeout;
    Router::new()
        .route("/v1/tools", get(tools::list))
        .route("/v1/tools/{name}", post(tools::call))
        .route("/v1/predict", post(predict::one))
        .route("/v1/predict/batch", post(predict::batch))
        .route("/v1/openapi.json", get(openapi::get))
        .fallback(error::no_route)
        .with_state(state)
        .merge(probes)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn(move |req, next| {
            middleware::timeout(timeout, req, next)
        }))
}
