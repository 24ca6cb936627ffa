//! In-memory caches, all keyed by the data version: the store's latest ingest run, kept in
//! memory and asked of the store at most once per `DataVersion::every` (default 1 s), so a
//! load by this or another process is seen within that time, and a cache hit costs no
//! database round trip.
//!
//! - per-season games and team box lines (standings and team stats read a whole season;
//!   decoding it once per data version instead of per request keeps them fast);
//! - the answers of data tools ([`answers::AnswerCache`]);
//! - loaded model artifacts ([`models::ModelCache`], in front of the model registry).

pub mod answers;
pub mod lru;
pub mod models;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nba_store::{GameRecord, Store, TeamBoxRecord};

use crate::AppError;

/// The data version as last read from the store.
pub(crate) struct DataVersion {
    value: AtomicI64,
    /// Milliseconds after `origin` of the last read.
    checked_ms: AtomicU64,
    origin: Instant,
    every: Duration,
    reading: tokio::sync::Mutex<()>,
}

impl DataVersion {
    pub async fn open(store: &Store, every: Duration) -> Result<DataVersion, AppError> {
        Ok(DataVersion {
            value: AtomicI64::new(store.data_version().await?),
            checked_ms: AtomicU64::new(0),
            origin: Instant::now(),
            every,
            reading: tokio::sync::Mutex::new(()),
        })
    }

    /// The current version, and whether it changed with this call (then the caller drops
    /// what it keeps). One caller at a time reads the store, at most once per `every`;
    /// the others go on with the value they have. While the store cannot be read the last
    /// value stands (nothing can load new data into a store nobody can reach).
    pub async fn current(&self, store: &Store) -> (i64, bool) {
        let now = self.origin.elapsed().as_millis() as u64;
        let last = self.checked_ms.load(Ordering::Relaxed);
        let known = self.value.load(Ordering::Acquire);
        if now.saturating_sub(last) < self.every.as_millis() as u64 {
            return (known, false);
        }
        let Ok(_reading) = self.reading.try_lock() else {
            return (known, false);
        };
        let read = store.data_version().await;
        self.checked_ms
            .store(self.origin.elapsed().as_millis() as u64, Ordering::Relaxed);
        match read {
            Ok(v) => {
                let before = self.value.swap(v, Ordering::AcqRel);
                (v, before != v)
            }
            Err(e) => {
                tracing::debug!(error = %e, "data version not read; the last one stands");
                (known, false)
            }
        }
    }
}

/// One gate per key being computed, so concurrent misses of one key compute it once (the
/// others wait for the first, then find its result). A key's gate lives only while someone
/// holds or waits for it, so the map is bounded by the calls in flight.
pub(crate) struct Flights<K> {
    gates: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K> Default for Flights<K> {
    fn default() -> Self {
        Flights {
            gates: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Flights<K> {
    /// Waits until no other call is computing `key`; then the caller looks again (the call
    /// before it may have left the result) before computing it.
    pub async fn turn(&self, key: &K) -> Turn<'_, K> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            gates.entry(key.clone()).or_default().clone()
        };
        // The turn exists before the wait, so a caller cancelled while waiting still
        // forgets the key when it was the last one interested.
        let mut turn = Turn {
            flights: self,
            key: key.clone(),
            gate,
            held: None,
        };
        turn.held = Some(turn.gate.clone().lock_owned().await);
        turn
    }

    /// Calls holding or waiting for `key`'s gate.
    #[cfg(test)]
    pub fn interested(&self, key: &K) -> usize {
        let gates = self.gates.lock().unwrap();
        // The map holds one copy; a holder two (its own and its guard's).
        gates.get(key).map_or(0, |g| {
            Arc::strong_count(g) - 1 - usize::from(g.try_lock().is_err())
        })
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.gates.lock().unwrap().is_empty()
    }
}

/// The right to compute one key; dropping it (done, failed or cancelled, or cancelled while
/// waiting) lets the next waiter in.
pub(crate) struct Turn<'a, K: std::hash::Hash + Eq> {
    flights: &'a Flights<K>,
    key: K,
    gate: Arc<tokio::sync::Mutex<()>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<K: std::hash::Hash + Eq> Drop for Turn<'_, K> {
    fn drop(&mut self) {
        drop(self.held.take());
        let mut gates = self.flights.gates.lock().unwrap_or_else(|e| e.into_inner());
        // The map's copy and ours are the only ones left: nobody waits, forget the key.
        if Arc::strong_count(&self.gate) == 2 {
            gates.remove(&self.key);
        }
    }
}

type Entry<T> = (i64, Arc<Vec<T>>);

/// Decoded seasons, one version each (a season of another version is read again).
#[derive(Default)]
pub(crate) struct SeasonCache {
    games: Seasons<GameRecord>,
    boxes: Seasons<TeamBoxRecord>,
}

struct Seasons<T> {
    rows: Mutex<HashMap<i64, Entry<T>>>,
    /// A season is loaded once when many calls want it at once (a cold start under load).
    loading: Flights<i64>,
}

impl<T> Default for Seasons<T> {
    fn default() -> Self {
        Seasons {
            rows: Mutex::new(HashMap::new()),
            loading: Flights::default(),
        }
    }
}

impl<T> Seasons<T> {
    fn get(&self, season: i64, version: i64) -> Option<Arc<Vec<T>>> {
        match self.rows.lock().expect("cache lock").get(&season) {
            Some((v, rows)) if *v == version => Some(rows.clone()),
            _ => None,
        }
    }
}

/// The season's rows of `version` from `seasons`, else from `load` (then kept).
async fn season<T, F>(
    seasons: &Seasons<T>,
    metric: &str,
    season: i64,
    version: i64,
    load: F,
) -> Result<Arc<Vec<T>>, AppError>
where
    F: std::future::Future<Output = Result<Vec<T>, nba_store::StoreError>>,
{
    if let Some(rows) = seasons.get(season, version) {
        nba_ops::record_cache(metric, true);
        return Ok(rows);
    }
    nba_ops::record_cache(metric, false);
    let _turn = seasons.loading.turn(&season).await;
    if let Some(rows) = seasons.get(season, version) {
        return Ok(rows);
    }
    let fresh = Arc::new(load.await?);
    seasons
        .rows
        .lock()
        .expect("cache lock")
        .insert(season, (version, fresh.clone()));
    Ok(fresh)
}

impl SeasonCache {
    pub async fn games(
        &self,
        store: &Store,
        season_id: i64,
        version: i64,
    ) -> Result<Arc<Vec<GameRecord>>, AppError> {
        let load = store.season_games(season_id);
        season(&self.games, "season_games", season_id, version, load).await
    }

    pub async fn team_boxes(
        &self,
        store: &Store,
        season_id: i64,
        version: i64,
    ) -> Result<Arc<Vec<TeamBoxRecord>>, AppError> {
        let load = store.team_box_for_season(season_id);
        season(&self.boxes, "team_boxes", season_id, version, load).await
    }
}
