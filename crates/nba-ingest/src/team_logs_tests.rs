//! Tests of the NBA Stats team game log parser: layouts, franchise resolution, stages and bad rows.

use crate::{parse_reader, Format, IngestError, ParseOptions, ParseOutput, Parsed, TeamGameRow};
use nba_domain::Stage;

const LAWLERS: &str = "SEASON_ID,TEAM_ID,TEAM_ABBREVIATION,TEAM_NAME,GAME_ID,GAME_DATE,MATCHUP,WL,MIN,FGM,FGA,FG_PCT,FG3M,FG3A,FG3_PCT,FTM,FTA,FT_PCT,OREB,DREB,REB,AST,STL,BLK,TOV,PF,PTS,PLUS_MINUS,VIDEO_AVAILABLE\n";
const NOP: &str = "22015,1610612740,NOP,New Orleans Pelicans,0021500003,2015-10-27,NOP @ GSW,L,240,35,83,0.422,6,18,0.333,19,27,0.704,8,25,33,21,9,3,19,26,95,-16,1\n";
const GSW: &str = "22015,1610612744,GSW,Golden State Warriors,0021500003,2015-10-27,GSW vs. NOP,W,240,41,96,0.427,9,30,0.3,20,22,0.909,21,35,56,29,8,7,20,29,111,16,1\n";

fn run(text: &str, skip: bool) -> Result<(Vec<TeamGameRow>, ParseOutput), IngestError> {
    let opts = ParseOptions { skip_invalid: skip };
    let out = parse_reader(Format::NbaStatsTeamLogs, "l.csv", text.as_bytes(), &opts)?;
    match &out.parsed {
        Parsed::TeamGames(v) => Ok((v.clone(), out)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pairs_two_rows_into_one_game() {
    let (g, out) = run(&format!("{LAWLERS}{NOP}{GSW}"), false).unwrap();
    assert_eq!(out.layout, "lawlers-law LeagueGameLog");
    assert_eq!(g.len(), 1);
    let g = &g[0];
    assert_eq!((g.home_id, g.away_id), (1610612744, 1610612740));
    assert_eq!((g.home.pts, g.away.pts), (111, 95));
    assert_eq!(g.home.minutes, Some(240.0));
    assert_eq!(g.stage, Stage::Regular);
    assert_eq!(g.season.label(), "2015-16");
    assert_eq!(g.line, 2);
}

#[test]
fn cancelled_zero_zero_game_is_noted() {
    let text = format!(
        "{LAWLERS}22012,1610612754,IND,Indiana Pacers,0021201214,2013-04-16,IND @ BOS,,0,0,0,,0,0,,0,0,,0,0,0,0,0,0,0,0,0,0,0\n\
         22012,1610612738,BOS,Boston Celtics,0021201214,2013-04-16,BOS vs. IND,,0,0,0,,0,0,,0,0,,0,0,0,0,0,0,0,0,0,0,0\n"
    );
    let (g, out) = run(&text, false).unwrap();
    assert!(g.is_empty());
    assert_eq!(out.notes, ["2 rows: cancelled game 0021201214 (0-0)"]);
}

#[test]
fn inconsistent_pairs_are_row_errors() {
    // One row only.
    let e = run(&format!("{LAWLERS}{NOP}"), false).unwrap_err();
    assert_eq!(e.code(), "invalid_row");
    assert!(
        e.to_string()
            .starts_with("l.csv:2: GAME_ID '0021500003': only one"),
        "{e}"
    );
    // Both home.
    let nop_home = NOP.replace("NOP @ GSW", "NOP vs. GSW");
    let e = run(&format!("{LAWLERS}{nop_home}{GSW}"), false).unwrap_err();
    assert!(e.to_string().contains("column 'MATCHUP'"), "{e}");
    // WL contradicts the points.
    let e = run(
        &format!("{LAWLERS}{NOP}{}", GSW.replace(",W,", ",L,")),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("l.csv:3: column 'WL'"), "{e}");
    // Negative points.
    let e = run(
        &format!("{LAWLERS}{}{GSW}", NOP.replace(",95,", ",-95,")),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("l.csv:2: column 'PTS'"), "{e}");
    // fgm > fga (a known defect of 1950s logs): the pair is cleared and noted, the game kept.
    let (g, out) = run(
        &format!("{LAWLERS}{}{GSW}", NOP.replace(",35,83,", ",85,83,")),
        false,
    )
    .unwrap();
    assert_eq!(
        (g[0].away.fgm, g[0].away.fga, g[0].away.fg3m),
        (None, None, Some(6))
    );
    assert_eq!(
        out.notes,
        ["1 row: FGM above FGA (source error): both read as not recorded"]
    );
    // With skip_invalid, the partner of a rejected row is reported too.
    let (g, out) = run(
        &format!("{LAWLERS}{}{GSW}", NOP.replace(",95,", ",9x,")),
        true,
    )
    .unwrap();
    assert!(g.is_empty());
    assert_eq!(out.skipped.len(), 2);
    assert!(out.skipped[0].message.contains("'PTS'") && out.skipped[0].message.contains("'9x'"));
    assert!(
        out.skipped[1].message.contains("rejected"),
        "{}",
        out.skipped[1]
    );
}

#[test]
fn season_must_match_game_id() {
    let e = run(
        &format!("{LAWLERS}{}{GSW}", NOP.replace("22015,", "22014,")),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("'SEASON_ID'"), "{e}");
}

#[test]
fn hoopr_and_nocturne_layouts() {
    let hoopr = "team_id,game_id,game_date,matchup,wl,w,l,w_pct,min,fgm,fga,fg_pct,fg3m,fg3a,fg3_pct,ftm,fta,ft_pct,oreb,dreb,reb,ast,stl,blk,tov,pf,pts,season\n\
                 1610612737,0022301188,\"APR 14, 2024\",ATL @ IND,L,36,46,0.439,240,39,89,0.438,12,36,0.333,25,27,0.926,9,23,32,25,6,5,15,12,115,2023.0\n\
                 1610612754,0022301188,\"APR 14, 2024\",IND vs. ATL,W,47,35,0.573,240,59,100,0.59,9,24,0.375,10,12,0.833,12,40,52,38,9,6,10,20,157,2023.0\n";
    let (g, out) = run(hoopr, false).unwrap();
    assert_eq!(out.layout, "hoopR team logs");
    assert_eq!(g[0].season.label(), "2023-24");
    assert_eq!(g[0].date.to_string(), "2024-04-14");
    assert_eq!((g[0].home.pts, g[0].away.pts), (157, 115));
    assert_eq!(g[0].home.plus_minus, None);

    let head = "SEASON_YEAR,TEAM_ID,TEAM_ABBREVIATION,TEAM_NAME,GAME_ID,GAME_DATE,MATCHUP,WL,MIN,FGM,FGA,PTS,PLUS_MINUS,PTS_RANK\n";
    let noct = format!(
        "{head}2010-11,1610612737,ATL,Atlanta Hawks,0041000205,2011-05-10T00:00:00,ATL @ CHI,L,53.0,34,71,83,-12.0,1\n\
         2010-11,1610612741,CHI,Chicago Bulls,0041000205,2011-05-10T00:00:00,CHI vs. ATL,W,53.0,34,71,95,12.0,1\n"
    );
    let (g, out) = run(&noct, false).unwrap();
    assert_eq!(out.layout, "NocturneBear playoff team totals");
    assert_eq!(g[0].stage, Stage::Playoffs);
    assert_eq!(g[0].home.minutes, Some(265.0));
    assert_eq!(g[0].home.fg3m, None);
}

#[test]
fn non_league_games_are_noted() {
    let pre = |s: &str| s.replace("0021500003", "0011500003");
    let (g, out) = run(&format!("{LAWLERS}{}{}", pre(NOP), pre(GSW)), false).unwrap();
    assert!(g.is_empty());
    assert_eq!(out.notes, ["2 rows: preseason games (game type 1)"]);
    assert_eq!(out.rows_read, 2);
}
