//! The one table of HTTP routes: each path with what it needs ([`RoutePolicy`]) and its
//! handler. The router is built from this table and the authentication guard reads its
//! policy from it, so a route cannot be mounted without a declared policy (SECURITY.md
//! lists the same table). `/mcp` is declared here and mounted by the binary.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post, MethodRouter};
use axum::Json;
use nba_app::nba_auth::Permission;
use serde_json::{json, Value};

use crate::auth::METADATA_PATH;
use crate::AppState;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutePolicy {
    /// Probes, the OpenAPI document, protected resource metadata, the dashboard page (its
    /// data comes from `/v1/ops/summary`, which is guarded).
    Public,
    /// Any authenticated caller; the handler checks the tool's own permission.
    Authenticated,
    /// A permission at the edge.
    Needs(Permission),
}

type Handler = fn() -> MethodRouter<Arc<AppState>>;

/// One route: its path (axum syntax), policy and handler (`None`: mounted by the binary).
pub struct Route {
    pub path: &'static str,
    pub policy: RoutePolicy,
    handler: Option<Handler>,
}

const fn route(path: &'static str, policy: RoutePolicy, handler: Handler) -> Route {
    Route {
        path,
        policy,
        handler: Some(handler),
    }
}

const HEALTH: RoutePolicy = RoutePolicy::Needs(Permission::HealthRead);
const AUTHENTICATED: RoutePolicy = RoutePolicy::Authenticated;
const PUBLIC: RoutePolicy = RoutePolicy::Public;

/// Every route the server answers.
pub const ROUTES: &[Route] = &[
    route("/v1/tools", AUTHENTICATED, || get(crate::tools::list)),
    route("/v1/tools/{name}", AUTHENTICATED, || {
        post(crate::tools::call)
    }),
    route("/v1/predict", AUTHENTICATED, || post(crate::predict::one)),
    route("/v1/predict/batch", AUTHENTICATED, || {
        post(crate::predict::batch)
    }),
    route("/v1/openapi.json", PUBLIC, || get(crate::openapi::get)),
    route("/live", PUBLIC, || get(live)),
    route("/ready", PUBLIC, || get(ready)),
    route("/health", PUBLIC, || get(health)),
    route("/health/{component}", HEALTH, || get(component)),
    route("/metrics", HEALTH, || get(metrics)),
    route("/v1/alerts", HEALTH, || get(alerts)),
    route("/v1/ops/summary", HEALTH, || get(summary)),
    route("/dashboard", PUBLIC, || get(dashboard)),
    route(METADATA_PATH, PUBLIC, || {
        get(crate::auth::resource_metadata)
    }),
    route(
        "/.well-known/oauth-protected-resource/{*resource}",
        PUBLIC,
        || get(crate::auth::resource_metadata),
    ),
    Route {
        path: "/mcp",
        policy: AUTHENTICATED,
        handler: None,
    },
];

/// Whether a request path matches a route path (`{x}` one segment, `{*x}` the rest).
fn matches(pattern: &str, path: &str) -> bool {
    let mut pat = pattern.trim_start_matches('/').split('/');
    let mut got = path.trim_start_matches('/').split('/');
    loop {
        match (pat.next(), got.next()) {
            (None, None) => return true,
            (Some(p), Some(g)) if p.starts_with("{*") => return !g.is_empty(),
            (Some(p), Some(g)) if p.starts_with('{') => {
                if g.is_empty() {
                    return false;
                }
            }
            (Some(p), Some(g)) if p == g => {}
            _ => return false,
        }
    }
}

/// The declared route `path` matches, if any.
pub(crate) fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| matches(r.path, path))
}

/// What `path` needs; a path no route declares needs authentication (and then gets 404).
pub fn route_policy(path: &str) -> RoutePolicy {
    find(path).map_or(RoutePolicy::Authenticated, |r| r.policy)
}

/// The routes with handlers, over `state`.
pub(crate) fn router(state: Arc<AppState>) -> axum::Router {
    let mut router = axum::Router::new();
    for r in ROUTES {
        if let Some(handler) = r.handler {
            router = router.route(r.path, handler());
        }
    }
    router.fallback(crate::error::no_route).with_state(state)
}

fn code(status: nba_ops::Status) -> StatusCode {
    if status == nba_ops::Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

async fn ready(State(s): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let db = s.probes.ready().await;
    if db.status == nba_ops::Status::Unhealthy {
        let body = json!({ "status": "not_ready", "message": db.message });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    } else {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    }
}

async fn health(State(s): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let report = s.probes.report().await;
    let body = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    (code(report.status), Json(body))
}

async fn component(
    State(s): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> (StatusCode, Json<Value>) {
    let report = s.probes.report().await;
    match report.components.get(&name) {
        Some(c) => {
            let mut body = serde_json::to_value(c).unwrap_or_else(|_| json!({}));
            body["name"] = json!(name);
            (code(c.status), Json(body))
        }
        None => {
            let known: Vec<&str> = report.components.keys().map(String::as_str).collect();
            let message = format!("unknown component '{name}'; known: {}", known.join(", "));
            let body = json!({ "error": { "code": "not_found", "message": message } });
            (StatusCode::NOT_FOUND, Json(body))
        }
    }
}

/// The running operations layer, or 404 saying it is not running here.
fn ops(s: &AppState) -> Result<&nba_ops::OpsHandle, crate::ApiError> {
    s.ops.as_ref().ok_or_else(|| {
        crate::ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "metrics, alerts and the operations summary are not running in this server",
        )
    })
}

async fn metrics(State(s): State<Arc<AppState>>) -> Result<impl IntoResponse, crate::ApiError> {
    let text = ops(&s)?.metrics_text();
    Ok((
        [(header::CONTENT_TYPE, nba_ops::METRICS_CONTENT_TYPE)],
        text,
    ))
}

async fn alerts(
    State(s): State<Arc<AppState>>,
) -> Result<Json<nba_ops::AlertsView>, crate::ApiError> {
    Ok(Json(ops(&s)?.alerts()))
}

async fn summary(
    State(s): State<Arc<AppState>>,
) -> Result<Json<nba_ops::OpsSummary>, crate::ApiError> {
    Ok(Json(ops(&s)?.summary()))
}

async fn dashboard() -> Html<&'static str> {
    Html(nba_ops::DASHBOARD_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_route_patterns() {
        assert!(matches("/health/{component}", "/health/database"));
        assert!(!matches("/health/{component}", "/health"));
        assert!(!matches("/health/{component}", "/health/"));
        assert!(!matches("/health/{component}", "/health/a/b"));
        assert!(matches("/x/{*rest}", "/x/a/b"));
        assert!(!matches("/x/{*rest}", "/x"));
        assert!(matches("/v1/tools", "/v1/tools"));
        assert!(!matches("/v1/tools", "/v1/tools/x"));
    }

    #[test]
    fn every_route_is_declared_once() {
        let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
        paths.sort_unstable();
        let n = paths.len();
        paths.dedup();
        assert_eq!(n, paths.len());
    }
}
