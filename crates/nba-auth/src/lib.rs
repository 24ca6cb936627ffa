//! Access control for NBA MCP, pure (no IO): who may do what, how credentials look and are
//! checked, the audit hash chain, rate limits and the read-only SQL checker. Storage lives
//! in `nba-store`, enforcement in `nba-app` (tools, resources, prompts) and at the
//! transports' edges (`nba-http` routes, `nba-mcp`).

pub mod audit;
pub mod bearer;
pub mod jwt;
pub mod keys;
mod principal;
pub mod ratelimit;
mod role;
pub mod sql;

pub use principal::{AuthMethod, Principal, PrincipalKind};
pub use role::{matrix_text, Permission, Role};
