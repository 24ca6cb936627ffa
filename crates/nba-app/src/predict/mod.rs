//! Serving predictions: the champion model with its feature state kept up to date with the
//! store, predictions as of any date (past dates replay only the games before them), and a
//! log of every served prediction written off the request path.

mod logger;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use nba_model::{Artifact, GameInput, ModelRef, Predictor};
use nba_registry::ModelRegistry;
use nba_store::Store;

pub use logger::PredictionLogger;

use crate::work::Cancel;
use crate::AppError;

/// Where models come from.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The model registry (artifacts and aliases).
    pub registry: Arc<dyn ModelRegistry>,
    /// Alias or `name@version`; default `champion`.
    pub spec: String,
}

/// A loaded model with the state after every finished game in the store.
pub(crate) struct Serving {
    pub model: ModelRef,
    pub artifact: Artifact,
    pub live: Arc<Predictor>,
    /// Every game in the store (finished and scheduled), in date order.
    pub games: Arc<Vec<GameInput>>,
    pub data_version: i64,
    /// Training-like reference values of each model feature (finished games of the last two
    /// seasons in the store), for drift checks against served predictions.
    pub reference: BTreeMap<String, Vec<f64>>,
    /// The state before the games of a date, every `CHECKPOINT_GAMES` games or so: a past
    /// date replays at most that many games from the checkpoint before it.
    checkpoints: Vec<Checkpoint>,
    /// The last `REPLAY_GAMES` finished games walk-forward: (home-win probability from the
    /// games before it, whether the home team won). A roll-out's staging check compares two
    /// versions on these games.
    pub replay: Vec<(f64, bool)>,
}

/// Finished games a staging check replays.
pub const REPLAY_GAMES: usize = 500;

struct Checkpoint {
    /// The state holds exactly the games before this date...
    date: NaiveDate,
    /// ...which are `games[..index]`.
    index: usize,
    predictor: Predictor,
}

/// Games between checkpoints: bounds the replay of any past date (~0.1 ms per 1000 games).
const CHECKPOINT_GAMES: usize = 1000;

/// How often replay loops check their deadline.
const CHECK_EVERY: usize = 256;

impl Serving {
    /// Builds the live state and the checkpoints in one pass over `games` (date order).
    fn build(
        artifact: Artifact,
        games: Arc<Vec<GameInput>>,
        data_version: i64,
    ) -> Result<Serving, AppError> {
        let empty =
            Predictor::new(&artifact, &[]).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut live = empty;
        let mut checkpoints = Vec::new();
        let mut since = CHECKPOINT_GAMES;
        let finals = games.iter().filter(|g| g.home_won().is_some()).count();
        let mut seen = 0;
        let mut replay = Vec::with_capacity(finals.min(REPLAY_GAMES));
        for (i, g) in games.iter().enumerate() {
            if let Some(won) = g.home_won() {
                seen += 1;
                if seen + REPLAY_GAMES > finals {
                    replay.push((live.predict(g).prob_home, won));
                }
            }
            let new_date = i == 0 || games[i - 1].date < g.date;
            if new_date && since >= CHECKPOINT_GAMES {
                checkpoints.push(Checkpoint {
                    date: g.date,
                    index: i,
                    predictor: live.clone(),
                });
                since = 0;
            }
            live.apply(g);
            since += 1;
        }
        let finished: Vec<GameInput> = games.iter().filter(|g| g.is_final()).cloned().collect();
        let reference = reference_values(&artifact, &finished);
        Ok(Serving {
            model: ModelRef::of(&artifact),
            artifact,
            live: Arc::new(live),
            games,
            data_version,
            reference,
            checkpoints,
            replay,
        })
    }

    /// The predictor that knows exactly the games before `date` (none on or after it).
    /// Replays at most `CHECKPOINT_GAMES` games; stops when `cancel` fires.
    pub fn as_of(&self, date: NaiveDate, cancel: &Cancel) -> Result<Arc<Predictor>, AppError> {
        if self.needs_no_replay(date) {
            return Ok(self.live.clone());
        }
        let mut walk = self.walker();
        Ok(Arc::new(walk.advance_to(date, cancel)?.clone()))
    }

    /// Whether `date` is after every result, so the live state answers for it.
    pub fn needs_no_replay(&self, date: NaiveDate) -> bool {
        self.live.data_through().is_none_or(|d| d < date)
    }

    /// A cursor over past dates, for many predictions in date order.
    pub fn walker(&self) -> Walker<'_> {
        Walker {
            serving: self,
            state: None,
        }
    }
}

/// Walks the history forward: `advance_to(d)` for dates in any order, cheapest in
/// ascending order (each game is applied once between checkpoints).
pub(crate) struct Walker<'a> {
    serving: &'a Serving,
    /// The state with `games[..index]` applied.
    state: Option<(usize, Predictor)>,
}

impl Walker<'_> {
    pub fn advance_to(&mut self, date: NaiveDate, cancel: &Cancel) -> Result<&Predictor, AppError> {
        let s = self.serving;
        if s.needs_no_replay(date) {
            return Ok(&s.live);
        }
        let cut = s.games.partition_point(|g| g.date < date);
        let k = s.checkpoints.partition_point(|c| c.date <= date);
        let checkpoint = k.checked_sub(1).map(|k| &s.checkpoints[k]);
        let reusable = matches!(&self.state, Some((index, _)) if *index <= cut
            && checkpoint.is_none_or(|c| *index >= c.index));
        if !reusable {
            self.state = Some(match checkpoint {
                Some(c) => (c.index, c.predictor.clone()),
                None => (
                    0,
                    Predictor::new(&s.artifact, &[])
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                ),
            });
        }
        let (index, predictor) = self.state.as_mut().expect("state was just set");
        for (n, g) in s.games[*index..cut].iter().enumerate() {
            if n % CHECK_EVERY == 0 {
                cancel.check()?;
            }
            predictor.apply(g);
        }
        *index = cut;
        Ok(predictor)
    }
}

/// Model state shared by the prediction tools: every model being served, keyed by name and
/// version, and which of them answers (today: the one `spec` names; a roll-out serves more).
pub(crate) struct PredictService {
    config: Option<ModelConfig>,
    state: RwLock<Served>,
    /// Why no model is loaded, for errors and health.
    problem: RwLock<Option<String>>,
    pub logger: Option<PredictionLogger>,
}

impl PredictService {
    pub fn new(config: Option<ModelConfig>, logger: Option<PredictionLogger>) -> PredictService {
        PredictService {
            problem: RwLock::new(Some(match &config {
                Some(_) => "the model has not been loaded yet".into(),
                None => "no model store is configured".into(),
            })),
            config,
            state: RwLock::new(Served::default()),
            logger,
        }
    }

    /// Which model answers a prediction of `game` for `principal` (and which other one is
    /// compared with it): the champion outside roll-outs.
    pub fn route(
        &self,
        game: &GameInput,
        principal: &str,
    ) -> Result<crate::rollout::Route, AppError> {
        let state = self.state.read().expect("lock");
        if let Some(active) = state.active() {
            return Ok(crate::rollout::Route::of(
                active,
                state.rollout.as_ref(),
                game,
                principal,
            ));
        }
        drop(state);
        self.current()
            .map(|s| crate::rollout::Route::of(s, None, game, principal))
    }

    /// The roll-out being served, if any.
    pub fn rollout(&self) -> Option<Arc<crate::rollout::LiveRollout>> {
        self.state.read().expect("lock").rollout.clone()
    }

    /// Serves `rollout` (none: ends the one being served). Models nothing routes to any
    /// more are dropped.
    pub fn set_rollout(&self, rollout: Option<Arc<crate::rollout::LiveRollout>>) {
        let mut state = self.state.write().expect("lock");
        if let Some(r) = &rollout {
            state
                .models
                .insert(r.candidate.model.clone(), r.candidate.clone());
        }
        state.rollout = rollout;
        state.prune();
    }

    /// `model` with the state after every game in the store: the copy being served or kept
    /// warm when it is current, else loaded from the registry and built.
    pub async fn serving_of(
        &self,
        store: &Store,
        model: &ModelRef,
    ) -> Result<Arc<Serving>, AppError> {
        let config = self.config.as_ref().ok_or_else(|| {
            AppError::NotFound("this server has no model store configured".into())
        })?;
        let version = store.data_version().await?;
        if let Some(s) = self.warm_copy(model, version) {
            return Ok(s);
        }
        let artifact = config.registry.load(model).await?;
        self.build(store, artifact, version).await
    }

    /// The copy of `model` held now, if it is built on data version `version`.
    fn warm_copy(&self, model: &ModelRef, version: i64) -> Option<Arc<Serving>> {
        let state = self.state.read().expect("lock");
        state
            .models
            .get(model)
            .filter(|s| s.data_version == version)
            .cloned()
    }

    /// Builds the serving state of `artifact` over the store's games (shared with a held
    /// model built on the same data version), off the runtime.
    async fn build(
        &self,
        store: &Store,
        artifact: Artifact,
        version: i64,
    ) -> Result<Arc<Serving>, AppError> {
        let games = {
            let state = self.state.read().expect("lock");
            state
                .models
                .values()
                .find(|s| s.data_version == version)
                .map(|s| s.games.clone())
        };
        let games = match games {
            Some(g) => g,
            None => Arc::new(
                crate::models::store_games(store)
                    .await?
                    .iter()
                    .map(crate::models::game_input)
                    .collect::<Result<_, _>>()?,
            ),
        };
        let serving = tokio::task::spawn_blocking(move || Serving::build(artifact, games, version))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        Ok(Arc::new(serving))
    }

    pub fn current(&self) -> Result<Arc<Serving>, AppError> {
        if let Some(s) = self.state.read().expect("lock").active() {
            return Ok(s);
        }
        let why = self
            .problem
            .read()
            .expect("lock")
            .clone()
            .unwrap_or_default();
        Err(AppError::Unavailable {
            message: format!(
                "predictions are unavailable: no prediction model is loaded ({why}); an operator can train one with `nba-mcp train --seasons 1997-2026 --alias champion`"
            ),
            retry_after_s: 30,
        })
    }

    pub fn problem(&self) -> Option<String> {
        self.problem.read().expect("lock").clone()
    }

    /// The registry serving reads, if models are configured.
    pub fn registry(&self) -> Option<&Arc<dyn ModelRegistry>> {
        self.config.as_ref().map(|c| &c.registry)
    }

    /// The alias or `name@version` serving follows, if models are configured.
    pub fn spec(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.spec.as_str())
    }

    /// Serves the model `spec` names now, with the state after every game in the store.
    /// Cheap when nothing changed (one query and a read of the aliases): a promotion (the
    /// alias moved) is picked up without new data, new data without a new model, and a
    /// model that fails to load never replaces one that serves.
    pub async fn refresh(&self, store: &Store) -> Result<(), AppError> {
        let Some(config) = &self.config else {
            return Ok(());
        };
        let version = store.data_version().await?;
        let wanted = match config.registry.resolve_ref(&config.spec).await {
            Ok(r) => r,
            Err(e) => {
                return {
                    self.cannot_load(&config.spec, e);
                    Ok(())
                }
            }
        };
        let current = self.state.read().expect("lock").active();
        if let Some(s) = &current {
            if s.data_version == version && s.model == wanted {
                return Ok(());
            }
        }
        // A version kept warm (the one before a promotion, a roll-out's candidate) is served
        // at once; anything else is loaded and built.
        let serving = match self.warm_copy(&wanted, version) {
            Some(s) => s,
            None => match config.registry.load(&wanted).await {
                Ok(artifact) => self.build(store, artifact, version).await?,
                Err(e) => {
                    return {
                        self.cannot_load(&config.spec, e);
                        Ok(())
                    }
                }
            },
        };
        let promoted = current.as_ref().is_some_and(|s| s.model != serving.model);
        tracing::info!(model = %serving.model, promoted, data_through = ?serving.live.data_through(), "prediction model ready");
        self.state.write().expect("lock").serve(serving);
        *self.problem.write().expect("lock") = None;
        Ok(())
    }

    fn cannot_load(&self, spec: &str, e: nba_model::ModelError) {
        tracing::error!(error = %e, spec, "cannot load model");
        *self.problem.write().expect("lock") = Some(e.to_string());
    }
}

/// The models being served, by name and version: the one that answers, the one it replaced
/// (kept warm, so a rollback is served at once), and a roll-out's candidate.
#[derive(Default)]
struct Served {
    models: BTreeMap<ModelRef, Arc<Serving>>,
    active: Option<ModelRef>,
    warm: Option<ModelRef>,
    rollout: Option<Arc<crate::rollout::LiveRollout>>,
}

impl Served {
    fn active(&self) -> Option<Arc<Serving>> {
        self.models.get(self.active.as_ref()?).cloned()
    }

    /// Serves `s` from now on; the model it replaces is kept warm, and models nothing
    /// routes to any more are dropped, so the map holds at most three.
    fn serve(&mut self, s: Arc<Serving>) {
        let model = s.model.clone();
        let data_version = s.data_version;
        self.models.insert(model.clone(), s);
        if self.active.as_ref() != Some(&model) {
            self.warm = self.active.take();
        }
        self.active = Some(model);
        // A warm copy built on older data would answer from stale state: dropped.
        if let Some(w) = &self.warm {
            if self
                .models
                .get(w)
                .is_none_or(|s| s.data_version != data_version)
            {
                self.warm = None;
            }
        }
        self.prune();
    }

    fn prune(&mut self) {
        let candidate = self.rollout.as_ref().map(|r| r.candidate.model.clone());
        let keep = [self.active.clone(), self.warm.clone(), candidate];
        self.models
            .retain(|m, _| keep.iter().flatten().any(|k| k == m));
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
