//! The MCP handler over real data: FiveThirtyEight's games loaded into a temp SQLite store,
//! then tools, resources and prompts checked against known facts (the 2015-16 Warriors went
//! 73-9). Needs the shared data folder (NBA_MCP_DATA_DIR, default `../shared/data`).

use crate::common;

use common::{data_dir, legacy_client, modern_client, open_store, TempDir};
use nba_app::App;
use nba_ingest::{Format, ParseOptions};
use nba_store::Provenance;
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::{json, Value};

async fn loaded_app(dir: &TempDir) -> App {
    let file = data_dir().join("fivethirtyeight/games_1947_2022.csv.gz");
    let parsed = tokio::task::spawn_blocking(move || {
        nba_ingest::parse_file(Format::FiveThirtyEight, &file, &ParseOptions::default())
    })
    .await
    .unwrap()
    .expect("parse games_1947_2022.csv.gz");
    let store = open_store(dir).await;
    let provenance = Provenance {
        format: Format::FiveThirtyEight.name().to_string(),
        data_source: "real".to_string(),
        skip_invalid: false,
    };
    store
        .load(&parsed, &provenance)
        .await
        .expect("load the games");
    App::new(store).await.expect("build App")
}

fn args(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().expect("object")
}

/// One test, one load: the load is the slow part.
#[tokio::test]
async fn tools_resources_and_prompts_over_real_games() {
    let dir = TempDir::new("real");
    let app = loaded_app(&dir).await;

    for client in [legacy_client(app.clone()).await, modern_client(app).await] {
        let result = client
            .call_tool(
                CallToolRequestParams::new("get_team_stats")
                    .with_arguments(args(json!({ "team": "GSW", "season": "2015-16" }))),
            )
            .await
            .expect("get_team_stats");
        assert_ne!(result.is_error, Some(true), "{result:?}");
        let stats = result.structured_content.expect("structuredContent");
        assert_eq!(
            (&stats["record"]["wins"], &stats["record"]["losses"]),
            (&json!(73), &json!(9)),
            "the 2015-16 Warriors went 73-9: {stats}"
        );
        assert_eq!(stats["data_source"], "real");

        // A typo is a tool error with a suggestion the model can act on.
        let result = client
            .call_tool(
                CallToolRequestParams::new("get_team_stats")
                    .with_arguments(args(json!({ "team": "Warriorz", "season": 2016 }))),
            )
            .await
            .expect("a tool error is not a protocol error");
        assert_eq!(result.is_error, Some(true));
        let message = &result.content[0].as_text().expect("text").text;
        assert!(message.contains("did you mean"), "{message}");
        assert!(message.contains("GSW"), "{message}");

        let read = client
            .read_resource(ReadResourceRequestParams::new("nba://standings/2015-16"))
            .await
            .expect("standings resource");
        let text = match &read.contents[0] {
            rmcp::model::ResourceContents::TextResourceContents { text, .. } => text,
            other => panic!("text expected: {other:?}"),
        };
        assert!(text.contains("GSW"), "standings mention the Warriors");

        let prompt = client
            .get_prompt(
                GetPromptRequestParams::new("season_review")
                    .with_arguments(args(json!({ "team": "Warriors", "season": "2015-16" }))),
            )
            .await
            .expect("season_review");
        let description = prompt.description.unwrap_or_default();
        assert!(description.contains("Warriors"), "{description}");
        client.cancel().await.unwrap();
    }
}
