//! A PostgreSQL outage: 503s, predictions from memory, a reachable /health and /metrics,
//! recovery without a restart, every audit entry of the outage kept.

use std::process::Command;
use std::time::{Duration, Instant};

use super::cluster::*;
use crate::support::*;

#[test]
fn a_postgres_outage_degrades_and_recovers_without_a_restart() {
    if Command::new(pg_bin("initdb"))
        .arg("--version")
        .output()
        .is_err()
    {
        panic!(
            "PostgreSQL server binaries (initdb, pg_ctl) are needed: apt-get install postgresql"
        );
    }
    let cluster = Cluster::start();
    let t = Temp::new("outage");
    let db = cluster.url();
    let key = make_key(&db, &t.0, "ops", "viewer");
    let stranger = make_key(&db, &t.0, "stranger", "viewer");
    let server = crate::support::serve(
        &db,
        &t.0,
        &[
            ("NBA_MCP_DB_MAX_CONNECTIONS", "4"),
            ("NBA_MCP_AUTH_GRACE_S", "600"),
        ],
    );
    let standings = r#"{"season":"2025-26"}"#;
    let a = curl(
        &server.url("/v1/tools/get_standings"),
        Some(&key),
        Some(standings),
        &[],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let predict = r#"{"home":"BOS","away":"LAL","date":"2027-01-15"}"#;
    assert_eq!(
        curl(&server.url("/v1/predict"), Some(&key), Some(predict), &[]).status,
        200
    );
    let before = audit_rows(&db, &t.0).len();

    cluster.down();
    let down_at = Instant::now();
    let live = curl(&server.url("/live"), None, None, &[]);
    assert_eq!(live.status, 200);
    // An answer already in the answer cache is still served (no database round trip).
    let cached = curl(
        &server.url("/v1/tools/get_standings"),
        Some(&key),
        Some(standings),
        &[],
    );
    assert_eq!(cached.status, 200, "{}", cached.body);
    // Data not asked for before needs the database: 503 with Retry-After, never a 401 for a
    // valid key.
    let uncached = r#"{"season":"2024-25"}"#;
    let mut outage_calls = 1;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let a = curl(
            &server.url("/v1/tools/get_standings"),
            Some(&key),
            Some(uncached),
            &[],
        );
        assert_eq!(a.status, 503, "{}", a.body);
        assert!(a.header("retry-after").is_some(), "{}", a.headers);
        slowest = slowest.max(a.elapsed);
        outage_calls += 1;
    }
    println!(
        "outage: data tool 503 in at most {slowest:?}; RSS {} kB",
        rss_kb(server.child.id())
    );
    assert!(slowest < Duration::from_secs(3), "a 503 took {slowest:?}");
    // Predictions come from memory and keep working.
    let p = curl(&server.url("/v1/predict"), Some(&key), Some(predict), &[]);
    assert_eq!(p.status, 200, "{}", p.body);
    println!("outage: prediction from memory in {:?}", p.elapsed);
    outage_calls += 1;
    // A key never seen by this server cannot be checked: 503, not 401.
    let a = curl(&server.url("/v1/tools"), Some(&stranger), None, &[]);
    assert_eq!(a.status, 503, "{}", a.body);
    // The operators' view stays reachable and says what is down.
    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        let h = curl(&server.url("/health"), None, None, &[]);
        if h.status == 503 || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(health.status, 503, "{}", health.body);
    assert_eq!(
        health.json()["components"]["database"]["status"],
        "unhealthy"
    );
    let metrics = curl(&server.url("/metrics"), Some(&key), None, &[]);
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    outage_calls += 1;
    println!(
        "outage: 503s and /health unhealthy within {:?}",
        down_at.elapsed()
    );

    cluster.up();
    let up_at = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(60);
    let back = loop {
        let a = curl(
            &server.url("/v1/tools/get_standings"),
            Some(&key),
            Some(standings),
            &[],
        );
        if a.status == 200 || Instant::now() > deadline {
            break a;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(back.status, 200, "{}", back.body);
    println!(
        "recovered {:?} after the database came back",
        up_at.elapsed()
    );
    // Every call made during the outage is in the audit log, in one chain that verifies.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = audit_rows(&db, &t.0);
        if rows.len() >= before + outage_calls || Instant::now() > deadline {
            assert!(
                rows.len() >= before + outage_calls,
                "{} audit rows before, {} after {outage_calls} audited calls during the outage",
                before,
                rows.len()
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = command(&db, &t.0)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(server);
}
