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

mod admin_tools;
mod credentials;
mod direct;
mod limits;
mod matrix;

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

impl Setup {
    /// The API key of `role`'s account.
    fn key(&self, role: Role) -> &str {
        &self
            .keys
            .iter()
            .find(|(r, _)| *r == role)
            .expect("a key per role")
            .1
    }
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
    let keys = nba_testkit::keys_for_each_role(app.store()).await;
    let ops = nba_ops::Ops::start(app.store().clone(), Default::default())
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
        ops.clone(),
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
