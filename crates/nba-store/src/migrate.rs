//! Numbered SQL migrations, one folder per backend, embedded in the binary and applied in
//! order, each in its own transaction. Files are never edited once released.

use sqlx::Executor;

use crate::{Backend, Store, StoreError};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_prediction_log.sql"),
    ),
    (3, include_str!("../migrations/sqlite/0003_access.sql")),
    (4, include_str!("../migrations/sqlite/0004_retention.sql")),
    (
        5,
        include_str!("../migrations/sqlite/0005_audit_credential.sql"),
    ),
    (6, include_str!("../migrations/sqlite/0006_rollouts.sql")),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_prediction_log.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_access.sql")),
    (4, include_str!("../migrations/postgres/0004_retention.sql")),
    (
        5,
        include_str!("../migrations/postgres/0005_audit_credential.sql"),
    ),
    (6, include_str!("../migrations/postgres/0006_rollouts.sql")),
];

/// The schema version this build migrates a `backend` store to.
pub fn latest_schema_version(backend: Backend) -> i64 {
    migrations(backend).last().map_or(0, |(v, _)| *v)
}

fn migrations(backend: Backend) -> &'static [(i64, &'static str)] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// Applies the migrations not applied yet, up to `until` (none: all of them).
pub(crate) async fn run(store: &Store, until: Option<i64>) -> Result<(), StoreError> {
    let pool = &store.pool;
    pool.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await?;
    for (version, sql) in migrations(store.backend) {
        if until.is_some_and(|u| *version > u) {
            break;
        }
        if applied.iter().any(|(v,)| v == version) {
            continue;
        }
        let mut tx = pool.begin().await?;
        tx.execute(*sql).await.map_err(|e| StoreError::Migration {
            version: *version,
            message: e.to_string(),
        })?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
