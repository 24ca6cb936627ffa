//! The health checker against a real SQLite store: healthy components, unhealthy when the
//! database pool is closed (and healthy with a fresh store), a registered component that
//! breaks and recovers on disk and is picked up by the background task, and the probes.

use nba_testkit as common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::get_json;
use nba_ops::health::check_fn;
use nba_ops::{ComponentHealth, Ops, OpsConfig, Status};
use serde_json::json;

#[tokio::test]
async fn probes_report_each_component_and_fail_when_the_database_is_gone() {
    let (store, _dir) = common::store().await;
    let ops = Ops::start(store.clone(), OpsConfig::default())
        .await
        .unwrap();
    let router = super::serve_ops(store.clone(), ops.clone(), Default::default()).await;

    let (status, body) = get_json(&router, "/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["status"], "degraded",
        "an empty store has no recent games: {body}"
    );
    let db = &body["components"]["database"];
    assert_eq!(db["status"], "healthy", "{db}");
    assert!(db["message"].as_str().unwrap().contains("SELECT 1"), "{db}");
    assert!(db["response_time_ms"].as_f64().unwrap() >= 0.0);
    assert!(db["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        body["components"]["freshness"]["message"],
        "no finished games in the store"
    );
    assert_eq!(body["components"]["caches"]["status"], "healthy");
    assert!(body["uptime_s"].is_u64() && body["version"].is_string());

    let (status, one) = get_json(&router, "/health/database").await;
    assert_eq!((status, &one["name"]), (StatusCode::OK, &json!("database")));
    let (status, missing) = get_json(&router, "/health/model_store").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing["error"]["message"]
        .as_str()
        .unwrap()
        .contains("known: caches, database, freshness"));
    assert_eq!(get_json(&router, "/ready").await.0, StatusCode::OK);

    store.close().await;
    // /ready probes the database on each request; /health serves the background report,
    // so refresh it as the background task would.
    let (status, body) = get_json(&router, "/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let report = ops.refresh_health().await;
    assert_eq!(report.status, Status::Unhealthy);
    let (status, body) = get_json(&router, "/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["components"]["database"]["status"], "unhealthy");
    assert_eq!(
        body["components"]["database"]["message"],
        "database query failed: the connection pool is closed"
    );
    assert_eq!(get_json(&router, "/live").await.0, StatusCode::OK);
    ops.shutdown().await;

    // The same server started on a fresh store is healthy again.
    let (fresh, _dir2) = common::store().await;
    let ops = Ops::start(fresh.clone(), OpsConfig::default())
        .await
        .unwrap();
    let router = super::serve_ops(fresh, ops.clone(), Default::default()).await;
    let (status, body) = get_json(&router, "/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["components"]["database"]["status"], "healthy");
    ops.shutdown().await;
}

/// A model-store style component: healthy while a file holds the expected bytes.
fn artifact_check(path: std::path::PathBuf) -> Arc<dyn nba_ops::HealthCheck> {
    Arc::new(check_fn("model_store", move || {
        let path = path.clone();
        async move {
            match tokio::fs::read(&path).await {
                Ok(bytes) if bytes == b"weights v1" => {
                    ComponentHealth::healthy("artifact readable, checksum ok")
                }
                Ok(_) => ComponentHealth::unhealthy("artifact checksum mismatch"),
                Err(e) => ComponentHealth::unhealthy(format!("artifact unreadable: {e}")),
            }
        }
    }))
}

#[tokio::test]
async fn the_background_task_notices_a_component_break_and_recover() {
    let (store, dir) = common::store().await;
    let artifact = dir.0.join("model.bin");
    std::fs::write(&artifact, b"weights v1").unwrap();
    let mut config = OpsConfig::default();
    config.health.interval_s = 1;
    config.health.freshness.enabled = false;
    let ops = Ops::builder(store.clone(), config)
        .health_check(artifact_check(artifact.clone()))
        .start()
        .await
        .unwrap();
    let router = super::serve_ops(store, ops.clone(), Default::default()).await;
    let (status, body) = get_json(&router, "/health").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("healthy")),
        "{body}"
    );

    std::fs::write(&artifact, b"corrupted").unwrap();
    common::eventually("the checker to see the corrupt artifact", || {
        ops.health_checker()
            .last()
            .is_some_and(|r| r.status == Status::Unhealthy)
    })
    .await;
    let (status, body) = get_json(&router, "/health/model_store").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["message"], "artifact checksum mismatch");

    std::fs::write(&artifact, b"weights v1").unwrap();
    common::eventually("the checker to see the repaired artifact", || {
        ops.health_checker()
            .last()
            .is_some_and(|r| r.status == Status::Healthy)
    })
    .await;
    assert_eq!(get_json(&router, "/health").await.0, StatusCode::OK);
    let report = ops.report().await;
    assert_eq!(report.components["model_store"].status, Status::Healthy);
    ops.shutdown().await;
}

#[tokio::test]
async fn the_report_answers_instantly_from_the_last_run() {
    let (store, _dir) = common::store().await;
    let slow = check_fn("slow_dependency", || async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        ComponentHealth::healthy("answered")
    });
    let ops = Ops::builder(store, OpsConfig::default())
        .health_check(Arc::new(slow))
        .start()
        .await
        .unwrap();
    let first = ops.report().await;
    let second = ops.report().await;
    assert_eq!(
        first.checked_at, second.checked_at,
        "served from the last run"
    );
    assert!(first.components["slow_dependency"].response_time_ms >= 300.0);
    ops.shutdown().await;
}
