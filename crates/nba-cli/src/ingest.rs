//! `nba-mcp ingest`: one file in a named format, or `all` for the shared data folder.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nba_ingest::{Format, ParseOptions};
use nba_store::{LoadSummary, Provenance, Store};

/// The files of the shared data folder, in load order: teams and players first, then games
/// from FiveThirtyEight, then NBA Stats logs that attach to those games, then box scores.
pub fn all_files(dir: &Path) -> Vec<(Format, PathBuf)> {
    let mut out = vec![
        (Format::Teams, dir.join("nba_api/teams.csv")),
        (Format::Teams, dir.join("nba_stats/teams_2025_26.csv")),
        (Format::Players, dir.join("nba_api/players.csv")),
        (Format::Players, dir.join("nba_stats/players.csv.gz")),
        (
            Format::FiveThirtyEight,
            dir.join("fivethirtyeight/games_1947_2022.csv.gz"),
        ),
    ];
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join("nba_stats/team_game_logs"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("log-"))
                })
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    out.extend(logs.into_iter().map(|p| (Format::NbaStatsTeamLogs, p)));
    out.extend([
        (
            Format::NbaStatsTeamLogs,
            dir.join("nba_stats/team_game_logs_2024_2026.csv.gz"),
        ),
        (
            Format::NbaStatsTeamLogs,
            dir.join("nba_stats/playoffs_team_totals_2011_2022.csv.gz"),
        ),
        (
            Format::Schedule,
            dir.join("nba_stats/schedule_2024_2026.csv.gz"),
        ),
        (
            Format::NbaStatsPlayerLogs,
            dir.join("nba_stats/playoffs_player_box_2011_2022.csv.gz"),
        ),
        (
            Format::NbaStatsPlayerLogs,
            dir.join("nba_stats/player_game_logs_2024_2026.csv.gz"),
        ),
    ]);
    out
}

/// Parses and loads one file; all or nothing unless `skip_invalid`.
pub async fn ingest_file(
    store: &Store,
    format: Format,
    path: &Path,
    skip_invalid: bool,
    data_source: &str,
) -> Result<LoadSummary> {
    let spinner = progress(&format!("{} {}", format.name(), path.display()));
    let opts = ParseOptions { skip_invalid };
    let path2 = path.to_path_buf();
    let parsed = tokio::task::spawn_blocking(move || nba_ingest::parse_file(format, &path2, &opts))
        .await
        .context("parser task failed")?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            spinner.finish_and_clear();
            bail!("{e}");
        }
    };
    spinner.set_message(format!(
        "loading {} rows from {}",
        parsed.parsed.len(),
        path.display()
    ));
    let prov = Provenance {
        format: format.name().to_string(),
        data_source: data_source.to_string(),
        skip_invalid,
    };
    let summary = store.load(&parsed, &prov).await;
    spinner.finish_and_clear();
    let summary = summary?;
    nba_ops::record_ingest(
        &summary.format,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.skipped,
    );
    Ok(summary)
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

pub fn print_summary(s: &LoadSummary) {
    eprintln!(
        "{}: {} ({}) read {} inserted {} updated {} unchanged {} skipped {} new games {} in {:.2}s",
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
        eprintln!("  note: {n}");
    }
    for r in s.skipped_rows.iter().take(50) {
        eprintln!("  skipped: {r}");
    }
    if s.skipped_rows.len() > 50 {
        eprintln!("  ... and {} more skipped rows", s.skipped_rows.len() - 50);
    }
}

/// Loads every known file under `dir`; a missing file is reported and skipped.
pub async fn ingest_all(store: &Store, dir: &Path, skip_invalid: bool) -> Result<Vec<LoadSummary>> {
    if !dir.is_dir() {
        bail!(
            "data folder '{}' does not exist (set NBA_MCP_DATA_DIR or pass the folder)",
            dir.display()
        );
    }
    let files = all_files(dir);
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
        bar.suspend(|| print_summary(&s));
        bar.inc(1);
        out.push(s);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Loads the files of the data folder that the store does not have yet (by sha256 in
/// `ingest_runs`), in the folder's order: a first start that was interrupted resumes where
/// it stopped, and a file added to the folder is loaded on the next start. Says what it
/// loads on stderr. Returns how many files were loaded.
pub async fn ingest_missing(store: &Store, dir: &Path) -> Result<usize> {
    let loaded: std::collections::HashSet<String> = store
        .ingest_runs(i64::MAX)
        .await?
        .into_iter()
        .map(|r| r.sha256)
        .collect();
    let mut missing = Vec::new();
    for (format, path) in all_files(dir) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if !loaded.contains(&nba_ingest::reader::sha256_hex(&bytes)) {
            missing.push((format, path));
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    let total = all_files(dir).len();
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
        print_summary(&s);
    }
    Ok(missing.len())
}
