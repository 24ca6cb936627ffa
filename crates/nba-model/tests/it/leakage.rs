//! Walk-forward leakage: a game's features never depend on any game played on or after its
//! date. Features are built over real history; then every game from the predicted date on
//! is changed (results of that day and later flipped, a third of the later games deleted, a
//! fake blowout added on the day itself) and the features of that day's games must not
//! move.

use crate::common;

use chrono::NaiveDate;
use nba_model::train::examples;
use nba_model::{FeatureConfig, Features, GameInput, Pipeline};

/// (home, away, features) of every game on `date`, from one pipeline run over `games`.
fn features_on(games: &[GameInput], date: NaiveDate) -> Vec<(i64, i64, Features)> {
    let mut out = Vec::new();
    Pipeline::new(FeatureConfig::default()).run(games, |i, f| {
        if games[i].date == date {
            out.push((games[i].home_id, games[i].away_id, *f));
        }
    });
    out
}

fn history(first: i64, last: i64) -> Vec<GameInput> {
    common::fte_games()
        .iter()
        .map(common::input)
        .filter(|g| g.season >= first && g.season <= last)
        .collect()
}

#[test]
fn no_feature_reads_a_game_on_or_after_its_date() {
    let games = history(2010, 2016);
    // A mid-season date with a full slate, and a date in the playoffs.
    let playoff = games
        .iter()
        .filter(|g| g.season == 2016 && g.stage == nba_model::Stage::Playoffs)
        .nth(40)
        .unwrap()
        .date;
    for d in [NaiveDate::from_ymd_opt(2016, 1, 15).unwrap(), playoff] {
        let day = d.to_string();
        let before = features_on(&games, d);
        assert!(!before.is_empty(), "no games on {day}");
        let mut changed: Vec<GameInput> = Vec::new();
        for (i, g) in games.iter().enumerate() {
            let mut g = g.clone();
            if g.date >= d {
                (g.home_score, g.away_score) = (g.away_score.map(|s| s + 30), g.home_score);
            }
            if g.date > d && i % 3 == 0 {
                continue;
            }
            changed.push(g);
        }
        let mut fake = games.iter().find(|g| g.date == d).unwrap().clone();
        (fake.away_id, fake.home_score, fake.away_score) =
            (before.last().unwrap().0, Some(150), Some(60));
        changed.push(fake);
        changed.sort_by_key(|g| g.date);
        let after = features_on(&changed, d);
        for (home, away, f) in &before {
            let (_, _, g) = after
                .iter()
                .find(|(h, a, _)| h == home && a == away)
                .expect("the day's games are kept");
            assert_eq!(f, g, "features of {home} v {away} on {day} changed");
        }
    }
}

#[test]
fn bulk_features_match_a_pipeline_stopped_the_day_before() {
    // The bulk path (one pass over history) and the serving path (state up to yesterday,
    // then predict) give the same features.
    let games = history(2012, 2015);
    let (ex, _) = examples(&games, FeatureConfig::default());
    let day = NaiveDate::from_ymd_opt(2015, 2, 10).unwrap();
    let target = ex.iter().find(|e| games[e.game].date == day).unwrap();
    let g = &games[target.game];
    let earlier: Vec<GameInput> = games.iter().filter(|x| x.date < g.date).cloned().collect();
    let mut p = Pipeline::new(FeatureConfig::default());
    p.run(&earlier, |_, _| {});
    assert_eq!(p.features(g), target.features);
}
