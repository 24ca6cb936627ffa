//! A points-based team rating updated online, and the league's home-court edge learnt
//! online from the same residuals.
//!
//! Each team has a net rating in points per game; a game's expected home margin is the
//! rating difference plus the league's current home-court edge (none on neutral sites).
//! After the game both ratings move by `k` times the surprise (margins capped so garbage
//! time in blowouts does not dominate), and the home-court edge moves by `hca_rate` times
//! it. Between seasons ratings shrink toward 0 by `carryover`. This is Elo on the point
//! scale; unlike win-loss Elo it notices when home court stops mattering (2020-21, no fans).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::elo::{lineage, Entry};
use crate::game::GameInput;

/// Parameters of [`NetRatings`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NetParams {
    pub k: f64,
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

    /// The rating a team takes into a game of `season` (regressed in a new season).
    pub fn rating(&self, team: i64, season: i64) -> f64 {
        let stored = self.teams.get(&team);
        if stored.is_none_or(|t| t.season < season) {
            match lineage(team, season) {
                Some(Entry::Inherit(from)) if from != team => return self.rating(from, season),
                Some(Entry::Expansion) => return self.params.initial,
                _ => {}
            }
        }
        match stored {
            Some(t) if t.season >= season => t.rating,
            Some(t) => self.params.carryover * t.rating,
            None => self.params.initial,
        }
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
        let (home, away) = (
            self.rating(game.home_id, game.season),
            self.rating(game.away_id, game.season),
        );
        let surprise = (margin as f64).clamp(-p.margin_cap, p.margin_cap) - (home - away + hca);
        let season = game.season;
        let shift = p.k * surprise;
        self.teams.insert(
            game.home_id,
            TeamNet {
                rating: home + shift,
                season,
            },
        );
        self.teams.insert(
            game.away_id,
            TeamNet {
                rating: away - shift,
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
        k: 0.1,
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
        // surprise = 20 (capped) - (0 + 3) = 17
        assert!((net.rating(1, 2000) - (-4.0 + 1.7)).abs() < 1e-9);
        assert!((net.rating(2, 2000) - (-4.0 - 1.7)).abs() < 1e-9);
        assert!((net.home_court() - 3.17).abs() < 1e-9);
        assert!((net.rating(1, 2001) - 0.5 * (-2.3)).abs() < 1e-9);
    }
}
