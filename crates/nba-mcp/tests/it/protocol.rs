//! The MCP handler over an in-memory pipe with a real rmcp client, in both protocol eras:
//! handshake, catalog, tool results and errors, resources and prompts. None of these need
//! loaded data (list_teams and compute_metrics work on an empty store).

use crate::common;

use common::{client_as, empty_app, legacy_client, modern_client, Client};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ErrorCode, GetPromptRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ResourceContents,
};
use rmcp::ServiceError;
use serde_json::{json, Map, Value};

/// Every tool, in catalog order.
const TOOLS: [&str; 33] = [
    "list_teams",
    "find_team",
    "search_players",
    "get_games",
    "get_game",
    "get_standings",
    "get_team_stats",
    "get_player_stats",
    "get_leaders",
    "head_to_head",
    "predict_game",
    "predict_games",
    "get_power_rankings",
    "simulate_season",
    "system_health",
    "list_alerts",
    "drift_report",
    "compute_metrics",
    "whoami",
    "query_sql",
    "audit_log",
    "list_accounts",
    "revoke_api_key",
    "backup_create",
    "backup_list",
    "backup_verify",
    "list_models",
    "promote_model",
    "rollback_model",
    "start_rollout",
    "rollout_status",
    "advance_rollout",
    "stop_rollout",
];

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("expected an object, got {other}"),
    }
}

async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(object(args)))
        .await
        .unwrap_or_else(|e| panic!("{name} failed at the protocol level: {e}"))
}

fn text_of(result: &CallToolResult) -> String {
    assert_eq!(result.content.len(), 1, "one content item: {result:?}");
    result.content[0]
        .as_text()
        .expect("text content")
        .text
        .clone()
}

/// A successful result carries the JSON object both as structuredContent and as text.
fn structured(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "tool error: {result:?}");
    let value = result
        .structured_content
        .clone()
        .expect("structuredContent");
    assert!(value.is_object(), "structuredContent is an object");
    let text: Value = serde_json::from_str(&text_of(result)).expect("text content is JSON");
    assert_eq!(text, value, "text content equals structuredContent");
    value
}

fn json_rpc_error(error: ServiceError) -> rmcp::ErrorData {
    match error {
        ServiceError::McpError(data) => data,
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

#[tokio::test]
async fn initialize_handshake_reports_name_capabilities_and_instructions() {
    let (app, _dir) = empty_app().await;
    let client = legacy_client(app).await;
    let info = client.peer_info().expect("server info after initialize");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2025_11_25);
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, nba_app::SERVER_NAME);
    assert_eq!(server.version, nba_app::SERVER_VERSION);
    assert_eq!(info.instructions.as_deref(), Some(nba_app::INSTRUCTIONS));
    assert!(info.capabilities.tools.is_some());
    assert!(info.capabilities.resources.is_some());
    assert!(info.capabilities.prompts.is_some());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn stateless_2026_07_28_lifecycle_discovers_and_serves() {
    let (app, _dir) = empty_app().await;
    let client = modern_client(app).await;
    let info = client.peer_info().expect("server info after discover");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2026_07_28);
    assert_eq!(
        info.server_info.as_ref().map(|s| s.name.as_str()),
        Some(nba_app::SERVER_NAME)
    );
    let tools = client.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), TOOLS.len());
    let teams = structured(&call(&client, "list_teams", json!({})).await);
    assert!(teams.get("data_source").is_some(), "{teams}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn lists_all_tools_with_schemas_and_read_only_hints() {
    let (app, _dir) = empty_app().await;
    for client in [legacy_client(app.clone()).await, modern_client(app).await] {
        let tools = client.list_all_tools().await.expect("tools/list");
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names, TOOLS);
        for tool in &tools {
            assert_eq!(tool.input_schema.get("type"), Some(&json!("object")));
            let output = tool.output_schema.as_ref().expect("outputSchema");
            assert_eq!(output.get("type"), Some(&json!("object")), "{}", tool.name);
            assert!(tool.title.is_some(), "{} has a title", tool.name);
            assert!(
                tool.description.is_some(),
                "{} has a description",
                tool.name
            );
            let hints = tool.annotations.as_ref().expect("annotations");
            let name = tool.name.as_ref();
            // Revoking cannot be undone; a backup and a rollback do something new each call;
            // a promotion to the same version moves nothing.
            let writes = [
                "revoke_api_key",
                "backup_create",
                "promote_model",
                "rollback_model",
                "start_rollout",
                "advance_rollout",
                "stop_rollout",
            ]
            .contains(&name);
            let repeats = [
                "backup_create",
                "rollback_model",
                "start_rollout",
                "advance_rollout",
                "stop_rollout",
            ]
            .contains(&name);
            assert_eq!(hints.read_only_hint, Some(!writes), "{name}");
            assert_eq!(
                hints.destructive_hint,
                Some(name == "revoke_api_key"),
                "{name}"
            );
            assert_eq!(hints.idempotent_hint, Some(!repeats), "{name}");
            assert_eq!(hints.open_world_hint, Some(false));
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn list_teams_returns_structured_content_and_the_same_json_as_text() {
    let (app, _dir) = empty_app().await;
    let client = legacy_client(app).await;
    let teams = structured(&call(&client, "list_teams", json!({})).await);
    assert_eq!(teams["data_source"], json!("real"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn compute_metrics_computes_true_shooting() {
    let (app, _dir) = empty_app().await;
    let client = legacy_client(app).await;
    // TS% = PTS / (2 (FGA + 0.44 FTA)) = 30 / (2 (20 + 4.4)) = 0.6148
    let args = json!({ "player": { "pts": 30, "fga": 20, "fta": 10, "fgm": 10 } });
    let out = structured(&call(&client, "compute_metrics", args).await);
    let ts = out["player"]["ts_pct"].as_f64().expect("player.ts_pct");
    assert!((ts - 30.0 / 48.8).abs() < 1e-3, "ts_pct {ts}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn unknown_tool_is_a_json_rpc_invalid_params_error_listing_the_tools() {
    let (app, _dir) = empty_app().await;
    for client in [legacy_client(app.clone()).await, modern_client(app).await] {
        let error = client
            .call_tool(CallToolRequestParams::new("get_teams"))
            .await
            .expect_err("unknown tool must fail");
        let error = json_rpc_error(error);
        assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
        assert!(error.message.contains("'get_teams'"), "{}", error.message);
        assert!(error.message.contains("list_teams"), "{}", error.message);
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn bad_argument_is_a_tool_error_naming_the_field() {
    let (app, _dir) = empty_app().await;
    let client = legacy_client(app).await;
    let result = call(
        &client,
        "compute_metrics",
        json!({ "player": { "pts": -5, "fga": 10 } }),
    )
    .await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(result.structured_content.is_none());
    let message = text_of(&result);
    assert!(message.contains("player.pts"), "{message}");

    let result = call(&client, "get_standings", json!({ "season": "banana" })).await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(text_of(&result).contains("season"), "{}", text_of(&result));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn model_and_ops_tools_are_tool_errors_saying_what_is_missing() {
    // An App without a model store and without the operations layer.
    let (app, _dir) = empty_app().await;
    for client in [legacy_client(app.clone()).await, modern_client(app).await] {
        for (tool, args, expected) in [
            (
                "predict_game",
                json!({"home": "GSW", "away": "CLE", "date": "2016-06-19"}),
                "no prediction model",
            ),
            (
                "predict_games",
                json!({"games": [{"home": "GSW", "away": "CLE"}]}),
                "no prediction model",
            ),
            ("get_power_rankings", json!({}), "no prediction model"),
            ("drift_report", json!({}), "no prediction model"),
            ("system_health", json!({}), "not running"),
            ("list_alerts", json!({}), "not running"),
        ] {
            let result = call(&client, tool, args).await;
            assert_eq!(result.is_error, Some(true), "{tool}: {result:?}");
            assert!(result.structured_content.is_none(), "{tool}");
            let message = text_of(&result);
            assert!(message.contains(expected), "{tool}: {message}");
        }
        // Bad arguments are named before the missing model matters.
        let result = call(
            &client,
            "predict_game",
            json!({"home": "GSW", "away": "Warriors"}),
        )
        .await;
        assert_eq!(result.is_error, Some(true), "{result:?}");
        assert!(
            text_of(&result).contains("same team"),
            "{}",
            text_of(&result)
        );
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn resources_are_listed_and_schema_is_readable() {
    let (app, _dir) = empty_app().await;
    for client in [legacy_client(app.clone()).await, modern_client(app).await] {
        let resources = client.list_all_resources().await.expect("resources/list");
        let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
        assert!(uris.contains(&"nba://schema"), "{uris:?}");
        assert!(uris.contains(&"nba://teams"), "{uris:?}");
        let templates = client
            .list_all_resource_templates()
            .await
            .expect("resources/templates/list");
        assert!(templates
            .iter()
            .any(|t| t.uri_template == "nba://standings/{season}"));

        let read = client
            .read_resource(ReadResourceRequestParams::new("nba://schema"))
            .await
            .expect("resources/read");
        let ResourceContents::TextResourceContents {
            uri,
            mime_type,
            text,
            ..
        } = &read.contents[0]
        else {
            panic!("text contents expected: {read:?}");
        };
        assert_eq!(uri, "nba://schema");
        assert_eq!(mime_type.as_deref(), Some("application/json"));
        let schema: Value = serde_json::from_str(text).expect("schema is JSON");
        assert!(schema.get("tables").is_some(), "{schema}");
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn unknown_resource_is_resource_not_found() {
    let (app, _dir) = empty_app().await;
    let legacy = legacy_client(app.clone()).await;
    let error = legacy
        .read_resource(ReadResourceRequestParams::new("nba://nothing"))
        .await
        .expect_err("unknown resource");
    assert_eq!(json_rpc_error(error).code, ErrorCode::RESOURCE_NOT_FOUND);
    legacy.cancel().await.unwrap();

    // 2026-07-28 folds resource-not-found into invalid params (SEP-2164); rmcp maps it.
    let modern = modern_client(app).await;
    let error = modern
        .read_resource(ReadResourceRequestParams::new("nba://nothing"))
        .await
        .expect_err("unknown resource");
    let error = json_rpc_error(error);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("nba://nothing"), "{}", error.message);
    modern.cancel().await.unwrap();
}

#[tokio::test]
async fn prompts_are_listed_with_arguments() {
    let (app, _dir) = empty_app().await;
    let client = modern_client(app).await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["analyze_matchup", "season_review"]);
    let matchup = &prompts[0];
    let args: Vec<(&str, Option<bool>)> = matchup
        .arguments
        .as_ref()
        .expect("arguments")
        .iter()
        .map(|a| (a.name.as_str(), a.required))
        .collect();
    assert_eq!(args, [("team_a", Some(true)), ("team_b", Some(true))]);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_prompt_renders_and_rejects_bad_requests_as_invalid_params() {
    let (app, _dir) = empty_app().await;
    let client = legacy_client(app).await;
    let prompt = client
        .get_prompt(
            GetPromptRequestParams::new("analyze_matchup")
                .with_arguments(object(json!({ "team_a": "Warriors", "team_b": "Lakers" }))),
        )
        .await
        .expect("prompts/get");
    assert_eq!(prompt.messages.len(), 1);
    assert!(prompt.description.is_some());

    let error = client
        .get_prompt(GetPromptRequestParams::new("no_such_prompt"))
        .await
        .expect_err("unknown prompt");
    let error = json_rpc_error(error);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("season_review"), "{}", error.message);

    let error = client
        .get_prompt(
            GetPromptRequestParams::new("season_review")
                .with_arguments(object(json!({ "team": "Warriors" }))),
        )
        .await
        .expect_err("missing argument");
    let error = json_rpc_error(error);
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("season"), "{}", error.message);
    client.cancel().await.unwrap();
}

/// Over stdio the configured principal decides: a viewer sees and may call only the viewer's
/// tools, and every call is audited with the stdio transport.
#[tokio::test]
async fn a_stdio_viewer_sees_and_calls_only_viewer_tools() {
    use nba_app::nba_auth::Role;
    let (app, _dir) = empty_app().await;
    let client = client_as(app.clone(), Role::Viewer).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for hidden in [
        "query_sql",
        "audit_log",
        "list_accounts",
        "revoke_api_key",
        "backup_create",
        "backup_list",
        "backup_verify",
        "list_models",
        "promote_model",
        "rollback_model",
        "start_rollout",
        "rollout_status",
        "advance_rollout",
        "stop_rollout",
    ] {
        assert!(
            !names.contains(&hidden),
            "{hidden} listed for a viewer: {names:?}"
        );
    }
    assert!(names.contains(&"get_games") && names.contains(&"whoami"));
    let denied = call(&client, "query_sql", json!({"sql": "SELECT 1"})).await;
    assert_eq!(denied.is_error, Some(true));
    let text = text_of(&denied);
    assert!(
        text.contains("sql:query") && text.contains("viewer"),
        "{text}"
    );
    let me = structured(&call(&client, "whoami", json!({})).await);
    assert_eq!(me["role"], "viewer");
    assert_eq!(me["kind"], "local");
    client.cancel().await.unwrap();

    app.flush_audit().await;
    let records = app.store().audit_records(0, 100).await.unwrap();
    assert!(records.iter().any(|r| r.entry.target == "query_sql"
        && r.entry.outcome == "denied"
        && r.entry.transport == "mcp-stdio"));
    assert!(records
        .iter()
        .any(|r| r.entry.target == "whoami" && r.entry.outcome == "ok"));
}
