//! Each alert rule on a synthetic breach: it fires once (repeats suppressed), is delivered
//! once to a real local HTTP receiver in each format (generic webhook, Slack, PagerDuty
//! Events v2), and resolves, with the resolve delivered once. Retries and back-off against
//! a receiver that fails first.

use nba_testkit as common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::Utc;
use common::{eventually, receiver, Receiver};
use nba_ops::alerts::{AlertEngine, AlertStatus, EvalInput, RuleKind};
use nba_ops::config::{AlertsConfig, ChannelConfig, ChannelKind};
use nba_ops::metrics::{Histogram, Sample, Sampler};
use nba_ops::{
    ComponentHealth, DriftConfig, DriftMonitor, DriftReport, HealthReport, PerformanceObservation,
};
use secrecy::SecretString;
use serde_json::Value;

fn config(r: &Receiver) -> AlertsConfig {
    let mut c = AlertsConfig {
        channels: vec![
            ChannelConfig::new(ChannelKind::Webhook, &format!("{}/webhook", r.url)),
            ChannelConfig::new(ChannelKind::Slack, &format!("{}/slack", r.url)),
            ChannelConfig {
                routing_key: Some(SecretString::from("test-routing-key")),
                ..ChannelConfig::new(ChannelKind::Pagerduty, &format!("{}/pagerduty", r.url))
            },
        ],
        ..AlertsConfig::default()
    };
    c.delivery.initial_backoff_ms = 10;
    c.delivery.max_backoff_ms = 50;
    c
}

/// Two samples 60 s apart with `requests`, `errors` and every request taking `latency`.
fn traffic(requests: u64, errors: u64, latency: Duration) -> Sampler {
    let sampler = Sampler::new(10);
    let start = Instant::now();
    sampler.push(Sample::zero(start, Utc::now()));
    let mut end = Sample::zero(start + Duration::from_secs(60), Utc::now());
    let h = Histogram::default();
    for _ in 0..requests {
        h.observe(latency);
    }
    end.requests = requests;
    end.server_errors = errors;
    end.latency = h.snapshot();
    sampler.push(end);
    sampler
}

fn health(database: ComponentHealth) -> HealthReport {
    HealthReport::new(BTreeMap::from([("database".to_string(), database)]))
}

fn drift(shift: f64) -> DriftReport {
    let reference: Vec<f64> = (0..2000)
        .map(|i| (f64::from(i) * 0.618).fract() * 10.0)
        .collect();
    let recent: Vec<f64> = (0..500)
        .map(|i| (f64::from(i) * 0.414).fract() * 10.0 + shift)
        .collect();
    let monitor = DriftMonitor::new(DriftConfig::default()).with_reference("elo_diff", reference);
    monitor.report(&BTreeMap::from([("elo_diff".to_string(), recent)]))
}

fn performance(rolling: f64) -> PerformanceObservation {
    PerformanceObservation {
        model: "logistic@3".into(),
        rolling_brier: rolling,
        evaluation_brier: 0.21,
        samples: 200,
        observed_at: Utc::now(),
    }
}

struct Case {
    breach_health: Option<HealthReport>,
    clear_health: Option<HealthReport>,
    breach_traffic: Sampler,
    clear_traffic: Sampler,
    breach_drift: Option<DriftReport>,
    clear_drift: Option<DriftReport>,
    breach_perf: Option<PerformanceObservation>,
    clear_perf: Option<PerformanceObservation>,
}

impl Case {
    fn quiet() -> Case {
        let ok = Duration::from_millis(3);
        Case {
            breach_health: Some(health(ComponentHealth::healthy("ok"))),
            clear_health: Some(health(ComponentHealth::healthy("ok"))),
            breach_traffic: traffic(100, 0, ok),
            clear_traffic: traffic(100, 0, ok),
            breach_drift: None,
            clear_drift: None,
            breach_perf: None,
            clear_perf: None,
        }
    }

    fn input(&self, breach: bool) -> EvalInput<'_> {
        if breach {
            EvalInput {
                health: self.breach_health.as_ref(),
                sampler: &self.breach_traffic,
                drift: self.breach_drift.clone(),
                performance: self.breach_perf.clone(),
            }
        } else {
            EvalInput {
                health: self.clear_health.as_ref(),
                sampler: &self.clear_traffic,
                drift: self.clear_drift.clone(),
                performance: self.clear_perf.clone(),
            }
        }
    }
}

/// Breach three times, clear twice: one firing and one resolved notification per channel.
async fn fires_once_delivers_once_and_resolves(rule: RuleKind, case: Case, severity: &str) {
    let r = receiver(0, StatusCode::OK).await;
    let engine = AlertEngine::new(&config(&r)).unwrap();
    let fired = engine.evaluate(&case.input(true));
    assert_eq!(fired.len(), 1, "{rule:?}: {fired:?}");
    assert_eq!(
        (fired[0].alert.rule, fired[0].event),
        (rule, AlertStatus::Firing)
    );
    assert!(
        engine.evaluate(&case.input(true)).is_empty(),
        "repeats are suppressed"
    );
    assert!(engine.evaluate(&case.input(true)).is_empty());
    let view = engine.view();
    assert_eq!(view.active.len(), 1);
    assert_eq!(view.active[0].evaluations, 3);
    assert_eq!(view.active[0].severity.as_str(), severity);
    eventually("three firing notifications", || r.received().len() == 3).await;

    let resolved = engine.evaluate(&case.input(false));
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].event, AlertStatus::Resolved);
    assert!(engine.evaluate(&case.input(false)).is_empty());
    eventually("three resolve notifications", || r.received().len() == 6).await;
    let view = engine.view();
    assert!(view.active.is_empty());
    assert_eq!(view.recent[0].status, AlertStatus::Resolved);
    engine.flush(Duration::from_secs(1)).await;

    let got = r.received();
    let by = |path: &str| -> Vec<Value> {
        got.iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    };
    let id = &fired[0].alert.id;
    let (webhook, slack, pd) = (by("webhook"), by("slack"), by("pagerduty"));
    assert_eq!((webhook.len(), slack.len(), pd.len()), (2, 2, 2), "{got:?}");
    assert_eq!(webhook[0]["event"], "firing");
    assert_eq!(webhook[0]["alert"]["rule"], rule_name(rule));
    assert_eq!(webhook[0]["alert"]["id"], id.as_str());
    assert_eq!(webhook[1]["event"], "resolved");
    assert!(webhook[1]["alert"]["resolved_at"].is_string());
    let text = slack[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{}: {} firing", "nba-mcp", rule_name(rule))),
        "{text}"
    );
    assert!(text.contains(&severity.to_uppercase()), "{text}");
    assert!(slack[1]["text"].as_str().unwrap().contains("[RESOLVED]"));
    assert_eq!(pd[0]["event_action"], "trigger");
    assert_eq!(pd[0]["routing_key"], "test-routing-key");
    assert_eq!(pd[0]["payload"]["severity"], severity);
    assert_eq!(pd[0]["payload"]["source"], "nba-mcp");
    assert_eq!(pd[1]["event_action"], "resolve");
    assert_eq!(pd[0]["dedup_key"], pd[1]["dedup_key"]);
    assert_eq!(pd[0]["dedup_key"], format!("nba-mcp/{id}"));
}

fn rule_name(rule: RuleKind) -> &'static str {
    rule.as_str()
}

#[tokio::test]
async fn system_unhealthy_is_critical() {
    let mut case = Case::quiet();
    case.breach_health = Some(health(ComponentHealth::unhealthy(
        "the connection pool is closed",
    )));
    fires_once_delivers_once_and_resolves(RuleKind::SystemUnhealthy, case, "critical").await;
}

#[tokio::test]
async fn an_error_rate_over_five_percent_is_critical() {
    let mut case = Case::quiet();
    case.breach_traffic = traffic(200, 11, Duration::from_millis(3));
    case.clear_traffic = traffic(200, 9, Duration::from_millis(3));
    fires_once_delivers_once_and_resolves(RuleKind::ErrorRate, case, "critical").await;
}

#[tokio::test]
async fn a_p95_over_100_ms_is_a_warning() {
    let mut case = Case::quiet();
    case.breach_traffic = traffic(50, 0, Duration::from_millis(180));
    case.clear_traffic = traffic(50, 0, Duration::from_millis(40));
    fires_once_delivers_once_and_resolves(RuleKind::LatencyP95, case, "warning").await;
}

#[tokio::test]
async fn feature_drift_is_a_warning() {
    let mut case = Case::quiet();
    case.breach_drift = Some(drift(3.0));
    case.clear_drift = Some(drift(0.0));
    assert_eq!(
        case.clear_drift.as_ref().unwrap().drifted_features().len(),
        0
    );
    fires_once_delivers_once_and_resolves(RuleKind::FeatureDrift, case, "warning").await;
}

#[tokio::test]
async fn a_brier_worse_than_evaluation_by_the_margin_is_a_warning() {
    let mut case = Case::quiet();
    case.breach_perf = Some(performance(0.25));
    case.clear_perf = Some(performance(0.22));
    fires_once_delivers_once_and_resolves(RuleKind::PerformanceDegradation, case, "warning").await;
}

#[tokio::test]
async fn too_few_samples_never_fire() {
    let r = receiver(0, StatusCode::OK).await;
    let engine = AlertEngine::new(&config(&r)).unwrap();
    let mut case = Case::quiet();
    case.breach_traffic = traffic(10, 10, Duration::from_secs(2));
    assert!(
        engine.evaluate(&case.input(true)).is_empty(),
        "10 requests < 20 minimum"
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_and_4xx_is_final() {
    let flaky = receiver(2, StatusCode::SERVICE_UNAVAILABLE).await;
    let hook = ChannelConfig::new(ChannelKind::Webhook, &format!("{}/hook", flaky.url));
    let mut c = AlertsConfig {
        channels: vec![hook],
        ..AlertsConfig::default()
    };
    c.delivery.initial_backoff_ms = 10;
    let engine = AlertEngine::new(&c).unwrap();
    let mut case = Case::quiet();
    case.breach_health = Some(health(ComponentHealth::unhealthy("down")));
    engine.evaluate(&case.input(true));
    eventually("delivery on the third attempt", || {
        flaky.received().len() == 1
    })
    .await;
    assert_eq!(flaky.attempts("hook"), 3);

    let rejecting = receiver(usize::MAX, StatusCode::BAD_REQUEST).await;
    c.channels = vec![ChannelConfig::new(
        ChannelKind::Webhook,
        &format!("{}/hook", rejecting.url),
    )];
    let engine = AlertEngine::new(&c).unwrap();
    engine.evaluate(&case.input(true));
    engine.flush(Duration::from_secs(5)).await;
    assert_eq!(rejecting.attempts("hook"), 1, "a 400 is not retried");
    assert!(rejecting.received().is_empty());
}
