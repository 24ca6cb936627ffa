//! Tool answers encoded once, and the cache of data tools' answers.
//!
//! An [`Answer`] is the JSON object a tool returns (with its `data_source`), encoded straight
//! from the tool's output type into bytes under the answer-size limit, so the HTTP API sends
//! it as is and the limit is checked without building the whole answer first.
//!
//! The [`AnswerCache`] keeps the answers of tools whose answer depends only on their
//! arguments and the data (`Tool::CACHEABLE`), keyed by tool, parsed arguments and data
//! version: an ingest changes the version, so no answer from older data is served.

use std::io;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::lru::Lru;
use super::{Flights, Turn};
use crate::AppError;

/// A tool's answer: one JSON object, encoded.
#[derive(Debug, Clone)]
pub struct Answer {
    json: Bytes,
}

impl Answer {
    /// The encoded JSON object.
    pub fn json(&self) -> &Bytes {
        &self.json
    }

    pub fn into_json(self) -> Bytes {
        self.json
    }

    /// The answer as text (the encoding is UTF-8 JSON).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.json).expect("serde_json writes UTF-8")
    }

    /// The answer decoded into a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.json).expect("an answer is valid JSON")
    }

    pub fn len(&self) -> usize {
        self.json.len()
    }

    pub fn is_empty(&self) -> bool {
        self.json.is_empty()
    }

    /// Encodes a value already built (resources, tests).
    #[cfg(test)]
    pub(crate) fn from_value(value: &Value) -> Answer {
        Answer {
            json: Bytes::from(serde_json::to_vec(value).expect("a JSON value encodes")),
        }
    }
}

/// Bytes up to a limit; past it only counted, so the error can say how large the answer
/// would have been without holding it.
struct Capped {
    buf: Vec<u8>,
    limit: usize,
    len: usize,
}

impl io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.len += b.len();
        if self.len <= self.limit {
            self.buf.extend_from_slice(b);
        } else if !self.buf.is_empty() {
            self.buf = Vec::new();
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Encodes a tool's output with its data source; an answer over `limit` bytes is an error
/// that names the tool and the size.
pub(crate) fn encode<T: Serialize>(
    name: &str,
    output: &T,
    data_source: &str,
    limit: usize,
) -> Result<Answer, AppError> {
    let mut out = Capped {
        buf: Vec::with_capacity(1024.min(limit)),
        limit,
        len: 0,
    };
    serde_json::to_writer(&mut out, output)
        .map_err(|e| AppError::Internal(format!("{name}: cannot encode the answer: {e}")))?;
    // Within the limit the buffer holds the whole object; past it only its length counts.
    let kept = out.len <= limit;
    if kept && (out.buf.first() != Some(&b'{') || out.buf.last() != Some(&b'}')) {
        return Err(AppError::Internal(format!(
            "{name}: the answer is not a JSON object"
        )));
    }
    // `data_source` goes in as the object's last member (cheaper than a flattened wrapper):
    // the closing brace comes off, the member and a new brace go on.
    let empty = out.len == 2;
    out.len -= 1;
    if kept {
        out.buf.pop();
    }
    let source = serde_json::to_string(data_source).expect("a string encodes as JSON");
    let member: &[u8] = if empty {
        b"\"data_source\":"
    } else {
        b",\"data_source\":"
    };
    for part in [member, source.as_bytes(), b"}"] {
        io::Write::write_all(&mut out, part).expect("writing to memory does not fail");
    }
    if out.len > limit {
        nba_ops::record_shed("answer_size");
        return Err(AppError::TooLarge(format!(
            "{name}: the answer would be {} bytes, over the limit of {limit} bytes; ask for less (a smaller limit, a narrower range or fewer games)",
            out.len
        )));
    }
    Ok(Answer {
        json: Bytes::from(out.buf),
    })
}

/// Bounds of the answer cache (the `[limits]` table: `answer_cache_*`).
#[derive(Debug, Clone)]
pub struct AnswerCacheLimits {
    /// Answers kept at most (0: no cache).
    pub entries: usize,
    /// Encoded bytes kept at most; one answer larger than a sixteenth of it is not kept.
    pub bytes: usize,
    /// An answer older than this is asked again, whatever the data version.
    pub ttl: Duration,
}

impl Default for AnswerCacheLimits {
    fn default() -> AnswerCacheLimits {
        AnswerCacheLimits {
            entries: 1000,
            bytes: 64 * 1024 * 1024,
            ttl: Duration::from_secs(3600),
        }
    }
}

const METRIC: &str = "answers";

pub(crate) struct AnswerCache {
    lru: Mutex<Lru<String, (i64, Answer)>>,
    max_one: usize,
    /// Concurrent misses of one key compute it once.
    flights: Flights<String>,
}

impl AnswerCache {
    pub fn new(limits: &AnswerCacheLimits) -> AnswerCache {
        AnswerCache {
            lru: Mutex::new(Lru::new(limits.entries, limits.bytes, limits.ttl)),
            max_one: limits.bytes / 16,
            flights: Flights::default(),
        }
    }

    /// Waits until no other call is computing `key`. Then the caller looks again
    /// ([`AnswerCache::peek`]): the call before it may have left the answer.
    pub async fn turn(&self, key: &str) -> Turn<'_, String> {
        self.flights.turn(&key.to_string()).await
    }

    /// As [`AnswerCache::get`], without counting a hit or a miss (the miss was counted).
    pub fn peek(&self, key: &str, version: i64) -> Option<Answer> {
        let mut lru = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        match lru.get(key) {
            Some((v, answer)) if *v == version => Some(answer.clone()),
            _ => None,
        }
    }

    /// The answer under `key` computed from data version `version`, if kept.
    pub fn get(&self, key: &str, version: i64) -> Option<Answer> {
        let mut lru = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        let hit = match lru.get(key) {
            Some((v, answer)) if *v == version => Some(answer.clone()),
            Some(_) => {
                lru.remove(key);
                None
            }
            None => None,
        };
        drop(lru);
        nba_ops::record_cache(METRIC, hit.is_some());
        hit
    }

    pub fn insert(&self, key: String, version: i64, answer: Answer) {
        if answer.len() > self.max_one {
            return;
        }
        let weight = answer.len() + key.len();
        let mut lru = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        lru.insert(key, (version, answer), weight);
        self.publish(&lru);
    }

    /// Forgets everything (the data changed).
    pub fn clear(&self) {
        let mut lru = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        lru.clear();
        self.publish(&lru);
    }

    fn publish(&self, lru: &Lru<String, (i64, Answer)>) {
        let m = nba_ops::metrics();
        m.cache_entries.with(&[METRIC], |g| g.set(lru.len() as i64));
        m.cache_bytes
            .with(&[METRIC], |g| g.set(lru.weight() as i64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Serialize)]
    struct Out {
        team: &'static str,
        wins: u32,
    }

    #[test]
    fn encodes_with_the_data_source_under_the_limit() {
        let a = encode(
            "t",
            &Out {
                team: "BOS",
                wins: 57,
            },
            "real",
            1000,
        )
        .unwrap();
        assert_eq!(
            a.to_value(),
            serde_json::json!({"team": "BOS", "wins": 57, "data_source": "real"})
        );
        match encode(
            "t",
            &Out {
                team: "BOS",
                wins: 57,
            },
            "real",
            10,
        ) {
            Err(AppError::TooLarge(m)) => assert!(m.contains("would be 45 bytes"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_of_one_key_compute_it_once() {
        let cache = Arc::new(AnswerCache::new(&AnswerCacheLimits::default()));
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // The first call's turn is held here while 16 more miss and queue behind it.
        let first = cache.turn("k").await;
        let calls: Vec<_> = (0..16)
            .map(|_| {
                let (cache, runs) = (cache.clone(), runs.clone());
                tokio::spawn(async move {
                    if let Some(hit) = cache.get("k", 1) {
                        return hit;
                    }
                    let _turn = cache.turn("k").await;
                    if let Some(hit) = cache.peek("k", 1) {
                        return hit;
                    }
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Answer::from_value(&serde_json::json!({"x": 2}))
                })
            })
            .collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while cache.flights.interested(&"k".to_string()) < 17 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the calls never queued"
            );
            tokio::task::yield_now().await;
        }
        cache.insert(
            "k".into(),
            1,
            Answer::from_value(&serde_json::json!({"x": 1})),
        );
        drop(first);
        for call in calls {
            assert_eq!(call.await.unwrap().text(), r#"{"x":1}"#);
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(cache.flights.is_empty(), "no gate outlives its callers");
    }

    #[tokio::test]
    async fn a_cancelled_computation_or_wait_lets_the_next_caller_in() {
        let cache = AnswerCache::new(&AnswerCacheLimits::default());
        let first = cache.turn("k").await;
        // A caller that gives up while waiting leaves nothing behind.
        let waiting = tokio::time::timeout(Duration::from_millis(10), cache.turn("k")).await;
        assert!(waiting.is_err());
        assert_eq!(cache.flights.interested(&"k".to_string()), 1);
        drop(first);
        assert!(cache.flights.is_empty());
        let second = tokio::time::timeout(Duration::from_secs(1), cache.turn("k")).await;
        assert!(second.is_ok());
        drop(second);
        assert!(cache.flights.is_empty());
    }

    #[test]
    fn a_new_data_version_misses() {
        let cache = AnswerCache::new(&AnswerCacheLimits::default());
        let a = Answer::from_value(&serde_json::json!({"x": 1}));
        cache.insert("k".into(), 7, a);
        assert!(cache.get("k", 7).is_some());
        assert!(cache.get("k", 8).is_none());
        assert!(cache.get("k", 7).is_none(), "the stale entry was dropped");
    }
}
