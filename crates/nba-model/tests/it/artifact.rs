//! Model artifacts: training is deterministic, an artifact's file content reads back
//! identical, damaged content is refused with a clear error, and a loaded model predicts.

use crate::common;

use nba_model::train::train_artifact;
use nba_model::{Artifact, FeatureConfig, GameInput, ModelError, Predictor, TrainConfig};

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
    assert_eq!(
        a.features.len(),
        a.parameters.linear().unwrap().logistic.coefficients.len()
    );
    assert!(a.version.starts_with("2012-2014."));
    assert!(a.metrics.validation.is_some());

    let path = std::path::Path::new("test-model.json");
    let good = a.to_file_string();
    assert!(good.contains(&a.content_sha256()));
    assert_eq!(Artifact::from_file_str(path, &good).unwrap(), a);

    // A damaged file: refused by checksum, naming the file.
    let coef = format!(
        "{}",
        a.parameters.linear().unwrap().logistic.coefficients[0]
    );
    let bad = good.replacen(&coef, &format!("{coef}1"), 1);
    assert_ne!(bad, good);
    let err = Artifact::from_file_str(path, &bad).unwrap_err();
    assert_eq!(err.code(), "artifact_checksum");
    let msg = err.to_string();
    assert!(
        msg.contains("checksum") && msg.contains("test-model.json"),
        "{msg}"
    );

    // Truncated: not even JSON.
    let err = Artifact::from_file_str(path, &good[..good.len() / 2]).unwrap_err();
    assert!(matches!(err, ModelError::Corrupt { .. }), "{err}");

    // Hand-edited but re-hashed to claim a future format: refused by version.
    let future = good.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    let body_start = future.find("\"artifact\":").unwrap() + "\"artifact\":".len();
    let body = &future[body_start..future.rfind('}').unwrap()];
    let rehashed = format!(
        "{{\"sha256\":\"{}\",\"artifact\":{body}}}",
        nba_model::artifact::sha256_hex(body.as_bytes())
    );
    let err = Artifact::from_file_str(path, &rehashed).unwrap_err();
    assert_eq!(err.code(), "artifact_format", "{err}");
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
