//! Health: components that probe something real (the database, data freshness, caches, and
//! whatever the binary registers later, such as the model store), a checker that runs them
//! in the background and keeps the last report, and [`Probes`]: what `/live`, `/ready` and
//! `/health` answer (the HTTP layer serves them).
//!
//! The rule: any unhealthy component makes the system unhealthy, else any degraded one
//! makes it degraded.

mod checker;
mod checks;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize, Serializer};

pub use checker::HealthChecker;
pub use checks::{CacheCheck, DatabaseCheck, DriftCheck, FreshnessCheck};

/// What the probes answer: the readiness check (the database, run on every `/ready`) and
/// the health report (the background checker's latest while younger than `max_age`; zero:
/// check on every request, for servers without the background task).
#[derive(Clone)]
pub struct Probes {
    pub checker: HealthChecker,
    pub readiness: Arc<dyn HealthCheck>,
    pub max_age: Duration,
}

impl Probes {
    /// The built-in checks with default settings, checked on every request.
    pub fn standalone(store: &nba_store::Store) -> Probes {
        let (checker, readiness) = crate::ops::standalone_checker(store);
        Probes {
            checker,
            readiness,
            max_age: Duration::ZERO,
        }
    }

    /// `/ready`: the database answers now.
    pub async fn ready(&self) -> ComponentHealth {
        self.readiness.check().await
    }

    /// `/health`: every component.
    pub async fn report(&self) -> HealthReport {
        self.checker.report(self.max_age).await
    }
}

/// How well a component, or the whole system, works.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Degraded,
    Unhealthy,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
        }
    }

    /// The system's status from its components' (healthy when there are none).
    pub fn overall(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().max().unwrap_or(Status::Healthy)
    }

    /// 0, 1 or 2, for the `nba_mcp_health_status` gauge.
    pub fn gauge(self) -> f64 {
        match self {
            Status::Healthy => 0.0,
            Status::Degraded => 1.0,
            Status::Unhealthy => 2.0,
        }
    }
}

/// The result of one component's check.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComponentHealth {
    pub status: Status,
    /// What was checked and what was found, for a person.
    pub message: String,
    /// How long the check took.
    pub response_time_ms: f64,
    /// When the check finished (RFC 3339, UTC).
    #[serde(serialize_with = "rfc3339_millis")]
    pub checked_at: DateTime<Utc>,
}

impl ComponentHealth {
    pub fn new(status: Status, message: impl Into<String>) -> ComponentHealth {
        ComponentHealth {
            status,
            message: message.into(),
            response_time_ms: 0.0,
            checked_at: Utc::now(),
        }
    }

    pub fn healthy(message: impl Into<String>) -> ComponentHealth {
        ComponentHealth::new(Status::Healthy, message)
    }

    pub fn degraded(message: impl Into<String>) -> ComponentHealth {
        ComponentHealth::new(Status::Degraded, message)
    }

    pub fn unhealthy(message: impl Into<String>) -> ComponentHealth {
        ComponentHealth::new(Status::Unhealthy, message)
    }
}

/// The whole system's health, as `/health` and the `system_health` tool return it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HealthReport {
    /// The worst status of any component.
    pub status: Status,
    pub components: BTreeMap<String, ComponentHealth>,
    pub version: String,
    /// Seconds since the process started.
    pub uptime_s: u64,
    /// When the checks of this report finished.
    #[serde(serialize_with = "rfc3339_millis")]
    pub checked_at: DateTime<Utc>,
}

impl HealthReport {
    pub fn new(components: BTreeMap<String, ComponentHealth>) -> HealthReport {
        HealthReport {
            status: Status::overall(components.values().map(|c| c.status)),
            components,
            version: crate::metrics::build_info().0.to_string(),
            uptime_s: crate::metrics().uptime().as_secs(),
            checked_at: Utc::now(),
        }
    }

    /// Names of the components with `status`.
    pub fn components_with(&self, status: Status) -> Vec<&str> {
        self.components
            .iter()
            .filter(|(_, c)| c.status == status)
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// One component of the system that can be probed. Implement it for a model store, a
/// registry or object storage and register it with [`crate::OpsBuilder::health_check`].
/// The checker times the call, applies a timeout and stamps `checked_at`.
#[async_trait::async_trait]
pub trait HealthCheck: Send + Sync + 'static {
    /// The key under `components` (lowercase, `snake_case`).
    fn name(&self) -> &str;
    async fn check(&self) -> ComponentHealth;
}

/// A check from a name and an async closure, for small ad-hoc components.
pub struct FnCheck<F> {
    name: String,
    f: F,
}

/// Makes a [`HealthCheck`] from a closure: `check_fn("model_store", move || async move { ... })`.
pub fn check_fn<F, Fut>(name: impl Into<String>, f: F) -> FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ComponentHealth> + Send + 'static,
{
    FnCheck {
        name: name.into(),
        f,
    }
}

#[async_trait::async_trait]
impl<F, Fut> HealthCheck for FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ComponentHealth> + Send + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    async fn check(&self) -> ComponentHealth {
        (self.f)().await
    }
}

pub(crate) fn rfc3339_millis<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_component_decides() {
        use Status::*;
        assert_eq!(Status::overall([]), Healthy);
        assert_eq!(Status::overall([Healthy, Degraded, Healthy]), Degraded);
        assert_eq!(Status::overall([Degraded, Unhealthy, Healthy]), Unhealthy);
    }

    #[test]
    fn reports_serialize_in_the_documented_shape() {
        let mut components = BTreeMap::new();
        components.insert("database".into(), ComponentHealth::healthy("ok"));
        components.insert("freshness".into(), ComponentHealth::degraded("old"));
        let report = HealthReport::new(components);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["status"], "degraded");
        assert_eq!(json["components"]["database"]["status"], "healthy");
        let at = json["components"]["freshness"]["checked_at"]
            .as_str()
            .unwrap();
        assert!(at.ends_with('Z') && at.len() == 24, "{at}");
        assert!(json["uptime_s"].is_u64() && json["version"].is_string());
        assert_eq!(report.components_with(Status::Degraded), vec!["freshness"]);
    }

    #[test]
    fn reports_have_a_json_schema_for_the_system_health_tool() {
        let schema = serde_json::to_value(schemars::schema_for!(HealthReport)).unwrap();
        assert_eq!(schema["type"], "object");
        for field in ["status", "components", "version", "uptime_s"] {
            assert!(schema["properties"][field].is_object(), "{field}: {schema}");
        }
        let alerts = serde_json::to_value(schemars::schema_for!(crate::AlertsView)).unwrap();
        assert!(alerts["properties"]["active"].is_object(), "{alerts}");
    }
}
