//! The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one
//! line per series; histograms as cumulative `_bucket{le=...}`, `_sum` and `_count`.

use std::fmt::Write;

use super::{Counter, Family, Histogram, Metrics, BUCKETS, LATENCY_BUCKETS};

/// Content type of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A page of metrics being written.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition::default()
    }

    pub fn finish(self) -> String {
        self.out
    }

    pub fn header(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", help.replace('\n', " "));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// A metric with one unlabelled series.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.header(name, kind, help);
        self.sample(name, &[], value);
    }

    pub fn counters(&mut self, name: &str, help: &str, family: &Family<Counter>) {
        self.header(name, "counter", help);
        let names = family.label_names();
        for (values, counter) in family.collect() {
            self.sample(name, &zip(names, &values), counter.get() as f64);
        }
    }

    pub fn gauges(&mut self, name: &str, help: &str, family: &Family<super::Gauge>) {
        self.header(name, "gauge", help);
        let names = family.label_names();
        for (values, gauge) in family.collect() {
            self.sample(name, &zip(names, &values), gauge.get() as f64);
        }
    }

    pub fn histograms(&mut self, name: &str, help: &str, family: &Family<Histogram>) {
        self.header(name, "histogram", help);
        let names = family.label_names();
        let bucket = format!("{name}_bucket");
        let bounds: Vec<String> = (0..BUCKETS)
            .map(|i| LATENCY_BUCKETS.get(i).map_or("+Inf".into(), |b| number(*b)))
            .collect();
        for (values, histogram) in family.collect() {
            let snap = histogram.snapshot();
            let mut labels = zip(names, &values);
            let mut cumulative = 0u64;
            for (count, le) in snap.counts.iter().zip(&bounds) {
                cumulative += count;
                labels.push(("le", le));
                self.sample(&bucket, &labels, cumulative as f64);
                labels.pop();
            }
            self.sample(&format!("{name}_sum"), &labels, snap.sum_seconds());
            self.sample(&format!("{name}_count"), &labels, cumulative as f64);
        }
    }
}

fn zip<'a>(names: &[&'static str], values: &'a [String]) -> Vec<(&'a str, &'a str)> {
    names
        .iter()
        .zip(values)
        .map(|(k, v)| (*k, v.as_str()))
        .collect()
}

/// The registry's own metrics (the ones recorded on the hot path).
pub fn encode_registry(m: &Metrics, out: &mut Exposition) {
    let (version, git_sha) = super::build_info();
    out.header(
        "nba_mcp_build_info",
        "gauge",
        "Build of the running server (always 1).",
    );
    out.sample(
        "nba_mcp_build_info",
        &[("version", version), ("git_sha", git_sha)],
        1.0,
    );
    out.single(
        "nba_mcp_uptime_seconds",
        "gauge",
        "Seconds since the process started.",
        m.uptime().as_secs_f64(),
    );
    out.single(
        "nba_mcp_process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch, in seconds.",
        m.start_unix_s(),
    );
    out.counters(
        "nba_mcp_http_requests_total",
        "HTTP requests answered, by matched route, method and status class.",
        &m.http_requests,
    );
    out.histograms(
        "nba_mcp_http_request_duration_seconds",
        "Time to answer an HTTP request (to the response head), by matched route and status class.",
        &m.http_duration,
    );
    out.single(
        "nba_mcp_http_requests_in_flight",
        "gauge",
        "HTTP requests being handled now.",
        m.http_in_flight.get() as f64,
    );
    out.histograms(
        "nba_mcp_tool_call_duration_seconds",
        "Time to run one tool call, any transport, by tool, model version (none without a model) and outcome.",
        &m.tool_duration,
    );
    out.counters(
        "nba_mcp_errors_total",
        "Errors by where they surfaced (http, tool) and kind (the application's error code, or http_4xx/http_5xx).",
        &m.errors,
    );
    out.counters(
        "nba_mcp_cache_requests_total",
        "Cache lookups by cache and result (hit, miss).",
        &m.cache,
    );
    out.gauges(
        "nba_mcp_cache_entries",
        "Entries a bounded cache holds now, by cache (answers, models).",
        &m.cache_entries,
    );
    out.gauges(
        "nba_mcp_cache_bytes",
        "Bytes a bounded cache holds now, by cache (answers: encoded answers).",
        &m.cache_bytes,
    );
    out.counters(
        "nba_mcp_ingest_rows_total",
        "Rows written by ingest runs in this process, by format and change (inserted, updated, unchanged, skipped).",
        &m.ingest_rows,
    );
    let age = m.data_age_days.get();
    if age >= 0 {
        out.single(
            "nba_mcp_data_latest_game_age_days",
            "gauge",
            "Days since the latest finished game in the store (from the freshness check).",
            age as f64,
        );
    }
    out.counters(
        "nba_mcp_alert_notifications_total",
        "Alert notifications by channel and outcome (delivered, failed, dropped).",
        &m.alert_notifications,
    );
    out.counters(
        "nba_mcp_access_decisions_total",
        "Requests refused by access control: invalid_credentials, denied, rate_limited.",
        &m.access_decisions,
    );
    out.counters(
        "nba_mcp_audit_entries_total",
        "Audit log entries written, batch writes that failed and were retried, entries spilled to the local file while the database was away, and entries replayed from it.",
        &m.audit_entries,
    );
    out.single(
        "nba_mcp_tool_calls_in_flight",
        "gauge",
        "Tool calls running now, any transport.",
        m.tool_calls_in_flight.get() as f64,
    );
    out.counters(
        "nba_mcp_shed_total",
        "Work refused at a limit, by reason (calls, principal_calls, principal_cpu, cpu_queue, connections, sessions, answer_size).",
        &m.shed,
    );
    out.histograms(
        "nba_mcp_cpu_job_duration_seconds",
        "Time CPU-heavy tool work ran on the CPU pool, by outcome (ok, error).",
        &m.cpu_jobs,
    );
    out.single(
        "nba_mcp_http_connections_open",
        "gauge",
        "HTTP connections open now.",
        m.http_connections.get() as f64,
    );
    out.counters(
        "nba_mcp_http_connections_closed_total",
        "HTTP connections closed by the server's limits, by reason (header_timeout, idle, write_stall, body_timeout, shed).",
        &m.http_connections_closed,
    );
    out.single(
        "nba_mcp_mcp_sessions_open",
        "gauge",
        "MCP Streamable HTTP sessions open now.",
        m.mcp_sessions.get() as f64,
    );
    out.counters(
        "nba_mcp_mcp_messages_total",
        "JSON-RPC messages posted to /mcp, by the path that answered them (direct: stateless tools/call; rmcp: the rest).",
        &m.mcp_messages,
    );
    out.gauges(
        "nba_mcp_log_rows",
        "Rows kept in the prediction and audit logs (as of the last retention pass).",
        &m.log_rows,
    );
    out.counters(
        "nba_mcp_log_pruned_rows_total",
        "Rows removed from the prediction and audit logs by retention.",
        &m.log_pruned,
    );
    out.single(
        "nba_mcp_audit_queue_entries",
        "gauge",
        "Audit entries waiting in memory to be written.",
        m.audit_queue.get() as f64,
    );
    out.single(
        "nba_mcp_audit_spill_entries",
        "gauge",
        "Audit entries waiting in the local spill file for the database to come back.",
        m.audit_spill.get() as f64,
    );
    out.single(
        "nba_mcp_auth_stale_total",
        "counter",
        "Requests let in from the last-known-good key cache while the database could not be asked.",
        m.auth_stale.get() as f64,
    );
    out.counters(
        "nba_mcp_backup_runs_total",
        "Scheduled backups by outcome (ok, failed).",
        &m.backup_runs,
    );
    out.single(
        "nba_mcp_backup_last_success_timestamp_seconds",
        "gauge",
        "When the newest good backup was taken (Unix seconds; 0: none known).",
        m.backup_last_success.get() as f64,
    );
    out.single(
        "nba_mcp_backup_last_bytes",
        "gauge",
        "Bytes of the newest good backup.",
        m.backup_last_bytes.get() as f64,
    );
    out.single(
        "nba_mcp_backup_journal_last_timestamp_seconds",
        "gauge",
        "When the audit and prediction logs were last saved beside the newest backup (Unix seconds; 0: never): the loss window of a restore starts here.",
        m.backup_journal_last.get() as f64,
    );
    out.counters(
        "nba_mcp_rollout_predictions_total",
        "Predictions during a model roll-out by model version and arm (baseline, candidate answered; shadow scored off the request path).",
        &m.rollout_predictions,
    );
    out.single(
        "nba_mcp_rollout_share_basis_points",
        "gauge",
        "The canary candidate's share of prediction traffic now, in basis points (0: no canary).",
        m.rollout_share.get() as f64,
    );
    out.counters(
        "nba_mcp_rollout_events_total",
        "Roll-out steps by event (started, advanced, promoted, rolled_back, stopped).",
        &m.rollout_events,
    );
    out.single(
        "nba_mcp_shadow_dropped_total",
        "counter",
        "Shadow scorings dropped because the shadow queue was full.",
        m.shadow_dropped.get() as f64,
    );
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn histograms_are_cumulative_with_sum_and_count() {
        let m = Metrics::new();
        m.record_http("/v1/tools", "GET", 200, None, Duration::from_millis(3));
        m.record_http("/v1/tools", "GET", 200, None, Duration::from_millis(30));
        let mut out = Exposition::new();
        encode_registry(&m, &mut out);
        let text = out.finish();
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
                .to_string()
        };
        let h = "nba_mcp_http_request_duration_seconds";
        assert!(line(&format!(
            "{h}_bucket{{route=\"/v1/tools\",status_class=\"2xx\",le=\"0.005\"}}"
        ))
        .ends_with(" 1"));
        assert!(line(&format!(
            "{h}_bucket{{route=\"/v1/tools\",status_class=\"2xx\",le=\"0.05\"}}"
        ))
        .ends_with(" 2"));
        assert!(line(&format!(
            "{h}_bucket{{route=\"/v1/tools\",status_class=\"2xx\",le=\"+Inf\"}}"
        ))
        .ends_with(" 2"));
        assert!(line(&format!("{h}_count{{")).ends_with(" 2"));
        assert!(line(&format!("{h}_sum{{")).contains(" 0.033"));
        assert!(text.contains("# TYPE nba_mcp_http_requests_total counter"));
        assert!(line("nba_mcp_http_requests_total{").ends_with("} 2"));
        assert!(line("nba_mcp_build_info{").contains("version=\""));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::new();
        out.sample("x", &[("a", "q\"b\\n\nz")], 1.5);
        assert_eq!(out.finish(), "x{a=\"q\\\"b\\\\n\\nz\"} 1.5\n");
    }
}
