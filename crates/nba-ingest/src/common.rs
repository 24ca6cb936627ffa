//! Helpers shared by the parsers: the row-error sink, counted notes, NBA Stats game ids,
//! minutes, team resolution and box-score checks.

use nba_domain::franchises::{era_by_nba_abbr, era_by_team_id};
use nba_domain::{Season, Stage};

use crate::{BoxLine, IngestError, ParseOptions, RowError};

/// Collects rejected rows (or aborts on the first one) and counted notes.
pub(crate) struct Sink {
    pub file: String,
    skip_invalid: bool,
    pub skipped: Vec<RowError>,
    notes: Vec<(String, u64)>,
}

impl Sink {
    pub fn new(file: &str, opts: &ParseOptions) -> Sink {
        Sink {
            file: file.to_string(),
            skip_invalid: opts.skip_invalid,
            skipped: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Records a bad row: an error without `skip_invalid`, a skipped row with it.
    pub fn reject(&mut self, line: u64, message: String) -> Result<(), IngestError> {
        let e = RowError {
            file: self.file.clone(),
            line,
            message,
        };
        if self.skip_invalid {
            self.skipped.push(e);
            Ok(())
        } else {
            Err(IngestError::Row(e))
        }
    }

    /// Counts one row deliberately left out (or otherwise worth telling) for `reason`.
    pub fn note(&mut self, reason: &str) {
        match self.notes.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += 1,
            None => self.notes.push((reason.to_string(), 1)),
        }
    }

    /// "2 rows: cancelled game 0021201214 (0-0)".
    pub fn rendered_notes(&self) -> Vec<String> {
        self.notes
            .iter()
            .map(|(r, n)| format!("{n} row{}: {r}", if *n == 1 { "" } else { "s" }))
            .collect()
    }
}

/// What became of one record.
pub(crate) enum Outcome<T> {
    Keep(T),
    /// Kept, with facts to count in the notes.
    KeepNoted(T, Vec<String>),
    /// Deliberately left out, counted under this reason.
    Leave(String),
}

/// Runs `row` on every record of `table`, keeping rows, counting notes and rejecting bad
/// rows through `sink`. Returns the rows kept and the number of records read.
pub(crate) fn collect<T>(
    table: crate::reader::Table<'_>,
    sink: &mut Sink,
    mut row: impl FnMut(&crate::reader::Rec<'_>) -> Result<Outcome<T>, String>,
) -> Result<(Vec<T>, u64), IngestError> {
    let mut out = Vec::new();
    let file = sink.file.clone();
    let n = table.each(&file, |rec| {
        match rec.check_width().and_then(|()| row(rec)) {
            Ok(Outcome::Keep(v)) => out.push(v),
            Ok(Outcome::KeepNoted(v, notes)) => {
                out.push(v);
                notes.iter().for_each(|n| sink.note(n));
            }
            Ok(Outcome::Leave(reason)) => sink.note(&reason),
            Err(msg) => sink.reject(rec.line, msg)?,
        }
        Ok(())
    })?;
    Ok((out, n))
}

/// An NBA Stats game id re-padded to 10 digits (`41100304` -> `0041100304`).
pub(crate) fn game_id(col: &str, raw: &str) -> Result<String, String> {
    let ok = (8..=10).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
    let id = format!("{raw:0>10}");
    if !ok || !id.starts_with("00") {
        return Err(format!(
            "column '{col}': invalid NBA game id '{raw}' (expected 00SYYNNNNN)"
        ));
    }
    Ok(id)
}

/// What the type digit of a game id says about a game.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GameKind {
    League(Stage),
    /// Not a league game: the reason it is left out.
    Other(&'static str),
}

pub(crate) fn game_kind(col: &str, id: &str) -> Result<GameKind, String> {
    if let Some(stage) = Stage::from_nba_game_id(id) {
        return Ok(GameKind::League(stage));
    }
    match id.as_bytes()[2] {
        b'1' => Ok(GameKind::Other("preseason games (game type 1)")),
        b'3' => Ok(GameKind::Other("All-Star games (game type 3)")),
        b'6' => Ok(GameKind::Other("NBA Cup final (game type 6)")),
        d => Err(format!(
            "column '{col}': game id '{id}' has unknown game type {}",
            d as char
        )),
    }
}

/// The season a game id's YY digits give (YY = start year; 46..=99 are 19YY).
pub(crate) fn season_of_game_id(id: &str) -> Season {
    let yy: i64 = id[3..5].parse().expect("checked digits");
    let start = if yy >= 46 { 1900 + yy } else { 2000 + yy };
    Season::from_start_year(start).expect("1946..=2045 is a valid start year")
}

/// Checks that a season read from `season_col` agrees with the game id's YY digits.
pub(crate) fn check_season(
    season: Season,
    season_col: &str,
    id: &str,
    id_col: &str,
) -> Result<(), String> {
    let from_id = season_of_game_id(id);
    if from_id == season {
        Ok(())
    } else {
        Err(format!(
            "column '{id_col}': game id '{id}' is of season {from_id}, but column '{season_col}' says {season}"
        ))
    }
}

/// Checks that `date` can belong to `season`: a sanity window from 1 August of the start
/// year to 31 October of the end year (1967-68 opened on 13 October; the 2020 bubble Finals
/// ended on 11 October 2020). Seasons overlap in this window; it only catches gross errors.
pub(crate) fn check_date(
    date: chrono::NaiveDate,
    season: Season,
    date_col: &str,
) -> Result<(), String> {
    let first = chrono::NaiveDate::from_ymd_opt(season.start_year() as i32, 8, 1);
    let last = chrono::NaiveDate::from_ymd_opt(season.end_year() as i32, 10, 31);
    if Some(date) < first || Some(date) > last {
        return Err(format!(
            "column '{date_col}': date {date} is outside season {season}"
        ));
    }
    Ok(())
}

/// The franchise of an NBA Stats team id (falling back on its abbreviation).
pub(crate) fn nba_team(
    col: &str,
    team_id: i64,
    abbr: Option<&str>,
    season: Season,
) -> Result<i64, String> {
    let year = season.end_year();
    if let Some(era) = era_by_team_id(team_id, year) {
        return Ok(era.franchise_id);
    }
    if let Some(era) = abbr.and_then(|a| era_by_nba_abbr(a, year)) {
        return Ok(era.franchise_id);
    }
    Err(format!(
        "column '{col}': unknown NBA team id {team_id}{} for season {season}",
        abbr.map(|a| format!(" ({a})")).unwrap_or_default()
    ))
}

/// Decimal minutes of "MM:SS" (also "MM:SS.s" or a plain number). Seconds may read 60, a
/// rounding artefact of the NBA Stats feed ("28:60" = 29 minutes).
pub(crate) fn parse_minutes(t: &str) -> Option<f64> {
    let t = t.trim();
    let v = match t.split_once(':') {
        Some((m, s)) => {
            let m: u32 = m.parse().ok()?;
            let s: f64 = s.parse().ok()?;
            if !(0.0..=60.0).contains(&s) {
                return None;
            }
            m as f64 + s / 60.0
        }
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Checks a box line: negative points are an error. A made/attempted pair with more made
/// than attempted is a known defect of early NBA Stats logs (1950s FGA recorded as 0, FTM
/// above FTA): the pair is cleared to `None` ("not recorded") and the returned reasons are
/// noted, so the game itself is kept.
pub(crate) fn fix_box(
    b: &mut BoxLine,
    pts_col: &str,
    cols: [&str; 6],
) -> Result<Vec<String>, String> {
    if b.pts < 0 {
        return Err(format!("column '{pts_col}': negative points {}", b.pts));
    }
    let mut notes = Vec::new();
    let pairs = [
        (&mut b.fgm, &mut b.fga, cols[0], cols[1]),
        (&mut b.fg3m, &mut b.fg3a, cols[2], cols[3]),
        (&mut b.ftm, &mut b.fta, cols[4], cols[5]),
    ];
    for (made, att, cm, ca) in pairs {
        if let (Some(m), Some(a)) = (*made, *att) {
            if m > a {
                *made = None;
                *att = None;
                notes.push(format!(
                    "{cm} above {ca} (source error): both read as not recorded"
                ));
            }
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn game_ids() {
        assert_eq!(game_id("g", "41100304").unwrap(), "0041100304");
        assert_eq!(game_id("g", "0021500003").unwrap(), "0021500003");
        assert!(game_id("g", "12345678901").is_err());
        assert!(game_id("g", "1021500003").is_err());
        assert!(game_id("g", "00215x0003").is_err());
        assert_eq!(
            game_kind("g", "0021500003").unwrap(),
            GameKind::League(Stage::Regular)
        );
        assert!(matches!(
            game_kind("g", "0032300001"),
            Ok(GameKind::Other(_))
        ));
        assert!(game_kind("g", "0092300001").is_err());
        assert_eq!(season_of_game_id("0021500003").label(), "2015-16");
        assert_eq!(season_of_game_id("0025000003").label(), "1950-51");
        assert_eq!(season_of_game_id("0029900003").label(), "1999-00");
    }

    #[test]
    fn minutes() {
        assert_eq!(parse_minutes("30:30"), Some(30.5));
        assert_eq!(parse_minutes("28:60"), Some(29.0));
        assert_eq!(parse_minutes("0:00"), Some(0.0));
        assert_eq!(parse_minutes("48.0"), Some(48.0));
        assert_eq!(parse_minutes("30:61"), None);
        assert_eq!(parse_minutes("abc"), None);
        assert_eq!(parse_minutes("-3"), None);
    }

    proptest! {
        #[test]
        fn minutes_round_trip(m in 0u32..100, s in 0u32..60) {
            let v = parse_minutes(&format!("{m}:{s:02}")).unwrap();
            prop_assert!((v - (m as f64 + s as f64 / 60.0)).abs() < 1e-9);
        }
    }
}
