//! Connections: half-sent heads, silence, stalled bodies, idle keep-alive, a flood past the
//! cap; and what arrives on them: malformed JSON-RPC, two credentials, a foreign Host, the
//! public health probe.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn slow_idle_and_flooding_connections_are_bounded() {
    let t = Temp::new("conn");
    let db = format!("sqlite://{}/nba.db", t.0.display());
    let key = make_key(&db, &t.0, "viewer", "viewer");
    let server = crate::support::serve(
        &db,
        &t.0,
        &[
            ("NBA_MCP_HEADER_TIMEOUT_S", "2"),
            ("NBA_MCP_BODY_TIMEOUT_S", "2"),
            ("NBA_MCP_IDLE_TIMEOUT_S", "4"),
            ("NBA_MCP_MAX_CONNECTIONS", "40"),
        ],
    );
    // Half a request head, then silence: closed at the header deadline.
    let mut half = server.connect();
    half.write_all(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let (_, after) = until_closed(half);
    println!("half-sent head closed after {after:?}");
    assert!(
        after < Duration::from_secs(5),
        "half-sent head held {after:?}"
    );
    // Connect and send nothing.
    let (_, after) = until_closed(server.connect());
    println!("silent connection closed after {after:?}");
    assert!(
        after < Duration::from_secs(5),
        "silent connection held {after:?}"
    );
    // Headers, then a body that stops.
    let mut trickle = server.connect();
    let head = format!("POST /v1/tools/list_teams HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"sea");
    trickle.write_all(head.as_bytes()).unwrap();
    let (answer, after) = until_closed(trickle);
    println!(
        "stalled body ended after {after:?}: {:?}",
        answer.lines().next()
    );
    assert!(
        after < Duration::from_secs(8),
        "stalled body held {after:?}"
    );
    // A keep-alive connection that goes quiet after one answer is closed too.
    let mut keep = server.connect();
    keep.write_all(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let (answer, after) = until_closed(keep);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    println!("idle keep-alive closed after {after:?}");
    assert!(
        after < Duration::from_secs(6),
        "idle keep-alive held {after:?}"
    );

    // A flood: 200 connections that send nothing. Past the cap of 40 they get 503 at once.
    let rss_before = rss_kb(server.child.id());
    let started = Instant::now();
    let conns: Vec<TcpStream> = (0..200).map(|_| server.connect()).collect();
    let opened = started.elapsed();
    let (mut held, mut shed, mut closed) = (Vec::new(), 0, 0);
    for mut s in conns {
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 64];
        match s.read(&mut buf) {
            Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 503") => shed += 1,
            // Beyond 64 answers in progress, refused connections are simply closed.
            Ok(_) => closed += 1,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                held.push(s)
            }
            Err(_) => closed += 1,
        }
    }
    println!("flood: 200 connections opened in {opened:?}");
    println!(
        "flood: {} held open, {shed} shed with 503, {closed} closed, in {:?}; RSS {} -> {} kB",
        held.len(),
        started.elapsed(),
        rss_before,
        rss_kb(server.child.id())
    );
    assert!(
        held.len() <= 40,
        "{} connections held past the cap of 40",
        held.len()
    );
    assert!(shed >= 50, "only {shed} refused connections got a 503");
    // The held ones time out; then the server answers as before.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    let live = loop {
        let a = curl(&server.url("/live"), None, None, &[]);
        if a.status == 200 || Instant::now() > deadline {
            break a;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(live.status, 200, "{}", live.body);
    let metrics = curl(&server.url("/metrics"), Some(&key), None, &[]);
    assert!(
        metrics
            .body
            .contains("nba_mcp_shed_total{reason=\"connections\"}"),
        "{}",
        metrics.body
    );

    // Malformed JSON-RPC gets JSON-RPC errors, not plain text.
    let accept = ["-H", "accept: application/json, text/event-stream"];
    let a = curl(
        &server.url("/mcp"),
        Some(&key),
        Some("{\"jsonrpc\":"),
        &accept,
    );
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.json()["error"]["code"], -32700, "{}", a.body);
    assert_eq!(a.json()["id"], serde_json::Value::Null);
    let a = curl(&server.url("/mcp"), Some(&key), Some("[]"), &accept);
    assert_eq!(a.json()["error"]["code"], -32600, "{}", a.body);
    let a = curl(&server.url("/mcp"), Some(&key), Some("{\"id\":1}"), &accept);
    assert_eq!(a.json()["error"]["code"], -32600, "{}", a.body);
    // Two Authorization headers are refused.
    let a = curl(
        &server.url("/v1/tools"),
        Some(&key),
        None,
        &["-H", &format!("Authorization: Bearer {key}")],
    );
    assert_eq!(a.status, 401, "{}", a.body);
    // A foreign Host is not echoed into the challenge.
    let a = curl(
        &server.url("/v1/tools"),
        None,
        None,
        &["-H", "Host: evil.example"],
    );
    assert_eq!(a.status, 401);
    assert!(
        !a.header("www-authenticate")
            .unwrap_or_default()
            .contains("evil.example"),
        "{}",
        a.headers
    );
    // The load balancer's probe needs no key.
    let a = curl(&server.url("/health"), None, None, &[]);
    assert!(a.status == 200 || a.status == 503, "{}", a.status);
    assert!(a.json()["components"]["database"].is_object(), "{}", a.body);
}
