//! `nba-mcp status`: what the store holds (demo or real data, rows), which seasons each
//! source covers and which seasons between the first and the last are missing, and the
//! latest ingest runs. `--json` prints the same as one object.

use std::collections::BTreeMap;

use anyhow::Result;
use nba_domain::Season;
use nba_store::Store;
use serde::Serialize;

#[derive(Serialize)]
struct SourceCoverage {
    source: String,
    first: String,
    last: String,
    seasons: usize,
    games: i64,
}

#[derive(Serialize)]
struct Status {
    data_source: Option<String>,
    counts: nba_store::StoreCounts,
    coverage: Vec<SourceCoverage>,
    /// Seasons between the first and the last stored with no game at all.
    missing_seasons: Vec<String>,
    runs: Vec<nba_store::IngestRunRecord>,
}

fn label(end_year: i64) -> String {
    Season::from_end_year(end_year).map_or_else(|| end_year.to_string(), Season::label)
}

async fn read(store: &Store) -> Result<Status> {
    let mut by_source: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (source, season, games) in store.coverage().await? {
        by_source.entry(source).or_default().push((season, games));
    }
    let coverage = by_source
        .into_iter()
        .map(|(source, seasons)| SourceCoverage {
            first: label(seasons.first().map_or(0, |s| s.0)),
            last: label(seasons.last().map_or(0, |s| s.0)),
            seasons: seasons.len(),
            games: seasons.iter().map(|s| s.1).sum(),
            source,
        })
        .collect();
    let stored = store.seasons().await?;
    let missing_seasons = match (stored.first(), stored.last()) {
        (Some(&first), Some(&last)) => (first..=last)
            .filter(|y| stored.binary_search(y).is_err())
            .map(label)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Status {
        data_source: store.data_source().await?,
        counts: store.counts().await?,
        coverage,
        missing_seasons,
        runs: store.ingest_runs(20).await?,
    })
}

pub async fn status(store: &Store, json: bool) -> Result<()> {
    let s = read(store).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let c = &s.counts;
    let source = match s.data_source.as_deref() {
        Some("demo") => "the demo league (simulated)",
        Some(_) => "real data",
        None => "no data yet (load some with `nba-mcp ingest`)",
    };
    println!("store holds {source}");
    for (name, rows) in [
        ("games", c.games),
        ("game sources", c.game_sources),
        ("team box lines", c.team_box),
        ("player box lines", c.player_box),
        ("players", c.players),
        ("franchises", c.franchises),
        ("ingest runs", c.ingest_runs),
    ] {
        println!("  {name:<17} {rows:>9}");
    }
    if !s.coverage.is_empty() {
        println!("seasons by source:");
        for cov in &s.coverage {
            println!(
                "  {:<22} {} to {} ({} seasons, {} games)",
                cov.source, cov.first, cov.last, cov.seasons, cov.games
            );
        }
    }
    if !s.missing_seasons.is_empty() {
        println!(
            "not in this store (no games): {}",
            s.missing_seasons.join(", ")
        );
    }
    if !s.runs.is_empty() {
        println!("latest ingest runs:");
        println!(
            "  {:>4}  {:<21} {:<38} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7}",
            "run", "format", "file", "read", "inserted", "updated", "same", "skip", "seconds"
        );
        for r in &s.runs {
            let file = std::path::Path::new(&r.file)
                .file_name()
                .map_or(r.file.clone(), |f| f.to_string_lossy().into_owned());
            println!(
                "  {:>4}  {:<21} {:<38} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7.2}",
                r.id,
                r.format,
                file,
                r.rows_read,
                r.inserted,
                r.updated,
                r.unchanged,
                r.skipped,
                r.seconds
            );
        }
    }
    Ok(())
}
