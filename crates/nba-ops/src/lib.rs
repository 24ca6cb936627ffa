//! Operations for NBA MCP: what lets a person see the server running and be told when it
//! is not. Prometheus metrics recorded with atomics on the hot path (`/metrics`), a health
//! checker that really probes the database, data freshness and caches in the background
//! (`/health`, `/ready`, `/live`), alert rules with webhook, Slack and PagerDuty delivery
//! (`/v1/alerts`), drift statistics (PSI, Kolmogorov-Smirnov) and a dashboard
//! (`/dashboard`).
//!
//! It depends on the store only, so the application layer can record into it
//! ([`record_tool_call`], [`record_cache`]) and expose its reports as tools. The binary
//! starts it with [`Ops::start`] and mounts the returned routes beside the HTTP API.

pub mod alerts;
pub mod config;
mod dashboard;
pub mod drift;
pub mod health;
mod http;
pub mod metrics;
mod ops;
pub mod sources;
mod summary;

pub use alerts::{Alert, AlertEvent, AlertsView, Severity};
pub use async_trait::async_trait;
pub use config::{ConfigError, OpsConfig};
pub use drift::{DriftConfig, DriftMonitor, DriftReport};
pub use health::{ComponentHealth, HealthCheck, HealthChecker, HealthReport, Status};
pub use http::{standalone_probes, track_http, ErrorKind};
pub use metrics::{metrics, record_cache, record_ingest, record_shed, record_tool_call, Metrics};
pub use ops::{Ops, OpsBuilder, OpsError, OpsHandle};
pub use sources::{
    DriftSource, ModelCatalog, ModelInfo, PerformanceObservation, PerformanceSource, Published,
};
pub use summary::OpsSummary;
