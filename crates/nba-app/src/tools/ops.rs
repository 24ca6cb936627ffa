//! Operations tools: system health, alerts and feature drift of the serving model.

use std::collections::BTreeMap;

use nba_ops::{AlertsView, DriftConfig, DriftMonitor, HealthReport};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

/// Recent predictions compared with the reference.
pub const DRIFT_WINDOW: i64 = 1000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthOutput {
    #[serde(flatten)]
    pub report: HealthReport,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AlertsOutput {
    #[serde(flatten)]
    pub alerts: AlertsView,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftInput {
    /// How many of the latest served predictions to compare (50 to 10000, default 1000).
    pub window: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DriftOutput {
    pub model: String,
    /// Served predictions compared.
    pub recent_predictions: usize,
    pub method: String,
    #[serde(flatten)]
    pub report: nba_ops::DriftReport,
}

impl App {
    pub(crate) async fn system_health(&self) -> Result<HealthOutput, AppError> {
        Ok(HealthOutput {
            report: self.ops()?.report().await,
        })
    }

    pub(crate) async fn list_alerts(&self) -> Result<AlertsOutput, AppError> {
        Ok(AlertsOutput {
            alerts: self.ops()?.alerts(),
        })
    }

    /// PSI and Kolmogorov-Smirnov of each model feature: the latest served predictions
    /// against the values of the last two seasons of finished games.
    pub async fn drift_report(&self, window: Option<i64>) -> Result<DriftOutput, AppError> {
        let window = window.unwrap_or(DRIFT_WINDOW);
        if !(50..=10_000).contains(&window) {
            return Err(AppError::InvalidArgument(format!(
                "window must be between 50 and 10000, got {window}"
            )));
        }
        let serving = self.predictions().current()?;
        let mut monitor = DriftMonitor::new(DriftConfig::default());
        for (name, values) in &serving.reference {
            monitor.set_reference(name.clone(), values.clone());
        }
        // The served version's own predictions: during a roll-out the log holds two.
        let rows = self
            .store()
            .recent_predictions_of(&serving.artifact.version, window)
            .await?;
        let mut recent: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in &rows {
            let Ok(serde_json::Value::Object(map)) =
                serde_json::from_str::<serde_json::Value>(&r.features)
            else {
                continue;
            };
            for name in serving.reference.keys() {
                if let Some(v) = map.get(name).and_then(|v| v.as_f64()) {
                    recent.entry(name.clone()).or_default().push(v);
                }
            }
        }
        Ok(DriftOutput {
            model: format!("{}@{}", serving.artifact.name, serving.artifact.version),
            recent_predictions: rows.len(),
            method: "PSI over 10 bins from reference quantiles (warning >= 0.1, alert >= 0.2) and a two-sample Kolmogorov-Smirnov test (alert when p < 0.01); reference: the model's features over finished games of the last two seasons in the store.".into(),
            report: monitor.report(&recent),
        })
    }
}

impl App {
    /// Rolling Brier score of the serving model's logged predictions whose games have
    /// finished, beside the Brier of its own out-of-sample validation; `None` until any
    /// prediction has a result.
    pub async fn performance(&self) -> Result<Option<nba_ops::PerformanceObservation>, AppError> {
        let serving = self.predictions().current()?;
        let Some(validation) = serving.artifact.metrics.validation.as_ref() else {
            return Ok(None);
        };
        let scored = self
            .store()
            .scored_predictions(&serving.artifact.version, 1000)
            .await?;
        if scored.is_empty() {
            return Ok(None);
        }
        let brier = scored
            .iter()
            .map(|(p, won)| (p - if *won { 1.0 } else { 0.0 }).powi(2))
            .sum::<f64>()
            / scored.len() as f64;
        Ok(Some(nba_ops::PerformanceObservation {
            model: format!("{}@{}", serving.artifact.name, serving.artifact.version),
            rolling_brier: brier,
            evaluation_brier: validation.brier,
            samples: scored.len() as u64,
            observed_at: chrono::Utc::now(),
        }))
    }
}

/// The `system_health` tool.
pub struct SystemHealth;

impl Tool for SystemHealth {
    const NAME: &'static str = "system_health";
    const TITLE: &'static str = "System health";
    const DESCRIPTION: &'static str = "Health of every component (database, data freshness, caches, model, drift): healthy, degraded or unhealthy, with a message and response time each; the same report as GET /health.";
    const PERMISSION: Option<Permission> = Some(Permission::HealthRead);
    type Input = NoInput;
    type Output = HealthOutput;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<HealthOutput, AppError> {
        cx.app.system_health().await
    }
}

/// The `list_alerts` tool.
pub struct ListAlerts;

impl Tool for ListAlerts {
    const NAME: &'static str = "list_alerts";
    const TITLE: &'static str = "Alerts";
    const DESCRIPTION: &'static str = "Active and recently resolved alerts (system unhealthy, error rate, latency p95, feature drift, performance degradation) with severity and times.";
    const PERMISSION: Option<Permission> = Some(Permission::HealthRead);
    type Input = NoInput;
    type Output = AlertsOutput;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<AlertsOutput, AppError> {
        cx.app.list_alerts().await
    }
}

/// The `drift_report` tool.
pub struct DriftReport;

impl Tool for DriftReport {
    const NAME: &'static str = "drift_report";
    const TITLE: &'static str = "Feature drift";
    const DESCRIPTION: &'static str = "Whether the inputs of recent served predictions drift from the model's reference data: PSI and Kolmogorov-Smirnov per feature.";
    const PERMISSION: Option<Permission> = Some(Permission::HealthRead);
    type Input = DriftInput;
    type Output = DriftOutput;

    async fn run(cx: Ctx<'_>, input: DriftInput) -> Result<DriftOutput, AppError> {
        cx.app.drift_report(input.window).await
    }
}
