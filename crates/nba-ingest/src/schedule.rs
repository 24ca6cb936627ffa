//! NBA Stats schedule (hoopR `schedule_2024_2026.csv.gz`: `season` = start year,
//! `game_date`, `game_id_nba`, `home_team_id`, `away_team_id`, tricodes). Every game becomes
//! a [`GameRow`] without scores (results come from other sources). Non-league games and
//! placeholder post-season rows whose team ids are empty or 0 are left out with a note.

use nba_domain::Season;

use crate::common::{self, collect, game_id, game_kind, GameKind, Outcome, Sink};
use crate::reader::{detect, Layout, Rec, Table};
use crate::{GameRow, Parsed, ParserResult};

const HOOPR: &str = "hoopR schedule";

pub(crate) const LAYOUTS: &[Layout] = &[Layout {
    name: HOOPR,
    required: &[
        "season",
        "game_date",
        "game_id_nba",
        "home_team_id",
        "away_team_id",
    ],
}];

struct Cols {
    season: usize,
    date: usize,
    id: usize,
    home: usize,
    away: usize,
    home_code: Option<usize>,
    away_code: Option<usize>,
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "nba-stats-schedule")?;
    let h = &table.header;
    let c = Cols {
        season: h.idx("season"),
        date: h.idx("game_date"),
        id: h.idx("game_id_nba"),
        home: h.idx("home_team_id"),
        away: h.idx("away_team_id"),
        home_code: h.find("home_team_tricode"),
        away_code: h.find("away_team_tricode"),
    };
    let (rows, n) = collect(table, sink, |rec| row(rec, &c))?;
    Ok((Parsed::Games(rows), layout.name, n))
}

fn row(r: &Rec<'_>, c: &Cols) -> Result<Outcome<GameRow>, String> {
    let id_col = r.col(c.id);
    let id = game_id(id_col, r.req(c.id)?)?;
    let stage = match game_kind(id_col, &id)? {
        GameKind::League(stage) => stage,
        GameKind::Other(reason) => return Ok(Outcome::Leave(reason.to_string())),
    };
    let home_raw = r.int_opt(Some(c.home))?.unwrap_or(0);
    let away_raw = r.int_opt(Some(c.away))?.unwrap_or(0);
    if home_raw == 0 || away_raw == 0 {
        return Ok(Outcome::Leave(format!(
            "placeholder games without teams ({stage}; team ids empty or 0)"
        )));
    }
    let start = r.int(c.season)?;
    let season = Season::from_start_year(start)
        .ok_or_else(|| r.bad(c.season, "season start year", &start.to_string()))?;
    common::check_season(season, r.col(c.season), &id, id_col)?;
    let date = r.date(c.date)?;
    common::check_date(date, season, r.col(c.date))?;
    let home_id = common::nba_team(r.col(c.home), home_raw, r.opt_text(c.home_code)?, season)?;
    let away_id = common::nba_team(r.col(c.away), away_raw, r.opt_text(c.away_code)?, season)?;
    if home_id == away_id {
        return Err(format!(
            "columns '{}' and '{}': both are franchise {home_id}",
            r.col(c.home),
            r.col(c.away)
        ));
    }
    Ok(Outcome::Keep(GameRow {
        line: r.line,
        season,
        date,
        stage,
        neutral: false,
        home_id,
        away_id,
        home_score: None,
        away_score: None,
        nba_game_id: Some(id),
        fte: None,
    }))
}

#[cfg(test)]
mod tests {
    use crate::{parse_reader, Format, ParseOptions, Parsed};
    use nba_domain::Stage;

    #[test]
    fn schedule_rows_and_placeholders() {
        let text = "season,game_date,game_id_nba,home_team_id,away_team_id,home_team_tricode,away_team_tricode\n\
                    2023,2023-10-24,0022300061,1610612743,1610612747,DEN,LAL\n\
                    2025,2026-04-18,0042500101,0,0,,\n\
                    2025,2026-02-13,0032500004,0,0,,\n\
                    2023,2023-12-09,0062300001,1610612747,1610612754,LAL,IND\n\
                    2024,2023-10-25,0022300062,1610612744,1610612756,GSW,PHX\n";
        let opts = ParseOptions { skip_invalid: true };
        let out = parse_reader(Format::Schedule, "s", text.as_bytes(), &opts).unwrap();
        assert_eq!(out.layout, "hoopR schedule");
        let Parsed::Games(g) = &out.parsed else {
            panic!()
        };
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].stage, Stage::Regular);
        assert_eq!(g[0].home_score, None);
        assert_eq!(g[0].nba_game_id.as_deref(), Some("0022300061"));
        assert_eq!(out.rows_read, 5);
        assert_eq!(out.notes.len(), 3, "{:?}", out.notes);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].line, 6);
        assert!(
            out.skipped[0].message.contains("'season'"),
            "{}",
            out.skipped[0]
        );
    }
}
