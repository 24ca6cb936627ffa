//! Bad API keys and OAuth tokens: 401 challenges, scopes, metadata, audited failures.

use super::*;

#[tokio::test]
async fn bad_credentials_get_401_with_the_resource_metadata_challenge() {
    let s = setup(None).await;
    let store = s.app.store();
    let viewer = store.principal("viewer").await.unwrap().unwrap();
    let cli = nba_app::Caller::cli();
    let old = nba_app::admin::create_key(store, &cli, &viewer.id, "old", None)
        .await
        .unwrap();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    assert!(store.set_api_key_expiry(&old.row.id, &past).await.unwrap());
    let expired = old.secret;
    let gone = nba_app::admin::create_key(store, &cli, &viewer.id, "gone", None)
        .await
        .unwrap();
    let revoked = gone.secret;
    store
        .revoke_api_key(&gone.row.id, "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    let unknown = format!("nba_mcp_{}", "A".repeat(40));
    let cases: Vec<(&str, Option<String>, Option<&str>)> = vec![
        ("missing", None, None),
        (
            "expired",
            Some(expired.expose_secret().to_string()),
            Some("expired"),
        ),
        (
            "revoked",
            Some(revoked.expose_secret().to_string()),
            Some("revoked"),
        ),
        ("unknown", Some(unknown), Some("not valid")),
        (
            "malformed key",
            Some("nba_mcp_short".into()),
            Some("nba_mcp_"),
        ),
        ("not a JWT", Some("abc.def".into()), Some("JWT")),
    ];
    for (what, bearer, says) in cases {
        for path in ["/v1/tools", "/mcp"] {
            let req = if path == "/mcp" {
                mcp(bearer.as_deref(), "tools/list", json!({}))
            } else {
                request(Method::GET, path, bearer.as_deref(), None)
            };
            let reply = send(&s.router, req).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{what} {path}: {}",
                reply.body
            );
            let challenge = reply.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.starts_with("Bearer resource_metadata=\"http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp\""),
                "{challenge}"
            );
            if let Some(says) = says {
                assert!(
                    challenge.contains("error=\"invalid_token\""),
                    "{what}: {challenge}"
                );
                let message = reply.body["error"]["message"].as_str().unwrap();
                assert!(message.contains(says), "{what}: {message}");
            } else {
                assert!(!challenge.contains("error="), "{challenge}");
            }
        }
    }
    // Other schemes are refused, and secrets never appear in the answer.
    let mut basic = request(Method::GET, "/v1/tools", None, None);
    basic
        .headers_mut()
        .insert(header::AUTHORIZATION, "Basic dXNlcjpwYXNz".parse().unwrap());
    assert_eq!(
        send(&s.router, basic).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Failures are audited without the credential.
    s.app.flush_audit().await;
    let records = s.app.store().audit_records(0, 10_000).await.unwrap();
    let failures: Vec<_> = records
        .iter()
        .filter(|r| r.entry.action == "authenticate")
        .collect();
    assert!(failures
        .iter()
        .any(|r| r.entry.outcome == "invalid_credentials:expired_key"
            && r.entry.principal == viewer.id));
    assert!(failures
        .iter()
        .any(|r| r.entry.outcome == "invalid_credentials:revoked_key"));
    assert!(failures
        .iter()
        .any(|r| r.entry.outcome == "invalid_credentials:unknown_key"
            && r.entry.principal == "unknown"));
    let dump = serde_json::to_string(&records).unwrap();
    assert!(
        !dump.contains(expired.expose_secret()) && !dump.contains("nba_mcp_AAAA"),
        "no secrets in the audit log"
    );
}

fn token(scope: &str, audience: &str, key: &str, kid: &str, exp_in: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": ISSUER, "aud": audience, "sub": "client-42",
        "iat": now, "exp": now + exp_in, "scope": scope
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let key = EncodingKey::from_rsa_pem(fixture(key).as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

#[tokio::test]
async fn oauth_tokens_are_validated_and_scopes_enforced() {
    let s = setup(None).await;
    let good = token(
        "data:read predictions:read health:read",
        RESOURCE,
        "rsa_a.pem",
        "test-rsa-a",
        600,
    );
    let reply = send(
        &s.router,
        mcp(
            Some(&good),
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        ),
    )
    .await;
    let me = &reply.body["result"]["structuredContent"];
    assert_eq!(me["auth_method"], "jwt", "{}", reply.body);
    assert_eq!(me["role"], "viewer");
    assert!(me["principal"].as_str().unwrap().starts_with("jwt_"));

    // A tool beyond the token's scopes: 403 insufficient_scope, naming the scope to ask for.
    let reply = send(
        &s.router,
        mcp(
            Some(&good),
            "tools/call",
            json!({"name": "query_sql", "arguments": {"sql": "SELECT 1"}}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let challenge = reply.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"sql:query\""),
        "{challenge}"
    );
    assert!(challenge.contains("resource_metadata="), "{challenge}");

    for (what, bad, says) in [
        (
            "wrong audience",
            token(
                "data:read",
                "https://other.example/mcp",
                "rsa_a.pem",
                "test-rsa-a",
                600,
            ),
            "audience",
        ),
        (
            "expired",
            token("data:read", RESOURCE, "rsa_a.pem", "test-rsa-a", -3600),
            "expired",
        ),
        (
            "unknown signing key",
            token("data:read", RESOURCE, "rsa_b.pem", "test-rsa-b", 600),
            "does not trust",
        ),
        (
            "forged kid",
            token("data:read", RESOURCE, "rsa_b.pem", "test-rsa-a", 600),
            "signature",
        ),
    ] {
        let reply = send(&s.router, mcp(Some(&bad), "tools/list", json!({}))).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{what}: {message}");
    }

    // Protected resource metadata names the issuer and the resource.
    let meta = send(
        &s.router,
        request(
            Method::GET,
            "/.well-known/oauth-protected-resource/mcp",
            None,
            None,
        ),
    )
    .await;
    assert_eq!(meta.body["resource"], RESOURCE);
    assert_eq!(meta.body["authorization_servers"], json!([ISSUER]));
    assert!(meta.body["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("sql:query")));
    let root = send(
        &s.router,
        request(
            Method::GET,
            "/.well-known/oauth-protected-resource",
            None,
            None,
        ),
    )
    .await;
    assert_eq!(root.body["resource"], "http://127.0.0.1:8080");
}
