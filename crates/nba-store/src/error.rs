//! The store's error type, with a stable machine-readable code per kind.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("{0}")]
    Load(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the statement was stopped after {ms} ms, its time limit")]
    Timeout { ms: u64 },
    /// A row with the same unique id, name or hash already exists; the text names it.
    #[error("{0}")]
    Conflict(String),
    /// A snapshot (backup) could not be taken or loaded; the text says why.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// The SQLite database file was deleted or replaced under the running server.
    #[error("{0}")]
    FileLost(String),
}

impl StoreError {
    /// The database could not be reached or went away (pool timeout, refused or dropped
    /// connection, server shutting down): the request may succeed later, unchanged.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Protocol(m) => m.contains("closed") || m.contains("EOF"),
            // SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
            // admin shutdown, crash shutdown, cannot connect now).
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
            _ => false,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidUrl(_) => "invalid_database_url",
            StoreError::Database(_) => "database_error",
            StoreError::Migration { .. } => "migration_failed",
            StoreError::Load(_) => "load_failed",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::Timeout { .. } => "statement_timeout",
            StoreError::Conflict(_) => "conflict",
            StoreError::Snapshot(_) => "snapshot_failed",
            StoreError::FileLost(_) => "database_file_lost",
        }
    }
}
