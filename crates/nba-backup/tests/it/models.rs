//! The model store in a backup: every artifact and alias comes back; a damaged artifact in
//! a backup, or a different artifact of the same name and version already stored, stops
//! the restore before it changes anything.

use crate::d;
use chrono::NaiveDate;
use nba_backup::BackupKey;
use nba_model::train::train_artifact;
use nba_model::{Artifact, FeatureConfig, GameInput, ModelRef, Stage, TrainConfig};
use nba_registry::{FolderRegistry, ModelRegistry};
use nba_store::Backend;
use nba_testkit::{on_store, temp_dir};

/// Two seasons of a made-up 8-team league (deterministic scores): enough to train on.
fn games() -> Vec<GameInput> {
    let mut out = Vec::new();
    let mut x: u64 = 42;
    let mut day = NaiveDate::from_ymd_opt(2000, 11, 1).unwrap();
    for season in [2001, 2002] {
        for round in 0..6 {
            for h in 0..8i64 {
                for a in 0..8i64 {
                    if h == a || (h + a + round) % 2 == 0 {
                        continue;
                    }
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let noise = ((x >> 33) % 30) as i64;
                    out.push(GameInput {
                        date: day,
                        season,
                        stage: Stage::Regular,
                        neutral: false,
                        home_id: h,
                        away_id: a,
                        home_score: Some(95 + h * 2 + noise),
                        away_score: Some(95 + a * 2 + 15),
                    });
                    day = day.succ_opt().unwrap();
                }
            }
        }
    }
    out
}

fn model(name: &str) -> Artifact {
    train_artifact(
        &games(),
        (2001, 2002),
        name,
        None,
        FeatureConfig::default(),
        &TrainConfig::default(),
    )
    .expect("training")
}

#[tokio::test]
async fn artifacts_and_aliases_come_back_and_conflicts_stop_the_restore() {
    on_store(Backend::Sqlite, "backup_models", |store| async move {
        let dir = temp_dir("backup_models");
        let source = FolderRegistry::new(dir.0.join("models"));
        let (a, b) = (model("m"), model("other"));
        source.save(&a).await.unwrap();
        source.save(&b).await.unwrap();
        source
            .set_alias("champion", &ModelRef::of(&a))
            .await
            .unwrap();
        source
            .set_alias("challenger", &ModelRef::of(&b))
            .await
            .unwrap();
        let key = BackupKey::generate().unwrap();
        let out = dir.0.join("out");
        let m = nba_backup::create(&store, &source, &d(&out), Some(&key))
            .await
            .unwrap();
        assert_eq!(m.models.len(), 2);

        // A registry whose copy of `m` is lost restores it and both aliases.
        let target = FolderRegistry::new(dir.0.join("restored-models"));
        let url = format!("sqlite://{}", dir.0.join("r1.db").display());
        let r = nba_backup::restore(&d(&out), &m.id, Some(&key), &url, &target, false)
            .await
            .expect("restore");
        assert_eq!(r.models, 2);
        assert_eq!(
            target.resolve("champion").await.unwrap().to_file_string(),
            a.to_file_string()
        );
        assert_eq!(
            target.resolve("challenger").await.unwrap().to_file_string(),
            b.to_file_string()
        );

        // A different artifact under the same name and version: refused unless replacing.
        let clash = FolderRegistry::new(dir.0.join("clash"));
        let mut changed = a.clone();
        changed.training.games += 1;
        clash.save(&changed).await.unwrap();
        let url2 = format!("sqlite://{}", dir.0.join("r2.db").display());
        let e = nba_backup::restore(&d(&out), &m.id, Some(&key), &url2, &clash, false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("already holds a different"), "{e}");
        assert!(!dir.0.join("r2.db").exists(), "nothing restored");

        // A damaged artifact file in the backup fails verification and restore.
        let file = out.join(&m.id).join(&m.models[0].file.path);
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.len() - 20;
        bytes[at] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        let e = nba_backup::verify(&d(&out), &m.id, Some(&key))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("fails authentication"), "{e}");
        let fresh = FolderRegistry::new(dir.0.join("fresh"));
        let url3 = format!("sqlite://{}", dir.0.join("r3.db").display());
        assert!(
            nba_backup::restore(&d(&out), &m.id, Some(&key), &url3, &fresh, false)
                .await
                .is_err()
        );
        assert!(fresh.list().await.map(|l| l.is_empty()).unwrap_or(true));
    })
    .await;
}

/// The model corruption drill: the serving champion's artifact is damaged in the model store
/// and another one is gone; `restore_models` checks the backup's copies, writes both back and
/// leaves the store (and the whole ones) alone; the champion loads again with the backed-up
/// checksum. The time it took is printed.
#[tokio::test]
async fn damaged_and_lost_artifacts_come_back_from_a_backup_alone() {
    on_store(Backend::Sqlite, "backup_models_only", |store| async move {
        let dir = temp_dir("backup_models_only");
        let registry = FolderRegistry::new(dir.0.join("models"));
        let (a, b, c) = (model("m"), model("other"), model("third"));
        for x in [&a, &b, &c] {
            registry.save(x).await.unwrap();
        }
        registry
            .set_alias("champion", &ModelRef::of(&a))
            .await
            .unwrap();
        let key = BackupKey::generate().unwrap();
        let out = dir.0.join("out");
        let m = nba_backup::create(&store, &registry, &d(&out), Some(&key))
            .await
            .unwrap();

        // Damage the champion's file in place, delete another.
        let file = |x: &Artifact| registry.path(&ModelRef::of(x)).unwrap();
        let champion_file = file(&a);
        let text = std::fs::read_to_string(&champion_file).unwrap();
        std::fs::write(&champion_file, text.replacen("0.", "9.", 1)).unwrap();
        assert!(registry.resolve("champion").await.is_err(), "damaged");
        std::fs::remove_file(file(&b)).unwrap();

        let started = std::time::Instant::now();
        let r = nba_backup::restore_models(&d(&out), &m.id, Some(&key), &registry, false)
            .await
            .expect("models restored");
        let took = started.elapsed();
        let mut restored = r.restored.clone();
        restored.sort();
        let mut expected = vec![ModelRef::of(&a).to_string(), ModelRef::of(&b).to_string()];
        expected.sort();
        assert_eq!(restored, expected, "{r:?}");
        assert_eq!(r.unchanged, vec![ModelRef::of(&c).to_string()]);
        assert!(r.aliases_set.is_empty(), "the champion alias was there");
        let back = registry
            .resolve("champion")
            .await
            .expect("the champion loads");
        assert_eq!(back.content_sha256(), a.content_sha256());
        assert_eq!(
            back.content_sha256(),
            m.models
                .iter()
                .find(|e| e.model == ModelRef::of(&a).to_string())
                .unwrap()
                .content_sha256
        );
        eprintln!(
            "drill model_corruption: 2 artifacts restored in {:.3} s",
            took.as_secs_f64()
        );

        // Run again: nothing to do. A different artifact under the name: refused.
        let again = nba_backup::restore_models(&d(&out), &m.id, Some(&key), &registry, false)
            .await
            .unwrap();
        assert!(
            again.restored.is_empty() && again.unchanged.len() == 3,
            "{again:?}"
        );
        let mut changed = c.clone();
        changed.training.games += 1;
        registry.save(&changed).await.unwrap();
        let e = nba_backup::restore_models(&d(&out), &m.id, Some(&key), &registry, false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("already holds a different"), "{e}");
    })
    .await;
}
