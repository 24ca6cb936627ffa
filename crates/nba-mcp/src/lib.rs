//! The MCP front end: the only crate that knows the Model Context Protocol. One handler
//! ([`NbaMcpServer`]) translates MCP requests into `nba_app::App` calls and serves them on stdio
//! ([`serve_stdio`]) and on Streamable HTTP ([`streamable_http_service`]), in both protocol eras:
//! the `initialize` handshake (2025-11-25 and older) and the stateless 2026-07-28 revision
//! (`server/discover`, per-request metadata). rmcp does the protocol; this crate maps names,
//! schemas and errors.

mod catalog;
mod direct;
mod error;
mod handler;
mod jsonrpc;
mod malformed;
mod sessions;
mod stdio;
mod transport;

pub use error::McpServeError;
pub use handler::{NbaMcpServer, SUPPORTED_PROTOCOL_VERSIONS};
pub use transport::{serve_stdio, streamable_http_service, McpHttpService};
