//! Write shapes of the tables loads touch (see `rows.rs`).

use crate::rows::{Kind::*, Table};

pub(crate) const GAMES: Table = Table {
    name: "games",
    key: &[("id", S)],
    cols: &[
        ("season", I),
        ("date", S),
        ("stage", S),
        ("neutral", I),
        ("home_id", I),
        ("away_id", I),
        ("home_score", I),
        ("away_score", I),
        ("nba_game_id", S),
        ("primary_source", S),
        ("data_source", S),
        ("fte_elo_home_pre", F),
        ("fte_elo_away_pre", F),
        ("fte_elo_prob_home", F),
        ("fte_raptor_prob_home", F),
        ("fte_main_prob_home", F),
        ("fte_main_model", S),
    ],
};

/// Column positions in `GAMES.cols`.
pub(crate) mod g {
    pub const SEASON: usize = 0;
    pub const DATE: usize = 1;
    pub const HOME: usize = 4;
    pub const AWAY: usize = 5;
    pub const HOME_SCORE: usize = 6;
    pub const AWAY_SCORE: usize = 7;
    pub const NBA_ID: usize = 8;
    pub const PRIMARY: usize = 9;
    pub const FTE_FIRST: usize = 11;
}

pub(crate) const GAME_SOURCES: Table = Table {
    name: "game_sources",
    key: &[("source", S), ("source_key", S)],
    cols: &[
        ("game_id", S),
        ("date", S),
        ("home_id", I),
        ("away_id", I),
        ("home_score", I),
        ("away_score", I),
        ("run_id", I),
    ],
};

const BOX_COLS: [(&str, crate::rows::Kind); 17] = [
    ("minutes", F),
    ("fgm", I),
    ("fga", I),
    ("fg3m", I),
    ("fg3a", I),
    ("ftm", I),
    ("fta", I),
    ("oreb", I),
    ("dreb", I),
    ("reb", I),
    ("ast", I),
    ("stl", I),
    ("blk", I),
    ("tov", I),
    ("pf", I),
    ("pts", I),
    ("plus_minus", F),
];

pub(crate) const TEAM_BOX: Table = Table {
    name: "team_box",
    key: &[("game_id", S), ("team_id", I)],
    cols: &[
        ("is_home", I),
        ("source", S),
        BOX_COLS[0],
        BOX_COLS[1],
        BOX_COLS[2],
        BOX_COLS[3],
        BOX_COLS[4],
        BOX_COLS[5],
        BOX_COLS[6],
        BOX_COLS[7],
        BOX_COLS[8],
        BOX_COLS[9],
        BOX_COLS[10],
        BOX_COLS[11],
        BOX_COLS[12],
        BOX_COLS[13],
        BOX_COLS[14],
        BOX_COLS[15],
        BOX_COLS[16],
    ],
};

pub(crate) const PLAYER_BOX: Table = Table {
    name: "player_box",
    key: &[("game_id", S), ("person_id", I)],
    cols: &[
        ("team_id", I),
        ("season", I),
        ("stage", S),
        ("player_name", S),
        ("position", S),
        ("comment", S),
        ("source", S),
        BOX_COLS[0],
        BOX_COLS[1],
        BOX_COLS[2],
        BOX_COLS[3],
        BOX_COLS[4],
        BOX_COLS[5],
        BOX_COLS[6],
        BOX_COLS[7],
        BOX_COLS[8],
        BOX_COLS[9],
        BOX_COLS[10],
        BOX_COLS[11],
        BOX_COLS[12],
        BOX_COLS[13],
        BOX_COLS[14],
        BOX_COLS[15],
        BOX_COLS[16],
    ],
};

pub(crate) const PLAYERS: Table = Table {
    name: "players",
    key: &[("id", I)],
    cols: &[
        ("full_name", S),
        ("search_name", S),
        ("first_name", S),
        ("last_name", S),
        ("is_active", I),
        ("from_year", I),
        ("to_year", I),
        ("position", S),
        ("height", S),
        ("weight", I),
        ("college", S),
        ("country", S),
        ("draft_year", I),
        ("draft_round", I),
        ("draft_number", I),
        ("team_id", I),
    ],
};

pub(crate) const FRANCHISES: Table = Table {
    name: "franchises",
    key: &[("id", I)],
    cols: &[
        ("abbr", S),
        ("city", S),
        ("nickname", S),
        ("full_name", S),
        ("conference", S),
        ("division", S),
        ("year_founded", I),
        ("state", S),
        ("championships", S),
        ("color", S),
    ],
};
