//! Model roll-outs over a real folder registry and store: a canary that grows to 100 % and
//! promotes under traffic with every request answered, one rolled back by a guard the
//! candidate breaks, a broken candidate refused by the staging check, a blue-green switch
//! with an instant rollback, and a shadow that never serves the candidate.

use crate::common::models::{champion_of, copy_tree, model_store, serving_with, TempDir};
use nba_app::{App, AppError, Caller, Transport};
use nba_auth::Role;
use nba_model::ModelRef;
use nba_registry::{FolderRegistry, ModelRegistry};
use serde_json::{json, Value};

const TEAMS: &[&str] = &[
    "BOS", "MIA", "LAL", "GSW", "NYK", "CHI", "DEN", "PHX", "MIL", "DAL",
];

/// A copy of the test champion as another version, its intercept moved by `shift`
/// (log-odds): a legitimately different model.
async fn candidate(models: &std::path::Path, tag: &str, shift: f64) -> ModelRef {
    let registry = FolderRegistry::new(models);
    let first = champion_of(models);
    let mut a = registry.load(&first).await.expect("load the champion");
    a.version = format!("{}-{tag}", first.version);
    a.parameters.linear_mut().unwrap().logistic.intercept += shift;
    registry.save(&a).await.expect("save the candidate");
    ModelRef::of(&a)
}

/// The `n`th of many distinct future games (the live path).
fn game(n: usize) -> Value {
    let (h, a) = (n % TEAMS.len(), (n / TEAMS.len()) % (TEAMS.len() - 1));
    let a = if a >= h { a + 1 } else { a };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 2, 15).unwrap()
        + chrono::Duration::days((n / 90 % 50) as i64);
    json!({"home": TEAMS[h], "away": TEAMS[a], "date": day.to_string()})
}

fn served(v: &Value) -> String {
    format!(
        "{}@{}",
        v["model"]["name"].as_str().unwrap(),
        v["model"]["version"].as_str().unwrap()
    )
}

async fn status(app: &App) -> Value {
    let admin = Caller::local(Role::DataScientist, Transport::Http);
    app.call_tool(&admin, "rollout_status", json!({}))
        .await
        .expect("rollout_status")
}

async fn setup(
    tag: &str,
    shift: f64,
) -> (TempDir, crate::common::models::Serving, ModelRef, ModelRef) {
    let dir = TempDir::new(tag);
    copy_tree(model_store(), dir.path());
    let first = champion_of(dir.path());
    let c = candidate(dir.path(), tag, shift).await;
    let serving = serving_with(dir.path()).await;
    (dir, serving, first, c)
}

#[tokio::test]
async fn a_canary_grows_to_the_whole_traffic_and_promotes_with_every_request_answered() {
    let (dir, serving, first, c) = setup("canary", 0.05).await;
    let app = &serving.app;
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    let viewer = Caller::local(Role::Viewer, Transport::Http);
    let start = json!({"model": c.to_string(), "steps": [50, 100], "bake_seconds": 1,
                       "guards": {"min_samples": 40}});
    let e = app
        .call_tool(&viewer, "start_rollout", start.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");
    let started = app
        .call_tool(&engineer, "start_rollout", start.clone())
        .await
        .expect("start the canary");
    assert_eq!(started["state"], "running", "{started}");
    assert_eq!(started["share_percent"], 50.0, "{started}");
    assert!(started["check"]["passed"].as_bool().unwrap(), "{started}");
    assert!(
        started["check"]["games"].as_u64().unwrap() > 100,
        "{started}"
    );
    // One at a time.
    let e = app
        .call_tool(&engineer, "start_rollout", start)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("running already"), "{e}");

    let (mut n, mut failed) = (0, 0);
    let mut per_version = std::collections::BTreeMap::<String, usize>::new();
    let mut sticky = std::collections::BTreeMap::<usize, String>::new();
    let mut shares = Vec::new();
    for _round in 0..60 {
        let step = status(app).await["current"]["step"].as_u64();
        for _ in 0..150 {
            let g = n % 600;
            match app.call_tool(&viewer, "predict_game", game(g)).await {
                Ok(p) => {
                    let v = served(&p);
                    *per_version.entry(v.clone()).or_default() += 1;
                    if step == Some(0) {
                        // A game keeps its model while the step holds.
                        let seen = sticky.entry(g).or_insert_with(|| v.clone());
                        assert_eq!(*seen, v, "game {g} changed model within a step");
                    }
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("failed: {e}");
                }
            }
            n += 1;
        }
        let now = status(app).await;
        if let Some(w) = now["current"]["window"].as_object() {
            let (b, c) = (
                w["baseline"]["requests"].as_u64().unwrap(),
                w["candidate"]["requests"].as_u64().unwrap(),
            );
            if w["step"] == 0 && b + c > 0 {
                shares.push(c as f64 / (b + c) as f64);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        app.refresh_models().await.expect("refresh");
        if status(app).await["current"].is_null() {
            break;
        }
    }
    assert_eq!(failed, 0, "every request answered");
    let s = status(app).await;
    assert!(s["current"].is_null(), "{s}");
    let done = &s["recent"][0];
    assert_eq!(done["state"], "promoted", "{done}");
    assert_eq!(
        champion_of(dir.path()),
        c,
        "the alias moved to the candidate"
    );
    let share = shares.last().copied().expect("a step-0 window was seen");
    assert!(
        (0.35..0.65).contains(&share),
        "candidate share at 50 %: {share}"
    );
    assert!(per_version[&first.to_string()] > 50, "{per_version:?}");
    assert!(per_version[&c.to_string()] > 50, "{per_version:?}");
    let p = app
        .call_tool(&viewer, "predict_game", game(1))
        .await
        .unwrap();
    assert_eq!(served(&p), c.to_string(), "the candidate serves everything");
    // Drift compares the served version's own logged predictions only.
    app.close().await;
    let logged = app
        .store()
        .recent_predictions(1_000_000)
        .await
        .expect("log");
    let of_c = logged
        .iter()
        .filter(|r| r.model_version == c.version)
        .count();
    assert!(
        of_c > 0 && of_c < logged.len(),
        "{of_c} of {}",
        logged.len()
    );
    let drift = app.drift_report(Some(10_000)).await.expect("drift");
    assert_eq!(drift.recent_predictions, of_c.min(10_000));

    let audit = app.store().audit_records(0, 1000).await.expect("audit");
    let actions: Vec<(String, String)> = audit
        .iter()
        .filter(|r| r.entry.action.starts_with("models:"))
        .map(|r| (r.entry.action.clone(), r.entry.principal.clone()))
        .collect();
    let expected = [
        ("models:rollout_start", "local"),
        ("models:rollout_advance", "rollout-guard"),
        ("models:promote", "rollout-guard"),
        ("models:rollout_promote", "rollout-guard"),
    ];
    assert_eq!(
        actions,
        expected.map(|(a, p)| (a.to_string(), p.to_string())),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_guard_the_candidate_breaks_rolls_it_back_and_the_champion_answers_everything() {
    let (dir, serving, first, c) = setup("rollback", 0.2).await;
    let app = &serving.app;
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    app.call_tool(
        &engineer,
        "start_rollout",
        json!({"model": c.to_string(), "steps": [50, 100], "bake_seconds": 3600,
               "guards": {"min_samples": 30, "max_disagreement": 0.001}}),
    )
    .await
    .expect("start");
    for i in 0..200 {
        app.call_tool(&engineer, "predict_game", game(i))
            .await
            .expect("answered");
    }
    app.refresh_models().await.expect("refresh");
    let s = status(app).await;
    assert!(s["current"].is_null(), "{s}");
    let done = &s["recent"][0];
    assert_eq!(done["state"], "rolled_back", "{done}");
    assert!(
        done["verdict"]
            .as_str()
            .unwrap()
            .contains("max_disagreement"),
        "{done}"
    );
    assert_eq!(champion_of(dir.path()), first, "the alias never moved");
    // The rollback shows in health (what the rollout_rolled_back alert watches).
    let health = app.rollout_health_check().check().await;
    assert_eq!(
        health.status,
        nba_ops::Status::Degraded,
        "{}",
        health.message
    );
    assert!(health.message.contains("rolled back"), "{}", health.message);
    for i in 0..50 {
        let p = app
            .call_tool(&engineer, "predict_game", game(i))
            .await
            .unwrap();
        assert_eq!(served(&p), first.to_string());
    }
    let e = app
        .call_tool(&engineer, "advance_rollout", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found", "{e}");
}

#[tokio::test]
async fn a_candidate_that_fails_the_staging_check_is_refused() {
    // Home teams' odds pushed far up: a clearly worse model on played games.
    let (_dir, serving, _first, c) = setup("refused", 3.0).await;
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    let e: AppError = serving
        .app
        .call_tool(&engineer, "start_rollout", json!({"model": c.to_string()}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_argument", "{e}");
    assert!(e.to_string().contains("staging check"), "{e}");
    assert!(status(&serving.app).await["recent"]
        .as_array()
        .unwrap()
        .is_empty());
    for bad in [
        json!({"model": c.to_string(), "steps": [10, 5, 100]}),
        json!({"model": c.to_string(), "steps": [10, 50]}),
        json!({"model": c.to_string(), "guards": {"max_p99_ms": -1}}),
        json!({"model": c.to_string(), "guards": {"nope": 1}}),
        json!({"model": "nba-logit@nope"}),
    ] {
        let e = serving
            .app
            .call_tool(&engineer, "start_rollout", bad.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(e.code(), "invalid_argument" | "not_found"),
            "{bad}: {e}"
        );
    }
}

#[tokio::test]
async fn blue_green_switches_at_once_and_rolls_back_at_once() {
    let (dir, serving, first, c) = setup("bluegreen", 0.05).await;
    let app = &serving.app;
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    app.call_tool(
        &engineer,
        "start_rollout",
        json!({"model": c.to_string(), "mode": "blue_green"}),
    )
    .await
    .expect("start");
    for i in 0..30 {
        let p = app
            .call_tool(&engineer, "predict_game", game(i))
            .await
            .unwrap();
        assert_eq!(
            served(&p),
            first.to_string(),
            "blue serves until the switch"
        );
    }
    let switched = app
        .call_tool(&engineer, "advance_rollout", json!({}))
        .await
        .expect("switch");
    assert_eq!(switched["state"], "promoted", "{switched}");
    assert_eq!(champion_of(dir.path()), c);
    let p = app
        .call_tool(&engineer, "predict_game", game(3))
        .await
        .unwrap();
    assert_eq!(served(&p), c.to_string(), "green serves at once");
    app.call_tool(&engineer, "rollback_model", json!({}))
        .await
        .expect("rollback");
    let p = app
        .call_tool(&engineer, "predict_game", game(3))
        .await
        .unwrap();
    assert_eq!(served(&p), first.to_string(), "blue serves at once again");
}

#[tokio::test]
async fn a_shadow_scores_the_candidate_without_serving_it_and_stops_on_request() {
    let (dir, serving, first, c) = setup("shadow", 0.05).await;
    let app = &serving.app;
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    app.call_tool(
        &engineer,
        "start_rollout",
        json!({"model": c.to_string(), "mode": "shadow", "shadow_percent": 100}),
    )
    .await
    .expect("start");
    for i in 0..100 {
        let p = app
            .call_tool(&engineer, "predict_game", game(i))
            .await
            .unwrap();
        assert_eq!(served(&p), first.to_string(), "the shadow is never served");
    }
    let mut scored = 0;
    for _ in 0..50 {
        let s = status(app).await;
        scored = s["current"]["window"]["candidate"]["requests"]
            .as_u64()
            .unwrap();
        if scored == 100 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(scored, 100, "every request scored in the shadow");
    let s = status(app).await;
    let d = s["current"]["window"]["candidate"]["mean_disagreement"]
        .as_f64()
        .unwrap();
    assert!(d > 0.0 && d < 0.05, "{s}");
    let health = app.rollout_health_check().check().await;
    assert_eq!(
        health.status,
        nba_ops::Status::Healthy,
        "{}",
        health.message
    );
    assert!(health.message.contains("running"), "{}", health.message);
    let stopped = app
        .call_tool(&engineer, "stop_rollout", json!({"reason": "enough seen"}))
        .await
        .expect("stop");
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    assert!(stopped["verdict"].as_str().unwrap().contains("enough seen"));
    assert_eq!(champion_of(dir.path()), first);
    assert!(status(app).await["current"].is_null());
}

/// Two instances on one store and one model store: a roll-out started on one is served by
/// the other at its next refresh, both judge their own traffic, and the promotion happens
/// once (one `models:promote`, one `models:rollout_promote` in the audit log) however many
/// instances decide it at the same time.
#[tokio::test]
async fn two_instances_serve_one_roll_out_and_promote_it_once() {
    let dir = TempDir::new("two-instances");
    copy_tree(model_store(), dir.path());
    let first = champion_of(dir.path());
    let c = candidate(dir.path(), "two", 0.05).await;
    let db = TempDir::new("two-instances-db");
    let store_a = crate::common::models::open_private_db(&db).await;
    let url = crate::common::sqlite_url(&db.path().join("nba.db"));
    let store_b = nba_store::Store::open(&nba_store::StoreOptions::new(url))
        .await
        .expect("open the second instance's store");
    let open = |store| async {
        App::with_models(
            store,
            nba_app::predict::ModelConfig {
                registry: std::sync::Arc::new(FolderRegistry::new(dir.path())),
                spec: nba_registry::CHAMPION.into(),
            },
        )
        .await
        .expect("an instance")
    };
    let (a, b) = (open(store_a).await, open(store_b).await);
    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    a.call_tool(
        &engineer,
        "start_rollout",
        json!({"model": c.to_string(), "steps": [50, 100], "bake_seconds": 1,
               "guards": {"min_samples": 20}}),
    )
    .await
    .expect("start on a");
    b.refresh_models().await.expect("b refreshes");
    let mut on_b = std::collections::BTreeSet::new();
    for i in 0..200 {
        let p = b
            .call_tool(&engineer, "predict_game", game(i))
            .await
            .unwrap();
        on_b.insert(served(&p));
    }
    assert_eq!(
        on_b,
        [first.to_string(), c.to_string()].into(),
        "b serves the canary a started"
    );
    for _ in 0..40 {
        for app in [&a, &b] {
            for i in 0..100 {
                app.call_tool(&engineer, "predict_game", game(i))
                    .await
                    .expect("answered");
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        // Both judge at once; one of them moves the roll-out on.
        let (ra, rb) = tokio::join!(a.refresh_models(), b.refresh_models());
        ra.expect("a refreshes");
        rb.expect("b refreshes");
        if status(&a).await["current"].is_null() {
            break;
        }
    }
    assert_eq!(status(&b).await["recent"][0]["state"], "promoted");
    assert_eq!(champion_of(dir.path()), c);
    for app in [&a, &b] {
        app.refresh_models()
            .await
            .expect("refresh after the promotion");
    }
    for app in [&a, &b] {
        let p = app
            .call_tool(&engineer, "predict_game", game(7))
            .await
            .unwrap();
        assert_eq!(served(&p), c.to_string());
    }
    a.close().await;
    b.close().await;
    let audit = a.store().audit_records(0, 1_000_000).await.expect("audit");
    let actions: Vec<&str> = audit
        .iter()
        .map(|r| r.entry.action.as_str())
        .filter(|a| a.starts_with("models:"))
        .collect();
    let count = |action: &str| actions.iter().filter(|a| **a == action).count();
    assert_eq!(count("models:promote"), 1, "{actions:?}");
    assert_eq!(count("models:rollout_promote"), 1);
    assert_eq!(count("models:rollout_advance"), 1);
}
