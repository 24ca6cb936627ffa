//! Pairing the two team rows of each NBA Stats game id into one [`TeamGameRow`]: one home
//! and one away row, consistent W/L and points; 0-0 pairs (a cancelled game) are noted and
//! left out, a game with one row or with both rows home (or away) is a row error.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use nba_domain::{Season, Stage};

use crate::common::Sink;
use crate::{BoxLine, IngestError, TeamGameRow};

/// Column names as the file spells them, for messages about a pair of rows.
pub(crate) struct Names {
    pub team_id: String,
    pub matchup: String,
    pub wl: String,
    pub pts: String,
}

/// One team's row of a game.
pub(crate) struct Side {
    pub line: u64,
    pub game_id: String,
    pub season: Season,
    pub date: NaiveDate,
    pub stage: Stage,
    pub team_id: i64,
    pub home: bool,
    pub wl: Option<bool>,
    pub boxl: BoxLine,
    pub matchup: String,
}

pub(crate) fn pair_all(
    sides: Vec<Side>,
    rejected_ids: &HashSet<String>,
    names: &Names,
    sink: &mut Sink,
) -> Result<Vec<TeamGameRow>, IngestError> {
    let mut slots: Vec<(Side, Option<Side>)> = Vec::with_capacity(sides.len() / 2 + 1);
    let mut index: HashMap<String, usize> = HashMap::with_capacity(sides.len() / 2 + 1);
    for s in sides {
        match index.get(&s.game_id) {
            None => {
                index.insert(s.game_id.clone(), slots.len());
                slots.push((s, None));
            }
            Some(&i) if slots[i].1.is_none() => slots[i].1 = Some(s),
            Some(&i) => {
                let (a, b) = (&slots[i].0, slots[i].1.as_ref().expect("checked"));
                let msg = format!(
                    "GAME_ID '{}': a third row for this game (the others are at lines {} and {})",
                    s.game_id, a.line, b.line
                );
                sink.reject(s.line, msg)?;
            }
        }
    }
    let mut out = Vec::with_capacity(slots.len());
    for (a, b) in slots {
        let Some(b) = b else {
            let msg = if rejected_ids.contains(&a.game_id) {
                format!(
                    "GAME_ID '{}': the other team's row was rejected, so the game cannot be paired",
                    a.game_id
                )
            } else {
                format!("GAME_ID '{}': only one team row for this game", a.game_id)
            };
            sink.reject(a.line, msg)?;
            continue;
        };
        match pair(a, b, names, sink) {
            Ok(Some(g)) => out.push(g),
            Ok(None) => {}
            Err((line, msg)) => sink.reject(line, msg)?,
        }
    }
    Ok(out)
}

fn pair(
    a: Side,
    b: Side,
    n: &Names,
    sink: &mut Sink,
) -> Result<Option<TeamGameRow>, (u64, String)> {
    let id = a.game_id.clone();
    if a.home == b.home {
        let which = if a.home { "home" } else { "away" };
        return Err((
            b.line,
            format!(
                "column '{}': both rows of game {id} are {which} rows ('{}' at line {}, '{}')",
                n.matchup, a.matchup, a.line, b.matchup
            ),
        ));
    }
    if a.team_id == b.team_id {
        return Err((
            b.line,
            format!(
                "column '{}': both rows of game {id} are franchise {}",
                n.team_id, a.team_id
            ),
        ));
    }
    if a.season != b.season {
        return Err((
            b.line,
            format!(
                "season {} differs from {} at line {} for game {id}",
                b.season, a.season, a.line
            ),
        ));
    }
    if a.boxl.pts == 0 && b.boxl.pts == 0 {
        let reason = format!("cancelled game {id} (0-0)");
        sink.note(&reason);
        sink.note(&reason);
        return Ok(None);
    }
    for (s, o) in [(&a, &b), (&b, &a)] {
        let won = s.boxl.pts > o.boxl.pts;
        if s.boxl.pts == o.boxl.pts {
            return Err((
                s.line,
                format!(
                    "column '{}': tied final score {}-{} in game {id}",
                    n.pts, s.boxl.pts, o.boxl.pts
                ),
            ));
        }
        match s.wl {
            None => {
                return Err((
                    s.line,
                    format!(
                        "column '{}': missing value for a {}-{} result",
                        n.wl, s.boxl.pts, o.boxl.pts
                    ),
                ))
            }
            Some(w) if w != won => {
                let (wl, actual) = if w { ("W", "lost") } else { ("L", "won") };
                return Err((
                    s.line,
                    format!(
                        "column '{}': '{wl}' but the team {actual} {}-{} (column '{}')",
                        n.wl, s.boxl.pts, o.boxl.pts, n.pts
                    ),
                ));
            }
            _ => {}
        }
    }
    let (home, away) = if a.home { (a, b) } else { (b, a) };
    if home.date != away.date {
        sink.note(&format!(
            "game {id}: the rows are dated {} (home) and {} (away); the home row's date is kept",
            home.date, away.date
        ));
    }
    Ok(Some(TeamGameRow {
        line: home.line.min(away.line),
        nba_game_id: id,
        season: home.season,
        date: home.date,
        stage: home.stage,
        home_id: home.team_id,
        away_id: away.team_id,
        home: home.boxl,
        away: away.boxl,
    }))
}
