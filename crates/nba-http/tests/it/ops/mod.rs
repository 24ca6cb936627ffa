//! The operations surface over HTTP (`/live`, `/ready`, `/health`, `/metrics`, `/v1/alerts`,
//! `/v1/ops/summary`, `/dashboard`) served by this crate's router over a running
//! `nba_ops::Ops` and a real SQLite store: probes, the metrics middleware, a live alert end
//! to end, and the dashboard in headless Chromium. Access control is off here (RBAC
//! disabled), so these tests see the operations layer alone; `tests/access` covers who may
//! call what.

mod alerts_live;
mod dashboard_browser;
mod health;
mod metrics_http;

use axum::Router;
use nba_store::Store;

/// This crate's router over `ops` (with `extra` routes beside it, as the binary mounts
/// `/mcp`), wrapped in the request metrics middleware as the binary does.
pub async fn serve_ops(store: Store, ops: nba_ops::OpsHandle, extra: Router) -> Router {
    let access = nba_app::AccessConfig {
        rbac_disabled: true,
        ..Default::default()
    };
    let app = nba_app::App::open(store, None, access)
        .await
        .expect("app over the store");
    app.attach_ops(ops.clone());
    nba_http::router_with_ops(app, ops, Some(extra))
}
