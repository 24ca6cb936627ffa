//! The plain game record the model reads: no database types, so the model can be fed from
//! the store, a file or a test fixture alike.

use chrono::NaiveDate;
pub use nba_domain::Stage;

/// One game as the model sees it. `home_id` is the home team (on neutral sites simply the
/// first team listed); scores are `None` for games not yet played.
#[derive(Debug, Clone, PartialEq)]
pub struct GameInput {
    pub date: NaiveDate,
    /// Season by the year it ends (2016 = 2015-16).
    pub season: i64,
    pub stage: Stage,
    pub neutral: bool,
    pub home_id: i64,
    pub away_id: i64,
    pub home_score: Option<i64>,
    pub away_score: Option<i64>,
}

impl GameInput {
    /// Home points minus away points, for finished games.
    pub fn home_margin(&self) -> Option<i64> {
        Some(self.home_score? - self.away_score?)
    }

    /// Whether the home team won; `None` for games not played (or, never in the NBA, tied).
    pub fn home_won(&self) -> Option<bool> {
        match self.home_margin()? {
            0 => None,
            m => Some(m > 0),
        }
    }

    pub fn is_final(&self) -> bool {
        self.home_score.is_some() && self.away_score.is_some()
    }
}

#[cfg(test)]
pub(crate) fn test_game(date: &str, home: i64, away: i64, score: Option<(i64, i64)>) -> GameInput {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("test date");
    GameInput {
        date,
        season: nba_domain::Season::of_date(date).end_year() as i64,
        stage: Stage::Regular,
        neutral: false,
        home_id: home,
        away_id: away,
        home_score: score.map(|s| s.0),
        away_score: score.map(|s| s.1),
    }
}
