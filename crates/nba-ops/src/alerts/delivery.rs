//! Delivery of alert events: one worker per channel drains a bounded queue in order, so a
//! resolve never overtakes its trigger; each event is posted with retries and exponential
//! back-off (transport errors, 408, 429 and 5xx are retried; other 4xx are final).

use std::sync::Mutex;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{AlertEvent, AlertStatus, Severity};
use crate::config::{bad, ChannelConfig, ChannelKind, ConfigError, DeliveryConfig};

/// PagerDuty Events API v2, used when a pagerduty channel has no `url`.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

struct Channel {
    label: String,
    min_severity: Severity,
    tx: mpsc::Sender<AlertEvent>,
}

/// Where and how one channel posts.
struct Target {
    label: String,
    kind: ChannelKind,
    url: SecretString,
    routing_key: Option<SecretString>,
    service: String,
}

/// Sends alert events to every configured channel.
pub struct Notifier {
    channels: Mutex<Vec<Channel>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Notifier {
    pub fn new(
        configs: &[ChannelConfig],
        delivery: &DeliveryConfig,
        service: &str,
    ) -> Result<Notifier, ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(delivery.timeout_s))
            .user_agent(concat!("nba-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                bad(
                    "ops.alerts.channels",
                    format!("cannot build an HTTP client: {e}"),
                )
            })?;
        let mut channels = Vec::new();
        let mut workers = Vec::new();
        for c in configs {
            let url = match (&c.url, c.kind) {
                (Some(url), _) => url.clone(),
                (None, ChannelKind::Pagerduty) => SecretString::from(PAGERDUTY_EVENTS_URL),
                (None, _) => return Err(bad("ops.alerts.channels.url", "is required")),
            };
            let target = Target {
                label: c.label(),
                kind: c.kind,
                url,
                routing_key: c.routing_key.clone(),
                service: service.to_string(),
            };
            let (tx, rx) = mpsc::channel(delivery.queue.max(1));
            workers.push(tokio::spawn(worker(
                client.clone(),
                target,
                rx,
                delivery.clone(),
            )));
            channels.push(Channel {
                label: c.label(),
                min_severity: c.min_severity,
                tx,
            });
        }
        Ok(Notifier {
            channels: Mutex::new(channels),
            workers: Mutex::new(workers),
        })
    }

    /// Queues `event` for every channel that takes its severity; never blocks.
    pub fn notify(&self, event: &AlertEvent) {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        for c in channels
            .iter()
            .filter(|c| event.alert.severity >= c.min_severity)
        {
            if c.tx.try_send(event.clone()).is_err() {
                tracing::warn!(channel = %c.label, alert = %event.alert.id, "alert queue full or closed; notification dropped");
                crate::metrics()
                    .alert_notifications
                    .with(&[&c.label, "dropped"], |n| n.inc());
            }
        }
    }

    /// Stops taking events and waits up to `deadline` for the queued ones to go out.
    pub async fn close(&self, deadline: Duration) {
        self.channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let workers: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner()));
        let all = async {
            for w in workers {
                let _ = w.await;
            }
        };
        if tokio::time::timeout(deadline, all).await.is_err() {
            tracing::warn!("alert notifications still pending at shutdown were abandoned");
        }
    }
}

async fn worker(
    client: reqwest::Client,
    target: Target,
    mut rx: mpsc::Receiver<AlertEvent>,
    policy: DeliveryConfig,
) {
    while let Some(event) = rx.recv().await {
        let delivered = deliver(&client, &target, &event, &policy).await;
        let outcome = if delivered { "delivered" } else { "failed" };
        crate::metrics()
            .alert_notifications
            .with(&[&target.label, outcome], |n| n.inc());
    }
}

/// Posts one event, retrying as the policy allows; true once the receiver accepted it.
async fn deliver(
    client: &reqwest::Client,
    target: &Target,
    event: &AlertEvent,
    policy: &DeliveryConfig,
) -> bool {
    let body = payload(target, event).to_string();
    for attempt in 1..=policy.max_attempts {
        let sent = client
            .post(target.url.expose_secret())
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let mut wait = backoff(policy, attempt);
        match sent {
            Ok(r) if r.status().is_success() => {
                tracing::info!(channel = %target.label, alert = %event.alert.id, attempt, "alert notification delivered");
                return true;
            }
            Ok(r) => {
                let status = r.status().as_u16();
                if (400..500).contains(&status) && status != 408 && status != 429 {
                    tracing::error!(channel = %target.label, alert = %event.alert.id, status, "alert notification rejected; not retried");
                    return false;
                }
                if let Some(after) = retry_after(&r) {
                    wait = after.min(Duration::from_millis(policy.max_backoff_ms));
                }
                tracing::warn!(channel = %target.label, alert = %event.alert.id, status, attempt, "alert notification failed");
            }
            Err(e) => {
                // Without the URL: webhook URLs carry their secret in the path.
                let e = e.without_url();
                tracing::warn!(channel = %target.label, alert = %event.alert.id, error = %e, attempt, "alert notification failed");
            }
        }
        if attempt < policy.max_attempts {
            tokio::time::sleep(wait).await;
        }
    }
    tracing::error!(channel = %target.label, alert = %event.alert.id, attempts = policy.max_attempts, "alert notification given up");
    false
}

/// `initial * 2^(attempt-1)`, capped.
fn backoff(policy: &DeliveryConfig, attempt: u32) -> Duration {
    let factor = 2u64.saturating_pow(attempt.saturating_sub(1));
    let ms = policy.initial_backoff_ms.saturating_mul(factor);
    Duration::from_millis(ms.min(policy.max_backoff_ms))
}

fn retry_after(r: &reqwest::Response) -> Option<Duration> {
    let v = r.headers().get("retry-after")?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The body for the channel's format.
fn payload(target: &Target, event: &AlertEvent) -> Value {
    let a = &event.alert;
    match target.kind {
        ChannelKind::Webhook => json!({
            "event": event.event,
            "service": target.service,
            "alert": a,
        }),
        ChannelKind::Slack => {
            let text = match event.event {
                AlertStatus::Firing => format!(
                    ":rotating_light: *[{}] {}: {} firing*\n{}\nincident `{}` since {}",
                    a.severity.as_str().to_uppercase(),
                    target.service,
                    a.rule.as_str(),
                    a.summary,
                    a.id,
                    a.started_at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
                AlertStatus::Resolved => format!(
                    ":white_check_mark: *[RESOLVED] {}: {}*\n{}\nincident `{}` was: {}",
                    target.service,
                    a.rule.as_str(),
                    a.latest,
                    a.id,
                    a.summary
                ),
            };
            json!({ "text": text })
        }
        ChannelKind::Pagerduty => {
            let routing_key = target
                .routing_key
                .as_ref()
                .map(|k| k.expose_secret().to_string())
                .unwrap_or_default();
            let dedup_key = format!("{}/{}", target.service, a.id);
            match event.event {
                AlertStatus::Firing => json!({
                    "routing_key": routing_key,
                    "event_action": "trigger",
                    "dedup_key": dedup_key,
                    "payload": {
                        "summary": truncate(&a.summary, 1024),
                        "source": target.service,
                        "severity": a.severity.as_str(),
                        "timestamp": a.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        "component": a.rule.as_str(),
                        "class": a.rule.as_str(),
                        "custom_details": { "value": a.value, "threshold": a.threshold, "latest": a.latest },
                    },
                }),
                AlertStatus::Resolved => json!({
                    "routing_key": routing_key,
                    "event_action": "resolve",
                    "dedup_key": dedup_key,
                }),
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = DeliveryConfig {
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            ..DeliveryConfig::default()
        };
        let ms: Vec<u128> = (1..=6).map(|a| backoff(&p, a).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(&p, 200).as_millis(), 1000);
    }

    #[test]
    fn long_summaries_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("hi", 10), "hi");
    }
}
