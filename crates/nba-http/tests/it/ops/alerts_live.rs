//! The error-rate alert end to end on live metrics: real requests through the middleware
//! fail, the sampler and rule engine see it, the alert shows at `/v1/alerts` and reaches a
//! local webhook once; healthy traffic then brings the rate under 5% and it resolves.
//! nextest runs it in a process of its own, so no other test's requests share the metrics.

use nba_testkit as common;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::{eventually, get_json, receiver, send};
use nba_ops::config::{ChannelConfig, ChannelKind};
use nba_ops::{Ops, OpsConfig};

async fn failing() -> axum::response::Response {
    let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "store failed").into_response();
    r.extensions_mut().insert(nba_http::ErrorKind("internal"));
    r
}

#[tokio::test]
async fn a_burst_of_server_errors_fires_and_healthy_traffic_resolves_it() {
    let hook = receiver(0, StatusCode::OK).await;
    let (store, _dir) = common::store().await;
    let mut config = OpsConfig::default();
    config.alerts.error_rate.min_samples = Some(10);
    config.alerts.error_rate.window_s = Some(600);
    config.alerts.channels = vec![ChannelConfig::new(
        ChannelKind::Webhook,
        &format!("{}/hook", hook.url),
    )];
    let ops = Ops::start(store.clone(), config).await.unwrap();
    let extra = Router::new()
        .route("/v1/ok", get(|| async { "ok" }))
        .route("/v1/broken", get(failing));
    let router = super::serve_ops(store, ops.clone(), extra).await;

    for _ in 0..8 {
        send(&router, common::get("/v1/ok")).await;
    }
    for _ in 0..4 {
        send(&router, common::get("/v1/broken")).await;
    }
    // Probes are not user traffic: they do not dilute the rate.
    for _ in 0..50 {
        send(&router, common::get("/live")).await;
    }
    ops.sample_now();
    let fired = ops.evaluate_alerts();
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert!(
        fired[0]
            .alert
            .summary
            .starts_with("Error rate 33.3% (4 of 12 requests)"),
        "{}",
        fired[0].alert.summary
    );
    let (_, alerts) = get_json(&router, "/v1/alerts").await;
    assert_eq!(alerts["active"][0]["rule"], "error_rate");
    assert_eq!(alerts["active"][0]["severity"], "critical");
    let (_, summary) = get_json(&router, "/v1/ops/summary").await;
    assert_eq!(summary["alerts_critical"], 1);
    assert_eq!(summary["totals"]["api_requests"], 12);
    eventually("the firing notification", || hook.received().len() == 1).await;

    for _ in 0..100 {
        send(&router, common::get("/v1/ok")).await;
    }
    ops.sample_now();
    let resolved = ops.evaluate_alerts();
    assert_eq!(resolved.len(), 1, "4 of 112 is under 5%: {resolved:?}");
    assert_eq!(resolved[0].event, nba_ops::alerts::AlertStatus::Resolved);
    eventually("the resolve notification", || hook.received().len() == 2).await;
    let got = hook.received();
    assert_eq!(got[0].1["event"], "firing");
    assert_eq!(got[1].1["event"], "resolved");
    assert_eq!(got[0].1["alert"]["id"], got[1].1["alert"]["id"]);
    let (_, alerts) = get_json(&router, "/v1/alerts").await;
    assert_eq!(alerts["active"].as_array().unwrap().len(), 0);
    assert_eq!(alerts["recent"][0]["status"], "resolved");
    ops.shutdown().await;
}
