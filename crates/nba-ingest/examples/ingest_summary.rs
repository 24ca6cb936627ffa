//! Parses every known file of the shared data folder and prints layout, rows, notes and
//! timings: `cargo run --release -p nba-ingest --example ingest_summary [DATA_DIR]`
//! (default: `NBA_MCP_DATA_DIR`, else `../shared/data` next to the workspace).

use std::path::PathBuf;
use std::time::Instant;

use nba_ingest::{parse_file, Format, ParseOptions};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("NBA_MCP_DATA_DIR").ok())
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into());
    let dir = PathBuf::from(dir);
    let mut files: Vec<(Format, String)> = vec![
        (
            Format::FiveThirtyEight,
            "fivethirtyeight/games_1947_2022.csv.gz".into(),
        ),
        (
            Format::FiveThirtyEight,
            "fivethirtyeight/benchmark_2015_2022.csv".into(),
        ),
        (
            Format::FiveThirtyEight,
            "fivethirtyeight/nba_elo_latest_2021.csv".into(),
        ),
        (
            Format::FiveThirtyEight,
            "fivethirtyeight/nba_elo_latest_2022.csv".into(),
        ),
        (
            Format::NbaStatsTeamLogs,
            "nba_stats/team_game_logs_2024_2026.csv.gz".into(),
        ),
        (
            Format::NbaStatsTeamLogs,
            "nba_stats/playoffs_team_totals_2011_2022.csv.gz".into(),
        ),
        (
            Format::NbaStatsPlayerLogs,
            "nba_stats/player_game_logs_2024_2026.csv.gz".into(),
        ),
        (
            Format::NbaStatsPlayerLogs,
            "nba_stats/playoffs_player_box_2011_2022.csv.gz".into(),
        ),
        (
            Format::Schedule,
            "nba_stats/schedule_2024_2026.csv.gz".into(),
        ),
        (Format::Players, "nba_api/players.csv".into()),
        (Format::Players, "nba_stats/players.csv.gz".into()),
        (Format::Teams, "nba_api/teams.csv".into()),
        (Format::Teams, "nba_stats/teams_2025_26.csv".into()),
    ];
    for y in 1951..=2019 {
        files.push((
            Format::NbaStatsTeamLogs,
            format!("nba_stats/team_game_logs/log-{y}.csv.gz"),
        ));
    }
    let all = Instant::now();
    for (format, rel) in files {
        let t = Instant::now();
        match parse_file(format, &dir.join(&rel), &ParseOptions::default()) {
            Ok(o) => {
                let ms = t.elapsed().as_secs_f64() * 1e3;
                println!(
                    "{rel}: {} -> {} rows of {} read, {} skipped, {ms:.1} ms",
                    o.layout,
                    o.parsed.len(),
                    o.rows_read,
                    o.skipped.len()
                );
                for n in &o.notes {
                    println!("    note: {n}");
                }
            }
            Err(e) => println!("{rel}: ERROR [{}] {e}", e.code()),
        }
    }
    println!("total {:.2} s", all.elapsed().as_secs_f64());
}
