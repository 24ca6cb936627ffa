//! The journal: audit and prediction log rows written after a backup are saved beside it
//! as numbered segments (in a folder and on S3), and a restore applies them, so the restored
//! store equals the source as of the last segment, table by table, with the audit chain
//! whole. A restore without the journal gives the backup alone; an altered segment stops
//! the restore and names it.

use nba_auth::audit::AuditEntry;
use nba_backup::{BackupKey, Destination};
use nba_registry::FolderRegistry;
use nba_store::{Store, StoreOptions};
use nba_testkit::s3::S3Server;
use nba_testkit::temp_dir;

use crate::round_trip::{digests, exec, populate};

fn entries(n: usize, tag: &str) -> Vec<AuditEntry> {
    (0..n)
        .map(|i| AuditEntry {
            ts: format!("2026-02-01T00:00:{:02}.000Z", i % 60),
            principal: "p".into(),
            role: "admin".into(),
            action: format!("tools/call:{tag}{i}"),
            target: "x".into(),
            outcome: "ok".into(),
            request_id: format!("{tag}{i}"),
            transport: "http".into(),
            credential: String::new(),
        })
        .collect()
}

async fn predictions(store: &Store, n: usize) {
    for i in 0..n {
        exec(store, &format!("INSERT INTO prediction_log (created_at, request_id, model_name, model_version, game_date, home_id, away_id, neutral, features, prob_home, margin) VALUES ('2026-02-01T00:00:0{i}Z', 'j{i}', 'm', '1', '2026-02-02', 1, 2, 0, '{{}}', 0.5, 0.0)")).await;
    }
}

async fn journal_round_trip(dest: Destination, altered_path: Option<std::path::PathBuf>) {
    let dir = temp_dir("journal");
    let store = Store::open(&StoreOptions::new(format!(
        "sqlite://{}",
        dir.0.join("src.db").display()
    )))
    .await
    .unwrap();
    populate(&store).await;
    let models = FolderRegistry::new(dir.0.join("models"));
    let key = BackupKey::generate().unwrap();
    let m = nba_backup::create(&store, &models, &dest, Some(&key))
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(m.high_water["audit_log"], head.0);
    assert_eq!(m.high_water["prediction_log"], 2);
    let none = nba_backup::journal::export(&store, &dest, &m, Some(&key))
        .await
        .unwrap();
    assert!(none.is_none(), "nothing new, no segment");

    store.append_audit(entries(30, "a")).await.unwrap();
    predictions(&store, 3).await;
    let s1 = nba_backup::journal::export(&store, &dest, &m, Some(&key))
        .await
        .unwrap()
        .expect("segment 1");
    assert_eq!(s1.segment, 1);
    store.append_audit(entries(20, "b")).await.unwrap();
    let s2 = nba_backup::journal::export(&store, &dest, &m, Some(&key))
        .await
        .unwrap()
        .expect("segment 2");
    assert_eq!(s2.segment, 2);
    assert_eq!(s2.audit_head, Some(store.audit_head().await.unwrap()));
    let source = digests(&store).await;

    let url = format!("sqlite://{}", dir.0.join("restored.db").display());
    let r = nba_backup::restore(&dest, &m.id, Some(&key), &url, &models, false)
        .await
        .expect("restore with the journal");
    assert_eq!((r.journal_segments, r.journal_rows), (2, 53), "{r:?}");
    assert_eq!(r.recovered_to, s2.created_at);
    let back = Store::open(&StoreOptions::new(url)).await.unwrap();
    assert_eq!(
        digests(&back).await,
        source,
        "restored = source as of segment 2"
    );
    let (audit, _, restored_head) = back.audit_verify(0).await.unwrap();
    assert!(audit.ok, "{:?}", audit.problems);
    assert_eq!(restored_head, store.audit_head().await.unwrap());
    back.close().await;

    let bare = format!("sqlite://{}", dir.0.join("bare.db").display());
    let r = nba_backup::restore_with(&dest, &m.id, Some(&key), &bare, &models, false, false)
        .await
        .unwrap();
    assert_eq!(r.journal_segments, 0);
    assert_eq!(r.rows, m.rows());

    if let Some(path) = altered_path {
        let seg = path.join(&m.id).join("journal/000002.json");
        let text = std::fs::read_to_string(&seg).unwrap();
        std::fs::write(&seg, text.replace("\"rows\": 20", "\"rows\": 19")).unwrap();
        let fresh = format!("sqlite://{}", dir.0.join("fresh.db").display());
        let e = nba_backup::restore(&dest, &m.id, Some(&key), &fresh, &models, false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("journal segment 2"), "{e}");
        assert!(!dir.0.join("fresh.db").exists());
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_backup_journal_restores_the_logs_written_after_it() {
    let dir = temp_dir("journal_dest");
    let out = dir.0.join("out");
    journal_round_trip(Destination::Dir(out.clone()), Some(out)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_backup_journal_restores_the_logs_written_after_it() {
    let server = S3Server::start();
    let bucket = server.bucket("journal");
    let dest = Destination::parse(&format!("s3://{bucket}/j"), &server.options()).unwrap();
    journal_round_trip(dest, None).await;
}
