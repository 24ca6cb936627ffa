//! Backups on the S3 API, against a real S3 server on loopback (moto): a backup written to
//! `s3://bucket/prefix` lists, verifies and restores into a fresh store with every table
//! equal; an id whose manifest never arrived is not a backup; a changed object is caught;
//! prune deletes backups (manifest first) and leaves a backup being written alone; an
//! unreachable server fails in bounded time with the address in the message.

use std::time::{Duration, Instant};

use nba_backup::{BackupKey, Destination, Retention, S3Options};
use nba_registry::FolderRegistry;
use nba_store::{Store, StoreOptions};
use nba_testkit::s3::S3Server;
use nba_testkit::temp_dir;

use crate::round_trip::{digests, of_manifest, populate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_on_s3_lists_verifies_and_restores_whole() {
    let server = S3Server::start();
    let bucket = server.bucket("bk");
    let dest = Destination::parse(&format!("s3://{bucket}/nba/prod"), &server.options()).unwrap();
    assert_eq!(dest.to_string(), format!("s3://{bucket}/nba/prod"));

    let dir = temp_dir("s3");
    let url = format!("sqlite://{}", dir.0.join("src.db").display());
    let store = Store::open(&StoreOptions::new(url)).await.unwrap();
    populate(&store).await;
    // Enough rows (random text resists compression) for a multipart upload of `games`.
    crate::round_trip::exec(
        &store,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO games (id, season, date, stage, neutral, home_id, away_id, home_score, away_score, primary_source, data_source) \
         SELECT 'm' || i, 2021, '2021-01-01', 'regular', 0, 1, 2, 100 + i % 37, 90 + (i * 7) % 41, lower(hex(randomblob(16))), 'real' FROM n",
    )
    .await;
    let models = FolderRegistry::new(dir.0.join("models"));
    let key = BackupKey::generate().unwrap();
    let m = nba_backup::create(&store, &models, &dest, Some(&key))
        .await
        .expect("backup to S3");
    assert_eq!(of_manifest(&m), digests(&store).await);
    let games = m
        .tables
        .iter()
        .find(|t| t.digest.shape.name == "games")
        .unwrap();
    assert!(
        games.file.bytes as usize > 2 * nba_testkit::s3::PART_MIN,
        "games is {} bytes: too small for a multipart upload",
        games.file.bytes
    );

    let listed = nba_backup::list(&dest).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| &m.id).collect::<Vec<_>>(),
        vec![&m.id]
    );
    // Another prefix of the same bucket holds nothing.
    let other = Destination::parse(&format!("s3://{bucket}/nba"), &server.options()).unwrap();
    assert!(nba_backup::list(&other).await.unwrap().is_empty());

    let v = nba_backup::verify(&dest, &m.id, Some(&key))
        .await
        .expect("verify");
    assert_eq!(v.rows, m.rows());

    let target = format!("sqlite://{}", dir.0.join("restored.db").display());
    let r = nba_backup::restore(&dest, &m.id, Some(&key), &target, &models, false)
        .await
        .expect("restore from S3");
    assert_eq!(r.rows, m.rows());
    let back = Store::open(&StoreOptions::new(target)).await.unwrap();
    assert_eq!(
        digests(&back).await,
        of_manifest(&m),
        "restored tables equal the backup"
    );
    let (audit, _, head) = back.audit_verify(0).await.unwrap();
    assert!(audit.ok, "{:?}", audit.problems);
    assert_eq!(Some(head), m.audit_head);
    back.close().await;

    // Objects of an id whose manifest never arrived (a backup killed midway) are not a backup.
    let half = format!("{bucket}/nba/prod/nba-20260101T000000000Z-0badf00d/tables/games.jsonl.gz");
    assert_eq!(server.request("PUT", &half, Some("half")), 200);
    assert_eq!(nba_backup::list(&dest).await.unwrap().len(), 1);

    // A changed object is caught by verify and by restore, which leaves the target alone.
    let table = &m
        .tables
        .iter()
        .find(|t| t.digest.shape.name == "games")
        .unwrap()
        .file;
    let obj = format!("{bucket}/nba/prod/{}/{}", m.id, table.path);
    assert_eq!(server.request("PUT", &obj, Some("tampered")), 200);
    let e = nba_backup::verify(&dest, &m.id, Some(&key))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("games"), "{e}");
    let fresh = format!("sqlite://{}", dir.0.join("fresh.db").display());
    assert!(
        nba_backup::restore(&dest, &m.id, Some(&key), &fresh, &models, false)
            .await
            .is_err()
    );
    assert!(
        !dir.0.join("fresh.db").exists(),
        "a failed restore leaves no store behind"
    );

    // Prune: a second backup, then keep the newest only; the id being written (fresh
    // objects, no manifest) is left alone.
    let newer = nba_backup::create(&store, &models, &dest, Some(&key))
        .await
        .unwrap();
    let rule = Retention {
        max_age_days: None,
        keep_last: Some(1),
        keep_at_least: 1,
    };
    let p = nba_backup::prune(&dest, rule, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(p.removed, vec![m.id.clone()]);
    assert!(p.leftovers_removed.is_empty(), "{:?}", p.leftovers_removed);
    let left: Vec<String> = nba_backup::list(&dest)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, vec![newer.id.clone()]);
    let gone = format!("{bucket}/nba/prod/{}/manifest.json", m.id);
    assert_eq!(
        server.request("GET", &gone, None),
        404,
        "the pruned backup's objects are gone"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_destinations_are_refused_and_an_unreachable_server_fails_in_bounded_time() {
    let o = S3Options::default();
    for (spec, needle) in [
        ("s3://A_B/x", "not an S3 bucket name"),
        ("s3://ok-bucket/../x", "not a usable key prefix"),
        ("s3://ok-bucket/a//b", "not a usable key prefix"),
        ("gs://bucket/x", "not a backup destination"),
        ("", "no backup destination"),
    ] {
        let e = Destination::parse(spec, &o).unwrap_err();
        assert!(e.to_string().contains(needle), "{spec}: {e}");
    }
    // Nothing listens on this port.
    let o = S3Server::unreachable();
    let dest = Destination::parse("s3://nowhere/p", &o).unwrap();
    let started = Instant::now();
    let e = nba_backup::list(&dest).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().contains("s3://nowhere/p"), "{e}");
}
