//! Operations for NBA MCP: what lets a person see the server running and be told when it
//! is not. Prometheus metrics recorded with atomics on the hot path, a health checker that
//! really probes the database, data freshness and caches in the background, alert rules with
//! webhook, Slack and PagerDuty delivery, drift statistics (PSI, Kolmogorov-Smirnov) and the
//! dashboard page.
//!
//! Plain library code over the store, no HTTP: the application layer records into it
//! ([`record_tool_call`], [`record_cache`]) and exposes its reports as tools; `nba-http`
//! serves them (`/metrics`, `/health`, `/ready`, `/live`, `/v1/alerts`, `/v1/ops/summary`,
//! `/dashboard`). The binary starts it with [`Ops::start`].

pub mod alerts;
pub mod config;
mod dashboard;
pub mod drift;
mod exposition;
pub mod health;
pub mod metrics;
mod ops;
pub mod sources;
mod summary;

pub use alerts::{Alert, AlertEvent, AlertsView, Severity};
pub use async_trait::async_trait;
pub use config::{ConfigError, OpsConfig};
pub use dashboard::PAGE as DASHBOARD_PAGE;
pub use drift::{DriftConfig, DriftMonitor, DriftReport};
pub use health::{ComponentHealth, HealthCheck, HealthChecker, HealthReport, Probes, Status};
pub use metrics::encode::CONTENT_TYPE as METRICS_CONTENT_TYPE;
pub use metrics::{
    metrics, record_cache, record_ingest, record_mcp_message, record_shed, record_tool_call,
    Metrics,
};
pub use ops::{Ops, OpsBuilder, OpsError, OpsHandle};
pub use sources::{
    DriftSource, ModelCatalog, ModelInfo, PerformanceObservation, PerformanceSource, Published,
};
pub use summary::OpsSummary;
