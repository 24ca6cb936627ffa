//! `nba-mcp ingest`: one file in a named format, or `all` for the shared data folder. The
//! loading is `nba_app::ingest`; this shows progress and summaries.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nba_ingest::Format;
use nba_store::{LoadSummary, Store};

/// Parses and loads one file with a spinner; all or nothing unless `skip_invalid`.
pub async fn ingest_file(
    store: &Store,
    format: Format,
    path: &Path,
    skip_invalid: bool,
    data_source: &str,
) -> Result<LoadSummary> {
    let spinner = progress(&format!("{} {}", format.name(), path.display()));
    let summary = nba_app::ingest::load_file(store, format, path, skip_invalid, data_source).await;
    spinner.finish_and_clear();
    Ok(summary?)
}

fn progress(msg: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("valid template"),
    );
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The load summary in sentences, to `out` (stdout for `ingest FILE`, stderr as progress).
pub fn print_summary(s: &LoadSummary, out: &mut dyn std::io::Write) {
    let _ = writeln!(
        out,
        "{}: {} ({}): {} rows read: {} inserted, {} updated, {} unchanged, {} skipped; {} games new to the store; {:.2}s",
        s.file,
        s.format,
        s.layout,
        s.rows_read,
        s.inserted,
        s.updated,
        s.unchanged,
        s.skipped,
        s.games_created,
        s.seconds
    );
    for n in &s.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    for r in s.skipped_rows.iter().take(50) {
        let _ = writeln!(out, "  skipped: {r}");
    }
    if s.skipped_rows.len() > 50 {
        let _ = writeln!(
            out,
            "  ... and {} more skipped rows",
            s.skipped_rows.len() - 50
        );
    }
}

/// Loads every known file under `dir`; a missing file is reported and skipped.
pub async fn ingest_all(store: &Store, dir: &Path, skip_invalid: bool) -> Result<Vec<LoadSummary>> {
    let files = nba_app::ingest::folder_files(dir)?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    let mut out = Vec::new();
    for (format, path) in files {
        if !path.exists() {
            eprintln!("missing, skipped: {}", path.display());
            bar.inc(1);
            continue;
        }
        let s = ingest_file(store, format, &path, skip_invalid, "real")
            .await
            .with_context(|| format!("loading {}", path.display()))?;
        bar.suspend(|| print_summary(&s, &mut std::io::stderr()));
        bar.inc(1);
        out.push(s);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Loads the files of the data folder the store does not have yet (see
/// `nba_app::ingest::missing_files`), saying what it loads on stderr. Returns how many.
pub async fn ingest_missing(store: &Store, dir: &Path) -> Result<usize> {
    let missing = nba_app::ingest::missing_files(store, dir).await?;
    if missing.is_empty() {
        return Ok(0);
    }
    let total = nba_ingest::folder::files(dir).len();
    eprintln!(
        "nba-mcp: loading {} of the {total} data files in {} that the store does not have yet (about 20 s for all of them)",
        missing.len(),
        dir.display()
    );
    tracing::info!(files = missing.len(), dir = %dir.display(), "loading data files not yet in the store");
    for (i, (format, path)) in missing.iter().enumerate() {
        eprintln!("nba-mcp: [{}/{}] {}", i + 1, missing.len(), path.display());
        let s = ingest_file(store, *format, path, false, "real")
            .await
            .with_context(|| format!("loading {}", path.display()))?;
        print_summary(&s, &mut std::io::stderr());
    }
    Ok(missing.len())
}
