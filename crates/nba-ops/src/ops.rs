//! Starting and owning the operations layer: the builder the binary configures, the
//! background tasks (health checks, metric samples, alert evaluation) and the handle the
//! transports use (probes, the metrics exposition, reports for `/health`, `/v1/alerts`, the
//! dashboard and the `system_health` and `list_alerts` tools).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nba_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::alerts::{AlertEngine, AlertEvent, AlertsView, EvalInput};
use crate::config::{ConfigError, OpsConfig};
use crate::drift::DriftReport;
use crate::health::{
    CacheCheck, DatabaseCheck, DriftCheck, FreshnessCheck, HealthCheck, HealthChecker, HealthReport,
};
use crate::metrics::Sampler;
use crate::sources::{
    DriftSource, ModelCatalog, ModelInfo, PerformanceObservation, PerformanceSource,
};

/// Why the operations layer could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("invalid setting {0}")]
    Config(#[from] ConfigError),
}

/// Entry point: `Ops::start(store, config)` or `Ops::builder(store, config)...start()`.
pub struct Ops;

impl Ops {
    pub fn builder(store: Store, config: OpsConfig) -> OpsBuilder {
        OpsBuilder {
            store,
            config,
            checks: Vec::new(),
            drift: None,
            performance: None,
            models: None,
        }
    }

    /// Validates `config`, runs the health checks once, starts the background tasks and
    /// returns the handle (the HTTP layer serves its probes, metrics, alerts and summary).
    pub async fn start(store: Store, config: OpsConfig) -> Result<OpsHandle, OpsError> {
        Ops::builder(store, config).start().await
    }
}

/// Adds what later layers provide: more health components, drift and performance inputs
/// for the alerts, and the loaded models.
pub struct OpsBuilder {
    store: Store,
    config: OpsConfig,
    checks: Vec<Arc<dyn HealthCheck>>,
    drift: Option<Arc<dyn DriftSource>>,
    performance: Option<Arc<dyn PerformanceSource>>,
    models: Option<Arc<dyn ModelCatalog>>,
}

impl OpsBuilder {
    /// A health component beside the built-in ones (model store, registry, ...).
    pub fn health_check(mut self, check: Arc<dyn HealthCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Feeds the `feature_drift` alert, the dashboard and a `drift_monitor` component.
    pub fn drift_source(mut self, source: Arc<dyn DriftSource>) -> Self {
        self.drift = Some(source);
        self
    }

    /// Feeds the `performance_degradation` alert.
    pub fn performance_source(mut self, source: Arc<dyn PerformanceSource>) -> Self {
        self.performance = Some(source);
        self
    }

    pub fn model_catalog(mut self, catalog: Arc<dyn ModelCatalog>) -> Self {
        self.models = Some(catalog);
        self
    }

    pub async fn start(self) -> Result<OpsHandle, OpsError> {
        let config = self.config;
        config.validate()?;
        let m = crate::metrics();
        let readiness: Arc<dyn HealthCheck> = Arc::new(DatabaseCheck::new(
            self.store.clone(),
            Duration::from_secs(config.health.database_timeout_s),
        ));
        let mut checks = default_checks(&self.store, &config, readiness.clone());
        if let Some(d) = &self.drift {
            checks.push(Arc::new(DriftCheck::new(d.clone())));
        }
        let checker =
            HealthChecker::new(checks, Duration::from_secs(config.health.check_timeout_s));
        for c in self.checks {
            checker.register(c);
        }
        checker.refresh().await;
        let capacity = (config.metrics.retention_s / config.metrics.sample_interval_s) as usize + 1;
        let sampler = Sampler::new(capacity);
        sampler.record(m);
        let engine = AlertEngine::new(&config.alerts)?;
        let handle = OpsHandle {
            inner: Arc::new(Inner {
                store: self.store,
                checker,
                readiness,
                sampler,
                engine,
                drift: self.drift,
                performance: self.performance,
                models: self.models,
                stop: CancellationToken::new(),
                tasks: Mutex::new(Vec::new()),
                config,
            }),
        };
        handle.spawn_tasks();
        Ok(handle)
    }
}

/// The checks every server has: database, freshness (unless disabled), caches.
fn default_checks(
    store: &Store,
    config: &OpsConfig,
    database: Arc<dyn HealthCheck>,
) -> Vec<Arc<dyn HealthCheck>> {
    let mut checks: Vec<Arc<dyn HealthCheck>> = vec![database, Arc::new(CacheCheck)];
    if config.health.freshness.enabled {
        let freshness = FreshnessCheck::new(store.clone(), config.health.freshness.clone());
        checks.push(Arc::new(freshness));
    }
    checks
}

/// The built-in checks with default settings, for servers that run no background task.
pub(crate) fn standalone_checker(store: &Store) -> (HealthChecker, Arc<dyn HealthCheck>) {
    let config = OpsConfig::default();
    let database: Arc<dyn HealthCheck> = Arc::new(DatabaseCheck::new(
        store.clone(),
        Duration::from_secs(config.health.database_timeout_s),
    ));
    let checks = default_checks(store, &config, database.clone());
    let timeout = Duration::from_secs(config.health.check_timeout_s);
    (HealthChecker::new(checks, timeout), database)
}

/// The running operations layer. Cheap to clone.
#[derive(Clone)]
pub struct OpsHandle {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: OpsConfig,
    pub(crate) store: Store,
    pub(crate) checker: HealthChecker,
    pub(crate) readiness: Arc<dyn HealthCheck>,
    pub(crate) sampler: Sampler,
    pub(crate) engine: AlertEngine,
    pub(crate) drift: Option<Arc<dyn DriftSource>>,
    pub(crate) performance: Option<Arc<dyn PerformanceSource>>,
    pub(crate) models: Option<Arc<dyn ModelCatalog>>,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl OpsHandle {
    fn spawn_tasks(&self) {
        let c = &self.inner.config;
        let mut tasks = self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let health_every = Duration::from_secs(c.health.interval_s);
        tasks.push(
            self.inner
                .checker
                .spawn(health_every, self.inner.stop.clone()),
        );
        let handle = self.clone();
        let sample_every = Duration::from_secs(c.metrics.sample_interval_s);
        let evaluate_every = Duration::from_secs(c.alerts.evaluation_interval_s);
        let alerts = c.alerts.enabled;
        let stop = self.inner.stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut ticker = tokio::time::interval(sample_every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            let mut evaluated = Instant::now();
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = ticker.tick() => {
                        handle.sample_now();
                        if alerts && evaluated.elapsed() >= evaluate_every {
                            evaluated = Instant::now();
                            handle.evaluate_alerts();
                        }
                    }
                }
            }
        }));
    }

    /// The health report for `/health` and the `system_health` tool: the background
    /// task's latest (checked again if that task has fallen far behind).
    pub async fn report(&self) -> HealthReport {
        let c = &self.inner.config.health;
        let max_age = Duration::from_secs(c.interval_s * 2 + c.check_timeout_s);
        self.inner.checker.report(max_age).await
    }

    /// Runs every health check now.
    pub async fn refresh_health(&self) -> HealthReport {
        (*self.inner.checker.refresh().await).clone()
    }

    pub fn health_checker(&self) -> &HealthChecker {
        &self.inner.checker
    }

    /// Active and recent alerts, for `GET /v1/alerts` and the `list_alerts` tool.
    pub fn alerts(&self) -> AlertsView {
        self.inner.engine.view()
    }

    /// Takes a metrics sample now (the background task does this every few seconds).
    pub fn sample_now(&self) {
        self.inner.sampler.record(crate::metrics());
    }

    /// Evaluates every alert rule now and returns what changed.
    pub fn evaluate_alerts(&self) -> Vec<AlertEvent> {
        let health = self.inner.checker.last();
        let input = EvalInput {
            health: health.as_deref(),
            sampler: &self.inner.sampler,
            drift: self.drift_report(),
            performance: self.performance(),
        };
        self.inner.engine.evaluate(&input)
    }

    pub fn drift_report(&self) -> Option<DriftReport> {
        self.inner.drift.as_ref().and_then(|d| d.latest())
    }

    pub fn performance(&self) -> Option<PerformanceObservation> {
        self.inner.performance.as_ref().and_then(|p| p.latest())
    }

    pub fn models(&self) -> Vec<ModelInfo> {
        self.inner
            .models
            .as_ref()
            .map(|m| m.models())
            .unwrap_or_default()
    }

    /// What the probes answer, from the background checker.
    pub fn probes(&self) -> crate::health::Probes {
        let c = &self.inner.config.health;
        crate::health::Probes {
            checker: self.inner.checker.clone(),
            readiness: self.inner.readiness.clone(),
            max_age: Duration::from_secs(c.interval_s * 2 + c.check_timeout_s),
        }
    }

    /// The `/metrics` body (content type [`crate::METRICS_CONTENT_TYPE`]).
    pub fn metrics_text(&self) -> String {
        crate::exposition::scrape(self)
    }

    /// The dashboard's data (`/v1/ops/summary`).
    pub fn summary(&self) -> crate::OpsSummary {
        crate::summary::build(self)
    }

    /// Stops the background tasks and lets queued alert notifications go out (at most 5 s).
    pub async fn shutdown(&self) {
        self.inner.stop.cancel();
        let tasks =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
        self.inner.engine.flush(Duration::from_secs(5)).await;
    }
}
