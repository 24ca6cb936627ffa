//! Parses the real data files of the shared data folder and checks known facts about each.
//! The folder comes from `NBA_MCP_DATA_DIR` (default `../shared/data` next to the workspace).

use crate::common;

use std::collections::HashSet;

use common::*;
use nba_domain::Stage;
use nba_ingest::{parse_file, parse_reader, Format, GameRow, ParseOptions, Parsed};

const GSW: i64 = 1610612744;
const CHI: i64 = 1610612741;

/// Regular-season (wins, losses) of a franchise in a season (end year).
fn record(games: &[GameRow], team: i64, end_year: u16) -> (u32, u32) {
    let (mut w, mut l) = (0, 0);
    for g in games
        .iter()
        .filter(|g| g.season.end_year() == end_year && g.stage == Stage::Regular)
    {
        let (Some(h), Some(a)) = (g.home_score, g.away_score) else {
            continue;
        };
        if g.home_id == team {
            if h > a {
                w += 1
            } else {
                l += 1
            }
        } else if g.away_id == team {
            if a > h {
                w += 1
            } else {
                l += 1
            }
        }
    }
    (w, l)
}

#[test]
fn games_1947_2022_facts() {
    let o = games();
    assert_eq!(o.layout, "538 games_1947_2022");
    let g = game_rows(o);
    assert_eq!(g.len(), 67_894);
    assert_eq!(o.rows_read, 67_894);
    assert!(o.notes.is_empty() && o.skipped.is_empty(), "{:?}", o.notes);
    assert!(g.iter().all(|g| g.home_score.is_some() && g.fte.is_some()));
    assert_eq!(record(g, GSW, 2016), (73, 9));
    assert_eq!(record(g, CHI, 1996), (72, 10));
    let count = |y: u16, s: Stage| {
        g.iter()
            .filter(|g| g.season.end_year() == y && g.stage == s)
            .count()
    };
    assert_eq!(count(2013, Stage::Regular), 1229);
    assert_eq!(
        (count(2021, Stage::PlayIn), count(2021, Stage::Playoffs)),
        (6, 85)
    );
    assert_eq!(
        count(1947, Stage::Regular) + count(1947, Stage::Playoffs),
        350
    );
    let main = g
        .iter()
        .filter(|g| g.fte.as_ref().unwrap().main_prob_home.is_some());
    assert!(main.clone().all(|g| g.season.end_year() >= 2016));
    assert_eq!(
        o.sha256,
        manifest_sha("fivethirtyeight/games_1947_2022.csv.gz")
    );
}

#[test]
fn elo_latest_and_benchmark() {
    let o = parse(
        Format::FiveThirtyEight,
        "fivethirtyeight/nba_elo_latest_2022.csv",
    );
    assert_eq!(o.layout, "538 nba_elo_latest");
    let g = game_rows(&o);
    assert_eq!(g.len(), 1_324);
    assert_eq!(g.iter().filter(|g| g.home_score.is_none()).count(), 6);
    assert_eq!(g.iter().filter(|g| g.stage == Stage::PlayIn).count(), 6);
    assert!(g
        .iter()
        .all(|g| g.fte.as_ref().unwrap().main_prob_home.is_none()));
    let o = parse(
        Format::FiveThirtyEight,
        "fivethirtyeight/nba_elo_latest_2021.csv",
    );
    let g = game_rows(&o);
    assert_eq!(
        (g.len(), g.iter().filter(|g| g.home_score.is_none()).count()),
        (1_139, 27)
    );
    let o = parse(
        Format::FiveThirtyEight,
        "fivethirtyeight/benchmark_2015_2022.csv",
    );
    assert_eq!(o.layout, "538 benchmark_2015_2022");
    assert_eq!(game_rows(&o).len(), 10_197);
}

#[test]
fn lawlers_law_logs() {
    let o = parse(
        Format::NbaStatsTeamLogs,
        "nba_stats/team_game_logs/log-2016.csv.gz",
    );
    assert_eq!(o.layout, "lawlers-law LeagueGameLog");
    assert_eq!(team_games(&o).len(), 1_230);
    let o = parse(
        Format::NbaStatsTeamLogs,
        "nba_stats/team_game_logs/log-2013.csv.gz",
    );
    assert_eq!(team_games(&o).len(), 1_229);
    assert_eq!(o.notes, ["2 rows: cancelled game 0021201214 (0-0)"]);
}

#[test]
fn hoopr_team_logs() {
    let o = team_logs_hoopr();
    assert_eq!(o.layout, "hoopR team logs");
    let g = team_games(o);
    assert_eq!(g.len(), 3_258);
    let per = |y: u16| g.iter().filter(|g| g.season.end_year() == y).count();
    assert_eq!((per(2024), per(2025), per(2026)), (1_230, 1_230, 798));
    assert!(g.iter().all(|g| g.stage == Stage::Regular));
    assert!(o.notes.is_empty(), "{:?}", o.notes);
}

#[test]
fn player_and_team_lists() {
    let cases = [
        (
            Format::Players,
            "nba_api/players.csv",
            "nba_api players",
            5_198,
        ),
        (
            Format::Players,
            "nba_stats/players.csv.gz",
            "hoopR players",
            5_107,
        ),
        (Format::Teams, "nba_api/teams.csv", "nba_api teams", 30),
        (
            Format::Teams,
            "nba_stats/teams_2025_26.csv",
            "hoopR teams",
            30,
        ),
    ];
    for (f, rel, layout, n) in cases {
        let o = parse(f, rel);
        assert_eq!((o.layout, o.parsed.len()), (layout, n), "{rel}");
        assert_eq!(o.sha256, manifest_sha(rel), "{rel}");
    }
    let o = parse(Format::Players, "nba_stats/players.csv.gz");
    let Parsed::Players(p) = &o.parsed else {
        unreachable!()
    };
    let ids: HashSet<i64> = p.iter().map(|p| p.person_id).collect();
    assert_eq!(ids.len(), p.len());
}

#[test]
fn corrupted_copy_reports_line_and_column() {
    let raw = std::fs::read(data_dir().join("fivethirtyeight/games_1947_2022.csv.gz")).unwrap();
    let text = nba_ingest::reader::decompress("x", &raw)
        .unwrap()
        .into_owned();
    let mut lines: Vec<String> = String::from_utf8(text)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // Line 1000 (header = line 1): replace score1 (7th column) with a bad value.
    let mut cells: Vec<&str> = lines[999].split(',').collect();
    cells[6] = "1O2";
    lines[999] = cells.join(",");
    let bad = lines.join("\n") + "\n";
    let e = parse_reader(
        Format::FiveThirtyEight,
        "bad.csv",
        bad.as_bytes(),
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_row");
    assert_eq!(
        e.to_string(),
        "bad.csv:1000: column 'score1': invalid integer '1O2'"
    );
    let opts = ParseOptions { skip_invalid: true };
    let o = parse_reader(Format::FiveThirtyEight, "bad.csv", bad.as_bytes(), &opts).unwrap();
    assert_eq!(o.parsed.len(), 67_893);
    assert_eq!(o.skipped.len(), 1);
    assert_eq!(o.skipped[0].line, 1000);
}

#[test]
fn unknown_header_is_unknown_layout() {
    let path = data_dir().join("fivethirtyeight/raptor/modern_RAPTOR_by_team.csv.gz");
    let e = parse_file(Format::FiveThirtyEight, &path, &ParseOptions::default()).unwrap_err();
    assert_eq!(e.code(), "unknown_layout");
    assert!(e.to_string().contains("player_name"), "{e}");
    let path = data_dir().join("nba_api/teams.csv");
    let e = parse_file(Format::Schedule, &path, &ParseOptions::default()).unwrap_err();
    assert_eq!(e.code(), "unknown_layout");
    let e = parse_file(
        Format::Teams,
        &data_dir().join("missing.csv"),
        &ParseOptions::default(),
    );
    assert_eq!(e.unwrap_err().code(), "io");
}
