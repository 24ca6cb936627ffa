//! NBA Stats player game logs, one row per player and game. Layouts: hoopR box scores
//! (snake_case, no date; the season comes from the game id `00SYYNNNNN`, YY = start year) and
//! NocturneBear playoff box scores (camelCase, `season_year` "2010-11", `gameId` without its
//! leading zeros, re-padded to 10 characters).
//!
//! Minutes "MM:SS" become decimal minutes. A row with empty minutes is a player who did not
//! play: it is kept (the comment holds the reason) with every stat `None` and 0 points.
//! Non-league games (preseason, All-Star, Cup final) are left out with a note.

use nba_domain::Season;

use crate::common::{self, collect, game_id, game_kind, parse_minutes, GameKind, Outcome, Sink};
use crate::reader::{detect, Header, Layout, Rec, Table};
use crate::{BoxLine, Parsed, ParserResult, PlayerBoxRow};

const HOOPR: &str = "hoopR player logs";
const NOCTURNE: &str = "NocturneBear playoff player box";

pub(crate) const LAYOUTS: &[Layout] = &[
    Layout {
        name: HOOPR,
        required: &[
            "game_id",
            "away_team_id",
            "home_team_id",
            "team_id",
            "person_id",
            "first_name",
            "family_name",
            "minutes",
            "points",
        ],
    },
    Layout {
        name: NOCTURNE,
        required: &[
            "season_year",
            "game_date",
            "gameId",
            "teamId",
            "personId",
            "personName",
            "minutes",
            "points",
        ],
    },
];

/// Stat columns in `BoxLine` order after `minutes` (snake_case; camelCase found loosely).
const STATS: [&str; 15] = [
    "field_goals_made",
    "field_goals_attempted",
    "three_pointers_made",
    "three_pointers_attempted",
    "free_throws_made",
    "free_throws_attempted",
    "rebounds_offensive",
    "rebounds_defensive",
    "rebounds_total",
    "assists",
    "steals",
    "blocks",
    "turnovers",
    "fouls_personal",
    "plus_minus_points",
];

struct Cols {
    game_id: usize,
    season_year: Option<usize>,
    date: Option<usize>,
    team_id: usize,
    tricode: Option<usize>,
    home_id: Option<usize>,
    away_id: Option<usize>,
    person_id: usize,
    name: Option<usize>,
    first: Option<usize>,
    family: Option<usize>,
    position: Option<usize>,
    comment: Option<usize>,
    minutes: usize,
    stats: [Option<usize>; 15],
    points: usize,
    made_att: [String; 6],
}

impl Cols {
    fn new(h: &Header) -> Cols {
        let f = |n: &str| h.find_loose(n);
        let stats: [Option<usize>; 15] = std::array::from_fn(|i| f(STATS[i]));
        Cols {
            game_id: f("game_id").expect("layout"),
            season_year: f("season_year"),
            date: f("game_date"),
            team_id: f("team_id").expect("layout"),
            tricode: f("team_tricode"),
            home_id: f("home_team_id"),
            away_id: f("away_team_id"),
            person_id: f("person_id").expect("layout"),
            name: f("person_name"),
            first: f("first_name"),
            family: f("family_name"),
            position: f("position"),
            comment: f("comment"),
            minutes: f("minutes").expect("layout"),
            stats,
            points: f("points").expect("layout"),
            made_att: std::array::from_fn(|i| {
                stats[i].map_or(STATS[i].to_string(), |ix| h.names[ix].clone())
            }),
        }
    }
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "nba-stats-player-logs")?;
    let c = Cols::new(&table.header);
    let (rows, n) = collect(table, sink, |rec| row(rec, &c))?;
    Ok((Parsed::PlayerBoxes(rows), layout.name, n))
}

fn row(r: &Rec<'_>, c: &Cols) -> Result<Outcome<PlayerBoxRow>, String> {
    let id_col = r.col(c.game_id);
    let id = game_id(id_col, r.req(c.game_id)?)?;
    let stage = match game_kind(id_col, &id)? {
        GameKind::League(stage) => stage,
        GameKind::Other(reason) => return Ok(Outcome::Leave(reason.to_string())),
    };
    let season = match c.season_year {
        Some(ix) => {
            let t = r.req(ix)?;
            let s = Season::parse(t).map_err(|_| r.bad(ix, "season", t))?;
            common::check_season(s, r.col(ix), &id, id_col)?;
            s
        }
        None => common::season_of_game_id(&id),
    };
    let date = match c.date {
        Some(ix) => {
            let d = r.date(ix)?;
            common::check_date(d, season, r.col(ix))?;
            Some(d)
        }
        None => None,
    };
    let raw_team = r.int(c.team_id)?;
    let tricode = r.opt_text(c.tricode)?;
    let team_id = common::nba_team(r.col(c.team_id), raw_team, tricode, season)?;
    let (home_id, away_id) = match (c.home_id, c.away_id) {
        (Some(h), Some(a)) => {
            let (rh, ra) = (r.int(h)?, r.int(a)?);
            if raw_team != rh && raw_team != ra {
                return Err(format!(
                    "column '{}': team {raw_team} is neither the home team {rh} nor the away team {ra}",
                    r.col(c.team_id)
                ));
            }
            let home = common::nba_team(r.col(h), rh, None, season)?;
            let away = common::nba_team(r.col(a), ra, None, season)?;
            (Some(home), Some(away))
        }
        _ => (None, None),
    };
    let person_id = r.int(c.person_id)?;
    let player_name = name(r, c)?;
    let comment = r.opt_text(c.comment)?.map(str::to_string);
    let points = r.count_opt(Some(c.points))?;
    let (stats, notes) = match r.opt_text(Some(c.minutes))? {
        None => {
            if points.unwrap_or(0) != 0 {
                return Err(format!(
                    "column '{}': empty (did not play) but column '{}' is {}",
                    r.col(c.minutes),
                    r.col(c.points),
                    points.unwrap_or(0)
                ));
            }
            (BoxLine::default(), Vec::new())
        }
        Some(t) => played(r, c, t, points)?,
    };
    let row = PlayerBoxRow {
        line: r.line,
        nba_game_id: id,
        season,
        date,
        stage,
        team_id,
        home_id,
        away_id,
        person_id,
        player_name,
        position: r.opt_text(c.position)?.map(str::to_string),
        comment,
        stats,
    };
    Ok(if notes.is_empty() {
        Outcome::Keep(row)
    } else {
        Outcome::KeepNoted(row, notes)
    })
}

fn played(
    r: &Rec<'_>,
    c: &Cols,
    minutes: &str,
    points: Option<i32>,
) -> Result<(BoxLine, Vec<String>), String> {
    let m = parse_minutes(minutes).ok_or_else(|| r.bad(c.minutes, "minutes (MM:SS)", minutes))?;
    let pts = points.ok_or_else(|| format!("column '{}': missing value", r.col(c.points)))?;
    let s = |i: usize| r.count_opt(c.stats[i]);
    let mut b = BoxLine {
        minutes: Some(m),
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
        pts,
        plus_minus: r.f64_opt(c.stats[14])?,
    };
    let ma = &c.made_att;
    let notes = common::fix_box(
        &mut b,
        r.col(c.points),
        [&ma[0], &ma[1], &ma[2], &ma[3], &ma[4], &ma[5]],
    )?;
    Ok((b, notes))
}

fn name(r: &Rec<'_>, c: &Cols) -> Result<String, String> {
    if let Some(n) = r.opt_text(c.name)? {
        return Ok(n.to_string());
    }
    let first = r.opt_text(c.first)?.unwrap_or("");
    let family = r.opt_text(c.family)?.unwrap_or("");
    let full = format!("{first} {family}").trim().to_string();
    if full.is_empty() {
        let ix = c.family.or(c.name).unwrap_or(c.person_id);
        return Err(format!("column '{}': missing player name", r.col(ix)));
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use crate::{parse_reader, Format, ParseOptions, Parsed, PlayerBoxRow};
    use nba_domain::Stage;

    const HOOPR: &str = "game_id,away_team_id,home_team_id,team_id,team_tricode,person_id,first_name,family_name,position,comment,jersey_num,minutes,field_goals_made,field_goals_attempted,three_pointers_made,three_pointers_attempted,free_throws_made,free_throws_attempted,rebounds_offensive,rebounds_defensive,rebounds_total,assists,steals,blocks,turnovers,fouls_personal,points,plus_minus_points,game_id_nba\n";
    const NOCT: &str = "season_year,game_date,gameId,teamId,teamTricode,personId,personName,position,comment,jerseyNum,minutes,fieldGoalsMade,fieldGoalsAttempted,threePointersMade,threePointersAttempted,freeThrowsMade,freeThrowsAttempted,reboundsOffensive,reboundsDefensive,reboundsTotal,assists,steals,blocks,turnovers,foulsPersonal,points,plusMinusPoints\n";

    fn rows(
        text: &str,
        skip: bool,
    ) -> Result<(Vec<PlayerBoxRow>, crate::ParseOutput), crate::IngestError> {
        let out = parse_reader(
            Format::NbaStatsPlayerLogs,
            "p.csv",
            text.as_bytes(),
            &ParseOptions { skip_invalid: skip },
        )?;
        match &out.parsed {
            Parsed::PlayerBoxes(v) => Ok((v.clone(), out)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hoopr_rows_dnp_and_all_star() {
        let text = format!(
            "{HOOPR}0022300061,1610612747,1610612743,1610612743,DEN,203999,Nikola,Jokić,C,,,36:15,12,22,3,5,2,4,3,10,13,11,1,1,2,2,29,15.0,0022300061\n\
             0022300061,1610612747,1610612743,1610612747,LAL,1,Some,Body,,DNP - Coach's Decision,,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,0022300061\n\
             0032300001,1610616834,1610616833,1610616833,EST,2,All,Star,,,,20:00,1,2,0,0,0,0,0,0,0,0,0,0,0,0,2,0,0032300001\n"
        );
        let (v, out) = rows(&text, false).unwrap();
        assert_eq!(out.layout, "hoopR player logs");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].player_name, "Nikola Jokić");
        assert_eq!(v[0].season.label(), "2023-24");
        assert_eq!(v[0].stage, Stage::Regular);
        assert_eq!(v[0].stats.minutes, Some(36.25));
        assert_eq!(v[0].stats.pts, 29);
        assert_eq!(v[0].home_id, Some(1610612743));
        assert_eq!(v[1].stats, crate::BoxLine::default());
        assert_eq!(v[1].comment.as_deref(), Some("DNP - Coach's Decision"));
        assert_eq!(out.notes, ["1 row: All-Star games (game type 3)"]);
    }

    #[test]
    fn nocturne_rows_repad_ids() {
        let text = format!(
            "{NOCT}2010-11,2011-06-05,41000403,1610612748,MIA,436,Juwan Howard,,,,6:25,0,0,0,0,1,2,0,1,1,1,0,0,0,0,1,6\n"
        );
        let (v, out) = rows(&text, false).unwrap();
        assert_eq!(out.layout, "NocturneBear playoff player box");
        assert_eq!(v[0].nba_game_id, "0041000403");
        assert_eq!(v[0].stage, Stage::Playoffs);
        assert_eq!(v[0].season.label(), "2010-11");
        assert!(v[0].date.is_some());
        assert_eq!(v[0].stats.pts, 1);
    }

    #[test]
    fn bad_minutes_and_inconsistent_shots() {
        let text = format!(
            "{NOCT}2010-11,2011-06-05,41000403,1610612748,MIA,436,Juwan Howard,,,,6:75,0,0,0,0,1,2,0,1,1,1,0,0,0,0,1,6\n\
             2010-11,2011-06-05,41000403,1610612748,MIA,437,Other Guy,,,,6:25,5,4,0,0,0,0,0,0,0,0,0,0,0,0,10,1\n\
             2011-12,2011-06-05,41000403,1610612748,MIA,438,Third Guy,,,,6:25,1,4,0,0,0,0,0,0,0,0,0,0,0,0,2,1\n"
        );
        let e = rows(&text, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.csv:2: column 'minutes': invalid minutes (MM:SS) '6:75'"
        );
        let (v, out) = rows(&text, true).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].stats.fgm, v[0].stats.fga, v[0].stats.pts),
            (None, None, 10)
        );
        assert_eq!(
            out.notes,
            ["1 row: fieldGoalsMade above fieldGoalsAttempted (source error): both read as not recorded"]
        );
        assert_eq!(out.skipped.len(), 2);
        assert!(
            out.skipped[1].message.contains("season_year"),
            "{}",
            out.skipped[1]
        );
    }
}
