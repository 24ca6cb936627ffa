//! NBA MCP use-cases, shared by every transport (MCP over stdio and HTTP, the HTTP API). The
//! transports know their protocol; this crate knows basketball and the store.

pub mod access;
pub mod admin;
pub mod backups;
mod cache;
pub mod catalog;
pub mod demo;
mod error;
pub mod ingest;
pub mod models;
pub mod predict;
pub mod prompts;
pub mod resources;
pub mod rollout;
pub mod serving;
pub mod tools;
pub mod work;

use std::sync::Arc;

pub use access::{AccessConfig, AuthFailure, Caller, Transport};
pub use cache::answers::{Answer, AnswerCacheLimits};
pub use cache::models::{ModelCache, DEFAULT_MODEL_CACHE_ENTRIES};
pub use catalog::ToolSpec;
pub use error::AppError;
pub use nba_auth;
use nba_store::Store;
use serde_json::Value;
pub use work::Limits;

/// Where the served data comes from; shown on every result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    Real,
    Demo,
}

impl DataSource {
    pub fn label(self) -> &'static str {
        match self {
            DataSource::Real => "real",
            DataSource::Demo => "demo (simulated)",
        }
    }
}

/// The application: every use-case, over one store. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    data_source: DataSource,
    cache: cache::SeasonCache,
    version: cache::DataVersion,
    answers: cache::answers::AnswerCache,
    predictions: predict::PredictService,
    ops: std::sync::OnceLock<nba_ops::OpsHandle>,
    backups: std::sync::OnceLock<Arc<backups::Backups>>,
    access: access::Access,
    work: work::Work,
}

/// The answers put in the cache after a start and after each load.
const WARM_UP: &[(&str, &str)] = &[
    ("list_teams", "{}"),
    ("get_standings", "{}"),
    ("get_leaders", "{}"),
    ("get_team_stats", "{}"),
];

/// Name, version and instructions every transport reports.
pub const SERVER_NAME: &str = "nba-mcp";
pub const SERVER_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const INSTRUCTIONS: &str = "NBA data, analytics and history from a real database (FiveThirtyEight game data, CC BY 4.0, and NBA Stats box scores). \
Seasons are written \"2015-16\"; an integer means the year the season ends (2016 = 2015-16). \
Start with find_team or search_players to resolve names, then get_games, get_standings, get_team_stats, get_player_stats, get_leaders or head_to_head. \
Lists are bounded: follow next_cursor to page. Every result says its data_source; \"demo (simulated)\" data is invented.";

impl App {
    /// Builds the application over an opened store, without prediction models.
    pub async fn new(store: Store) -> Result<App, AppError> {
        App::open(store, None, AccessConfig::default()).await
    }

    /// Builds the application with a model store: loads the model (`config.spec`, usually
    /// `champion`), starts the prediction log writer, and keeps the model's state in step
    /// with the store. A missing or corrupted model leaves the prediction tools answering
    /// with an error that says so; everything else works.
    pub async fn with_models(store: Store, config: predict::ModelConfig) -> Result<App, AppError> {
        App::open(store, Some(config), AccessConfig::default()).await
    }

    /// Builds the application with optional models (see `with_models`) and access control
    /// configuration. Starts the audit writer; call `close` on shutdown to flush it.
    pub async fn open(
        store: Store,
        models: Option<predict::ModelConfig>,
        access: AccessConfig,
    ) -> Result<App, AppError> {
        App::open_with_limits(store, models, access, Limits::default()).await
    }

    /// [`App::open`] with explicit limits (deadlines, concurrency, answer size).
    pub async fn open_with_limits(
        store: Store,
        models: Option<predict::ModelConfig>,
        access: AccessConfig,
        limits: Limits,
    ) -> Result<App, AppError> {
        let with_models = models.is_some();
        let app = App::build(store, models, access, limits).await?;
        if with_models {
            app.refresh_models().await?;
        }
        Ok(app)
    }

    async fn build(
        store: Store,
        models: Option<predict::ModelConfig>,
        access: AccessConfig,
        limits: Limits,
    ) -> Result<App, AppError> {
        let logger = models.as_ref().map(|_| {
            predict::PredictionLogger::start(store.clone(), limits.prediction_log_max_per_s)
        });
        let data_source = match store.data_source().await? {
            Some(s) if s == "demo" => DataSource::Demo,
            _ => DataSource::Real,
        };
        Ok(App {
            inner: Arc::new(Inner {
                store: store.clone(),
                data_source,
                cache: Default::default(),
                version: cache::DataVersion::open(&store, limits.data_version_every).await?,
                answers: cache::answers::AnswerCache::new(&limits.answer_cache),
                predictions: predict::PredictService::new(models, logger),
                ops: std::sync::OnceLock::new(),
                backups: std::sync::OnceLock::new(),
                access: access::Access::start(&store, access, &limits),
                work: work::Work::new(limits),
            }),
        })
    }

    /// Attaches the running operations layer (health, alerts) for the tools that report it.
    pub fn attach_ops(&self, ops: nba_ops::OpsHandle) {
        let _ = self.inner.ops.set(ops);
    }

    /// Attaches the backup service (the configured destination) for the backup tools.
    pub fn attach_backups(&self, backups: Arc<backups::Backups>) {
        let _ = self.inner.backups.set(backups);
    }

    pub(crate) fn ops(&self) -> Result<&nba_ops::OpsHandle, AppError> {
        self.inner.ops.get().ok_or_else(|| {
            AppError::NotFound("health checks and alerts are not running in this process".into())
        })
    }

    pub(crate) fn access(&self) -> &access::Access {
        &self.inner.access
    }

    pub(crate) fn work(&self) -> &work::Work {
        &self.inner.work
    }

    /// The limits this application enforces.
    pub fn limits(&self) -> &Limits {
        &self.inner.work.limits
    }

    /// Runs CPU-heavy `f` for `caller` on the bounded CPU pool, under the call's deadline.
    pub(crate) async fn cpu<T, F>(&self, caller: &Caller, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&work::Cancel) -> Result<T, AppError> + Send + 'static,
    {
        self.inner.work.cpu(&caller.principal.id, f).await
    }

    pub(crate) fn predictions(&self) -> &predict::PredictService {
        &self.inner.predictions
    }

    /// Reloads the model and its state if the store's data changed since the last load.
    /// Serves the running roll-out, if any, and lets its guards judge it.
    pub async fn refresh_models(&self) -> Result<(), AppError> {
        self.inner.predictions.refresh(&self.inner.store).await?;
        if self.inner.predictions.registry().is_some() {
            self.sync_rollout().await?;
        }
        Ok(())
    }

    /// Why predictions are unavailable, if they are (for health checks).
    pub fn model_problem(&self) -> Option<String> {
        self.inner.predictions.problem()
    }

    /// The served model and the date its data runs to, if one is loaded.
    pub fn model_info(&self) -> Option<(String, String, Option<String>)> {
        self.inner.predictions.current().ok().map(|s| {
            (
                s.artifact.name.clone(),
                s.artifact.version.clone(),
                s.live.data_through().map(|d| d.to_string()),
            )
        })
    }

    /// (written, dropped) prediction log entries.
    pub fn prediction_log_stats(&self) -> Option<(u64, u64)> {
        self.inner.predictions.logger.as_ref().map(|l| l.stats())
    }

    /// Flushes the prediction log and the audit log; call on shutdown.
    pub async fn close(&self) {
        if let Some(l) = &self.inner.predictions.logger {
            l.close().await;
        }
        self.flush_audit().await;
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Every game of a season, date order, cached per data version.
    pub async fn season_games(
        &self,
        season: i64,
    ) -> Result<Arc<Vec<nba_store::GameRecord>>, AppError> {
        let version = self.data_version().await;
        self.inner
            .cache
            .games(&self.inner.store, season, version)
            .await
    }

    /// Team box lines of a season, cached per data version.
    pub async fn season_team_boxes(
        &self,
        season: i64,
    ) -> Result<Arc<Vec<nba_store::TeamBoxRecord>>, AppError> {
        let version = self.data_version().await;
        self.inner
            .cache
            .team_boxes(&self.inner.store, season, version)
            .await
    }

    /// The data version (the latest ingest run), read from the store at most once per
    /// `data_version_every`. When it changed, the answer cache is emptied and warmed again.
    pub(crate) async fn data_version(&self) -> i64 {
        let (version, changed) = self.inner.version.current(&self.inner.store).await;
        if changed {
            self.data_changed();
        }
        version
    }

    fn data_changed(&self) {
        self.inner.answers.clear();
        tracing::info!("data changed: answer cache emptied");
        let app = self.clone();
        tokio::spawn(async move { app.warm_up().await });
    }

    pub(crate) fn answers(&self) -> &cache::answers::AnswerCache {
        &self.inner.answers
    }

    pub(crate) fn answers_enabled(&self) -> bool {
        self.limits().answer_cache.entries > 0
    }

    /// Fills the answer cache with the answers most asked for (today's teams, the latest
    /// standings and leaders), so the first callers after a start or a load do not wait.
    pub async fn warm_up(&self) {
        if !self.answers_enabled() {
            return;
        }
        let caller = Caller::new(
            Arc::new(access::local_principal(nba_auth::Role::Viewer)),
            Transport::Cli,
            "warm-up".into(),
        );
        for (name, args) in WARM_UP {
            let Some((spec, handler)) = tools::registry().find(name) else {
                continue;
            };
            let args: Value = serde_json::from_str(args).expect("warm-up arguments are JSON");
            if let Err(e) = self.run_tool(&caller, spec, handler, args).await {
                tracing::debug!(tool = name, error = %e, "warm-up call failed");
            }
        }
    }

    pub fn data_source(&self) -> DataSource {
        self.inner.data_source
    }

    /// Every tool, in a stable order.
    pub fn tools(&self) -> &'static [ToolSpec] {
        catalog::tools()
    }

    /// Calls a tool for `caller` with JSON arguments (an object, or null for none): rate
    /// limit, permission check, then the tool; every call is audited with its outcome.
    /// Arguments are validated before any query runs. The result is a JSON object that
    /// includes `data_source`.
    pub async fn call_tool(
        &self,
        caller: &Caller,
        name: &str,
        args: Value,
    ) -> Result<Value, AppError> {
        Ok(self.call_tool_answer(caller, name, args).await?.to_value())
    }

    /// [`App::call_tool`] with the answer as encoded JSON (what the HTTP API sends as is).
    pub async fn call_tool_answer(
        &self,
        caller: &Caller,
        name: &str,
        args: Value,
    ) -> Result<Answer, AppError> {
        let started = std::time::Instant::now();
        let Some((spec, handler)) = tools::registry().find(name) else {
            // Nothing runs for a name outside the catalog; the list is what the caller may use.
            return Err(AppError::UnknownName(format!(
                "no tool '{name}'; available: {}",
                self.tools_for(&caller.principal)
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        self.rate_limit(caller, "tools/call")?;
        self.authorize(caller, spec.permission, "tools/call", name)?;
        let result = self.run_tool(caller, spec, handler, args).await;
        self.audit(
            caller,
            "tools/call",
            name,
            &match &result {
                Ok(_) => std::borrow::Cow::Borrowed("ok"),
                Err(e) => format!("error:{}", e.code()).into(),
            },
        );
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.code());
        nba_ops::record_tool_call(name, outcome, started.elapsed());
        tracing::info!(
            tool = name,
            outcome = outcome.err().unwrap_or("ok"),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "tool call"
        );
        result
    }

    /// Runs tool `T` for a caller already checked by the caller of this function (resource
    /// reads rate-limit, authorize and audit the read itself).
    pub(crate) async fn run_checked<T: tools::Tool>(
        &self,
        caller: &Caller,
        args: Value,
    ) -> Result<Value, AppError> {
        let (spec, handler) = tools::registry()
            .find(T::NAME)
            .ok_or_else(|| AppError::Internal(format!("tool {} is not registered", T::NAME)))?;
        Ok(self.run_tool(caller, spec, handler, args).await?.to_value())
    }

    /// The tool itself, admitted against the concurrency caps, under the call deadline;
    /// its answer is encoded under the size limit (or comes from the answer cache).
    async fn run_tool(
        &self,
        caller: &Caller,
        spec: &'static ToolSpec,
        handler: tools::Handler,
        args: Value,
    ) -> Result<Answer, AppError> {
        let _slot = self.work().admit(&caller.principal.id)?;
        let limits = self.limits();
        let deadline = std::time::Instant::now() + limits.tool_timeout;
        let cx = tools::Ctx { app: self, caller };
        let run = work::with_deadline(deadline, handler(spec, cx, args));
        match tokio::time::timeout_at(deadline.into(), run).await {
            Ok(result) => result.map_err(|e| e.or_busy(self.store())),
            Err(_) => Err(work::timeout_error()),
        }
    }
}

/// Counts work refused at a limit (`nba_mcp_shed_total{reason}`).
pub fn record_shed(reason: &str) {
    nba_ops::record_shed(reason);
}

/// Counts one JSON-RPC message posted to `/mcp` by the path that answered it.
pub fn record_mcp_message(path: &str) {
    nba_ops::record_mcp_message(path);
}

/// Sets the gauge of open MCP sessions (the MCP transport keeps them).
pub fn record_open_sessions(n: usize) {
    nba_ops::metrics().mcp_sessions.set(n as i64);
}
