//! The read-only executor's bounds on both backends: the answer's total size, one expensive
//! expression against the deadline, a caller that goes away, and the checker's list of real
//! columns against the schemas. The SQL here is unchecked on purpose: this is the second
//! wall, which must hold by itself.

use super::*;

/// `rows` rows of `(n, a string of `chars` characters)`, in `n` order.
fn wide_rows(backend: Backend, rows: usize, chars: usize) -> String {
    match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < {rows}) \
             SELECT n, replace(hex(zeroblob({half})), '0', 'a') AS s FROM r",
            half = chars / 2
        ),
        Backend::Postgres => {
            format!("SELECT n, repeat('a', {chars}) AS s FROM generate_series(1, {rows}) AS g(n)")
        }
    }
}

fn answer_size(out: &ReadOnlyRows) -> usize {
    serde_json::to_vec(&out.columns).unwrap().len() + serde_json::to_vec(&out.rows).unwrap().len()
}

async fn answers_stop_at_the_byte_budget(store: Store) {
    // About 10 kB a row, 10 MB in all without a budget.
    let sql = wide_rows(store.backend(), 1000, 10_000);
    let out = store
        .query_readonly_bounded(&sql, 1000, 100_000, SECOND * 10)
        .await
        .unwrap();
    assert!(out.truncated);
    assert_eq!(out.truncated_reason, Some("bytes"));
    assert_eq!(out.columns, ["n", "s"]);
    assert!((8..=9).contains(&out.rows.len()), "{} rows", out.rows.len());
    for (i, row) in out.rows.iter().enumerate() {
        assert_eq!(row[0], json!(i + 1));
    }
    assert_eq!(out.bytes, answer_size(&out));
    assert!(out.bytes <= 100_000, "{} bytes", out.bytes);
    // The row cap, when it comes first, is the reason.
    let out = store
        .query_readonly_bounded(&sql, 3, 100_000, SECOND * 10)
        .await
        .unwrap();
    assert_eq!((out.rows.len(), out.truncated_reason), (3, Some("rows")));
    // Everything fits: not truncated, no reason.
    let out = store
        .query_readonly_bounded("SELECT id FROM games ORDER BY id", 10, 1_000, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(
        (out.rows.len(), out.truncated, out.truncated_reason),
        (4, false, None)
    );
    assert_eq!(out.bytes, answer_size(&out));
    // The default budget holds a query that would otherwise answer 60 MB (SQLite: values
    // are at most 64 KiB) or 1 GB (PostgreSQL).
    let chars = match store.backend() {
        Backend::Sqlite => 60_000,
        Backend::Postgres => 1_000_000,
    };
    let sql = wide_rows(store.backend(), 1000, chars);
    let started = Instant::now();
    let out = store.query_readonly(&sql, 1000, SECOND * 30).await.unwrap();
    eprintln!(
        "{:?}: {} MB asked, {} rows and {} bytes answered in {:?}",
        store.backend(),
        chars / 1000,
        out.rows.len(),
        out.bytes,
        started.elapsed()
    );
    assert_eq!(out.truncated_reason, Some("bytes"));
    assert!(out.bytes <= 8 * 1024 * 1024 && out.rows.len() >= 8);
}

async fn a_row_past_the_budget_is_left_out(store: Store) {
    let big = wide_rows(store.backend(), 1, 60_000);
    let out = store
        .query_readonly_bounded(&big, 10, 50_000, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.columns, ["n", "s"], "the names come without the row");
    assert!(out.rows.is_empty());
    assert_eq!(out.truncated_reason, Some("bytes"));
    // Rows before it are kept.
    let sql = format!("SELECT 0 AS n, 'x' AS s UNION ALL SELECT * FROM ({big}) AS b");
    let out = store
        .query_readonly_bounded(&sql, 10, 50_000, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.rows, [vec![json!(0), json!("x")]]);
    assert_eq!(out.truncated_reason, Some("bytes"));
}

/// Every compared-by-LIKE case below would run for many seconds in one expression if
/// nothing bounded it. SQLite: the pattern and value limits keep each evaluation short, and
/// the progress handler stops the statement between two of them.
async fn sqlite_expensive_expressions_stop_at_the_deadline(store: Store) {
    let text = "replace(hex(zeroblob(30000)), '0', 'a')"; // 60,000 characters
    let pattern = format!("'%{}b'", "a".repeat(98)); // 100 bytes, the longest allowed
    let sql = format!(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
         SELECT count(*) FROM r WHERE {text} || n LIKE {pattern}"
    );
    let started = Instant::now();
    let e = store.query_readonly(&sql, 10, SECOND).await.unwrap_err();
    let took = started.elapsed();
    eprintln!("SQLite: LIKE over 60,000 characters per row stopped after {took:?}");
    assert!(matches!(e, StoreError::Timeout { ms: 1000 }), "{e:?}");
    assert!(took < SECOND * 2, "{took:?}");
    // A longer pattern, or a longer value, is refused before it costs anything.
    for (sql, says) in [
        (
            format!("SELECT {text} LIKE '%' || replace(hex(zeroblob(25000)), '00', 'a%') || 'b'"),
            "pattern too complex",
        ),
        (
            "SELECT length(replace(hex(zeroblob(200000)), '0', 'a'))".to_string(),
            "too big",
        ),
    ] {
        let started = Instant::now();
        let e = store
            .query_readonly(&sql, 10, SECOND * 5)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(says), "{sql}: {e}");
        assert!(started.elapsed() < SECOND, "{sql}: {:?}", started.elapsed());
    }
}

/// PostgreSQL's LIKE never checks for cancellation inside one evaluation, so the answer
/// comes at the deadline but the backend finishes the expression first (the checker's
/// literal-pattern and string-length rules are what keep checked SQL far from this).
async fn postgres_expensive_expression_answers_at_the_deadline(store: Store) {
    let sql = "SELECT repeat('a', 150000) LIKE '%' || repeat('a', 15000) || 'b'";
    let started = Instant::now();
    let e = store
        .query_readonly(sql, 10, Duration::from_millis(500))
        .await
        .unwrap_err();
    let answered = started.elapsed();
    assert!(matches!(e, StoreError::Timeout { ms: 500 }), "{e:?}");
    assert!(answered < Duration::from_millis(1500), "{answered:?}");
    let ended = until(SECOND * 60, || async { active_backends(&store).await == 0 }).await;
    eprintln!(
        "PostgreSQL: LIKE of 15,000 over 150,000 characters answered after {answered:?}, \
         backend ended after {:?}",
        ended.map(|_| started.elapsed())
    );
    assert!(ended.is_some(), "the backend still runs the statement");
}

async fn postgres_dropping_the_query_cancels_its_backend(store: Store) {
    let endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
                   SELECT count(*) FROM r";
    let task = tokio::spawn({
        let store = store.clone();
        async move { store.query_readonly(endless, 10, SECOND * 60).await }
    });
    let running = until(SECOND * 10, || async { active_backends(&store).await == 1 }).await;
    assert!(
        running.is_some(),
        "the query never showed in pg_stat_activity"
    );
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let dropped = Instant::now();
    let gone = until(SECOND * 5, || async { active_backends(&store).await == 0 }).await;
    eprintln!(
        "PostgreSQL: backend gone {:?} after the drop",
        dropped.elapsed()
    );
    assert!(
        gone.is_some(),
        "the backend kept running after the caller left"
    );
    assert!(dropped.elapsed() < SECOND * 2, "{:?}", dropped.elapsed());
    let out = store
        .query_readonly("SELECT count(*) AS n FROM games", 10, SECOND * 10)
        .await
        .unwrap();
    assert_eq!(out.rows, [vec![json!(4)]]);
}

/// The checker accepts `t.x` for these names only; they must be exactly the columns of the
/// readable tables.
async fn readable_columns_are_the_schemas_columns(store: Store) {
    let sql = match store.backend() {
        Backend::Sqlite => "SELECT DISTINCT lower(p.name) FROM sqlite_master m, \
                            pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name IN ("
            .to_string(),
        Backend::Postgres => {
            "SELECT DISTINCT CAST(column_name AS TEXT) FROM information_schema.columns \
                              WHERE table_schema = 'public' AND table_name IN ("
                .to_string()
        }
    } + &READABLE_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
        + ")";
    let columns: std::collections::BTreeSet<String> = sqlx::query_scalar(&sql)
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    let listed: std::collections::BTreeSet<String> = nba_auth::sql::READABLE_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(listed, columns);
}

async fn active_backends(store: &Store) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND pid <> pg_backend_pid()",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// Polls `done` until it holds or `within` passes; the time it took, if it held.
async fn until<F, Fut>(within: Duration, mut done: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < within {
        if done().await {
            return Some(started.elapsed());
        }
        // Between two looks, so as not to flood the server with them.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_answers_stop_at_the_byte_budget() {
    on(Backend::Sqlite, answers_stop_at_the_byte_budget).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_answers_stop_at_the_byte_budget() {
    on(Backend::Postgres, answers_stop_at_the_byte_budget).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_a_row_past_the_budget_is_left_out() {
    on(Backend::Sqlite, a_row_past_the_budget_is_left_out).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_a_row_past_the_budget_is_left_out() {
    on(Backend::Postgres, a_row_past_the_budget_is_left_out).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_an_expensive_expression_stops_at_the_deadline() {
    on(
        Backend::Sqlite,
        sqlite_expensive_expressions_stop_at_the_deadline,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_an_expensive_expression_answers_at_the_deadline() {
    on(
        Backend::Postgres,
        postgres_expensive_expression_answers_at_the_deadline,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_dropping_the_query_cancels_the_backend() {
    on(
        Backend::Postgres,
        postgres_dropping_the_query_cancels_its_backend,
    )
    .await;
}

/// SQLite runs the statement on a blocking thread, and a runtime, when dropped, waits for its
/// blocking threads: so the drop is quick only if the dropped query's statement stopped.
#[test]
fn sqlite_dropping_the_query_stops_the_statement() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(unique("nba_readonly_drop"));
    let url = format!("sqlite://{}/nba.db", dir.display());
    runtime.block_on(async {
        let store = Store::open(&StoreOptions::new(url)).await.unwrap();
        seed(&store).await;
        let endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
                       SELECT count(*) FROM games, r";
        let query = store.query_readonly(endless, 10, SECOND * 60);
        let dropped = tokio::time::timeout(Duration::from_millis(300), query).await;
        assert!(dropped.is_err(), "{dropped:?}");
        store.close().await;
    });
    let started = Instant::now();
    drop(runtime);
    let took = started.elapsed();
    let _ = std::fs::remove_dir_all(dir);
    eprintln!("SQLite: statement stopped within {took:?} of the drop");
    assert!(
        took < SECOND * 2,
        "the statement ran on for {took:?} after the caller left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_readable_columns_are_the_schemas_columns() {
    on(Backend::Sqlite, readable_columns_are_the_schemas_columns).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_readable_columns_are_the_schemas_columns() {
    on(Backend::Postgres, readable_columns_are_the_schemas_columns).await;
}
