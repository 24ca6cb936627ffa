//! Team lists: nba_api `teams.csv` (`team_id, abbreviation, nickname, year_founded, city,
//! full_name, state, championship_years` with `;`-separated years) and hoopR
//! `teams_2025_26.csv` (`hr_team_id, hr_team_city, hr_team_name, hr_team_name_full,
//! hr_team_abbreviation` (NBA style), `hr_abbreviation` (ESPN style), `hr_conference`,
//! `hr_division`, `hr_color`, …). The NBA-style abbreviation is preferred when both exist.

use crate::common::{collect, Outcome, Sink};
use crate::reader::{detect, parse_int, Layout, Rec, Table};
use crate::{Parsed, ParserResult, TeamRow};

const NBA_API: &str = "nba_api teams";
const HOOPR: &str = "hoopR teams";

pub(crate) const LAYOUTS: &[Layout] = &[
    Layout {
        name: NBA_API,
        required: &["team_id", "abbreviation", "nickname", "city", "full_name"],
    },
    Layout {
        name: HOOPR,
        required: &[
            "hr_team_id",
            "hr_team_city",
            "hr_team_name",
            "hr_team_name_full",
        ],
    },
];

struct Cols {
    id: usize,
    abbr: Vec<usize>,
    city: usize,
    nickname: usize,
    full: usize,
    conference: Option<usize>,
    division: Option<usize>,
    founded: Option<usize>,
    state: Option<usize>,
    titles: Option<usize>,
    color: Option<usize>,
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "teams")?;
    let h = &table.header;
    let c = if layout.name == NBA_API {
        Cols {
            id: h.idx("team_id"),
            abbr: vec![h.idx("abbreviation")],
            city: h.idx("city"),
            nickname: h.idx("nickname"),
            full: h.idx("full_name"),
            conference: h.find("conference"),
            division: h.find("division"),
            founded: h.find("year_founded"),
            state: h.find("state"),
            titles: h.find("championship_years"),
            color: None,
        }
    } else {
        Cols {
            id: h.idx("hr_team_id"),
            abbr: ["hr_team_abbreviation", "hr_abbreviation"]
                .iter()
                .filter_map(|n| h.find(n))
                .collect(),
            city: h.idx("hr_team_city"),
            nickname: h.idx("hr_team_name"),
            full: h.idx("hr_team_name_full"),
            conference: h.find("hr_conference"),
            division: h.find("hr_division"),
            founded: None,
            state: None,
            titles: None,
            color: h.find("hr_color"),
        }
    };
    let (rows, n) = collect(table, sink, |rec| row(rec, &c))?;
    Ok((Parsed::Teams(rows), layout.name, n))
}

fn row(r: &Rec<'_>, c: &Cols) -> Result<Outcome<TeamRow>, String> {
    let text = |ix: Option<usize>| -> Result<Option<String>, String> {
        Ok(r.opt_text(ix)?.map(str::to_string))
    };
    let team_id = r.int(c.id)?;
    if team_id <= 0 {
        return Err(r.bad(c.id, "team id", &team_id.to_string()));
    }
    let mut abbreviation = None;
    for &ix in &c.abbr {
        if let Some(a) = r.opt_text(Some(ix))? {
            abbreviation = Some(a.to_string());
            break;
        }
    }
    let abbreviation =
        abbreviation.ok_or_else(|| format!("column '{}': missing value", r.col(c.abbr[0])))?;
    let championship_years = match c.titles {
        None => None,
        Some(ix) => {
            let t = r.text(ix)?;
            let mut years = Vec::new();
            for y in t.split([';', ',']).map(str::trim).filter(|y| !y.is_empty()) {
                match parse_int(y) {
                    Some(v) if (1946..=2100).contains(&v) => years.push(v as i32),
                    _ => return Err(r.bad(ix, "championship year", y)),
                }
            }
            Some(years)
        }
    };
    let year_founded = match r.int_opt(c.founded)? {
        None => None,
        Some(y) if (1900..=2100).contains(&y) => Some(y as i32),
        Some(y) => return Err(r.bad(c.founded.unwrap_or(0), "year", &y.to_string())),
    };
    Ok(Outcome::Keep(TeamRow {
        line: r.line,
        team_id,
        abbreviation,
        city: r.req(c.city)?.to_string(),
        nickname: r.req(c.nickname)?.to_string(),
        full_name: r.req(c.full)?.to_string(),
        conference: text(c.conference)?,
        division: text(c.division)?,
        year_founded,
        state: text(c.state)?,
        championship_years,
        color: text(c.color)?,
    }))
}

#[cfg(test)]
mod tests {
    use crate::{parse_reader, Format, ParseOptions, Parsed};

    #[test]
    fn both_layouts() {
        let a = "team_id,abbreviation,nickname,year_founded,city,full_name,state,championship_years\r\n\
                 1610612738,BOS,Celtics,1946,Boston,Boston Celtics,Massachusetts,1957;2024\r\n\
                 1610612743,DEN,Nuggets,1976,Denver,Denver Nuggets,Colorado,\r\n";
        let out = parse_reader(Format::Teams, "t", a.as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(out.layout, "nba_api teams");
        let Parsed::Teams(t) = &out.parsed else {
            panic!()
        };
        assert_eq!(t[0].championship_years, Some(vec![1957, 2024]));
        assert_eq!(t[1].championship_years, Some(vec![]));
        let b = "hr_team_id,hr_espn_team_id,hr_season,hr_team_city,hr_team_name,hr_team_name_full,hr_team_slug,hr_team_abbreviation,hr_abbreviation,hr_conference,hr_division,hr_color,hr_alternate_color\n\
                 1610612744,9,2025-26,Golden State,Warriors,Golden State Warriors,warriors,GSW,GS,West,Pacific,fdb927,1d428a\n";
        let out = parse_reader(Format::Teams, "t", b.as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(out.layout, "hoopR teams");
        let Parsed::Teams(t) = &out.parsed else {
            panic!()
        };
        assert_eq!(t[0].abbreviation, "GSW");
        assert_eq!(t[0].conference.as_deref(), Some("West"));
        assert_eq!(t[0].color.as_deref(), Some("fdb927"));
    }
}
