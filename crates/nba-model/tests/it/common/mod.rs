//! Shared helpers for the integration tests: the data folder and the 538 game file.

#![allow(dead_code)]

use std::path::PathBuf;

use nba_ingest::{Format, GameRow, Parsed};
use nba_model::GameInput;

/// `NBA_MCP_DATA_DIR`, or `shared/data` beside the repository.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    assert!(
        dir.join("fivethirtyeight").is_dir(),
        "NBA data not found at {} (set NBA_MCP_DATA_DIR to the shared data folder)",
        dir.display()
    );
    dir
}

/// Every game of 538's file, in date order (stable, so file order within a day).
pub fn fte_games() -> Vec<GameRow> {
    let path = data_dir().join("fivethirtyeight/games_1947_2022.csv.gz");
    let out = nba_ingest::parse_file(Format::FiveThirtyEight, &path, &Default::default())
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
    let Parsed::Games(mut rows) = out.parsed else {
        panic!("{} did not parse as games", path.display());
    };
    rows.sort_by_key(|r| r.date);
    rows
}

pub fn input(r: &GameRow) -> GameInput {
    GameInput {
        date: r.date,
        season: r.season.end_year() as i64,
        stage: r.stage,
        neutral: r.neutral,
        home_id: r.home_id,
        away_id: r.away_id,
        home_score: r.home_score.map(i64::from),
        away_score: r.away_score.map(i64::from),
    }
}
