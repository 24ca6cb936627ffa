//! The read-only query executor on both backends: SQLite (a temp file) and PostgreSQL (a
//! fresh database on NBA_MCP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432).
//! It must return JSON rows in SELECT order, cap them, stop runaway statements, refuse any
//! write that reaches it, and leave the store's own pool as it was.

use std::future::Future;
use std::time::{Duration, Instant};

use nba_store::{
    Backend, PredictionLogRow, ReadOnlyRows, Store, StoreError, StoreOptions, READABLE_TABLES,
};
use serde_json::{json, Value};

// A crate root looks for modules beside it, where cargo would take them for test targets.
#[path = "readonly_sql/limits.rs"]
mod limits;

const SECOND: Duration = Duration::from_secs(1);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{}", std::process::id(), nanos)
}

/// Four games (one without a score) inserted with plain SQL both engines accept.
async fn seed(store: &Store) {
    let games = [
        ("g1", 2016, "2015-10-27", Some(95), Some(97), Some(0.61)),
        ("g2", 2016, "2015-10-28", Some(111), Some(95), Some(0.72)),
        ("g3", 2016, "2015-10-29", Some(88), Some(101), None),
        ("g4", 2017, "2016-10-25", None, None, None),
    ];
    for (id, season, date, home, away, prob) in games {
        sqlx::query(
            "INSERT INTO games (id, season, date, stage, neutral, home_id, away_id, home_score, \
             away_score, primary_source, data_source, fte_elo_prob_home) \
             VALUES ($1, $2, $3, 'regular', 0, 1610612744, 1610612739, $4, $5, 'test', 'real', $6)",
        )
        .bind(id)
        .bind(season as i64)
        .bind(date)
        .bind(home.map(|s: i32| s as i64))
        .bind(away.map(|s: i32| s as i64))
        .bind(prob)
        .execute(store.pool())
        .await
        .unwrap();
    }
}

/// Runs `check` on a fresh, seeded store of `backend` (see `nba_testkit::on_store`).
async fn on<F, Fut>(backend: Backend, check: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    nba_testkit::on_store(backend, "nba_readonly", |store| async move {
        seed(&store).await;
        check(store).await
    })
    .await
}

async fn game_count(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM games")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

async fn results_keep_select_order_types_and_nulls(store: Store) {
    let out = store
        .query_readonly(
            "SELECT home_score, id, season, fte_elo_prob_home AS p, home_score - away_score \
             AS margin FROM games ORDER BY id;",
            100,
            SECOND * 10,
        )
        .await
        .unwrap();
    assert_eq!(out.columns, ["home_score", "id", "season", "p", "margin"]);
    assert!(!out.truncated);
    assert_eq!(
        out.rows,
        [
            vec![json!(95), json!("g1"), json!(2016), json!(0.61), json!(-2)],
            vec![json!(111), json!("g2"), json!(2016), json!(0.72), json!(16)],
            vec![json!(88), json!("g3"), json!(2016), Value::Null, json!(-13)],
            vec![
                Value::Null,
                json!("g4"),
                json!(2017),
                Value::Null,
                Value::Null
            ],
        ]
    );
    // Same names twice stay twice, in order; aggregates come back as numbers.
    let out = store
        .query_readonly(
            "SELECT a.id, b.id, count(*) AS n, avg(a.home_score) AS mean FROM games a \
             JOIN games b ON b.id = a.id WHERE a.id = 'g1' GROUP BY a.id, b.id",
            10,
            SECOND * 10,
        )
        .await
        .unwrap();
    assert_eq!(out.columns, ["id", "id", "n", "mean"]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0][..3], [json!("g1"), json!("g1"), json!(1)]);
    assert_eq!(out.rows[0][3].as_f64(), Some(95.0));
    // No rows still names the columns.
    let out = store
        .query_readonly("SELECT id, season FROM games WHERE 1 = 0", 10, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.columns, ["id", "season"]);
    assert!(out.rows.is_empty() && !out.truncated);
}

async fn huge_results_are_capped(store: Store) {
    // 4^5 = 1024 rows if nothing stopped it.
    let sql =
        "SELECT a.id, b.id, c.id, d.id, e.id FROM games a, games b, games c, games d, games e";
    let out = store.query_readonly(sql, 50, SECOND * 10).await.unwrap();
    assert_eq!(out.rows.len(), 50);
    assert!(out.truncated);
    assert_eq!(out.columns.len(), 5);
    // Exactly at the cap is not truncated.
    let out = store
        .query_readonly("SELECT id FROM games", 4, SECOND * 10)
        .await
        .unwrap();
    assert_eq!((out.rows.len(), out.truncated), (4, false));
    let out = store
        .query_readonly("SELECT id FROM games", 0, SECOND * 10)
        .await
        .unwrap();
    assert_eq!((out.rows.len(), out.truncated), (0, true));
}

async fn runaway_queries_are_stopped(store: Store) {
    let sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
               SELECT count(*) FROM r";
    let started = Instant::now();
    let e = store
        .query_readonly(sql, 10, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Timeout { ms: 300 }), "{e:?}");
    assert_eq!(e.code(), "statement_timeout");
    assert!(e.to_string().contains("300 ms"), "{e}");
    // Generous: the point is that the statement ended, not how fast.
    assert!(started.elapsed() < SECOND * 30, "{:?}", started.elapsed());
    // The connection it ran on is usable again.
    let out = store
        .query_readonly("SELECT count(*) AS n FROM games", 10, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.rows, [vec![json!(4)]]);
}

async fn writes_fail_and_change_nothing(store: Store) {
    let copy = std::env::temp_dir().join(unique("nba_readonly_copy"));
    let attached = std::env::temp_dir().join(unique("nba_readonly_attached"));
    let attempts = [
        "DELETE FROM games".to_string(),
        "CREATE TABLE x(a int)".into(),
        "UPDATE games SET home_score = 0".into(),
        "DROP TABLE games".into(),
        "INSERT INTO games (id, season, date, stage, neutral, home_id, away_id, primary_source, \
         data_source) VALUES ('g9', 2016, '2016-01-01', 'regular', 0, 1, 2, 't', 'real')"
            .into(),
        "WITH x AS (DELETE FROM games RETURNING *) SELECT * FROM x".into(),
        "SELECT * INTO stolen FROM games".into(),
        // Breaking out of the executor's own subquery into several statements.
        "SELECT 1) AS q; DELETE FROM games; SELECT * FROM (SELECT 1".into(),
        "SELECT 1); DELETE FROM games; SELECT * FROM (SELECT 1".into(),
        "SELECT 1 -- \n); DELETE FROM games; --".into(),
        "SET TRANSACTION READ WRITE".into(),
        "PRAGMA query_only = OFF".into(),
        format!("ATTACH DATABASE '{}' AS x", attached.display()),
        format!("VACUUM INTO '{}'", copy.display()),
        format!(
            "SELECT 1); VACUUM INTO '{}'; SELECT * FROM (SELECT 1",
            copy.display()
        ),
    ];
    for sql in &attempts {
        let result = store.query_readonly(sql, 10, SECOND * 10).await;
        assert!(result.is_err(), "{sql:?} ran: {result:?}");
    }
    assert_eq!(game_count(&store).await, 4);
    let home: Option<i64> = sqlx::query_scalar("SELECT home_score FROM games WHERE id = 'g1'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(home, Some(95));
    for table in ["x", "stolen"] {
        let probe = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(store.pool())
            .await;
        assert!(probe.is_err(), "table {table} was created");
    }
    assert!(!copy.exists(), "VACUUM INTO wrote {}", copy.display());
    assert!(!attached.exists(), "ATTACH created {}", attached.display());
    if store.backend() == Backend::Postgres {
        // A valid SELECT that writes: the reader role (or, without it, the READ ONLY
        // transaction) refuses it.
        let e = store
            .query_readonly("SELECT nextval('prediction_log_id_seq')", 10, SECOND * 10)
            .await
            .unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("read-only transaction") || e.contains("permission denied"),
            "{e}"
        );
        // PostgreSQL lets this one run even read-only; the rollback undoes it.
        let _ = store
            .query_readonly("SELECT lo_create(4242)", 10, SECOND * 10)
            .await;
        let called: bool = sqlx::query_scalar("SELECT is_called FROM prediction_log_id_seq")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(!called, "the sequence moved");
        let objects: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = 4242")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(objects, 0);
    }
}

/// After timeouts and refused writes, the store's own pool still writes as usual: the
/// read-only settings stayed with the executor.
async fn pool_still_writes_afterwards(store: Store) {
    let _ = store
        .query_readonly("DELETE FROM games", 10, SECOND * 10)
        .await;
    let _ = store
        .query_readonly(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
            10,
            Duration::from_millis(100),
        )
        .await;
    // More writes than the pool has connections, so every pooled connection writes.
    for i in 0..12 {
        let row = PredictionLogRow {
            created_at: format!("2026-01-01T00:00:{i:02}Z"),
            request_id: format!("r{i}"),
            model_name: "elo".into(),
            model_version: "v1".into(),
            game_date: "2016-01-01".into(),
            home_id: 1610612744,
            away_id: 1610612739,
            neutral: false,
            features: "{}".into(),
            prob_home: 0.6,
            margin: 3.0,
        };
        store.log_predictions(&[row]).await.unwrap();
    }
    assert_eq!(store.recent_predictions(100).await.unwrap().len(), 12);
    sqlx::query("DELETE FROM games WHERE id = 'g4'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(game_count(&store).await, 3);
}

/// SQLite's authorizer is a second allow-list: even unchecked SQL reads only data tables.
async fn sqlite_reads_only_readable_tables(store: Store) {
    for sql in [
        "SELECT * FROM meta",
        "SELECT count(*) FROM meta",
        "SELECT count(*) FROM main.meta",
        "SELECT count(*) FROM temp.games",
        "SELECT 1 FROM games JOIN meta ON 1 = 1",
        "SELECT * FROM sqlite_master",
        "SELECT count(*) FROM sqlite_master",
        "SELECT * FROM games WHERE id IN (SELECT key FROM meta)",
        "SELECT load_extension('x')",
    ] {
        let result = store.query_readonly(sql, 10, SECOND * 10).await;
        assert!(result.is_err(), "{sql:?} ran: {result:?}");
    }
    // CTEs and readable tables, with or without columns read, still run.
    for (sql, n) in [
        ("SELECT count(*) FROM games", 4),
        ("WITH w AS (SELECT id FROM games) SELECT count(*) FROM w", 4),
        (
            "SELECT count(*) FROM (SELECT 1 FROM games WHERE home_score > 90)",
            2,
        ),
    ] {
        let out = store.query_readonly(sql, 10, SECOND * 10).await.unwrap();
        assert_eq!(out.rows, [vec![json!(n)]], "{sql}");
    }
}

/// PostgreSQL's reader role is a second allow-list: even unchecked SQL reads only data
/// tables, though the tests connect as a superuser.
async fn postgres_reads_only_readable_tables(store: Store) {
    for sql in [
        "SELECT * FROM api_keys",
        "SELECT count(*) FROM principals",
        "SELECT * FROM audit_log",
        "SELECT * FROM public.audit_head",
        "SELECT * FROM meta",
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT * FROM pg_authid",
    ] {
        let result = store.query_readonly(sql, 10, SECOND * 10).await;
        assert!(result.is_err(), "{sql:?} ran: {result:?}");
    }
    let out = store
        .query_readonly("SELECT count(*) AS n FROM games", 10, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.rows, [vec![json!(4)]]);
}

/// PostgreSQL types the `Any` driver cannot decode still come back as JSON.
async fn postgres_types_come_back_as_json(store: Store) {
    let out = store
        .query_readonly(
            "SELECT CAST('2016-01-02' AS DATE) AS d, CAST(1.50 AS NUMERIC(5, 2)) AS n, \
             CAST('2016-01-02 03:04:05' AS TIMESTAMP) AS t, 1 = 1 AS b, avg(home_score) AS a \
             FROM games WHERE id = 'g1'",
            10,
            SECOND * 10,
        )
        .await
        .unwrap();
    assert_eq!(out.columns, ["d", "n", "t", "b", "a"]);
    assert_eq!(
        out.rows,
        [vec![
            json!("2016-01-02"),
            json!(1.5),
            json!("2016-01-02T03:04:05"),
            json!(true),
            json!(95.0)
        ]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_results_keep_select_order_types_and_nulls() {
    on(Backend::Sqlite, results_keep_select_order_types_and_nulls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_results_keep_select_order_types_and_nulls() {
    on(Backend::Postgres, results_keep_select_order_types_and_nulls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_huge_results_are_capped() {
    on(Backend::Sqlite, huge_results_are_capped).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_huge_results_are_capped() {
    on(Backend::Postgres, huge_results_are_capped).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_runaway_queries_are_stopped() {
    on(Backend::Sqlite, runaway_queries_are_stopped).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_runaway_queries_are_stopped() {
    on(Backend::Postgres, runaway_queries_are_stopped).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_writes_fail_and_change_nothing() {
    on(Backend::Sqlite, writes_fail_and_change_nothing).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_writes_fail_and_change_nothing() {
    on(Backend::Postgres, writes_fail_and_change_nothing).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_pool_still_writes_afterwards() {
    on(Backend::Sqlite, pool_still_writes_afterwards).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_pool_still_writes_afterwards() {
    on(Backend::Postgres, pool_still_writes_afterwards).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_reads_only_readable_tables_even_unchecked() {
    on(Backend::Sqlite, sqlite_reads_only_readable_tables).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_types_decode_as_json() {
    on(Backend::Postgres, postgres_types_come_back_as_json).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_reads_only_readable_tables_even_unchecked() {
    on(Backend::Postgres, postgres_reads_only_readable_tables).await;
}
