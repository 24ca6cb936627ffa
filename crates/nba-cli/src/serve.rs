//! Running the servers: MCP over stdio, or HTTP (API + MCP at /mcp), until a shutdown signal.

use std::sync::Arc;

use anyhow::{Context, Result};
use nba_app::{serving, App};
use nba_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// On an empty store: load the configured data folder, else the demo (simulated) league.
/// Then, if the model store has no model of the configured name, train one on every season.
pub async fn prepare_store(store: &Store, settings: &Settings) -> Result<()> {
    if !settings.auto_load {
        return Ok(());
    }
    match &settings.data_dir {
        // Whatever of the folder is not in the store yet (all of it on a first start, the
        // rest of it after an interrupted one).
        Some(dir) => {
            crate::ingest::ingest_missing(store, dir).await?;
        }
        None if store.counts().await?.games == 0 => {
            nba_app::demo::load_demo(store).await?;
        }
        None => {}
    }
    if settings.model == nba_registry::CHAMPION {
        let registry = settings.registry()?;
        if let Some(trained) = nba_app::models::ensure_champion(store, registry.as_ref()).await? {
            eprintln!(
                "nba-mcp: trained {}@{} as the champion; wrote {}",
                trained.artifact.name, trained.artifact.version, trained.location
            );
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
        registry: Arc::new(nba_app::ModelCache::new(
            settings.registry()?,
            settings.limits.model_cache_entries,
        )),
        spec: settings.model.clone(),
    };
    let app = App::open_with_limits(
        store,
        Some(config),
        access_config(settings)?,
        settings.limits.app.clone(),
    )
    .await?;
    if let Some(problem) = app.model_problem() {
        tracing::warn!(%problem, "predictions unavailable");
    }
    serving::spawn_model_refresh(app.clone(), settings.limits.model_refresh, token.clone());
    let warm = app.clone();
    tokio::spawn(async move { warm.warm_up().await });
    Ok(app)
}

/// Access control from the settings: the OAuth issuer's keys are read (and checked) now.
fn access_config(settings: &Settings) -> Result<nba_app::AccessConfig> {
    let a = &settings.access;
    let jwt = match (&a.oauth_issuer, &a.oauth_jwks_file) {
        (Some(issuer), Some(file)) => {
            let jwks = std::fs::read_to_string(file).with_context(|| {
                format!("NBA_MCP_OAUTH_JWKS_FILE: cannot read '{}'", file.display())
            })?;
            let audience = a.resource_url.clone().ok_or_else(|| {
                anyhow::anyhow!("NBA_MCP_RESOURCE_URL: required with NBA_MCP_OAUTH_ISSUER; it is the audience OAuth tokens must name (e.g. https://nba.example.com/mcp)")
            })?;
            Some(
                nba_auth::jwt::JwtValidator::new(issuer, &audience, &jwks)
                    .map_err(|e| anyhow::anyhow!("NBA_MCP_OAUTH_JWKS_FILE: {e}"))?,
            )
        }
        _ => None,
    };
    if !a.enable_rbac {
        tracing::warn!("RBAC IS DISABLED (ENABLE_RBAC=false): NO AUTHENTICATION, EVERY CALLER IS AN ANONYMOUS ADMIN. Loopback development only.");
        eprintln!("WARNING: RBAC IS DISABLED (ENABLE_RBAC=false): no authentication; every caller is an anonymous admin");
    }
    Ok(nba_app::AccessConfig {
        rbac_disabled: !a.enable_rbac,
        jwt,
        rate_limit: a.rate_limit(),
        resource_url: a.resource_url.clone(),
        https: settings.tls_cert.is_some(),
        auth_grace: settings.limits.app.auth_grace,
        audit_spill: Some(settings.state_dir.join("audit-spill.jsonl")),
        allowed_hosts: settings.allowed_hosts.clone(),
    })
}

/// The stdio client: the principal of NBA_MCP_API_KEY (checked now; a bad key stops the
/// server with the reason), else the local client with NBA_MCP_STDIO_ROLE.
async fn stdio_caller(app: &App, settings: &Settings) -> Result<nba_app::Caller> {
    use secrecy::ExposeSecret;
    let transport = nba_app::Transport::McpStdio;
    match &settings.access.api_key {
        Some(key) => {
            let header = format!("Bearer {}", key.expose_secret().trim());
            app.authenticate(
                Some(header.as_bytes()),
                transport,
                &nba_app::access::new_request_id(),
            )
            .await
            .map_err(|f| anyhow::anyhow!("NBA_MCP_API_KEY: {}", f.description()))
        }
        None => {
            let caller = if app.rbac_enabled() {
                nba_app::Caller::local(settings.access.stdio_role, transport)
            } else {
                nba_app::Caller::new(
                    std::sync::Arc::new(nba_auth::Principal::anonymous()),
                    transport,
                    nba_app::access::new_request_id(),
                )
            };
            Ok(caller)
        }
    }
}

/// Health checks, alerts, drift: started for both transports; the routes serve over HTTP.
async fn start_ops(
    app: &App,
    store: &Store,
    settings: &Settings,
    token: &CancellationToken,
) -> Result<nba_ops::OpsHandle> {
    let drift = Arc::new(nba_ops::Published::<nba_ops::DriftReport>::default());
    let performance = Arc::new(nba_ops::Published::<nba_ops::PerformanceObservation>::default());
    let mut builder = nba_ops::Ops::builder(store.clone(), settings.ops.clone())
        .health_check(app.model_health_check())
        .health_check(app.rollout_health_check());
    if let Some(check) = crate::scheduled_backup::start(app, store, settings, token).await? {
        builder = builder.health_check(check);
    }
    let ops = builder
        .drift_source(drift.clone())
        .performance_source(performance.clone())
        .model_catalog(app.model_catalog())
        .start()
        .await?;
    app.attach_ops(ops.clone());
    serving::spawn_monitors(
        app.clone(),
        drift,
        performance,
        serving::MONITOR_EVERY,
        token.clone(),
    );
    serving::spawn_retention(app.clone(), serving::RETENTION_EVERY, token.clone());
    Ok(ops)
}

pub async fn run_stdio(store: Store, settings: &Settings) -> Result<()> {
    let token = shutdown_token();
    let app = build_app(store.clone(), settings, &token).await?;
    let ops = start_ops(&app, &store, settings, &token).await?;
    let caller = stdio_caller(&app, settings).await?;
    tracing::info!(
        principal = %caller.principal.id,
        role = caller.principal.role_label(),
        "stdio client"
    );
    nba_mcp::serve_stdio(app.clone(), caller, token).await?;
    ops.shutdown().await;
    app.close().await;
    store.close().await;
    Ok(())
}

/// Serves HTTPS when `tls` is given (see `tls::server_config`), plain HTTP otherwise.
pub async fn run_http(
    store: Store,
    settings: &Settings,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
) -> Result<()> {
    let token = shutdown_token();
    let app = build_app(store.clone(), settings, &token).await?;
    let mcp = nba_mcp::streamable_http_service(
        app.clone(),
        token.child_token(),
        settings.allowed_hosts.clone(),
        settings.access.allowed_origins.clone(),
    );
    let ops = start_ops(&app, &store, settings, &token).await?;
    let oauth = settings.access.oauth_issuer.is_some();
    if settings.access.enable_rbac && !oauth && store.principals().await?.is_empty() {
        tracing::warn!("no accounts yet: every request will get 401; make the first key with `nba-mcp users add me --role admin && nba-mcp keys create me`");
        eprintln!("nba-mcp: no accounts yet; make the first API key with `nba-mcp users add me --role admin && nba-mcp keys create me`");
    }
    let mcp_routes = axum::Router::new().nest_service("/mcp", mcp);
    let router = nba_http::router_with_ops(app.clone(), ops.clone(), Some(mcp_routes));
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("cannot listen on {} (NBA_MCP_BIND)", settings.bind))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("listening on {scheme}://{addr} (MCP at {scheme}://{addr}/mcp)");
    eprintln!("nba-mcp listening on {scheme}://{addr}");
    let fd_limit = nba_http::raise_fd_limit().unwrap_or(1024);
    let limits = settings.limits.server.clone().clamp_to_fd_limit(fd_limit);
    tracing::info!(
        max_connections = limits.max_connections,
        fd_limit,
        "connection limits"
    );
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    nba_http::serve(listener, tls, router, token.clone(), limits).await;
    ops.shutdown().await;
    app.close().await;
    store.close().await;
    Ok(())
}
