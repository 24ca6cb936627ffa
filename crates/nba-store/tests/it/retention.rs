//! Retention on both backends: SQLite (a temp file) and PostgreSQL (a fresh database on
//! NBA_MCP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432). The prediction log is
//! pruned by age and by count, newest rows kept; the audit chain is pruned behind an anchor
//! and still verifies, tampering with kept rows is still caught, retention refuses to remove
//! a broken chain, and pruning while others append leaves one valid chain.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use nba_auth::audit::{verify, AuditEntry, GENESIS};
use nba_store::{Backend, PredictionLogRow, Store, StoreError};

/// Runs `check` on a fresh store of `backend` (see `nba_testkit::on_store`).
async fn on<F, Fut>(backend: Backend, check: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    nba_testkit::on_store(backend, "nba_retention", check).await
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 22, 0, 0).unwrap()
}

/// Prediction `i`, logged `i` seconds after 22:00, stamped as the app's writer does.
fn prediction(i: i64) -> PredictionLogRow {
    PredictionLogRow {
        created_at: (base_time() + chrono::Duration::seconds(i)).to_rfc3339(),
        request_id: format!("req-{i}"),
        model_name: "elo".into(),
        model_version: "v1".into(),
        game_date: "2016-04-13".into(),
        home_id: 1610612744,
        away_id: 1610612763,
        neutral: false,
        features: "{}".into(),
        prob_home: 0.9,
        margin: 10.0,
    }
}

async fn log_predictions(store: &Store, range: std::ops::Range<i64>) {
    let rows: Vec<_> = range.map(prediction).collect();
    for chunk in rows.chunks(5_000) {
        store.log_predictions(chunk).await.unwrap();
    }
}

/// Request ids of every logged prediction, newest first.
async fn logged_ids(store: &Store) -> Vec<String> {
    store
        .recent_predictions(i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.request_id)
        .collect()
}

fn ids(range: impl DoubleEndedIterator<Item = i64>) -> Vec<String> {
    range.rev().map(|i| format!("req-{i}")).collect()
}

/// Audit entry `i`, stamped `i` seconds after 22:00 as the audit writer does.
fn entry(tag: &str, i: usize) -> AuditEntry {
    AuditEntry {
        ts: format!("2026-11-25T22:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        principal: format!("usr_{tag}"),
        role: "viewer".into(),
        action: "tool:get_games".into(),
        target: format!("game/{i}"),
        outcome: "ok".into(),
        request_id: format!("req-{tag}-{i}"),
        transport: "http".into(),
        credential: format!("key:key_{tag}"),
    }
}

async fn append(store: &Store, range: std::ops::Range<usize>) -> (i64, String) {
    let mut head = store.audit_head().await.unwrap();
    let all: Vec<usize> = range.collect();
    for chunk in all.chunks(5_000) {
        head = store
            .append_audit(chunk.iter().map(|&i| entry("t", i)).collect())
            .await
            .unwrap();
    }
    head
}

/// The stored hash of audit record `seq`.
async fn hash_of(store: &Store, seq: i64) -> String {
    let r = store.audit_records(seq - 1, 1).await.unwrap();
    assert_eq!(r[0].seq, seq);
    r[0].hash.clone()
}

/// Far enough in the past that age removes nothing.
const LONG_AGO: &str = "2000-01-01T00:00:00Z";
/// Far enough in the future that age removes everything it may.
const FAR_AHEAD: &str = "2100-01-01T00:00:00Z";

async fn a_fresh_store_has_nothing_to_prune(store: Store) {
    assert_eq!(
        store.audit_anchor().await.unwrap(),
        (0, GENESIS.to_string())
    );
    assert_eq!(store.prune_audit(FAR_AHEAD, 0).await.unwrap(), 0);
    assert_eq!(store.prune_predictions(FAR_AHEAD, 0).await.unwrap(), 0);
    assert_eq!(store.audit_log_rows().await.unwrap(), 0);
    assert_eq!(store.prediction_log_rows().await.unwrap(), 0);
    let report = store.audit_chain().await.unwrap().verify();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!((report.entries, report.pruned), (0, 0));
    // One record is never pruned: it is the head.
    append(&store, 0..1).await;
    assert_eq!(store.prune_audit(FAR_AHEAD, 0).await.unwrap(), 0);
    assert_eq!(store.audit_log_rows().await.unwrap(), 1);
}

async fn predictions_are_pruned_by_age_then_count(store: Store) {
    log_predictions(&store, 0..50).await;
    assert_eq!(store.prediction_log_rows().await.unwrap(), 50);

    // By age: 22:00:20 written in another notation still means 22:00:20, so row 20 (logged
    // exactly then) stays and rows 0..20 go.
    let removed = store
        .prune_predictions("2026-11-25T23:00:20+01:00", i64::MAX)
        .await
        .unwrap();
    assert_eq!(removed, 20);
    assert_eq!(logged_ids(&store).await, ids(20..50));

    // By count: the newest 10 stay.
    let removed = store.prune_predictions(LONG_AGO, 10).await.unwrap();
    assert_eq!(removed, 20);
    assert_eq!(logged_ids(&store).await, ids(40..50));
    assert_eq!(store.prediction_log_rows().await.unwrap(), 10);

    // Nothing more to do; new rows are kept; both limits at once take the larger cut.
    assert_eq!(store.prune_predictions(LONG_AGO, 10).await.unwrap(), 0);
    log_predictions(&store, 50..60).await;
    let removed = store
        .prune_predictions("2026-11-25T22:00:45Z", 12)
        .await
        .unwrap();
    assert_eq!(removed, 8);
    assert_eq!(logged_ids(&store).await, ids(48..60));
    let removed = store
        .prune_predictions("2026-11-25T22:00:55Z", 12)
        .await
        .unwrap();
    assert_eq!(removed, 7);
    assert_eq!(logged_ids(&store).await, ids(55..60));

    let bad = store.prune_predictions("yesterday", 10).await;
    assert!(
        matches!(&bad, Err(e) if e.to_string().contains("'yesterday' is not an RFC 3339 time")),
        "{bad:?}"
    );
    assert_eq!(store.prediction_log_rows().await.unwrap(), 5);
}

/// More rows than one batch removes: every batch runs, and the newest row stays.
async fn predictions_are_pruned_in_batches(store: Store) {
    log_predictions(&store, 0..25_001).await;
    let removed = store.prune_predictions(LONG_AGO, 1).await.unwrap();
    assert_eq!(removed, 25_000);
    assert_eq!(logged_ids(&store).await, ids(25_000..25_001));

    log_predictions(&store, 25_001..50_001).await;
    let removed = store.prune_predictions(FAR_AHEAD, i64::MAX).await.unwrap();
    assert_eq!(removed, 25_001);
    assert_eq!(store.prediction_log_rows().await.unwrap(), 0);
}

async fn an_audit_chain_pruned_to_thirty_verifies_from_the_anchor(store: Store) {
    let head = append(&store, 0..100).await;
    let hash_70 = hash_of(&store, 70).await;

    assert_eq!(store.prune_audit(LONG_AGO, 30).await.unwrap(), 70);
    assert_eq!(store.audit_anchor().await.unwrap(), (70, hash_70));
    assert_eq!(store.audit_log_rows().await.unwrap(), 30);
    assert_eq!(store.audit_head().await.unwrap(), head);
    let chain = store.audit_chain().await.unwrap();
    assert_eq!(chain.records.first().map(|r| r.seq), Some(71));
    let report = chain.verify();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!((report.entries, report.pruned), (30, 70));
    assert!(
        report
            .summary()
            .starts_with("entries 1..70 were removed by retention; the chain from 71"),
        "{}",
        report.summary()
    );
    // Read from the genesis instead, the same rows look like a deleted prefix.
    assert!(!verify(&chain.records, Some(chain.head.clone())).ok);
    assert_eq!(store.prune_audit(LONG_AGO, 30).await.unwrap(), 0);

    // By age: entry 80 is stamped 22:01:20 (here in another notation); 71..=80 are older.
    let removed = store
        .prune_audit("2026-11-25T23:01:20+01:00", i64::MAX)
        .await
        .unwrap();
    assert_eq!(removed, 10);
    assert_eq!(store.audit_anchor().await.unwrap().0, 80);

    // Appends go on from the head; a limit of 0 keeps the newest record only.
    append(&store, 100..110).await;
    assert_eq!(store.prune_audit(FAR_AHEAD, 0).await.unwrap(), 29);
    let chain = store.audit_chain().await.unwrap();
    assert_eq!(chain.records.len(), 1);
    assert_eq!(chain.head.0, 110);
    let report = chain.verify();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!((report.entries, report.pruned), (1, 109));

    let bad = store.prune_audit("last week", 10).await;
    assert!(
        matches!(&bad, Err(e) if e.to_string().contains("'last week' is not an RFC 3339 time")),
        "{bad:?}"
    );
}

/// More records than one transaction removes: every batch moves the anchor on.
async fn an_audit_chain_is_pruned_in_batches(store: Store) {
    append(&store, 0..25_010).await;
    assert_eq!(store.prune_audit(LONG_AGO, 10).await.unwrap(), 25_000);
    let report = store.audit_chain().await.unwrap().verify();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!((report.entries, report.pruned), (10, 25_000));
}

async fn an_edited_kept_row_is_caught_after_pruning(store: Store) {
    append(&store, 0..100).await;
    store.prune_audit(LONG_AGO, 30).await.unwrap();
    sqlx::query("UPDATE audit_log SET outcome = 'denied' WHERE seq = 85")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.audit_chain().await.unwrap().verify();
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("row 85 was edited"),
        "{:?}",
        report.problems
    );

    // Retention will not remove the evidence: it stops, names the row, and leaves all as it was.
    let refused = store.prune_audit(LONG_AGO, 5).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("row 85 was edited")),
        "{refused:?}"
    );
    assert_eq!(store.audit_anchor().await.unwrap().0, 70);
    assert_eq!(store.audit_log_rows().await.unwrap(), 30);
}

async fn a_deleted_kept_row_is_caught_after_pruning(store: Store) {
    append(&store, 0..100).await;
    store.prune_audit(LONG_AGO, 30).await.unwrap();
    // The first row kept (the anchor still says where the chain starts) and one further on.
    sqlx::query("DELETE FROM audit_log WHERE seq IN (71, 90)")
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.audit_chain().await.unwrap().verify();
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("row 71 was deleted"),
        "{:?}",
        report.problems
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("row 90 was deleted")),
        "{:?}",
        report.problems
    );
    // Pruning past the hole would hide it: refused.
    let refused = store.prune_audit(LONG_AGO, 5).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("row 71 was deleted")),
        "{refused:?}"
    );
    assert_eq!(store.audit_anchor().await.unwrap().0, 70);
}

/// A chain broken in the part retention would remove is left alone, not laundered.
async fn retention_refuses_to_remove_a_broken_chain(store: Store) {
    append(&store, 0..100).await;
    sqlx::query("UPDATE audit_log SET principal = 'usr_other' WHERE seq = 10")
        .execute(store.pool())
        .await
        .unwrap();
    let refused = store.prune_audit(LONG_AGO, 30).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("row 10 was edited")),
        "{refused:?}"
    );
    assert_eq!(
        store.audit_anchor().await.unwrap(),
        (0, GENESIS.to_string())
    );
    assert_eq!(store.audit_log_rows().await.unwrap(), 100);

    // The last record removed must still be followed by the first one kept.
    sqlx::query("UPDATE audit_log SET principal = 'usr_t' WHERE seq = 10")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 71")
        .execute(store.pool())
        .await
        .unwrap();
    let refused = store.prune_audit(LONG_AGO, 30).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("row 71 was deleted")),
        "{refused:?}"
    );
    // Rows cut off the end: those retention would remove look intact, but they end early.
    sqlx::query("DELETE FROM audit_log WHERE seq >= 60")
        .execute(store.pool())
        .await
        .unwrap();
    let refused = store.prune_audit(LONG_AGO, 30).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(m)) if m.contains("records 60..71 are missing")),
        "{refused:?}"
    );
    assert_eq!(store.audit_anchor().await.unwrap().0, 0);
}

/// Four appenders, a pruner and a verifier at once: every append lands, the verifier never
/// sees a broken chain, and what is left is one chain from the anchor to the head.
async fn pruning_while_appending_leaves_one_chain(store: Store) {
    let appending = Arc::new(AtomicBool::new(true));
    let appenders: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..50 {
                    store
                        .append_audit(vec![entry(&format!("task{t}"), i)])
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let pruner = {
        let (store, appending) = (store.clone(), appending.clone());
        tokio::spawn(async move {
            let mut removed = 0;
            while appending.load(Ordering::Relaxed) {
                removed += store.prune_audit(LONG_AGO, 20).await.unwrap();
                tokio::task::yield_now().await;
            }
            removed
        })
    };
    let verifier = {
        let (store, appending) = (store.clone(), appending.clone());
        tokio::spawn(async move {
            let mut checks = 0;
            while appending.load(Ordering::Relaxed) {
                let report = store.audit_chain().await.unwrap().verify();
                assert!(report.ok, "{:?}", report.problems);
                checks += 1;
                tokio::task::yield_now().await;
            }
            checks
        })
    };
    for task in appenders {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("appenders finished")
            .unwrap();
    }
    appending.store(false, Ordering::Relaxed);
    let removed = pruner.await.unwrap() + store.prune_audit(LONG_AGO, 20).await.unwrap();
    assert!(verifier.await.unwrap() > 0);

    assert_eq!(removed, 180);
    assert_eq!(store.audit_head().await.unwrap().0, 200);
    assert_eq!(store.audit_anchor().await.unwrap().0, 180);
    let chain = store.audit_chain().await.unwrap();
    let seqs: Vec<i64> = chain.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (181..=200).collect::<Vec<i64>>());
    let report = chain.verify();
    assert!(report.ok, "{:?}", report.problems);
}

/// The anchor is audit data: the query_sql checker refuses it, so does SQLite's authorizer,
/// and on PostgreSQL the read-only role has no grant on it.
async fn the_anchor_is_not_readable(store: Store) {
    assert!(!nba_store::READABLE_TABLES.contains(&"audit_anchor"));
    let dialect = match store.backend() {
        Backend::Sqlite => nba_auth::sql::Dialect::Sqlite,
        Backend::Postgres => nba_auth::sql::Dialect::Postgres,
    };
    let sql = "SELECT * FROM audit_anchor";
    assert!(nba_auth::sql::check(sql, dialect, nba_store::READABLE_TABLES).is_err());
    match store.backend() {
        Backend::Sqlite => {
            let ran = store.query_readonly(sql, 10, Duration::from_secs(10)).await;
            assert!(ran.is_err(), "{ran:?}");
        }
        Backend::Postgres => {
            let granted: Option<bool> = sqlx::query_scalar(
                "SELECT has_table_privilege('nba_mcp_sql_reader', 'audit_anchor', 'SELECT') \
                 FROM pg_roles WHERE rolname = 'nba_mcp_sql_reader'",
            )
            .fetch_optional(store.pool())
            .await
            .unwrap();
            assert_ne!(granted, Some(true));
        }
    }
}

both!(
    a_fresh_store_has_nothing_to_prune,
    predictions_are_pruned_by_age_then_count,
    predictions_are_pruned_in_batches,
    an_audit_chain_pruned_to_thirty_verifies_from_the_anchor,
    an_audit_chain_is_pruned_in_batches,
    an_edited_kept_row_is_caught_after_pruning,
    a_deleted_kept_row_is_caught_after_pruning,
    retention_refuses_to_remove_a_broken_chain,
    pruning_while_appending_leaves_one_chain,
    the_anchor_is_not_readable,
);
