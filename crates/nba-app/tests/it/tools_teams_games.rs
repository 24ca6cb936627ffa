//! Team, game and standings-free tools on the real data: team stats, games and their
//! sources, pagination, argument errors, team resolution and the team lists.

#![allow(unused_imports)]
use crate::common;

use std::collections::{BTreeMap, HashSet};

use common::assert::*;
use common::{app, call, call_err, raw_538, RawGame};
use nba_app::AppError;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn team_stats_of_record_seasons() {
    let app = app().await;
    let gsw = call(
        &app,
        "get_team_stats",
        json!({"team": "GSW", "season": "2015-16"}),
    )
    .await;
    assert_eq!(gsw["season"], "2015-16");
    assert_eq!(gsw["team"]["name"], "Golden State Warriors");
    assert_eq!(
        (
            gsw["record"]["wins"].as_u64(),
            gsw["record"]["losses"].as_u64()
        ),
        (Some(73), Some(9))
    );
    assert_eq!(
        (gsw["home"]["wins"].as_u64(), gsw["home"]["losses"].as_u64()),
        (Some(39), Some(2))
    );
    assert_eq!(
        (gsw["away"]["wins"].as_u64(), gsw["away"]["losses"].as_u64()),
        (Some(34), Some(7))
    );
    assert_eq!(raw_record(2016, "GSW", None), (73, 9));
    // Basketball-Reference, 2015-16 Warriors: pace 99.3, ORtg 114.5, DRtg 103.8.
    let r = &gsw["ratings"];
    assert_eq!(r["games"], 82, "every game has both box scores");
    close(&r["pace"], 99.3, 0.15, "GSW pace");
    close(&r["offensive_rating"], 114.5, 0.15, "GSW ORtg");
    close(&r["defensive_rating"], 103.8, 0.15, "GSW DRtg");
    close(&r["net_rating"], 114.5 - 103.8, 0.2, "GSW net rating");
    close(
        &gsw["points_for_per_game"],
        114.9,
        0.05,
        "GSW points per game",
    );
    // Play-offs: 15-9 (lost the Finals 3-4).
    assert_eq!(
        gsw["playoffs"],
        json!({"wins": 15, "losses": 9, "win_pct": 0.625})
    );

    let bulls = call(
        &app,
        "get_team_stats",
        json!({"team": "Bulls", "season": 1996}),
    )
    .await;
    assert_eq!(bulls["season"], "1995-96");
    assert_eq!(
        (
            bulls["record"]["wins"].as_u64(),
            bulls["record"]["losses"].as_u64()
        ),
        (Some(72), Some(10))
    );
    assert_eq!(raw_record(1996, "CHI", None), (72, 10));
    assert_eq!(bulls["playoffs"]["wins"], 15);
    assert_eq!(bulls["playoffs"]["losses"], 3);

    // A relocated franchise by its code of the time: the 2007-08 SuperSonics went 20-62.
    let sonics = call(
        &app,
        "get_team_stats",
        json!({"team": "SEA", "season": 2008}),
    )
    .await;
    assert_eq!(sonics["team"]["name"], "Seattle SuperSonics");
    assert_eq!(
        (
            sonics["record"]["wins"].as_u64(),
            sonics["record"]["losses"].as_u64()
        ),
        (Some(20), Some(62))
    );
    assert_eq!(raw_record(2008, "SEA", None), (20, 62));
    assert!(sonics["playoffs"].is_null());

    // Early seasons: results but no box scores with rebounds and turnovers, so no ratings.
    let early = call(
        &app,
        "get_team_stats",
        json!({"team": "Celtics", "season": 1960}),
    )
    .await;
    assert!(early["ratings"].is_null(), "{early}");
    assert!(early["note"].as_str().unwrap().contains("not available"));
    let (w, l) = raw_record(1960, "BOS", None);
    assert_eq!(
        (
            early["record"]["wins"].as_u64(),
            early["record"]["losses"].as_u64()
        ),
        (Some(w as u64), Some(l as u64))
    );

    let e = call_err(
        &app,
        "get_team_stats",
        json!({"team": "OKC", "season": 2008}),
    )
    .await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("Oklahoma City Thunder"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn finals_2016_games_and_box_score() {
    let app = app().await;
    let out = call(
        &app,
        "get_games",
        json!({"team": "GSW", "opponent": "CLE", "season": "2015-16", "stage": "playoffs"}),
    )
    .await;
    let games = arr(&out["games"]);
    assert_eq!(out["count"], 7);
    assert_eq!(games.len(), 7);
    assert_eq!(out["truncated"], false);
    assert!(out["next_cursor"].is_null());
    let cle_wins = games.iter().filter(|g| g["winner"] == "CLE").count();
    let gsw_wins = games.iter().filter(|g| g["winner"] == "GSW").count();
    assert_eq!((cle_wins, gsw_wins), (4, 3));
    let g7 = &games[0];
    assert_eq!(g7["date"], "2016-06-19");
    assert_eq!(g7["game_id"], "20160619-CLE-GSW");
    assert_eq!(g7["nba_game_id"], "0041500407");
    assert_eq!(
        (g7["home"]["abbr"].as_str(), g7["home"]["score"].as_i64()),
        (Some("GSW"), Some(89))
    );
    assert_eq!(
        (g7["away"]["abbr"].as_str(), g7["away"]["score"].as_i64()),
        (Some("CLE"), Some(93))
    );

    // The same game by either id, with box scores that add up.
    let by_ours = call(&app, "get_game", json!({"game_id": "20160619-CLE-GSW"})).await;
    let by_nba = call(&app, "get_game", json!({"game_id": "0041500407"})).await;
    assert_eq!(by_ours, by_nba);
    assert_eq!(by_ours["game"], *g7);
    let team_box = arr(&by_ours["team_box"]);
    assert_eq!(team_box.len(), 2);
    let players = arr(&by_ours["player_box"]);
    for side in ["GSW", "CLE"] {
        let team_pts =
            team_box.iter().find(|b| b["abbr"] == side).unwrap()["stats"]["pts"].as_i64();
        let player_pts: i64 = players
            .iter()
            .filter(|p| p["team_abbr"] == side)
            .map(|p| p["stats"]["pts"].as_i64().unwrap())
            .sum();
        assert_eq!(
            Some(player_pts),
            team_pts,
            "{side} player points add up to the team's"
        );
    }
    // LeBron James's Game 7 triple-double: 27 points, 11 rebounds, 11 assists.
    let lebron = players
        .iter()
        .find(|p| p["name"] == "LeBron James")
        .expect("LeBron in the box");
    let s = &lebron["stats"];
    assert_eq!(
        (s["pts"].as_i64(), s["reb"].as_i64(), s["ast"].as_i64()),
        (Some(27), Some(11), Some(11))
    );
    assert!(by_ours["fivethirtyeight"]["credit"]
        .as_str()
        .unwrap()
        .contains("CC BY 4.0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn game_sources_show_the_lal_ind_disagreement() {
    let app = app().await;
    let found = call(
        &app,
        "get_games",
        json!({"team": "Lakers", "opponent": "Pacers", "date_from": "2017-01-20", "date_to": "2017-01-20"}),
    )
    .await;
    assert_eq!(found["count"], 1, "{found}");
    let id = found["games"][0]["game_id"].as_str().unwrap().to_string();
    let game = call(&app, "get_game", json!({"game_id": id})).await;
    assert_eq!(game["game"]["home"]["score"], 108);
    assert_eq!(game["game"]["away"]["score"], 96, "538's score is kept");
    let sources = arr(&game["sources"]);
    let fte = sources
        .iter()
        .find(|s| s["source"] == "fivethirtyeight")
        .expect("538 source");
    assert!(fte["disagreement"].is_null());
    let nba = sources
        .iter()
        .find(|s| s["source"] == "nba-stats-team-logs")
        .expect("NBA Stats team log source");
    assert_eq!(
        (nba["home_score"].as_i64(), nba["away_score"].as_i64()),
        (Some(108), Some(95))
    );
    let d = nba["disagreement"].as_str().expect("a disagreement");
    assert!(d.contains("108-95") && d.contains("stored 108-96"), "{d}");

    let e = call_err(&app, "get_game", json!({"game_id": "20170120-XXX-LAL"})).await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("get_games"), "{e}");
}

/// Follows next_cursor from the first page, returning every game and the page count.
async fn walk(app: &nba_app::App, mut args: Value) -> (Vec<Value>, usize) {
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = call(app, "get_games", args.clone()).await;
        pages += 1;
        assert!(pages < 1000, "pagination does not end");
        let games = arr(&page["games"]);
        assert_eq!(page["count"].as_u64(), Some(games.len() as u64));
        all.extend(games.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(page["truncated"], true);
                args["cursor"] = json!(c);
            }
            None => {
                assert_eq!(page["truncated"], false);
                return (all, pages);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_games_pagination_walks_every_game_once() {
    let app = app().await;
    // A team season: 82 regular-season games, pages of 10, against one page of 100.
    let args = json!({"team": "GSW", "season": "2015-16", "stage": "regular", "limit": 10});
    let (walked, pages) = walk(&app, args.clone()).await;
    assert_eq!(walked.len(), 82);
    assert_eq!(pages, 9);
    assert_newest_first_and_unique(&walked);
    let mut one = args;
    one["limit"] = json!(100);
    let single = call(&app, "get_games", one).await;
    assert!(single["next_cursor"].is_null());
    assert_eq!(arr(&single["games"]), &walked);

    // The whole season with play-offs (106 games) spans more than one page of 100.
    let (all, _) = walk(&app, json!({"team": "GSW", "season": 2016, "limit": 100})).await;
    assert_eq!(all.len(), 82 + 24);
    assert_newest_first_and_unique(&all);

    // League-wide days: many games share a date, so the cursor must order by id too.
    let args = json!({"date_from": "2016-01-01", "date_to": "2016-01-03", "limit": 7});
    let (walked, _) = walk(&app, args).await;
    let raw = raw_538()
        .iter()
        .filter(|g| ("2016-01-01".."2016-01-04").contains(&g.date.as_str()))
        .count();
    assert_eq!(walked.len(), raw);
    assert_newest_first_and_unique(&walked);

    let e = call_err(&app, "get_games", json!({"cursor": "not-a-cursor"})).await;
    assert!(
        matches!(e, AppError::InvalidArgument(_)) && e.to_string().contains("cursor"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_games_rejects_bad_arguments_by_name() {
    let app = app().await;
    for limit in [0, 101, -5] {
        let e = call_err(&app, "get_games", json!({"limit": limit})).await;
        assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
        assert!(e.to_string().contains("limit"), "{e}");
    }
    for bad in ["2016-13-01", "yesterday", "01/02/2016"] {
        let e = call_err(&app, "get_games", json!({"date_from": bad})).await;
        assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
        assert!(e.to_string().contains("date_from"), "{e}");
    }
    let e = call_err(
        &app,
        "get_games",
        json!({"date_from": "2016-02-01", "date_to": "2016-01-01"}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let e = call_err(&app, "get_games", json!({"teams": "GSW"})).await;
    assert!(
        matches!(e, AppError::InvalidArgument(_)) && e.to_string().contains("teams"),
        "{e:?}"
    );
    let e = call_err(
        &app,
        "get_games",
        json!({"team": "GSW", "opponent": "Warriors"}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let e = call_err(&app, "get_games", json!("GSW")).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");

    let e = call_err(&app, "get_games", json!({"team": "Lakerz"})).await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("Los Angeles Lakers (LAL)"), "{e}");
    let e = call_err(&app, "get_games", json!({"team": "Los Angeles"})).await;
    assert!(matches!(e, AppError::Ambiguous(_)), "{e:?}");
    assert!(
        e.to_string().contains("Lakers") && e.to_string().contains("Clippers"),
        "{e}"
    );

    // The 2013-04-16 BOS-IND game was cancelled (a 0-0 row in the NBA log): not a game.
    let none = call(
        &app,
        "get_games",
        json!({"team": "BOS", "date_from": "2013-04-16", "date_to": "2013-04-16"}),
    )
    .await;
    assert_eq!(none["count"], 0, "{none}");
    // The withheld 2022-23 season is simply absent.
    let none = call(&app, "get_games", json!({"season": "2022-23"})).await;
    assert_eq!(none["count"], 0);
    let e = call_err(&app, "no_such_tool", json!({})).await;
    assert!(
        matches!(e, AppError::UnknownName(_)) && e.to_string().contains("get_games"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn find_team_codes_names_and_history() {
    let app = app().await;
    let id = |v: &Value| v["team"]["team_id"].as_i64().expect("a resolved team");
    let brk = call(&app, "find_team", json!({"query": "BRK"})).await;
    let bkn = call(&app, "find_team", json!({"query": "BKN"})).await;
    let nets = call(&app, "find_team", json!({"query": "Nets"})).await;
    assert_eq!(id(&brk), 1610612751);
    assert_eq!(id(&bkn), id(&brk));
    assert_eq!(id(&nets), id(&brk));
    assert_eq!(nets["team"]["name"], "Brooklyn Nets");

    let okc = call(&app, "find_team", json!({"query": "Thunder"})).await;
    let sea = call(&app, "find_team", json!({"query": "SEA", "season": 2008})).await;
    assert_eq!(sea["team"]["name"], "Seattle SuperSonics");
    assert_eq!(
        id(&sea),
        id(&okc),
        "the SuperSonics carry the Thunder's franchise id"
    );

    let la = call(&app, "find_team", json!({"query": "Los Angeles"})).await;
    assert!(la["team"].is_null(), "'Los Angeles' is ambiguous: {la}");
    let names: Vec<&str> = arr(&la["candidates"])
        .iter()
        .map(|c| c["team"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Los Angeles Lakers") && names.iter().any(|n| n.ends_with("Clippers")),
        "{names:?}"
    );
    // The NBA writes the Clippers' city "LA" since 2015-16; both spellings reach them.
    for q in ["LA Clippers", "Los Angeles Clippers", "Clippers", "LAC"] {
        let out = call(&app, "find_team", json!({"query": q})).await;
        assert_eq!(id(&out), 1610612746, "{q}");
    }
    let la = call(&app, "find_team", json!({"query": "LA"})).await;
    assert!(la["team"].is_null(), "'LA' is ambiguous: {la}");

    let e = call_err(&app, "find_team", json!({"query": "Lakerz"})).await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("Los Angeles Lakers (LAL)"), "{e}");
    let e = call_err(&app, "find_team", json!({"query": "  "})).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_teams_matches_the_teams_of_each_season() {
    let app = app().await;
    let now = call(&app, "list_teams", json!({})).await;
    let teams = arr(&now["teams"]);
    assert_eq!(now["count"].as_u64(), Some(teams.len() as u64));
    assert_eq!(teams.iter().filter(|t| t["active"] == true).count(), 30);
    let okc = teams.iter().find(|t| t["abbr"] == "OKC").unwrap();
    assert!(arr(&okc["former"])
        .iter()
        .any(|n| n.as_str().unwrap().contains("Seattle SuperSonics")));

    // Every 538 season: the teams listed are the teams that played.
    let mut codes: BTreeMap<i64, HashSet<&str>> = BTreeMap::new();
    for g in raw_538() {
        let s = codes.entry(g.season).or_default();
        s.insert(&g.team1);
        s.insert(&g.team2);
    }
    let mut wrong = Vec::new();
    for (season, teams) in &codes {
        let out = call(&app, "list_teams", json!({"season": season})).await;
        let listed: HashSet<&str> = arr(&out["teams"])
            .iter()
            .flat_map(|t| arr(&t["fivethirtyeight_codes"]))
            .map(|c| c.as_str().unwrap())
            .collect();
        let missing: Vec<&&str> = teams.iter().filter(|c| !listed.contains(**c)).collect();
        // The Baltimore Bullets folded 14 games into 1954-55; the NBA struck those games from
        // the record (538 has none), but the team did belong to the league that season.
        let expected = teams.len() + usize::from(*season == 1955 && listed.contains("BLB"));
        if !missing.is_empty() || out["count"].as_u64() != Some(expected as u64) {
            wrong.push(format!(
                "{season}: listed {} {listed:?}, played {} {teams:?}",
                out["count"],
                teams.len()
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_arguments_are_refused_naming_the_field_and_the_limit() {
    let app = app().await;
    let long = "Lakers ".repeat(10_000);
    let e = call_err(&app, "find_team", json!({ "query": long })).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("query") && m.contains("the limit is 200"), "{m}");
    let e = call_err(
        &app,
        "get_games",
        json!({ "team": "BOS", "cursor": "x".repeat(5000) }),
    )
    .await;
    assert!(e.to_string().contains("cursor is 5000 characters"), "{e}");
    let e = call_err(&app, "get_games", json!({ "date_from": "9999-12-31" })).await;
    assert!(e.to_string().contains("outside the dates"), "{e}");
}

/// A season with no games says why: a hole inside the stored range (2022-23 in the real
/// data) or outside it, in `get_games`' note and in `get_standings`' error.
#[tokio::test]
async fn a_season_that_is_not_in_the_store_is_named_as_such() {
    let app = common::app().await;
    let out = call(&app, "get_games", json!({"season": "2022-23"})).await;
    assert_eq!(out["count"], 0, "{out}");
    let note = out["note"]
        .as_str()
        .unwrap_or_else(|| panic!("a note: {out}"));
    assert!(
        note.contains("2022-23 is not in this store") && note.contains("except 2022-23"),
        "{note}"
    );
    let e = call_err(&app, "get_standings", json!({"season": "2022-23"})).await;
    assert!(e.to_string().contains("except 2022-23"), "{e}");
    let e = call_err(&app, "get_standings", json!({"season": "2027-28"})).await;
    assert!(
        e.to_string()
            .contains("2027-28 is not in this store: it holds"),
        "{e}"
    );
    // A season that is there has no note.
    let out = call(&app, "get_games", json!({"season": "2021-22", "limit": 1})).await;
    assert!(out.get("note").is_none(), "{out}");
    app.close().await;
}

/// Names fans use resolve ("Philly", "Sixers", "Cavs"), and a typo in one word of a
/// two-word nickname gets a suggestion ("Blazerz": the Trail Blazers).
#[tokio::test]
async fn common_names_resolve_and_nickname_typos_get_suggestions() {
    let app = common::app().await;
    for (query, abbr) in [
        ("Philly", "PHI"),
        ("Sixers", "PHI"),
        ("cavs", "CLE"),
        ("Dubs", "GSW"),
    ] {
        let out = call(&app, "find_team", json!({ "query": query })).await;
        assert_eq!(out["team"]["abbr"], abbr, "{query}: {out}");
    }
    let e = call_err(&app, "find_team", json!({"query": "Blazerz"})).await;
    assert!(e.to_string().contains("Portland Trail Blazers"), "{e}");
    app.close().await;
}
