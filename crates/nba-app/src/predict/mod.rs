//! Serving predictions: the champion model with its feature state kept up to date with the
//! store, predictions as of any date (past dates replay only the games before them), and a
//! log of every served prediction written off the request path.

mod logger;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use nba_model::{Artifact, GameInput, ModelStore, Predictor};
use nba_store::{GameRecord, Store};

pub use logger::PredictionLogger;

use crate::AppError;

/// Where models come from.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The model store folder (`models/<name>/<version>.json`, `aliases.json`).
    pub model_store: PathBuf,
    /// Alias or `name@version`; default `champion`.
    pub spec: String,
}

/// A loaded model with the state after every finished game in the store.
pub(crate) struct Serving {
    pub artifact: Artifact,
    pub live: Arc<Predictor>,
    /// Every game in the store (finished and scheduled), in date order.
    pub games: Arc<Vec<GameInput>>,
    pub data_version: i64,
    /// Training-like reference values of each model feature (finished games of the last two
    /// seasons in the store), for drift checks against served predictions.
    pub reference: BTreeMap<String, Vec<f64>>,
    /// Predictors as of past dates, built on demand (at most a few kept).
    past: Mutex<HashMap<NaiveDate, Arc<Predictor>>>,
}

impl Serving {
    /// The predictor that knows exactly the games before `date` (none on or after it).
    pub fn as_of(&self, date: NaiveDate) -> Result<Arc<Predictor>, AppError> {
        if self.live.data_through().is_none_or(|d| d < date) {
            return Ok(self.live.clone());
        }
        if let Some(p) = self.past.lock().expect("lock").get(&date) {
            return Ok(p.clone());
        }
        let cut = self.games.partition_point(|g| g.date < date);
        let p = Arc::new(
            Predictor::new(&self.artifact, &self.games[..cut])
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        let mut past = self.past.lock().expect("lock");
        if past.len() >= 16 {
            past.clear();
        }
        past.insert(date, p.clone());
        Ok(p)
    }
}

/// Model state shared by the prediction tools.
pub(crate) struct PredictService {
    config: Option<ModelConfig>,
    state: RwLock<Option<Arc<Serving>>>,
    /// Why no model is loaded, for errors and health.
    problem: RwLock<Option<String>>,
    pub logger: Option<PredictionLogger>,
}

pub(crate) fn game_input(r: &GameRecord) -> Result<GameInput, AppError> {
    Ok(GameInput {
        date: NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
            .map_err(|e| AppError::Internal(format!("game {}: bad date: {e}", r.id)))?,
        season: r.season,
        stage: r
            .stage
            .parse()
            .map_err(|e| AppError::Internal(format!("game {}: {e}", r.id)))?,
        neutral: r.neutral,
        home_id: r.home_id,
        away_id: r.away_id,
        home_score: r.home_score,
        away_score: r.away_score,
    })
}

impl PredictService {
    pub fn new(config: Option<ModelConfig>, logger: Option<PredictionLogger>) -> PredictService {
        PredictService {
            problem: RwLock::new(Some(match &config {
                Some(_) => "the model has not been loaded yet".into(),
                None => "no model store is configured".into(),
            })),
            config,
            state: RwLock::new(None),
            logger,
        }
    }

    pub fn current(&self) -> Result<Arc<Serving>, AppError> {
        if let Some(s) = self.state.read().expect("lock").clone() {
            return Ok(s);
        }
        let why = self
            .problem
            .read()
            .expect("lock")
            .clone()
            .unwrap_or_default();
        Err(AppError::NotFound(format!(
            "no prediction model is loaded ({why}); train one with `nba-mcp train --seasons 1997-2026 --alias champion`"
        )))
    }

    pub fn problem(&self) -> Option<String> {
        self.problem.read().expect("lock").clone()
    }

    /// (Re)loads the model and rebuilds the state when the store's data changed. Cheap when
    /// nothing changed (one query).
    pub async fn refresh(&self, store: &Store) -> Result<(), AppError> {
        let Some(config) = &self.config else {
            return Ok(());
        };
        let version = store.data_version().await?;
        if let Some(s) = self.state.read().expect("lock").as_ref() {
            if s.data_version == version {
                return Ok(());
            }
        }
        let models = ModelStore::new(config.model_store.clone());
        let artifact = match models.resolve(&config.spec) {
            Ok(a) => a,
            Err(e) => {
                // A corrupted or missing artifact never replaces a model that serves.
                tracing::error!(error = %e, spec = %config.spec, "cannot load model");
                *self.problem.write().expect("lock") = Some(e.to_string());
                return Ok(());
            }
        };
        let mut rows: Vec<GameRecord> = Vec::new();
        for season in store.seasons().await? {
            rows.extend(store.season_games(season).await?);
        }
        rows.sort_by(|a, b| a.date.cmp(&b.date));
        let games: Vec<GameInput> = rows.iter().map(game_input).collect::<Result<_, _>>()?;
        let finished: Vec<GameInput> = games.iter().filter(|g| g.is_final()).cloned().collect();
        let (live, reference) = tokio::task::spawn_blocking({
            let artifact = artifact.clone();
            move || {
                let reference = reference_values(&artifact, &finished);
                Predictor::new(&artifact, &finished).map(|p| (p, reference))
            }
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
        tracing::info!(model = %artifact.name, version = %artifact.version, data_through = ?live.data_through(), "prediction model ready");
        *self.state.write().expect("lock") = Some(Arc::new(Serving {
            artifact,
            live: Arc::new(live),
            games: Arc::new(games),
            data_version: version,
            reference,
            past: Mutex::new(HashMap::new()),
        }));
        *self.problem.write().expect("lock") = None;
        Ok(())
    }
}

/// Values of the model's features over the finished games of the last two seasons, each
/// computed from the games before it (what the model saw in its latest training data).
fn reference_values(artifact: &Artifact, finished: &[GameInput]) -> BTreeMap<String, Vec<f64>> {
    let last = finished.last().map(|g| g.season).unwrap_or(0);
    let mut out: BTreeMap<String, Vec<f64>> = artifact
        .features
        .iter()
        .map(|f| (f.clone(), Vec::new()))
        .collect();
    let mut pipeline = nba_model::Pipeline::new(artifact.feature_config);
    pipeline.run(finished, |i, features| {
        if finished[i].season + 1 >= last {
            for (name, values) in out.iter_mut() {
                if let Some(v) = features.get(name) {
                    values.push(v);
                }
            }
        }
    });
    out
}
