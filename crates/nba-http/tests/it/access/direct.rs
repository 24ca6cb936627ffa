//! Stateless `tools/call` requests are answered on the MCP transport's direct path (without
//! rmcp's per-request machinery); the same request with an `Origin` header goes through rmcp.
//! Both must answer alike, for answers, tool errors, denials and unknown tools, and requests
//! the direct path does not understand must still reach rmcp.

use super::*;

fn messages(path: &str) -> u64 {
    nba_ops::metrics().mcp_messages.with(&[path], |c| c.get())
}

/// The same request forced through rmcp: a loopback `Origin` is allowed, and only rmcp checks it.
fn via_rmcp(mut request: Request<Body>) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::ORIGIN, "http://localhost:3000".parse().unwrap());
    request
}

#[tokio::test]
async fn the_direct_path_answers_every_tool_as_rmcp_does() {
    let s = setup(None).await;
    let tools: Vec<String> = s.app.tools().iter().map(|t| t.name.to_string()).collect();
    let mut calls: Vec<(Role, String, Value)> = Vec::new();
    for role in [Role::Viewer, Role::Admin] {
        for tool in &tools {
            calls.push((role, tool.clone(), json!({})));
        }
        calls.push((role, "no_such_tool".into(), json!({})));
        calls.push((role, "find_team".into(), json!({"query": "Celtcs"})));
        calls.push((role, "predict_game".into(), json!({"home": 7})));
    }
    let (direct_before, rmcp_before) = (messages("direct"), messages("rmcp"));
    for (role, tool, arguments) in &calls {
        let key = &s.keys.iter().find(|(r, _)| r == role).unwrap().1;
        let params = json!({ "name": tool, "arguments": arguments });
        let direct = send(&s.router, mcp(Some(key), "tools/call", params.clone())).await;
        let rmcp = send(&s.router, via_rmcp(mcp(Some(key), "tools/call", params))).await;
        assert_eq!(
            direct.status, rmcp.status,
            "{role:?} {tool}: {}",
            direct.body
        );
        assert_eq!(
            direct.headers[header::CONTENT_TYPE],
            rmcp.headers[header::CONTENT_TYPE]
        );
        if tool == "audit_log" {
            // Each call appends to the log it reads: the two answers differ by the calls
            // between them, so compare their shape.
            let keys = |v: &Value| {
                let mut k: Vec<String> = v["result"]["structuredContent"]
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                k.sort();
                (k, v["result"]["isError"].clone())
            };
            assert_eq!(keys(&direct.body), keys(&rmcp.body), "{role:?} {tool}");
        } else {
            assert_eq!(direct.body, rmcp.body, "{role:?} {tool}");
        }
    }
    let n = calls.len() as u64;
    assert_eq!(
        messages("direct") - direct_before,
        n,
        "every plain call went direct"
    );
    assert_eq!(
        messages("rmcp") - rmcp_before,
        n,
        "every call with an Origin went to rmcp"
    );
}

/// What the direct path does not understand goes to rmcp, which answers (or refuses) it as
/// before: a missing or contradicting `Mcp-Name`, a progress token, a weighted `Accept`, a
/// session-era request without per-request metadata.
#[tokio::test]
async fn requests_the_direct_path_does_not_understand_reach_rmcp() {
    let s = setup(None).await;
    let key = &s.keys.iter().find(|(r, _)| *r == Role::Viewer).unwrap().1;
    let call = || {
        mcp(
            Some(key),
            "tools/call",
            json!({ "name": "whoami", "arguments": {} }),
        )
    };
    let rmcp_before = messages("rmcp");

    let mut no_name = call();
    no_name.headers_mut().remove("mcp-name");
    let reply = send(&s.router, no_name).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("Mcp-Name")));

    let mut wrong_name = call();
    wrong_name
        .headers_mut()
        .insert("mcp-name", "list_teams".parse().unwrap());
    let reply = send(&s.router, wrong_name).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    let mut weighted = call();
    weighted.headers_mut().insert(
        header::ACCEPT,
        "application/json;q=0.9, text/event-stream".parse().unwrap(),
    );
    let reply = send(&s.router, weighted).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["result"]["isError"], json!(false));

    let mut params = json!({ "name": "whoami", "arguments": {} });
    let mut progress = mcp(Some(key), "tools/call", params.clone());
    let mut body: Value = serde_json::from_slice(
        &axum::body::to_bytes(std::mem::take(progress.body_mut()), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap();
    body["params"]["_meta"]["progressToken"] = json!("p1");
    *progress.body_mut() = Body::from(body.to_string());
    let reply = send(&s.router, progress).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Without per-request metadata the call is not 2026-07-28's: rmcp routes it.
    params["_meta"] = json!({});
    let mut legacy = request(
        Method::POST,
        "/mcp",
        Some(key),
        Some(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})),
    );
    legacy
        .headers_mut()
        .insert("mcp-protocol-version", "2025-06-18".parse().unwrap());
    send(&s.router, legacy).await;

    assert_eq!(messages("direct"), 0, "none of these went direct");
    assert_eq!(messages("rmcp") - rmcp_before, 5);
}
