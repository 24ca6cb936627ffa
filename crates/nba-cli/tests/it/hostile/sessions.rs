//! MCP sessions capped per principal and owned by their creator; CPU-heavy calls from two
//! callers at once while /live keeps answering.

use std::time::{Duration, Instant};

use crate::support::*;

fn initialize(server: &Served, key: &str) -> Answer {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    curl(
        &server.url("/mcp"),
        Some(key),
        Some(body),
        &[
            "-H",
            "accept: application/json, text/event-stream",
            "--max-time",
            "5",
        ],
    )
}

#[test]
fn mcp_sessions_are_capped_and_owned_and_cpu_work_is_bounded() {
    let t = Temp::new("sessions");
    let db = format!("sqlite://{}/nba.db", t.0.display());
    let alice = make_key(&db, &t.0, "alice", "viewer");
    let bob = make_key(&db, &t.0, "bob", "viewer");
    let server = crate::support::serve(
        &db,
        &t.0,
        &[
            ("NBA_MCP_MAX_SESSIONS_PER_PRINCIPAL", "2"),
            ("NBA_MCP_TOOL_TIMEOUT_S", "2"),
        ],
    );
    let first = initialize(&server, &alice);
    let session = first
        .header("mcp-session-id")
        .unwrap_or_else(|| panic!("no session: {} {}", first.headers, first.body));
    assert!(initialize(&server, &alice)
        .header("mcp-session-id")
        .is_some());
    let third = initialize(&server, &alice);
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.header("retry-after").is_some());
    assert!(third.body.contains("sessions open"), "{}", third.body);
    // Bob may open his own, but not use Alice's.
    assert!(initialize(&server, &bob).header("mcp-session-id").is_some());
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    let stolen = curl(
        &server.url("/mcp"),
        Some(&bob),
        Some(list),
        &[
            "-H",
            "accept: application/json, text/event-stream",
            "-H",
            &format!("mcp-session-id: {session}"),
            "-H",
            "mcp-protocol-version: 2025-11-25",
        ],
    );
    assert_eq!(stolen.status, 404, "{}", stolen.body);
    // Ending one of Alice's sessions frees a place.
    let ended = curl(
        &server.url("/mcp"),
        Some(&alice),
        None,
        &["-X", "DELETE", "-H", &format!("mcp-session-id: {session}")],
    );
    assert!(ended.status < 300, "{} {}", ended.status, ended.body);
    assert!(initialize(&server, &alice)
        .header("mcp-session-id")
        .is_some());

    // CPU-heavy calls from two callers at once: /live keeps answering, and each call stops
    // at its 2 s deadline (or finishes sooner) instead of running on.
    let heavy = r#"{"season":"2025-26","simulations":100000}"#;
    let url = server.url("/v1/tools/simulate_season");
    let calls: Vec<_> = [alice.clone(), bob.clone(), alice.clone(), bob.clone()]
        .into_iter()
        .map(|k| {
            let url = url.clone();
            std::thread::spawn(move || curl(&url, Some(&k), Some(heavy), &[]))
        })
        .collect();
    let mut worst = Duration::ZERO;
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let a = curl(&server.url("/live"), None, None, &[]);
        assert_eq!(a.status, 200);
        worst = worst.max(a.elapsed);
    }
    let mut statuses = Vec::new();
    for c in calls {
        let a = c.join().unwrap();
        assert!(
            a.elapsed < Duration::from_secs(6),
            "a call ran {:?}",
            a.elapsed
        );
        statuses.push((a.status, a.elapsed));
    }
    println!("simulate x4: {statuses:?}; slowest /live meanwhile {worst:?}");
    assert!(worst < Duration::from_millis(500), "/live took {worst:?}");
    assert!(
        statuses.iter().all(|(s, _)| [200, 429, 504].contains(s)),
        "{statuses:?}"
    );
}
