//! Storage for NBA MCP: one `Store` over SQLite (embedded default) or PostgreSQL, with the
//! same behaviour on both. Queries are runtime-checked (a build never needs a live database)
//! and written in the SQL both engines accept.

mod access;
mod connect;
mod error;
mod index;
mod load;
mod maintenance;
mod migrate;
pub mod model;
mod predictions;
mod queries;
mod readonly_sql;
mod rollouts;
mod rows;
pub mod snapshot;
mod tables;

pub use access::*;
pub use connect::{redact_url, Backend, StoreOptions};
pub use error::StoreError;
pub use load::{search_key, LoadSummary, Provenance};
pub use maintenance::{CheckReport, OptimizeReport, TableRows};
pub use migrate::latest_schema_version;
pub use model::*;
pub use predictions::PredictionLogRow;
pub use readonly_sql::{json_size, ReadOnlyRows, READABLE_TABLES};
pub use rollouts::RolloutRow;

use sqlx::AnyPool;

/// Handle to the database. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: the database file as opened, to notice it deleted or replaced under us.
    file: Option<std::sync::Arc<connect::FileId>>,
}

impl Store {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Connections currently open and idle, for metrics.
    pub fn pool_status(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}
