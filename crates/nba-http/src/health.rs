//! Probes and operations routes. They live in `nba_ops` (which the binary starts with its
//! background health checks, metrics and alerts); this module picks which to mount: the
//! running operations layer's routes, or, for a router built without one, probes that
//! check on every request (`/live`, `/ready`, `/health`, `/health/{component}`).

use axum::Router;
use nba_app::App;

/// The operations routes given by the caller, else on-demand probes over the app's store.
pub(crate) fn routes(app: &App, ops: Option<Router>) -> Router {
    ops.unwrap_or_else(|| nba_ops::standalone_probes(app.store()))
}
