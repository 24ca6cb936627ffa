//! The Streamable HTTP service in process (`tower::ServiceExt::oneshot`): a legacy session
//! from `initialize` to `DELETE`, a stateless 2026-07-28 request answered with plain JSON,
//! and the `Host` guard against DNS rebinding.

use crate::common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::empty_app;
use nba_mcp::{streamable_http_service, McpHttpService};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

fn post(host: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(Method::POST)
        .uri("/")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
}

async fn send(
    service: &McpHttpService,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = service.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = tokio::time::timeout(
        Duration::from_secs(10),
        axum::body::to_bytes(Body::new(response.into_body()), usize::MAX),
    )
    .await
    .expect("the response ends")
    .expect("body");
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The JSON-RPC message of a reply, whether sent as JSON or as one SSE `data:` event.
fn message(body: &str) -> Value {
    let json = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim)
        .find(|l| l.starts_with('{'))
        .unwrap_or(body);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON-RPC ({e}): {body}"))
}

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "test", "version": "0" }
        }
    })
}

#[tokio::test]
async fn legacy_session_runs_from_initialize_to_delete() {
    let (app, _dir) = empty_app().await;
    let service = streamable_http_service(app, CancellationToken::new(), Vec::new(), Vec::new());

    let body = initialize();
    let request = post("localhost:8080")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, text) = send(&service, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let session = headers
        .get("mcp-session-id")
        .expect("a session id for the handshake era")
        .to_str()
        .unwrap()
        .to_string();
    let reply = message(&text);
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25", "{reply}");
    assert_eq!(reply["result"]["serverInfo"]["name"], "nba-mcp");

    let request = Request::builder()
        .method(Method::DELETE)
        .uri("/")
        .header(header::HOST, "localhost:8080")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(&service, request).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "ending a session is 204");
}

#[tokio::test]
async fn stateless_2026_07_28_requests_get_plain_json() {
    let (app, _dir) = empty_app().await;
    let service = streamable_http_service(app, CancellationToken::new(), Vec::new(), Vec::new());
    let body = json!({
        "jsonrpc": "2.0", "id": 7, "method": "server/discover",
        "params": { "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": { "name": "test", "version": "0" },
            "io.modelcontextprotocol/clientCapabilities": {}
        } }
    });
    let request = post("127.0.0.1:9")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "server/discover")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, text) = send(&service, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        headers.get("mcp-session-id").is_none(),
        "no sessions in 2026-07-28"
    );
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let reply: Value = serde_json::from_str(&text).expect("plain JSON");
    let versions = reply["result"]["supportedVersions"]
        .as_array()
        .expect("versions");
    assert!(versions.contains(&json!("2025-11-25")), "{reply}");
    assert!(versions.contains(&json!("2026-07-28")), "{reply}");
}

#[tokio::test]
async fn hosts_outside_the_allowed_list_are_refused() {
    let (app, _dir) = empty_app().await;
    let body = initialize();
    let service = streamable_http_service(
        app.clone(),
        CancellationToken::new(),
        Vec::new(),
        Vec::new(),
    );
    let request = post("evil.example")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, _) = send(&service, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "loopback only by default");

    let service = streamable_http_service(
        app,
        CancellationToken::new(),
        vec!["nba.example.com".to_string()],
        Vec::new(),
    );
    let request = post("nba.example.com")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, text) = send(&service, request).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let request = post("localhost")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, _) = send(&service, request).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an explicit list replaces the default"
    );
}
