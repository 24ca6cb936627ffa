//! `/metrics` over a router with the middleware: scrape, make requests, scrape again, and
//! the counts, histograms, errors, in-flight gauge and pool gauges moved as they should.

use nba_testkit as common;

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::{send, value};
use nba_ops::Ops;

async fn failing() -> axum::response::Response {
    let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
    r.extensions_mut().insert(nba_http::ErrorKind("internal"));
    r
}

async fn router() -> (Router, nba_ops::OpsHandle, common::TempDir) {
    let (store, dir) = common::store().await;
    let ops = Ops::start(store.clone(), Default::default())
        .await
        .expect("ops");
    let extra = Router::new()
        .route("/v1/games/{id}", get(|| async { "a game" }))
        .route("/v1/fail", get(failing))
        // As the binary nests the MCP service: the layer goes outside the nesting.
        .nest_service("/mcp", get(|| async { "mcp" }));
    let router = super::serve_ops(store, ops.clone(), extra).await;
    (router, ops, dir)
}

async fn scrape(router: &Router) -> String {
    let (status, text) = send(router, common::get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    text
}

#[tokio::test]
async fn requests_move_the_counters_histograms_and_error_kinds() {
    let (router, ops, _dir) = router().await;
    let games =
        r#"nba_mcp_http_requests_total{route="/v1/games/{id}",method="GET",status_class="2xx"}"#;
    let latency =
        r#"nba_mcp_http_request_duration_seconds_count{route="/v1/games/{id}",status_class="2xx"}"#;
    let failed = r#"nba_mcp_errors_total{source="http",kind="internal"}"#;
    let unmatched =
        r#"nba_mcp_http_requests_total{route="unmatched",method="GET",status_class="4xx"}"#;

    let before = scrape(&router).await;
    for id in ["0021500001", "0021500002", "0021500003"] {
        let (status, _) = send(&router, common::get(&format!("/v1/games/{id}"))).await;
        assert_eq!(status, StatusCode::OK);
    }
    send(&router, common::get("/v1/fail")).await;
    send(&router, common::get("/no/such/route")).await;
    send(&router, common::get("/mcp")).await;
    let after = scrape(&router).await;
    let mcp = r#"nba_mcp_http_requests_total{route="/mcp",method="GET",status_class="2xx"}"#;
    assert_eq!(
        value(&after, mcp) - value(&before, mcp),
        1.0,
        "nested services are measured: {after}"
    );

    assert_eq!(value(&after, games) - value(&before, games), 3.0, "{after}");
    assert_eq!(value(&after, latency) - value(&before, latency), 3.0);
    assert_eq!(value(&after, failed) - value(&before, failed), 1.0);
    assert_eq!(value(&after, unmatched) - value(&before, unmatched), 1.0);
    assert!(
        !after.contains("0021500001"),
        "routes are matched paths, not raw URIs"
    );
    // The scrape itself is in flight (other tests of this binary may add theirs).
    assert!(value(&after, "nba_mcp_http_requests_in_flight") >= 1.0);
    // The first scrape is counted under its own route (a request counts once answered).
    let scrapes =
        r#"nba_mcp_http_requests_total{route="/metrics",method="GET",status_class="2xx"}"#;
    assert!(value(&after, scrapes) >= 1.0, "{after}");
    ops.shutdown().await;
}

#[tokio::test]
async fn tool_calls_caches_and_ingest_are_recorded_through_the_hooks() {
    let (router, ops, _dir) = router().await;
    let tool = r#"nba_mcp_tool_call_duration_seconds_count{tool="get_standings",model_version="none",outcome="ok"}"#;
    let tool_err = r#"nba_mcp_errors_total{source="tool",kind="not_found"}"#;
    let hit = r#"nba_mcp_cache_requests_total{cache="season_games",result="hit"}"#;
    let rows = r#"nba_mcp_ingest_rows_total{format="fivethirtyeight",change="inserted"}"#;
    let before = scrape(&router).await;
    nba_ops::record_tool_call("get_standings", Ok(()), Duration::from_millis(4));
    nba_ops::record_tool_call("get_standings", Ok(()), Duration::from_millis(6));
    nba_ops::record_tool_call("get_team_stats", Err("not_found"), Duration::from_millis(1));
    nba_ops::record_cache("season_games", true);
    nba_ops::record_cache("season_games", false);
    nba_ops::record_ingest("fivethirtyeight", 120, 3, 0, 1);
    let after = scrape(&router).await;
    assert_eq!(value(&after, tool) - value(&before, tool), 2.0, "{after}");
    assert_eq!(value(&after, tool_err) - value(&before, tool_err), 1.0);
    assert_eq!(value(&after, hit) - value(&before, hit), 1.0);
    assert_eq!(value(&after, rows) - value(&before, rows), 120.0);
    ops.shutdown().await;
}

#[tokio::test]
async fn the_scrape_has_build_info_uptime_pool_and_health() {
    let (router, ops, _dir) = router().await;
    let text = scrape(&router).await;
    let (version, _) = nba_ops::metrics::build_info();
    assert!(
        text.contains(&format!(
            "nba_mcp_build_info{{version=\"{version}\",git_sha="
        )),
        "{text}"
    );
    assert!(text.contains("# TYPE nba_mcp_uptime_seconds gauge"));
    assert_eq!(
        value(&text, "nba_mcp_db_pool_max_connections"),
        8.0,
        "SQLite default"
    );
    assert!(text.contains(r#"nba_mcp_db_pool_connections{state="in_use"}"#));
    assert_eq!(
        value(
            &text,
            r#"nba_mcp_health_component_status{component="database"}"#
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            r#"nba_mcp_health_component_status{component="freshness"}"#
        ),
        1.0,
        "an empty store is degraded"
    );
    assert!(text.contains(r#"nba_mcp_alerts_active{rule="error_rate",severity="critical"} 0"#));
    // Every sample line belongs to a declared metric.
    let declared: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|b| declared.contains(b))
            .unwrap_or(name);
        assert!(declared.contains(&base), "undeclared series {line}");
    }
    lint_with_promtool(&text);
    ops.shutdown().await;
}

/// `promtool check metrics` (Debian's prometheus package) lints the exposition when present.
fn lint_with_promtool(text: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("promtool not installed (apt-get install prometheus); exposition lint not run");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool check metrics:\n{report}");
}
