//! Every role against every tool, route, resource and prompt, over HTTP and MCP.

use super::*;

#[tokio::test]
async fn every_role_against_every_tool_over_http_and_mcp() {
    let s = setup(None).await;
    for (role, key) in &s.keys {
        let expected: Vec<&str> = s
            .app
            .tools()
            .iter()
            .filter(|t| t.permission.is_none_or(|p| role.allows(p)))
            .map(|t| t.name)
            .collect();
        // The catalogs show exactly what the role may call.
        let listed = send(
            &s.router,
            request(Method::GET, "/v1/tools", Some(key), None),
        )
        .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        let names: Vec<&str> = listed.body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names, expected, "GET /v1/tools as {role:?}");
        let listed = send(&s.router, mcp(Some(key), "tools/list", json!({}))).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        let names: Vec<&str> = listed.body["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("tools/list as {role:?}: {}", listed.body))
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names, expected, "MCP tools/list as {role:?}");

        for tool in s.app.tools() {
            let allowed = tool.permission.is_none_or(|p| role.allows(p));
            let http = send(
                &s.router,
                request(
                    Method::POST,
                    &format!("/v1/tools/{}", tool.name),
                    Some(key),
                    Some(json!({})),
                ),
            )
            .await;
            let over_mcp = send(
                &s.router,
                mcp(
                    Some(key),
                    "tools/call",
                    json!({"name": tool.name, "arguments": {}}),
                ),
            )
            .await;
            let result = &over_mcp.body["result"];
            if allowed {
                assert_ne!(
                    http.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {}: {}",
                    tool.name,
                    http.body
                );
                assert_ne!(
                    http.status,
                    StatusCode::UNAUTHORIZED,
                    "{role:?} {}",
                    tool.name
                );
                assert!(
                    !is_forbidden_text(result),
                    "{role:?} {} over MCP: {}",
                    tool.name,
                    over_mcp.body
                );
            } else {
                assert_eq!(
                    http.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {}: {}",
                    tool.name,
                    http.body
                );
                assert_eq!(http.body["error"]["code"], "forbidden");
                let message = http.body["error"]["message"].as_str().unwrap();
                let needed = tool.permission.unwrap().as_str();
                assert!(
                    message.contains(needed) && message.contains(role.as_str()),
                    "{message}"
                );
                assert!(
                    is_forbidden_text(result),
                    "{role:?} {} over MCP: {}",
                    tool.name,
                    over_mcp.body
                );
            }
        }
    }
}

#[tokio::test]
async fn every_role_against_every_route() {
    let s = setup(None).await;
    let routes: &[(&str, Option<Permission>)] = &[
        // The load balancer's target: public, with or without a key.
        ("/health", None),
        ("/health/database", Some(Permission::HealthRead)),
        ("/metrics", Some(Permission::HealthRead)),
        ("/v1/alerts", Some(Permission::HealthRead)),
        ("/v1/ops/summary", Some(Permission::HealthRead)),
        ("/v1/tools", None),
    ];
    for (role, key) in &s.keys {
        for (path, permission) in routes {
            let reply = send(&s.router, request(Method::GET, path, Some(key), None)).await;
            let allowed = permission.is_none_or(|p| role.allows(p));
            if allowed {
                assert!(
                    reply.status != StatusCode::FORBIDDEN
                        && reply.status != StatusCode::UNAUTHORIZED,
                    "{role:?} GET {path}: {}",
                    reply.status
                );
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role:?} GET {path}");
            }
            // Without a key every one of them is 401 with the challenge, except the
            // public health report.
            let anonymous = send(&s.router, request(Method::GET, path, None, None)).await;
            if *path == "/health" {
                assert!(
                    anonymous.status == StatusCode::OK
                        || anonymous.status == StatusCode::SERVICE_UNAVAILABLE,
                    "GET {path}: {}",
                    anonymous.status
                );
            } else {
                assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "GET {path}");
            }
        }
        for (method, path) in [
            (Method::POST, "/v1/predict"),
            (Method::POST, "/v1/predict/batch"),
        ] {
            let reply = send(&s.router, request(method, path, Some(key), Some(json!({})))).await;
            if role.allows(Permission::PredictionsRead) {
                assert!(
                    reply.status != StatusCode::FORBIDDEN
                        && reply.status != StatusCode::UNAUTHORIZED,
                    "{role:?} {path}: {}",
                    reply.body
                );
            } else {
                // The metrics role: operations reads only.
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role:?} {path}");
            }
        }
    }
    // Public: probes, the OpenAPI document, the dashboard page, resource metadata.
    for path in [
        "/live",
        "/ready",
        "/v1/openapi.json",
        "/dashboard",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let reply = send(&s.router, request(Method::GET, path, None, None)).await;
        assert!(
            reply.status != StatusCode::UNAUTHORIZED && reply.status != StatusCode::FORBIDDEN,
            "GET {path} is public: {}",
            reply.status
        );
    }
}

#[tokio::test]
async fn resources_and_prompts_are_checked_and_audited() {
    let s = setup(None).await;
    let viewer = s.key(Role::Viewer);
    let read = send(
        &s.router,
        mcp(
            Some(viewer),
            "resources/read",
            json!({"uri": "nba://schema"}),
        ),
    )
    .await;
    assert!(
        read.body["result"]["contents"][0]["text"].is_string(),
        "{}",
        read.body
    );
    s.app.flush_audit().await;
    let records = s.app.store().audit_records(0, 1000).await.unwrap();
    assert!(
        records.iter().any(|r| r.entry.action == "resources/read"
            && r.entry.target == "nba://schema"
            && r.entry.outcome == "ok"
            && r.entry.role == "viewer"
            && r.entry.transport == "mcp-http"),
        "{records:#?}"
    );
}
