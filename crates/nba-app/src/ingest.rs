//! Loading data files into the store: one file in a named format, and the shared data
//! folder (its layout is `nba_ingest::folder`). Parsing runs on the blocking pool; a file is
//! loaded all or nothing unless `skip_invalid`. The command line and first start use these.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use nba_ingest::{Format, ParseOptions};
use nba_store::{LoadSummary, Provenance, Store};

use crate::AppError;

/// Parses and loads one file; `data_source` is `real` or `demo`.
pub async fn load_file(
    store: &Store,
    format: Format,
    path: &Path,
    skip_invalid: bool,
    data_source: &str,
) -> Result<LoadSummary, AppError> {
    let opts = ParseOptions { skip_invalid };
    let owned = path.to_path_buf();
    let parsed = tokio::task::spawn_blocking(move || nba_ingest::parse_file(format, &owned, &opts))
        .await
        .map_err(|e| AppError::Internal(format!("parser task failed: {e}")))?
        .map_err(|e| AppError::InvalidArgument(e.to_string()))?;
    let prov = Provenance {
        format: format.name().to_string(),
        data_source: data_source.to_string(),
        skip_invalid,
    };
    let summary = store.load(&parsed, &prov).await?;
    nba_ops::record_ingest(
        &summary.format,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.skipped,
    );
    Ok(summary)
}

/// The data folder's files, in load order, or why the folder cannot be used.
pub fn folder_files(dir: &Path) -> Result<Vec<(Format, PathBuf)>, AppError> {
    if !dir.is_dir() {
        return Err(AppError::InvalidArgument(format!(
            "data folder '{}' does not exist (set NBA_MCP_DATA_DIR or pass the folder)",
            dir.display()
        )));
    }
    Ok(nba_ingest::folder::files(dir))
}

/// The files of the data folder that the store does not have yet (by sha256 in
/// `ingest_runs`), in the folder's order: a first start that was interrupted resumes where
/// it stopped, and a file added to the folder is loaded on the next start.
pub async fn missing_files(store: &Store, dir: &Path) -> Result<Vec<(Format, PathBuf)>, AppError> {
    let loaded: HashSet<String> = store
        .ingest_runs(i64::MAX)
        .await?
        .into_iter()
        .map(|r| r.sha256)
        .collect();
    let files = nba_ingest::folder::files(dir);
    let missing = tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .filter(|(_, path)| match std::fs::read(path) {
                Ok(bytes) => !loaded.contains(&nba_ingest::reader::sha256_hex(&bytes)),
                Err(_) => false,
            })
            .collect()
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?;
    Ok(missing)
}
