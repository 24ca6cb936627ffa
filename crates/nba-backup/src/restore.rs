//! Restoring a backup. A restore loads the backup into a fresh store beside
//! the configured one (an SQLite file next to it, or a new PostgreSQL database), proves the
//! fresh store equal to the backup (row counts and checksums per table, the audit chain),
//! migrates it to this build's schema, and only then switches: the old store is kept under
//! a `replaced` name, and nothing is changed if any check fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nba_registry::ModelRegistry;
use nba_store::snapshot::TableShape;
use nba_store::{Backend, Store, StoreOptions};
use serde::Serialize;
use sqlx::Connection;

use crate::dest::Destination;
use crate::files::scan_file;
use crate::manifest::{read_manifest, Manifest};
use crate::verify::{aad, checked_artifact, compare, invalid};
use crate::{BackupError, BackupKey};

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub id: String,
    pub tables: usize,
    pub rows: u64,
    pub models: usize,
    /// The schema version of the backup, and of the store after migrating.
    pub schema_from: i64,
    pub schema_to: i64,
    /// Where the store that was replaced is kept (none: the target was empty or absent).
    pub replaced: Option<String>,
    /// Journal segments applied after the backup, and the log rows they held.
    pub journal_segments: usize,
    pub journal_rows: u64,
    /// The time the restored logs reach: the last segment's, else the backup's.
    pub recovered_to: String,
    pub seconds: f64,
}

/// Where a restore writes, from the configured database URL.
enum Target {
    Sqlite {
        path: PathBuf,
    },
    Postgres {
        admin_url: String,
        db: String,
        /// The URL with `{db}` in place of the database name.
        template: String,
    },
}

fn target(url: &str) -> Result<Target, BackupError> {
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let rest = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() || path == ":memory:" {
                return Err(BackupError::Refused(format!(
                    "cannot restore into '{url}': it names no database file"
                )));
            }
            Ok(Target::Sqlite {
                path: PathBuf::from(path),
            })
        }
        Backend::Postgres => {
            let scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
            let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
            let slash = base[scheme..]
                .find('/')
                .map(|i| i + scheme)
                .ok_or_else(|| {
                    BackupError::Refused("the PostgreSQL URL names no database".into())
                })?;
            let db = base[slash + 1..].to_string();
            if db.is_empty() || db == "postgres" || db.contains('"') {
                return Err(BackupError::Refused(format!(
                    "cannot restore into database '{db}': name a database of its own"
                )));
            }
            let q = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            Ok(Target::Postgres {
                admin_url: format!("{}/postgres{q}", &base[..slash]),
                template: format!("{}/{{db}}{q}", &base[..slash]),
                db,
            })
        }
    }
}

/// The tables whose rows make a store "in use" (meta and the audit chain's seeded head
/// and anchor exist in every store).
const CONTENT_TABLES: &[&str] = &[
    "games",
    "players",
    "franchises",
    "principals",
    "api_keys",
    "audit_log",
    "prediction_log",
    "ingest_runs",
];

async fn rows_in(store: &Store) -> Result<i64, BackupError> {
    let shapes: Vec<String> = {
        let s = store.snapshot().await?;
        let names = s.tables().iter().map(|t| t.name.clone()).collect();
        s.finish().await?;
        names
    };
    let mut total = 0;
    for t in CONTENT_TABLES
        .iter()
        .filter(|t| shapes.iter().any(|s| s == *t))
    {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(store.pool())
            .await?;
        total += n;
    }
    Ok(total)
}

/// Restores backup `id` from `dest` into the store at `url` and the registry `models`, with
/// its journal. Refuses a target that holds data unless `replace`; refuses a backup from a
/// newer schema.
pub async fn restore(
    dest: &Destination,
    id: &str,
    key: Option<&BackupKey>,
    url: &str,
    models: &dyn ModelRegistry,
    replace: bool,
) -> Result<RestoreReport, BackupError> {
    restore_with(dest, id, key, url, models, replace, true).await
}

/// [`restore`], choosing whether the journal segments are applied (`journal`).
pub async fn restore_with(
    dest: &Destination,
    id: &str,
    key: Option<&BackupKey>,
    url: &str,
    models: &dyn ModelRegistry,
    replace: bool,
    journal: bool,
) -> Result<RestoreReport, BackupError> {
    let started = Instant::now();
    let manifest = read_manifest(dest, id).await?;
    manifest.check(key)?;
    let key = manifest.key_for(key);
    let segments = if journal {
        crate::journal::segments(dest, &manifest, key).await?
    } else {
        Vec::new()
    };
    let target = target(url)?;
    let backend = Backend::from_url(url)?;
    let latest = nba_store::latest_schema_version(backend);
    if manifest.schema_version > latest {
        return Err(BackupError::Refused(format!(
            "backup {id} has schema version {}, newer than this build's {latest} ({}); restore it with that release or a later one",
            manifest.schema_version, manifest.written_by
        )));
    }
    // Models first checked, saved only after the switch.
    let mut artifacts = Vec::new();
    for entry in &manifest.models {
        let a = checked_artifact(&manifest, dest, entry, key).await?;
        if !replace {
            if let Ok(existing) = models.load(&nba_model::ModelRef::of(&a)).await {
                if existing.content_sha256() != a.content_sha256() {
                    return Err(BackupError::Refused(format!(
                        "the model store already holds a different {}; pass --replace to overwrite it",
                        entry.model
                    )));
                }
            }
        }
        artifacts.push(a);
    }

    // The target must be empty (or replace allowed), and nothing else may be using it.
    let suffix = &id[id.len().saturating_sub(8)..];
    let (fresh_url, in_use) = match &target {
        Target::Sqlite { path } => {
            let fresh = sibling(path, &format!("restore-{suffix}"));
            remove_sqlite(&fresh)?;
            let in_use = if path.exists() {
                Some(url.to_string())
            } else {
                None
            };
            (format!("sqlite://{}", fresh.display()), in_use)
        }
        Target::Postgres {
            admin_url,
            db,
            template,
        } => {
            let mut admin = sqlx::PgConnection::connect(admin_url).await?;
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(db)
                    .fetch_optional(&mut admin)
                    .await?;
            let fresh = pg_name(db, &format!("restore_{suffix}"));
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{fresh}\""))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!("CREATE DATABASE \"{fresh}\""))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
            let fresh_url = template.replace("{db}", &fresh);
            (fresh_url, exists.map(|_| url.to_string()))
        }
    };
    if let Some(existing) = &in_use {
        // Opened without migrating: the check changes nothing.
        let mut options = StoreOptions::new(existing.clone());
        options.migrate_to = Some(0);
        options.max_connections = Some(1);
        let store = Store::open(&options).await?;
        let rows = rows_in(&store).await;
        store.close().await;
        let rows = rows?;
        if rows > 0 && !replace {
            discard(&target, &fresh_url).await;
            return Err(BackupError::Refused(format!(
                "the configured store holds data ({rows} rows); pass --replace to replace it \
                 (it is kept beside the restored one)"
            )));
        }
    }

    let result = load_and_check(&manifest, &segments, dest, key, &fresh_url).await;
    let schema_to = match result {
        Ok(v) => v,
        Err(e) => {
            discard(&target, &fresh_url).await;
            return Err(e);
        }
    };

    // The switch.
    let replaced = match &target {
        Target::Sqlite { path } => switch_sqlite(path, &fresh_url, in_use.is_some()).await,
        Target::Postgres { admin_url, db, .. } => {
            switch_postgres(admin_url, db, &fresh_url, in_use.is_some()).await
        }
    };
    let replaced = match replaced {
        Ok(r) => r,
        Err(e) => {
            discard(&target, &fresh_url).await;
            return Err(e);
        }
    };

    for a in &artifacts {
        models.save(a).await?;
    }
    for (alias, model) in &manifest.aliases {
        let (name, version) = model.split_once('@').unwrap_or((model, ""));
        models
            .set_alias(alias, &nba_model::ModelRef::new(name, version))
            .await?;
    }
    Ok(RestoreReport {
        id: manifest.id.clone(),
        tables: manifest.tables.len(),
        rows: manifest.rows(),
        models: artifacts.len(),
        schema_from: manifest.schema_version,
        schema_to,
        replaced,
        journal_segments: segments.len(),
        journal_rows: segments
            .iter()
            .flat_map(|s| &s.tables)
            .map(|t| t.rows)
            .sum(),
        recovered_to: segments
            .last()
            .map_or(manifest.created_at.clone(), |s| s.created_at.clone()),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Builds the fresh store at the backup's schema, loads every table, proves it equal to the
/// manifest and the audit chain whole, then migrates it on. Returns the schema version.
async fn load_and_check(
    manifest: &Manifest,
    segments: &[crate::journal::Segment],
    dest: &Destination,
    key: Option<&BackupKey>,
    fresh_url: &str,
) -> Result<i64, BackupError> {
    let mut options = StoreOptions::new(fresh_url.to_string());
    options.migrate_to = Some(manifest.schema_version);
    options.max_connections = Some(2);
    let fresh = Store::open(&options).await?;
    let result = async {
        let version = fresh.schema_version().await?;
        if version != manifest.schema_version {
            return Err(invalid(
                manifest,
                format!(
                    "a store built at schema {} has version {version}",
                    manifest.schema_version
                ),
            ));
        }
        let mut import = fresh.begin_import().await?;
        let theirs: Vec<&str> = manifest
            .tables
            .iter()
            .map(|t| t.digest.shape.name.as_str())
            .collect();
        let ours: Vec<String> = import.tables().iter().map(|t| t.name.clone()).collect();
        if ours.iter().any(|t| !theirs.contains(&t.as_str())) || theirs.len() != ours.len() {
            return Err(invalid(
                manifest,
                format!(
                    "its tables ({}) are not the schema's ({})",
                    theirs.join(", "),
                    ours.join(", ")
                ),
            ));
        }
        for t in &manifest.tables {
            let shape = t.digest.shape.clone();
            import.clear(&shape).await?;
            let scanned = load_file(&mut import, &shape, manifest, dest, &t.file, key)
                .await?
                .map_err(|e| invalid(manifest, e))?;
            compare(
                manifest,
                &shape,
                t.digest.rows,
                &t.digest.sha256,
                scanned.lines,
                &scanned.sha256,
            )?;
        }
        import.finish().await?;

        // What is stored now, read back, must be what was backed up.
        let mut snap = fresh.snapshot().await?;
        for t in &manifest.tables {
            let d = snap.dump(&t.digest.shape.name, None).await?;
            compare(
                manifest,
                &t.digest.shape,
                t.digest.rows,
                &t.digest.sha256,
                d.rows,
                &d.sha256,
            )?;
        }
        snap.finish().await?;
        let mut expected_head = manifest.audit_head.clone();
        for seg in segments {
            apply_segment(manifest, seg, dest, key, &fresh).await?;
            if seg.audit_head.is_some() {
                expected_head = seg.audit_head.clone();
            }
        }
        // Migrated first: this build reads the audit log in its own schema.
        fresh.migrate().await?;
        if manifest.audit_head.is_some() {
            let (report, _, head) = fresh.audit_verify(0).await?;
            if !report.ok {
                return Err(invalid(
                    manifest,
                    format!(
                        "its audit chain does not verify: {}",
                        report.problems.join("; ")
                    ),
                ));
            }
            if Some(&head) != expected_head.as_ref() {
                return Err(invalid(
                    manifest,
                    "its audit head differs from the manifest's (or its journal's)",
                ));
            }
        }
        Ok(fresh.schema_version().await?)
    }
    .await;
    fresh.close().await;
    result
}

/// Streams one backup file's rows into `import`: read (and checked) on a blocking thread,
/// inserted here. The inner error is what is wrong with the file.
async fn load_file(
    import: &mut nba_store::snapshot::Import,
    shape: &TableShape,
    manifest: &Manifest,
    dest: &Destination,
    entry: &crate::manifest::FileEntry,
    key: Option<&BackupKey>,
) -> Result<Result<crate::files::Scanned, String>, BackupError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<u8>, u64)>(4);
    let (d, id, e, k) = (
        dest.clone(),
        manifest.id.clone(),
        entry.clone(),
        key.cloned(),
    );
    let a = aad(manifest, &entry.path);
    let reader = tokio::task::spawn_blocking(move || {
        scan_file(&d, &id, &e, &a, k.as_ref(), |batch, first| {
            tx.blocking_send((batch.to_vec(), first))
                .map_err(|_| "the restore stopped".to_string())
        })
    });
    let mut loaded = Ok(());
    while let Some((batch, first)) = rx.recv().await {
        if let Err(e) = import.load(shape, &batch, first).await {
            loaded = Err(e);
            break;
        }
    }
    drop(rx);
    let scanned = reader
        .await
        .map_err(|e| BackupError::Refused(format!("restore reader failed: {e}")))?;
    loaded?;
    Ok(scanned)
}

/// Appends one journal segment's rows to the fresh store (one transaction) and moves the
/// audit head; every file's rows and checksum must be the segment's.
async fn apply_segment(
    manifest: &Manifest,
    seg: &crate::journal::Segment,
    dest: &Destination,
    key: Option<&BackupKey>,
    fresh: &Store,
) -> Result<(), BackupError> {
    if seg.schema_version != manifest.schema_version {
        return Err(invalid(
            manifest,
            format!(
                "journal segment {} is at schema {}, the backup at {}",
                seg.segment, seg.schema_version, manifest.schema_version
            ),
        ));
    }
    let mut import = fresh.begin_import().await?;
    for t in &seg.tables {
        import.check_shape(&t.shape)?;
        let scanned = load_file(&mut import, &t.shape, manifest, dest, &t.file, key)
            .await?
            .map_err(|e| invalid(manifest, format!("journal: {e}")))?;
        compare(
            manifest,
            &t.shape,
            t.rows,
            &t.sha256,
            scanned.lines,
            &scanned.sha256,
        )?;
    }
    if let Some((seq, hash)) = &seg.audit_head {
        import.set_audit_head(*seq, hash).await?;
    }
    import.finish().await?;
    Ok(())
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{tag}"))
}

fn appended(path: &Path, tail: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(tail);
    PathBuf::from(s)
}

/// A name no earlier restore used, for the store being replaced.
fn replaced_tag() -> String {
    chrono::Utc::now().format("%Y%m%dt%H%M%S%3f").to_string()
}

fn remove_sqlite(path: &Path) -> Result<(), BackupError> {
    for p in [
        path.to_path_buf(),
        appended(path, "-wal"),
        appended(path, "-shm"),
    ] {
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(crate::io_err(format!("removing {}", p.display()))(e))
            }
            _ => {}
        }
    }
    Ok(())
}

fn pg_name(db: &str, tag: &str) -> String {
    let keep = 63 - tag.len() - 1;
    let base: String = db.chars().take(keep).collect();
    format!("{base}_{tag}")
}

/// The database a PostgreSQL URL names.
fn db_of(url: &str) -> &str {
    let path = url.rsplit('/').next().unwrap_or("");
    path.split('?').next().unwrap_or("")
}

async fn discard(target: &Target, fresh_url: &str) {
    match target {
        Target::Sqlite { .. } => {
            let _ = remove_sqlite(Path::new(fresh_url.trim_start_matches("sqlite://")));
        }
        Target::Postgres { admin_url, .. } => {
            let fresh = db_of(fresh_url);
            if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{fresh}\""))
                    .execute(&mut admin)
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// Takes `path` out of WAL mode, which SQLite allows only with no other connection open:
/// the proof that no server is using the file. The file is then self-contained.
/// Whether no other connection has the file open: only then does SQLite leave WAL mode.
/// Tried for `patience` (connections just closed may take a moment to let go).
async fn exclusive_sqlite(path: &Path, patience: Duration) -> Result<(), BackupError> {
    use sqlx::sqlite::SqliteConnectOptions;
    let deadline = Instant::now() + patience;
    loop {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(Duration::from_millis(500));
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
            .fetch_one(&mut conn)
            .await;
        let _ = conn.close().await;
        match mode {
            Ok(m) if m.eq_ignore_ascii_case("delete") => return Ok(()),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => {
                return Err(BackupError::Refused(format!(
                    "{} is in use (is a server running on it?); stop it before restoring",
                    path.display()
                )))
            }
        }
    }
}

async fn switch_sqlite(
    path: &Path,
    fresh_url: &str,
    existed: bool,
) -> Result<Option<String>, BackupError> {
    let fresh = PathBuf::from(fresh_url.trim_start_matches("sqlite://"));
    // Ours alone: its pool was just closed.
    exclusive_sqlite(&fresh, Duration::from_secs(10)).await?;
    let mut replaced = None;
    if existed {
        exclusive_sqlite(path, Duration::from_secs(1)).await?;
        let keep = sibling(path, &format!("replaced-{}", replaced_tag()));
        // A second name for the old file, then the new one renamed over it: the configured
        // path always names a whole database.
        std::fs::hard_link(path, &keep)
            .or_else(|_| std::fs::copy(path, &keep).map(|_| ()))
            .map_err(crate::io_err(format!(
                "keeping {} as {}",
                path.display(),
                keep.display()
            )))?;
        replaced = Some(keep.display().to_string());
    }
    std::fs::rename(&fresh, path).map_err(crate::io_err(format!(
        "moving the restored store to {}",
        path.display()
    )))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = crate::dest::sync_dir(dir);
    }
    Ok(replaced)
}

async fn switch_postgres(
    admin_url: &str,
    db: &str,
    fresh_url: &str,
    existed: bool,
) -> Result<Option<String>, BackupError> {
    let fresh = db_of(fresh_url);
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(db)
    .fetch_one(&mut admin)
    .await?;
    if others > 0 {
        return Err(BackupError::Refused(format!(
            "{others} other sessions are connected to database '{db}' (servers still running?); stop them before restoring"
        )));
    }
    let keep = pg_name(db, &format!("replaced_{}", replaced_tag()));
    let mut tx = admin.begin().await?;
    if existed {
        sqlx::query(&format!("ALTER DATABASE \"{db}\" RENAME TO \"{keep}\""))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&format!("ALTER DATABASE \"{fresh}\" RENAME TO \"{db}\""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    admin.close().await?;
    Ok(existed.then_some(keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_come_from_the_database_url() {
        let Target::Postgres {
            admin_url,
            db,
            template,
        } = target("postgres://u:p@nba-host:5432/nba?sslmode=disable").unwrap()
        else {
            panic!("a PostgreSQL target");
        };
        assert_eq!(db, "nba");
        assert_eq!(
            admin_url,
            "postgres://u:p@nba-host:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            template.replace("{db}", "nba_restore_1"),
            "postgres://u:p@nba-host:5432/nba_restore_1?sslmode=disable",
            "a host named like the database is left alone"
        );
        assert!(target("postgres://h:5432/postgres").is_err());
        assert!(target("postgres://h:5432").is_err());
        let Target::Sqlite { path } = target("sqlite:///var/lib/nba.db?mode=rwc").unwrap() else {
            panic!("an SQLite target");
        };
        assert_eq!(path, PathBuf::from("/var/lib/nba.db"));
        assert!(target("sqlite://:memory:").is_err());
        assert!(target("mysql://h/db").is_err());
        assert_eq!(db_of("postgres://h/x_restore_1?a=b"), "x_restore_1");
        assert_eq!(
            pg_name(&"d".repeat(80), "replaced_20261204t120000123").len(),
            63
        );
    }
}
