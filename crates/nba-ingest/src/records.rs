//! Rows as parsed from source files, with teams already resolved to franchise ids. The store
//! turns these into games, box scores and players; parsers never touch the store.

use chrono::NaiveDate;
use nba_domain::{Season, Stage};

/// Where a row came from, for error messages and provenance.
pub type Line = u64;

/// FiveThirtyEight's published pre-game numbers for a game (CC BY 4.0, FiveThirtyEight).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FteForecast {
    pub elo_home_pre: Option<f64>,
    pub elo_away_pre: Option<f64>,
    pub elo_prob_home: Option<f64>,
    pub raptor_prob_home: Option<f64>,
    pub main_prob_home: Option<f64>,
    pub main_model: Option<String>,
}

/// One game as a schedule or results source reports it. Scores are `None` for games not
/// yet played. `home` is 538's `team1`, which on neutral sites is simply the first team.
#[derive(Debug, Clone, PartialEq)]
pub struct GameRow {
    pub line: Line,
    pub season: Season,
    pub date: NaiveDate,
    pub stage: Stage,
    pub neutral: bool,
    pub home_id: i64,
    pub away_id: i64,
    pub home_score: Option<i32>,
    pub away_score: Option<i32>,
    /// NBA Stats game id (`0021500003`), when the source has one.
    pub nba_game_id: Option<String>,
    pub fte: Option<FteForecast>,
}

/// Box-score totals of one team in one game. Early seasons lack many columns: `None` means
/// "not recorded", never zero.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoxLine {
    pub minutes: Option<f64>,
    pub fgm: Option<i32>,
    pub fga: Option<i32>,
    pub fg3m: Option<i32>,
    pub fg3a: Option<i32>,
    pub ftm: Option<i32>,
    pub fta: Option<i32>,
    pub oreb: Option<i32>,
    pub dreb: Option<i32>,
    pub reb: Option<i32>,
    pub ast: Option<i32>,
    pub stl: Option<i32>,
    pub blk: Option<i32>,
    pub tov: Option<i32>,
    pub pf: Option<i32>,
    pub pts: i32,
    pub plus_minus: Option<f64>,
}

/// Both teams' box lines for one game, paired from a team game log (two rows per game).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamGameRow {
    /// Line of the first of the two rows.
    pub line: Line,
    pub nba_game_id: String,
    pub season: Season,
    pub date: NaiveDate,
    pub stage: Stage,
    pub home_id: i64,
    pub away_id: i64,
    pub home: BoxLine,
    pub away: BoxLine,
}

/// One player's line in one game.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerBoxRow {
    pub line: Line,
    pub nba_game_id: String,
    pub season: Season,
    /// Present in some layouts only (hoopR player logs carry no date).
    pub date: Option<NaiveDate>,
    pub stage: Stage,
    pub team_id: i64,
    /// Home and away team ids when the layout has them.
    pub home_id: Option<i64>,
    pub away_id: Option<i64>,
    pub person_id: i64,
    pub player_name: String,
    pub position: Option<String>,
    /// Why the player did not play (DNP reason), when given.
    pub comment: Option<String>,
    /// `minutes` is `None` for players who did not play.
    pub stats: BoxLine,
}

/// A player from a player list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlayerRow {
    pub line: Line,
    pub person_id: i64,
    pub full_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    pub position: Option<String>,
    pub height: Option<String>,
    pub weight: Option<i32>,
    pub college: Option<String>,
    pub country: Option<String>,
    pub draft_year: Option<i32>,
    pub draft_round: Option<i32>,
    pub draft_number: Option<i32>,
    pub team_id: Option<i64>,
}

/// A team from a team list (current franchises).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TeamRow {
    pub line: Line,
    pub team_id: i64,
    pub abbreviation: String,
    pub city: String,
    pub nickname: String,
    pub full_name: String,
    pub conference: Option<String>,
    pub division: Option<String>,
    pub year_founded: Option<i32>,
    pub state: Option<String>,
    pub championship_years: Option<Vec<i32>>,
    pub color: Option<String>,
}

/// Everything one file yielded.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Games(Vec<GameRow>),
    TeamGames(Vec<TeamGameRow>),
    PlayerBoxes(Vec<PlayerBoxRow>),
    Players(Vec<PlayerRow>),
    Teams(Vec<TeamRow>),
}

impl Parsed {
    pub fn len(&self) -> usize {
        match self {
            Parsed::Games(v) => v.len(),
            Parsed::TeamGames(v) => v.len(),
            Parsed::PlayerBoxes(v) => v.len(),
            Parsed::Players(v) => v.len(),
            Parsed::Teams(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
