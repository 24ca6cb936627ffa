//! FiveThirtyEight-style Elo ratings, updated one game at a time.
//!
//! The rules are 538's published NBA method: K = 20, a home-court edge of 100 points (none
//! on neutral sites), a margin-of-victory multiplier `((MOV + 3)^0.8) / (7.5 + 0.006 × d)`
//! where `d` is the winner's rating edge including home court (the autocorrelation
//! correction: favourites gain less from big wins), and between seasons every rating moves
//! a quarter of the way back to 1505. Ratings follow franchises (relocations keep them);
//! an expansion franchise starts at 1300. Two lineage facts that franchise ids alone do not
//! carry are written down in [`LINEAGE`]. Regression and lineage are applied lazily when a
//! team's first game of a new season is rated, so an update never recomputes history.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::game::GameInput;

/// The parameters of an Elo system; [`EloParams::FIVETHIRTYEIGHT`] are 538's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EloParams {
    /// Update size.
    pub k: f64,
    /// Home-court edge in Elo points (not applied on neutral sites).
    pub home_advantage: f64,
    /// Rating that ratings regress to between seasons.
    pub mean: f64,
    /// Share of a rating's distance from `mean` kept from one season to the next.
    pub carryover: f64,
    /// Rating of an expansion franchise.
    pub initial: f64,
}

impl EloParams {
    pub const FIVETHIRTYEIGHT: EloParams = EloParams {
        k: 20.0,
        home_advantage: 100.0,
        mean: 1505.0,
        carryover: 0.75,
        initial: 1300.0,
    };
}

impl Default for EloParams {
    fn default() -> Self {
        EloParams::FIVETHIRTYEIGHT
    }
}

/// How a franchise enters a season when its id alone would say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Takes over the rating of another franchise id (the team moved, the history did not).
    Inherit(i64),
    /// Starts afresh at the expansion rating although the id has history.
    Expansion,
}

/// Lineage facts for ratings, by (franchise id, first season): the 2002-03 New Orleans
/// Hornets were the Charlotte Hornets moved (NBA Stats files that history under Charlotte's
/// id), and the 2004-05 Charlotte Bobcats were an expansion team (under that same id).
/// FiveThirtyEight rates both this way.
pub const LINEAGE: &[(i64, i64, Entry)] = &[
    (1610612740, 2003, Entry::Inherit(1610612766)),
    (1610612766, 2005, Entry::Expansion),
];

/// The win probability for a rating edge (home edge including home court).
pub fn prob_from_diff(diff: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf(-diff / 400.0))
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct TeamElo {
    rating: f64,
    season: i64,
}

/// Every franchise's current rating. Cheap to clone (one entry per franchise).
#[derive(Debug, Clone)]
pub struct EloState {
    params: EloParams,
    teams: HashMap<i64, TeamElo>,
}

impl EloState {
    pub fn new(params: EloParams) -> EloState {
        EloState {
            params,
            teams: HashMap::new(),
        }
    }

    pub fn params(&self) -> &EloParams {
        &self.params
    }

    /// The rating `team` takes into a game of `season`: its last rating, regressed once if
    /// that was an earlier season; an expansion team's start; or an inherited rating.
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
            Some(t) => self.params.mean + self.params.carryover * (t.rating - self.params.mean),
            None => self.params.initial,
        }
    }

    /// Whether the team has played a rated game (or been seeded).
    pub fn knows(&self, team: i64) -> bool {
        self.teams.contains_key(&team)
    }

    /// Sets a team's rating for a season, e.g. for a team that joins from another league
    /// whose games are not in the data.
    pub fn seed(&mut self, team: i64, season: i64, rating: f64) {
        self.teams.insert(team, TeamElo { rating, season });
    }

    /// Home rating edge for the game, home court included (none on neutral sites).
    pub fn home_edge(&self, game: &GameInput) -> f64 {
        let hca = if game.neutral {
            0.0
        } else {
            self.params.home_advantage
        };
        self.rating(game.home_id, game.season) - self.rating(game.away_id, game.season) + hca
    }

    /// Home-win probability before the game.
    pub fn prob_home(&self, game: &GameInput) -> f64 {
        prob_from_diff(self.home_edge(game))
    }

    /// Applies a finished game; returns the points the home team gained (the away team
    /// loses as many). Games without a score change nothing and return `None`.
    pub fn update(&mut self, game: &GameInput) -> Option<f64> {
        let margin = game.home_margin()?;
        let edge = self.home_edge(game);
        let home = self.rating(game.home_id, game.season);
        let away = self.rating(game.away_id, game.season);
        let expected = prob_from_diff(edge);
        let (actual, winner_edge) = match margin {
            m if m > 0 => (1.0, edge),
            m if m < 0 => (0.0, -edge),
            _ => (0.5, 0.0),
        };
        let mov = margin.unsigned_abs() as f64;
        let multiplier = (mov + 3.0).powf(0.8) / (7.5 + 0.006 * winner_edge);
        let shift = self.params.k * multiplier * (actual - expected);
        let season = game.season;
        self.teams.insert(
            game.home_id,
            TeamElo {
                rating: home + shift,
                season,
            },
        );
        self.teams.insert(
            game.away_id,
            TeamElo {
                rating: away - shift,
                season,
            },
        );
        Some(shift)
    }
}

/// The lineage fact for a franchise entering a season, if any.
pub(crate) fn lineage(team: i64, season: i64) -> Option<Entry> {
    LINEAGE
        .iter()
        .find(|(t, s, _)| *t == team && *s == season)
        .map(|(_, _, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::test_game;

    #[test]
    fn equal_teams_at_home_match_538s_opening_probability() {
        // 538's first game (1946-11-01, both teams at 1300) has elo_prob1 0.6400649998028851.
        let state = EloState::new(EloParams::FIVETHIRTYEIGHT);
        let g = test_game("1946-11-01", 1, 2, None);
        assert!((state.prob_home(&g) - 0.6400649998028851).abs() < 1e-12);
    }

    #[test]
    fn a_win_moves_points_from_loser_to_winner_and_unplayed_games_change_nothing() {
        let mut state = EloState::new(EloParams::FIVETHIRTYEIGHT);
        assert_eq!(state.update(&test_game("2000-01-01", 1, 2, None)), None);
        assert!(!state.knows(1));
        let shift = state
            .update(&test_game("2000-01-02", 1, 2, Some((90, 100))))
            .unwrap();
        assert!(shift < 0.0);
        let (a, b) = (state.rating(1, 2000), state.rating(2, 2000));
        assert!((a + b - 2600.0).abs() < 1e-9);
        assert!(b > a);
    }

    #[test]
    fn ratings_regress_a_quarter_toward_1505_in_a_new_season() {
        let mut state = EloState::new(EloParams::FIVETHIRTYEIGHT);
        state.seed(7, 2015, 1705.0);
        assert_eq!(state.rating(7, 2015), 1705.0);
        assert!((state.rating(7, 2016) - 1655.0).abs() < 1e-9);
    }

    #[test]
    fn lineage_moves_charlotte_to_new_orleans_and_restarts_the_bobcats() {
        let mut state = EloState::new(EloParams::FIVETHIRTYEIGHT);
        state.seed(1610612766, 2002, 1545.0);
        assert!((state.rating(1610612740, 2003) - 1535.0).abs() < 1e-9);
        assert_eq!(state.rating(1610612766, 2005), 1300.0);
    }
}
