//! Serving the handler: MCP over stdio (the process is the server; stdout carries only
//! protocol messages) and MCP over Streamable HTTP (a tower service the binary mounts at
//! `/mcp`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use nba_app::App;
use rmcp::service::ServerInitializeError;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use http_body_util::BodyExt;
use nba_app::Caller;
use serde_json::{json, Value};

use crate::sessions::{Refused, Registry, TrackedSessions};
use crate::{McpServeError, NbaMcpServer};

type Inner = StreamableHttpService<NbaMcpServer, TrackedSessions>;
/// What rmcp's service answers with.
type Reply = http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, Infallible>>;

/// The Streamable HTTP endpoint: a `tower::Service<http::Request<B>>` that is `Clone` and never
/// fails (errors are HTTP responses), ready for `axum::Router::nest_service("/mcp", ..)`.
///
/// It is rmcp's `StreamableHttpService` with these additions in front:
/// - a JSON body that is not one JSON-RPC message gets a JSON-RPC error (`-32700` parse
///   error, `-32600` invalid request, `id: null`) with HTTP 400, not rmcp's plain-text 415;
/// - `initialize` is charged to the caller's rate limit and opens a session only within the
///   caps (in total and per principal: 503 / 429 with `Retry-After` beyond);
/// - a session answers only the principal that created it;
/// - a successful `DELETE` (the client ending its session) answers `204 No Content` instead
///   of rmcp's `202 Accepted`, which the official Python SDK reports as "Session
///   termination failed: 202".
#[derive(Clone)]
pub struct McpHttpService {
    /// Shared, not cloned per request: rmcp's `handle` takes `&self` (its config holds
    /// the allowed hosts and origins, which a clone would copy on every call).
    inner: Arc<Inner>,
    app: App,
    sessions: Arc<Registry>,
    /// The handler, for stateless `tools/call` requests answered directly (`crate::direct`).
    server: NbaMcpServer,
    hosts: Arc<crate::direct::Hosts>,
}

const SESSION_HEADER: &str = "mcp-session-id";

fn json_bytes_reply(status: http::StatusCode, body: Vec<u8>) -> Reply {
    let mut response = http::Response::new(
        http_body_util::Full::new(bytes::Bytes::from(body))
            .map_err(|e: Infallible| match e {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn json_reply(status: http::StatusCode, body: Value, retry_after_s: Option<u64>) -> Reply {
    let mut response = json_bytes_reply(status, body.to_string().into_bytes());
    if let Some(s) = retry_after_s {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(s));
    }
    response
}

fn rpc_error(
    status: http::StatusCode,
    id: Value,
    code: i64,
    message: &str,
    retry_after_s: Option<u64>,
) -> Reply {
    json_reply(
        status,
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }),
        retry_after_s,
    )
}

/// Checks that `body` is one JSON-RPC 2.0 message; the error reply otherwise.
fn check_message(body: &[u8]) -> Result<crate::jsonrpc::Checked, Box<Reply>> {
    crate::jsonrpc::check(body).map_err(|e| {
        Box::new(rpc_error(
            http::StatusCode::BAD_REQUEST,
            e.id,
            e.code,
            &e.message,
            None,
        ))
    })
}

fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
}

impl<B> tower_service::Service<http::Request<B>> for McpHttpService
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Reply;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        let (app, sessions) = (self.app.clone(), self.sessions.clone());
        let (server, hosts) = (self.server.clone(), self.hosts.clone());
        Box::pin(async move {
            let caller = request.extensions().get::<Caller>().cloned();
            let principal = caller
                .as_ref()
                .map(|c| c.principal.id.clone())
                .unwrap_or_default();
            let session = request
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if let Some(sid) = &session {
                if sessions.owner(sid).as_deref() != Some(principal.as_str()) {
                    return Ok(rpc_error(http::StatusCode::NOT_FOUND, Value::Null, -32001, "session not found: it ended, or it belongs to another caller; start a new one with initialize", None));
                }
            }
            let is_delete = request.method() == http::Method::DELETE;
            let judge = request.method() == http::Method::POST && is_json(request.headers());
            let (parts, body) = request.into_parts();
            let bytes = match http_body_util::Limited::new(body, MAX_REQUEST_BODY_BYTES)
                .collect()
                .await
            {
                Ok(c) => c.to_bytes(),
                Err(e) => {
                    let too_large = e
                        .downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some();
                    let (status, message) = if too_large {
                        (
                            http::StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "the request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"
                            ),
                        )
                    } else {
                        (
                            http::StatusCode::BAD_REQUEST,
                            format!("the request body could not be read: {e}"),
                        )
                    };
                    return Ok(rpc_error(status, Value::Null, -32600, &message, None));
                }
            };
            if !judge {
                // Not ours to judge (GET streams, DELETE, other content types): rmcp answers.
                let request = http::Request::from_parts(parts, http_body_util::Full::new(bytes));
                let mut response = inner.handle(request).await;
                if is_delete && response.status().is_success() {
                    if let Some(sid) = &session {
                        sessions.forget(sid);
                    }
                    if response.status() == http::StatusCode::ACCEPTED {
                        *response.status_mut() = http::StatusCode::NO_CONTENT;
                    }
                }
                return Ok(response);
            }
            let message = match check_message(&bytes) {
                Ok(m) => m,
                Err(reply) => return Ok(*reply),
            };
            if session.is_none() && message.method.as_deref() == Some("tools/call") {
                if let (Some(caller), true) = (&caller, crate::direct::is_request_id(&message.id)) {
                    if let Some(call) = crate::direct::direct_call(&parts, &bytes, &hosts) {
                        nba_app::record_mcp_message("direct");
                        let (status, body) =
                            crate::direct::answer(&server, caller, &message.id, call).await;
                        return Ok(json_bytes_reply(status, body));
                    }
                }
            }
            nba_app::record_mcp_message("rmcp");
            let forward = http::Request::from_parts(parts, http_body_util::Full::new(bytes));
            let is_initialize = message.method.as_deref() == Some("initialize");
            if !is_initialize || session.is_some() {
                return Ok(inner.handle(forward).await);
            }
            let id = message.id;
            if let Some(c) = &caller {
                if let Err(e) = app.rate_limit(c, "initialize") {
                    return Ok(rpc_error(
                        http::StatusCode::TOO_MANY_REQUESTS,
                        id,
                        -32000,
                        &e.public_message(),
                        e.retry_after_s(),
                    ));
                }
            }
            let reservation = match sessions.reserve(&principal) {
                Ok(r) => r,
                Err(refused) => {
                    nba_app::record_shed("sessions");
                    let (status, text) = match refused {
                        Refused::Principal(n) => (http::StatusCode::TOO_MANY_REQUESTS, format!("you have {n} MCP sessions open, the most one caller may; end one (DELETE /mcp) or let it expire")),
                        Refused::Total(n) => (http::StatusCode::SERVICE_UNAVAILABLE, format!("the server has {n} MCP sessions open, its limit; retry shortly")),
                    };
                    return Ok(rpc_error(status, id, -32000, &text, Some(5)));
                }
            };
            let response = inner.handle(forward).await;
            if let Some(sid) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                reservation.commit(sid);
            }
            Ok(response)
        })
    }
}

/// Browser origins allowed by default: pages served from this machine.
pub const DEFAULT_ALLOWED_ORIGINS: &[&str] = &[
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
];

/// Largest JSON-RPC request body accepted over HTTP; tool arguments are small.
const MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;

/// Serves one MCP session on stdin/stdout until the client closes stdin or `shutdown` is
/// cancelled. Logs must go to stderr: anything else on stdout breaks the protocol.
pub async fn serve_stdio(
    app: App,
    caller: nba_app::Caller,
    shutdown: CancellationToken,
) -> Result<(), McpServeError> {
    let server = NbaMcpServer::for_stdio(app, caller);
    // Non-blocking pipes when the client spawned us (the usual case), so cancellation is not
    // stuck behind a blocking stdin read; plain stdio otherwise.
    // A line filter answers malformed lines (rmcp drops them silently).
    let (stdin, stdout) = rmcp::transport::stdio_pipes();
    let filtered = crate::stdio::filter(stdin, stdout);
    let tasks = filtered.tasks;
    let transport = (filtered.reader, filtered.writer);
    let running = match server
        .serve_with_ct(transport, shutdown.child_token())
        .await
    {
        Ok(running) => running,
        Err(ServerInitializeError::Cancelled) => {
            finish(tasks).await;
            return Ok(());
        }
        Err(ServerInitializeError::ConnectionClosed(context)) => {
            tracing::info!(%context, "stdin closed before an MCP session started");
            finish(tasks).await;
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let reason = running.waiting().await;
    finish(tasks).await;
    let reason = reason?;
    tracing::info!(?reason, "MCP stdio session ended");
    Ok(())
}

/// Waits (briefly) for everything rmcp wrote to reach stdout.
async fn finish(tasks: tokio::task::JoinHandle<()>) {
    let _ = tokio::time::timeout(Duration::from_secs(2), tasks).await;
}

/// The Streamable HTTP service for `/mcp`.
///
/// One configuration serves both protocol eras (verified with the official Python SDK in
/// `mode="legacy"` and `mode="2026-07-28"`): requests that carry 2026-07-28 metadata (and
/// `server/discover`) are always answered statelessly, with a plain JSON body; an `initialize`
/// handshake opens an `Mcp-Session-Id` session, as pre-2026 clients expect. Sessions idle
/// for longer than rmcp's keep-alive (5 minutes) are closed.
///
/// `allowed_hosts` guards against DNS rebinding: `Host` values (`name` or `name:port`) that
/// may reach the endpoint. An empty list keeps rmcp's loopback default (`localhost`,
/// `127.0.0.1`, `::1`, any port); it never means "any host". Cancelling `shutdown` ends every
/// session and open stream, so a graceful HTTP shutdown does not wait on them.
pub fn streamable_http_service(
    app: App,
    shutdown: CancellationToken,
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
) -> McpHttpService {
    let server = NbaMcpServer::new(app.clone());
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(true)
        .with_json_response(true)
        .with_sse_keep_alive(Some(Duration::from_secs(15)))
        .with_max_request_body_bytes(MAX_REQUEST_BODY_BYTES)
        .with_cancellation_token(shutdown);
    if !allowed_hosts.is_empty() {
        config = config.with_allowed_hosts(allowed_hosts);
    }
    // Browsers send `Origin`; other clients do not. A present Origin must be on the list
    // (default: loopback pages), so a web page elsewhere cannot drive a local server.
    config = if allowed_origins.is_empty() {
        config
            .with_allowed_origins(DEFAULT_ALLOWED_ORIGINS.iter().copied())
            .enforce_origin_validation()
    } else {
        config
            .with_allowed_origins(allowed_origins)
            .enforce_origin_validation()
    };
    let limits = app.limits();
    let sessions = Arc::new(Registry::new(
        limits.max_sessions,
        limits.max_sessions_per_principal,
    ));
    let manager = TrackedSessions {
        inner: LocalSessionManager::default(),
        registry: sessions.clone(),
    };
    let hosts = Arc::new(crate::direct::Hosts::new(&config.allowed_hosts));
    let direct = server.clone();
    let inner = StreamableHttpService::new(move || Ok(server.clone()), Arc::new(manager), config);
    McpHttpService {
        inner: Arc::new(inner),
        app,
        sessions,
        server: direct,
        hosts,
    }
}
