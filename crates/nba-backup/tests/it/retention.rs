//! Retention removes backups by age and count, never the newest ones, and sweeps the
//! leftovers of killed backups but not a backup being written.

use crate::d;
use nba_backup::{prune, Retention};
use nba_registry::FolderRegistry;
use nba_testkit::temp_dir;

#[tokio::test]
async fn old_and_surplus_backups_go_the_newest_stay() {
    let (store, _db) = nba_testkit::store().await;
    let dir = temp_dir("retention");
    let out = dir.0.join("out");
    let models = FolderRegistry::new(dir.0.join("models"));
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(
            nba_backup::create(&store, &models, &d(&out), None)
                .await
                .unwrap()
                .id,
        );
    }
    // The two oldest were taken 40 days ago (unencrypted manifests carry no MAC).
    let now = chrono::Utc::now();
    for id in &ids[..2] {
        let path = out.join(id).join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        m["created_at"] = (now - chrono::Duration::days(40)).to_rfc3339().into();
        std::fs::write(&path, m.to_string()).unwrap();
    }
    let partial_old = out.join(".partial-nba-20200101T000000000Z-00000000");
    let partial_new = out.join(format!(".partial-{}", ids[3].replace("nba-", "nba-x")));
    std::fs::create_dir_all(&partial_old).unwrap();
    std::fs::create_dir_all(&partial_new).unwrap();
    assert!(std::process::Command::new("touch")
        .args(["-d", "2 days ago"])
        .arg(&partial_old)
        .status()
        .unwrap()
        .success());

    let r = prune(
        &d(&out),
        Retention {
            max_age_days: Some(30),
            keep_last: None,
            keep_at_least: 1,
        },
        now,
    )
    .await
    .unwrap();
    let mut removed = r.removed.clone();
    removed.sort();
    assert_eq!(removed, ids[..2].to_vec());
    assert_eq!(r.leftovers_removed.len(), 1);
    assert!(
        !partial_old.exists() && partial_new.exists(),
        "a backup being written is left alone"
    );
    let listed: Vec<String> = nba_backup::list(&d(&out))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, ids[2..].to_vec());

    // A count limit keeps the newest; even an age limit of 0 days keeps the newest one.
    let r = prune(
        &d(&out),
        Retention {
            max_age_days: None,
            keep_last: Some(1),
            keep_at_least: 1,
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(r.removed, vec![ids[2].clone()]);
    let later = now + chrono::Duration::days(365);
    let r = prune(
        &d(&out),
        Retention {
            max_age_days: Some(0),
            keep_last: None,
            keep_at_least: 1,
        },
        later,
    )
    .await
    .unwrap();
    assert!(r.removed.is_empty());
    assert_eq!(r.kept, vec![ids[3].clone()]);
    nba_backup::verify(&d(&out), &ids[3], None)
        .await
        .expect("the kept backup is whole");
}
