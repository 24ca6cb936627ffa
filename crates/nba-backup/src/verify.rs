//! Verifying a backup: every file read back (decrypted, decompressed), every row checked
//! against its table's columns, every checksum against the manifest.

use std::path::Path;
use std::time::Instant;

use nba_model::Artifact;
use nba_store::snapshot::{check_line, TableShape};
use serde::Serialize;

use crate::dest::Destination;
use crate::files::scan_file;
use crate::manifest::{read_manifest, Manifest};
use crate::{BackupError, BackupKey};

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub id: String,
    pub tables: usize,
    pub rows: u64,
    pub models: usize,
    pub bytes: u64,
    pub encrypted: bool,
    pub seconds: f64,
}

pub(crate) fn invalid(m: &Manifest, reason: impl Into<String>) -> BackupError {
    BackupError::Invalid {
        id: m.id.clone(),
        reason: reason.into(),
    }
}

pub(crate) fn aad(m: &Manifest, rel: &str) -> String {
    format!("{}/{rel}", m.id)
}

/// Reads every file of backup `id` back (decrypting and decompressing it, checking each
/// row against its table's columns) and compares it with the manifest.
pub async fn verify(
    dest: &Destination,
    id: &str,
    key: Option<&BackupKey>,
) -> Result<VerifyReport, BackupError> {
    let started = Instant::now();
    let manifest = read_manifest(dest, id).await?;
    manifest.check(key)?;
    let key = manifest.key_for(key);
    let (m, key, dest) = (manifest.clone(), key.cloned(), dest.clone());
    tokio::task::spawn_blocking(move || -> Result<(), BackupError> {
        for t in &m.tables {
            let shape = &t.digest.shape;
            let scanned = scan_file(
                &dest,
                &m.id,
                &t.file,
                &aad(&m, &t.file.path),
                key.as_ref(),
                |batch, first| check_batch(shape, batch, first),
            )
            .map_err(|e| invalid(&m, e))?;
            compare(
                &m,
                shape,
                t.digest.rows,
                &t.digest.sha256,
                scanned.lines,
                &scanned.sha256,
            )?;
        }
        for entry in &m.models {
            load_artifact(&m, &dest, entry, key.as_ref())?;
        }
        Ok(())
    })
    .await
    .map_err(|e| BackupError::Refused(format!("verification failed to run: {e}")))??;
    Ok(VerifyReport {
        id: manifest.id.clone(),
        tables: manifest.tables.len(),
        rows: manifest.rows(),
        models: manifest.models.len(),
        bytes: manifest.bytes,
        encrypted: manifest.key_fingerprint.is_some(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

pub(crate) fn check_batch(shape: &TableShape, batch: &[u8], first: u64) -> Result<(), String> {
    for (n, line) in batch
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        check_line(shape, line)
            .map_err(|e| format!("table '{}', row {}: {e}", shape.name, first + n as u64))?;
    }
    Ok(())
}

pub(crate) fn compare(
    m: &Manifest,
    shape: &TableShape,
    rows: u64,
    sha: &str,
    got_rows: u64,
    got_sha: &str,
) -> Result<(), BackupError> {
    if rows != got_rows || sha != got_sha {
        return Err(invalid(
            m,
            format!(
                "table '{}' holds {got_rows} rows with sha256 {got_sha}; the manifest says {rows} rows, {sha}",
                shape.name
            ),
        ));
    }
    Ok(())
}

pub(crate) fn load_artifact(
    m: &Manifest,
    dest: &Destination,
    entry: &crate::ModelEntry,
    key: Option<&BackupKey>,
) -> Result<Artifact, BackupError> {
    let mut text = Vec::new();
    scan_file(
        dest,
        &m.id,
        &entry.file,
        &aad(m, &entry.file.path),
        key,
        |b, _| {
            text.extend_from_slice(b);
            Ok(())
        },
    )
    .map_err(|e| invalid(m, e))?;
    let text =
        String::from_utf8(text).map_err(|_| invalid(m, format!("{} is not text", entry.model)))?;
    let artifact = Artifact::from_file_str(Path::new(&entry.file.path), &text)
        .map_err(|e| invalid(m, format!("model {}: {e}", entry.model)))?;
    if artifact.content_sha256() != entry.content_sha256
        || nba_model::ModelRef::of(&artifact).to_string() != entry.model
    {
        return Err(invalid(
            m,
            format!("model {} differs from the manifest", entry.model),
        ));
    }
    Ok(artifact)
}

/// One model artifact of the backup, read back and checked against the manifest (on a
/// blocking thread).
pub(crate) async fn checked_artifact(
    m: &Manifest,
    dest: &Destination,
    entry: &crate::ModelEntry,
    key: Option<&BackupKey>,
) -> Result<Artifact, BackupError> {
    let (m, d, e, k) = (m.clone(), dest.clone(), entry.clone(), key.cloned());
    tokio::task::spawn_blocking(move || load_artifact(&m, &d, &e, k.as_ref()))
        .await
        .map_err(|e| BackupError::Refused(format!("model check failed to run: {e}")))?
}
