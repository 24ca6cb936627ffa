//! The demo league and real data never share a store: a real load into a demo store is
//! refused (nothing written), `reset_data` removes the demo (audited, accounts and logs
//! kept), real data then loads and says so, and the demo is refused in a real store.

use nba_app::access::Caller;
use nba_ingest::Format;
use nba_store::Store;

async fn games(store: &Store) -> i64 {
    store.counts().await.unwrap().games
}

#[tokio::test]
async fn demo_and_real_data_are_never_mixed_and_reset_clears_the_demo() {
    let real = crate::common::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    let dir = std::env::temp_dir().join(format!("nba_demo_reset_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = crate::common::sqlite_url(&dir.join("nba.db"));
    let store = Store::open(&nba_store::StoreOptions::new(url))
        .await
        .unwrap();
    {
        nba_app::demo::load_demo(&store).await.unwrap();
        let demo_games = games(&store).await;
        assert!(demo_games > 0);
        assert_eq!(store.data_source().await.unwrap().as_deref(), Some("demo"));

        let e = nba_app::ingest::load_file(&store, Format::FiveThirtyEight, &real, false, "real")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("demo (simulated)") && e.contains("nba-mcp reset --yes"),
            "{e}"
        );
        assert_eq!(
            games(&store).await,
            demo_games,
            "nothing of the refused load written"
        );
        assert_eq!(store.data_source().await.unwrap().as_deref(), Some("demo"));

        let removed = nba_app::admin::reset_data(&store, &Caller::cli())
            .await
            .unwrap();
        let removed_games = removed.iter().find(|t| t.table == "games").unwrap().rows;
        assert_eq!(removed_games, demo_games);
        assert_eq!(games(&store).await, 0);
        assert_eq!(store.data_source().await.unwrap(), None);
        let audit = store.audit_records(0, 100).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|r| r.entry.action == "data:reset" && r.entry.target.starts_with("demo data")),
            "{audit:?}"
        );

        nba_app::ingest::load_file(&store, Format::FiveThirtyEight, &real, false, "real")
            .await
            .unwrap();
        assert!(games(&store).await > 1000);
        assert_eq!(store.data_source().await.unwrap().as_deref(), Some("real"));
        let e = nba_app::demo::load_demo(&store)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds real data"), "{e}");
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
