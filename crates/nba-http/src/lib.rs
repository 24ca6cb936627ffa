//! The plain HTTP API: the tool catalog and tool calls as JSON (`/v1/tools`), and the
//! probes an orchestrator needs (`/live`, `/ready`, `/health`). It calls `nba_app::App`
//! and knows nothing about MCP; the binary mounts the MCP endpoint beside it.

mod error;
mod health;
mod middleware;
mod tools;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use nba_app::App;

pub use error::ApiError;

/// Largest request body accepted (tool arguments are small).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest a request may run before it is answered with a timeout error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared by every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    app: App,
    started: Instant,
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

/// The HTTP API with the default limits. Its middleware (request id, timeout, body limit)
/// wraps only the routes defined here: routes the caller adds afterwards (such as a nested
/// `/mcp` service with long-lived streams) are not cut off by the timeout.
pub fn router(app: App) -> Router {
    router_with_limits(app, Limits::default())
}

/// The HTTP API with explicit limits (tests use short ones).
pub fn router_with_limits(app: App, limits: Limits) -> Router {
    let state = Arc::new(AppState {
        app,
        started: Instant::now(),
    });
    let timeout = limits.request_timeout;
    Router::new()
        .route("/v1/tools", get(tools::list))
        .route("/v1/tools/{name}", post(tools::call))
        .route("/live", get(health::live))
        .route("/ready", get(health::ready))
        .route("/health", get(health::health))
        .fallback(error::no_route)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn(move |req, next| {
            middleware::timeout(timeout, req, next)
        }))
        .layer(axum::middleware::from_fn(middleware::request_id))
}
