//! Probes: `/live` (the process answers), `/ready` (the store answers a trivial query) and
//! `/health` (a JSON report per component, for people and dashboards).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// A database check that takes longer than this counts as failed.
const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn live() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    match check_database(&state).await {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(message) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not_ready", "message": message })),
        ),
    }
}

pub(crate) async fn health(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let started = Instant::now();
    let outcome = check_database(&state).await;
    let response_time_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (healthy, message) = match outcome {
        Ok(()) => (true, "SELECT 1 succeeded".to_string()),
        Err(message) => (false, message),
    };
    let status = if healthy { "healthy" } else { "unhealthy" };
    let body = json!({
        "status": status,
        "components": {
            "database": {
                "status": status,
                "message": message,
                "response_time_ms": (response_time_ms * 1000.0).round() / 1000.0,
                "checked_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }
        },
        "version": nba_app::SERVER_VERSION,
        "uptime_s": state.started.elapsed().as_secs(),
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

/// Runs `SELECT 1` on the store; the error says what failed without leaking the URL.
async fn check_database(state: &AppState) -> Result<(), String> {
    let query = state.app.store().ping();
    match tokio::time::timeout(DB_CHECK_TIMEOUT, query).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database check failed");
            Err(format!("database query failed: {}", describe(&e)))
        }
        Err(_) => {
            tracing::warn!("database check timed out");
            Err(format!(
                "database did not answer within {} s",
                DB_CHECK_TIMEOUT.as_secs()
            ))
        }
    }
}

/// A short description of a database error that never includes connection details.
fn describe(error: &nba_store::StoreError) -> &'static str {
    let nba_store::StoreError::Database(error) = error else {
        return "unexpected error";
    };
    match error {
        sqlx::Error::PoolTimedOut => "no connection available (pool timed out)",
        sqlx::Error::PoolClosed => "the connection pool is closed",
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => "cannot reach the database",
        sqlx::Error::Database(_) => "the database returned an error",
        _ => "unexpected error",
    }
}
