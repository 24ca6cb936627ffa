//! One test binary for nba-mcp (each former test file is a module).
//! MCP over rmcp clients in-process: protocol, Streamable HTTP, raw JSON-RPC, real data.

mod common;
mod http;
mod protocol;
mod raw_jsonrpc;
mod real_data;
