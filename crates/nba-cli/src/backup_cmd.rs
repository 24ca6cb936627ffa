//! `nba-mcp backup`: create, list, verify and restore backups of the store and the model
//! store, and generate the key that encrypts them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use nba_backup::BackupKey;
use secrecy::ExposeSecret;

use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum BackupCmd {
    /// Back up the store and the model store (consistent while a server runs).
    Create {
        /// Where to write the backup: a folder (created if needed) or s3://bucket/prefix
        /// (reached with the AWS_* variables: AWS_ENDPOINT_URL, AWS_REGION,
        /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
        #[arg(long)]
        to: String,
        /// The key file (64 hex digits); default NBA_MCP_BACKUP_KEY_FILE.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Write the backup unencrypted (otherwise a key is required).
        #[arg(long)]
        no_encryption: bool,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the complete backups in a folder or s3://bucket/prefix, oldest first.
    List {
        /// A folder or s3://bucket/prefix.
        #[arg(long)]
        from: String,
        #[arg(long)]
        json: bool,
    },
    /// Read a backup back and check every file, row and model against its manifest.
    Verify {
        /// A backup id (as `list` shows it), or `latest` for the newest.
        id: String,
        /// A folder or s3://bucket/prefix.
        #[arg(long)]
        from: String,
        #[arg(long)]
        key_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into the configured store (stop the servers first). Refuses a
    /// store holding data unless --replace; the replaced store is kept beside it.
    Restore {
        /// A backup id (as `list` shows it), or `latest` for the newest.
        id: String,
        /// A folder or s3://bucket/prefix.
        #[arg(long)]
        from: String,
        #[arg(long)]
        key_file: Option<PathBuf>,
        #[arg(long)]
        replace: bool,
        /// Restore the backup alone, without the journal segments saved beside it since.
        #[arg(long)]
        no_journal: bool,
        /// Restore only model artifacts that are missing or damaged in the model store (and
        /// missing aliases); the store is not touched, so servers may keep running.
        #[arg(long)]
        models_only: bool,
        #[arg(long)]
        json: bool,
    },
    /// Delete old backups: older than --max-age-days (default 30) or beyond --keep-last,
    /// never the newest --keep-at-least (default 1); and leftovers of killed backups.
    Prune {
        /// A folder or s3://bucket/prefix.
        #[arg(long)]
        from: String,
        #[arg(long, default_value_t = 30)]
        max_age_days: u32,
        #[arg(long)]
        keep_last: Option<usize>,
        #[arg(long, default_value_t = 1)]
        keep_at_least: usize,
        #[arg(long)]
        json: bool,
    },
    /// Write a new random backup key to a file (readable by its owner only).
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
}

fn key(settings: &Settings, given: &Option<PathBuf>) -> Result<Option<BackupKey>> {
    match given.as_ref().or(settings.backup_key_file.as_ref()) {
        Some(path) => Ok(Some(
            BackupKey::from_file(path).map_err(|e| anyhow::anyhow!(e))?,
        )),
        None => Ok(None),
    }
}

/// A `--to`/`--from` value: a folder or `s3://bucket/prefix`.
fn dest(spec: &str) -> Result<nba_backup::Destination> {
    Ok(nba_backup::Destination::parse(
        spec,
        &nba_backup::S3Options::default(),
    )?)
}

fn registry(settings: &Settings) -> Result<std::sync::Arc<dyn nba_registry::ModelRegistry>> {
    settings.registry()
}

/// `id`, or for `latest` the newest complete backup in `from`.
async fn resolve(from: &nba_backup::Destination, id: String) -> Result<String> {
    if id != "latest" {
        return Ok(id);
    }
    match nba_backup::list(from).await?.pop() {
        Some(m) => Ok(m.id),
        None => anyhow::bail!("'latest': there are no complete backups in {from}"),
    }
}

pub async fn run(settings: &Settings, cmd: BackupCmd) -> Result<()> {
    match cmd {
        BackupCmd::Keygen { out } => {
            let key = BackupKey::generate()?;
            key.write_new(&out)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote a new backup key to {} (fingerprint {}); keep a copy apart from the backups",
                out.display(),
                key.fingerprint()
            );
            Ok(())
        }
        BackupCmd::Create {
            to,
            key_file,
            no_encryption,
            json,
        } => {
            let key = key(settings, &key_file)?;
            anyhow::ensure!(
                key.is_some() || no_encryption,
                "backups are encrypted: give --key-file (or NBA_MCP_BACKUP_KEY_FILE; \
                 `nba-mcp backup keygen --out FILE` makes one), or pass --no-encryption"
            );
            let key = if no_encryption { None } else { key };
            let to = dest(&to)?;
            let store = crate::open(settings).await?;
            let done =
                nba_backup::create(&store, registry(settings)?.as_ref(), &to, key.as_ref()).await;
            store.close().await;
            let m = done?;
            if json {
                println!("{}", serde_json::to_string_pretty(&m)?);
            } else {
                println!(
                    "backup {} written to {}/{}: {} tables, {} rows, {} models, {} bytes{} in {:.2}s",
                    m.id,
                    to,
                    m.id,
                    m.tables.len(),
                    m.rows(),
                    m.models.len(),
                    m.bytes,
                    if m.key_fingerprint.is_some() {
                        ", encrypted"
                    } else {
                        ", NOT encrypted"
                    },
                    m.seconds
                );
            }
            Ok(())
        }
        BackupCmd::List { from, json } => {
            let from = dest(&from)?;
            let all = nba_backup::list(&from).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            if all.is_empty() {
                println!("no backups in {from}");
            }
            for m in all {
                println!(
                    "{}  {}  schema {}  {} rows  {} models  {} bytes  {}",
                    m.id,
                    m.backend,
                    m.schema_version,
                    m.rows(),
                    m.models.len(),
                    m.bytes,
                    m.key_fingerprint
                        .map(|f| format!("key {f}"))
                        .unwrap_or_else(|| "not encrypted".into())
                );
            }
            Ok(())
        }
        BackupCmd::Prune {
            from,
            max_age_days,
            keep_last,
            keep_at_least,
            json,
        } => {
            let rule = nba_backup::Retention {
                max_age_days: Some(max_age_days),
                keep_last,
                keep_at_least,
            };
            let r = nba_backup::prune(&dest(&from)?, rule, chrono::Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                for id in &r.removed {
                    println!("removed {id}");
                }
                println!(
                    "{} backups removed, {} kept, {} leftovers of stopped backups removed",
                    r.removed.len(),
                    r.kept.len(),
                    r.leftovers_removed.len()
                );
            }
            Ok(())
        }
        BackupCmd::Verify {
            id,
            from,
            key_file,
            json,
        } => {
            let key = key(settings, &key_file)?;
            let from = dest(&from)?;
            let id = resolve(&from, id).await?;
            let r = nba_backup::verify(&from, &id, key.as_ref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "backup {} verifies: {} tables, {} rows, {} models, {} bytes read in {:.2}s",
                    r.id, r.tables, r.rows, r.models, r.bytes, r.seconds
                );
            }
            Ok(())
        }
        BackupCmd::Restore {
            id,
            from,
            key_file,
            replace,
            no_journal,
            models_only,
            json,
        } => {
            let key = key(settings, &key_file)?;
            let from = dest(&from)?;
            let id = resolve(&from, id).await?;
            if models_only {
                let r = nba_backup::restore_models(
                    &from,
                    &id,
                    key.as_ref(),
                    registry(settings)?.as_ref(),
                    replace,
                )
                .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&r)?);
                } else {
                    println!(
                        "models of backup {}: {} restored ({}), {} already whole, aliases set: {}, in {:.2}s",
                        r.id,
                        r.restored.len(),
                        r.restored.join(", "),
                        r.unchanged.len(),
                        if r.aliases_set.is_empty() { "none".to_string() } else { r.aliases_set.join(", ") },
                        r.seconds
                    );
                }
                return Ok(());
            }
            let url = settings.database_url.expose_secret().to_string();
            let r = nba_backup::restore_with(
                &from,
                &id,
                key.as_ref(),
                &url,
                registry(settings)?.as_ref(),
                replace,
                !no_journal,
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "restored backup {} into {}: {} tables, {} rows, {} models, schema {} -> {}, {} journal segments ({} log rows, up to {}), in {:.2}s{}",
                    r.id,
                    nba_store::redact_url(&url),
                    r.tables,
                    r.rows,
                    r.models,
                    r.schema_from,
                    r.schema_to,
                    r.journal_segments,
                    r.journal_rows,
                    r.recovered_to,
                    r.seconds,
                    r.replaced
                        .map(|p| format!("; the replaced store is kept as {p}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}
