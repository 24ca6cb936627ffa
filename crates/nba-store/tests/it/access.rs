//! Access-control storage on both backends: SQLite (a temp file) and PostgreSQL (a fresh
//! database on NBA_MCP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432). Principals
//! and API keys (whose hashes never come back), and the audit hash chain: appends verify,
//! tampering with the stored rows is caught and named, and concurrent appenders queue up
//! into one unbroken chain.

use std::future::Future;
use std::time::Duration;

use nba_auth::audit::{verify, AuditEntry, AuditRecord, GENESIS};
use nba_store::{ApiKeyRow, Backend, PrincipalRow, Store, StoreError};

/// Runs `check` on a fresh store of `backend` (see `nba_testkit::on_store`).
async fn on<F, Fut>(backend: Backend, check: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    nba_testkit::on_store(backend, "nba_access", check).await
}

fn principal(id: &str, name: &str, kind: &str, role: &str) -> PrincipalRow {
    PrincipalRow {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        role: role.into(),
        created_at: "2026-11-25T22:00:00.000Z".into(),
        disabled_at: None,
    }
}

fn key(id: &str, principal_id: &str, created_at: &str) -> ApiKeyRow {
    ApiKeyRow {
        id: id.into(),
        principal_id: principal_id.into(),
        display_prefix: format!("nba_{id}"),
        label: format!("label of {id}"),
        created_at: created_at.into(),
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
    }
}

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

async fn all_records(store: &Store) -> Vec<AuditRecord> {
    store.audit_records(0, i64::MAX).await.unwrap()
}

/// Verifies what is stored against the stored head.
async fn verify_stored(store: &Store) -> nba_auth::audit::VerifyReport {
    let records = all_records(store).await;
    let head = store.audit_head().await.unwrap();
    verify(records, Some(head))
}

async fn principals_are_created_listed_and_disabled(store: Store) {
    assert!(store.principals().await.unwrap().is_empty());
    let alice = principal("usr_a", "alice", "user", "viewer");
    let bot = principal("svc_b", "bot", "service", "operator");
    store.create_principal(&alice).await.unwrap();
    store.create_principal(&bot).await.unwrap();

    // Ordered by name, not by id or creation.
    let listed = store.principals().await.unwrap();
    assert_eq!(listed, [alice.clone(), bot.clone()]);

    // Found by id or by name; unknown is None.
    assert_eq!(store.principal("usr_a").await.unwrap(), Some(alice.clone()));
    assert_eq!(store.principal("bot").await.unwrap(), Some(bot.clone()));
    assert_eq!(store.principal("nobody").await.unwrap(), None);

    // Duplicate name, duplicate id: conflicts naming the clash; nothing was written.
    let e = store
        .create_principal(&principal("usr_other", "alice", "user", "viewer"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(e.code(), "conflict");
    assert!(e.to_string().contains("named 'alice'"), "{e}");
    let e = store
        .create_principal(&principal("usr_a", "alicia", "user", "viewer"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("id 'usr_a'"), "{e}");
    assert_eq!(store.principals().await.unwrap().len(), 2);

    // The schema refuses unknown kinds.
    assert!(store
        .create_principal(&principal("x_1", "robot", "robot", "viewer"))
        .await
        .is_err());

    // Role changes.
    assert!(store.set_principal_role("usr_a", "admin").await.unwrap());
    assert!(!store.set_principal_role("usr_zz", "admin").await.unwrap());
    assert_eq!(
        store.principal("alice").await.unwrap().unwrap().role,
        "admin"
    );

    // Disabling: once; unknown ids are false.
    let at = "2026-11-26T08:00:00.000Z";
    assert!(store.disable_principal("usr_a", at).await.unwrap());
    assert!(!store
        .disable_principal("usr_a", "2026-11-27T00:00:00.000Z")
        .await
        .unwrap());
    assert!(!store.disable_principal("usr_zz", at).await.unwrap());
    let disabled = store.principal("usr_a").await.unwrap().unwrap();
    assert_eq!(disabled.disabled_at.as_deref(), Some(at));
    assert_eq!(
        store.principal("bot").await.unwrap().unwrap().disabled_at,
        None
    );
    // Disabled principals are still listed.
    assert_eq!(store.principals().await.unwrap().len(), 2);
}

async fn api_keys_are_found_by_hash_revoked_and_touched(store: Store) {
    let alice = principal("usr_a", "alice", "user", "viewer");
    let bot = principal("svc_b", "bot", "service", "operator");
    store.create_principal(&alice).await.unwrap();
    store.create_principal(&bot).await.unwrap();

    let hash_1 = "a".repeat(64);
    let hash_2 = "b".repeat(64);
    let hash_3 = "c".repeat(64);
    let mut k1 = key("key_1", "usr_a", "2026-11-25T22:00:02.000Z");
    k1.expires_at = Some("2027-01-01T00:00:00.000Z".into());
    let k2 = key("key_2", "svc_b", "2026-11-25T22:00:01.000Z");
    let k3 = key("key_3", "usr_a", "2026-11-25T22:00:02.000Z");
    store.create_api_key(&k1, &hash_1).await.unwrap();
    store.create_api_key(&k2, &hash_2).await.unwrap();
    store.create_api_key(&k3, &hash_3).await.unwrap();

    // Listing: by creation time, then id; per principal or all.
    assert_eq!(
        store.api_keys(None).await.unwrap(),
        [k2.clone(), k1.clone(), k3.clone()]
    );
    assert_eq!(
        store.api_keys(Some("usr_a")).await.unwrap(),
        [k1.clone(), k3.clone()]
    );
    assert!(store.api_keys(Some("usr_zz")).await.unwrap().is_empty());

    // Lookup by hash joins the principal.
    let found = store.api_key_by_hash(&hash_1).await.unwrap().unwrap();
    assert_eq!(found.key, k1);
    assert_eq!(found.principal, alice);
    let found = store.api_key_by_hash(&hash_2).await.unwrap().unwrap();
    assert_eq!((found.key, found.principal), (k2.clone(), bot.clone()));
    assert!(store
        .api_key_by_hash(&"d".repeat(64))
        .await
        .unwrap()
        .is_none());

    // Conflicts: same id, same hash. Unknown principal: refused.
    let e = store
        .create_api_key(
            &key("key_1", "usr_a", "2026-11-25T23:00:00.000Z"),
            &"e".repeat(64),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("key_1"), "{e}");
    let e = store
        .create_api_key(&key("key_9", "usr_a", "2026-11-25T23:00:00.000Z"), &hash_2)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(!e.to_string().contains(&hash_2), "the hash leaked: {e}");
    assert!(store
        .create_api_key(
            &key("key_8", "usr_zz", "2026-11-25T23:00:00.000Z"),
            &"f".repeat(64)
        )
        .await
        .is_err());
    assert_eq!(store.api_keys(None).await.unwrap().len(), 3);

    // Touch and revoke.
    let used = "2026-11-26T09:00:00.000Z";
    store.touch_api_key("key_1", used).await.unwrap();
    store.touch_api_key("key_unknown", used).await.unwrap();
    let revoked = "2026-11-26T10:00:00.000Z";
    assert!(store.revoke_api_key("key_1", revoked).await.unwrap());
    assert!(!store
        .revoke_api_key("key_1", "2026-11-27T00:00:00.000Z")
        .await
        .unwrap());
    assert!(!store.revoke_api_key("key_unknown", revoked).await.unwrap());
    // A revoked key is still found (the caller refuses it), with both times.
    let found = store.api_key_by_hash(&hash_1).await.unwrap().unwrap();
    assert_eq!(found.key.last_used_at.as_deref(), Some(used));
    assert_eq!(found.key.revoked_at.as_deref(), Some(revoked));
    assert_eq!(
        found.key.expires_at.as_deref(),
        Some("2027-01-01T00:00:00.000Z")
    );
    // A disabled principal's key is still found, showing the principal disabled.
    store
        .disable_principal("svc_b", "2026-11-26T11:00:00.000Z")
        .await
        .unwrap();
    let found = store.api_key_by_hash(&hash_2).await.unwrap().unwrap();
    assert!(found.principal.disabled_at.is_some());
    assert_eq!(found.key.revoked_at, None);

    // No row read back carries a hash.
    let mut shown = serde_json::to_string(&store.api_keys(None).await.unwrap()).unwrap();
    for h in [&hash_1, &hash_2, &hash_3] {
        let m = store.api_key_by_hash(h).await.unwrap().unwrap();
        shown.push_str(&serde_json::to_string(&m.key).unwrap());
        shown.push_str(&serde_json::to_string(&m.principal).unwrap());
        shown.push_str(&format!("{m:?}"));
    }
    for h in [&hash_1, &hash_2, &hash_3] {
        assert!(!shown.contains(h.as_str()), "a hash came back: {shown}");
    }
    assert!(!shown.contains("\"hash\""), "{shown}");
}

async fn audit_batches_chain_and_verify(store: Store) {
    // An empty chain: the genesis head, and it verifies.
    assert_eq!(store.audit_head().await.unwrap(), (0, GENESIS.to_string()));
    assert_eq!(
        store.append_audit(Vec::new()).await.unwrap(),
        (0, GENESIS.to_string())
    );
    assert!(verify_stored(&store).await.ok);

    let mut n = 0;
    for batch in [3usize, 1, 7, 4] {
        let entries: Vec<_> = (n..n + batch).map(|i| entry("batch", i)).collect();
        let head = store.append_audit(entries).await.unwrap();
        n += batch;
        assert_eq!(head.0, n as i64);
        assert_eq!(store.audit_head().await.unwrap(), head);
    }
    // Empty input writes nothing and returns the head.
    let head = store.audit_head().await.unwrap();
    assert_eq!(store.append_audit(Vec::new()).await.unwrap(), head);

    let records = all_records(&store).await;
    assert_eq!(records.len(), 15);
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=15).collect::<Vec<i64>>()
    );
    assert_eq!(records[0].prev_hash, GENESIS);
    assert_eq!(records[14].hash, head.1);
    // Entries come back as written.
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.entry, entry("batch", i));
    }
    let report = verify(records.clone(), Some(head.clone()));
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.entries, 15);

    // Paging: seq > after, ascending, at most limit.
    let page = store.audit_records(4, 3).await.unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 6, 7]);
    assert!(store.audit_records(15, 10).await.unwrap().is_empty());
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_records(after, 4).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        paged.extend(page);
    }
    assert_eq!(paged, records);
}

async fn append_fifteen(store: &Store) -> (i64, String) {
    for chunk in (0..15).collect::<Vec<_>>().chunks(5) {
        store
            .append_audit(chunk.iter().map(|&i| entry("t", i)).collect())
            .await
            .unwrap();
    }
    let report = verify_stored(store).await;
    assert!(report.ok, "{:?}", report.problems);
    store.audit_head().await.unwrap()
}

async fn an_edited_row_is_named(store: Store) {
    append_fifteen(&store).await;
    sqlx::query("UPDATE audit_log SET outcome = 'denied' WHERE seq = 7")
        .execute(store.pool())
        .await
        .unwrap();
    let report = verify_stored(&store).await;
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("row 7 was edited"),
        "{:?}",
        report.problems
    );
}

async fn a_deleted_middle_row_is_named(store: Store) {
    append_fifteen(&store).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 8")
        .execute(store.pool())
        .await
        .unwrap();
    let report = verify_stored(&store).await;
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("row 8 was deleted"),
        "{:?}",
        report.problems
    );
}

async fn a_truncated_tail_is_caught_by_the_head(store: Store) {
    append_fifteen(&store).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 15")
        .execute(store.pool())
        .await
        .unwrap();
    // The rows left are a valid chain on their own; only the head tells.
    let records = all_records(&store).await;
    assert!(verify(records.clone(), None).ok);
    let report = verify_stored(&store).await;
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("rows 15..15 were deleted from the end"),
        "{:?}",
        report.problems
    );
}

/// A batch that cannot be written leaves neither rows nor a moved head behind.
async fn a_failed_append_writes_nothing(store: Store) {
    let head = append_fifteen(&store).await;
    // A stray row where the batch's third entry would go makes its insert fail.
    sqlx::query(
        "INSERT INTO audit_log (seq, ts, principal, role, action, target, outcome, request_id, \
         transport, prev_hash, hash) VALUES (18, 't', 'p', 'r', 'a', '', 'ok', 'x', 'cli', 'h', 'h')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let result = store
        .append_audit((100..105).map(|i| entry("fail", i)).collect())
        .await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(store.audit_head().await.unwrap(), head);
    let seqs: Vec<i64> = all_records(&store).await.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=15).chain([18]).collect::<Vec<i64>>());
    // Once the stray row is gone, appends carry on from the unchanged head.
    sqlx::query("DELETE FROM audit_log WHERE seq = 18")
        .execute(store.pool())
        .await
        .unwrap();
    let new_head = store
        .append_audit((100..105).map(|i| entry("fail", i)).collect())
        .await
        .unwrap();
    assert_eq!(new_head.0, 20);
    let report = verify_stored(&store).await;
    assert!(report.ok, "{:?}", report.problems);
}

/// Eight appenders at once, one entry per transaction, on the same store: every append
/// lands, in one unbroken chain.
async fn concurrent_appends_make_one_chain(store: Store) {
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..25 {
                    let (seq, _) = store
                        .append_audit(vec![entry(&format!("task{t}"), i)])
                        .await
                        .unwrap();
                    seqs.push(seq);
                }
                seqs
            })
        })
        .collect();
    let mut all_seqs = Vec::new();
    for task in tasks {
        let seqs = tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("appenders finished")
            .unwrap();
        // Each appender's entries land in its own order.
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        all_seqs.extend(seqs);
    }
    all_seqs.sort();
    assert_eq!(all_seqs, (1..=200).collect::<Vec<i64>>());

    let records = all_records(&store).await;
    assert_eq!(records.len(), 200);
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.0, 200);
    let report = verify(records.clone(), Some(head));
    assert!(report.ok, "{:?}", report.problems);
    for t in 0..8 {
        let principal = format!("usr_task{t}");
        let mine: Vec<_> = records
            .iter()
            .filter(|r| r.entry.principal == principal)
            .map(|r| r.entry.request_id.clone())
            .collect();
        let expected: Vec<_> = (0..25).map(|i| format!("req-task{t}-{i}")).collect();
        assert_eq!(mine, expected);
    }
}

/// The credentials and audit tables are never readable through `query_sql`: not on the
/// allow-list, refused by the checker on both dialects, and refused by SQLite's authorizer
/// even if unchecked SQL reached the executor.
async fn access_tables_are_not_readable(store: Store) {
    store
        .create_principal(&principal("usr_a", "alice", "user", "admin"))
        .await
        .unwrap();
    store
        .create_api_key(
            &key("key_1", "usr_a", "2026-11-25T22:00:00.000Z"),
            &"a".repeat(64),
        )
        .await
        .unwrap();
    store.append_audit(vec![entry("r", 0)]).await.unwrap();
    let dialect = match store.backend() {
        Backend::Sqlite => nba_auth::sql::Dialect::Sqlite,
        Backend::Postgres => nba_auth::sql::Dialect::Postgres,
    };
    for table in ["api_keys", "principals", "audit_log", "audit_head"] {
        assert!(
            !nba_store::READABLE_TABLES.contains(&table),
            "{table} is readable"
        );
        let sql = format!("SELECT * FROM {table}");
        let rejected = nba_auth::sql::check(&sql, dialect, nba_store::READABLE_TABLES);
        assert!(rejected.is_err(), "{sql:?} passed the checker");
        if store.backend() == Backend::Sqlite {
            for sql in [
                sql.clone(),
                format!("SELECT count(*) FROM {table}"),
                format!("SELECT count(*) FROM main.{table}"),
                format!("SELECT 1 FROM games JOIN {table} ON 1 = 1"),
            ] {
                let result = store
                    .query_readonly(&sql, 10, Duration::from_secs(10))
                    .await;
                assert!(result.is_err(), "{sql:?} ran: {result:?}");
            }
        }
    }
}

both!(
    principals_are_created_listed_and_disabled,
    api_keys_are_found_by_hash_revoked_and_touched,
    audit_batches_chain_and_verify,
    an_edited_row_is_named,
    a_deleted_middle_row_is_named,
    a_truncated_tail_is_caught_by_the_head,
    a_failed_append_writes_nothing,
    concurrent_appends_make_one_chain,
    access_tables_are_not_readable,
);
