//! Player lists: nba_api `players.csv` (`player_id, last_name, first_name, full_name,
//! is_active` True/False) and hoopR `players.csv.gz` (`person_id, display_first_last,
//! from_year.x, to_year.x, position, height, weight, college, country, draft_*,
//! team_id.x, rosterstatus`, …). Draft values such as "Undrafted" read as `None`; a team id
//! of 0 (no current team) reads as `None`.

use crate::common::{collect, Outcome, Sink};
use crate::reader::{detect, parse_int, Layout, Rec, Table};
use crate::{Parsed, ParserResult, PlayerRow};

const NBA_API: &str = "nba_api players";
const HOOPR: &str = "hoopR players";

pub(crate) const LAYOUTS: &[Layout] = &[
    Layout {
        name: NBA_API,
        required: &[
            "player_id",
            "last_name",
            "first_name",
            "full_name",
            "is_active",
        ],
    },
    Layout {
        name: HOOPR,
        required: &[
            "person_id",
            "display_first_last",
            "from_year.x",
            "to_year.x",
        ],
    },
];

struct Cols {
    id: usize,
    full: usize,
    first: Option<usize>,
    last: Option<usize>,
    active: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    position: Option<usize>,
    height: Option<usize>,
    weight: Option<usize>,
    college: Option<usize>,
    country: Option<usize>,
    draft_year: Option<usize>,
    draft_round: Option<usize>,
    draft_number: Option<usize>,
    team_id: Option<usize>,
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "players")?;
    let h = &table.header;
    let c = if layout.name == NBA_API {
        Cols {
            id: h.idx("player_id"),
            full: h.idx("full_name"),
            first: h.find("first_name"),
            last: h.find("last_name"),
            active: h.find("is_active"),
            from: None,
            to: None,
            position: None,
            height: None,
            weight: None,
            college: None,
            country: None,
            draft_year: None,
            draft_round: None,
            draft_number: None,
            team_id: None,
        }
    } else {
        Cols {
            id: h.idx("person_id"),
            full: h.idx("display_first_last"),
            first: h.find("player_first_name"),
            last: h.find("player_last_name"),
            active: h.find("rosterstatus"),
            from: h.find("from_year.x"),
            to: h.find("to_year.x"),
            position: h.find("position"),
            height: h.find("height"),
            weight: h.find("weight"),
            college: h.find("college"),
            country: h.find("country"),
            draft_year: h.find("draft_year"),
            draft_round: h.find("draft_round"),
            draft_number: h.find("draft_number"),
            team_id: h.find("team_id.x"),
        }
    };
    let (rows, n) = collect(table, sink, |rec| row(rec, &c))?;
    Ok((Parsed::Players(rows), layout.name, n))
}

fn row(r: &Rec<'_>, c: &Cols) -> Result<Outcome<PlayerRow>, String> {
    let text = |ix: Option<usize>| -> Result<Option<String>, String> {
        Ok(r.opt_text(ix)?.map(str::to_string))
    };
    let year = |ix: Option<usize>| -> Result<Option<i32>, String> {
        match r.int_opt(ix)? {
            None => Ok(None),
            Some(y) if (1900..=2100).contains(&y) => Ok(Some(y as i32)),
            Some(y) => Err(r.bad(ix.unwrap_or(0), "year", &y.to_string())),
        }
    };
    let person_id = r.int(c.id)?;
    if person_id <= 0 {
        return Err(r.bad(c.id, "person id", &person_id.to_string()));
    }
    let is_active = match r.opt_text(c.active)? {
        None => None,
        Some("True" | "true" | "TRUE" | "1" | "Active") => Some(true),
        Some("False" | "false" | "FALSE" | "0" | "Inactive") => Some(false),
        Some(v) => return Err(r.bad(c.active.unwrap_or(0), "flag (True/False)", v)),
    };
    let team_id = match r.int_opt(c.team_id)? {
        Some(0) | None => None,
        Some(t) => Some(t),
    };
    Ok(Outcome::Keep(PlayerRow {
        line: r.line,
        person_id,
        full_name: r.req(c.full)?.to_string(),
        first_name: text(c.first)?,
        last_name: text(c.last)?,
        is_active,
        from_year: year(c.from)?,
        to_year: year(c.to)?,
        position: text(c.position)?,
        height: text(c.height)?,
        weight: r.count_opt(c.weight)?,
        college: text(c.college)?,
        country: text(c.country)?,
        draft_year: draft(r, c.draft_year)?,
        draft_round: draft(r, c.draft_round)?,
        draft_number: draft(r, c.draft_number)?,
        team_id,
    }))
}

/// A draft value: a number, or `None` for empty cells and words such as "Undrafted".
fn draft(r: &Rec<'_>, ix: Option<usize>) -> Result<Option<i32>, String> {
    let Some(t) = r.opt_text(ix)? else {
        return Ok(None);
    };
    if t.chars().all(|ch| ch.is_ascii_alphabetic() || ch == ' ') {
        return Ok(None);
    }
    match parse_int(t) {
        Some(v) if (0..=i32::MAX as i64).contains(&v) => Ok(Some(v as i32)),
        _ => Err(r.bad(ix.unwrap_or(0), "draft value", t)),
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_reader, Format, ParseOptions, Parsed};

    #[test]
    fn nba_api_crlf() {
        let text = "player_id,last_name,first_name,full_name,is_active\r\n76001,Abdelnaby,Alaa,Alaa Abdelnaby,False\r\n2403,Nene,,Nene,True\r\n";
        let out = parse_reader(
            Format::Players,
            "p",
            text.as_bytes(),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(out.layout, "nba_api players");
        let Parsed::Players(p) = &out.parsed else {
            panic!()
        };
        assert_eq!(p[0].full_name, "Alaa Abdelnaby");
        assert_eq!(p[0].is_active, Some(false));
        assert_eq!(p[1].first_name, None);
        assert_eq!(p[1].line, 3);
    }

    #[test]
    fn hoopr_players_undrafted() {
        let text = "person_id,display_first_last,rosterstatus,from_year.x,to_year.x,team_id.x,player_last_name,player_first_name,position,height,weight,college,country,draft_year,draft_round,draft_number\n\
                    76001,Alaa Abdelnaby,0,1990,1994,0,Abdelnaby,Alaa,F,6-10,240,Duke,USA,1990,1,25\n\
                    5,Some One,1,2020,2025,1610612737,One,Some,G,6-2,,None,USA,Undrafted,Undrafted,Undrafted\n\
                    6,Bad Weight,1,2020,2025,1610612737,Weight,Bad,G,6-2,heavy,None,USA,,,\n";
        let opts = ParseOptions { skip_invalid: true };
        let out = parse_reader(Format::Players, "p", text.as_bytes(), &opts).unwrap();
        assert_eq!(out.layout, "hoopR players");
        let Parsed::Players(p) = &out.parsed else {
            panic!()
        };
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].draft_number, Some(25));
        assert_eq!(p[0].team_id, None);
        assert_eq!(p[0].weight, Some(240));
        assert_eq!(p[1].draft_year, None);
        assert_eq!(p[1].team_id, Some(1610612737));
        assert_eq!(out.skipped[0].line, 4);
        assert!(out.skipped[0].message.contains("'weight'"));
    }
}
