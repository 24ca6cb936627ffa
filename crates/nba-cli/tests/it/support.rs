//! The built `nba-mcp` for every module of this test binary: `nba_testkit::binary` bound to
//! this crate's executable.

use std::process::Command;

pub use nba_testkit::binary::{curl, rss_kb, until_closed, Answer, Binary, Served, Temp, CLEAN};

/// The binary under test.
pub const NBA_MCP: Binary = Binary(env!("CARGO_BIN_EXE_nba-mcp"));

pub fn command(db: &str, state: &std::path::Path) -> Command {
    NBA_MCP.command(db, state)
}

pub fn make_key(db: &str, state: &std::path::Path, name: &str, role: &str) -> String {
    NBA_MCP.make_key(db, state, name, role)
}

/// `nba-mcp serve` on 127.0.0.1:0.
pub fn serve(db: &str, state: &std::path::Path, env: &[(&str, &str)]) -> Served {
    NBA_MCP.serve(db, state, env)
}
