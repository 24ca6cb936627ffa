//! Abuse limits: the per-principal rate limit, Origin and body size on /mcp.

use super::*;

#[tokio::test]
async fn a_burst_past_the_rate_limit_gets_429_with_retry_after() {
    let s = setup(Some(RateLimit {
        per_second: 2.0,
        burst: 5.0,
    }))
    .await;
    let (viewer, admin) = (s.key(Role::Viewer), s.key(Role::Admin));
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = send(
            &s.router,
            request(
                Method::POST,
                "/v1/tools/compute_metrics",
                Some(viewer),
                Some(json!({"player": {"pts": 10, "fga": 8}})),
            ),
        )
        .await;
        statuses.push((r.status, r.headers.get(header::RETRY_AFTER).cloned()));
    }
    let ok = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .count();
    let limited: Vec<_> = statuses
        .iter()
        .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(ok, 5, "the burst passes: {statuses:?}");
    assert_eq!(limited.len(), 3, "{statuses:?}");
    assert!(limited.iter().all(|(_, h)| h.as_ref().is_some_and(|v| v
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        >= 1)));
    // Over MCP the limit is a tool error; another principal is unaffected.
    let r = send(
        &s.router,
        mcp(
            Some(viewer),
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        ),
    )
    .await;
    assert_eq!(r.body["result"]["isError"], json!(true), "{}", r.body);
    assert!(r.body["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("rate limit"));
    let r = send(
        &s.router,
        request(Method::POST, "/v1/tools/whoami", Some(admin), None),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A browser page elsewhere cannot drive `/mcp` even with a key: a present `Origin` must be
/// a loopback page (by default); clients that send no `Origin` are unaffected.
#[tokio::test]
async fn mcp_refuses_foreign_origins_and_bodies_over_the_limit() {
    let s = setup(None).await;
    let admin = s.key(Role::Admin);
    for (origin, allowed) in [
        (Some("https://evil.example"), false),
        (Some("http://127.0.0.1.evil.example"), false),
        (Some("http://localhost:6274"), true),
        (None, true),
    ] {
        let mut r = mcp(Some(admin), "tools/list", json!({}));
        if let Some(o) = origin {
            r.headers_mut().insert(header::ORIGIN, o.parse().unwrap());
        }
        let reply = send(&s.router, r).await;
        if allowed {
            assert_eq!(reply.status, StatusCode::OK, "{origin:?}: {}", reply.body);
        } else {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{origin:?}: {}",
                reply.body
            );
        }
    }
    let big = "x".repeat(2 * 1024 * 1024);
    let reply = send(
        &s.router,
        mcp(
            Some(admin),
            "tools/call",
            json!({"name": "whoami", "arguments": {"pad": big}}),
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    let reply = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/whoami",
            Some(admin),
            Some(json!({"pad": "x".repeat(2 * 1024 * 1024)})),
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
}
