//! Promotion and rollback of a model alias over a real folder registry: only a caller with
//! `models:deploy` may move it, every move is audited, the alias history is what rollback
//! reads (and an alias with no earlier model says so), and a rollback of a rollback moves
//! the alias forward again.

use crate::common::models::{champion_of, copy_tree, model_store, open_private_db, TempDir};
use nba_app::models::{promote, rollback};
use nba_app::{Caller, Transport};
use nba_auth::Role;
use nba_model::ModelRef;
use nba_registry::{FolderRegistry, ModelRegistry, CHAMPION};

#[tokio::test]
async fn an_alias_is_promoted_and_rolled_back_with_an_audit_entry_each() {
    let dir = TempDir::new("promote");
    copy_tree(model_store(), dir.path());
    let db = TempDir::new("promote-db");
    let store = open_private_db(&db).await;
    let registry = FolderRegistry::new(dir.path());
    let admin = Caller::cli();
    let first = champion_of(dir.path());

    // The champion has no earlier model (it was the first): nothing to roll back to.
    let e = rollback(&store, &registry, &admin, CHAMPION)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_argument", "{e}");
    assert!(e.to_string().contains("no earlier model"), "{e}");

    let before = registry
        .alias_history(CHAMPION)
        .await
        .expect("history")
        .len();
    let mut b = registry.load(&first).await.expect("load the champion");
    b.version = format!("{}-b", first.version);
    registry.save(&b).await.expect("save b");
    let b_ref = ModelRef::of(&b);

    // A viewer may not move it.
    let viewer = Caller::local(Role::Viewer, Transport::Cli);
    let e = promote(&store, &registry, &viewer, CHAMPION, &b_ref.to_string())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");
    assert_eq!(champion_of(dir.path()), first);

    // An unknown model is refused, and the alias stays.
    let e = promote(&store, &registry, &admin, CHAMPION, "nba-logit@nope")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found", "{e}");
    assert_eq!(champion_of(dir.path()), first);

    let moved = promote(&store, &registry, &admin, CHAMPION, &b_ref.to_string())
        .await
        .expect("promote");
    assert_eq!((moved.from.as_ref(), &moved.to), (Some(&first), &b_ref));
    assert_eq!(champion_of(dir.path()), b_ref);

    let back = rollback(&store, &registry, &admin, CHAMPION)
        .await
        .expect("rollback");
    assert_eq!((back.from.as_ref(), &back.to), (Some(&b_ref), &first));
    assert_eq!(champion_of(dir.path()), first);
    // Undoing the rollback moves it forward again.
    let again = rollback(&store, &registry, &admin, CHAMPION)
        .await
        .expect("rollback of the rollback");
    assert_eq!(again.to, b_ref);

    let history = registry.alias_history(CHAMPION).await.expect("history");
    let moves: Vec<_> = history[before..].iter().map(|c| c.model.clone()).collect();
    assert_eq!(moves, [b_ref.clone(), first.clone(), b_ref.clone()]);

    let audit = store.audit_records(0, 100).await.expect("audit");
    let entries: Vec<(String, String)> = audit
        .iter()
        .map(|r| (r.entry.action.clone(), r.entry.target.clone()))
        .filter(|(a, _)| a.starts_with("models:"))
        .collect();
    assert_eq!(
        entries,
        [
            (
                "models:promote".into(),
                format!("champion: {first} -> {b_ref}")
            ),
            (
                "models:rollback".into(),
                format!("champion: {b_ref} -> {first}")
            ),
            (
                "models:rollback".into(),
                format!("champion: {first} -> {b_ref}")
            ),
        ]
    );
}

/// The model tools as an MCP or HTTP caller meets them: a data scientist lists but may not
/// move the champion; an ml_engineer promotes and the server answers from the new version at
/// once (no refresh wait); `rollback_model` brings the first back, served at once too.
#[tokio::test]
async fn the_model_tools_list_promote_and_roll_back_and_serve_the_move_at_once() {
    let dir = TempDir::new("promote-tools");
    copy_tree(model_store(), dir.path());
    let first = champion_of(dir.path());
    let registry = FolderRegistry::new(dir.path());
    let mut b = registry.load(&first).await.expect("load the champion");
    b.version = format!("{}-tools", first.version);
    registry.save(&b).await.expect("save b");
    let b_ref = ModelRef::of(&b);
    let serving = crate::common::models::serving_with(dir.path()).await;
    let app = &serving.app;
    let served = |v: &serde_json::Value| {
        format!(
            "{}@{}",
            v["model"]["name"].as_str().unwrap(),
            v["model"]["version"].as_str().unwrap()
        )
    };
    let game = serde_json::json!({"home": "BOS", "away": "MIA", "date": "2021-03-01"});

    let scientist = Caller::local(Role::DataScientist, Transport::Http);
    let listed = app
        .call_tool(&scientist, "list_models", serde_json::json!({}))
        .await
        .expect("a data scientist lists models");
    assert_eq!(listed["serving"], first.to_string(), "{listed}");
    let models = listed["models"].as_array().unwrap();
    assert!(models
        .iter()
        .any(|m| m["model"] == b_ref.to_string() && m["aliases"].as_array().unwrap().is_empty()));
    assert!(models
        .iter()
        .any(|m| m["model"] == first.to_string() && m["aliases"] == serde_json::json!([CHAMPION])));
    let e = app
        .call_tool(
            &scientist,
            "promote_model",
            serde_json::json!({"model": b_ref.to_string()}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");

    let engineer = Caller::local(Role::MlEngineer, Transport::Http);
    let e = app
        .call_tool(
            &engineer,
            "promote_model",
            serde_json::json!({"model": "nba-logit@nope"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found", "{e}");
    let moved = app
        .call_tool(
            &engineer,
            "promote_model",
            serde_json::json!({"model": b_ref.to_string()}),
        )
        .await
        .expect("promote");
    assert_eq!(moved["from"], first.to_string(), "{moved}");
    assert_eq!(moved["serving"], b_ref.to_string(), "{moved}");
    let p = app
        .call_tool(&engineer, "predict_game", game.clone())
        .await
        .unwrap();
    assert_eq!(
        served(&p),
        b_ref.to_string(),
        "served at once, no refresh wait"
    );

    let back = app
        .call_tool(&engineer, "rollback_model", serde_json::json!({}))
        .await
        .expect("rollback");
    assert_eq!(back["to"], first.to_string(), "{back}");
    let p = app
        .call_tool(&engineer, "predict_game", game)
        .await
        .unwrap();
    assert_eq!(served(&p), first.to_string());
    let e = app
        .call_tool(
            &engineer,
            "rollback_model",
            serde_json::json!({"alias": "nope"}),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("points at no model"), "{e}");
}
