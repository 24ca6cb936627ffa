//! Resources (`nba://teams`, `nba://schema`, `nba://standings/{season}`) and prompts
//! (`analyze_matchup`, `season_review`) over the FiveThirtyEight games, the only file they need.

use crate::common;

use common::{admin, app_over, games_db, obj, raw_538};
use nba_app::prompts::PromptRole;
use nba_app::AppError;
use serde_json::{json, Value};

async fn app() -> nba_app::App {
    app_over(games_db()).await
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("resource is not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_and_schema_resources() {
    let app = app().await;
    let listed: Vec<&str> = nba_app::resources::resources()
        .iter()
        .map(|r| r.uri)
        .collect();
    assert_eq!(listed, ["nba://schema", "nba://teams"]);

    let teams = app
        .read_resource(&admin(), "nba://teams")
        .await
        .expect("nba://teams");
    assert_eq!(teams.uri, "nba://teams");
    assert_eq!(teams.mime_type, "application/json");
    let v = parse(&teams.text);
    common::check_result("list_teams", &v);
    let all = v["teams"].as_array().unwrap();
    assert_eq!(all.iter().filter(|t| t["active"] == true).count(), 30);
    let lakers = all.iter().find(|t| t["abbr"] == "LAL").expect("LAL");
    assert!(
        lakers["former"][0]
            .as_str()
            .unwrap()
            .contains("Minneapolis Lakers"),
        "{lakers}"
    );

    let schema = app
        .read_resource(&admin(), "nba://schema")
        .await
        .expect("nba://schema");
    let v = parse(&schema.text);
    for table in ["games", "game_sources", "team_box", "player_box", "players"] {
        assert!(
            v["tables"][table].is_string(),
            "nba://schema lacks {table}: {v}"
        );
    }
    assert!(v["attribution"].as_str().unwrap().contains("CC BY 4.0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn standings_resource_by_either_season_form() {
    let app = app().await;
    let by_year = app
        .read_resource(&admin(), "nba://standings/2016")
        .await
        .expect("standings 2016");
    let by_label = app
        .read_resource(&admin(), "nba://standings/2015-16")
        .await
        .expect("standings 2015-16");
    assert_eq!(by_year.uri, "nba://standings/2016");
    let v = parse(&by_year.text);
    assert_eq!(v, parse(&by_label.text));
    common::check_result("get_standings", &v);
    assert_eq!(v["season"], "2015-16");
    let regular = raw_538()
        .iter()
        .filter(|g| g.season == 2016 && g.stage == "regular")
        .count();
    assert_eq!(v["games_counted"].as_u64(), Some(regular as u64));
    let west = v["conferences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conference"] == "West")
        .expect("West");
    assert_eq!(west["teams"][0]["abbr"], "GSW");
    assert_eq!(west["teams"][0]["wins"], 73);
    assert_eq!(west["teams"][0]["losses"], 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_resource_uris() {
    let app = app().await;
    let e = app
        .read_resource(&admin(), "nba://players")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::UnknownName(_)), "{e:?}");
    assert!(e.to_string().contains("nba://standings/{season}"), "{e}");
    let e = app
        .read_resource(&admin(), "nba://standings/1850")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    // 2022-23 is withheld from the data folder.
    let e = app
        .read_resource(&admin(), "nba://standings/2023")
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::NotFound(_)) && e.to_string().contains("2022-23"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prompts_resolve_teams_first() {
    let app = app().await;
    let names: Vec<&str> = nba_app::prompts::prompts().iter().map(|p| p.name).collect();
    assert_eq!(names, ["analyze_matchup", "season_review"]);

    let out = app
        .get_prompt(
            &admin(),
            "analyze_matchup",
            &obj(json!({"team_a": "Celtics", "team_b": "LAL"})),
        )
        .await
        .expect("analyze_matchup");
    assert_eq!(
        out.description,
        "Matchup analysis: Boston Celtics vs Los Angeles Lakers"
    );
    assert_eq!(out.messages.len(), 1);
    assert_eq!(out.messages[0].role, PromptRole::User);
    let text = &out.messages[0].text;
    for tool in ["head_to_head", "get_team_stats", "get_games"] {
        assert!(
            text.contains(tool),
            "the prompt should point to {tool}: {text}"
        );
    }

    let out = app
        .get_prompt(
            &admin(),
            "season_review",
            &obj(json!({"team": "GSW", "season": 2016})),
        )
        .await
        .expect("season_review");
    assert_eq!(
        out.description,
        "Season review: Golden State Warriors, 2015-16"
    );
    assert!(out.messages[0]
        .text
        .contains("2015-16 season of the Golden State Warriors"));

    let e = app
        .get_prompt(
            &admin(),
            "analyze_matchup",
            &obj(json!({"team_a": "Lakerz", "team_b": "BOS"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("Los Angeles Lakers (LAL)"), "{e}");
    let e = app
        .get_prompt(
            &admin(),
            "analyze_matchup",
            &obj(json!({"team_a": "Los Angeles", "team_b": "BOS"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Ambiguous(_)), "{e:?}");
    let e = app
        .get_prompt(&admin(), "analyze_matchup", &obj(json!({"team_a": "BOS"})))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::InvalidArgument(_)) && e.to_string().contains("team_b"),
        "{e:?}"
    );
    let e = app
        .get_prompt(
            &admin(),
            "season_review",
            &obj(json!({"team": "GSW", "season": "next year"})),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let e = app
        .get_prompt(&admin(), "scouting_report", &obj(json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::UnknownName(_)) && e.to_string().contains("analyze_matchup"),
        "{e:?}"
    );
}
