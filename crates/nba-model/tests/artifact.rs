//! Model artifacts: training is deterministic, a saved artifact loads back identical, a
//! damaged file is refused with a clear error while the model the alias points at keeps
//! loading, and a loaded model predicts.

mod common;

use std::path::PathBuf;

use nba_model::train::train_artifact;
use nba_model::{
    Artifact, FeatureConfig, GameInput, ModelError, ModelStore, Predictor, TrainConfig, CHAMPION,
};

fn games() -> Vec<GameInput> {
    common::fte_games()
        .iter()
        .map(common::input)
        .filter(|g| g.season >= 2008 && g.season <= 2015)
        .collect()
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
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("nba-model-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn artifacts_are_deterministic_round_trip_and_refuse_damage() {
    let games = games();
    let a = train(&games, (2012, 2014));
    let again = train(&games, (2012, 2014));
    assert_eq!(
        a.to_file_string(),
        again.to_file_string(),
        "same data, same bytes"
    );
    assert_eq!(a.training.seasons, [2012, 2014]);
    assert!(a.training.games > 3000);
    assert_eq!(a.features.len(), a.parameters.logistic.coefficients.len());
    assert!(a.version.starts_with("2012-2014."));
    assert!(a.metrics.validation.is_some());

    let tmp = TempDir::new("artifacts");
    let store = ModelStore::new(&tmp.0);
    let path = store.save(&a).unwrap();
    assert_eq!(
        path,
        tmp.0
            .join("models/test-model")
            .join(format!("{}.json", a.version))
    );
    store.set_alias(CHAMPION, &a.name, &a.version).unwrap();
    assert_eq!(store.resolve(CHAMPION).unwrap(), a);
    assert_eq!(
        store.resolve(&format!("test-model@{}", a.version)).unwrap(),
        a
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&a.content_sha256()));

    // A newer model whose file gets damaged: refused by checksum, champion unaffected.
    let b = train(&games, (2013, 2015));
    let b_path = store.save(&b).unwrap();
    let good = std::fs::read_to_string(&b_path).unwrap();
    let coef = format!("{}", b.parameters.logistic.coefficients[0]);
    let bad = good.replacen(&coef, &format!("{coef}1"), 1);
    assert_ne!(bad, good);
    std::fs::write(&b_path, &bad).unwrap();
    let err = store.load(&b.name, &b.version).unwrap_err();
    assert_eq!(err.code(), "artifact_checksum");
    let msg = err.to_string();
    assert!(
        msg.contains("checksum") && msg.contains(&b.version),
        "{msg}"
    );
    assert!(store.set_alias(CHAMPION, &b.name, &b.version).is_err());
    assert_eq!(store.resolve(CHAMPION).unwrap(), a, "champion still serves");

    // Truncated: not even JSON.
    std::fs::write(&b_path, &good[..good.len() / 2]).unwrap();
    let err = Artifact::read(&b_path).unwrap_err();
    assert!(matches!(err, ModelError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&b_path.display().to_string()));

    // Hand-edited but re-hashed to claim a future format: refused by version.
    let future = good.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    let body_start = future.find("\"artifact\":").unwrap() + "\"artifact\":".len();
    let body = &future[body_start..future.rfind('}').unwrap()];
    let rehashed = format!(
        "{{\"sha256\":\"{}\",\"artifact\":{body}}}",
        nba_model::artifact::sha256_hex(body.as_bytes())
    );
    let err = Artifact::from_file_str(&b_path, &rehashed).unwrap_err();
    assert_eq!(err.code(), "artifact_format", "{err}");

    assert_eq!(store.list().unwrap().len(), 2);
    assert!(store.load("../etc", "x").is_err());
}

#[test]
fn a_loaded_model_predicts_with_factors() {
    let games = games();
    let a = train(&games, (2013, 2015));
    let p = Predictor::new(&a, &games).unwrap();
    assert_eq!(p.data_through().unwrap().to_string(), "2015-06-16");
    let warriors = 1610612744;
    let knicks = 1610612752;
    // 2014-15 champions at home against a 17-win team.
    let mut g = games.last().unwrap().clone();
    (g.home_id, g.away_id, g.home_score, g.away_score) = (warriors, knicks, None, None);
    g.date = chrono::NaiveDate::from_ymd_opt(2015, 10, 30).unwrap();
    g.season = 2016;
    g.stage = nba_model::Stage::Regular;
    let pred = p.predict(&g);
    assert!(pred.prob_home > 0.75 && pred.prob_home < 1.0, "{pred:?}");
    assert!((pred.prob_home + pred.prob_away - 1.0).abs() < 1e-12);
    assert!(pred.margin > 5.0, "{pred:?}");
    let factors = p.factors(&g, 3);
    assert_eq!(factors.len(), 3);
    assert!(factors[0].logit.abs() >= factors[1].logit.abs());
}
