//! The folder registry: artifacts round-trip, aliases resolve, a damaged artifact is refused
//! (by checksum) while the alias keeps the model it points at, and names cannot escape the
//! folder. The object-store registry (S3 API) is in `object`.

mod mlflow;
mod object;

use chrono::NaiveDate;
use nba_model::train::train_artifact;
use nba_model::{Artifact, FeatureConfig, GameInput, Stage, TrainConfig};
use nba_registry::{FolderRegistry, ModelRef, ModelRegistry, CHAMPION};

/// A small invented league (every output of it is a test fixture, not NBA data): eight teams
/// of fixed strength play each other home and away for `seasons`.
fn league(seasons: std::ops::RangeInclusive<i64>) -> Vec<GameInput> {
    let mut games = Vec::new();
    let mut noise: u64 = 7;
    for season in seasons {
        let mut day = NaiveDate::from_ymd_opt(season as i32 - 1, 11, 1).unwrap();
        for round in 0..4 {
            for home in 0..8i64 {
                for away in 0..8i64 {
                    if home == away || (home + away + round) % 2 == 0 {
                        continue;
                    }
                    noise = noise
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let jitter = (noise >> 59) as i64 - 16;
                    let home_score = 100 + 2 * home + 3 + jitter;
                    let away_score = 100 + 2 * away;
                    games.push(GameInput {
                        date: day,
                        season,
                        stage: Stage::Regular,
                        neutral: false,
                        home_id: 1_000 + home,
                        away_id: 1_000 + away,
                        home_score: Some(home_score),
                        away_score: Some(away_score),
                    });
                }
                day = day.succ_opt().unwrap();
            }
        }
    }
    games
}

fn train(games: &[GameInput], seasons: (i64, i64)) -> Artifact {
    train_artifact(
        games,
        seasons,
        "test-model",
        None,
        FeatureConfig::default(),
        &TrainConfig::default(),
    )
    .expect("training")
}

/// A fresh directory under the system temp folder, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("nba-registry-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn folder_registry_round_trips_resolves_and_refuses_damage() {
    let games = league(2010..=2013);
    let a = train(&games, (2010, 2012));
    let tmp = TempDir::new("folder");
    let registry = FolderRegistry::new(&tmp.0);
    assert!(registry.list().await.unwrap().is_empty());
    assert_eq!(
        registry.resolve(CHAMPION).await.unwrap_err().code(),
        "model_not_found"
    );

    let where_ = registry.save(&a).await.unwrap();
    let path = registry.path(&ModelRef::of(&a)).unwrap();
    assert_eq!(where_, path.display().to_string());
    assert_eq!(
        path,
        tmp.0
            .join("models/test-model")
            .join(format!("{}.json", a.version))
    );
    registry
        .set_alias(CHAMPION, &ModelRef::of(&a))
        .await
        .unwrap();
    assert_eq!(registry.resolve(CHAMPION).await.unwrap(), a);
    assert_eq!(
        registry.resolve_ref(CHAMPION).await.unwrap(),
        ModelRef::of(&a)
    );
    assert_eq!(
        registry
            .resolve(&format!("test-model@{}", a.version))
            .await
            .unwrap(),
        a
    );

    // A newer model whose file gets damaged: refused by checksum, champion unaffected.
    let b = train(&games, (2011, 2013));
    assert_ne!(a.version, b.version);
    registry.save(&b).await.unwrap();
    let b_path = registry.path(&ModelRef::of(&b)).unwrap();
    let good = std::fs::read_to_string(&b_path).unwrap();
    let coef = format!(
        "{}",
        b.parameters.linear().unwrap().logistic.coefficients[0]
    );
    let bad = good.replacen(&coef, &format!("{coef}1"), 1);
    assert_ne!(bad, good);
    std::fs::write(&b_path, &bad).unwrap();
    let err = registry.load(&ModelRef::of(&b)).await.unwrap_err();
    assert_eq!(err.code(), "artifact_checksum");
    assert!(err.to_string().contains(&b.version), "{err}");
    assert!(registry
        .set_alias(CHAMPION, &ModelRef::of(&b))
        .await
        .is_err());
    assert_eq!(
        registry.resolve(CHAMPION).await.unwrap(),
        a,
        "champion still serves"
    );

    assert_eq!(registry.list().await.unwrap().len(), 2);
    let escape = ModelRef::new("../etc", "x");
    assert_eq!(
        registry.load(&escape).await.unwrap_err().code(),
        "invalid_model_name"
    );
    assert!(registry.location().contains(&tmp.0.display().to_string()));
}
