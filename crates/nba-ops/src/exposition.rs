//! The metrics exposition served at `/metrics`: the registry plus values read at scrape
//! time (pool, health, alerts, drift, models, model accuracy).

use crate::metrics::encode::{encode_registry, Exposition};
use crate::ops::OpsHandle;

/// The whole `/metrics` body (Prometheus text format, see [`crate::METRICS_CONTENT_TYPE`]).
pub(crate) fn scrape(ops: &OpsHandle) -> String {
    let mut out = Exposition::new();
    encode_registry(crate::metrics(), &mut out);
    encode_live(ops, &mut out);
    out.finish()
}

/// Values read when scraped rather than recorded.
fn encode_live(ops: &OpsHandle, out: &mut Exposition) {
    let store = &ops.inner.store;
    let (open, idle) = store.pool_status();
    let max = store.pool().options().get_max_connections();
    out.header(
        "nba_mcp_db_pool_connections",
        "gauge",
        "Database pool connections by state (open = in_use + idle).",
    );
    let in_use = (open as usize).saturating_sub(idle);
    for (state, v) in [("open", open as usize), ("idle", idle), ("in_use", in_use)] {
        out.sample("nba_mcp_db_pool_connections", &[("state", state)], v as f64);
    }
    out.single(
        "nba_mcp_db_pool_max_connections",
        "gauge",
        "Largest size the database pool may grow to.",
        f64::from(max),
    );
    if let Some(report) = ops.inner.checker.last() {
        out.single(
            "nba_mcp_health_status",
            "gauge",
            "Overall health: 0 healthy, 1 degraded, 2 unhealthy.",
            report.status.gauge(),
        );
        out.header(
            "nba_mcp_health_component_status",
            "gauge",
            "Health per component: 0 healthy, 1 degraded, 2 unhealthy.",
        );
        for (name, c) in &report.components {
            let labels = [("component", name.as_str())];
            out.sample("nba_mcp_health_component_status", &labels, c.status.gauge());
        }
        out.header(
            "nba_mcp_health_check_duration_seconds",
            "gauge",
            "How long the latest check of each component took.",
        );
        for (name, c) in &report.components {
            let labels = [("component", name.as_str())];
            let seconds = c.response_time_ms / 1000.0;
            out.sample("nba_mcp_health_check_duration_seconds", &labels, seconds);
        }
    }
    let view = ops.alerts();
    out.header(
        "nba_mcp_alerts_active",
        "gauge",
        "Alerts firing now, by rule and severity (1 firing, 0 not).",
    );
    for rule in &view.rules {
        let firing = view.active.iter().any(|a| a.rule == rule.kind);
        let labels = [
            ("rule", rule.kind.as_str()),
            ("severity", rule.severity.as_str()),
        ];
        out.sample(
            "nba_mcp_alerts_active",
            &labels,
            if firing { 1.0 } else { 0.0 },
        );
    }
    if let Some(report) = ops.drift_report() {
        out.header(
            "nba_mcp_drift_psi",
            "gauge",
            "Population Stability Index of each model feature, recent vs reference.",
        );
        for f in report.features.iter().filter(|f| f.psi.is_some()) {
            let labels = [("feature", f.feature.as_str())];
            out.sample("nba_mcp_drift_psi", &labels, f.psi.unwrap_or_default());
        }
        out.header(
            "nba_mcp_drift_ks_p_value",
            "gauge",
            "Two-sample Kolmogorov-Smirnov p-value of each model feature.",
        );
        for f in report.features.iter().filter(|f| f.ks_p_value.is_some()) {
            let labels = [("feature", f.feature.as_str())];
            let p = f.ks_p_value.unwrap_or(1.0);
            out.sample("nba_mcp_drift_ks_p_value", &labels, p);
        }
    }
    let models = ops.models();
    if !models.is_empty() {
        out.header("nba_mcp_model_info", "gauge", "Models loaded (always 1).");
        for model in &models {
            let alias = model.alias.as_deref().unwrap_or("");
            let labels = [
                ("name", model.name.as_str()),
                ("version", model.version.as_str()),
                ("alias", alias),
            ];
            out.sample("nba_mcp_model_info", &labels, 1.0);
        }
    }
    if let Some(p) = ops.performance() {
        out.header(
            "nba_mcp_model_brier_score",
            "gauge",
            "Brier score of the serving model: rolling (recent predictions) and evaluation.",
        );
        for (kind, v) in [
            ("rolling", p.rolling_brier),
            ("evaluation", p.evaluation_brier),
        ] {
            let labels = [("model", p.model.as_str()), ("kind", kind)];
            out.sample("nba_mcp_model_brier_score", &labels, v);
        }
        out.header(
            "nba_mcp_model_performance_samples",
            "gauge",
            "Predictions with known results in the rolling Brier window.",
        );
        let labels = [("model", p.model.as_str())];
        out.sample(
            "nba_mcp_model_performance_samples",
            &labels,
            p.samples as f64,
        );
    }
}
