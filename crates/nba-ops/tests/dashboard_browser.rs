//! The dashboard in headless Chromium against a running server with a real SQLite store:
//! the rendered page shows the database component healthy and a non-zero request count,
//! and a screenshot is written to `target/screenshots/dashboard.png`.
//! Needs Debian's chromium: `scripts/setup-chromium.sh` installs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use axum::http::StatusCode;
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
    let (ops, routes) = Ops::builder(store, config)
        .drift_source(drift.clone())
        .start()
        .await
        .unwrap();
    let app = Router::new()
        .route("/v1/tools", get(|| async { "{\"tools\":[]}" }))
        .route(
            "/v1/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .merge(routes)
        .layer(axum::middleware::from_fn(nba_ops::track_http));
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

    let url = format!("{base}/dashboard");
    let (browser2, profile) = (browser.clone(), dir.0.join("chromium-profile"));
    let dom = {
        let (url, profile) = (url.clone(), profile.clone());
        tokio::task::spawn_blocking(move || {
            run_chromium(&browser2, &profile, &["--dump-dom".into()], &url)
        })
        .await
        .unwrap()
    };
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

    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("dashboard.png");
    let _ = std::fs::remove_file(&png);
    let args = vec![
        format!("--screenshot={}", png.display()),
        "--window-size=1280,900".into(),
    ];
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
