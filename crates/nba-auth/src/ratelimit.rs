//! Per-principal rate limits: a token bucket per principal id, refilled continuously.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once after a quiet period.
    pub burst: f64,
}

/// Token buckets by principal id. Idle buckets are dropped when the map grows, so ids that
/// come and go (expired tokens) do not accumulate.
#[derive(Debug)]
pub struct RateLimiter {
    limit: Option<RateLimit>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    /// `None` (or a zero rate) disables limiting.
    pub fn new(limit: Option<RateLimit>) -> RateLimiter {
        RateLimiter {
            limit: limit.filter(|l| l.per_second > 0.0 && l.burst >= 1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// Takes one token for `principal`, or says how long until one is available.
    pub fn check(&self, principal: &str) -> Result<(), Duration> {
        self.check_at(principal, Instant::now())
    }

    pub fn check_at(&self, principal: &str, now: Instant) -> Result<(), Duration> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            let full = Duration::from_secs_f64(limit.burst / limit.per_second);
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < full);
        }
        let bucket = buckets.entry(principal.to_string()).or_insert(Bucket {
            tokens: limit.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.per_second).min(limit.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / limit.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_cut_at_the_bucket_size_then_refills() {
        let l = RateLimiter::new(Some(RateLimit {
            per_second: 10.0,
            burst: 5.0,
        }));
        let t0 = Instant::now();
        let allowed = (0..20).filter(|_| l.check_at("a", t0).is_ok()).count();
        assert_eq!(allowed, 5);
        let wait = l.check_at("a", t0).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        // Another principal has its own bucket.
        assert!(l.check_at("b", t0).is_ok());
        // 0.25 s later, 2.5 tokens came back.
        let t1 = t0 + Duration::from_millis(250);
        assert_eq!((0..5).filter(|_| l.check_at("a", t1).is_ok()).count(), 2);
    }

    #[test]
    fn no_limit_means_no_limit() {
        let l = RateLimiter::new(None);
        assert!((0..10_000).all(|_| l.check("a").is_ok()));
    }
}
