//! Running the servers: MCP over stdio, or HTTP (API + MCP at /mcp), until a shutdown signal.

use anyhow::{Context, Result};
use nba_app::App;
use nba_store::{Provenance, Store};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// On an empty store: load the configured data folder, else the demo (simulated) league.
/// Then, if the model store has no model of the configured name, train one on every season.
pub async fn prepare_store(store: &Store, settings: &Settings) -> Result<()> {
    if !settings.auto_load {
        return Ok(());
    }
    if store.counts().await?.games == 0 {
        load_initial_data(store, settings).await?;
    }
    let models = nba_model::ModelStore::new(settings.model_store.clone());
    if settings.model == nba_model::CHAMPION && models.aliases().map(|a| !a.contains_key(nba_model::CHAMPION)).unwrap_or(true) {
        let seasons = store.seasons().await?;
        if let (Some(first), Some(last)) = (seasons.first(), seasons.last()) {
            tracing::warn!("no champion model in {}: training one on {first}-{last}", settings.model_store.display());
            let args = crate::model_cmd::TrainArgs {
                seasons: format!("{first}-{last}"),
                name: "nba-logit".into(),
                version: None,
                alias: Some(nba_model::CHAMPION.into()),
                model_store: Some(settings.model_store.clone()),
            };
            crate::model_cmd::train(store, &settings.state_dir, &args).await?;
        }
    }
    Ok(())
}

async fn load_initial_data(store: &Store, settings: &Settings) -> Result<()> {
    match &settings.data_dir {
        Some(dir) => {
            tracing::info!(dir = %dir.display(), "empty store: loading the real data folder");
            crate::ingest::ingest_all(store, dir, false).await?;
        }
        None => {
            tracing::warn!("empty store and no NBA_MCP_DATA_DIR: loading a DEMO (SIMULATED) league; results will say data_source \"demo (simulated)\"");
            let demo = crate::demo::demo_season(2026);
            store
                .load(
                    &demo,
                    &Provenance {
                        format: "demo".into(),
                        data_source: "demo".into(),
                        skip_invalid: false,
                    },
                )
                .await?;
        }
    }
    Ok(())
}

fn shutdown_token() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        tracing::info!("shutdown signal received");
        t.cancel();
    });
    token
}

/// The application with the configured model, kept in step with the store by a background
/// task (a load by `nba-mcp ingest` in another process is picked up within seconds).
async fn build_app(store: Store, settings: &Settings, token: &CancellationToken) -> Result<App> {
    let config = nba_app::predict::ModelConfig {
        model_store: settings.model_store.clone(),
        spec: settings.model.clone(),
    };
    let app = App::with_models(store, config).await?;
    if let Some(problem) = app.model_problem() {
        tracing::warn!(%problem, "predictions unavailable");
    }
    let (a, t) = (app.clone(), token.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = t.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = a.refresh_models().await {
                        tracing::error!(error = %e, "model refresh failed");
                    }
                }
            }
        }
    });
    Ok(app)
}

pub async fn run_stdio(store: Store, settings: &Settings) -> Result<()> {
    let token = shutdown_token();
    let app = build_app(store.clone(), settings, &token).await?;
    nba_mcp::serve_stdio(app.clone(), token).await?;
    app.close().await;
    store.close().await;
    Ok(())
}

pub async fn run_http(store: Store, settings: &Settings) -> Result<()> {
    let token = shutdown_token();
    let app = build_app(store.clone(), settings, &token).await?;
    let mcp = nba_mcp::streamable_http_service(
        app.clone(),
        token.child_token(),
        settings.allowed_hosts.clone(),
    );
    let router = nba_http::router(app.clone()).nest_service("/mcp", mcp);
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {} (NBA_MCP_BIND)", settings.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr} (MCP at http://{addr}/mcp)");
    eprintln!("nba-mcp listening on http://{addr}");
    let t = token.clone();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { t.cancelled().await })
        .await?;
    app.close().await;
    store.close().await;
    Ok(())
}
