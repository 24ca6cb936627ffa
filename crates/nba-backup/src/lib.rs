//! Backups of NBA MCP: a consistent snapshot of every table of the store (taken while the
//! server serves) and every artifact and alias of the model registry, compressed, encrypted
//! with AES-256-GCM, described by a manifest of checksums, the schema version and the audit
//! chain head; verification that reads everything back; and a restore that builds a fresh
//! store, proves it equal to the backup, and only then switches to it.
//!
//! Layout in a destination (a folder, or `s3://bucket/prefix` on the S3 API):
//! `<id>/manifest.json`, `<id>/tables/<table>.jsonl.gz` and
//! `<id>/models/<name>@<version>.json.gz`, each with `.enc` when encrypted. A backup killed
//! midway never shows up as one (see [`dest`]).

mod create;
pub mod crypto;
pub mod dest;
mod files;
pub mod journal;
mod manifest;
mod models_restore;
mod restore;
mod retention;
mod verify;

pub use create::create;
pub use crypto::BackupKey;
pub use dest::{Destination, S3Options};
pub use manifest::{list, read_manifest, Manifest, ModelEntry, TableEntry};
pub use models_restore::{restore_models, ModelsReport};
pub use restore::{restore, restore_with, RestoreReport};
pub use retention::{prune, PruneReport, Retention};
pub use verify::{verify, VerifyReport};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BackupError {
    /// The backup is damaged, altered, or does not match what its manifest says.
    #[error("backup {id} is not usable: {reason}")]
    Invalid { id: String, reason: String },
    /// The backup needs a key (or another one) to be read.
    #[error("{0}")]
    Key(String),
    /// What was asked cannot be done as things stand (a non-empty target, a newer schema,
    /// a server still using the database); the text says what to do.
    #[error("{0}")]
    Refused(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] nba_store::StoreError),
    #[error("model store: {0}")]
    Models(#[from] nba_model::ModelError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl BackupError {
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::Invalid { .. } => "backup_invalid",
            BackupError::Key(_) => "backup_key",
            BackupError::Refused(_) => "backup_refused",
            BackupError::Io { .. } => "backup_io",
            BackupError::Store(_) => "backup_store",
            BackupError::Models(_) => "backup_models",
            BackupError::Database(_) => "backup_database",
        }
    }
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}
