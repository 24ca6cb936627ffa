//! The health checker: runs every registered check concurrently, each under a timeout,
//! keeps the last report so `/health` answers at once, and refreshes it in the background.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{ComponentHealth, HealthCheck, HealthReport};

/// Runs the checks and keeps the last report. Cheap to clone.
#[derive(Clone)]
pub struct HealthChecker {
    inner: Arc<Inner>,
}

struct Inner {
    checks: RwLock<Vec<Arc<dyn HealthCheck>>>,
    last: RwLock<Option<(Instant, Arc<HealthReport>)>>,
    timeout: Duration,
    /// Serialises refreshes so concurrent callers share one run's cost.
    refreshing: tokio::sync::Mutex<()>,
}

impl HealthChecker {
    /// A checker over `checks`; a check that takes longer than `timeout` is unhealthy.
    pub fn new(checks: Vec<Arc<dyn HealthCheck>>, timeout: Duration) -> HealthChecker {
        HealthChecker {
            inner: Arc::new(Inner {
                checks: RwLock::new(checks),
                last: RwLock::new(None),
                timeout,
                refreshing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Adds a component (a model store, say); it is part of the next run.
    pub fn register(&self, check: Arc<dyn HealthCheck>) {
        let mut checks = self.inner.checks.write().unwrap_or_else(|e| e.into_inner());
        checks.retain(|c| c.name() != check.name());
        checks.push(check);
    }

    pub fn component_names(&self) -> Vec<String> {
        let checks = self.inner.checks.read().unwrap_or_else(|e| e.into_inner());
        checks.iter().map(|c| c.name().to_string()).collect()
    }

    /// Runs every check now and keeps the result.
    pub async fn refresh(&self) -> Arc<HealthReport> {
        let started = Instant::now();
        let _one_at_a_time = self.inner.refreshing.lock().await;
        // Someone else refreshed while this caller waited: their report is fresh enough.
        if let Some((at, report)) = self.last_with_time() {
            if at >= started {
                return report;
            }
        }
        let checks: Vec<Arc<dyn HealthCheck>> = self
            .inner
            .checks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut set = JoinSet::new();
        for check in checks {
            let timeout = self.inner.timeout;
            set.spawn(async move {
                let name = check.name().to_string();
                (name, run_one(check, timeout).await)
            });
        }
        let mut components = BTreeMap::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((name, health)) => {
                    components.insert(name, health);
                }
                Err(e) => tracing::error!(error = %e, "a health check panicked"),
            }
        }
        let report = Arc::new(HealthReport::new(components));
        for (name, c) in &report.components {
            if c.status != super::Status::Healthy {
                tracing::warn!(component = %name, status = c.status.as_str(), message = %c.message, "health check");
            }
        }
        *self.inner.last.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), report.clone()));
        report
    }

    fn last_with_time(&self) -> Option<(Instant, Arc<HealthReport>)> {
        self.inner
            .last
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The last report, if any check ran yet.
    pub fn last(&self) -> Option<Arc<HealthReport>> {
        self.last_with_time().map(|(_, r)| r)
    }

    /// The last report if it is younger than `max_age`, else a fresh one; `uptime_s` is
    /// always current. This is what `/health` and the `system_health` tool return.
    pub async fn report(&self, max_age: Duration) -> HealthReport {
        let report = match self.last_with_time() {
            Some((at, report)) if at.elapsed() <= max_age => report,
            _ => self.refresh().await,
        };
        let mut report = (*report).clone();
        report.uptime_s = crate::metrics().uptime().as_secs();
        report
    }

    /// Refreshes every `interval` until `stop` is cancelled.
    pub fn spawn(
        &self,
        interval: Duration,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let checker = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = ticker.tick() => { checker.refresh().await; }
                }
            }
        })
    }
}

/// One check, timed, under the timeout.
async fn run_one(check: Arc<dyn HealthCheck>, timeout: Duration) -> ComponentHealth {
    let started = Instant::now();
    let mut health = match tokio::time::timeout(timeout, check.check()).await {
        Ok(h) => h,
        Err(_) => ComponentHealth::unhealthy(format!(
            "the check did not finish within {:.1} s",
            timeout.as_secs_f64()
        )),
    };
    health.response_time_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1000.0;
    health.checked_at = Utc::now();
    health
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::{check_fn, Status};

    #[tokio::test(start_paused = true)]
    async fn a_slow_check_is_unhealthy_and_the_rest_still_report() {
        let slow = check_fn("slow", || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            ComponentHealth::healthy("never")
        });
        let fine = check_fn("fine", || async { ComponentHealth::healthy("ok") });
        let checker =
            HealthChecker::new(vec![Arc::new(slow), Arc::new(fine)], Duration::from_secs(5));
        assert!(checker.last().is_none());
        let report = checker.refresh().await;
        assert_eq!(report.status, Status::Unhealthy);
        assert_eq!(report.components["fine"].status, Status::Healthy);
        assert!(report.components["slow"].message.contains("5.0 s"));
        assert!(checker.last().is_some());
    }

    #[tokio::test]
    async fn registering_a_component_replaces_one_of_the_same_name() {
        let checker = HealthChecker::new(Vec::new(), Duration::from_secs(1));
        checker.register(Arc::new(check_fn("model_store", || async {
            ComponentHealth::unhealthy("checksum mismatch")
        })));
        checker.register(Arc::new(check_fn("model_store", || async {
            ComponentHealth::healthy("artifact ok")
        })));
        assert_eq!(checker.component_names(), vec!["model_store"]);
        let report = checker.report(Duration::ZERO).await;
        assert_eq!(report.status, Status::Healthy);
    }
}
