//! Settings of the operations layer: the `[ops]` table of the server's TOML file, every key
//! optional with a default, plus a few environment variables. Validated once at start-up;
//! an error names the key.

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::alerts::{RuleOverrides, Severity};
use crate::drift::DriftConfig;

/// Everything `nba_ops` can be told.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsConfig {
    pub health: HealthConfig,
    pub metrics: MetricsConfig,
    pub alerts: AlertsConfig,
    pub drift: DriftConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Seconds between background runs of every check.
    pub interval_s: u64,
    /// Longest a single check may take before it counts as unhealthy.
    pub check_timeout_s: u64,
    /// Longest the database may take to answer `SELECT 1`.
    pub database_timeout_s: u64,
    pub freshness: FreshnessConfig,
}

impl Default for HealthConfig {
    fn default() -> HealthConfig {
        HealthConfig {
            interval_s: 30,
            check_timeout_s: 5,
            database_timeout_s: 2,
            freshness: FreshnessConfig::default(),
        }
    }
}

/// When the latest finished game counts as stale (degraded, never unhealthy).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FreshnessConfig {
    pub enabled: bool,
    /// During the season: the latest game may be at most this many days old.
    pub max_age_days: u32,
    /// Months (1-12) without NBA games, judged by `off_season_max_age_days` instead.
    pub off_season_months: Vec<u32>,
    pub off_season_max_age_days: u32,
}

impl Default for FreshnessConfig {
    fn default() -> FreshnessConfig {
        FreshnessConfig {
            enabled: true,
            max_age_days: 10,
            off_season_months: vec![7, 8, 9, 10],
            off_season_max_age_days: 150,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Seconds between samples of the counters (the resolution of windows and charts).
    pub sample_interval_s: u64,
    /// Seconds of samples kept (the longest window an alert can use).
    pub retention_s: u64,
}

impl Default for MetricsConfig {
    fn default() -> MetricsConfig {
        MetricsConfig {
            sample_interval_s: 5,
            retention_s: 3600,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    pub enabled: bool,
    /// Seconds between evaluations of every rule.
    pub evaluation_interval_s: u64,
    /// Resolved alerts kept in memory for `/v1/alerts`.
    pub recent_limit: usize,
    /// Names this service in notifications (PagerDuty `source`, Slack text).
    pub service: String,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub system_unhealthy: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub error_rate: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub latency_p95: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub feature_drift: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub performance_degradation: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub backup_stale: RuleOverrides,
    #[serde(skip_serializing_if = "RuleOverrides::is_empty")]
    pub rollout_rolled_back: RuleOverrides,
    pub channels: Vec<ChannelConfig>,
    pub delivery: DeliveryConfig,
}

impl Default for AlertsConfig {
    fn default() -> AlertsConfig {
        AlertsConfig {
            enabled: true,
            evaluation_interval_s: 15,
            recent_limit: 100,
            service: "nba-mcp".into(),
            system_unhealthy: RuleOverrides::default(),
            error_rate: RuleOverrides::default(),
            latency_p95: RuleOverrides::default(),
            feature_drift: RuleOverrides::default(),
            performance_degradation: RuleOverrides::default(),
            backup_stale: RuleOverrides::default(),
            rollout_rolled_back: RuleOverrides::default(),
            channels: Vec::new(),
            delivery: DeliveryConfig::default(),
        }
    }
}

/// Where notifications go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Any HTTP endpoint; the body is the alert as JSON.
    Webhook,
    /// A Slack incoming webhook (`{"text": ...}`).
    Slack,
    /// PagerDuty Events API v2 (trigger and resolve with a dedup key).
    Pagerduty,
}

/// One notification channel. URLs and keys are secrets: they never reach logs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub kind: ChannelKind,
    /// Label in metrics and logs; defaults to the kind.
    pub name: Option<String>,
    /// Required for webhook and slack; PagerDuty defaults to its Events v2 endpoint.
    #[serde(serialize_with = "redacted", skip_serializing_if = "Option::is_none")]
    pub url: Option<SecretString>,
    /// PagerDuty integration key (required for pagerduty).
    #[serde(serialize_with = "redacted", skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<SecretString>,
    /// Alerts below this severity are not sent here.
    #[serde(default = "default_min_severity")]
    pub min_severity: Severity,
}

/// A secret as `config check` shows it: that it is set, never what it is.
fn redacted<S: serde::Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("<redacted>"),
        None => s.serialize_none(),
    }
}

fn default_min_severity() -> Severity {
    Severity::Warning
}

impl ChannelConfig {
    pub fn new(kind: ChannelKind, url: &str) -> ChannelConfig {
        ChannelConfig {
            kind,
            name: None,
            url: Some(SecretString::from(url.to_string())),
            routing_key: None,
            min_severity: Severity::Info,
        }
    }

    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            match self.kind {
                ChannelKind::Webhook => "webhook",
                ChannelKind::Slack => "slack",
                ChannelKind::Pagerduty => "pagerduty",
            }
            .to_string()
        })
    }
}

/// Retries with exponential back-off, bounded in attempts and delay.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    pub max_attempts: u32,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Per attempt.
    pub timeout_s: u64,
    /// Notifications waiting per channel; past it new ones are dropped (and counted).
    pub queue: usize,
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        DeliveryConfig {
            max_attempts: 5,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
            timeout_s: 10,
            queue: 256,
        }
    }
}

/// A setting that is wrong, named by its key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

pub(crate) fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        message: message.into(),
    }
}

impl OpsConfig {
    /// The `[ops]` table as `config check` prints it: every effective value, channel URLs and
    /// keys shown only as `<redacted>`.
    pub fn redacted(&self) -> String {
        #[derive(Serialize)]
        struct Table<'a> {
            ops: &'a OpsConfig,
        }
        toml::to_string(&Table { ops: self })
            .map(|t| {
                format!("\n# alert rules not listed keep their defaults (OPERATIONS_GUIDE.md)\n{t}")
            })
            .unwrap_or_else(|e| format!("\n# [ops] could not be shown: {e}\n"))
    }

    /// Overrides from the environment (`env` is injected so tests need not touch the
    /// process): `NBA_MCP_HEALTH_INTERVAL_S`, `NBA_MCP_FRESHNESS_MAX_AGE_DAYS`,
    /// `NBA_MCP_ALERTS_ENABLED`, and one channel each from `NBA_MCP_ALERT_WEBHOOK_URL`,
    /// `NBA_MCP_ALERT_SLACK_WEBHOOK_URL`, `NBA_MCP_ALERT_PAGERDUTY_ROUTING_KEY`.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let number = |key: &str| -> Result<Option<u64>, ConfigError> {
            env(key)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| bad(key, format!("'{v}' is not a whole number")))
                })
                .transpose()
        };
        if let Some(v) = number("NBA_MCP_HEALTH_INTERVAL_S")? {
            self.health.interval_s = v;
        }
        if let Some(v) = number("NBA_MCP_FRESHNESS_MAX_AGE_DAYS")? {
            self.health.freshness.max_age_days =
                u32::try_from(v).map_err(|_| bad("NBA_MCP_FRESHNESS_MAX_AGE_DAYS", "too large"))?;
        }
        if let Some(v) = env("NBA_MCP_ALERTS_ENABLED") {
            self.alerts.enabled = match v.to_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(bad(
                        "NBA_MCP_ALERTS_ENABLED",
                        format!("'{v}' is not true or false"),
                    ))
                }
            };
        }
        for (key, kind) in [
            ("NBA_MCP_ALERT_WEBHOOK_URL", ChannelKind::Webhook),
            ("NBA_MCP_ALERT_SLACK_WEBHOOK_URL", ChannelKind::Slack),
        ] {
            if let Some(url) = env(key).filter(|v| !v.is_empty()) {
                let mut channel = ChannelConfig::new(kind, &url);
                channel.min_severity = Severity::Warning;
                self.alerts.channels.push(channel);
            }
        }
        if let Some(key) = env("NBA_MCP_ALERT_PAGERDUTY_ROUTING_KEY").filter(|v| !v.is_empty()) {
            self.alerts.channels.push(ChannelConfig {
                kind: ChannelKind::Pagerduty,
                name: None,
                url: None,
                routing_key: Some(SecretString::from(key)),
                min_severity: Severity::Critical,
            });
        }
        Ok(())
    }

    /// Checks every value; the error names the first wrong key (as `ops.section.key`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |key: &str, v: u64| {
            if v == 0 {
                Err(bad(key, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        positive("ops.health.interval_s", self.health.interval_s)?;
        positive("ops.health.check_timeout_s", self.health.check_timeout_s)?;
        positive(
            "ops.health.database_timeout_s",
            self.health.database_timeout_s,
        )?;
        if let Some(m) = self
            .health
            .freshness
            .off_season_months
            .iter()
            .find(|m| !(1..=12).contains(*m))
        {
            return Err(bad(
                "ops.health.freshness.off_season_months",
                format!("{m} is not a month (1-12)"),
            ));
        }
        positive(
            "ops.metrics.sample_interval_s",
            self.metrics.sample_interval_s,
        )?;
        if self.metrics.retention_s < self.metrics.sample_interval_s * 2 {
            return Err(bad(
                "ops.metrics.retention_s",
                "must cover at least two samples",
            ));
        }
        positive(
            "ops.alerts.evaluation_interval_s",
            self.alerts.evaluation_interval_s,
        )?;
        crate::alerts::validate_rules(&self.alerts, self.metrics.retention_s)?;
        let d = &self.alerts.delivery;
        positive(
            "ops.alerts.delivery.max_attempts",
            u64::from(d.max_attempts),
        )?;
        positive("ops.alerts.delivery.timeout_s", d.timeout_s)?;
        positive("ops.alerts.delivery.queue", d.queue as u64)?;
        if d.max_backoff_ms < d.initial_backoff_ms {
            return Err(bad(
                "ops.alerts.delivery.max_backoff_ms",
                "must not be below initial_backoff_ms",
            ));
        }
        for (i, c) in self.alerts.channels.iter().enumerate() {
            let key = format!("ops.alerts.channels[{i}]");
            match c.kind {
                ChannelKind::Webhook | ChannelKind::Slack if c.url.is_none() => {
                    return Err(bad(&format!("{key}.url"), "is required for this kind"));
                }
                ChannelKind::Pagerduty if c.routing_key.is_none() => {
                    return Err(bad(
                        &format!("{key}.routing_key"),
                        "is required for pagerduty",
                    ));
                }
                _ => {}
            }
            if let Some(url) = &c.url {
                let url = secrecy::ExposeSecret::expose_secret(url);
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(bad(
                        &format!("{key}.url"),
                        "must start with http:// or https://",
                    ));
                }
            }
        }
        let drift = &self.drift;
        if drift.bins < 2 {
            return Err(bad("ops.drift.bins", "must be at least 2"));
        }
        if !(drift.psi_warning > 0.0 && drift.psi_warning <= drift.psi_alert) {
            return Err(bad(
                "ops.drift.psi_warning",
                "must be above 0 and at most psi_alert",
            ));
        }
        if !(drift.ks_alpha > 0.0 && drift.ks_alpha < 1.0) {
            return Err(bad("ops.drift.ks_alpha", "must be between 0 and 1"));
        }
        Ok(())
    }
}
