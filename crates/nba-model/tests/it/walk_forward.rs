//! Walk-forward evaluation on real seasons: every regular-season game is scored, 538's
//! columns cover exactly the same games (null where 538 published nothing), and the JSON
//! has the agreed shape.

use crate::common;

use nba_model::evaluate::{walk_forward, Benchmark};
use nba_model::metrics::score;
use nba_model::{FeatureConfig, GameInput, Stage, TrainConfig};

#[test]
fn walk_forward_scores_every_regular_season_game_beside_538() {
    let rows: Vec<_> = common::fte_games()
        .into_iter()
        .filter(|r| (2000..=2015).contains(&(r.season.end_year() as i64)))
        .collect();
    let games: Vec<GameInput> = rows.iter().map(common::input).collect();
    let bench: Vec<Benchmark> = rows
        .iter()
        .map(|r| Benchmark {
            fte_elo: r.fte.as_ref().and_then(|f| f.elo_prob_home),
            fte_main: r.fte.as_ref().and_then(|f| f.main_prob_home),
        })
        .collect();
    let config = TrainConfig {
        window: 5,
        ..TrainConfig::default()
    };
    let ev = walk_forward(
        &games,
        &bench,
        &[2014, 2015],
        FeatureConfig::default(),
        &config,
    )
    .expect("evaluation");
    assert_eq!(ev.seasons.len(), 2);
    assert_eq!(ev.seasons[0].model.games, 1230);
    assert_eq!(ev.overall.model.games, 2460);

    // 538 Elo over the same games, computed independently.
    let fte: Vec<(f64, bool)> = rows
        .iter()
        .zip(&games)
        .filter(|(_, g)| g.season == 2015 && g.stage == Stage::Regular)
        .map(|(r, g)| {
            (
                r.fte.as_ref().unwrap().elo_prob_home.unwrap(),
                g.home_won().unwrap(),
            )
        })
        .collect();
    let s2015 = &ev.seasons[1];
    assert!((s2015.fte_elo.unwrap().brier - score(&fte).brier).abs() < 1e-12);
    assert!(
        s2015.fte_main.is_none(),
        "538 published no main forecast in 2014-15"
    );
    assert!(s2015.model.brier < 0.215, "{:?}", s2015.model);

    let json = serde_json::to_value(ev.json()).unwrap();
    let row = &json["seasons"][1];
    assert_eq!(row["season"], "2014-15");
    assert!(row["fte_main_brier"].is_null());
    for key in [
        "season",
        "games",
        "brier",
        "log_loss",
        "accuracy",
        "ece",
        "fte_elo_brier",
        "fte_main_brier",
    ] {
        assert!(row.get(key).is_some(), "missing {key}");
        assert!(json["overall"].get(key).is_some(), "overall missing {key}");
    }
    assert_eq!(json["overall"]["games"], 2460);
    assert_eq!(row.as_object().unwrap().len(), 8);
}

#[test]
fn a_season_without_games_is_skipped_and_none_at_all_is_an_error() {
    let games: Vec<GameInput> = common::fte_games()
        .iter()
        .map(common::input)
        .filter(|g| (2010..=2014).contains(&g.season))
        .collect();
    let config = TrainConfig {
        window: 3,
        ..TrainConfig::default()
    };
    let ev = walk_forward(
        &games,
        &[],
        &[2014, 2023],
        FeatureConfig::default(),
        &config,
    )
    .unwrap();
    assert_eq!(ev.skipped, vec![2023]);
    assert!(ev.overall.fte_elo.is_none());
    let err = walk_forward(&games, &[], &[2023], FeatureConfig::default(), &config).unwrap_err();
    assert_eq!(err.code(), "nothing_to_evaluate");
}
