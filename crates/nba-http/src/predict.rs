//! `/v1/predict` and `/v1/predict/batch`: the prediction tools under stable REST paths, with
//! the same JSON shapes as the two prediction tools.

use nba_app::tools::{PredictGame, PredictGames, Tool};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use nba_app::Caller;

use crate::tools::{json_answer, parse_arguments};
use crate::{ApiError, AppState};

async fn run(
    state: &AppState,
    caller: Option<Extension<Caller>>,
    tool: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = crate::auth::caller(caller)?;
    let body = body.map_err(|r| ApiError::new(r.status(), "invalid_body", r.body_text()))?;
    let args = parse_arguments(&body)?;
    Ok(json_answer(
        state.app.call_tool_answer(&caller, tool, args).await?,
    ))
}

/// The routes that are short names for a tool: (tool, path), documented in OpenAPI as such.
pub(crate) const ALIASES: [(&str, &str); 2] = [
    (PredictGame::NAME, "/v1/predict"),
    (PredictGames::NAME, "/v1/predict/batch"),
];

/// `POST /v1/predict` with `{home, away, date?, neutral?}`.
pub(crate) async fn one(
    State(state): State<Arc<AppState>>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    run(&state, caller, PredictGame::NAME, body).await
}

/// `POST /v1/predict/batch` with `{games: [...]}` (up to 1000).
pub(crate) async fn batch(
    State(state): State<Arc<AppState>>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    run(&state, caller, PredictGames::NAME, body).await
}
