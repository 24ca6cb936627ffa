//! `/v1/tools`: the tool catalog and tool calls, with the JSON body as the arguments.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use nba_app::Caller;
use serde_json::{json, Map, Value};

use crate::{ApiError, AppState};

/// Each tool's catalog entry, encoded once (the schemas are static and large: building
/// and encoding them per request cost more than most tool calls).
fn catalog_entries() -> &'static [(&'static str, Bytes)] {
    static ENTRIES: OnceLock<Vec<(&'static str, Bytes)>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        nba_app::catalog::tools()
            .iter()
            .map(|t| {
                let entry = json!({
                    "name": t.name,
                    "title": t.title,
                    "description": t.description,
                    "input_schema": &*t.input_schema,
                    "output_schema": &*t.output_schema,
                    "read_only": t.read_only,
                    "permission": t.permission.map(|p| p.as_str()),
                });
                (t.name, Bytes::from(entry.to_string()))
            })
            .collect()
    })
}

/// `GET /v1/tools`: every tool with its schemas, in the catalog's order.
/// Only the tools the caller may call are listed.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    caller: Option<Extension<Caller>>,
) -> Result<Response, ApiError> {
    let caller = crate::auth::caller(caller)?;
    let allowed = state.app.tools_for(&caller.principal);
    let entries = catalog_entries();
    let mut body = Vec::with_capacity(entries.iter().map(|(_, e)| e.len() + 1).sum::<usize>() + 16);
    body.extend_from_slice(b"{\"tools\":[");
    let visible = entries
        .iter()
        .filter(|(n, _)| allowed.iter().any(|t| t.name == *n));
    for (i, (_, entry)) in visible.enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(entry);
    }
    body.extend_from_slice(b"]}");
    Ok(json_bytes(Bytes::from(body)))
}

/// `POST /v1/tools/{name}`: calls the tool with the body (a JSON object; empty means no
/// arguments) and answers with its result.
pub(crate) async fn call(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = crate::auth::caller(caller)?;
    if !state.app.tools().iter().any(|t| t.name == name) {
        // Only what the caller may call, as in the catalog.
        let names: Vec<&str> = state
            .app
            .tools_for(&caller.principal)
            .iter()
            .map(|t| t.name)
            .collect();
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_name",
            format!("unknown tool '{name}'; available: {}", names.join(", ")),
        ));
    }
    let body = body.map_err(|rejection| {
        ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    })?;
    let arguments = parse_arguments(&body)?;
    Ok(json_answer(
        state
            .app
            .call_tool_answer(&caller, &name, arguments)
            .await?,
    ))
}

/// A tool's answer as the response body, sent as encoded.
pub(crate) fn json_answer(answer: nba_app::Answer) -> Response {
    json_bytes(answer.into_json())
}

fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

pub(crate) fn parse_arguments(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::bad_request(
            "the request body must be a JSON object of tool arguments",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_means_no_arguments() {
        assert_eq!(parse_arguments(b"").unwrap(), json!({}));
        assert_eq!(parse_arguments(b" \n").unwrap(), json!({}));
    }

    #[test]
    fn body_must_be_an_object() {
        assert_eq!(parse_arguments(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        let e = parse_arguments(b"[1]").unwrap_err();
        assert_eq!(e.code, "invalid_argument");
        let e = parse_arguments(b"{").unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
    }
}
