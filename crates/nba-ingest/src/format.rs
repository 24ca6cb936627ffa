//! The source formats, parse options and what a parse returns.

use std::fmt;
use std::str::FromStr;

use crate::{IngestError, Parsed, RowError};

/// A family of source files. Each format knows one or more header layouts, told apart by
/// the header (never by the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// FiveThirtyEight game files: `games_1947_2022`, `benchmark_2015_2022`, `nba_elo_latest`.
    FiveThirtyEight,
    /// NBA Stats team game logs (lawlers-law, hoopR, NocturneBear playoff totals).
    NbaStatsTeamLogs,
    /// NBA Stats player game logs (hoopR, NocturneBear playoff box scores).
    NbaStatsPlayerLogs,
    /// Player lists (nba_api `players.csv`, hoopR `players.csv.gz`).
    Players,
    /// Team lists (nba_api `teams.csv`, hoopR `teams_2025_26.csv`).
    Teams,
    /// NBA Stats schedule (hoopR `schedule_2024_2026.csv.gz`).
    Schedule,
}

const ALL: [Format; 6] = [
    Format::FiveThirtyEight,
    Format::NbaStatsTeamLogs,
    Format::NbaStatsPlayerLogs,
    Format::Players,
    Format::Teams,
    Format::Schedule,
];

impl Format {
    /// The stable name used on the command line and in tool arguments.
    pub fn name(&self) -> &'static str {
        match self {
            Format::FiveThirtyEight => "fivethirtyeight",
            Format::NbaStatsTeamLogs => "nba-stats-team-logs",
            Format::NbaStatsPlayerLogs => "nba-stats-player-logs",
            Format::Players => "players",
            Format::Teams => "teams",
            Format::Schedule => "nba-stats-schedule",
        }
    }

    /// The format of a name (case-insensitive; `_` accepted for `-`).
    pub fn from_name(name: &str) -> Result<Format, IngestError> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        ALL.iter()
            .copied()
            .find(|f| f.name() == n)
            .ok_or_else(|| IngestError::UnknownFormat(name.to_string()))
    }

    pub fn all() -> &'static [Format] {
        &ALL
    }

    /// The layout names this format recognises.
    pub fn layouts(&self) -> Vec<&'static str> {
        crate::layouts_of(*self).iter().map(|l| l.name).collect()
    }

    pub(crate) fn all_names() -> String {
        ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = IngestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::from_name(s)
    }
}

/// How to treat bad rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Collect bad rows in [`ParseOutput::skipped`] instead of failing on the first one.
    pub skip_invalid: bool,
}

/// Everything a parse returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOutput {
    pub parsed: Parsed,
    /// The header layout detected, e.g. `"538 games_1947_2022"`.
    pub layout: &'static str,
    /// Data records read (the header and blank lines not counted).
    pub rows_read: u64,
    /// Rows rejected (only with `skip_invalid`).
    pub skipped: Vec<RowError>,
    /// Rows deliberately not loaded, counted with the reason (e.g. "2 rows: cancelled game
    /// 0021201214 (0-0)"), and other facts worth telling about the file.
    pub notes: Vec<String>,
    /// Lower-case hex sha256 of the raw file bytes (compressed, as stored).
    pub sha256: String,
    /// The file label given (the path for [`crate::parse_file`]).
    pub file: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::all() {
            assert_eq!(Format::from_name(f.name()).unwrap(), *f);
            assert_eq!(f.to_string().parse::<Format>().unwrap(), *f);
            assert!(!f.layouts().is_empty());
        }
        assert_eq!(
            Format::from_name("NBA_Stats_Team_Logs").unwrap(),
            Format::NbaStatsTeamLogs
        );
        let e = Format::from_name("elo").unwrap_err();
        assert_eq!(e.code(), "unknown_format");
        assert!(e.to_string().contains("nba-stats-player-logs"));
    }
}
