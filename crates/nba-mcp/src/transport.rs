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

use crate::{McpServeError, NbaMcpServer};

type Inner = StreamableHttpService<NbaMcpServer, LocalSessionManager>;
/// What rmcp's service answers with.
type Reply = http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, Infallible>>;

/// The Streamable HTTP endpoint: a `tower::Service<http::Request<B>>` that is `Clone` and never
/// fails (errors are HTTP responses), ready for `axum::Router::nest_service("/mcp", ..)`.
///
/// It is rmcp's `StreamableHttpService` with one change: a successful `DELETE` (the client
/// ending its session) answers `204 No Content` instead of rmcp's `202 Accepted`, which the
/// official Python SDK reports as "Session termination failed: 202".
#[derive(Clone)]
pub struct McpHttpService {
    inner: Inner,
}

impl<B> tower_service::Service<http::Request<B>> for McpHttpService
where
    Inner: tower_service::Service<http::Request<B>, Response = Reply, Error = Infallible>,
    <Inner as tower_service::Service<http::Request<B>>>::Future: Send + 'static,
{
    type Response = Reply;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let is_delete = request.method() == http::Method::DELETE;
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            if is_delete && response.status() == http::StatusCode::ACCEPTED {
                *response.status_mut() = http::StatusCode::NO_CONTENT;
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
    let transport = rmcp::transport::stdio_pipes();
    let running = match server
        .serve_with_ct(transport, shutdown.child_token())
        .await
    {
        Ok(running) => running,
        Err(ServerInitializeError::Cancelled) => return Ok(()),
        Err(ServerInitializeError::ConnectionClosed(context)) => {
            tracing::info!(%context, "stdin closed before an MCP session started");
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let reason = running.waiting().await?;
    tracing::info!(?reason, "MCP stdio session ended");
    Ok(())
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
    let server = NbaMcpServer::new(app);
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
    let inner = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    McpHttpService { inner }
}
