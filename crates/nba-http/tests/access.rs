//! Access control end to end, in process: the full HTTP router with the operations routes and
//! the real MCP service at `/mcp`, over an empty SQLite store. Every role against every tool
//! and route, over the HTTP API and over MCP; every kind of bad credential; OAuth tokens
//! (scopes, audience, unknown signing key, step-up 403); rate limits; the audit trail.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nba_app::nba_auth::jwt::JwtValidator;
use nba_app::nba_auth::ratelimit::RateLimit;
use nba_app::nba_auth::{Permission, Role};
use nba_app::{AccessConfig, App};
use nba_store::{Store, StoreOptions};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const ISSUER: &str = "https://auth.example.test";
const RESOURCE: &str = "http://127.0.0.1:8080/mcp";

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../nba-auth/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Setup {
    app: App,
    router: Router,
    /// An API key per role, in `Role::ALL` order.
    keys: Vec<(Role, String)>,
    _dir: TempDir,
    _ops: nba_ops::OpsHandle,
}

async fn setup(rate_limit: Option<RateLimit>) -> Setup {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nba-http-access-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let url = format!("sqlite://{}", dir.join("nba.db").display());
    let store = Store::open(&StoreOptions::new(url)).await.expect("store");
    let access = AccessConfig {
        jwt: Some(JwtValidator::new(ISSUER, RESOURCE, &fixture("jwks.json")).expect("jwks")),
        rate_limit,
        resource_url: Some(RESOURCE.into()),
        ..Default::default()
    };
    let app = App::open(store, None, access).await.expect("app");
    let mut keys = Vec::new();
    for role in Role::ALL {
        let account = nba_app::access::create_account(app.store(), role.as_str(), false, role)
            .await
            .expect("account");
        let (key, _) = nba_app::access::create_key(app.store(), &account.id, "test", None)
            .await
            .expect("key");
        keys.push((role, key.expose_secret().to_string()));
    }
    let (ops, routes) = nba_ops::Ops::start(app.store().clone(), Default::default())
        .await
        .expect("ops");
    app.attach_ops(ops.clone());
    let mcp = nba_mcp::streamable_http_service(
        app.clone(),
        CancellationToken::new(),
        Vec::new(),
        Vec::new(),
    );
    let router = nba_http::router_with_ops(
        app.clone(),
        routes,
        Some(Router::new().nest_service("/mcp", mcp)),
    );
    Setup {
        app,
        router,
        keys,
        _dir: TempDir(dir),
        _ops: ops,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

fn request(method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:8080");
    if let Some(b) = bearer {
        r = r.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    match body {
        Some(v) => r
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => r.body(Body::empty()).unwrap(),
    }
}

/// A stateless (2026-07-28) MCP request: one POST, one JSON answer.
fn mcp(bearer: Option<&str>, method: &str, params: Value) -> Request<Body> {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { "name": "access-test", "version": "0" },
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let mut r = request(
        Method::POST,
        "/mcp",
        bearer,
        Some(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})),
    );
    r.headers_mut()
        .insert("mcp-protocol-version", "2026-07-28".parse().unwrap());
    r.headers_mut()
        .insert("mcp-method", method.parse().unwrap());
    let name = match method {
        "tools/call" | "prompts/get" => params.get("name"),
        "resources/read" => params.get("uri"),
        _ => None,
    };
    if let Some(name) = name.and_then(Value::as_str) {
        r.headers_mut().insert("mcp-name", name.parse().unwrap());
    }
    r
}

fn is_forbidden_text(result: &Value) -> bool {
    result["isError"] == json!(true)
        && result["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("forbidden:"))
}

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
        ("/health", Some(Permission::HealthRead)),
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
            // Without a key every one of them is 401 with the challenge.
            let anonymous = send(&s.router, request(Method::GET, path, None, None)).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "GET {path}");
        }
        for (method, path) in [
            (Method::POST, "/v1/predict"),
            (Method::POST, "/v1/predict/batch"),
        ] {
            let reply = send(&s.router, request(method, path, Some(key), Some(json!({})))).await;
            assert!(role.allows(Permission::PredictionsRead));
            assert!(
                reply.status != StatusCode::FORBIDDEN && reply.status != StatusCode::UNAUTHORIZED,
                "{role:?} {path}: {}",
                reply.body
            );
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
    let viewer = &s.keys[0].1;
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

#[tokio::test]
async fn bad_credentials_get_401_with_the_resource_metadata_challenge() {
    let s = setup(None).await;
    let store = s.app.store();
    let viewer = store.principal("viewer").await.unwrap().unwrap();
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let (expired, _) = nba_app::access::create_key(store, &viewer.id, "old", Some(past))
        .await
        .unwrap();
    let (revoked, row) = nba_app::access::create_key(store, &viewer.id, "gone", None)
        .await
        .unwrap();
    store
        .revoke_api_key(&row.id, "2026-01-01T00:00:00Z")
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

#[tokio::test]
async fn a_burst_past_the_rate_limit_gets_429_with_retry_after() {
    let s = setup(Some(RateLimit {
        per_second: 2.0,
        burst: 5.0,
    }))
    .await;
    let (viewer, admin) = (&s.keys[0].1, &s.keys[3].1);
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

#[tokio::test]
async fn query_sql_runs_checked_read_only_queries_and_refuses_escapes() {
    let s = setup(None).await;
    let scientist = &s.keys[1].1;
    let call = |sql: &str| {
        request(
            Method::POST,
            "/v1/tools/query_sql",
            Some(scientist),
            Some(json!({"sql": sql, "limit": 5})),
        )
    };
    let ok = send(&s.router, call("SELECT 1 AS one, 'x' AS s")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["columns"], json!(["one", "s"]));
    assert_eq!(ok.body["rows"], json!([[1, "x"]]));
    let many = send(&s.router, call("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n")).await;
    assert_eq!(many.status, StatusCode::OK, "{}", many.body);
    assert_eq!(many.body["row_count"], 5);
    assert_eq!(many.body["truncated"], true);
    for (escape, code) in [
        ("SELECT 1; DELETE FROM games", "sql_multiple_statements"),
        (
            "WITH d AS (DELETE FROM games RETURNING *) SELECT * FROM d",
            "sql_",
        ),
        (
            "SELECT pg_read_file('/etc/passwd')",
            "sql_function_not_allowed",
        ),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "sql_"),
        ("SELECT * FROM api_keys", "sql_table_not_readable"),
        ("SELECT * FROM audit_log", "sql_table_not_readable"),
        (
            "SELECT * FROM principals /* comment */",
            "sql_table_not_readable",
        ),
        ("SELECT * FROM sqlite_master", "sql_"),
        ("UPDATE games SET home_score = 0", "sql_not_a_query"),
        ("SELECT 1 -- ; DROP TABLE games", ""),
    ] {
        let reply = send(&s.router, call(escape)).await;
        if code.is_empty() {
            assert_eq!(reply.status, StatusCode::OK, "{escape}: {}", reply.body);
            continue;
        }
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{escape}: {}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(code), "{escape}: {message}");
    }
    let huge = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/query_sql",
            Some(scientist),
            Some(json!({"sql": "SELECT 1", "limit": 100000})),
        ),
    )
    .await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST);
    // The store is intact and the credentials tables untouched.
    assert_eq!(s.app.store().principals().await.unwrap().len(), 4);
}

#[tokio::test]
async fn revoking_a_key_through_the_admin_tool_applies_at_once() {
    let s = setup(None).await;
    let (viewer, admin) = (&s.keys[0].1, &s.keys[3].1);
    let ok = send(
        &s.router,
        request(Method::POST, "/v1/tools/whoami", Some(viewer), None),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let accounts = send(
        &s.router,
        request(Method::POST, "/v1/tools/list_accounts", Some(admin), None),
    )
    .await;
    let key_id = accounts.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "viewer")
        .and_then(|a| a["keys"][0]["id"].as_str())
        .unwrap()
        .to_string();
    assert!(
        !accounts.body.to_string().contains(viewer.as_str()),
        "keys are never shown"
    );
    let revoked = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/revoke_api_key",
            Some(admin),
            Some(json!({"key_id": key_id})),
        ),
    )
    .await;
    assert_eq!(revoked.body["revoked"], true, "{}", revoked.body);
    let after = send(
        &s.router,
        request(Method::POST, "/v1/tools/whoami", Some(viewer), None),
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // The audit log holds the whole story and verifies.
    let log = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/audit_log",
            Some(admin),
            Some(json!({"limit": 500})),
        ),
    )
    .await;
    assert_eq!(log.body["chain_ok"], true, "{}", log.body);
    let entries = log.body["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "tools/call"
        && e["target"] == "revoke_api_key"
        && e["outcome"] == "ok"));
}

/// A browser page elsewhere cannot drive `/mcp` even with a key: a present `Origin` must be
/// a loopback page (by default); clients that send no `Origin` are unaffected.
#[tokio::test]
async fn mcp_refuses_foreign_origins_and_bodies_over_the_limit() {
    let s = setup(None).await;
    let admin = &s.keys[3].1;
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
