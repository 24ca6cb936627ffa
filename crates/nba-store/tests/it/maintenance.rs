//! `db check`, `db optimize` and `cache flush` on both backends: a sound store checks clean
//! with its tables and schema version; a row naming a missing game (written with SQLite's
//! foreign keys off) is a named problem; optimize gives back the space of deleted rows;
//! a flush changes the data version.

use nba_store::{latest_schema_version, Backend, Store};

async fn sound_then_optimized(store: Store) {
    let report = store.check().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        report.schema_version,
        latest_schema_version(store.backend())
    );
    assert_eq!(report.backend, store.backend().as_str());
    assert!(report.bytes > 0);
    assert!(report
        .tables
        .iter()
        .any(|t| t.table == "games" && t.rows == 0));

    // Space taken by rows since deleted: optimize gives (SQLite) or marks (PostgreSQL) it back.
    let filler = "x".repeat(2000);
    for i in 0..500 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(format!("filler{i}"))
            .bind(filler.clone())
            .execute(store.pool())
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM meta WHERE key LIKE 'filler%'")
        .execute(store.pool())
        .await
        .unwrap();
    let done = store.optimize().await.unwrap();
    if store.backend() == Backend::Sqlite {
        assert!(
            done.bytes_after < done.bytes_before,
            "VACUUM gave space back: {done:?}"
        );
    }
    assert!(store.check().await.unwrap().problems.is_empty());

    let before = store.data_version().await.unwrap();
    let after = store.flush_caches("a test").await.unwrap();
    assert!(after > before);
    assert_eq!(store.data_version().await.unwrap(), after);
}

#[tokio::test]
async fn sqlite_store_checks_optimizes_and_flushes() {
    nba_testkit::on_store(Backend::Sqlite, "nba_maint", sound_then_optimized).await
}

#[tokio::test]
async fn postgres_store_checks_optimizes_and_flushes() {
    nba_testkit::on_store(Backend::Postgres, "nba_maint", sound_then_optimized).await
}

#[tokio::test]
async fn a_dangling_row_is_a_named_problem() {
    nba_testkit::on_store(Backend::Sqlite, "nba_maint_fk", |store| async move {
        let mut conn = store.pool().acquire().await.unwrap();
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO game_sources (source, source_key, game_id, date, home_id, away_id, run_id) \
             VALUES ('t', 'k', 'no-such-game', '2026-01-01', 1, 2, 1)",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        let report = store.check().await.unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].contains("game_sources") && report.problems[0].contains("games"),
            "{:?}",
            report.problems
        );
    })
    .await
}
