//! Hostile callers and faults against the built `nba-mcp serve`, each bounded in time and
//! aimed at 127.0.0.1 only: half-sent and idle connections are closed, a flood of
//! connections is shed with 503 while the process keeps answering, CPU-heavy calls neither
//! stall `/live` nor outlive their deadline, MCP sessions are capped and owned, malformed
//! JSON-RPC gets JSON-RPC errors, a PostgreSQL outage (a throwaway cluster this test starts
//! on its own port) gives 503s, a working `/health` and recovery without a restart with
//! every audit entry kept, an interrupted first-start load resumes, and every entry point (HTTP
//! API, MCP over HTTP and stdio, resources, prompts, operations routes, CLI) is checked and
//! audited. Figures measured here
//! are printed (`--nocapture`) and quoted in OPERATIONS_GUIDE.md.

pub(crate) mod cluster;
mod connections;
mod entry_points;
mod first_start;
mod outage;
mod sessions;
