//! NBA Stats team game logs, one row per team and game, paired into one [`TeamGameRow`](crate::TeamGameRow) per
//! game id. Layouts: lawlers-law `LeagueGameLog` (`SEASON_ID` = 2 + start year), hoopR
//! lower-case logs (`season` = start year as "2023.0", dates "APR 14, 2024") and NocturneBear
//! playoff totals (`SEASON_YEAR` "2010-11", dates "2011-05-10T00:00:00", `MIN` in game
//! minutes, normalised here to team player-minutes: 48 -> 240).
//!
//! Home and away come from `MATCHUP` ("LAL vs. IND": LAL at home; "LAL @ IND": LAL away),
//! the stage from the game id. Non-league games (preseason, All-Star, Cup final) and 0-0
//! pairs (a cancelled game, not a real final) are left out with a note.

use std::collections::HashSet;

use nba_domain::Season;

use crate::common::{self, collect, game_id, game_kind, GameKind, Outcome, Sink};
use crate::reader::{detect, Header, Layout, Rec, Table};
use crate::team_pairs::{pair_all, Names, Side};
use crate::{BoxLine, Parsed, ParserResult};

const LAWLERS: &str = "lawlers-law LeagueGameLog";
const NOCTURNE: &str = "NocturneBear playoff team totals";
const HOOPR: &str = "hoopR team logs";

pub(crate) const LAYOUTS: &[Layout] = &[
    Layout {
        name: LAWLERS,
        required: &[
            "SEASON_ID",
            "TEAM_ID",
            "GAME_ID",
            "GAME_DATE",
            "MATCHUP",
            "WL",
            "PTS",
        ],
    },
    Layout {
        name: NOCTURNE,
        required: &[
            "SEASON_YEAR",
            "TEAM_ID",
            "GAME_ID",
            "GAME_DATE",
            "MATCHUP",
            "WL",
            "PTS",
        ],
    },
    Layout {
        name: HOOPR,
        required: &[
            "team_id",
            "game_id",
            "game_date",
            "matchup",
            "wl",
            "pts",
            "season",
        ],
    },
];

#[derive(Clone, Copy)]
enum SeasonCol {
    /// lawlers-law `SEASON_ID`: type digit + start year (`22015` = 2015-16).
    SeasonId(usize),
    /// hoopR `season`: start year, possibly as a float ("2023.0").
    StartYear(usize),
    /// NocturneBear `SEASON_YEAR`: "2010-11".
    Label(usize),
}

struct Cols {
    season: SeasonCol,
    team_id: usize,
    abbr: Option<usize>,
    game_id: usize,
    date: usize,
    matchup: usize,
    wl: usize,
    min: Option<usize>,
    /// Multiplier from the file's `MIN` to team player-minutes (240 for 48 game minutes).
    min_factor: f64,
    stats: [Option<usize>; 15],
    pts: usize,
    plus_minus: Option<usize>,
    made_att: [String; 6],
    names: Names,
}

const STAT_NAMES: [&str; 15] = [
    "FGM",
    "FGA",
    "FG3M",
    "FG3A",
    "FTM",
    "FTA",
    "OREB",
    "DREB",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "PF",
    "PLUS_MINUS",
];

impl Cols {
    fn new(h: &Header, layout: &str) -> Cols {
        let ci = |n: &str| h.find_ci(n);
        let season = match layout {
            LAWLERS => SeasonCol::SeasonId(h.idx("SEASON_ID")),
            NOCTURNE => SeasonCol::Label(h.idx("SEASON_YEAR")),
            _ => SeasonCol::StartYear(h.idx("season")),
        };
        let made_att = std::array::from_fn(|i| {
            ci(STAT_NAMES[i]).map_or(STAT_NAMES[i].to_string(), |ix| h.names[ix].clone())
        });
        let name = |n: &str| h.names[ci(n).expect("layout")].clone();
        let names = Names {
            team_id: name("TEAM_ID"),
            matchup: name("MATCHUP"),
            wl: name("WL"),
            pts: name("PTS"),
        };
        Cols {
            names,
            season,
            team_id: ci("TEAM_ID").expect("layout"),
            abbr: ci("TEAM_ABBREVIATION"),
            game_id: ci("GAME_ID").expect("layout"),
            date: ci("GAME_DATE").expect("layout"),
            matchup: ci("MATCHUP").expect("layout"),
            wl: ci("WL").expect("layout"),
            min: ci("MIN"),
            min_factor: if layout == NOCTURNE { 5.0 } else { 1.0 },
            stats: std::array::from_fn(|i| ci(STAT_NAMES[i])),
            pts: ci("PTS").expect("layout"),
            plus_minus: ci("PLUS_MINUS"),
            made_att,
        }
    }
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "nba-stats-team-logs")?;
    let c = Cols::new(&table.header, layout.name);
    let mut rejected_ids = HashSet::new();
    let (sides, n) = collect(table, sink, |rec| {
        let r = side(rec, &c);
        if r.is_err() {
            if let Ok(id) = rec.text(c.game_id).map(|t| format!("{t:0>10}")) {
                rejected_ids.insert(id);
            }
        }
        r
    })?;
    let rows = pair_all(sides, &rejected_ids, &c.names, sink)?;
    Ok((Parsed::TeamGames(rows), layout.name, n))
}

fn side(r: &Rec<'_>, c: &Cols) -> Result<Outcome<Side>, String> {
    let id_col = r.col(c.game_id);
    let id = game_id(id_col, r.req(c.game_id)?)?;
    let stage = match game_kind(id_col, &id)? {
        GameKind::League(stage) => stage,
        GameKind::Other(reason) => return Ok(Outcome::Leave(reason.to_string())),
    };
    let (season, season_col) = season(r, c.season)?;
    common::check_season(season, season_col, &id, id_col)?;
    let date = r.date(c.date)?;
    common::check_date(date, season, r.col(c.date))?;
    let matchup = r.req(c.matchup)?;
    let (home, own, _opp) = parse_matchup(matchup).ok_or_else(|| {
        format!(
            "column '{}': cannot read '{matchup}' (expected 'AAA vs. BBB' or 'AAA @ BBB')",
            r.col(c.matchup)
        )
    })?;
    let abbr = match c.abbr {
        Some(ix) => r.opt_text(Some(ix))?.or(Some(own)),
        None => Some(own),
    };
    let raw_team = r.int(c.team_id)?;
    let team_id = common::nba_team(r.col(c.team_id), raw_team, abbr, season)?;
    let wl = match r.text(c.wl)? {
        "W" | "w" => Some(true),
        "L" | "l" => Some(false),
        "" => None,
        v => return Err(r.bad(c.wl, "result (W/L)", v)),
    };
    let minutes = match r.f64_opt(c.min)? {
        Some(m) if m < 0.0 => return Err(r.bad(c.min.unwrap_or(0), "minutes", &m.to_string())),
        Some(m) if m > 0.0 => Some(m * c.min_factor),
        _ => None,
    };
    let s = |i: usize| r.count_opt(c.stats[i]);
    let pts = r.int(c.pts)?;
    let mut boxl = BoxLine {
        minutes,
        fgm: s(0)?,
        fga: s(1)?,
        fg3m: s(2)?,
        fg3a: s(3)?,
        ftm: s(4)?,
        fta: s(5)?,
        oreb: s(6)?,
        dreb: s(7)?,
        reb: s(8)?,
        ast: s(9)?,
        stl: s(10)?,
        blk: s(11)?,
        tov: s(12)?,
        pf: s(13)?,
        pts: i32::try_from(pts).map_err(|_| r.bad(c.pts, "points", &pts.to_string()))?,
        plus_minus: r.f64_opt(c.plus_minus)?,
    };
    let ma = &c.made_att;
    let notes = common::fix_box(
        &mut boxl,
        &c.names.pts,
        [&ma[0], &ma[1], &ma[2], &ma[3], &ma[4], &ma[5]],
    )?;
    Ok(Outcome::KeepNoted(
        Side {
            line: r.line,
            game_id: id,
            season,
            date,
            stage,
            team_id,
            home,
            wl,
            boxl,
            matchup: matchup.to_string(),
        },
        notes,
    ))
}

fn season<'a>(r: &'a Rec<'_>, sc: SeasonCol) -> Result<(Season, &'a str), String> {
    let (ix, s) = match sc {
        SeasonCol::SeasonId(ix) => {
            let t = r.req(ix)?;
            let start = (t.len() == 5)
                .then(|| t[1..].parse::<i64>().ok())
                .flatten()
                .ok_or_else(|| r.bad(ix, "season id (e.g. 22015)", t))?;
            (ix, Season::from_start_year(start))
        }
        SeasonCol::StartYear(ix) => (ix, Season::from_start_year(r.int(ix)?)),
        SeasonCol::Label(ix) => (ix, Season::parse(r.req(ix)?).ok()),
    };
    let s = s.ok_or_else(|| r.bad(ix, "season", r.text(ix).unwrap_or("")))?;
    Ok((s, r.col(ix)))
}

/// `(is_home, own team, opponent)` of "LAL vs. IND" / "LAL @ IND".
fn parse_matchup(t: &str) -> Option<(bool, &str, &str)> {
    let (home, (a, b)) = if let Some(p) = t.split_once(" vs. ").or_else(|| t.split_once(" vs ")) {
        (true, p)
    } else {
        (false, t.split_once(" @ ")?)
    };
    let (a, b) = (a.trim(), b.trim());
    (!a.is_empty() && !b.is_empty()).then_some((home, a, b))
}

#[cfg(test)]
#[path = "team_logs_tests.rs"]
mod tests;
