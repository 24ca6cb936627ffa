//! FiveThirtyEight game files (data CC BY 4.0, FiveThirtyEight): the consolidated
//! `games_1947_2022` table, the `benchmark_2015_2022` table and 538's original
//! `nba_elo_latest` season files (any season: nothing here knows a season list).
//!
//! `team1` is the home team (on neutral sites simply the first team), `team2` the away team.
//! 538 team codes are resolved with `era_by_fte_code(code, season)`. Rows with empty scores
//! are games not yet played (`None` scores); a 0-0 score is not a real final and is left out
//! with a note.

use std::str::FromStr;

use nba_domain::franchises::era_by_fte_code;
use nba_domain::{Season, Stage};

use crate::common::{check_date, collect, Outcome, Sink};
use crate::reader::{detect, Layout, Rec, Table};
use crate::{FteForecast, GameRow, Parsed, ParserResult};

const BENCHMARK: &str = "538 benchmark_2015_2022";
const GAMES: &str = "538 games_1947_2022";
const ELO_LATEST: &str = "538 nba_elo_latest";

/// The layouts, most specific first.
pub(crate) const LAYOUTS: &[Layout] = &[
    Layout {
        name: BENCHMARK,
        required: &[
            "season",
            "date",
            "stage",
            "playoff",
            "neutral",
            "team1",
            "team2",
            "score1",
            "score2",
            "elo1_pre",
            "elo2_pre",
            "elo_prob1",
            "main_prob1",
            "main_model",
            "src",
        ],
    },
    Layout {
        name: GAMES,
        required: &[
            "season",
            "date",
            "stage",
            "neutral",
            "team1",
            "team2",
            "score1",
            "score2",
            "elo1_pre",
            "elo2_pre",
            "elo_prob1",
            "raptor_prob1",
            "main_prob1",
            "main_model",
        ],
    },
    Layout {
        name: ELO_LATEST,
        required: &[
            "date",
            "season",
            "neutral",
            "playoff",
            "team1",
            "team2",
            "elo1_pre",
            "elo2_pre",
            "elo_prob1",
            "score1",
            "score2",
        ],
    },
];

struct Cols {
    season: usize,
    date: usize,
    stage: Option<usize>,
    playoff: Option<usize>,
    neutral: usize,
    team1: usize,
    team2: usize,
    score1: usize,
    score2: usize,
    elo1_pre: usize,
    elo2_pre: usize,
    elo_prob1: usize,
    raptor_prob1: Option<usize>,
    main_prob1: Option<usize>,
    main_model: Option<usize>,
}

pub(crate) fn parse(table: Table<'_>, sink: &mut Sink) -> ParserResult {
    let layout = detect(&table.header, LAYOUTS, &sink.file, "fivethirtyeight")?;
    let h = &table.header;
    let c = Cols {
        season: h.idx("season"),
        date: h.idx("date"),
        stage: h.find("stage"),
        playoff: h.find("playoff"),
        neutral: h.idx("neutral"),
        team1: h.idx("team1"),
        team2: h.idx("team2"),
        score1: h.idx("score1"),
        score2: h.idx("score2"),
        elo1_pre: h.idx("elo1_pre"),
        elo2_pre: h.idx("elo2_pre"),
        elo_prob1: h.idx("elo_prob1"),
        raptor_prob1: h.find("raptor_prob1"),
        main_prob1: h.find("main_prob1"),
        main_model: h.find("main_model"),
    };
    let (rows, n) = collect(table, sink, |rec| row(rec, &c))?;
    Ok((Parsed::Games(rows), layout.name, n))
}

fn row(r: &Rec<'_>, c: &Cols) -> Result<Outcome<GameRow>, String> {
    let year = r.int(c.season)?;
    let season = Season::from_end_year(year)
        .ok_or_else(|| format!("column 'season': invalid season '{year}'"))?;
    let date = r.date(c.date)?;
    check_date(date, season, r.col(c.date))?;
    let stage = stage(r, c)?;
    let neutral = match r.text(c.neutral)? {
        "" | "0" | "0.0" | "False" | "false" => false,
        "1" | "1.0" | "True" | "true" => true,
        v => return Err(r.bad(c.neutral, "neutral flag (0/1)", v)),
    };
    let home_id = team(r, c.team1, season)?;
    let away_id = team(r, c.team2, season)?;
    if home_id == away_id {
        return Err(format!(
            "columns 'team1' and 'team2': both name franchise {home_id}"
        ));
    }
    let (home_score, away_score) =
        match (r.count_opt(Some(c.score1))?, r.count_opt(Some(c.score2))?) {
            (None, None) => (None, None),
            (Some(0), Some(0)) => {
                return Ok(Outcome::Leave("0-0 scores, not a played game".into()))
            }
            (Some(a), Some(b)) if a == b => {
                return Err(format!(
                    "columns 'score1'/'score2': tied final score {a}-{b}"
                ))
            }
            (Some(a), Some(b)) => (Some(a), Some(b)),
            (Some(_), None) => return Err(format!("column '{}': missing value", r.col(c.score2))),
            (None, Some(_)) => return Err(format!("column '{}': missing value", r.col(c.score1))),
        };
    let fte = FteForecast {
        elo_home_pre: r.f64_opt(Some(c.elo1_pre))?,
        elo_away_pre: r.f64_opt(Some(c.elo2_pre))?,
        elo_prob_home: prob(r, Some(c.elo_prob1))?,
        raptor_prob_home: prob(r, c.raptor_prob1)?,
        main_prob_home: prob(r, c.main_prob1)?,
        main_model: r.opt_text(c.main_model)?.map(str::to_string),
    };
    Ok(Outcome::Keep(GameRow {
        line: r.line,
        season,
        date,
        stage,
        neutral,
        home_id,
        away_id,
        home_score,
        away_score,
        nba_game_id: None,
        fte: Some(fte),
    }))
}

/// The stage from `stage` (regular | play-in | playoffs) or from 538's round code in
/// `playoff` (empty = regular season, q/s/c/f = playoffs, p = play-in); when both columns
/// are there they must agree.
fn stage(r: &Rec<'_>, c: &Cols) -> Result<Stage, String> {
    let from_code = match c.playoff {
        None => None,
        Some(ix) => Some(match r.text(ix)? {
            "" => Stage::Regular,
            "p" | "P" => Stage::PlayIn,
            "q" | "s" | "c" | "f" | "Q" | "S" | "C" | "F" => Stage::Playoffs,
            v => return Err(r.bad(ix, "playoff round code (q/s/c/f/p)", v)),
        }),
    };
    let Some(ix) = c.stage else {
        return Ok(from_code.expect("a layout has stage or playoff"));
    };
    let t = r.req(ix)?;
    let s = Stage::from_str(t).map_err(|_| r.bad(ix, "stage", t))?;
    match (from_code, c.playoff) {
        (Some(code), Some(pix)) if code != s && !r.text(pix)?.is_empty() => Err(format!(
            "column 'stage': '{t}' disagrees with column 'playoff' '{}'",
            r.text(pix)?
        )),
        _ => Ok(s),
    }
}

fn team(r: &Rec<'_>, ix: usize, season: Season) -> Result<i64, String> {
    let code = r.req(ix)?;
    era_by_fte_code(code, season.end_year())
        .map(|e| e.franchise_id)
        .ok_or_else(|| {
            format!(
                "column '{}': unknown FiveThirtyEight team code '{code}' for season {season}",
                r.col(ix)
            )
        })
}

fn prob(r: &Rec<'_>, ix: Option<usize>) -> Result<Option<f64>, String> {
    match r.f64_opt(ix)? {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(format!(
            "column '{}': probability {p} is outside 0..1",
            r.col(ix.unwrap_or(0))
        )),
        p => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_reader, Format, IngestError, ParseOptions, Parsed};
    use nba_domain::Stage;

    const GAMES_HEAD: &str = "season,date,stage,neutral,team1,team2,score1,score2,elo1_pre,elo2_pre,elo_prob1,raptor_prob1,main_prob1,main_model\n";
    const ELO_HEAD: &str = "date,season,neutral,playoff,team1,team2,elo1_pre,elo2_pre,elo_prob1,elo_prob2,elo1_post,elo2_post,carm-elo1_pre,carm-elo2_pre,carm-elo_prob1,carm-elo_prob2,carm-elo1_post,carm-elo2_post,raptor1_pre,raptor2_pre,raptor_prob1,raptor_prob2,score1,score2\n";

    fn parse(text: &str, skip: bool) -> Result<crate::ParseOutput, IngestError> {
        let opts = ParseOptions { skip_invalid: skip };
        parse_reader(Format::FiveThirtyEight, "t.csv", text.as_bytes(), &opts)
    }

    fn games(out: &crate::ParseOutput) -> &Vec<crate::GameRow> {
        match &out.parsed {
            Parsed::Games(g) => g,
            other => panic!("expected games, got {other:?}"),
        }
    }

    #[test]
    fn consolidated_layout() {
        let text = format!(
            "{GAMES_HEAD}2016,2015-10-27,regular,0,GSW,NOP,111,95,1700.5,1500.2,0.8,,0.79,carmelo\n\
             2016,2016-06-19,playoffs,0,GSW,CLE,89,93,1800,1750,0.7,0.6,0.65,carmelo\n"
        );
        let out = parse(&text, false).unwrap();
        assert_eq!(out.layout, "538 games_1947_2022");
        let g = games(&out);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].home_score, Some(111));
        assert_eq!(g[0].line, 2);
        assert_eq!(g[1].stage, Stage::Playoffs);
        let fte = g[0].fte.as_ref().unwrap();
        assert_eq!(fte.main_prob_home, Some(0.79));
        assert_eq!(fte.raptor_prob_home, None);
        assert_eq!(fte.main_model.as_deref(), Some("carmelo"));
    }

    #[test]
    fn elo_latest_layout_any_season() {
        // A 2022-23 file in the same layout must parse: no season list anywhere.
        let text = format!(
            "{ELO_HEAD}2022-10-18,2023,0,,BOS,PHI,1657,1582,0.64,0.36,,,,,,,,,1600,1580,0.6,0.4,126,117\n\
             2023-04-11,2023,0,p,ATL,MIA,1500,1550,0.5,0.5,,,,,,,,,1500,1500,0.5,0.5,,\n\
             2023-04-16,2023,0,q,BOS,ATL,1650,1500,0.8,0.2,,,,,,,,,1600,1500,0.7,0.3,,\n"
        );
        let out = parse(&text, false).unwrap();
        assert_eq!(out.layout, "538 nba_elo_latest");
        let g = games(&out);
        assert_eq!(g[0].season.label(), "2022-23");
        assert_eq!(g[1].stage, Stage::PlayIn);
        assert_eq!(g[2].stage, Stage::Playoffs);
        assert_eq!(g[1].home_score, None);
        assert_eq!(g[0].fte.as_ref().unwrap().main_prob_home, None);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let text = format!(
            "{GAMES_HEAD}2016,2015-10-27,regular,0,GSW,NOP,111,95,1,1,0.5,,,\n\
             2016,2015-10-28,regular,0,XYZ,NOP,111,95,1,1,0.5,,,\n\
             2016,2015-10-29,regular,0,GSW,NOP,1x1,95,1,1,0.5,,,\n\
             2016,2015-10-30,regular,0,GSW,NOP,0,0,1,1,0.5,,,\n"
        );
        let e = parse(&text, false).unwrap_err();
        assert_eq!(e.code(), "invalid_row");
        assert_eq!(
            e.to_string(),
            "t.csv:3: column 'team1': unknown FiveThirtyEight team code 'XYZ' for season 2015-16"
        );
        let out = parse(&text, true).unwrap();
        assert_eq!(games(&out).len(), 1);
        assert_eq!(out.skipped.len(), 2);
        assert_eq!(out.skipped[1].line, 4);
        assert!(out.skipped[1].message.contains("'score1'"));
        assert!(out.skipped[1].message.contains("'1x1'"));
        assert_eq!(out.notes, ["1 row: 0-0 scores, not a played game"]);
    }

    proptest::proptest! {
        /// Any valid row comes back with the same scores, stage and forecast, on its line.
        #[test]
        fn rows_round_trip(
            rows in proptest::collection::vec((0usize..4, 1i32..200, 1i32..200, 0.0f64..=1.0, 0usize..3), 1..20)
        ) {
            let teams = [("GSW", "LAL"), ("BOS", "NYK"), ("CHI", "DET"), ("PHO", "BRK")];
            let stages = ["regular", "play-in", "playoffs"];
            let mut text = GAMES_HEAD.to_string();
            let rows: Vec<_> = rows.into_iter().filter(|r| r.1 != r.2).collect();
            for (t, a, b, p, s) in &rows {
                let (h, v) = teams[*t];
                text += &format!("2022,2022-01-05,{},0,{h},{v},{a},{b},1500,1500,{p},,{p},raptor\n", stages[*s]);
            }
            let out = parse(&text, false).unwrap();
            let g = games(&out);
            proptest::prop_assert_eq!(g.len(), rows.len());
            for (i, (row, (_, a, b, p, s))) in g.iter().zip(&rows).enumerate() {
                proptest::prop_assert_eq!(row.line, i as u64 + 2);
                proptest::prop_assert_eq!((row.home_score, row.away_score), (Some(*a), Some(*b)));
                proptest::prop_assert_eq!(row.stage.as_str(), stages[*s]);
                proptest::prop_assert_eq!(row.fte.as_ref().unwrap().main_prob_home, Some(*p));
            }
        }
    }

    #[test]
    fn unknown_header_and_empty_file() {
        let e = parse("a,b,c\n1,2,3\n", false).unwrap_err();
        assert_eq!(e.code(), "unknown_layout");
        let msg = e.to_string();
        assert!(
            msg.contains("fivethirtyeight") && msg.contains("a,b,c"),
            "{msg}"
        );
        assert!(msg.contains("538 nba_elo_latest"), "{msg}");
        assert_eq!(parse("", false).unwrap_err().code(), "empty_file");
    }
}
