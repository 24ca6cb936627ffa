//! A tiny server for trying the MCP handler by hand or with third-party clients, without the
//! full binary: `serve stdio` (MCP on stdin/stdout), `serve http [ADDR]` (Streamable HTTP
//! at `/mcp`, default 127.0.0.1:0; prints `listening on http://IP:PORT` to stderr) and
//! `serve ingest FORMAT FILE` (loads a data file, e.g. `fivethirtyeight games.csv.gz`).
//! The database is `DATABASE_URL` (default `sqlite://<temp>/nba-mcp-example/nba.db`).
//! There is no authentication here: every request runs as an anonymous admin, and `http`
//! refuses non-loopback addresses. The real server is `nba-mcp serve` / `nba-mcp mcp`.
//!
//!     cargo run -p nba-mcp --example serve -- http 127.0.0.1:8765

use anyhow::{bail, Context};
use nba_app::App;
use nba_store::{Store, StoreOptions};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: on stdio, stdout belongs to the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "stdio".into());
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::env::temp_dir().join("nba-mcp-example");
        format!("sqlite://{}", dir.join("nba.db").display())
    });
    let store = Store::open(&StoreOptions::new(url))
        .await
        .context("opening the store")?;
    let access = nba_app::AccessConfig {
        rbac_disabled: true,
        ..Default::default()
    };
    let app = App::open(store, None, access)
        .await
        .context("building the app")?;
    let anonymous = nba_app::Caller::new(
        std::sync::Arc::new(nba_app::nba_auth::Principal::anonymous()),
        nba_app::Transport::McpHttp,
        "example".into(),
    );
    tracing::warn!("example server: NO AUTHENTICATION, every request is an anonymous admin");
    let shutdown = CancellationToken::new();
    {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        });
    }

    match mode.as_str() {
        "stdio" => {
            let caller = nba_app::Caller {
                transport: nba_app::Transport::McpStdio,
                ..anonymous
            };
            nba_mcp::serve_stdio(app, caller, shutdown).await?
        }
        "http" => {
            let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
            let listener = tokio::net::TcpListener::bind(&bind)
                .await
                .with_context(|| format!("binding {bind}"))?;
            let addr = listener.local_addr()?;
            if !addr.ip().is_loopback() {
                bail!("the example server has no authentication: bind a loopback address");
            }
            let service =
                nba_mcp::streamable_http_service(app, shutdown.clone(), Vec::new(), Vec::new());
            let router = axum::Router::new()
                .nest_service("/mcp", service)
                .layer(axum::Extension(anonymous));
            tracing::info!("listening on http://{addr}");
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await?;
        }
        "ingest" => {
            let (Some(format), Some(path)) = (args.next(), args.next()) else {
                bail!("usage: serve ingest FORMAT FILE");
            };
            let format = nba_ingest::Format::from_name(&format)?;
            let parsed = nba_ingest::parse_file(
                format,
                std::path::Path::new(&path),
                &nba_ingest::ParseOptions::default(),
            )?;
            let provenance = nba_store::Provenance {
                format: format.name().to_string(),
                data_source: "real".to_string(),
                skip_invalid: false,
            };
            let summary = app.store().load(&parsed, &provenance).await?;
            eprintln!("{summary:?}");
        }
        other => bail!("unknown mode '{other}'; use stdio, http or ingest"),
    }
    Ok(())
}
