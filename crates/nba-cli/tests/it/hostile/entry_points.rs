//! Every entry point goes through permission and audit: the HTTP API, MCP over Streamable
//! HTTP and over stdio (tools, resources, prompts), the HTTP operations routes, and the
//! command line's admin actions. A viewer is refused `audit_log` on each transport, and the
//! audit log then holds one entry per request with its transport, action, target and
//! outcome.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{command, curl, make_key, Answer, Served, Temp};

const ACCEPT: &str = "accept: application/json, text/event-stream";
const VERSION: &str = "2025-11-25";

fn mcp(server: &Served, key: &str, session: Option<&str>, body: &str) -> Answer {
    let session = session.map(|s| format!("mcp-session-id: {s}"));
    let version = format!("mcp-protocol-version: {VERSION}");
    let mut extra = vec!["-H", ACCEPT, "-H", &version];
    if let Some(s) = &session {
        extra.extend(["-H", s.as_str()]);
    }
    curl(&server.url("/mcp"), Some(key), Some(body), &extra)
}

fn initialize(id: u32) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"initialize","params":{{"protocolVersion":"{VERSION}","capabilities":{{}},"clientInfo":{{"name":"entry-points","version":"1"}}}}}}"#
    )
}

/// The three MCP requests every MCP transport sends, ids 2..=4.
const MCP_CALLS: [&str; 3] = [
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"audit_log","arguments":{}}}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"nba://schema"}}"#,
    r#"{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"season_review","arguments":{"team":"Boston","season":"2015-16"}}}"#,
];
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// Runs `nba-mcp mcp` with the viewer's key, sends initialize and the three calls, and
/// returns the answers by id.
fn over_stdio(t: &Temp, db: &str, key: &str) -> Vec<Value> {
    let mut child = command(db, &t.0)
        .arg("mcp")
        .env("NBA_MCP_API_KEY", key)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nba-mcp mcp");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", initialize(1)).unwrap();
    writeln!(stdin, "{INITIALIZED}").unwrap();
    for call in MCP_CALLS {
        writeln!(stdin, "{call}").unwrap();
    }
    stdin.flush().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answers = Vec::new();
    while answers.len() < 4 {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = rx.recv_timeout(left) else {
            let _ = child.kill();
            panic!(
                "stdio answered {} of 4 requests: {answers:?}",
                answers.len()
            );
        };
        let v: Value = serde_json::from_str(&line).expect("a JSON-RPC line");
        if v.get("id").is_some() {
            answers.push(v);
        }
    }
    drop(stdin);
    let _ = child.wait();
    answers
}

fn forbidden_tool_result(v: &Value) -> bool {
    let text = v.to_string();
    text.contains("forbidden") && text.contains("audit:read")
}

#[test]
fn every_entry_point_checks_permission_and_is_audited() {
    let t = Temp::new("entry_points");
    let db = format!("sqlite://{}/nba.db", t.0.display());
    // The command line: two admin actions, audited as `cli`.
    let viewer = make_key(&db, &t.0, "vera", "viewer");
    let server = crate::support::serve(&db, &t.0, &[("NBA_MCP_AUTO_LOAD", "false")]);

    // The HTTP API: a tool the viewer may call, one it may not, an operations route.
    let ok = curl(
        &server.url("/v1/tools/whoami"),
        Some(&viewer),
        Some("{}"),
        &[],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let denied = curl(
        &server.url("/v1/tools/audit_log"),
        Some(&viewer),
        Some("{}"),
        &[],
    );
    assert_eq!(denied.status, 403, "{}", denied.body);
    let alerts = curl(&server.url("/v1/alerts"), Some(&viewer), None, &[]);
    assert_eq!(alerts.status, 200, "{}", alerts.body);
    // An unknown tool is refused before anything runs (no audit entry: nothing was called).
    let unknown = curl(
        &server.url("/v1/tools/no_such_tool"),
        Some(&viewer),
        Some("{}"),
        &[],
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // MCP over Streamable HTTP.
    let init = mcp(&server, &viewer, None, &initialize(1));
    let session = init
        .header("mcp-session-id")
        .unwrap_or_else(|| panic!("no session: {} {}", init.headers, init.body));
    mcp(&server, &viewer, Some(&session), INITIALIZED);
    let answers: Vec<Answer> = MCP_CALLS
        .iter()
        .map(|c| mcp(&server, &viewer, Some(&session), c))
        .collect();
    for a in &answers {
        assert_eq!(a.status, 200, "{}", a.body);
    }
    assert!(
        forbidden_tool_result(&Value::String(answers[0].body.clone())),
        "{}",
        answers[0].body
    );

    // MCP over stdio, with the viewer's key.
    let stdio = over_stdio(&t, &db, &viewer);
    let call = stdio
        .iter()
        .find(|v| v["id"] == 2)
        .expect("tools/call answer");
    assert!(forbidden_tool_result(call), "{call}");
    assert!(stdio
        .iter()
        .any(|v| v["id"] == 3 && v.get("result").is_some()));

    drop(server);
    let out = command(&db, &t.0)
        .args(["audit", "export"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let has = |transport: &str, action: &str, target: &str, outcome: &str| {
        entries.iter().any(|e| {
            e["transport"] == transport
                && e["action"] == action
                && e["target"] == target
                && e["outcome"]
                    .as_str()
                    .is_some_and(|o| o.starts_with(outcome))
        })
    };
    let expected = [
        ("cli", "users:add", "", "ok"),
        ("cli", "keys:create", "", "ok"),
        ("http", "tools/call", "whoami", "ok"),
        ("http", "tools/call", "audit_log", "denied"),
        ("http", "http", "GET /v1/alerts", "ok"),
        ("mcp-http", "tools/call", "audit_log", "denied"),
        ("mcp-http", "resources/read", "nba://schema", "ok"),
        ("mcp-http", "prompts/get", "season_review", "ok"),
        ("mcp-stdio", "tools/call", "audit_log", "denied"),
        ("mcp-stdio", "resources/read", "nba://schema", "ok"),
        ("mcp-stdio", "prompts/get", "season_review", "ok"),
    ];
    for (transport, action, target, outcome) in expected {
        let found = if target.is_empty() {
            entries.iter().any(|e| {
                e["transport"] == transport && e["action"] == action && e["outcome"] == outcome
            })
        } else {
            has(transport, action, target, outcome)
        };
        assert!(
            found,
            "no audit entry {transport} {action} {target} {outcome}; the log:\n{}",
            entries
                .iter()
                .map(|e| format!(
                    "{} {} {} {}",
                    e["transport"], e["action"], e["target"], e["outcome"]
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        !entries.iter().any(|e| e["target"] == "no_such_tool"),
        "an unknown tool name reached the audited path"
    );
}
