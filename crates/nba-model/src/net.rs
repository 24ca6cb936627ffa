//! A points-based team rating updated online, and the league's home-court edge learnt
//! online from the same residuals.
//!
//! Each team has a net rating in points per game and a variance saying how sure we are of
//! it; a game's expected home margin is the rating difference plus the league's current
//! home-court edge (none on neutral sites). After the game each rating moves by its share
//! of the total variance times the surprise (a Kalman filter step; margins are capped so
//! garbage time in blowouts does not dominate), and the home-court edge moves by `hca_rate`
//! times it. Between seasons ratings shrink toward 0 by `carryover` and become less
//! certain, so early-season games move them more. This is Elo on the point scale; unlike
//! win-loss Elo with a fixed home edge it notices when home court stops mattering (2020-21,
//! no fans).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::elo::{lineage, Entry};
use crate::game::GameInput;

/// Parameters of [`NetRatings`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NetParams {
    /// Variance of a game's margin around expectation (points²).
    pub game_var: f64,
    /// Variance a rating gains with each game the team plays (form drifts).
    pub drift_var: f64,
    /// Variance a rating gains between seasons (roster changes).
    pub season_var: f64,
    /// Variance of an expansion team's starting rating.
    pub initial_var: f64,
    pub carryover: f64,
    /// Net rating of an expansion franchise (points per game).
    pub initial: f64,
    /// Margins beyond ± this many points count as this many.
    pub margin_cap: f64,
    /// Learning rate of the league home-court edge.
    pub hca_rate: f64,
    /// Home-court edge (points) before any game is seen.
    pub hca_start: f64,
}

#[derive(Debug, Clone, Copy)]
struct TeamNet {
    rating: f64,
    var: f64,
    season: i64,
}

/// Net ratings of every franchise and the league's home-court edge.
#[derive(Debug, Clone)]
pub struct NetRatings {
    params: NetParams,
    teams: HashMap<i64, TeamNet>,
    hca: f64,
}

impl NetRatings {
    pub fn new(params: NetParams) -> NetRatings {
        NetRatings {
            params,
            teams: HashMap::new(),
            hca: params.hca_start,
        }
    }

    fn entering(&self, team: i64, season: i64) -> (f64, f64) {
        let p = &self.params;
        let stored = self.teams.get(&team);
        if stored.is_none_or(|t| t.season < season) {
            match lineage(team, season) {
                Some(Entry::Inherit(from)) if from != team => return self.entering(from, season),
                Some(Entry::Expansion) => return (p.initial, p.initial_var),
                _ => {}
            }
        }
        match stored {
            Some(t) if t.season >= season => (t.rating, t.var),
            Some(t) => (
                p.carryover * t.rating,
                p.carryover * p.carryover * t.var + p.season_var,
            ),
            None => (p.initial, p.initial_var),
        }
    }

    /// The rating a team takes into a game of `season` (regressed in a new season).
    pub fn rating(&self, team: i64, season: i64) -> f64 {
        self.entering(team, season).0
    }

    /// How uncertain that rating is (variance, points²).
    pub fn variance(&self, team: i64, season: i64) -> f64 {
        self.entering(team, season).1
    }

    /// Home rating minus away rating, in points.
    pub fn edge(&self, game: &GameInput) -> f64 {
        self.rating(game.home_id, game.season) - self.rating(game.away_id, game.season)
    }

    /// The league's current home-court edge in points.
    pub fn home_court(&self) -> f64 {
        self.hca
    }

    /// Applies a finished game; unplayed games change nothing.
    pub fn update(&mut self, game: &GameInput) {
        let Some(margin) = game.home_margin() else {
            return;
        };
        let p = self.params;
        let hca = if game.neutral { 0.0 } else { self.hca };
        let (home, hv) = self.entering(game.home_id, game.season);
        let (away, av) = self.entering(game.away_id, game.season);
        let (hv, av) = (hv + p.drift_var, av + p.drift_var);
        let surprise = (margin as f64).clamp(-p.margin_cap, p.margin_cap) - (home - away + hca);
        // A Kalman step on the margin: each side moves by its share of the total variance.
        let total = hv + av + p.game_var;
        let season = game.season;
        self.teams.insert(
            game.home_id,
            TeamNet {
                rating: home + hv / total * surprise,
                var: hv * (1.0 - hv / total),
                season,
            },
        );
        self.teams.insert(
            game.away_id,
            TeamNet {
                rating: away - av / total * surprise,
                var: av * (1.0 - av / total),
                season,
            },
        );
        if !game.neutral {
            self.hca += p.hca_rate * surprise;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::test_game;

    const P: NetParams = NetParams {
        game_var: 100.0,
        drift_var: 0.0,
        season_var: 2.0,
        initial_var: 25.0,
        carryover: 0.5,
        initial: -4.0,
        margin_cap: 20.0,
        hca_rate: 0.01,
        hca_start: 3.0,
    };

    #[test]
    fn a_home_blowout_raises_the_home_team_capped_and_the_home_edge() {
        let mut net = NetRatings::new(P);
        net.update(&test_game("2000-01-01", 1, 2, Some((140, 90))));
        // surprise = 20 (capped) - (0 + 3) = 17; each side's gain is 25 / (25 + 25 + 100).
        let moved = 17.0 * 25.0 / 150.0;
        assert!((net.rating(1, 2000) - (-4.0 + moved)).abs() < 1e-9);
        assert!((net.rating(2, 2000) - (-4.0 - moved)).abs() < 1e-9);
        assert!((net.home_court() - 3.17).abs() < 1e-9);
        // Certainty grows with games and shrinks over the summer.
        let v = net.variance(1, 2000);
        assert!((v - 25.0 * (1.0 - 25.0 / 150.0)).abs() < 1e-9);
        assert!((net.variance(1, 2001) - (0.25 * v + 2.0)).abs() < 1e-9);
        assert!((net.rating(1, 2001) - 0.5 * (-4.0 + moved)).abs() < 1e-9);
    }
}
