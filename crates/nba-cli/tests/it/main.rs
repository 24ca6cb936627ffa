//! One test binary for nba-cli (each former test file is a module).
//! The built `nba-mcp` binary end to end: the CLI, access administration, MCP clients (the
//! official Python SDK), TLS, and hostile callers and faults.

mod access_cli;
mod backup_cli;
mod cli;
mod docs;
mod drills;
mod hostile;
mod mcp_e2e;
mod runbooks;
mod support;
mod tls;
