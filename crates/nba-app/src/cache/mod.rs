//! In-memory caches, all keyed by the data version: the store's latest ingest run, kept in
//! memory and asked of the store at most once per `DataVersion::every` (default 1 s), so a
//! load by this or another process is seen within that time, and a cache hit costs no
//! database round trip.
//!
//! - per-season games and team box lines (standings and team stats read a whole season;
//!   decoding it once per data version instead of per request keeps them fast);
//! - the answers of data tools ([`answers::AnswerCache`]);
//! - loaded model artifacts live in the model cache of `predict`.

pub mod answers;
pub mod lru;

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

    /// Reads the store now (after this process loaded data); true if the version changed.
    pub async fn reread(&self, store: &Store) -> Result<bool, AppError> {
        let _reading = self.reading.lock().await;
        let v = store.data_version().await?;
        self.checked_ms
            .store(self.origin.elapsed().as_millis() as u64, Ordering::Relaxed);
        Ok(self.value.swap(v, Ordering::AcqRel) != v)
    }
}

type Entry<T> = (i64, Arc<Vec<T>>);

#[derive(Default)]
/// Decoded seasons, one version each (a season of another version is read again).
pub(crate) struct SeasonCache {
    games: Mutex<HashMap<i64, Entry<GameRecord>>>,
    boxes: Mutex<HashMap<i64, Entry<TeamBoxRecord>>>,
}

impl SeasonCache {
    pub async fn games(
        &self,
        store: &Store,
        season: i64,
        version: i64,
    ) -> Result<Arc<Vec<GameRecord>>, AppError> {
        if let Some((v, g)) = self.games.lock().expect("cache lock").get(&season) {
            if *v == version {
                nba_ops::record_cache("season_games", true);
                return Ok(g.clone());
            }
        }
        nba_ops::record_cache("season_games", false);
        let fresh = Arc::new(store.season_games(season).await?);
        self.games
            .lock()
            .expect("cache lock")
            .insert(season, (version, fresh.clone()));
        Ok(fresh)
    }

    pub async fn team_boxes(
        &self,
        store: &Store,
        season: i64,
        version: i64,
    ) -> Result<Arc<Vec<TeamBoxRecord>>, AppError> {
        if let Some((v, b)) = self.boxes.lock().expect("cache lock").get(&season) {
            if *v == version {
                nba_ops::record_cache("team_boxes", true);
                return Ok(b.clone());
            }
        }
        nba_ops::record_cache("team_boxes", false);
        let fresh = Arc::new(store.team_box_for_season(season).await?);
        self.boxes
            .lock()
            .expect("cache lock")
            .insert(season, (version, fresh.clone()));
        Ok(fresh)
    }
}
