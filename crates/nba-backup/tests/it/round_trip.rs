//! A backup of a populated store restores into a fresh one (either backend) with every
//! table equal (row counts and checksums), the audit chain whole, and the ids going on; a
//! damaged, altered or foreign backup, a newer schema and a store in use are refused with
//! a message that says why, and leave the target as it was.

use crate::d;
use std::path::Path;

use nba_auth::audit::AuditEntry;
use nba_backup::{BackupError, BackupKey, Manifest};
use nba_registry::FolderRegistry;
use nba_store::{Backend, Store, StoreOptions};
use nba_testkit::{on_store, postgres_base, temp_dir, unique};

pub(crate) async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql)
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rows in most tables: NULLs, unicode and quotes, extreme floats, and an audit chain.
pub(crate) async fn populate(store: &Store) {
    exec(store, "INSERT INTO franchises (id, abbr, city, nickname, full_name, year_founded) VALUES (1, 'BOS', 'Boston', 'Celtics', 'Boston Celtics', 1946), (2, 'LAL', 'Los Ángeles', 'Lakers \"LA\"', 'Los Angeles Lakers', NULL)").await;
    for i in 0..300 {
        exec(
            store,
            &format!(
                "INSERT INTO games (id, season, date, stage, neutral, home_id, away_id, home_score, away_score, primary_source, data_source, fte_elo_prob_home, fte_main_model) \
                 VALUES ('g{i:04}', 2020, '2020-01-{:02}', 'regular', 0, 1, 2, {}, NULL, 'test', 'real', {}, {})",
                i % 28 + 1,
                90 + i % 40,
                if i % 3 == 0 { "NULL".to_string() } else { format!("{}", 1.0 / (i as f64 + 3.0)) },
                if i % 2 == 0 { "NULL" } else { "'it''s ✓'" }
            ),
        )
        .await;
    }
    exec(store, "INSERT INTO team_box (game_id, team_id, is_home, source, minutes, pts, plus_minus) VALUES ('g0001', 1, 1, 't', 240.0, 101, 1e-300), ('g0001', 2, 0, 't', 240.0, 99, -1.7976931348623157e308)").await;
    exec(store, "INSERT INTO prediction_log (created_at, request_id, model_name, model_version, game_date, home_id, away_id, neutral, features, prob_home, margin) VALUES ('2026-01-01T00:00:00Z', 'r1', 'm', '1', '2026-01-02', 1, 2, 0, '{}', 0.6, 3.5), ('2026-01-01T00:00:01Z', 'r2', 'm', '1', '2026-01-02', 2, 1, 0, '{}', 0.4, -3.5)").await;
    nba_testkit::keys_for_each_role(store).await;
    let entries = (0..50)
        .map(|i| AuditEntry {
            ts: format!("2026-01-01T00:00:{:02}.000Z", i % 60),
            principal: "p".into(),
            role: "admin".into(),
            action: format!("tools/call:t{i}"),
            target: "x".into(),
            outcome: "ok".into(),
            request_id: format!("r{i}"),
            transport: "http".into(),
            credential: if i % 2 == 0 {
                format!("key:k{i}")
            } else {
                String::new()
            },
        })
        .collect();
    store.append_audit(entries).await.expect("audit");
}

pub(crate) async fn digests(store: &Store) -> Vec<(String, u64, String)> {
    let mut snap = store.snapshot().await.expect("snapshot");
    let names: Vec<String> = snap.tables().iter().map(|t| t.name.clone()).collect();
    let mut out = Vec::new();
    for n in names {
        let d = snap.dump(&n, None).await.expect("dump");
        out.push((n, d.rows, d.sha256));
    }
    snap.finish().await.unwrap();
    out
}

pub(crate) fn of_manifest(m: &Manifest) -> Vec<(String, u64, String)> {
    m.tables
        .iter()
        .map(|t| {
            (
                t.digest.shape.name.clone(),
                t.digest.rows,
                t.digest.sha256.clone(),
            )
        })
        .collect()
}

/// A PostgreSQL database URL no one uses; dropped (with any kept copies) by `drop_pg`.
fn pg_target() -> (String, String) {
    let name = unique("backup_target");
    (format!("{}/{name}", postgres_base()), name)
}

async fn drop_pg(name: &str) {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&format!("{}/postgres", postgres_base()))
        .await
        .expect("PostgreSQL admin connection");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{}%", &name[..name.len().min(40)]))
            .fetch_all(&admin)
            .await
            .unwrap();
    for n in names {
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
}

async fn round_trip(source: Backend, target: Backend) {
    on_store(source, "backup_src", move |store| async move {
        populate(&store).await;
        let dir = temp_dir("backup");
        let key = BackupKey::generate().unwrap();
        let models = FolderRegistry::new(dir.0.join("models"));
        let m = nba_backup::create(&store, &models, &d(&dir.0.join("out")), Some(&key))
            .await
            .expect("backup");
        assert_eq!(of_manifest(&m), digests(&store).await, "the manifest describes the store");
        assert!(m.rows() > 350, "{} rows", m.rows());
        assert_eq!(m.audit_head, Some(store.audit_head().await.unwrap()));
        // Writes after the backup are not in it.
        exec(&store, "INSERT INTO meta (key, value) VALUES ('after', 'backup')").await;

        let report = nba_backup::verify(&d(&dir.0.join("out")), &m.id, Some(&key)).await.expect("verify");
        assert_eq!(report.rows, m.rows());

        let (url, pg_name) = match target {
            Backend::Sqlite => (format!("sqlite://{}", dir.0.join("restored/nba.db").display()), None),
            Backend::Postgres => {
                let (url, name) = pg_target();
                (url, Some(name))
            }
        };
        if let Some(dir) = Path::new(url.trim_start_matches("sqlite://")).parent() {
            if target == Backend::Sqlite {
                std::fs::create_dir_all(dir).unwrap();
            }
        }
        let restored = nba_backup::restore(&d(&dir.0.join("out")), &m.id, Some(&key), &url, &models, false).await;
        let check = async {
            let r = restored.expect("restore");
            assert_eq!(r.rows, m.rows());
            assert_eq!(r.replaced, None);
            let back = Store::open(&StoreOptions::new(url.clone())).await.expect("open the restored store");
            assert_eq!(digests(&back).await, of_manifest(&m), "restored tables equal the backup");
            let (audit, _, head) = back.audit_verify(0).await.unwrap();
            assert!(audit.ok, "{:?}", audit.problems);
            assert_eq!(Some(head), m.audit_head);
            // Ids go on after the restored ones (PostgreSQL sequences were moved).
            exec(&back, "INSERT INTO prediction_log (created_at, request_id, model_name, model_version, game_date, home_id, away_id, neutral, features, prob_home, margin) VALUES ('2026-02-01T00:00:00Z', 'r3', 'm', '1', '2026-02-02', 1, 2, 0, '{}', 0.5, 0.0)").await;
            let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM prediction_log").fetch_one(back.pool()).await.unwrap();
            assert_eq!(max, 3);
            back.close().await;
        };
        check.await;
        if let Some(name) = pg_name {
            drop_pg(&name).await;
        }
    })
    .await;
}

#[tokio::test]
async fn sqlite_backup_restores_into_sqlite() {
    round_trip(Backend::Sqlite, Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_backup_restores_into_postgres() {
    round_trip(Backend::Postgres, Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_backup_restores_into_postgres() {
    round_trip(Backend::Sqlite, Backend::Postgres).await;
}

fn expect_err<T: std::fmt::Debug>(r: Result<T, BackupError>, needle: &str) -> BackupError {
    let e = r.expect_err("should fail");
    assert!(
        e.to_string().contains(needle),
        "'{e}' should say '{needle}'"
    );
    e
}

#[tokio::test]
async fn damaged_altered_and_foreign_backups_are_refused() {
    on_store(Backend::Sqlite, "backup_bad", |store| async move {
        populate(&store).await;
        let dir = temp_dir("backup_bad");
        let out = dir.0.join("out");
        let key = BackupKey::generate().unwrap();
        let models = FolderRegistry::new(dir.0.join("models"));
        let m = nba_backup::create(&store, &models, &d(&out), Some(&key))
            .await
            .unwrap();
        let root = out.join(&m.id);

        expect_err(
            nba_backup::verify(&d(&out), &m.id, None).await,
            "is encrypted",
        );
        let other = BackupKey::generate().unwrap();
        expect_err(
            nba_backup::verify(&d(&out), &m.id, Some(&other)).await,
            "was encrypted with key",
        );
        expect_err(
            nba_backup::verify(&d(&out), "../etc", Some(&key)).await,
            "not a backup id",
        );

        // One flipped bit in a table file.
        let games = root.join("tables/games.jsonl.gz.enc");
        let good = std::fs::read(&games).unwrap();
        let mut bad = good.clone();
        let at = bad.len() / 2;
        bad[at] ^= 0x10;
        std::fs::write(&games, &bad).unwrap();
        expect_err(
            nba_backup::verify(&d(&out), &m.id, Some(&key)).await,
            "fails authentication",
        );
        // A restore of it changes nothing: the target stays absent.
        let target = dir.0.join("t/nba.db");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let url = format!("sqlite://{}", target.display());
        expect_err(
            nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &models, false).await,
            "fails authentication",
        );
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_dir(target.parent().unwrap()).unwrap().count(),
            0,
            "no half-restored files"
        );
        // A file of another table put in its place authenticates under neither name.
        std::fs::copy(root.join("tables/players.jsonl.gz.enc"), &games).unwrap();
        expect_err(
            nba_backup::verify(&d(&out), &m.id, Some(&key)).await,
            "fails authentication",
        );
        std::fs::write(&games, &good).unwrap();
        nba_backup::verify(&d(&out), &m.id, Some(&key))
            .await
            .expect("the original file verifies");

        // An edited manifest.
        let path = root.join("manifest.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut edited: serde_json::Value = serde_json::from_str(&text).unwrap();
        edited["schema_version"] = 4.into();
        std::fs::write(&path, edited.to_string()).unwrap();
        expect_err(
            nba_backup::verify(&d(&out), &m.id, Some(&key)).await,
            "manifest was altered",
        );
        std::fs::write(&path, &text).unwrap();
    })
    .await;
}

#[tokio::test]
async fn newer_schemas_busy_and_non_empty_stores_are_refused_and_replace_keeps_the_old_one() {
    on_store(Backend::Sqlite, "backup_refuse", |store| async move {
        populate(&store).await;
        let dir = temp_dir("backup_refuse");
        let out = dir.0.join("out");
        let models = FolderRegistry::new(dir.0.join("models"));
        let m = nba_backup::create(&store, &models, &d(&out), None)
            .await
            .unwrap();
        assert_eq!(m.key_fingerprint, None);
        nba_backup::verify(&d(&out), &m.id, None)
            .await
            .expect("unencrypted backups verify without a key");
        let any_key = BackupKey::generate().unwrap();
        nba_backup::verify(&d(&out), &m.id, Some(&any_key))
            .await
            .expect("a key given for an unencrypted backup is not used");

        // A backup from a newer release.
        let newer = {
            let mut n = m.clone();
            n.id = format!("{}-newer", &m.id[..m.id.len() - 9]);
            n.schema_version = 999;
            let from = out.join(&m.id);
            let to = out.join(&n.id);
            std::fs::create_dir_all(to.join("tables")).unwrap();
            std::fs::write(to.join("manifest.json"), serde_json::to_string(&n).unwrap()).unwrap();
            let _ = from;
            n
        };
        let target = dir.0.join("t/nba.db");
        let url = format!("sqlite://{}", target.display());
        expect_err(
            nba_backup::restore(&d(&out), &newer.id, None, &url, &models, false).await,
            "newer than this build's",
        );
        let listed: Vec<String> = nba_backup::list(&d(&out))
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(listed.len(), 2);
        // A backup being written (or killed midway) is not listed.
        std::fs::create_dir_all(out.join(".partial-nba-20260101T000000000Z-00000000")).unwrap();
        assert_eq!(nba_backup::list(&d(&out)).await.unwrap().len(), 2);

        // Into the source itself: it holds data; with --replace it is in use (open pool).
        let source_path = dir.0.join("src.db");
        let source_url = format!("sqlite://{}", source_path.display());
        nba_backup::restore(&d(&out), &m.id, None, &source_url, &models, false)
            .await
            .expect("restore into an absent store");
        expect_err(
            nba_backup::restore(&d(&out), &m.id, None, &source_url, &models, false).await,
            "holds data",
        );
        let busy = Store::open(&StoreOptions::new(source_url.clone()))
            .await
            .unwrap();
        exec(
            &busy,
            "INSERT INTO meta (key, value) VALUES ('mark', 'old')",
        )
        .await;
        expect_err(
            nba_backup::restore(&d(&out), &m.id, None, &source_url, &models, true).await,
            "in use",
        );
        busy.close().await;
        let r = nba_backup::restore(&d(&out), &m.id, None, &source_url, &models, true)
            .await
            .expect("replace");
        let kept = r.replaced.expect("the replaced store is kept");
        let old = Store::open(&StoreOptions::new(format!("sqlite://{kept}")))
            .await
            .unwrap();
        let mark: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'mark'")
            .fetch_optional(old.pool())
            .await
            .unwrap();
        assert_eq!(mark.as_deref(), Some("old"));
        old.close().await;
        let new = Store::open(&StoreOptions::new(source_url)).await.unwrap();
        let mark: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'mark'")
            .fetch_optional(new.pool())
            .await
            .unwrap();
        assert_eq!(mark, None, "the restored store is the backup's");
        assert_eq!(digests(&new).await, of_manifest(&m));
        new.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_restore_switches_databases_only_when_no_one_is_connected() {
    on_store(Backend::Postgres, "backup_pg_src", |store| async move {
        populate(&store).await;
        // PostgreSQL holds non-finite floats; they survive the round trip.
        exec(&store, "INSERT INTO team_box (game_id, team_id, is_home, source, minutes, pts, plus_minus) VALUES ('g0002', 1, 1, 't', 'NaN', 100, 'Infinity'), ('g0002', 2, 0, 't', NULL, 98, '-Infinity')").await;
        let dir = temp_dir("backup_pg");
        let out = dir.0.join("out");
        let key = BackupKey::generate().unwrap();
        let models = FolderRegistry::new(dir.0.join("models"));
        let m = nba_backup::create(&store, &models, &d(&out), Some(&key)).await.unwrap();

        let (url, name) = pg_target();
        let check = async {
            nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &models, false).await.expect("restore into a new database");
            let held = Store::open(&StoreOptions::new(url.clone())).await.unwrap();
            exec(&held, "INSERT INTO meta (key, value) VALUES ('mark', 'old')").await;
            expect_err(nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &models, false).await, "holds data");
            expect_err(nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &models, true).await, "other sessions");
            held.close().await;
            let r = nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &models, true).await.expect("replace");
            let kept = r.replaced.expect("the old database is kept");
            let base = postgres_base();
            let old = Store::open(&StoreOptions::new(format!("{base}/{kept}"))).await.unwrap();
            let mark: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'mark'").fetch_optional(old.pool()).await.unwrap();
            assert_eq!(mark.as_deref(), Some("old"));
            old.close().await;
            let new = Store::open(&StoreOptions::new(url.clone())).await.unwrap();
            assert_eq!(digests(&new).await, of_manifest(&m));
            let pm: Vec<Option<f64>> = sqlx::query_scalar("SELECT plus_minus FROM team_box WHERE game_id = 'g0002' ORDER BY team_id").fetch_all(new.pool()).await.unwrap();
            assert_eq!(pm, vec![Some(f64::INFINITY), Some(f64::NEG_INFINITY)]);
            new.close().await;
        };
        check.await;
        drop_pg(&name).await;
    })
    .await;
}

/// A backup taken by an older release (here: a store at schema 4, before the audit log
/// named credentials) restores at its own schema, verifies, and is migrated to this one.
#[tokio::test]
async fn a_backup_from_an_older_schema_restores_and_is_migrated_on() {
    let dir = temp_dir("backup_old");
    let mut options = StoreOptions::new(format!("sqlite://{}", dir.0.join("old.db").display()));
    options.migrate_to = Some(4);
    let old = Store::open(&options).await.unwrap();
    assert_eq!(old.schema_version().await.unwrap(), 4);
    exec(&old, "INSERT INTO franchises (id, abbr, city, nickname, full_name) VALUES (1, 'BOS', 'Boston', 'Celtics', 'Boston Celtics')").await;
    let models = FolderRegistry::new(dir.0.join("models"));
    let m = nba_backup::create(&old, &models, &d(&dir.0.join("out")), None)
        .await
        .unwrap();
    old.close().await;
    assert_eq!(m.schema_version, 4);
    let url = format!("sqlite://{}", dir.0.join("new.db").display());
    let r = nba_backup::restore(&d(&dir.0.join("out")), &m.id, None, &url, &models, false)
        .await
        .expect("restore");
    assert_eq!(
        (r.schema_from, r.schema_to),
        (4, nba_store::latest_schema_version(Backend::Sqlite))
    );
    let new = Store::open(&StoreOptions::new(url)).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM franchises")
        .fetch_one(new.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    new.close().await;
}
