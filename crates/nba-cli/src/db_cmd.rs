//! `nba-mcp db` and `nba-mcp cache`: database maintenance and the servers' data caches (the
//! "Database maintenance" and "Cache management" runbooks).

use anyhow::{bail, Result};
use clap::Subcommand;
use nba_store::Store;
use secrecy::ExposeSecret;

#[derive(Subcommand)]
pub enum DbCmd {
    /// Integrity check (SQLite integrity_check and foreign_key_check; PostgreSQL invalid
    /// indexes), schema version, size and rows per table; exit code 1 when a problem is found.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Refresh the planner's statistics and give free space back (SQLite ANALYZE + VACUUM,
    /// which holds the write lock while it rewrites the file; PostgreSQL VACUUM (ANALYZE),
    /// online).
    Optimize {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CacheCmd {
    /// Make every server on this store drop its cached answers and season data within its
    /// data-version interval (1 s by default): after data was changed other than by `ingest`
    /// (a hand-made SQL fix). Recorded in `status` as an ingest run of format cache-flush.
    Flush {
        /// Why, kept with the record.
        #[arg(long, default_value = "flushed by hand")]
        reason: String,
    },
}

pub async fn cache(store: &Store, cmd: CacheCmd) -> Result<()> {
    match cmd {
        CacheCmd::Flush { reason } => {
            let version = store.flush_caches(&reason).await?;
            println!(
                "data version is now {version}: servers on this store drop their cached answers within their data-version interval"
            );
            Ok(())
        }
    }
}

fn mib(bytes: i64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub async fn run(store: &Store, cmd: DbCmd) -> Result<()> {
    match cmd {
        DbCmd::Check { json } => {
            let report = store.check().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} database, schema version {} (this build {}), {}",
                    report.backend,
                    report.schema_version,
                    report.latest_schema_version,
                    mib(report.bytes)
                );
                for t in &report.tables {
                    println!("  {:<20} {:>10} rows", t.table, t.rows);
                }
                for p in &report.problems {
                    println!("problem: {p}");
                }
                if report.problems.is_empty() {
                    println!("database OK");
                }
            }
            if !report.problems.is_empty() {
                bail!(
                    "the database check found {} problem(s)",
                    report.problems.len()
                );
            }
            Ok(())
        }
        DbCmd::Optimize { json } => {
            let report = store.optimize().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "optimized the {} database in {:.2} s: {} -> {}",
                    report.backend,
                    report.seconds,
                    mib(report.bytes_before),
                    mib(report.bytes_after)
                );
            }
            Ok(())
        }
    }
}

/// `nba-mcp reset [--yes]`: lists, then (with `--yes`) removes the loaded data.
pub async fn reset(store: &Store, settings: &crate::config::Settings, yes: bool) -> Result<()> {
    let source = store.data_source().await?;
    let where_ = nba_store::redact_url(settings.database_url.expose_secret());
    if !yes {
        println!("{where_} holds {} data:", source.as_deref().unwrap_or("no"));
        for t in store.loaded_rows().await? {
            println!("  {:<14} {:>10} rows", t.table, t.rows);
        }
        bail!(
            "nothing removed: `nba-mcp reset --yes` deletes these rows (accounts, keys, the audit \
             log and the prediction log are kept)"
        );
    }
    let removed = nba_app::admin::reset_data(store, &nba_app::access::Caller::cli()).await?;
    let total: i64 = removed.iter().map(|t| t.rows).sum();
    println!(
        "removed the {} data of {where_}: {total} rows; load data with `nba-mcp ingest`",
        source.as_deref().unwrap_or("(none)")
    );
    let registry = settings.registry()?;
    if let Ok(aliases) = registry.aliases().await {
        for (alias, model) in aliases {
            println!(
                "the model store still points {alias} at {model}, trained on the removed data: \
                 after loading, train a new one (`nba-mcp train --seasons FIRST-LAST --alias {alias}`)"
            );
        }
    }
    Ok(())
}
