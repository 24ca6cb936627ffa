//! The manifest: what a backup holds and the checksums that prove it.

use std::collections::BTreeMap;

use nba_store::snapshot::TableDigest;
use serde::{Deserialize, Serialize};

use crate::dest::Destination;
use crate::{BackupError, BackupKey};

pub const FORMAT: &str = "nba-mcp-backup/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub id: String,
    pub created_at: String,
    /// The nba-mcp release that wrote it.
    pub written_by: String,
    /// The backend the snapshot was taken from (a backup restores into either).
    pub backend: String,
    pub schema_version: i64,
    /// The key's fingerprint when encrypted (never the key); none: not encrypted.
    pub key_fingerprint: Option<String>,
    pub tables: Vec<TableEntry>,
    /// The audit chain head at the snapshot: (last seq, its hash).
    pub audit_head: Option<(i64, String)>,
    pub models: Vec<ModelEntry>,
    pub aliases: BTreeMap<String, String>,
    /// The highest key of each journaled table at the snapshot (`audit_log` seq,
    /// `prediction_log` id): journal segments go on from here. Empty in backups written
    /// before journals.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub high_water: BTreeMap<String, i64>,
    /// Total bytes of the files.
    pub bytes: u64,
    pub seconds: f64,
    /// HMAC-SHA256 of the manifest without this field, under the backup key (encrypted
    /// backups only): a changed manifest is caught like a changed file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// A file of the backup: its path inside the backup, size and SHA-256 as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Columns, key, row count and SHA-256 of the table's lines (uncompressed, plain).
    #[serde(flatten)]
    pub digest: TableDigest,
    pub file: FileEntry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// `name@version`.
    pub model: String,
    /// The artifact's own content checksum (as the model store checks it).
    pub content_sha256: String,
    pub file: FileEntry,
}

impl Manifest {
    /// The bytes the MAC covers: the manifest without its MAC.
    pub(crate) fn signed_bytes(&self) -> Vec<u8> {
        let mut m = self.clone();
        m.mac = None;
        serde_json::to_vec(&m).expect("manifest serialises")
    }

    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.digest.rows).sum()
    }

    /// The key its files are read with: none for an unencrypted backup, whatever was given.
    pub(crate) fn key_for<'k>(&self, key: Option<&'k BackupKey>) -> Option<&'k BackupKey> {
        key.filter(|_| self.key_fingerprint.is_some())
    }

    /// Checks the format, then (encrypted backups) that `key` is the backup's and the
    /// manifest is unaltered.
    pub fn check(&self, key: Option<&BackupKey>) -> Result<(), BackupError> {
        if self.format != FORMAT {
            return Err(BackupError::Refused(format!(
                "backup {} has format '{}'; this build reads '{FORMAT}'",
                self.id, self.format
            )));
        }
        let Some(fingerprint) = &self.key_fingerprint else {
            return Ok(());
        };
        let key = key.ok_or_else(|| {
            BackupError::Key(format!(
                "backup {} is encrypted (key fingerprint {fingerprint}); give its key \
                 (--key-file or NBA_MCP_BACKUP_KEY_FILE)",
                self.id
            ))
        })?;
        if &key.fingerprint() != fingerprint {
            return Err(BackupError::Key(format!(
                "backup {} was encrypted with key {fingerprint}; the key given is {}",
                self.id,
                key.fingerprint()
            )));
        }
        let mac = self.mac.as_deref().unwrap_or("");
        if !key.mac_matches(&self.signed_bytes(), mac) {
            return Err(BackupError::Invalid {
                id: self.id.clone(),
                reason: "its manifest was altered (the MAC does not match)".into(),
            });
        }
        Ok(())
    }
}

/// Reads backup `id`'s manifest from `dest`.
pub async fn read_manifest(dest: &Destination, id: &str) -> Result<Manifest, BackupError> {
    let Some(text) = dest.manifest_text(id).await? else {
        return Err(BackupError::Refused(format!(
            "no backup '{id}' in {dest} (`backup list --from {dest}` shows them)"
        )));
    };
    serde_json::from_str(&text).map_err(|e| BackupError::Invalid {
        id: id.into(),
        reason: format!("manifest.json is not a backup manifest: {e}"),
    })
}

/// Backup ids are generated names; anything else (a path, `..`) is refused before it
/// reaches the file system.
pub(crate) fn check_id(id: &str) -> Result<(), BackupError> {
    let ok = id.starts_with("nba-")
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "'{id}' is not a backup id (they look like nba-20261204T180000Z-1a2b3c4d)"
        )))
    }
}

/// The complete backups in `dest`, oldest first (ids sort by time). Ids without a readable
/// manifest (a backup still being written, or foreign) are left out.
pub async fn list(dest: &Destination) -> Result<Vec<Manifest>, BackupError> {
    let mut out = Vec::new();
    for id in dest.ids().await? {
        match read_manifest(dest, &id).await {
            Ok(m) => out.push(m),
            Err(BackupError::Refused(_)) => {} // no manifest: not (yet) a backup
            Err(e) => tracing::warn!(backup = id, error = %e, "skipping an unreadable backup"),
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
