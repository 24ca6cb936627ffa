//! Alerts: rules evaluated periodically over the live metrics, the health report and the
//! drift and performance inputs; an incident fires once, stays active without repeating,
//! and resolves; notifications go to webhooks, Slack and PagerDuty with retries.

mod delivery;
mod engine;
mod rules;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use delivery::{Notifier, PAGERDUTY_EVENTS_URL};
pub use engine::{AlertEngine, AlertsView};
pub use rules::{
    validate_rules, EvalInput, Observation, Rule, RuleKind, RuleOverrides, TrafficSource,
};

/// How urgent an alert is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// Whether an incident is still going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// One incident of one rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Alert {
    /// `rule-n`, stable for the incident (PagerDuty's dedup key is built from it).
    pub id: String,
    pub rule: RuleKind,
    pub severity: Severity,
    pub status: AlertStatus,
    /// What was found, with the numbers, when the alert fired.
    pub summary: String,
    /// The latest evaluation's description while firing, or what cleared it.
    pub latest: String,
    pub value: Option<f64>,
    pub threshold: f64,
    #[serde(serialize_with = "crate::health::rfc3339_millis")]
    pub started_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_opt_time")]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Evaluations that found the breach during this incident (notified once).
    pub evaluations: u64,
}

fn serialize_opt_time<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => crate::health::rfc3339_millis(t, s),
        None => s.serialize_none(),
    }
}

/// A change of an alert, as sent to the channels.
#[derive(Debug, Clone, Serialize)]
pub struct AlertEvent {
    pub event: AlertStatus,
    pub alert: Alert,
}
