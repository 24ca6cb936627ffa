//! The HTTP API in process (`Router::oneshot`) over an empty SQLite store in a temp folder:
//! catalog, tool calls and the error mapping, limits, request ids and probes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use nba_app::App;
use nba_store::{Store, StoreOptions};
use serde_json::{json, Value};
use tower::ServiceExt;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every tool, in catalog order.
const TOOLS: [&str; 33] = [
    "list_teams",
    "find_team",
    "search_players",
    "get_games",
    "get_game",
    "get_standings",
    "get_team_stats",
    "get_player_stats",
    "get_leaders",
    "head_to_head",
    "predict_game",
    "predict_games",
    "get_power_rankings",
    "simulate_season",
    "system_health",
    "list_alerts",
    "drift_report",
    "compute_metrics",
    "whoami",
    "query_sql",
    "audit_log",
    "list_accounts",
    "revoke_api_key",
    "backup_create",
    "backup_list",
    "backup_verify",
    "list_models",
    "promote_model",
    "rollback_model",
    "start_rollout",
    "rollout_status",
    "advance_rollout",
    "stop_rollout",
];

thread_local! {
    /// The admin key of this test's store; `send` adds it to requests that carry none.
    static KEY: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

async fn app() -> (App, TempDir) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nba-http-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let url = format!("sqlite://{}", dir.join("nba.db").display());
    let store = Store::open(&StoreOptions::new(url))
        .await
        .expect("open store");
    let app = App::new(store).await.expect("app");
    let cli = nba_app::Caller::cli();
    let admin = nba_app::admin::create_account(
        app.store(),
        &cli,
        "admin",
        false,
        nba_app::nba_auth::Role::Admin,
    )
    .await
    .expect("account");
    let key = nba_app::admin::create_key(app.store(), &cli, &admin.id, "tests", None)
        .await
        .expect("key");
    KEY.with(|k| {
        *k.borrow_mut() = Some(secrecy::ExposeSecret::expose_secret(&key.secret).to_string())
    });
    (app, TempDir(dir))
}

/// Sends `request` as this test's admin (unless it carries its own Authorization).
async fn send(
    router: &Router,
    mut request: Request<Body>,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    if !request.headers().contains_key(header::AUTHORIZATION) {
        if let Some(key) = KEY.with(|k| k.borrow().clone()) {
            request.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {key}").parse().unwrap(),
            );
        }
    }
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body, headers)
}

fn get(path: &str) -> Request<Body> {
    let mut r = Request::get(path).body(Body::empty()).unwrap();
    if let Some(key) = KEY.with(|k| k.borrow().clone()) {
        r.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {key}").parse().unwrap(),
        );
    }
    r
}

fn post(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn assert_error(body: &Value, code: &str) -> String {
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"]
        .as_str()
        .expect("error.message")
        .to_string()
}

#[tokio::test]
async fn catalog_lists_every_tool_with_schemas() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);
    let (status, body, _) = send(&router, get("/v1/tools")).await;
    assert_eq!(status, StatusCode::OK);
    let tools = body["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, TOOLS);
    for tool in tools {
        for field in ["name", "title", "description"] {
            assert!(tool[field].is_string(), "{field}: {tool}");
        }
        assert_eq!(tool["input_schema"]["type"], "object", "{tool}");
        assert_eq!(tool["output_schema"]["type"], "object", "{tool}");
    }
    assert_eq!(tools[0]["name"], "list_teams");
}

#[tokio::test]
async fn calling_a_tool_returns_its_result() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);
    let body = json!({ "player": { "pts": 30, "fga": 20, "fta": 10 } }).to_string();
    let (status, out, _) = send(&router, post("/v1/tools/compute_metrics", body)).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let ts = out["player"]["ts_pct"].as_f64().expect("ts_pct");
    assert!((ts - 30.0 / 48.8).abs() < 1e-3, "{ts}");
    assert_eq!(out["data_source"], "real");

    // No body means no arguments.
    let (status, out, _) = send(&router, post("/v1/tools/list_teams", Body::empty())).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out["teams"].is_array(), "{out}");
}

#[tokio::test]
async fn errors_map_to_statuses_with_one_body_shape() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);

    let (status, body, _) = send(&router, post("/v1/tools/get_teams", "{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let message = assert_error(&body, "unknown_name");
    assert!(message.contains("list_teams"), "{message}");

    let (status, body, _) = send(
        &router,
        post("/v1/tools/get_standings", r#"{"season":"banana"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(assert_error(&body, "invalid_argument").contains("season"));

    let (status, body, _) = send(
        &router,
        post(
            "/v1/tools/get_team_stats",
            r#"{"team":"Warriorz","season":2016}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(assert_error(&body, "not_found").contains("did you mean"));

    let (status, body, _) = send(&router, post("/v1/tools/list_teams", "[1]")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(assert_error(&body, "invalid_argument").contains("JSON object"));

    let (status, body, _) = send(&router, post("/v1/tools/list_teams", "{nope")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(assert_error(&body, "invalid_argument").contains("not valid JSON"));

    let (status, body, _) = send(&router, get("/v2/everything")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "no_route");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_rejected() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(nba_http::MAX_BODY_BYTES));
    let (status, body, _) = send(&router, post("/v1/tools/list_teams", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "invalid_body");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);
    let request = Request::get("/live")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let (_, _, headers) = send(&router, request).await;
    assert_eq!(headers["x-request-id"], "abc-123");

    let (_, _, first) = send(&router, get("/live")).await;
    let (_, _, second) = send(&router, get("/v1/tools/nothing")).await;
    let first = first["x-request-id"].to_str().unwrap().to_string();
    let second = second["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(first.len(), 36, "a uuid: {first}");
    assert_ne!(first, second);
}

#[tokio::test]
async fn probes_report_the_database_and_fail_when_it_is_gone() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app.clone());

    let (status, body, _) = send(&router, get("/live")).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("alive")));
    let (status, _, _) = send(&router, get("/ready")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = send(&router, get("/health")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An empty store has no recent games: stale data degrades, it never makes unhealthy.
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["components"]["freshness"]["status"], "degraded");
    let db = &body["components"]["database"];
    assert_eq!(db["status"], "healthy");
    assert!(db["message"].is_string());
    assert!(db["response_time_ms"].as_f64().is_some(), "{db}");
    assert!(
        db["checked_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{db}"
    );
    assert_eq!(body["version"], nba_app::SERVER_VERSION);
    assert!(body["uptime_s"].is_u64());
    // A guarded route, so the key is seen valid before the database goes away.
    let (status, _, _) = send(&router, get("/health/database")).await;
    assert_eq!(status, StatusCode::OK);

    app.store().close().await;
    let (status, body, _) = send(&router, get("/ready")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, body, _) = send(&router, get("/health")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["components"]["database"]["status"], "unhealthy");
    let (status, body, _) = send(&router, get("/health/database")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["message"].as_str().unwrap().contains("pool is closed"),
        "{body}"
    );
    let (status, _, _) = send(&router, get("/live")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "liveness does not depend on the database"
    );

    // The key keeps working from the last-known-good cache; a tool that needs the
    // unreachable database is a 503 with Retry-After that hides the detail.
    let (status, body, headers) = send(
        &router,
        post("/v1/tools/get_standings", r#"{"season":"2015-16"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.get("retry-after").is_some(), "{headers:?}");
    let message = assert_error(&body, "unavailable");
    assert!(!message.to_lowercase().contains("pool"), "{message}");
}

#[tokio::test]
async fn with_ops_the_api_serves_metrics_alerts_and_the_dashboard() {
    let (app, _dir) = app().await;
    let ops = nba_ops::Ops::start(app.store().clone(), Default::default())
        .await
        .expect("ops");
    let router = nba_http::router_with_ops(app, ops.clone(), None);

    let (status, _, _) = send(&router, post("/v1/tools/get_teams", "{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = router.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains(r#"nba_mcp_http_requests_total{route="/v1/tools/{name}",method="POST",status_class="4xx"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"nba_mcp_errors_total{source="http",kind="unknown_name"}"#),
        "the API's error code reaches the metrics: {text}"
    );
    let (status, body, headers) = send(&router, get("/health")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["components"]["database"]["status"], "healthy");
    assert!(
        headers.contains_key("x-request-id"),
        "ops routes get request ids"
    );
    let (status, body, _) = send(&router, get("/v1/alerts")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["active"], json!([]));
    let page = router.clone().oneshot(get("/dashboard")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    ops.shutdown().await;
}

#[tokio::test]
async fn prediction_and_ops_tools_say_what_is_missing() {
    let (app, _dir) = app().await;
    let router = nba_http::router(app);

    // No model store: 503 with Retry-After, saying how to get a model.
    let (status, body, headers) = send(
        &router,
        post(
            "/v1/predict",
            r#"{"home":"GSW","away":"CLE","date":"2016-06-19"}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.get("retry-after").is_some(), "{headers:?}");
    let message = assert_error(&body, "unavailable");
    assert!(message.contains("no prediction model"), "{message}");
    assert!(message.contains("nba-mcp train"), "{message}");

    // Arguments are checked before the model is needed.
    let games: Vec<Value> = (0..1001)
        .map(|_| json!({"home": "GSW", "away": "CLE"}))
        .collect();
    let (status, body, _) = send(
        &router,
        post("/v1/predict/batch", json!({ "games": games }).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(assert_error(&body, "invalid_argument").contains("1000"));
    let (status, body, _) = send(
        &router,
        post(
            "/v1/tools/predict_games",
            r#"{"games":[{"home":"GSW","away":"CLE"},{"home":"GSW","away":"GSW"}]}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(assert_error(&body, "invalid_argument").contains("games[1]"));

    // No operations layer in this process.
    for tool in ["system_health", "list_alerts"] {
        let (status, body, _) = send(&router, post(&format!("/v1/tools/{tool}"), "{}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{tool}: {body}");
        let message = assert_error(&body, "not_found");
        assert!(message.contains("not running"), "{tool}: {message}");
    }
    let (status, body, _) = send(&router, post("/v1/tools/drift_report", "{}")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(assert_error(&body, "unavailable").contains("no prediction model"));
}

#[tokio::test]
async fn with_ops_attached_health_and_alerts_are_tools() {
    let (app, _dir) = app().await;
    let ops = nba_ops::Ops::start(app.store().clone(), Default::default())
        .await
        .expect("ops");
    app.attach_ops(ops.clone());
    let router = nba_http::router(app);

    let (status, health, _) = send(&router, post("/v1/tools/system_health", "{}")).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    let overall = health["status"].as_str().expect("status");
    assert!(
        ["healthy", "degraded", "unhealthy"].contains(&overall),
        "{health}"
    );
    assert_eq!(health["components"]["database"]["status"], "healthy");
    assert_eq!(health["data_source"], "real");

    let (status, alerts, _) = send(&router, post("/v1/tools/list_alerts", "{}")).await;
    assert_eq!(status, StatusCode::OK, "{alerts}");
    assert_eq!(alerts["active"], json!([]), "{alerts}");

    let (status, body, _) = send(
        &router,
        post("/v1/tools/system_health", r#"{"verbose":true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(assert_error(&body, "invalid_argument").contains("verbose"));
    ops.shutdown().await;
}
