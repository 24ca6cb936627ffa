//! Shared helpers of the real-data tests: the data folder (`NBA_MCP_DATA_DIR`, default
//! `../shared/data` next to the workspace), parsing, and the big files parsed at most once
//! per test binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use nba_ingest::{
    parse_file, Format, GameRow, ParseOptions, ParseOutput, Parsed, PlayerBoxRow, TeamGameRow,
};

pub fn data_dir() -> PathBuf {
    let dir = std::env::var("NBA_MCP_DATA_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string()
    });
    let p = PathBuf::from(&dir);
    assert!(
        p.is_dir(),
        "NBA data folder not found at '{dir}': set NBA_MCP_DATA_DIR to the shared data folder"
    );
    p
}

pub fn parse(format: Format, rel: &str) -> ParseOutput {
    let path = data_dir().join(rel);
    parse_file(format, &path, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{rel}: {e} ({})", e.code()))
}

macro_rules! cached {
    ($name:ident, $format:expr, $rel:expr) => {
        pub fn $name() -> &'static ParseOutput {
            static CELL: OnceLock<ParseOutput> = OnceLock::new();
            CELL.get_or_init(|| parse($format, $rel))
        }
    };
}

cached!(
    games,
    Format::FiveThirtyEight,
    "fivethirtyeight/games_1947_2022.csv.gz"
);
cached!(
    team_logs_hoopr,
    Format::NbaStatsTeamLogs,
    "nba_stats/team_game_logs_2024_2026.csv.gz"
);
cached!(
    player_logs_hoopr,
    Format::NbaStatsPlayerLogs,
    "nba_stats/player_game_logs_2024_2026.csv.gz"
);
cached!(
    schedule,
    Format::Schedule,
    "nba_stats/schedule_2024_2026.csv.gz"
);

pub fn game_rows(o: &ParseOutput) -> &[GameRow] {
    match &o.parsed {
        Parsed::Games(v) => v,
        p => panic!("{}: expected games, got {} other rows", o.file, p.len()),
    }
}

pub fn team_games(o: &ParseOutput) -> &[TeamGameRow] {
    match &o.parsed {
        Parsed::TeamGames(v) => v,
        p => panic!(
            "{}: expected team games, got {} other rows",
            o.file,
            p.len()
        ),
    }
}

pub fn player_rows(o: &ParseOutput) -> &[PlayerBoxRow] {
    match &o.parsed {
        Parsed::PlayerBoxes(v) => v,
        p => panic!(
            "{}: expected player rows, got {} other rows",
            o.file,
            p.len()
        ),
    }
}

pub fn manifest_sha(rel: &str) -> String {
    let m = std::fs::read_to_string(data_dir().join("MANIFEST.sha256")).unwrap();
    m.lines()
        .find_map(|l| {
            l.split_once("  ")
                .filter(|(_, p)| *p == rel)
                .map(|(h, _)| h.to_string())
        })
        .unwrap_or_else(|| panic!("{rel} not in MANIFEST.sha256"))
}
