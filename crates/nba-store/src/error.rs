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
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidUrl(_) => "invalid_database_url",
            StoreError::Database(_) => "database_error",
            StoreError::Migration { .. } => "migration_failed",
            StoreError::Load(_) => "load_failed",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::Timeout { .. } => "statement_timeout",
            StoreError::Conflict(_) => "conflict",
        }
    }
}
