//! Windows over cumulative metrics: the ops loop copies the counters every few seconds into
//! a bounded ring, and a window is the difference between the newest copy and one taken
//! `window` earlier, the way Prometheus computes `rate()` and `histogram_quantile()`.
//! Recording stays a plain atomic add; only the sampler does the summing.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::{HistogramSnapshot, Metrics};

/// Routes of the operations surface itself; probes and scrapes are not user traffic and are
/// left out of error rate and latency.
pub fn is_ops_route(route: &str) -> bool {
    route == "/metrics"
        || route == "/live"
        || route == "/ready"
        || route == "/dashboard"
        || route.starts_with("/health")
        || route.starts_with("/v1/alerts")
        || route.starts_with("/v1/ops")
}

/// Tool error codes that mean the server failed (the others are the caller's mistakes).
pub const SERVER_ERROR_KINDS: &[&str] = &["internal", "timeout"];

/// Cumulative totals at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Instant,
    pub time: DateTime<Utc>,
    /// HTTP requests to user-facing routes (not probes, scrapes or the dashboard).
    pub requests: u64,
    /// Of those, answered with a 5xx status.
    pub server_errors: u64,
    pub latency: HistogramSnapshot,
    /// Every HTTP request, probes included.
    pub all_requests: u64,
    pub tool_calls: u64,
    /// Tool calls that failed with a server-side code (`internal`, `timeout`).
    pub tool_server_errors: u64,
    pub tool_latency: HistogramSnapshot,
    pub cache_hits: u64,
    pub cache_misses: u64,
}

impl Sample {
    pub fn take(m: &Metrics) -> Sample {
        let mut s = Sample::zero(Instant::now(), Utc::now());
        for (labels, counter) in m.http_requests.collect() {
            s.all_requests += counter.get();
            if !is_ops_route(&labels[0]) {
                s.requests += counter.get();
                if labels[2] == "5xx" {
                    s.server_errors += counter.get();
                }
            }
        }
        for (labels, h) in m.http_duration.collect() {
            if !is_ops_route(&labels[0]) {
                s.latency.add(&h.snapshot());
            }
        }
        for (_, h) in m.tool_duration.collect() {
            let snap = h.snapshot();
            s.tool_calls += snap.count();
            s.tool_latency.add(&snap);
        }
        for (labels, c) in m.errors.collect() {
            if labels[0] == "tool" && SERVER_ERROR_KINDS.contains(&labels[1].as_str()) {
                s.tool_server_errors += c.get();
            }
        }
        (s.cache_hits, s.cache_misses) = m.cache_totals();
        s
    }

    /// All zero, for tests that build windows by hand.
    pub fn zero(at: Instant, time: DateTime<Utc>) -> Sample {
        Sample {
            at,
            time,
            requests: 0,
            server_errors: 0,
            latency: HistogramSnapshot::default(),
            all_requests: 0,
            tool_calls: 0,
            tool_server_errors: 0,
            tool_latency: HistogramSnapshot::default(),
            cache_hits: 0,
            cache_misses: 0,
        }
    }
}

/// What happened between two samples.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct WindowStats {
    /// Length actually covered (shorter than asked while the process is young).
    pub seconds: f64,
    pub requests: u64,
    pub server_errors: u64,
    /// `server_errors / requests`; absent without requests.
    pub error_rate: Option<f64>,
    pub requests_per_s: f64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub tool_calls: u64,
    pub tool_server_errors: u64,
    pub tool_error_rate: Option<f64>,
    pub tool_p95_ms: Option<f64>,
    pub cache_hit_rate: Option<f64>,
}

impl WindowStats {
    pub fn between(old: &Sample, new: &Sample) -> WindowStats {
        let seconds = new.at.saturating_duration_since(old.at).as_secs_f64();
        let requests = new.requests.saturating_sub(old.requests);
        let server_errors = new.server_errors.saturating_sub(old.server_errors);
        let latency = new.latency.since(&old.latency);
        let tool_latency = new.tool_latency.since(&old.tool_latency);
        let tool_calls = new.tool_calls.saturating_sub(old.tool_calls);
        let tool_server_errors = new
            .tool_server_errors
            .saturating_sub(old.tool_server_errors);
        let hits = new.cache_hits.saturating_sub(old.cache_hits);
        let misses = new.cache_misses.saturating_sub(old.cache_misses);
        let ms = |q: f64, h: &HistogramSnapshot| h.quantile(q).map(|s| s * 1000.0);
        WindowStats {
            seconds,
            requests,
            server_errors,
            error_rate: ratio(server_errors, requests),
            requests_per_s: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            p50_ms: ms(0.5, &latency),
            p95_ms: ms(0.95, &latency),
            p99_ms: ms(0.99, &latency),
            tool_calls,
            tool_server_errors,
            tool_error_rate: ratio(tool_server_errors, tool_calls),
            tool_p95_ms: ms(0.95, &tool_latency),
            cache_hit_rate: ratio(hits, hits + misses),
        }
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// One point of the dashboard's charts: the interval ending at `time`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SeriesPoint {
    pub time: DateTime<Utc>,
    pub requests_per_s: f64,
    pub p95_ms: Option<f64>,
    pub error_rate: Option<f64>,
}

/// A bounded ring of samples.
pub struct Sampler {
    ring: Mutex<VecDeque<Sample>>,
    capacity: usize,
}

impl Sampler {
    pub fn new(capacity: usize) -> Sampler {
        Sampler {
            ring: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity: capacity.max(2),
        }
    }

    pub fn push(&self, sample: Sample) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(sample);
    }

    /// Takes a sample of `m` now.
    pub fn record(&self, m: &Metrics) {
        self.push(Sample::take(m));
    }

    pub fn len(&self) -> usize {
        self.ring.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last `window`: from the newest sample back to the newest one at least `window`
    /// older (or the oldest kept). Empty stats with fewer than two samples.
    pub fn window(&self, window: Duration) -> WindowStats {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let Some(newest) = ring.back() else {
            return WindowStats::default();
        };
        let start = ring
            .iter()
            .rev()
            .find(|s| newest.at.saturating_duration_since(s.at) >= window)
            .or(ring.front())
            .expect("ring is not empty");
        WindowStats::between(start, newest)
    }

    /// Consecutive intervals, oldest first, at most `points` of them.
    pub fn series(&self, points: usize) -> Vec<SeriesPoint> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let skip = ring.len().saturating_sub(points + 1);
        let samples: Vec<&Sample> = ring.iter().skip(skip).collect();
        samples
            .windows(2)
            .map(|pair| {
                let w = WindowStats::between(pair[0], pair[1]);
                SeriesPoint {
                    time: pair[1].time,
                    requests_per_s: w.requests_per_s,
                    p95_ms: w.p95_ms,
                    error_rate: w.error_rate,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, s: u64, requests: u64, errors: u64) -> Sample {
        let mut sample = Sample::zero(base + Duration::from_secs(s), Utc::now());
        sample.requests = requests;
        sample.server_errors = errors;
        sample
    }

    #[test]
    fn a_window_spans_back_to_the_first_sample_old_enough() {
        let base = Instant::now();
        let sampler = Sampler::new(100);
        for (s, r, e) in [(0, 0, 0), (60, 100, 0), (120, 200, 10), (180, 300, 40)] {
            sampler.push(at(base, s, r, e));
        }
        let w = sampler.window(Duration::from_secs(120));
        assert_eq!((w.requests, w.server_errors), (200, 40));
        assert_eq!(w.error_rate, Some(0.2));
        assert_eq!(w.seconds, 120.0);
        let w = sampler.window(Duration::from_secs(3600));
        assert_eq!(w.requests, 300, "a young process covers what it has");
        assert_eq!(sampler.series(10).len(), 3);
    }

    #[test]
    fn the_ring_is_bounded() {
        let base = Instant::now();
        let sampler = Sampler::new(3);
        for s in 0..10 {
            sampler.push(at(base, s, s, 0));
        }
        assert_eq!(sampler.len(), 3);
        assert_eq!(sampler.window(Duration::from_secs(100)).requests, 2);
    }

    #[test]
    fn ops_routes_are_not_user_traffic() {
        assert!(is_ops_route("/health/{component}"));
        assert!(is_ops_route("/metrics"));
        assert!(!is_ops_route("/v1/tools/{name}"));
        assert!(!is_ops_route("/mcp"));
    }
}
