//! One test binary for nba-store (each former test file is a module).
//! The store on SQLite and PostgreSQL: access tables, backend conformance, read-only SQL,
//! retention and roll-outs.

mod access;
mod conformance;
mod maintenance;
mod readonly_sql;
mod retention;
mod rollouts;
