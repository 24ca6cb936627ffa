//! The prediction tools over real data, with a model trained in-process on 2004-05 to
//! 2015-16 from the FiveThirtyEight games: probabilities, leak-free past dates, errors a
//! model can act on (unknown team, same team twice, a franchise that did not exist yet,
//! batch limits), the prediction log, a corrupted artifact (never replaces the model that
//! serves, and is reported), season simulation and power rankings.

use crate::common;

use common::models::{
    champion_file, champion_version, copy_tree, corrupt, load_file, model_store, serving,
    serving_with, TempDir, MODEL_NAME,
};
use common::{call, call_err, data_dir, games_db};
use nba_app::AppError;
use nba_ingest::Format;
use serde_json::{json, Value};

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// A probability pair: each in [0, 1] and summing to 1 (each is rounded to 3 decimals).
fn check_probabilities(p: &Value) {
    let (h, a) = (f(&p["home_win_probability"]), f(&p["away_win_probability"]));
    assert!((0.0..=1.0).contains(&h), "home probability {h}: {p}");
    assert!((0.0..=1.0).contains(&a), "away probability {a}: {p}");
    assert!((h + a - 1.0).abs() <= 0.0011, "{h} + {a} != 1: {p}");
}

fn game(home: &str, away: &str, date: &str) -> Value {
    json!({"home": home, "away": away, "date": date})
}

#[tokio::test(flavor = "multi_thread")]
async fn predict_game_on_a_past_date_uses_only_earlier_games() {
    let s = serving().await;
    let p = call(&s.app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;
    check_probabilities(&p);
    assert_eq!(p["home"]["abbr"], "GSW", "{p}");
    assert_eq!(p["away"]["abbr"], "CLE", "{p}");
    assert_eq!(p["season"], "2015-16");
    assert_eq!(p["neutral"], false);
    // Game 6 of the 2016 Finals (June 16) is the latest result before Game 7.
    assert_eq!(p["data_through"], "2016-06-16", "{p}");
    assert_eq!(p["model"]["name"], MODEL_NAME);
    assert_eq!(p["model"]["version"], champion_version().as_str());
    assert!(f(&p["expected_margin"]).abs() < 30.0, "{p}");
    assert!(!arr(&p["top_factors"]).is_empty(), "{p}");
    // The 73-9 Warriors at home are favoured.
    assert!(f(&p["home_win_probability"]) > 0.5, "{p}");
    // Played: the stored final score is shown beside the prediction (Cleveland won 93-89).
    assert_eq!(p["result"]["winner"], "CLE", "{p}");
    assert_eq!(
        (p["home"]["score"].as_i64(), p["away"]["score"].as_i64()),
        (Some(89), Some(93))
    );
    assert_eq!(p["result"]["favourite_won"], false, "{p}");
    assert_eq!(p["data_age_days"], 3, "{p}");
    assert!(p.get("warning").is_none(), "fresh data, no warning: {p}");

    // A date at the start of the season knows only the season before.
    let early = call(&s.app, "predict_game", game("GSW", "NOP", "2015-10-27")).await;
    check_probabilities(&early);
    let through = early["data_through"].as_str().expect("data_through");
    assert!(through < "2015-10-27", "{early}");
    // The data ends with last season's Finals, months before: said so.
    assert!(early["data_age_days"].as_i64().unwrap() > 100, "{early}");
    assert!(
        early["warning"]
            .as_str()
            .unwrap_or("")
            .contains("days before this game"),
        "{early}"
    );
    // Neutral site: no home court.
    let neutral = call(
        &s.app,
        "predict_game",
        json!({"home": "GSW", "away": "CLE", "date": "2016-06-19", "neutral": true}),
    )
    .await;
    check_probabilities(&neutral);
    assert_eq!(neutral["neutral"], true);
    assert!(
        f(&neutral["home_win_probability"]) < f(&p["home_win_probability"]),
        "home court helps: neutral {neutral} vs home {p}"
    );
    s.app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_matchups_are_errors_naming_the_field() {
    let s = serving().await;
    let app = &s.app;

    let e = call_err(app, "predict_game", game("Warriorz", "CLE", "2016-06-19")).await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("home:"), "{m}");
    assert!(m.contains("did you mean"), "{m}");
    assert!(m.contains("Warriors"), "{m}");

    let e = call_err(app, "predict_game", game("GSW", "Warriors", "2016-06-19")).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("same team"), "{e}");

    // The Thunder franchise began as the Seattle SuperSonics in 1967-68.
    let e = call_err(app, "predict_game", game("OKC", "BOS", "1960-01-01")).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("Thunder") && m.contains("1959-60"), "{m}");
    // The Raptors' first season was 1995-96.
    let e = call_err(app, "predict_game", game("NYK", "Raptors", "1990-01-01")).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("away:"), "{m}");
    assert!(m.contains("Raptors") && m.contains("1989-90"), "{m}");

    let e = call_err(app, "predict_game", game("GSW", "CLE", "2016-13-40")).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("date"), "{e}");
    s.app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn predict_games_checks_every_game_before_predicting_any() {
    let s = serving().await;
    let app = &s.app;

    let many: Vec<Value> = (0..1001)
        .map(|_| game("GSW", "CLE", "2016-06-19"))
        .collect();
    let e = call_err(app, "predict_games", json!({ "games": many })).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("1000") && m.contains("1001"), "{m}");

    let e = call_err(app, "predict_games", json!({ "games": [] })).await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");

    let e = call_err(
        app,
        "predict_games",
        json!({"games": [
            game("GSW", "CLE", "2016-06-19"),
            game("SAS", "OKC", "2016-05-10"),
            game("BOS", "Celtics", "2016-01-01"),
        ]}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("games[2]"), "{e}");

    let e = call_err(
        app,
        "predict_games",
        json!({"games": [game("GSW", "CLE", "2016-06-19"), game("Lakerz", "BOS", "2016-01-01")]}),
    )
    .await;
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("games[1].home"), "{e}");

    let e = call_err(
        app,
        "predict_games",
        json!({"games": [game("GSW", "CLE", "2016-06-19"), game("TOR", "BOS", "1990-01-01")]}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("games[1].home"), "{e}");

    // None of the rejected batches was predicted, so nothing was logged.
    app.close().await;
    let logged = app.store().recent_predictions(10).await.expect("log");
    assert!(
        logged.is_empty(),
        "rejected batches were logged: {logged:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn served_predictions_are_logged_with_model_version_and_features() {
    let s = serving().await;
    let app = &s.app;
    let one = call(app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;
    let batch = call(
        app,
        "predict_games",
        json!({"games": [
            game("CLE", "GSW", "2016-06-16"),
            game("SAS", "OKC", "2016-05-10"),
            json!({"home": "TOR", "away": "MIA", "date": "2016-05-15", "neutral": true}),
        ]}),
    )
    .await;
    assert_eq!(batch["count"], 3);
    let preds = arr(&batch["predictions"]);
    assert_eq!(preds.len(), 3);
    for p in preds {
        check_probabilities(p);
    }
    assert_eq!(preds[0]["data_through"], "2016-06-13", "{}", preds[0]);
    assert_eq!(preds[2]["neutral"], true);

    // close() writes everything queued.
    app.close().await;
    assert_eq!(app.prediction_log_stats(), Some((4, 0)));
    let rows = app.store().recent_predictions(10).await.expect("log");
    assert_eq!(rows.len(), 4, "{rows:?}");
    let version = champion_version();
    for r in &rows {
        assert_eq!(r.model_name, MODEL_NAME);
        assert_eq!(r.model_version, version);
        assert!((0.0..=1.0).contains(&r.prob_home), "{r:?}");
        let features: Value = serde_json::from_str(&r.features).expect("features are JSON");
        let features = features.as_object().expect("features object");
        for name in nba_model::FEATURES {
            assert!(features.contains_key(*name), "feature {name} in {r:?}");
        }
    }
    // Newest first: the batch (one request id), then the single prediction.
    let (batch_rows, single) = rows.split_at(3);
    assert!(batch_rows
        .iter()
        .all(|r| r.request_id == batch_rows[0].request_id));
    assert_ne!(single[0].request_id, batch_rows[0].request_id);
    assert_eq!(single[0].game_date, "2016-06-19");
    assert!(
        (single[0].prob_home - f(&one["home_win_probability"])).abs() <= 0.0005,
        "logged {} vs served {one}",
        single[0].prob_home
    );
    let mut dates: Vec<&str> = batch_rows.iter().map(|r| r.game_date.as_str()).collect();
    dates.sort();
    assert_eq!(dates, ["2016-05-10", "2016-05-15", "2016-06-16"]);
    assert_eq!(batch_rows.iter().filter(|r| r.neutral).count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promotion_is_served_without_new_data_and_predictions_join_their_audit_entry() {
    use nba_registry::{FolderRegistry, ModelRef, ModelRegistry, CHAMPION};
    let models = TempDir::new("promote");
    copy_tree(model_store(), models.path());
    let s = serving_with(models.path()).await;
    let app = &s.app;
    let before = call(app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;
    assert_eq!(before["model"]["version"], champion_version());

    // A second version in the registry, then the alias moves to it: no data changes.
    let registry = FolderRegistry::new(models.path());
    let mut next = registry.resolve(CHAMPION).await.expect("champion");
    next.version = "promoted-1".into();
    registry.save(&next).await.expect("save");
    let version = app.store().data_version().await.expect("data version");
    registry
        .set_alias(CHAMPION, &ModelRef::of(&next))
        .await
        .expect("promote");
    app.refresh_models().await.expect("refresh");
    assert_eq!(
        app.store().data_version().await.expect("data version"),
        version
    );
    let info = app.model_info().expect("a model serves");
    assert_eq!(info.1, "promoted-1", "the promotion serves at once");

    // A prediction carries the request id of its call, which its audit entry carries too.
    let caller =
        nba_app::Caller::local(nba_app::nba_auth::Role::Viewer, nba_app::Transport::McpHttp);
    let out = app
        .call_tool(&caller, "predict_game", game("GSW", "CLE", "2016-06-19"))
        .await
        .expect("predict");
    assert_eq!(out["model"]["version"], "promoted-1");
    app.close().await;
    let logged = app.store().recent_predictions(1).await.expect("log");
    assert_eq!(logged[0].request_id, caller.request_id);
    assert_eq!(logged[0].model_version, "promoted-1");
    let audit = app.store().audit_records(0, 1000).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|r| r.entry.request_id == caller.request_id && r.entry.target == "predict_game"),
        "no audit entry with the prediction's request id"
    );

    // Rolled back: the alias points at the first version again.
    let first = ModelRef::new(MODEL_NAME, champion_version());
    registry
        .set_alias(CHAMPION, &first)
        .await
        .expect("roll back");
    app.refresh_models().await.expect("refresh");
    assert_eq!(app.model_info().expect("model").1, champion_version());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_artifact_never_replaces_the_serving_model() {
    let models = TempDir::new("models");
    copy_tree(model_store(), models.path());
    let s = serving_with(models.path()).await;
    let app = &s.app;
    assert_eq!(app.model_problem(), None);
    let before = call(app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;

    // One character of the champion's file changes, then the data changes, so the next
    // refresh reloads the model from disk.
    corrupt(&champion_file(models.path()));
    let version = app.store().data_version().await.expect("data version");
    let log = data_dir().join("nba_stats/team_game_logs/log-1951.csv.gz");
    load_file(app.store(), Format::NbaStatsTeamLogs, &log).await;
    assert_ne!(
        app.store().data_version().await.expect("data version"),
        version
    );
    app.refresh_models().await.expect("refresh");

    let problem = app.model_problem().expect("the corrupted file is reported");
    assert!(problem.contains("checksum"), "{problem}");
    let after = call(app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;
    assert_eq!(after["model"], before["model"]);
    assert_eq!(
        after["home_win_probability"], before["home_win_probability"],
        "the old model still serves"
    );
    assert!(app.model_info().is_some());
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_champion_leaves_predictions_unavailable_and_the_rest_working() {
    let models = TempDir::new("models");
    copy_tree(model_store(), models.path());
    corrupt(&champion_file(models.path()));
    let s = serving_with(models.path()).await;
    let app = &s.app;
    assert!(app.model_info().is_none());
    let problem = app.model_problem().expect("a problem is reported");
    assert!(problem.contains("checksum"), "{problem}");

    for (tool, args) in [
        ("predict_game", game("GSW", "CLE", "2016-06-19")),
        ("get_power_rankings", json!({"date": "2016-04-14"})),
        (
            "simulate_season",
            json!({"season": "2015-16", "simulations": 100}),
        ),
    ] {
        let e = call_err(app, tool, args).await;
        let m = e.to_string();
        assert_eq!(e.code(), "unavailable", "{tool}: {e:?}");
        assert!(e.retry_after_s().is_some(), "{tool}: {e:?}");
        assert!(
            m.contains("checksum") || m.contains("corrupt"),
            "{tool}: {m}"
        );
    }
    // Everything else works.
    let gsw = call(
        app,
        "get_team_stats",
        json!({"team": "GSW", "season": "2015-16"}),
    )
    .await;
    assert_eq!(gsw["record"]["wins"], 73);
    call(app, "find_team", json!({"query": "Thunder"})).await;
    call(app, "get_standings", json!({"season": "2015-16"})).await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_model_store_prediction_tools_say_so() {
    let app = common::app_over(games_db()).await;
    let e = call_err(&app, "predict_game", game("GSW", "CLE", "2016-06-19")).await;
    assert!(matches!(e, AppError::Unavailable { .. }), "{e:?}");
    assert!(e.to_string().contains("no model store"), "{e}");
    assert_eq!(
        app.model_problem().as_deref(),
        Some("no model store is configured")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn simulate_season_from_new_years_day_2016() {
    let s = serving().await;
    let out = call(
        &s.app,
        "simulate_season",
        json!({"season": "2015-16", "as_of": "2016-01-01", "simulations": 1000}),
    )
    .await;
    assert_eq!(out["season"], "2015-16");
    assert_eq!(out["as_of"], "2016-01-01");
    assert_eq!(out["simulations"], 1000);
    let played = out["games_played"].as_u64().expect("games_played");
    let remaining = out["games_remaining"].as_u64().expect("games_remaining");
    assert_eq!(played + remaining, 1230, "{out}");
    assert!(played > 400 && remaining > 600, "{played} + {remaining}");
    let teams = arr(&out["teams"]);
    assert_eq!(teams.len(), 30);
    for conference in ["East", "West"] {
        let conf: Vec<&Value> = teams
            .iter()
            .filter(|t| t["conference"] == conference)
            .collect();
        assert_eq!(conf.len(), 15, "{conference}");
        let seeds = arr(&conf[0]["seed_distribution"]).len();
        assert_eq!(seeds, 15, "{conference}");
        for k in 0..seeds {
            let sum: f64 = conf.iter().map(|t| f(&t["seed_distribution"][k])).sum();
            assert!(
                (sum - 1.0).abs() < 0.01,
                "{conference} seed {}: probabilities sum to {sum}",
                k + 1
            );
        }
        // Eight play-off places per conference in 2015-16 (no play-in).
        let places: f64 = conf.iter().map(|t| f(&t["playoff_probability"])).sum();
        assert!((places - 8.0).abs() < 0.02, "{conference}: {places}");
    }
    for t in teams {
        let p = f(&t["playoff_probability"]);
        assert!((0.0..=1.0).contains(&p), "{t}");
        assert_eq!(f(&t["play_in_probability"]), 0.0, "{t}");
        let (w, l) = (f(&t["wins"]), f(&t["losses"]));
        let ew = f(&t["expected_wins"]);
        assert!(
            ew >= w - 0.05 && ew <= 82.0 - l + 0.05,
            "expected wins {ew} outside {w}..{}: {t}",
            82.0 - l
        );
    }
    let gsw = teams
        .iter()
        .find(|t| t["abbr"] == "GSW")
        .expect("GSW simulated");
    // Their record through New Year's Day, from the raw FiveThirtyEight file.
    let mut record = (0.0, 0.0);
    for g in common::raw_538()
        .iter()
        .filter(|g| g.season == 2016 && g.stage == "regular" && g.date.as_str() <= "2016-01-01")
    {
        let (pf, pa) = match (g.team1.as_str(), g.team2.as_str()) {
            ("GSW", _) => (g.score1, g.score2),
            (_, "GSW") => (g.score2, g.score1),
            _ => continue,
        };
        if pf > pa {
            record.0 += 1.0
        } else {
            record.1 += 1.0
        }
    }
    assert!(record.0 >= 28.0, "raw record {record:?}");
    assert_eq!((f(&gsw["wins"]), f(&gsw["losses"])), record, "{gsw}");
    assert!(f(&gsw["playoff_probability"]) > 0.99, "{gsw}");
    s.app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn simulate_season_rejects_old_seasons_and_few_simulations() {
    let s = serving().await;
    let e = call_err(
        &s.app,
        "simulate_season",
        json!({"season": "1979-80", "simulations": 1000}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("1983-84"), "{e}");
    let e = call_err(
        &s.app,
        "simulate_season",
        json!({"season": "2015-16", "simulations": 10}),
    )
    .await;
    assert!(matches!(e, AppError::InvalidArgument(_)), "{e:?}");
    assert!(e.to_string().contains("simulations"), "{e}");
    s.app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn power_rankings_at_the_end_of_2015_16() {
    let s = serving().await;
    let out = call(&s.app, "get_power_rankings", json!({"date": "2016-04-14"})).await;
    assert_eq!(out["season"], "2015-16");
    assert_eq!(out["as_of"], "2016-04-14");
    assert_eq!(out["model"]["name"], MODEL_NAME);
    let teams = arr(&out["teams"]);
    assert_eq!(teams.len(), 30);
    let first = teams[0]["abbr"].as_str().expect("abbr");
    assert!(["GSW", "SAS"].contains(&first), "first: {}", teams[0]);
    for (i, t) in teams.iter().enumerate() {
        assert_eq!(t["rank"], i + 1);
        let p = f(&t["win_prob_vs_average"]);
        assert!((0.0..=1.0).contains(&p), "{t}");
        if i > 0 {
            assert!(f(&teams[i - 1]["elo"]) >= f(&t["elo"]), "sorted by Elo");
        }
    }
    s.app.close().await;
}
