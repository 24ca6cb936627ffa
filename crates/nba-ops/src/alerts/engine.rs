//! The alert state machine: per rule, a breach opens an incident and notifies once; further
//! breaching evaluations only update it (repeats are suppressed); the first clear
//! evaluation resolves it, notifies once more and moves it to the recent list.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::delivery::Notifier;
use super::rules::{EvalInput, Rule, RuleKind};
use super::{Alert, AlertEvent, AlertStatus};
use crate::config::{AlertsConfig, ConfigError};

/// Active and recent alerts, for `GET /v1/alerts` and the `list_alerts` tool.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertsView {
    /// Firing now, most severe first.
    pub active: Vec<Alert>,
    /// Resolved, newest first.
    pub recent: Vec<Alert>,
    /// Every rule with its effective settings.
    pub rules: Vec<Rule>,
    #[serde(serialize_with = "serialize_opt_time")]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub evaluated_at: Option<DateTime<Utc>>,
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

#[derive(Default)]
struct State {
    active: BTreeMap<RuleKind, Alert>,
    streak: HashMap<RuleKind, u64>,
    recent: VecDeque<Alert>,
    evaluated_at: Option<DateTime<Utc>>,
}

/// Evaluates the rules and keeps the incidents.
pub struct AlertEngine {
    rules: Vec<Rule>,
    state: Mutex<State>,
    notifier: Notifier,
    recent_limit: usize,
}

impl AlertEngine {
    /// Builds the rules and starts one delivery worker per channel (needs a Tokio runtime).
    pub fn new(config: &AlertsConfig) -> Result<AlertEngine, ConfigError> {
        let rules = RuleKind::ALL
            .iter()
            .map(|k| Rule::from_config(*k, config))
            .collect();
        Ok(AlertEngine {
            rules,
            state: Mutex::new(State::default()),
            notifier: Notifier::new(&config.channels, &config.delivery, &config.service)?,
            recent_limit: config.recent_limit,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// One evaluation of every enabled rule; returns the changes (also sent to channels).
    pub fn evaluate(&self, input: &EvalInput<'_>) -> Vec<AlertEvent> {
        let now = Utc::now();
        let mut events = Vec::new();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.evaluated_at = Some(now);
        for rule in self.rules.iter().filter(|r| r.enabled) {
            let obs = rule.observe(input);
            let streak = state.streak.entry(rule.kind).or_default();
            *streak = if obs.breached { *streak + 1 } else { 0 };
            let streak = *streak;
            // System health flaps on one slow check; it may ask for several bad runs in a row.
            let needed = match rule.kind {
                RuleKind::SystemUnhealthy => rule.min_samples.max(1),
                _ => 1,
            };
            match (state.active.get_mut(&rule.kind), obs.breached) {
                (Some(alert), true) => {
                    alert.evaluations += 1;
                    alert.value = obs.value;
                    alert.latest = obs.summary;
                }
                (Some(_), false) => {
                    let mut alert = state.active.remove(&rule.kind).expect("active alert");
                    alert.status = AlertStatus::Resolved;
                    alert.resolved_at = Some(now);
                    alert.latest = obs.summary;
                    tracing::info!(alert = %alert.id, rule = rule.kind.as_str(), "alert resolved");
                    events.push(AlertEvent {
                        event: AlertStatus::Resolved,
                        alert: alert.clone(),
                    });
                    state.recent.push_front(alert);
                    state.recent.truncate(self.recent_limit);
                }
                (None, true) if streak >= needed => {
                    let alert = Alert {
                        id: format!("{}-{}", rule.kind.as_str(), now.timestamp_millis()),
                        rule: rule.kind,
                        severity: rule.severity,
                        status: AlertStatus::Firing,
                        summary: obs.summary.clone(),
                        latest: obs.summary,
                        value: obs.value,
                        threshold: rule.threshold,
                        started_at: now,
                        resolved_at: None,
                        evaluations: 1,
                    };
                    tracing::warn!(alert = %alert.id, severity = rule.severity.as_str(), summary = %alert.summary, "alert firing");
                    events.push(AlertEvent {
                        event: AlertStatus::Firing,
                        alert: alert.clone(),
                    });
                    state.active.insert(rule.kind, alert);
                }
                _ => {}
            }
        }
        drop(state);
        for event in &events {
            self.notifier.notify(event);
        }
        events
    }

    pub fn active(&self) -> Vec<Alert> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut active: Vec<Alert> = state.active.values().cloned().collect();
        active.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.started_at.cmp(&b.started_at))
        });
        active
    }

    pub fn view(&self) -> AlertsView {
        let active = self.active();
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        AlertsView {
            active,
            recent: state.recent.iter().cloned().collect(),
            rules: self.rules.clone(),
            evaluated_at: state.evaluated_at,
        }
    }

    /// Lets queued notifications go out, waiting at most `deadline`.
    pub async fn flush(&self, deadline: Duration) {
        self.notifier.close(deadline).await;
    }
}
