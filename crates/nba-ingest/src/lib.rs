//! Parsers for the NBA data files we load: FiveThirtyEight game files, NBA Stats team and
//! player game logs, schedules, and player and team lists.
//!
//! Each [`Format`] knows several header layouts, told apart by the header. A parse returns
//! typed rows ([`Parsed`]) with teams already resolved to franchise ids through
//! `nba_domain::franchises`, the layout detected, the sha256 of the raw bytes, counted
//! notes about rows deliberately left out (All-Star games, cancelled games, placeholders),
//! and, with [`ParseOptions::skip_invalid`], the rows rejected. Without it the first bad row
//! aborts with [`IngestError::Row`], naming the file, the 1-based line and the column.
//! Gzip input is recognised by its magic bytes. Parsers never touch the store.

mod common;
pub mod error;
mod fields;
pub mod fivethirtyeight;
pub mod folder;
pub mod format;
pub mod player_logs;
pub mod players;
pub mod reader;
pub mod records;
pub mod schedule;
pub mod team_logs;
mod team_pairs;
pub mod teams;

use std::path::Path;

pub use error::{IngestError, RowError};
pub use format::{Format, ParseOptions, ParseOutput};
pub use records::{
    BoxLine, FteForecast, GameRow, Line, Parsed, PlayerBoxRow, PlayerRow, TeamGameRow, TeamRow,
};

use common::Sink;
use reader::{Layout, Table};

/// Reads and parses a file (plain CSV or gzip) in the given format.
pub fn parse_file(
    format: Format,
    path: &Path,
    opts: &ParseOptions,
) -> Result<ParseOutput, IngestError> {
    let bytes = reader::read_path(path)?;
    parse_reader(format, &path.display().to_string(), &bytes, opts)
}

/// Parses the raw bytes of a file; `file_label` names it in messages. Gzip is detected by
/// its magic bytes (`1f 8b`), not by a name.
pub fn parse_reader(
    format: Format,
    file_label: &str,
    bytes: &[u8],
    opts: &ParseOptions,
) -> Result<ParseOutput, IngestError> {
    let sha256 = reader::sha256_hex(bytes);
    let data = reader::decompress(file_label, bytes)?;
    let table = Table::open(file_label, &data)?;
    let mut sink = Sink::new(file_label, opts);
    let (parsed, layout, rows_read) = match format {
        Format::FiveThirtyEight => fivethirtyeight::parse(table, &mut sink)?,
        Format::NbaStatsTeamLogs => team_logs::parse(table, &mut sink)?,
        Format::NbaStatsPlayerLogs => player_logs::parse(table, &mut sink)?,
        Format::Players => players::parse(table, &mut sink)?,
        Format::Teams => teams::parse(table, &mut sink)?,
        Format::Schedule => schedule::parse(table, &mut sink)?,
    };
    Ok(ParseOutput {
        parsed,
        layout,
        rows_read,
        notes: sink.rendered_notes(),
        skipped: sink.skipped,
        sha256,
        file: file_label.to_string(),
    })
}

/// The header layouts a format recognises.
pub(crate) fn layouts_of(format: Format) -> &'static [Layout] {
    match format {
        Format::FiveThirtyEight => fivethirtyeight::LAYOUTS,
        Format::NbaStatsTeamLogs => team_logs::LAYOUTS,
        Format::NbaStatsPlayerLogs => player_logs::LAYOUTS,
        Format::Players => players::LAYOUTS,
        Format::Teams => teams::LAYOUTS,
        Format::Schedule => schedule::LAYOUTS,
    }
}

/// "538 games_1947_2022 (season, date, …); …" for the format named `format`.
pub(crate) fn expected_layouts(format: &str) -> String {
    let Ok(f) = Format::from_name(format) else {
        return format!("a {format} layout");
    };
    layouts_of(f)
        .iter()
        .map(|l| format!("{} ({})", l.name, l.required.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What each parser returns: the rows, the layout name and the number of records read.
pub(crate) type ParserResult = Result<(Parsed, &'static str, u64), IngestError>;
