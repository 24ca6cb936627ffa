//! Running the servers: MCP over stdio, or HTTP (API + MCP at /mcp), until a shutdown signal.

use anyhow::{Context, Result};
use nba_app::App;
use nba_store::{Provenance, Store};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// On an empty store: load the configured data folder, else the demo (simulated) league.
pub async fn prepare_store(store: &Store, settings: &Settings) -> Result<()> {
    if !settings.auto_load || store.counts().await?.games > 0 {
        return Ok(());
    }
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

pub async fn run_stdio(store: Store) -> Result<()> {
    let app = App::new(store.clone()).await?;
    let token = shutdown_token();
    nba_mcp::serve_stdio(app, token).await?;
    store.close().await;
    Ok(())
}

pub async fn run_http(store: Store, settings: &Settings) -> Result<()> {
    let app = App::new(store.clone()).await?;
    let token = shutdown_token();
    let mcp = nba_mcp::streamable_http_service(
        app.clone(),
        token.child_token(),
        settings.allowed_hosts.clone(),
    );
    let router = nba_http::router(app).nest_service("/mcp", mcp);
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
    store.close().await;
    Ok(())
}
