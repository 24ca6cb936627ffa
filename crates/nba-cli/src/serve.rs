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
    match &settings.data_dir {
        // Whatever of the folder is not in the store yet (all of it on a first start, the
        // rest of it after an interrupted one).
        Some(dir) => {
            crate::ingest::ingest_missing(store, dir).await?;
        }
        None if store.counts().await?.games == 0 => load_initial_data(store, settings).await?,
        None => {}
    }
    let models = nba_model::ModelStore::new(settings.model_store.clone());
    if settings.model == nba_model::CHAMPION
        && models
            .aliases()
            .map(|a| !a.contains_key(nba_model::CHAMPION))
            .unwrap_or(true)
    {
        let seasons = store.seasons().await?;
        if let (Some(first), Some(last)) = (seasons.first(), seasons.last()) {
            tracing::warn!(
                "no champion model in {}: training one on {first}-{last}",
                settings.model_store.display()
            );
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
            crate::ingest::ingest_missing(store, dir).await?;
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

/// The models the server has loaded, for the dashboard and `/metrics`.
struct Catalog(App, String);

impl nba_ops::ModelCatalog for Catalog {
    fn models(&self) -> Vec<nba_ops::ModelInfo> {
        match self.0.model_info() {
            Some((name, version, _)) => vec![nba_ops::ModelInfo {
                name,
                version,
                alias: Some(self.1.clone()),
                status: "loaded".into(),
            }],
            None => vec![nba_ops::ModelInfo {
                name: self.1.clone(),
                version: "-".into(),
                alias: Some(self.1.clone()),
                status: self
                    .0
                    .model_problem()
                    .unwrap_or_else(|| "not loaded".into()),
            }],
        }
    }
}

/// Health checks, alerts, drift: started for both transports; the routes serve over HTTP.
async fn start_ops(
    app: &App,
    store: &Store,
    settings: &Settings,
    token: &CancellationToken,
) -> Result<(nba_ops::OpsHandle, axum::Router)> {
    let drift = std::sync::Arc::new(nba_ops::Published::<nba_ops::DriftReport>::default());
    let performance =
        std::sync::Arc::new(nba_ops::Published::<nba_ops::PerformanceObservation>::default());
    // The model component reads and verifies the configured artifact on every check, so a
    // file corrupted on disk shows even while the model loaded earlier keeps serving.
    let model_app = app.clone();
    let (model_store, spec) = (settings.model_store.clone(), settings.model.clone());
    let model_check = nba_ops::health::check_fn("model", move || {
        let app = model_app.clone();
        let (root, spec) = (model_store.clone(), spec.clone());
        async move {
            let on_disk = tokio::task::spawn_blocking(move || {
                nba_model::ModelStore::new(root)
                    .resolve(&spec)
                    .map(|a| format!("{}@{}", a.name, a.version))
                    .map_err(|e| (e.code() == "model_not_found", e.to_string()))
            })
            .await
            .unwrap_or_else(|e| Err((false, e.to_string())));
            match (app.model_info(), on_disk) {
                (Some((name, version, through)), Ok(file)) => {
                    nba_ops::ComponentHealth::healthy(format!(
                        "serving {name}@{version} (data through {}); artifact {file} verified",
                        through.unwrap_or_else(|| "-".into())
                    ))
                }
                (Some((name, version, _)), Err((_, e))) => {
                    nba_ops::ComponentHealth::unhealthy(format!(
                        "serving {name}@{version} loaded earlier, but the model store fails: {e}"
                    ))
                }
                // No model at all: predictions are off, the rest works.
                (None, Err((true, e))) => {
                    nba_ops::ComponentHealth::degraded(format!("no model: {e}"))
                }
                (None, Err((false, e))) => {
                    nba_ops::ComponentHealth::unhealthy(format!("model store: {e}"))
                }
                (None, Ok(file)) => nba_ops::ComponentHealth::degraded(format!(
                    "artifact {file} is valid but not loaded yet: {}",
                    app.model_problem().unwrap_or_default()
                )),
            }
        }
    });
    let (ops, routes) = nba_ops::Ops::builder(store.clone(), settings.ops.clone())
        .health_check(std::sync::Arc::new(model_check))
        .drift_source(drift.clone())
        .performance_source(performance.clone())
        .model_catalog(std::sync::Arc::new(Catalog(
            app.clone(),
            settings.model.clone(),
        )))
        .start()
        .await?;
    app.attach_ops(ops.clone());
    // Drift of served predictions against the model's reference, and their accuracy once
    // results arrive, every five minutes.
    let (a, t) = (app.clone(), token.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tokio::select! {
                _ = t.cancelled() => break,
                _ = tick.tick() => {
                    match a.drift_report(None).await {
                        Ok(out) if out.recent_predictions > 0 => drift.publish(out.report),
                        Ok(_) => {}
                        Err(e) => tracing::debug!(error = %e, "no drift report"),
                    }
                    match a.performance().await {
                        Ok(Some(p)) => performance.publish(p),
                        Ok(None) => {}
                        Err(e) => tracing::debug!(error = %e, "no performance observation"),
                    }
                }
            }
        }
    });
    start_retention(store.clone(), settings.limits.app.clone(), token.clone());
    Ok((ops, routes))
}

/// Log retention: every ten minutes (and once at start) the prediction and audit logs lose
/// rows past their age and row limits; their sizes are published as metrics.
fn start_retention(store: Store, limits: nba_app::Limits, token: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tick.tick() => {}
            }
            let cutoff = |days: u64| {
                (chrono::Utc::now() - chrono::Duration::days(days.min(100_000) as i64))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            let rows = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            let m = nba_ops::metrics();
            match store
                .prune_predictions(
                    &cutoff(limits.prediction_log_max_age_days),
                    rows(limits.prediction_log_max_rows),
                )
                .await
            {
                Ok(n) => m.log_pruned.with(&["prediction"], |c| c.add(n)),
                Err(e) => tracing::warn!(error = %e, "prediction log retention failed"),
            }
            match store
                .prune_audit(
                    &cutoff(limits.audit_log_max_age_days),
                    rows(limits.audit_log_max_rows),
                )
                .await
            {
                Ok(n) => m.log_pruned.with(&["audit"], |c| c.add(n)),
                Err(e) => tracing::warn!(error = %e, "audit log retention failed"),
            }
            if let Ok(n) = store.prediction_log_rows().await {
                m.log_rows.with(&["prediction"], |g| g.set(n));
            }
            if let Ok(n) = store.audit_log_rows().await {
                m.log_rows.with(&["audit"], |g| g.set(n));
            }
        }
    });
}

pub async fn run_stdio(store: Store, settings: &Settings) -> Result<()> {
    let token = shutdown_token();
    let app = build_app(store.clone(), settings, &token).await?;
    let (ops, _routes) = start_ops(&app, &store, settings, &token).await?;
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
    let (ops, ops_routes) = start_ops(&app, &store, settings, &token).await?;
    let mcp_routes = axum::Router::new().nest_service("/mcp", mcp);
    let router = nba_http::router_with_ops(app.clone(), ops_routes, Some(mcp_routes))
        .layer(axum::middleware::from_fn(nba_ops::track_http));
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
