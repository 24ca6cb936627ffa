//! Probe routes: `/live` (the process answers), `/ready` (the database answers now),
//! `/health` (the checker's report; 503 when unhealthy) and `/health/{component}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{HealthCheck, HealthChecker, Status};

#[derive(Clone)]
struct Probes {
    checker: HealthChecker,
    readiness: Arc<dyn HealthCheck>,
    max_age: Duration,
}

/// The probe routes over `checker`. `readiness` (the database check) runs on every
/// `/ready`; `/health` serves the last report while it is younger than `max_age` (zero:
/// check on every request, for servers without the background task).
pub fn probe_routes(
    checker: HealthChecker,
    readiness: Arc<dyn HealthCheck>,
    max_age: Duration,
) -> Router {
    Router::new()
        .route("/live", get(live))
        .route("/ready", get(ready))
        .route("/health", get(health))
        .route("/health/{component}", get(component))
        .with_state(Probes {
            checker,
            readiness,
            max_age,
        })
}

fn code(status: Status) -> StatusCode {
    if status == Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

async fn ready(State(p): State<Probes>) -> (StatusCode, Json<Value>) {
    let db = p.readiness.check().await;
    if db.status == Status::Unhealthy {
        let body = json!({ "status": "not_ready", "message": db.message });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    } else {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    }
}

async fn health(State(p): State<Probes>) -> (StatusCode, Json<Value>) {
    let report = p.checker.report(p.max_age).await;
    let body = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    (code(report.status), Json(body))
}

async fn component(State(p): State<Probes>, Path(name): Path<String>) -> (StatusCode, Json<Value>) {
    let report = p.checker.report(p.max_age).await;
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
