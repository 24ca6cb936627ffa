//! What a running server does in the background, for every transport: keeps the served model
//! in step with the registry and the store, publishes drift and accuracy of served
//! predictions, prunes the logs, and reports the model to health checks and the dashboard.
//! The binary only starts these; each stops when its token is cancelled.

use std::sync::Arc;
use std::time::Duration;

use nba_ops::{ComponentHealth, DriftReport, HealthCheck, ModelCatalog, PerformanceObservation};
use tokio_util::sync::CancellationToken;

use crate::{App, Limits};

/// How often serving checks the registry (a promotion) and the store (new games) by default:
/// a read of the alias document and one small query.
pub const MODEL_REFRESH: Duration = Duration::from_secs(2);
/// How often drift and accuracy of served predictions are computed.
pub const MONITOR_EVERY: Duration = Duration::from_secs(300);
/// How long a rolled-back roll-out keeps the `rollout` health component degraded.
const ROLLBACK_DEGRADES_FOR: chrono::Duration = chrono::Duration::hours(1);
/// Finished roll-outs kept (with their plans and events); older ones are pruned.
pub const ROLLOUTS_KEPT: i64 = 1000;
/// How often the prediction and audit logs are pruned.
pub const RETENTION_EVERY: Duration = Duration::from_secs(600);

/// Runs `f` every `period` (first at once) until `token` is cancelled.
fn every<F, Fut>(period: Duration, token: CancellationToken, mut f: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tick.tick() => f().await,
            }
        }
    });
}

/// Keeps the served model current: a new alias target (promotion, rollback) or new games
/// in the store (a load by another process) are served within `period`.
pub fn spawn_model_refresh(app: App, period: Duration, token: CancellationToken) {
    every(period, token, move || {
        let app = app.clone();
        async move {
            if let Err(e) = app.refresh_models().await {
                tracing::error!(error = %e, "model refresh failed");
            }
        }
    });
}

/// Publishes the drift of served predictions against the model's reference, and their
/// accuracy once results arrive, for the health checks, alerts and `/metrics`.
pub fn spawn_monitors(
    app: App,
    drift: Arc<nba_ops::Published<DriftReport>>,
    performance: Arc<nba_ops::Published<PerformanceObservation>>,
    period: Duration,
    token: CancellationToken,
) {
    every(period, token, move || {
        let (app, drift, performance) = (app.clone(), drift.clone(), performance.clone());
        async move {
            match app.drift_report(None).await {
                Ok(out) if out.recent_predictions > 0 => drift.publish(out.report),
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "no drift report"),
            }
            match app.performance().await {
                Ok(Some(p)) => performance.publish(p),
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "no performance observation"),
            }
        }
    });
}

/// Log retention: the prediction and audit logs lose rows past their age and row limits;
/// their sizes are published as metrics.
pub fn spawn_retention(app: App, period: Duration, token: CancellationToken) {
    every(period, token, move || {
        let app = app.clone();
        async move { prune_logs(app.store(), app.limits()).await }
    });
}

async fn prune_logs(store: &nba_store::Store, limits: &Limits) {
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
    match store.prune_rollouts(ROLLOUTS_KEPT).await {
        Ok(n) => m.log_pruned.with(&["rollout"], |c| c.add(n)),
        Err(e) => tracing::warn!(error = %e, "roll-out retention failed"),
    }
    if let Ok(n) = store.prediction_log_rows().await {
        m.log_rows.with(&["prediction"], |g| g.set(n));
    }
    if let Ok(n) = store.audit_log_rows().await {
        m.log_rows.with(&["audit"], |g| g.set(n));
    }
}

impl App {
    /// The `model` health check: reads and verifies the configured artifact in the registry
    /// on every check, so an artifact damaged in storage shows even while the model loaded
    /// earlier keeps serving.
    pub fn model_health_check(&self) -> Arc<dyn HealthCheck> {
        let app = self.clone();
        Arc::new(nba_ops::health::check_fn("model", move || {
            let app = app.clone();
            async move { app.model_health().await }
        }))
    }

    async fn model_health(&self) -> ComponentHealth {
        let p = self.predictions();
        let Some((registry, spec)) = p.registry().zip(p.spec()) else {
            return ComponentHealth::degraded("no model registry is configured".to_string());
        };
        // Past the model cache: the check reads what storage holds.
        let storage = registry.behind().unwrap_or(&**registry);
        let stored = storage
            .resolve(spec)
            .await
            .map(|a| format!("{}@{}", a.name, a.version))
            .map_err(|e| (e.code() == "model_not_found", e.to_string()));
        match (self.model_info(), stored) {
            (Some((name, version, through)), Ok(stored)) => ComponentHealth::healthy(format!(
                "serving {name}@{version} (data through {}); artifact {stored} verified",
                through.unwrap_or_else(|| "-".into())
            )),
            (Some((name, version, _)), Err((_, e))) => ComponentHealth::unhealthy(format!(
                "serving {name}@{version} loaded earlier, but the model registry fails: {e}"
            )),
            // No model at all: predictions are off, the rest works.
            (None, Err((true, e))) => ComponentHealth::degraded(format!("no model: {e}")),
            (None, Err((false, e))) => ComponentHealth::unhealthy(format!("model registry: {e}")),
            (None, Ok(stored)) => ComponentHealth::degraded(format!(
                "artifact {stored} is valid but not loaded yet: {}",
                self.model_problem().unwrap_or_default()
            )),
        }
    }

    /// The `rollout` health check: degraded for an hour after a roll-out's guards rolled it
    /// back (what the `rollout_rolled_back` alert watches), healthy otherwise.
    pub fn rollout_health_check(&self) -> Arc<dyn HealthCheck> {
        let app = self.clone();
        Arc::new(nba_ops::health::check_fn("rollout", move || {
            let app = app.clone();
            async move { app.rollout_health().await }
        }))
    }

    async fn rollout_health(&self) -> ComponentHealth {
        let (current, recent) = match self.rollout_status(1).await {
            Ok(s) => s,
            Err(e) => return ComponentHealth::degraded(format!("roll-outs cannot be read: {e}")),
        };
        if let Some(c) = current {
            return ComponentHealth::healthy(format!(
                "roll-out {} running: {} {} -> {} at {} %",
                c.id,
                c.mode.as_str(),
                c.baseline,
                c.candidate,
                c.share_percent
            ));
        }
        let Some(last) = recent.first() else {
            return ComponentHealth::healthy("no roll-out yet".to_string());
        };
        let recent_enough = chrono::DateTime::parse_from_rfc3339(&last.updated_at)
            .map(|t| chrono::Utc::now() - t.with_timezone(&chrono::Utc) < ROLLBACK_DEGRADES_FOR)
            .unwrap_or(false);
        if last.state == "rolled_back" && recent_enough {
            return ComponentHealth::degraded(format!(
                "roll-out {} of {} was rolled back at {}: {}",
                last.id,
                last.candidate,
                last.updated_at,
                last.verdict.clone().unwrap_or_default()
            ));
        }
        ComponentHealth::healthy(format!(
            "no roll-out running (the last, {}, {})",
            last.id, last.state
        ))
    }

    /// The models this server serves, for the dashboard and `/metrics`.
    pub fn model_catalog(&self) -> Arc<dyn ModelCatalog> {
        Arc::new(Catalog(self.clone()))
    }
}

struct Catalog(App);

impl ModelCatalog for Catalog {
    fn models(&self) -> Vec<nba_ops::ModelInfo> {
        let spec = self.0.predictions().spec().unwrap_or("-").to_string();
        match self.0.model_info() {
            Some((name, version, _)) => {
                let mut models = vec![nba_ops::ModelInfo {
                    name,
                    version,
                    alias: Some(spec),
                    status: "loaded".into(),
                }];
                if let Some(r) = self.0.predictions().rollout() {
                    models.push(nba_ops::ModelInfo {
                        name: r.plan.candidate.name.clone(),
                        version: r.plan.candidate.version.clone(),
                        alias: None,
                        status: r.describe(),
                    });
                }
                models
            }
            None => vec![nba_ops::ModelInfo {
                name: spec.clone(),
                version: "-".into(),
                alias: Some(spec),
                status: self
                    .0
                    .model_problem()
                    .unwrap_or_else(|| "not loaded".into()),
            }],
        }
    }
}
