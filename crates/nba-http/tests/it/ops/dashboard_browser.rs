//! The dashboard in headless Chromium against a running server with a real SQLite store:
//! opened as `/dashboard#key=...`, the rendered page shows the database component healthy
//! and a non-zero request count, having sent the key as `Authorization: Bearer` on every
//! data request; without a key, or with one the server refuses, it shows the key form and
//! the server's message. A screenshot is written to `target/screenshots/dashboard.png`.
//! Access control is off in this binary, so the data routes are guarded here by a stand-in
//! that records what the browser sent and refuses a missing or wrong key as the real guard
//! does (`tests/access` checks the real one).
//! Needs Debian's chromium: `scripts/setup-chromium.sh` installs it.

use nba_testkit as common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use nba_ops::{DriftConfig, DriftMonitor, DriftReport, Ops, OpsConfig, Published};

fn chromium() -> PathBuf {
    let candidates = [
        std::env::var("CHROMIUM").ok(),
        Some("chromium".into()),
        Some("chromium-browser".into()),
    ];
    for c in candidates.into_iter().flatten() {
        let found = Command::new(&c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return PathBuf::from(c);
        }
    }
    panic!(
        "headless Chromium is needed for the dashboard test and was not found; \
         run scripts/setup-chromium.sh (installs Debian's chromium) or set CHROMIUM=/path/to/chromium"
    );
}

/// Runs chromium headless with `extra` arguments on `url`; returns stdout. Killed after 90 s.
fn run_chromium(browser: &Path, profile: &Path, extra: &[String], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--virtual-time-budget=5000")
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text inside the element with `id`.
fn text_of(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM:\n{dom}"));
    let rest = &dom[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].trim().to_string()
}

/// The key the stand-in guard accepts, and one it knows but refuses the data (403).
const KEY: &str = "nba_mcp_DashboardBrowserTestKey0123456789abcdefghijk";
const KEY_WITHOUT_HEALTH: &str = "nba_mcp_NoHealthReadKey0123456789abcdefghijklmnopq";

/// What the browser sent to a guarded route: path and Authorization header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// nba-http's rules for the dashboard's data, in small: the page is public; `/health*`,
/// `/v1/ops/summary`, `/v1/alerts` and `/metrics` need a key with health:read (401 with a
/// challenge without one, 403 for a key without the permission).
async fn guard(State(seen): State<Seen>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let guarded = path == "/health"
        || path.starts_with("/health/")
        || path == "/v1/ops/summary"
        || path == "/v1/alerts"
        || path == "/metrics";
    if !guarded {
        return next.run(req).await;
    }
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    seen.lock().unwrap().push((path, auth.clone()));
    let error = |status: StatusCode, code: &str, message: &str| {
        let body = serde_json::json!({"error": {"code": code, "message": message}});
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource/mcp\""
                .parse()
                .unwrap(),
        );
        r
    };
    match auth.as_deref().and_then(|a| a.strip_prefix("Bearer ")) {
        Some(k) if k == KEY => next.run(req).await,
        Some(k) if k == KEY_WITHOUT_HEALTH => error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "forbidden: GET /v1/ops/summary needs permission health:read",
        ),
        Some(_) => error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "the API key is not valid",
        ),
        None => error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "authentication required: send Authorization: Bearer with an API key",
        ),
    }
}

/// Whether the element with `id` carries the `hidden` attribute in the dumped DOM.
fn is_hidden(dom: &str, id: &str) -> bool {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM:\n{dom}"));
    let tag_start = dom[..start].rfind('<').unwrap();
    let tag_end = start + dom[start..].find('>').unwrap();
    dom[tag_start..tag_end].contains(" hidden")
}

/// Loads `url` in headless Chromium with a fresh profile; returns the DOM after the page's
/// first refreshes.
async fn dump_dom(browser: &Path, profile: PathBuf, url: String) -> String {
    let browser = browser.to_path_buf();
    tokio::task::spawn_blocking(move || {
        run_chromium(&browser, &profile, &["--dump-dom".into()], &url)
    })
    .await
    .unwrap()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_renders_live_values_in_headless_chromium() {
    let browser = chromium();
    let (store, dir) = common::store().await;
    let mut config = OpsConfig::default();
    config.alerts.error_rate.min_samples = Some(5);
    let drift = Arc::new(Published::<DriftReport>::default());
    let seen = Seen::default();
    let ops = Ops::builder(store.clone(), config)
        .drift_source(drift.clone())
        .start()
        .await
        .unwrap();
    let extra = Router::new().route(
        "/v1/broken",
        get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
    );
    let app = super::serve_ops(store, ops.clone(), extra)
        .await
        .layer(axum::middleware::from_fn_with_state(seen.clone(), guard));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Real traffic over TCP, a few tool calls and cache lookups, and samples for the charts.
    let client = reqwest::Client::new();
    for round in 0..3 {
        for _ in 0..5 {
            let r = client.get(format!("{base}/v1/tools")).send().await.unwrap();
            assert!(r.status().is_success());
        }
        nba_ops::record_tool_call("get_standings", Ok(()), Duration::from_millis(4 + round));
        nba_ops::record_cache("season_games", round > 0);
        ops.sample_now();
    }
    for _ in 0..2 {
        client
            .get(format!("{base}/v1/broken"))
            .send()
            .await
            .unwrap();
    }
    ops.sample_now();
    // A drift report with one shifted feature, and the alert engine's verdict on all this.
    let reference: Vec<f64> = (0..500).map(|i| f64::from(i % 100)).collect();
    let shifted: Vec<f64> = reference.iter().map(|v| v + 40.0).collect();
    let monitor = DriftMonitor::new(DriftConfig::default())
        .with_reference("elo_diff", reference.clone())
        .with_reference("rest_days", reference.clone());
    let recent = [
        ("elo_diff".to_string(), shifted),
        ("rest_days".to_string(), reference),
    ];
    drift.publish(monitor.report(&recent.into()));
    let fired = ops.evaluate_alerts();
    let rules: Vec<&str> = fired.iter().map(|e| e.alert.rule.as_str()).collect();
    assert_eq!(
        rules,
        vec!["error_rate", "feature_drift"],
        "2 of 17 requests failed"
    );

    // The key in the fragment: the browser never sends it in the URL; the page sends it
    // as a bearer token on each data request.
    let url = format!("{base}/dashboard#key={KEY}");
    let profile = dir.0.join("chromium-profile");
    let dom = dump_dom(&browser, profile.clone(), url.clone()).await;
    let requests_seen = std::mem::take(&mut *seen.lock().unwrap());
    for path in ["/health", "/v1/ops/summary", "/v1/alerts"] {
        assert!(
            requests_seen.iter().any(|(p, _)| p == path),
            "the page did not fetch {path}: {requests_seen:?}"
        );
    }
    let bearer = format!("Bearer {KEY}");
    assert!(
        requests_seen
            .iter()
            .all(|(_, auth)| auth.as_deref() == Some(bearer.as_str())),
        "a data request without the key: {requests_seen:?}"
    );
    assert!(
        is_hidden(&dom, "auth"),
        "the key form shows with a good key"
    );
    assert!(!dom.contains(KEY), "the key is in the page");
    let database = dom
        .split("<tr data-component=\"database\">")
        .nth(1)
        .unwrap_or_else(|| panic!("no database row in the rendered dashboard:\n{dom}"));
    let database = &database[..database.find("</tr>").unwrap()];
    assert!(database.contains(">healthy<"), "database row: {database}");
    let requests: u64 = text_of(&dom, "kpi-requests")
        .parse()
        .expect("a request count");
    assert!(requests >= 15, "request count {requests}");
    assert_ne!(text_of(&dom, "overall-status"), "loading");
    assert!(
        dom.contains("get_standings"),
        "the tools table shows the calls"
    );
    assert!(dom.contains("no model loaded"));
    assert!(
        dom.contains("data-rule=\"error_rate\""),
        "active alerts are listed"
    );
    assert!(dom.contains("data-rule=\"feature_drift\""));
    assert!(
        dom.contains(">elo_diff<"),
        "the drift table shows the features"
    );
    assert_eq!(text_of(&dom, "kpi-cache"), "66.7%");

    // No key: the data routes answer 401 and the page asks for a key, quoting the server.
    let dom = dump_dom(
        &browser,
        dir.0.join("chromium-no-key"),
        format!("{base}/dashboard"),
    )
    .await;
    let requests_seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        !requests_seen.is_empty() && requests_seen.iter().all(|(_, auth)| auth.is_none()),
        "{requests_seen:?}"
    );
    assert!(
        !is_hidden(&dom, "auth"),
        "no key form without a key:\n{dom}"
    );
    let message = text_of(&dom, "auth-message");
    assert!(
        message.contains("HTTP 401")
            && message.contains("authentication required: send Authorization: Bearer"),
        "{message}"
    );
    assert!(!is_hidden(&dom, "auth-form"));
    assert_eq!(text_of(&dom, "overall-status"), "locked");
    assert!(is_hidden(&dom, "forget-key"));

    // A key the server knows but refuses the data: 403, its message shown.
    let dom = dump_dom(
        &browser,
        dir.0.join("chromium-forbidden"),
        format!("{base}/dashboard#key={KEY_WITHOUT_HEALTH}"),
    )
    .await;
    let requests_seen = std::mem::take(&mut *seen.lock().unwrap());
    let refused = format!("Bearer {KEY_WITHOUT_HEALTH}");
    assert!(
        requests_seen
            .iter()
            .all(|(_, auth)| auth.as_deref() == Some(refused.as_str())),
        "{requests_seen:?}"
    );
    assert!(!is_hidden(&dom, "auth"));
    let message = text_of(&dom, "auth-message");
    assert!(
        message.contains("HTTP 403") && message.contains("needs permission health:read"),
        "{message}"
    );
    assert!(
        !is_hidden(&dom, "forget-key"),
        "a stored key can be forgotten"
    );

    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("dashboard.png");
    let _ = std::fs::remove_file(&png);
    let args = vec![
        format!("--screenshot={}", png.display()),
        "--window-size=1280,900".into(),
    ];
    let profile = dir.0.join("chromium-screenshot");
    tokio::task::spawn_blocking(move || run_chromium(&browser, &profile, &args, &url))
        .await
        .unwrap();
    let bytes =
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(
        bytes.len() > 10_000,
        "a rendered page, not a blank one: {} bytes",
        bytes.len()
    );
    eprintln!("dashboard screenshot: {}", png.display());
    ops.shutdown().await;
}
