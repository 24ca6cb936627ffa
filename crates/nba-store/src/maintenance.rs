//! Database maintenance: an integrity check (SQLite's `integrity_check` and
//! `foreign_key_check`; PostgreSQL's invalid indexes), sizes and row counts per table, and
//! `optimize` (statistics refreshed, space given back: SQLite `ANALYZE` + `VACUUM` + a WAL
//! checkpoint; PostgreSQL `VACUUM (ANALYZE)`), for `nba-mcp db check` and `db optimize`.

use serde::Serialize;
use sqlx::{Executor, Row};

use crate::snapshot::SNAPSHOT_TABLES;
use crate::{Backend, Store, StoreError};

/// What `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub backend: &'static str,
    pub schema_version: i64,
    pub latest_schema_version: i64,
    /// Bytes the database takes (SQLite: the file and its WAL; PostgreSQL: `pg_database_size`).
    pub bytes: i64,
    pub tables: Vec<TableRows>,
    /// Every problem found; empty when the database is sound.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRows {
    pub table: String,
    pub rows: i64,
}

/// What `optimize` did.
#[derive(Debug, Clone, Serialize)]
pub struct OptimizeReport {
    pub backend: &'static str,
    pub bytes_before: i64,
    pub bytes_after: i64,
    pub seconds: f64,
}

/// The tables of loaded data (what `ingest` and the demo league write), children first.
pub const LOADED_TABLES: &[&str] = &[
    "player_box",
    "team_box",
    "game_sources",
    "games",
    "players",
    "franchises",
    "ingest_runs",
];

/// At most this many problems are listed (a badly damaged file reports thousands).
const MAX_PROBLEMS: usize = 100;

impl Store {
    /// Checks the database's integrity and reports its size, schema version and row counts.
    pub async fn check(&self) -> Result<CheckReport, StoreError> {
        let mut problems = Vec::new();
        if let Some(file) = &self.file {
            file.check()?;
        }
        let mut conn = self.pool.acquire().await?;
        match self.backend {
            Backend::Sqlite => {
                let rows = sqlx::query("PRAGMA integrity_check")
                    .fetch_all(&mut *conn)
                    .await?;
                for r in rows.iter().take(MAX_PROBLEMS) {
                    let line: String = r.try_get(0)?;
                    if line != "ok" {
                        problems.push(format!("integrity_check: {line}"));
                    }
                }
                let rows = sqlx::query("PRAGMA foreign_key_check")
                    .fetch_all(&mut *conn)
                    .await?;
                for r in rows.iter().take(MAX_PROBLEMS) {
                    let table: String = r.try_get(0)?;
                    let parent: String = r.try_get(2)?;
                    problems.push(format!(
                        "foreign_key_check: a row of {table} names a missing {parent} row"
                    ));
                }
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT CAST(c.relname AS TEXT) FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)",
                )
                .fetch_all(&mut *conn)
                .await?;
                for r in rows.iter().take(MAX_PROBLEMS) {
                    let index: String = r.try_get(0)?;
                    problems.push(format!(
                        "index {index} is invalid (an interrupted CREATE INDEX CONCURRENTLY?): REINDEX INDEX {index}"
                    ));
                }
            }
        }
        drop(conn);
        let schema_version = self.schema_version().await?;
        let latest_schema_version = crate::latest_schema_version(self.backend);
        let mut tables = Vec::new();
        for table in SNAPSHOT_TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            if let Ok(row) = sqlx::query(&sql).fetch_one(&self.pool).await {
                tables.push(TableRows {
                    table: table.to_string(),
                    rows: row.try_get(0)?,
                });
            }
        }
        Ok(CheckReport {
            backend: self.backend.as_str(),
            schema_version,
            latest_schema_version,
            bytes: self.size_bytes().await?,
            tables,
            problems,
        })
    }

    /// Bytes the database takes.
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let row = sqlx::query(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(&self.pool)
                .await?;
                let pages: i64 = row.try_get(0)?;
                let wal = self
                    .file
                    .as_ref()
                    .and_then(|f| std::fs::metadata(format!("{}-wal", f.path().display())).ok())
                    .map_or(0, |m| m.len() as i64);
                Ok(pages + wal)
            }
            Backend::Postgres => {
                let row = sqlx::query("SELECT pg_database_size(current_database())")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get(0)?)
            }
        }
    }

    /// Refreshes the planner's statistics and gives free space back. SQLite's `VACUUM`
    /// rewrites the file and holds the write lock meanwhile (other writers wait, up to their
    /// busy timeout); PostgreSQL's `VACUUM (ANALYZE)` runs beside normal traffic.
    pub async fn optimize(&self) -> Result<OptimizeReport, StoreError> {
        let started = std::time::Instant::now();
        let bytes_before = self.size_bytes().await?;
        let mut conn = self.pool.acquire().await?;
        match self.backend {
            Backend::Sqlite => {
                conn.execute("ANALYZE").await?;
                conn.execute("VACUUM").await?;
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
            }
            Backend::Postgres => {
                // VACUUM cannot run inside a transaction block; one statement at a time.
                for table in SNAPSHOT_TABLES {
                    let exists: Option<String> =
                        sqlx::query_scalar("SELECT CAST(to_regclass($1) AS TEXT)")
                            .bind(*table)
                            .fetch_one(&mut *conn)
                            .await?;
                    if exists.is_some() {
                        conn.execute(format!("VACUUM (ANALYZE) {table}").as_str())
                            .await?;
                    }
                }
            }
        }
        drop(conn);
        Ok(OptimizeReport {
            backend: self.backend.as_str(),
            bytes_before,
            bytes_after: self.size_bytes().await?,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Changes the data version without loading anything, so every server on this store
    /// empties its data caches within its data-version interval (`nba-mcp cache flush`, after
    /// the data was changed some other way than a load). Recorded as an ingest run of
    /// format `cache-flush` with `reason` as its notes; the new data version.
    pub async fn flush_caches(&self, reason: &str) -> Result<i64, StoreError> {
        let id: i64 = sqlx::query(
            "INSERT INTO ingest_runs (format, layout, file, sha256, rows_read, inserted, updated, unchanged, skipped, notes, started_at, seconds) \
             VALUES ('cache-flush', '-', '-', '-', 0, 0, 0, 0, 0, $1, $2, 0) RETURNING id",
        )
        .bind(reason.to_string())
        .bind(chrono::Utc::now().to_rfc3339())
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        Ok(id)
    }

    /// Rows of each table of loaded data.
    pub async fn loaded_rows(&self) -> Result<Vec<TableRows>, StoreError> {
        let mut out = Vec::new();
        for table in LOADED_TABLES {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.pool)
                .await?;
            out.push(TableRows {
                table: table.to_string(),
                rows,
            });
        }
        Ok(out)
    }

    /// Removes every row of loaded data and the store's data source (demo or real), in one
    /// transaction; accounts, keys, the audit log and the prediction log stay. The rows
    /// removed per table.
    pub async fn reset_data(&self) -> Result<Vec<TableRows>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::new();
        for table in LOADED_TABLES {
            let done = sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
            out.push(TableRows {
                table: table.to_string(),
                rows: done.rows_affected() as i64,
            });
        }
        sqlx::query("DELETE FROM meta WHERE key = 'data_source'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}
