//! The alert rules: what each one watches, its defaults, and how one evaluation decides
//! whether it is breached.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Severity;
use crate::config::{bad, AlertsConfig, ConfigError};
use crate::drift::DriftReport;
use crate::health::{HealthReport, Status};
use crate::metrics::Sampler;
use crate::sources::PerformanceObservation;

/// The rules the checklist asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    SystemUnhealthy,
    ErrorRate,
    LatencyP95,
    FeatureDrift,
    PerformanceDegradation,
    BackupStale,
    RolloutRolledBack,
}

impl RuleKind {
    pub const ALL: [RuleKind; 7] = [
        RuleKind::SystemUnhealthy,
        RuleKind::ErrorRate,
        RuleKind::LatencyP95,
        RuleKind::FeatureDrift,
        RuleKind::PerformanceDegradation,
        RuleKind::BackupStale,
        RuleKind::RolloutRolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::SystemUnhealthy => "system_unhealthy",
            RuleKind::ErrorRate => "error_rate",
            RuleKind::LatencyP95 => "latency_p95",
            RuleKind::FeatureDrift => "feature_drift",
            RuleKind::PerformanceDegradation => "performance_degradation",
            RuleKind::BackupStale => "backup_stale",
            RuleKind::RolloutRolledBack => "rollout_rolled_back",
        }
    }

    /// The checklist's thresholds: unhealthy is critical, errors over 5% critical, p95 over
    /// 100 ms a warning, drift a warning, Brier worse than evaluation by 0.02 a warning.
    fn defaults(self) -> Rule {
        let rule = |severity, threshold, window_s, min_samples| Rule {
            kind: self,
            enabled: true,
            severity,
            threshold,
            window_s,
            min_samples,
            source: TrafficSource::Http,
        };
        match self {
            RuleKind::SystemUnhealthy => rule(Severity::Critical, 0.0, 0, 1),
            RuleKind::ErrorRate => rule(Severity::Critical, 0.05, 300, 20),
            RuleKind::LatencyP95 => rule(Severity::Warning, 100.0, 300, 20),
            RuleKind::FeatureDrift => rule(Severity::Warning, 1.0, 0, 0),
            RuleKind::PerformanceDegradation => rule(Severity::Warning, 0.02, 0, 50),
            RuleKind::BackupStale => rule(Severity::Warning, 0.0, 0, 1),
            RuleKind::RolloutRolledBack => rule(Severity::Warning, 0.0, 0, 1),
        }
    }
}

/// Which traffic the error-rate and latency rules watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrafficSource {
    /// HTTP requests to user-facing routes (the API and `/mcp`); errors are 5xx answers.
    Http,
    /// Tool calls on any transport; errors are server-side codes (`internal`, `timeout`).
    Tools,
}

/// What the TOML may change in one rule; anything left out keeps the rule's default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverrides {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    /// error_rate: a fraction (0.05); latency_p95: milliseconds; feature_drift: drifted
    /// features; performance_degradation: the Brier margin.
    pub threshold: Option<f64>,
    pub window_s: Option<u64>,
    /// error_rate and latency_p95: requests in the window; performance_degradation:
    /// predictions with results; system_unhealthy: consecutive unhealthy evaluations.
    pub min_samples: Option<u64>,
    pub source: Option<TrafficSource>,
}

impl RuleOverrides {
    /// Changes nothing: the rule keeps every default.
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none()
            && self.severity.is_none()
            && self.threshold.is_none()
            && self.window_s.is_none()
            && self.min_samples.is_none()
            && self.source.is_none()
    }
}

/// One rule with every value decided.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Rule {
    pub kind: RuleKind,
    pub enabled: bool,
    pub severity: Severity,
    pub threshold: f64,
    pub window_s: u64,
    pub min_samples: u64,
    pub source: TrafficSource,
}

impl Rule {
    pub fn from_config(kind: RuleKind, config: &AlertsConfig) -> Rule {
        let o = match kind {
            RuleKind::SystemUnhealthy => &config.system_unhealthy,
            RuleKind::ErrorRate => &config.error_rate,
            RuleKind::LatencyP95 => &config.latency_p95,
            RuleKind::FeatureDrift => &config.feature_drift,
            RuleKind::PerformanceDegradation => &config.performance_degradation,
            RuleKind::BackupStale => &config.backup_stale,
            RuleKind::RolloutRolledBack => &config.rollout_rolled_back,
        };
        let d = kind.defaults();
        Rule {
            kind,
            enabled: o.enabled.unwrap_or(d.enabled),
            severity: o.severity.unwrap_or(d.severity),
            threshold: o.threshold.unwrap_or(d.threshold),
            window_s: o.window_s.unwrap_or(d.window_s),
            min_samples: o.min_samples.unwrap_or(d.min_samples),
            source: o.source.unwrap_or(d.source),
        }
    }

    /// Decides one evaluation from the inputs.
    pub fn observe(&self, input: &EvalInput<'_>) -> Observation {
        match self.kind {
            RuleKind::SystemUnhealthy => self.system_unhealthy(input.health),
            RuleKind::ErrorRate | RuleKind::LatencyP95 => self.traffic(input.sampler),
            RuleKind::FeatureDrift => self.drift(input.drift.as_ref()),
            RuleKind::PerformanceDegradation => self.performance(input.performance.as_ref()),
            RuleKind::BackupStale => self.component(input.health, "backup", "Backups"),
            RuleKind::RolloutRolledBack => {
                self.component(input.health, "rollout", "Model roll-out")
            }
        }
    }

    /// A health component is not healthy: `backup` (present when the server schedules
    /// backups: the last backup failed, or the newest good one is too old) or `rollout` (a
    /// model roll-out was rolled back by its guards within the last hour).
    fn component(&self, health: Option<&HealthReport>, name: &str, label: &str) -> Observation {
        let Some(c) = health.and_then(|r| r.components.get(name)) else {
            return Observation::clear(format!("no {name} health component"));
        };
        if c.status == Status::Healthy {
            return Observation::clear(c.message.clone());
        }
        Observation::breach(None, format!("{label}: {}", c.message))
    }

    fn system_unhealthy(&self, health: Option<&HealthReport>) -> Observation {
        let Some(report) = health else {
            return Observation::clear("no health report yet");
        };
        if report.status != Status::Unhealthy {
            return Observation::clear(format!("system is {}", report.status.as_str()));
        }
        let parts: Vec<String> = report
            .components
            .iter()
            .filter(|(_, c)| c.status == Status::Unhealthy)
            .map(|(name, c)| format!("{name} ({})", c.message))
            .collect();
        Observation::breach(None, format!("System unhealthy: {}", parts.join("; ")))
    }

    fn traffic(&self, sampler: &Sampler) -> Observation {
        let w = sampler.window(std::time::Duration::from_secs(self.window_s));
        let (what, samples, errors, rate, p95) = match self.source {
            TrafficSource::Http => (
                "requests",
                w.requests,
                w.server_errors,
                w.error_rate,
                w.p95_ms,
            ),
            TrafficSource::Tools => (
                "tool calls",
                w.tool_calls,
                w.tool_server_errors,
                w.tool_error_rate,
                w.tool_p95_ms,
            ),
        };
        let secs = w.seconds.round();
        if samples < self.min_samples.max(1) {
            return Observation::clear(format!(
                "{samples} {what} in the last {secs} s, fewer than the {} needed",
                self.min_samples
            ));
        }
        if self.kind == RuleKind::ErrorRate {
            let rate = rate.unwrap_or(0.0);
            let text = format!(
                "Error rate {:.1}% ({errors} of {samples} {what}) over the last {secs} s; threshold {:.1}%",
                rate * 100.0,
                self.threshold * 100.0
            );
            Observation::judge(rate > self.threshold, Some(rate), text)
        } else {
            let p95 = p95.unwrap_or(0.0);
            let text = format!(
                "Latency p95 {p95:.1} ms over {samples} {what} in the last {secs} s; threshold {} ms",
                self.threshold
            );
            Observation::judge(p95 > self.threshold, Some(p95), text)
        }
    }

    fn drift(&self, report: Option<&DriftReport>) -> Observation {
        let Some(report) = report else {
            return Observation::clear("no drift report");
        };
        let drifted = report.drifted_features();
        let count = drifted.len() as f64;
        let mut text = format!(
            "Feature drift in {} of {} features",
            drifted.len(),
            report.features.len()
        );
        if let Some(worst) = report.worst() {
            text.push_str(&format!(
                ": {} (worst {}: PSI {}, KS p {})",
                drifted.join(", "),
                worst.feature,
                fmt_opt(worst.psi, 3),
                fmt_opt(worst.ks_p_value, 4)
            ));
        }
        Observation::judge(count >= self.threshold.max(1.0), Some(count), text)
    }

    fn performance(&self, obs: Option<&PerformanceObservation>) -> Observation {
        let Some(o) = obs else {
            return Observation::clear("no live performance yet");
        };
        if o.samples < self.min_samples {
            return Observation::clear(format!(
                "{} predictions with results, fewer than the {} needed",
                o.samples, self.min_samples
            ));
        }
        let text = format!(
            "Model {} rolling Brier {:.4} over {} predictions vs {:.4} in evaluation; margin {}",
            o.model, o.rolling_brier, o.samples, o.evaluation_brier, self.threshold
        );
        let worse = o.rolling_brier > o.evaluation_brier + self.threshold;
        Observation::judge(worse, Some(o.rolling_brier), text)
    }
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// Everything the rules look at in one evaluation.
pub struct EvalInput<'a> {
    pub health: Option<&'a HealthReport>,
    pub sampler: &'a Sampler,
    pub drift: Option<DriftReport>,
    pub performance: Option<PerformanceObservation>,
}

/// One rule's verdict.
#[derive(Debug, Clone)]
pub struct Observation {
    pub breached: bool,
    pub value: Option<f64>,
    pub summary: String,
}

impl Observation {
    fn judge(breached: bool, value: Option<f64>, summary: String) -> Observation {
        Observation {
            breached,
            value,
            summary,
        }
    }

    fn breach(value: Option<f64>, summary: String) -> Observation {
        Observation::judge(true, value, summary)
    }

    fn clear(summary: impl Into<String>) -> Observation {
        Observation::judge(false, None, summary.into())
    }
}

/// Checks the rules' values; called by [`crate::OpsConfig::validate`].
pub fn validate_rules(config: &AlertsConfig, retention_s: u64) -> Result<(), ConfigError> {
    for kind in RuleKind::ALL {
        let rule = Rule::from_config(kind, config);
        let key = |field: &str| format!("ops.alerts.{}.{field}", kind.as_str());
        if !rule.threshold.is_finite() || rule.threshold < 0.0 {
            return Err(bad(&key("threshold"), "must be a number of at least 0"));
        }
        if kind == RuleKind::ErrorRate && !(rule.threshold > 0.0 && rule.threshold < 1.0) {
            return Err(bad(
                &key("threshold"),
                "is a fraction between 0 and 1 (0.05 = 5%)",
            ));
        }
        if matches!(kind, RuleKind::ErrorRate | RuleKind::LatencyP95) {
            if rule.window_s == 0 {
                return Err(bad(&key("window_s"), "must be at least 1"));
            }
            if rule.window_s > retention_s {
                return Err(bad(
                    &key("window_s"),
                    format!("must not exceed ops.metrics.retention_s ({retention_s})"),
                ));
            }
        }
    }
    Ok(())
}
