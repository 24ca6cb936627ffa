//! `/v1/openapi.json`: an OpenAPI 3.1 document generated from the tool catalog, so it can
//! never disagree with what the server accepts and returns.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::AppState;

fn error_response() -> Value {
    json!({
        "description": "Error: 400 invalid arguments, 404 unknown team/game/tool, 413 body too large, 500 internal, 504 timeout",
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}
            }}}
        }}}
    })
}

fn operation(
    summary: &str,
    description: &str,
    input: &Map<String, Value>,
    output: &Map<String, Value>,
) -> Value {
    json!({
        "post": {
            "summary": summary,
            "description": description,
            "requestBody": {"required": true, "content": {"application/json": {"schema": input}}},
            "responses": {
                "200": {"description": "Result", "content": {"application/json": {"schema": output}}},
                "default": error_response()
            }
        }
    })
}

pub(crate) fn document(state: &AppState) -> Value {
    let mut paths = Map::new();
    for t in state.app.tools() {
        paths.insert(
            format!("/v1/tools/{}", t.name),
            operation(t.title, t.description, &t.input_schema, &t.output_schema),
        );
        let alias = crate::predict::ALIASES
            .iter()
            .find(|(tool, _)| *tool == t.name)
            .map(|(_, path)| *path);
        if let Some(path) = alias {
            paths.insert(
                path.to_string(),
                operation(t.title, t.description, &t.input_schema, &t.output_schema),
            );
        }
    }
    let probe = |d: &str| json!({"get": {"summary": d, "responses": {"200": {"description": "OK"}, "503": {"description": "Unavailable"}}}});
    paths.insert("/health".into(), probe("Health of every component"));
    paths.insert("/live".into(), probe("Liveness"));
    paths.insert("/ready".into(), probe("Readiness (the database answers)"));
    paths.insert(
        "/v1/tools".into(),
        json!({"get": {"summary": "The tool catalog with input and output schemas", "responses": {"200": {"description": "Catalog"}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "NBA MCP HTTP API",
            "version": nba_app::SERVER_VERSION,
            "description": "NBA data, analytics and game predictions. Game data: FiveThirtyEight (CC BY 4.0) and NBA Stats. MCP clients use /mcp (Streamable HTTP)."
        },
        "paths": paths
    })
}

/// `GET /v1/openapi.json`.
pub(crate) async fn get(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(document(&state))
}
