//! Metric primitives: counters, gauges and duration histograms made of atomics, and label
//! families that find a series without allocating. Recording is a hash of the label values,
//! a read lock and one or two relaxed atomic adds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }

    pub fn add(&self, v: i64) {
        self.0.fetch_add(v, Ordering::Relaxed);
    }

    pub fn sub(&self, v: i64) {
        self.0.fetch_sub(v, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds (seconds) of the latency buckets; 100 ms, the latency alert's default
/// threshold, is a bound so the alert's p95 is exact there.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Finite buckets plus `+Inf`.
pub const BUCKETS: usize = LATENCY_BUCKETS.len() + 1;

const BOUNDS_NS: [u64; LATENCY_BUCKETS.len()] = {
    let mut out = [0u64; LATENCY_BUCKETS.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = (LATENCY_BUCKETS[i] * 1e9) as u64;
        i += 1;
    }
    out
};

/// A histogram of durations over [`LATENCY_BUCKETS`]. Counts are kept per bucket (not
/// cumulative) so an observation touches one bucket; the encoder accumulates.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS],
    sum_ns: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let i = BOUNDS_NS.partition_point(|bound| *bound < ns);
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut counts = [0u64; BUCKETS];
        for (c, a) in counts.iter_mut().zip(&self.counts) {
            *c = a.load(Ordering::Relaxed);
        }
        HistogramSnapshot {
            counts,
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
        }
    }
}

/// A point-in-time copy of a histogram; snapshots add up and subtract (for windows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistogramSnapshot {
    /// Per bucket, not cumulative; the last is `+Inf`.
    pub counts: [u64; BUCKETS],
    pub sum_ns: u64,
}

impl HistogramSnapshot {
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn sum_seconds(&self) -> f64 {
        self.sum_ns as f64 / 1e9
    }

    pub fn add(&mut self, other: &HistogramSnapshot) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.sum_ns += other.sum_ns;
    }

    /// `self - earlier`, saturating (a restarted process never gives negative counts).
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let mut out = *self;
        for (a, b) in out.counts.iter_mut().zip(&earlier.counts) {
            *a = a.saturating_sub(*b);
        }
        out.sum_ns = out.sum_ns.saturating_sub(earlier.sum_ns);
        out
    }

    /// The `q` quantile in seconds, interpolated inside its bucket as Prometheus'
    /// `histogram_quantile` does; `None` without observations. Values past the last
    /// finite bound report that bound.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut below = 0u64;
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0 && (below + n) as f64 >= rank {
                let Some(&upper) = LATENCY_BUCKETS.get(i) else {
                    return Some(LATENCY_BUCKETS[LATENCY_BUCKETS.len() - 1]);
                };
                let lower = if i == 0 { 0.0 } else { LATENCY_BUCKETS[i - 1] };
                let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
                return Some(lower + (upper - lower) * within);
            }
            below += n;
        }
        Some(LATENCY_BUCKETS[LATENCY_BUCKETS.len() - 1])
    }
}

/// Most series one family keeps; past it new label sets share one `overflow` series, so a
/// client sending invented tool names cannot grow memory without bound.
pub const MAX_SERIES: usize = 500;

type Series<M> = (Box<[Box<str>]>, Arc<M>);

/// Series of one metric keyed by label values (in the order of `label_names`).
pub struct Family<M> {
    label_names: &'static [&'static str],
    series: RwLock<HashMap<u64, Vec<Series<M>>>>,
}

impl<M: Default> Family<M> {
    pub fn new(label_names: &'static [&'static str]) -> Family<M> {
        Family {
            label_names,
            series: RwLock::new(HashMap::new()),
        }
    }

    pub fn label_names(&self) -> &'static [&'static str] {
        self.label_names
    }

    /// Runs `f` on the series for `values`, creating it on first use.
    pub fn with<R>(&self, values: &[&str], f: impl FnOnce(&M) -> R) -> R {
        debug_assert_eq!(values.len(), self.label_names.len());
        let key = hash(values);
        {
            let map = self.series.read().unwrap_or_else(|e| e.into_inner());
            if let Some(m) = find(&map, key, values) {
                return f(m);
            }
        }
        let metric = self.insert(key, values);
        f(&metric)
    }

    fn insert(&self, key: u64, values: &[&str]) -> Arc<M> {
        let mut map = self.series.write().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = find(&map, key, values) {
            return m.clone();
        }
        let len: usize = map.values().map(Vec::len).sum();
        let (key, labels): (u64, Vec<&str>) = if len >= MAX_SERIES {
            let overflow = vec!["overflow"; values.len()];
            (hash(&overflow), overflow)
        } else {
            (key, values.to_vec())
        };
        if let Some(m) = find(&map, key, &labels) {
            return m.clone();
        }
        let metric = Arc::new(M::default());
        let owned = labels.iter().map(|v| Box::<str>::from(*v)).collect();
        map.entry(key).or_default().push((owned, metric.clone()));
        metric
    }

    /// Every series, sorted by label values so the exposition is stable.
    pub fn collect(&self) -> Vec<(Vec<String>, Arc<M>)> {
        let map = self.series.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(Vec<String>, Arc<M>)> = map
            .values()
            .flatten()
            .map(|(k, m)| (k.iter().map(|s| s.to_string()).collect(), m.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

fn find<'a, M>(
    map: &'a HashMap<u64, Vec<Series<M>>>,
    key: u64,
    values: &[&str],
) -> Option<&'a Arc<M>> {
    map.get(&key)?
        .iter()
        .find(|(k, _)| k.len() == values.len() && k.iter().zip(values).all(|(a, b)| &**a == *b))
        .map(|(_, m)| m)
}

/// FNV-1a over the values with a separator, cheap for short label values.
fn hash(values: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_bucket_whose_bound_is_not_below_them() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(100));
        h.observe(Duration::from_micros(100_001));
        h.observe(Duration::from_secs(60));
        let s = h.snapshot();
        assert_eq!(s.counts[7], 1, "100 ms is le=0.1");
        assert_eq!(s.counts[8], 1, "just over 100 ms is le=0.25");
        assert_eq!(s.counts[BUCKETS - 1], 1, "a minute is +Inf");
        assert_eq!(s.count(), 3);
    }

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        let h = Histogram::default();
        for _ in 0..95 {
            h.observe(Duration::from_millis(3));
        }
        for _ in 0..5 {
            h.observe(Duration::from_millis(200));
        }
        let s = h.snapshot();
        let p95 = s.quantile(0.95).unwrap();
        assert!(p95 <= 0.005 && p95 > 0.0025, "{p95}");
        let p99 = s.quantile(0.99).unwrap();
        assert!(p99 > 0.1 && p99 <= 0.25, "{p99}");
        assert_eq!(HistogramSnapshot::default().quantile(0.5), None);
        assert_eq!(s.since(&s).count(), 0);
    }

    #[test]
    fn families_reuse_series_and_cap_their_number() {
        let f: Family<Counter> = Family::new(&["a", "b"]);
        f.with(&["x", "y"], |c| c.inc());
        f.with(&["x", "y"], |c| c.inc());
        f.with(&["xy", ""], |c| c.inc());
        let all = f.collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, vec!["x", "y"]);
        assert_eq!(all[0].1.get(), 2);
        for i in 0..MAX_SERIES + 10 {
            f.with(&[&i.to_string(), "z"], |c| c.inc());
        }
        let all = f.collect();
        assert_eq!(all.len(), MAX_SERIES + 1);
        let overflow = all.iter().find(|(k, _)| k[0] == "overflow").unwrap();
        assert_eq!(overflow.1.get(), 12);
    }
}
