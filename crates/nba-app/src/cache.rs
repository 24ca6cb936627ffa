//! Per-season caches of games and team box lines. Standings and team stats read a whole
//! season; decoding it once per data version instead of per request keeps them fast. The
//! version is the store's latest ingest run, checked per request, so a load by another
//! process is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use nba_store::{GameRecord, Store, TeamBoxRecord};

use crate::AppError;

type Entry<T> = (i64, Arc<Vec<T>>);

#[derive(Default)]
pub(crate) struct SeasonCache {
    games: Mutex<HashMap<i64, Entry<GameRecord>>>,
    boxes: Mutex<HashMap<i64, Entry<TeamBoxRecord>>>,
}

impl SeasonCache {
    pub async fn games(
        &self,
        store: &Store,
        season: i64,
    ) -> Result<Arc<Vec<GameRecord>>, AppError> {
        let version = store.data_version().await?;
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
    ) -> Result<Arc<Vec<TeamBoxRecord>>, AppError> {
        let version = store.data_version().await?;
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
