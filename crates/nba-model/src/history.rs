//! What the features need to remember about each team's recent games: dates and places of
//! the last games, recent margins, and season-to-date totals. Updated with finished games
//! only; read for games in the future.

use std::collections::VecDeque;

use chrono::NaiveDate;

use crate::arenas::{self, Place};
use crate::game::GameInput;

/// Games remembered for the "games in the last 7 days" count (a team never plays more).
const DATES_KEPT: usize = 8;

/// One team's recent past, as of its last finished game.
#[derive(Debug, Clone, Default)]
pub struct TeamHistory {
    season: i64,
    last_date: Option<NaiveDate>,
    /// Where the last game was played; `None` on a neutral site.
    last_place: Option<Place>,
    dates: VecDeque<NaiveDate>,
    /// This season's most recent margins, newest last.
    margins: VecDeque<i64>,
    season_games: u32,
    season_margin: i64,
}

/// A team's schedule and form facts for one upcoming game.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamFacts {
    /// Full days off since the last game of the season (0 = back-to-back), capped.
    pub rest: f64,
    pub back_to_back: bool,
    /// Games in the seven days before this one.
    pub games_7d: f64,
    /// Kilometres from the last game's place (or home, for a season opener) to this one;
    /// 0 when either place is unknown (neutral sites).
    pub travel_km: f64,
    /// Mean margin over the last `form_games` games this season (0 before any).
    pub form: f64,
    /// Season-to-date margin per game, shrunk toward 0 by `shrink` pseudo-games.
    pub season_margin: f64,
    /// Games played this season.
    pub games: f64,
}

/// Where a game is played: the home team's arena, unknown on neutral sites.
pub fn place_of(game: &GameInput) -> Option<Place> {
    if game.neutral {
        None
    } else {
        arenas::home_of(game.home_id, game.season)
    }
}

impl TeamHistory {
    /// Facts for `team` playing `game`, from games before it only.
    pub fn facts(
        &self,
        team: i64,
        game: &GameInput,
        rest_cap: f64,
        form_games: usize,
        shrink: f64,
    ) -> TeamFacts {
        let same_season = self.season == game.season && self.last_date.is_some();
        let days = self
            .last_date
            .filter(|_| same_season)
            .map(|d| (game.date - d).num_days());
        let rest = days.map_or(rest_cap, |d| ((d - 1) as f64).clamp(0.0, rest_cap));
        let from = if same_season {
            self.last_place
        } else {
            arenas::home_of(team, game.season)
        };
        let travel_km = match (from, place_of(game)) {
            (Some(a), Some(b)) => arenas::distance_km(a, b),
            _ => 0.0,
        };
        let week_start = game.date - chrono::Duration::days(7);
        let games_7d = self
            .dates
            .iter()
            .filter(|d| **d >= week_start && **d < game.date)
            .count() as f64;
        let (form, season_margin, games) = if same_season {
            let recent: Vec<i64> = self
                .margins
                .iter()
                .rev()
                .take(form_games)
                .copied()
                .collect();
            let form = if recent.is_empty() {
                0.0
            } else {
                recent.iter().sum::<i64>() as f64 / recent.len() as f64
            };
            let n = self.season_games as f64;
            (form, self.season_margin as f64 / (n + shrink), n)
        } else {
            (0.0, 0.0, 0.0)
        };
        TeamFacts {
            rest,
            back_to_back: days == Some(1),
            games_7d,
            travel_km,
            form,
            season_margin,
            games,
        }
    }

    /// Records a finished game with this team's margin.
    pub fn record(&mut self, game: &GameInput, margin: i64, form_games: usize) {
        if self.season != game.season {
            self.season = game.season;
            self.margins.clear();
            self.season_games = 0;
            self.season_margin = 0;
        }
        self.last_date = Some(game.date);
        self.last_place = place_of(game);
        self.dates.push_back(game.date);
        if self.dates.len() > DATES_KEPT {
            self.dates.pop_front();
        }
        self.margins.push_back(margin);
        if self.margins.len() > form_games.max(1) {
            self.margins.pop_front();
        }
        self.season_games += 1;
        self.season_margin += margin;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::test_game;

    const CELTICS: i64 = 1610612738;
    const LAKERS: i64 = 1610612747;

    #[test]
    fn back_to_back_after_a_trip_from_boston_to_los_angeles() {
        let mut h = TeamHistory::default();
        let g1 = test_game("2016-01-01", CELTICS, LAKERS, Some((100, 90)));
        let fresh = h.facts(LAKERS, &g1, 3.0, 10, 5.0);
        assert_eq!(fresh.rest, 3.0);
        assert!(!fresh.back_to_back);
        // The Lakers' opener is in Boston: they flew from Los Angeles.
        assert!(fresh.travel_km > 4000.0);
        h.record(&g1, -10, 10);
        let g2 = test_game("2016-01-02", LAKERS, CELTICS, None);
        let f = h.facts(LAKERS, &g2, 3.0, 10, 5.0);
        assert_eq!(f.rest, 0.0);
        assert!(f.back_to_back);
        assert_eq!(f.games_7d, 1.0);
        assert!(f.travel_km > 4000.0);
        assert_eq!(f.form, -10.0);
        assert!((f.season_margin - (-10.0 / 6.0)).abs() < 1e-12);
    }
}
