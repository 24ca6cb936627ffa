//! Features of a game known before tip-off, and the [`Pipeline`] that keeps the state they
//! are computed from (Elo, net ratings, each team's recent games) up to date game by game.
//!
//! The pipeline works a date at a time: the features of every game on a date are read
//! before any game of that date updates the state, so nothing on or after the game's date
//! can reach its features (the `leakage` test checks this on real data).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::arenas;
use crate::elo::{EloParams, EloState};
use crate::game::{GameInput, Stage};
use crate::history::{place_of, TeamHistory};
use crate::net::{NetParams, NetRatings};

/// Every feature the pipeline computes, in the order of [`Features::values`]. All are from
/// the home team's side; "home" is the first team on neutral sites.
pub const FEATURES: &[&str] = &[
    "elo_edge",   // Elo edge incl. home court, in hundreds of Elo points
    "net_edge",   // net-rating difference, points
    "home_court", // league home-court edge in points (0 on neutral sites)
    "neutral",    // 1 on neutral sites
    "playoff",    // 1 in the play-in and playoffs
    "home_rest",  // full days off, capped
    "away_rest",
    "home_b2b", // 1 if the team played yesterday
    "away_b2b",
    "home_games_7d", // games in the seven days before
    "away_games_7d",
    "home_travel", // thousands of km since the last game
    "away_travel",
    "home_form", // mean margin, last games this season
    "away_form",
    "home_season_margin", // season-to-date margin per game, shrunk
    "away_season_margin",
    "rest_diff",
    "travel_diff",
    "form_diff",
    "season_margin_diff",
    "playoff_elo_edge", // elo_edge in the play-in and playoffs, else 0
    "early_elo_edge",   // elo_edge weighted by how early in the season (1 at the opener)
    "home_altitude",    // home arena altitude, km (0 on neutral sites)
    "away_tz_shift",    // hours of longitude (15 degrees) from the away team's home, east positive
];

/// Number of features the pipeline computes.
pub const N_FEATURES: usize = FEATURES.len();

/// The index of a feature by name.
pub fn feature_index(name: &str) -> Option<usize> {
    FEATURES.iter().position(|f| *f == name)
}

/// Everything that shapes the features; stored in each model artifact so serving computes
/// exactly what the model was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    pub elo: EloParams,
    pub net: NetParams,
    /// Rest days are counted up to this many.
    pub rest_cap: f64,
    /// Games in the recent-form average.
    pub form_games: usize,
    /// Pseudo-games of zero margin in the season-to-date average.
    pub season_shrink: f64,
    /// Games after which a season no longer counts as early (for `early_elo_edge`).
    pub early_games: f64,
}

impl Default for FeatureConfig {
    /// The settings chosen by walk-forward evaluation on seasons before 2015-16 only
    /// (2004-05 … 2014-15, and 1989-90 … 2014-15 for the close calls; `examples/tune.rs`).
    fn default() -> Self {
        FeatureConfig {
            elo: EloParams::FIVETHIRTYEIGHT,
            net: NetParams {
                game_var: 144.0,
                drift_var: 0.1,
                season_var: 10.0,
                initial_var: 9.0,
                carryover: 0.7,
                initial: -5.0,
                margin_cap: 25.0,
                hca_rate: 0.001,
                hca_start: 4.0,
            },
            rest_cap: 3.0,
            form_games: 10,
            season_shrink: 5.0,
            early_games: 20.0,
        }
    }
}

/// A game's feature values, in [`FEATURES`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    pub values: [f64; N_FEATURES],
}

impl Features {
    pub fn get(&self, name: &str) -> Option<f64> {
        feature_index(name).map(|i| self.values[i])
    }
}

fn altitude_km(game: &GameInput) -> f64 {
    if game.neutral {
        return 0.0;
    }
    arenas::city_of(game.home_id, game.season).map_or(0.0, arenas::altitude_m) / 1000.0
}

fn away_tz_shift(game: &GameInput) -> f64 {
    match (place_of(game), arenas::home_of(game.away_id, game.season)) {
        (Some(at), Some(home)) => (at.lon - home.lon) / 15.0,
        _ => 0.0,
    }
}

/// The state features are computed from, advanced one finished game at a time.
#[derive(Debug, Clone)]
pub struct Pipeline {
    config: FeatureConfig,
    elo: EloState,
    net: NetRatings,
    teams: HashMap<i64, TeamHistory>,
    last_date: Option<chrono::NaiveDate>,
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

impl Pipeline {
    pub fn new(config: FeatureConfig) -> Pipeline {
        Pipeline {
            config,
            elo: EloState::new(config.elo),
            net: NetRatings::new(config.net),
            teams: HashMap::new(),
            last_date: None,
        }
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    pub fn elo(&self) -> &EloState {
        &self.elo
    }

    pub fn net(&self) -> &NetRatings {
        &self.net
    }

    /// Date of the latest finished game applied.
    pub fn last_date(&self) -> Option<chrono::NaiveDate> {
        self.last_date
    }

    /// The features of `game` from the games applied so far.
    pub fn features(&self, game: &GameInput) -> Features {
        let c = &self.config;
        let empty = TeamHistory::default();
        let facts = |team: i64| {
            self.teams.get(&team).unwrap_or(&empty).facts(
                team,
                game,
                c.rest_cap,
                c.form_games,
                c.season_shrink,
            )
        };
        let (h, a) = (facts(game.home_id), facts(game.away_id));
        let elo_edge = self.elo.home_edge(game) / 100.0;
        let playoff = game.stage != Stage::Regular;
        let early = (1.0 - (h.games + a.games) / (2.0 * c.early_games)).max(0.0);
        let values = [
            elo_edge,
            self.net.edge(game),
            if game.neutral {
                0.0
            } else {
                self.net.home_court()
            },
            flag(game.neutral),
            flag(playoff),
            h.rest,
            a.rest,
            flag(h.back_to_back),
            flag(a.back_to_back),
            h.games_7d,
            a.games_7d,
            h.travel_km / 1000.0,
            a.travel_km / 1000.0,
            h.form,
            a.form,
            h.season_margin,
            a.season_margin,
            h.rest - a.rest,
            (h.travel_km - a.travel_km) / 1000.0,
            h.form - a.form,
            h.season_margin - a.season_margin,
            if playoff { elo_edge } else { 0.0 },
            elo_edge * early,
            altitude_km(game),
            away_tz_shift(game),
        ];
        Features { values }
    }

    /// Applies a finished game to every part of the state; unplayed games change nothing.
    pub fn update(&mut self, game: &GameInput) {
        let Some(margin) = game.home_margin() else {
            return;
        };
        self.elo.update(game);
        self.net.update(game);
        let form_games = self.config.form_games;
        for (team, m) in [(game.home_id, margin), (game.away_id, -margin)] {
            self.teams
                .entry(team)
                .or_default()
                .record(game, m, form_games);
        }
        self.last_date = self.last_date.max(Some(game.date));
    }

    /// Walks `games` (sorted by date) a date at a time: `visit(i, features)` sees each game's
    /// features before any game of its date is applied; then that date's games are applied.
    pub fn run(&mut self, games: &[GameInput], mut visit: impl FnMut(usize, &Features)) {
        let mut start = 0;
        while start < games.len() {
            let date = games[start].date;
            let end = start + games[start..].partition_point(|g| g.date == date);
            for (i, g) in games.iter().enumerate().take(end).skip(start) {
                visit(i, &self.features(g));
            }
            for g in &games[start..end] {
                self.update(g);
            }
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::test_game;

    #[test]
    fn feature_names_are_unique() {
        for (i, f) in FEATURES.iter().enumerate() {
            assert_eq!(feature_index(f), Some(i));
        }
    }

    #[test]
    fn same_day_games_do_not_see_each_other() {
        // Two games on one date sharing no team would still leak through league-wide state
        // (the home-court edge) if applied one by one.
        let games = vec![
            test_game("2016-01-01", 1, 2, Some((150, 80))),
            test_game("2016-01-01", 3, 4, Some((100, 99))),
        ];
        let mut p = Pipeline::new(FeatureConfig::default());
        let mut seen = Vec::new();
        p.run(&games, |_, f| seen.push(f.get("home_court").unwrap()));
        assert_eq!(seen[0], seen[1]);
    }
}
