//! The benchmark ceiling: the smallest JSON endpoint on the server's own stack (axum 0.8,
//! tokio's multi-threaded runtime, hyper's HTTP/1.1), with a bearer-header check, a JSON
//! body parsed into a struct and a JSON answer. `scripts/bench-ratio.sh` drives it and the
//! release server with the same generator in one run, and reports each server path as a
//! share of this one. It does nothing a real endpoint could skip, and nothing more.
//!
//! Run: `cargo run --release -p nba-http --example ceiling -- [ADDR]` (default
//! 127.0.0.1:0); the key is `CEILING_KEY` (default `ceiling`). Prints `listening on ADDR`.

use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Ask {
    home: String,
    away: String,
    #[serde(default)]
    date: Option<String>,
}

#[derive(Serialize)]
struct Answer {
    home: String,
    away: String,
    date: Option<String>,
    home_win_probability: f64,
}

fn authorized(headers: &HeaderMap, key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|k| k == key)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let key: &'static str = Box::leak(
        std::env::var("CEILING_KEY")
            .unwrap_or_else(|_| "ceiling".into())
            .into_boxed_str(),
    );
    let app = Router::new().route(
        "/predict",
        post(move |headers: HeaderMap, Json(ask): Json<Ask>| async move {
            if !authorized(&headers, key) {
                return Err(StatusCode::UNAUTHORIZED);
            }
            // A stand-in computation of the same order as a table lookup.
            let p = 0.5 + (ask.home.len() as f64 - ask.away.len() as f64) / 100.0;
            Ok(Json(Answer {
                home: ask.home,
                away: ask.away,
                date: ask.date,
                home_win_probability: p,
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
