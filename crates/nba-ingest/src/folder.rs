//! The shared data folder's layout: which file holds what, and the order they load in.

use std::path::{Path, PathBuf};

use crate::Format;

/// The files of the shared data folder, in load order: teams and players first, then games
/// from FiveThirtyEight, then NBA Stats logs that attach to those games, then box scores.
pub fn files(dir: &Path) -> Vec<(Format, PathBuf)> {
    let mut out = vec![
        (Format::Teams, dir.join("nba_api/teams.csv")),
        (Format::Teams, dir.join("nba_stats/teams_2025_26.csv")),
        (Format::Players, dir.join("nba_api/players.csv")),
        (Format::Players, dir.join("nba_stats/players.csv.gz")),
        (
            Format::FiveThirtyEight,
            dir.join("fivethirtyeight/games_1947_2022.csv.gz"),
        ),
    ];
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join("nba_stats/team_game_logs"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("log-"))
                })
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    out.extend(logs.into_iter().map(|p| (Format::NbaStatsTeamLogs, p)));
    out.extend([
        (
            Format::NbaStatsTeamLogs,
            dir.join("nba_stats/team_game_logs_2024_2026.csv.gz"),
        ),
        (
            Format::NbaStatsTeamLogs,
            dir.join("nba_stats/playoffs_team_totals_2011_2022.csv.gz"),
        ),
        (
            Format::Schedule,
            dir.join("nba_stats/schedule_2024_2026.csv.gz"),
        ),
        (
            Format::NbaStatsPlayerLogs,
            dir.join("nba_stats/playoffs_player_box_2011_2022.csv.gz"),
        ),
        (
            Format::NbaStatsPlayerLogs,
            dir.join("nba_stats/player_game_logs_2024_2026.csv.gz"),
        ),
    ]);
    out
}
