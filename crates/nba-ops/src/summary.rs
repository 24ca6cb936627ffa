//! `/v1/ops/summary`: the numbers the dashboard shows, already computed (totals, windows,
//! chart series, per-tool latency, pool, models, drift, alert counts) so the page does no
//! Prometheus parsing.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::drift::DriftReport;
use crate::metrics::sampler::SeriesPoint;
use crate::metrics::{HistogramSnapshot, WindowStats};
use crate::ops::OpsHandle;
use crate::sources::{ModelInfo, PerformanceObservation};

/// Points of the charts (at the default 5 s sample interval, the last 10 minutes).
const SERIES_POINTS: usize = 120;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpsSummary {
    pub version: String,
    pub git_sha: String,
    pub uptime_s: u64,
    /// Overall health of the last report (`healthy` before the first one).
    pub status: crate::Status,
    pub totals: Totals,
    pub last_minute: WindowStats,
    pub last_5m: WindowStats,
    pub series: Vec<SeriesPoint>,
    pub tools: Vec<ToolSummary>,
    pub database: PoolSummary,
    pub models: Vec<ModelInfo>,
    pub drift: Option<DriftReport>,
    pub performance: Option<PerformanceObservation>,
    pub alerts_active: usize,
    pub alerts_critical: usize,
}

/// Since the process started.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Totals {
    /// Every HTTP request, probes and scrapes included.
    pub http_requests: u64,
    /// HTTP requests to user-facing routes.
    pub api_requests: u64,
    pub api_server_errors: u64,
    pub in_flight: i64,
    pub tool_calls: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub cache_hit_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolSummary {
    pub tool: String,
    pub calls: u64,
    pub errors: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PoolSummary {
    pub backend: String,
    pub open: u32,
    pub idle: usize,
    pub max: u32,
}

pub(crate) fn build(ops: &OpsHandle) -> OpsSummary {
    let m = crate::metrics();
    let (version, git_sha) = crate::metrics::build_info();
    let now = crate::metrics::Sample::take(m);
    let mut errors_by_kind = BTreeMap::new();
    for (labels, c) in m.errors.collect() {
        *errors_by_kind.entry(labels[1].clone()).or_insert(0) += c.get();
    }
    let hits_total = now.cache_hits + now.cache_misses;
    let sampler = &ops.inner.sampler;
    let store = &ops.inner.store;
    let (open, idle) = store.pool_status();
    let view = ops.alerts();
    OpsSummary {
        version: version.into(),
        git_sha: git_sha.into(),
        uptime_s: m.uptime().as_secs(),
        status: ops
            .inner
            .checker
            .last()
            .map_or(crate::Status::Healthy, |r| r.status),
        totals: Totals {
            http_requests: now.all_requests,
            api_requests: now.requests,
            api_server_errors: now.server_errors,
            in_flight: m.http_in_flight.get(),
            tool_calls: now.tool_calls,
            errors_by_kind,
            cache_hits: now.cache_hits,
            cache_misses: now.cache_misses,
            cache_hit_rate: (hits_total > 0).then(|| now.cache_hits as f64 / hits_total as f64),
        },
        last_minute: sampler.window(Duration::from_secs(60)),
        last_5m: sampler.window(Duration::from_secs(300)),
        series: sampler.series(SERIES_POINTS),
        tools: tools(),
        database: PoolSummary {
            backend: store.backend().as_str().into(),
            open,
            idle,
            max: store.pool().options().get_max_connections(),
        },
        models: ops.models(),
        drift: ops.drift_report(),
        performance: ops.performance(),
        alerts_active: view.active.len(),
        alerts_critical: view
            .active
            .iter()
            .filter(|a| a.severity == crate::Severity::Critical)
            .count(),
    }
}

/// Per tool since start, merging model versions and outcomes.
fn tools() -> Vec<ToolSummary> {
    let mut per_tool: BTreeMap<String, (HistogramSnapshot, u64)> = BTreeMap::new();
    for (labels, h) in crate::metrics().tool_duration.collect() {
        let snap = h.snapshot();
        let entry = per_tool.entry(labels[0].clone()).or_default();
        entry.0.add(&snap);
        if labels[2] == "error" {
            entry.1 += snap.count();
        }
    }
    per_tool
        .into_iter()
        .map(|(tool, (h, errors))| ToolSummary {
            tool,
            calls: h.count(),
            errors,
            p50_ms: h.quantile(0.5).map(|s| s * 1000.0),
            p95_ms: h.quantile(0.95).map(|s| s * 1000.0),
        })
        .collect()
}
