//! The process's metrics: one registry (`metrics()`), recording functions for the layers
//! that cannot see HTTP (tool calls, caches, ingest), the Prometheus text encoder and the
//! sampler that turns cumulative counts into windows for alerts and the dashboard.

pub(crate) mod encode;
mod primitives;
pub(crate) mod sampler;

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use primitives::{
    Counter, Family, Gauge, Histogram, HistogramSnapshot, BUCKETS, LATENCY_BUCKETS, MAX_SERIES,
};
pub use sampler::{Sample, Sampler, WindowStats};

/// Model version label of tool calls that involve no model.
pub const NO_MODEL: &str = "none";

/// Every metric the service records. Names are listed in `OPERATIONS_GUIDE.md`.
pub struct Metrics {
    started: Instant,
    start_unix_s: f64,
    /// `nba_mcp_http_requests_total{route, method, status_class}`
    pub http_requests: Family<Counter>,
    /// `nba_mcp_http_request_duration_seconds{route, status_class}`
    pub http_duration: Family<Histogram>,
    /// `nba_mcp_http_requests_in_flight`
    pub http_in_flight: Gauge,
    /// `nba_mcp_tool_call_duration_seconds{tool, model_version, outcome}`
    pub tool_duration: Family<Histogram>,
    /// `nba_mcp_errors_total{source, kind}`
    pub errors: Family<Counter>,
    /// `nba_mcp_cache_requests_total{cache, result}`
    pub cache: Family<Counter>,
    /// `nba_mcp_cache_entries{cache}` and `nba_mcp_cache_bytes{cache}`: what a bounded
    /// cache holds now.
    pub cache_entries: Family<Gauge>,
    pub cache_bytes: Family<Gauge>,
    /// `nba_mcp_ingest_rows_total{format, change}`
    pub ingest_rows: Family<Counter>,
    /// `nba_mcp_alert_notifications_total{channel, outcome}`
    pub alert_notifications: Family<Counter>,
    /// `nba_mcp_data_latest_game_age_days`, set by the freshness check (-1: unknown).
    pub data_age_days: Gauge,
    /// `nba_mcp_access_decisions_total{decision}`: invalid_credentials, denied, rate_limited.
    pub access_decisions: Family<Counter>,
    /// `nba_mcp_audit_entries_total{result}`: written, write_failed (retried), spilled
    /// (to the local spill file while the database was away), replayed.
    pub audit_entries: Family<Counter>,
    /// `nba_mcp_tool_calls_in_flight`
    pub tool_calls_in_flight: Gauge,
    /// `nba_mcp_shed_total{reason}`: work refused at a limit (calls, principal_calls,
    /// principal_cpu, cpu_queue, connections, sessions, answer_size).
    pub shed: Family<Counter>,
    /// `nba_mcp_cpu_job_duration_seconds{outcome}`
    pub cpu_jobs: Family<Histogram>,
    /// `nba_mcp_http_connections_open`
    pub http_connections: Gauge,
    /// `nba_mcp_http_connections_closed_total{reason}`: header_timeout, idle, write_stall,
    /// body_timeout, error.
    pub http_connections_closed: Family<Counter>,
    /// `nba_mcp_mcp_sessions_open`
    pub mcp_sessions: Gauge,
    /// `nba_mcp_mcp_messages_total{path}`: JSON-RPC messages posted to `/mcp`, by who answered
    /// them: `direct` (the stateless `tools/call` path) or `rmcp` (everything else).
    pub mcp_messages: Family<Counter>,
    /// `nba_mcp_log_rows{log}`: rows kept in the prediction and audit logs (sampled).
    pub log_rows: Family<Gauge>,
    /// `nba_mcp_log_pruned_rows_total{log}`: rows removed by retention.
    pub log_pruned: Family<Counter>,
    /// `nba_mcp_audit_queue_entries`: audit entries waiting in memory.
    pub audit_queue: Gauge,
    /// `nba_mcp_audit_spill_entries`: audit entries waiting in the spill file.
    pub audit_spill: Gauge,
    /// `nba_mcp_auth_stale_total`: requests let in from the last-known-good key cache while
    /// the database could not be asked.
    pub auth_stale: Counter,
    /// `nba_mcp_backup_runs_total{outcome}`: scheduled backups, ok or failed.
    pub backup_runs: Family<Counter>,
    /// `nba_mcp_backup_last_success_timestamp_seconds`: when the newest good backup was
    /// taken (Unix time; 0: none known).
    pub backup_last_success: Gauge,
    /// `nba_mcp_backup_last_bytes`: the size of the newest good backup.
    pub backup_last_bytes: Gauge,
    /// `nba_mcp_backup_journal_last_timestamp_seconds`: when the logs were last known
    /// saved (the newest journal segment, or a check that found nothing new).
    pub backup_journal_last: Gauge,
    /// `nba_mcp_rollout_predictions_total{model_version, arm}`: predictions during a
    /// roll-out by the version that made them: `baseline` and `candidate` answered,
    /// `shadow` was scored off the request path.
    pub rollout_predictions: Family<Counter>,
    /// `nba_mcp_rollout_share_basis_points`: the candidate's share of traffic now
    /// (0: no canary; 10000: all).
    pub rollout_share: Gauge,
    /// `nba_mcp_rollout_events_total{event}`: started, advanced, promoted, rolled_back,
    /// stopped.
    pub rollout_events: Family<Counter>,
    /// `nba_mcp_shadow_dropped_total`: shadow scorings dropped because the queue was full.
    pub shadow_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let data_age_days = Gauge::default();
        data_age_days.set(-1);
        Metrics {
            started: Instant::now(),
            start_unix_s: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
            http_requests: Family::new(&["route", "method", "status_class"]),
            http_duration: Family::new(&["route", "status_class"]),
            http_in_flight: Gauge::default(),
            tool_duration: Family::new(&["tool", "model_version", "outcome"]),
            errors: Family::new(&["source", "kind"]),
            cache: Family::new(&["cache", "result"]),
            cache_entries: Family::new(&["cache"]),
            cache_bytes: Family::new(&["cache"]),
            ingest_rows: Family::new(&["format", "change"]),
            alert_notifications: Family::new(&["channel", "outcome"]),
            data_age_days,
            access_decisions: Family::new(&["decision"]),
            audit_entries: Family::new(&["result"]),
            tool_calls_in_flight: Gauge::default(),
            shed: Family::new(&["reason"]),
            cpu_jobs: Family::new(&["outcome"]),
            http_connections: Gauge::default(),
            http_connections_closed: Family::new(&["reason"]),
            mcp_sessions: Gauge::default(),
            mcp_messages: Family::new(&["path"]),
            log_rows: Family::new(&["log"]),
            log_pruned: Family::new(&["log"]),
            audit_queue: Gauge::default(),
            audit_spill: Gauge::default(),
            auth_stale: Counter::default(),
            backup_runs: Family::new(&["outcome"]),
            backup_last_success: Gauge::default(),
            backup_last_bytes: Gauge::default(),
            backup_journal_last: Gauge::default(),
            rollout_predictions: Family::new(&["model_version", "arm"]),
            rollout_share: Gauge::default(),
            rollout_events: Family::new(&["event"]),
            shadow_dropped: Counter::default(),
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn start_unix_s(&self) -> f64 {
        self.start_unix_s
    }

    /// One finished HTTP request. `route` is the matched path (never the raw URI, which
    /// would make a series per game id).
    pub fn record_http(
        &self,
        route: &str,
        method: &str,
        status: u16,
        error_kind: Option<&str>,
        elapsed: Duration,
    ) {
        let class = status_class(status);
        self.http_requests
            .with(&[route, method, class], |c| c.inc());
        self.http_duration
            .with(&[route, class], |h| h.observe(elapsed));
        let kind = match (error_kind, status) {
            (Some(kind), _) => Some(kind),
            (None, 400..=499) => Some("http_4xx"),
            (None, 500..) => Some("http_5xx"),
            _ => None,
        };
        if let Some(kind) = kind {
            self.errors.with(&["http", kind], |c| c.inc());
        }
    }

    /// One tool call, whatever the transport: `outcome` is `Err(code)` with the
    /// application's stable error code when the call failed.
    pub fn record_tool_call(
        &self,
        tool: &str,
        model_version: Option<&str>,
        outcome: Result<(), &str>,
        elapsed: Duration,
    ) {
        let model = model_version.unwrap_or(NO_MODEL);
        let label = if outcome.is_ok() { "ok" } else { "error" };
        self.tool_duration
            .with(&[tool, model, label], |h| h.observe(elapsed));
        if let Err(kind) = outcome {
            self.errors.with(&["tool", kind], |c| c.inc());
        }
    }

    pub fn record_cache(&self, cache: &str, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache.with(&[cache, result], |c| c.inc());
    }

    pub fn record_ingest_rows(&self, format: &str, change: &str, rows: u64) {
        if rows > 0 {
            self.ingest_rows.with(&[format, change], |c| c.add(rows));
        }
    }

    /// Cache hits and misses summed over every cache.
    pub fn cache_totals(&self) -> (u64, u64) {
        let (mut hits, mut misses) = (0, 0);
        for (labels, counter) in self.cache.collect() {
            if labels[1] == "hit" {
                hits += counter.get();
            } else {
                misses += counter.get();
            }
        }
        (hits, misses)
    }
}

/// The process-wide registry every layer records into.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Records one tool call in the process registry (see [`Metrics::record_tool_call`]).
pub fn record_tool_call(tool: &str, outcome: Result<(), &str>, elapsed: Duration) {
    metrics().record_tool_call(tool, None, outcome, elapsed);
}

/// Counts one piece of work refused at a limit.
pub fn record_shed(reason: &str) {
    metrics().shed.with(&[reason], |c| c.inc());
}

/// Counts one JSON-RPC message posted to `/mcp` by the path that answered it.
pub fn record_mcp_message(path: &str) {
    metrics().mcp_messages.with(&[path], |c| c.inc());
}

/// Records one cache lookup in the process registry.
pub fn record_cache(cache: &str, hit: bool) {
    metrics().record_cache(cache, hit);
}

/// Records the rows one ingest run changed, per kind of change.
pub fn record_ingest(format: &str, inserted: u64, updated: u64, unchanged: u64, skipped: u64) {
    let m = metrics();
    for (change, rows) in [
        ("inserted", inserted),
        ("updated", updated),
        ("unchanged", unchanged),
        ("skipped", skipped),
    ] {
        m.record_ingest_rows(format, change, rows);
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Version and git commit of this build; the commit comes from `NBA_MCP_GIT_SHA` at build
/// time.
pub fn build_info() -> (&'static str, &'static str) {
    (
        env!("CARGO_PKG_VERSION"),
        option_env!("NBA_MCP_GIT_SHA").unwrap_or("unknown"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_take_the_application_code_when_known() {
        let m = Metrics::new();
        m.record_http(
            "/v1/tools/{name}",
            "POST",
            404,
            Some("not_found"),
            Duration::ZERO,
        );
        m.record_http("/nowhere", "GET", 404, None, Duration::ZERO);
        m.record_http("/v1/tools", "GET", 200, None, Duration::ZERO);
        let errors = m.errors.collect();
        let kinds: Vec<_> = errors
            .iter()
            .map(|(k, c)| (k[1].as_str(), c.get()))
            .collect();
        assert_eq!(kinds, vec![("http_4xx", 1), ("not_found", 1)]);
        assert_eq!(m.http_requests.collect().len(), 3);
    }

    #[test]
    fn tool_calls_count_errors_by_code_and_default_the_model_label() {
        let m = Metrics::new();
        m.record_tool_call("get_game", None, Err("invalid_argument"), Duration::ZERO);
        m.record_tool_call("get_game", None, Ok(()), Duration::ZERO);
        let series = m.tool_duration.collect();
        assert_eq!(series[0].0, vec!["get_game", "none", "error"]);
        assert_eq!(series[1].0, vec!["get_game", "none", "ok"]);
        assert_eq!(m.errors.collect()[0].0, vec!["tool", "invalid_argument"]);
        m.record_cache("season_games", true);
        m.record_cache("season_games", false);
        m.record_cache("team_boxes", true);
        assert_eq!(m.cache_totals(), (2, 1));
    }
}
