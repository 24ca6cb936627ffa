//! A tool call that cannot get a database connection because every pooled connection is in
//! use is told the server is busy (`overloaded`, retry in 1 s), not that the database is
//! down; once a connection is free the same call answers.

use std::time::Duration;

use crate::common::{self, games_db};
use nba_app::App;
use nba_store::{Store, StoreOptions};
use serde_json::json;

#[tokio::test]
async fn a_full_pool_is_overload_not_an_outage() {
    let mut options = StoreOptions::new(common::sqlite_url(games_db()));
    options.max_connections = Some(2);
    options.acquire_timeout = Duration::from_millis(300);
    let store = Store::open(&options).await.expect("open the store");
    let app = App::new(store.clone()).await.expect("app");
    // Every connection taken, as start-up work or a burst of slow reads would.
    let mut held = Vec::new();
    while held.len() < 2 {
        held.push(store.pool().acquire().await.expect("a connection"));
    }
    let args = json!({"season": "2015-16", "team": "BOS", "limit": 3});
    let e = common::call_err(&app, "get_games", args.clone()).await;
    assert_eq!(e.code(), "overloaded", "{e}");
    assert_eq!(e.retry_after_s(), Some(1));
    assert!(
        e.to_string().contains("database connections are in use"),
        "{e}"
    );
    drop(held);
    let out = common::call(&app, "get_games", args).await;
    assert!(!out["games"].as_array().expect("games").is_empty(), "{out}");
}
