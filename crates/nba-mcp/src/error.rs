//! Errors of the MCP transports: why serving stopped. Request-level failures never end up
//! here; they are answered on the wire (tool error results or JSON-RPC errors).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum McpServeError {
    /// The client's first message was not a valid opening (`initialize` or a 2026-07-28
    /// request), or the transport failed before the session started.
    #[error("MCP session did not start: {0}")]
    Start(Box<rmcp::service::ServerInitializeError>),
    /// The task that runs the session panicked or was aborted.
    #[error("MCP session task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<rmcp::service::ServerInitializeError> for McpServeError {
    fn from(error: rmcp::service::ServerInitializeError) -> McpServeError {
        McpServeError::Start(Box::new(error))
    }
}

impl McpServeError {
    /// A stable, machine-readable code, as every crate's errors have.
    pub fn code(&self) -> &'static str {
        match self {
            McpServeError::Start(_) => "mcp_start_failed",
            McpServeError::Task(_) => "mcp_task_failed",
        }
    }
}
