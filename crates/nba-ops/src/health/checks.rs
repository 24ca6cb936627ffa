//! The built-in checks: the database answers a query within a timeout (and has a free
//! connection), the data is fresh, the caches' hit rate, and the drift monitor's verdict.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Utc};
use nba_store::{Store, StoreError};

use super::{ComponentHealth, HealthCheck};
use crate::config::FreshnessConfig;
use crate::sources::DriftSource;

/// `SELECT 1` within a timeout; degraded when every pooled connection is in use.
pub struct DatabaseCheck {
    store: Store,
    timeout: Duration,
}

impl DatabaseCheck {
    pub fn new(store: Store, timeout: Duration) -> DatabaseCheck {
        DatabaseCheck { store, timeout }
    }
}

#[async_trait::async_trait]
impl HealthCheck for DatabaseCheck {
    fn name(&self) -> &str {
        "database"
    }

    async fn check(&self) -> ComponentHealth {
        let started = Instant::now();
        match tokio::time::timeout(self.timeout, self.store.ping()).await {
            Ok(Ok(())) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let (open, idle) = self.store.pool_status();
                let max = self.store.pool().options().get_max_connections();
                let in_use = (open as usize).saturating_sub(idle);
                let message = format!(
                    "{} answered SELECT 1 in {ms:.1} ms; pool {in_use} in use, {idle} idle, max {max}",
                    self.store.backend().as_str()
                );
                if in_use >= max as usize {
                    ComponentHealth::degraded(format!("{message}: every connection is busy"))
                } else {
                    ComponentHealth::healthy(message)
                }
            }
            Ok(Err(nba_store::StoreError::FileLost(message))) => {
                tracing::error!(error = %message, "database file lost");
                ComponentHealth::unhealthy(message)
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "database check failed");
                ComponentHealth::unhealthy(format!("database query failed: {}", describe(&e)))
            }
            Err(_) => ComponentHealth::unhealthy(format!(
                "database did not answer within {:.1} s",
                self.timeout.as_secs_f64()
            )),
        }
    }
}

/// A short description of a database error that never includes connection details.
pub(crate) fn describe(error: &StoreError) -> &'static str {
    let StoreError::Database(error) = error else {
        return "unexpected error";
    };
    match error {
        sqlx::Error::PoolTimedOut => "no connection available (pool timed out)",
        sqlx::Error::PoolClosed => "the connection pool is closed",
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => "cannot reach the database",
        sqlx::Error::Database(_) => "the database returned an error",
        _ => "unexpected error",
    }
}

/// The latest finished game against the calendar. Only ever degraded: stale data still
/// answers every historical question.
pub struct FreshnessCheck {
    store: Store,
    config: FreshnessConfig,
    today: fn() -> NaiveDate,
}

impl FreshnessCheck {
    pub fn new(store: Store, config: FreshnessConfig) -> FreshnessCheck {
        FreshnessCheck {
            store,
            config,
            today: || Utc::now().date_naive(),
        }
    }

    /// With a fixed calendar, for tests.
    pub fn with_today(mut self, today: fn() -> NaiveDate) -> FreshnessCheck {
        self.today = today;
        self
    }
}

/// The freshness verdict for a latest game date, apart from the query so it can be tested.
pub fn judge_freshness(
    config: &FreshnessConfig,
    latest: Option<&str>,
    today: NaiveDate,
) -> ComponentHealth {
    let Some(latest) = latest else {
        return ComponentHealth::degraded("no finished games in the store");
    };
    let Ok(date) = NaiveDate::parse_from_str(latest, "%Y-%m-%d") else {
        return ComponentHealth::degraded(format!("latest game date '{latest}' is not a date"));
    };
    let age = (today - date).num_days();
    let off_season = config.off_season_months.contains(&today.month());
    let (limit, when) = if off_season {
        (config.off_season_max_age_days, " (off-season)")
    } else {
        (config.max_age_days, "")
    };
    let message =
        format!("latest finished game {latest} is {age} days old; limit {limit} days{when}");
    if age > i64::from(limit) {
        ComponentHealth::degraded(message)
    } else {
        ComponentHealth::healthy(message)
    }
}

/// Days between a `YYYY-MM-DD` date and `today`.
fn age_days(latest: &str, today: NaiveDate) -> Option<i64> {
    let date = NaiveDate::parse_from_str(latest, "%Y-%m-%d").ok()?;
    Some((today - date).num_days())
}

#[async_trait::async_trait]
impl HealthCheck for FreshnessCheck {
    fn name(&self) -> &str {
        "freshness"
    }

    async fn check(&self) -> ComponentHealth {
        match self.store.latest_final_date().await {
            Ok(latest) => {
                let today = (self.today)();
                let age = latest.as_deref().and_then(|d| age_days(d, today));
                crate::metrics().data_age_days.set(age.unwrap_or(-1));
                judge_freshness(&self.config, latest.as_deref(), today)
            }
            Err(e) => ComponentHealth::degraded(format!(
                "cannot read the latest game date: {}",
                describe(&e)
            )),
        }
    }
}

/// The application's in-memory caches: lookups and hit rate since start. Always healthy
/// (a cold cache is slow, not broken); the numbers are for people.
pub struct CacheCheck;

#[async_trait::async_trait]
impl HealthCheck for CacheCheck {
    fn name(&self) -> &str {
        "caches"
    }

    async fn check(&self) -> ComponentHealth {
        let (hits, misses) = crate::metrics().cache_totals();
        let total = hits + misses;
        if total == 0 {
            return ComponentHealth::healthy("in-memory season caches; no lookups yet");
        }
        let rate = hits as f64 / total as f64 * 100.0;
        ComponentHealth::healthy(format!(
            "in-memory season caches; hit rate {rate:.1}% ({hits} hits, {misses} misses)"
        ))
    }
}

/// The drift monitor's latest report: degraded while any feature drifted.
pub struct DriftCheck {
    source: Arc<dyn DriftSource>,
}

impl DriftCheck {
    pub fn new(source: Arc<dyn DriftSource>) -> DriftCheck {
        DriftCheck { source }
    }
}

#[async_trait::async_trait]
impl HealthCheck for DriftCheck {
    fn name(&self) -> &str {
        "drift_monitor"
    }

    async fn check(&self) -> ComponentHealth {
        let Some(report) = self.source.latest() else {
            return ComponentHealth::healthy("no drift report yet");
        };
        let drifted = report.drifted_features();
        if drifted.is_empty() {
            ComponentHealth::healthy(format!(
                "no drift in {} features (report of {})",
                report.features.len(),
                report.generated_at.format("%Y-%m-%d %H:%M UTC")
            ))
        } else {
            ComponentHealth::degraded(format!("drift in {}", drifted.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Status;

    fn judge(latest: Option<&str>, today: &str) -> ComponentHealth {
        let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
        judge_freshness(&FreshnessConfig::default(), latest, today)
    }

    #[test]
    fn freshness_is_degraded_only_and_allows_the_off_season() {
        assert_eq!(
            judge(Some("2026-02-10"), "2026-02-15").status,
            Status::Healthy
        );
        let stale = judge(Some("2026-02-10"), "2026-11-25");
        assert_eq!(stale.status, Status::Degraded);
        assert!(stale.message.contains("288 days old"), "{}", stale.message);
        let summer = judge(Some("2026-06-15"), "2026-08-20");
        assert_eq!(summer.status, Status::Healthy, "{}", summer.message);
        assert_eq!(
            judge(Some("2024-06-15"), "2026-08-20").status,
            Status::Degraded
        );
        assert_eq!(judge(None, "2026-08-20").status, Status::Degraded);
    }
}
