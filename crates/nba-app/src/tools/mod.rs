//! The tools: argument types, output types and the use-cases behind them.

mod access;
mod args;
mod backups;
mod compute;
mod games;
mod h2h;
mod models;
mod ops;
mod players;
pub(crate) mod predict;
mod rollouts;
mod simulate;
mod standings;
mod team_stats;
mod teams;

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use nba_auth::Permission;

use crate::access::Caller;
use crate::cache::answers::{encode, Answer};
use crate::catalog::{self, ToolSpec};
use crate::{App, AppError};

pub use access::{AuditLog, ListAccounts, QuerySql, RevokeApiKey, Whoami};
pub use backups::{BackupCreate, BackupList, BackupVerify};
pub use compute::ComputeMetrics;
pub use games::{GetGame, GetGames};
pub use h2h::HeadToHead;
pub use models::{ListModels, PromoteModel, RollbackModel};
pub use ops::{DriftOutput, DriftReport, ListAlerts, SystemHealth};
pub use players::{GetLeaders, GetPlayerStats, SearchPlayers};
pub use predict::{GetPowerRankings, PredictGame, PredictGames};
pub use rollouts::{AdvanceRollout, RolloutStatus, StartRollout, StopRollout};
pub use simulate::SimulateSeason;
pub use standings::GetStandings;
pub use team_stats::GetTeamStats;
pub use teams::{FindTeam, ListTeams};

/// One tool, declared in one place: its name, description, permission, hints, input and
/// output types, and its handler. The registry below is the only list of tools; the catalog,
/// `tools/list`, OpenAPI, dispatch and resources all read it.
pub trait Tool: 'static {
    const NAME: &'static str;
    const TITLE: &'static str;
    const DESCRIPTION: &'static str;
    /// The permission a caller needs; `None`: any authenticated caller. Every tool says
    /// which, so a new tool cannot be open by omission.
    const PERMISSION: Option<Permission>;
    /// Reads only (hosts may auto-approve it); `false` for tools that change state.
    const READ_ONLY: bool = true;
    /// Changes state in a way that cannot be undone (default: every writing tool).
    const DESTRUCTIVE: bool = !Self::READ_ONLY;
    /// A repeated call with the same arguments changes nothing more.
    const IDEMPOTENT: bool = true;
    /// The answer depends only on the arguments and the data (not on the caller, the clock
    /// or a model): kept in the answer cache per data version.
    const CACHEABLE: bool = false;
    type Input: DeserializeOwned + JsonSchema + Send + std::fmt::Debug;
    type Output: Serialize + JsonSchema + Send;

    /// Runs the tool. Only [`App::call_tool`] (after rate limit, permission and audit) and
    /// resource reads (after the same checks) can build the [`Ctx`] it needs.
    fn run(
        cx: Ctx<'_>,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Output, AppError>> + Send;
}

/// What a tool runs with: the application and the caller (principal, request id). Built only
/// inside this crate, behind the checks every call goes through.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub(crate) app: &'a App,
    pub(crate) caller: &'a Caller,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub(crate) type Handler =
    for<'a> fn(&'static ToolSpec, Ctx<'a>, Value) -> BoxFuture<'a, Result<Answer, AppError>>;

/// Every tool, in a stable order: specs and handlers side by side.
pub(crate) struct Registry {
    specs: Vec<ToolSpec>,
    handlers: Vec<Handler>,
}

fn entry<T: Tool>() -> (ToolSpec, Handler) {
    let spec = catalog::spec::<T::Input, T::Output>(
        T::NAME,
        T::TITLE,
        T::DESCRIPTION,
        T::PERMISSION,
        (T::READ_ONLY, T::DESTRUCTIVE, T::IDEMPOTENT),
    );
    (spec, handle::<T>)
}

fn handle<'a, T: Tool>(
    spec: &'static ToolSpec,
    cx: Ctx<'a>,
    args: Value,
) -> BoxFuture<'a, Result<Answer, AppError>> {
    Box::pin(async move {
        let input: T::Input = args::parse(spec.name, &spec.input_schema, args)?;
        let app = cx.app;
        let (limit, source) = (app.limits().max_answer_bytes, app.data_source().label());
        if !T::CACHEABLE || !app.answers_enabled() {
            let output = T::run(cx, input).await?;
            return encode(T::NAME, &output, source, limit);
        }
        // The parsed arguments, not their text: `2016` and `"2015-16"` are one key.
        let key = format!("{}\u{1f}{input:?}", T::NAME);
        let version = app.data_version().await;
        if let Some(hit) = app.answers().get(&key, version) {
            return Ok(hit);
        }
        // Concurrent misses of one key: the first computes, the others take its answer.
        let _turn = app.answers().turn(&key).await;
        if let Some(hit) = app.answers().peek(&key, version) {
            return Ok(hit);
        }
        let output = T::run(cx, input).await?;
        let answer = encode(T::NAME, &output, source, limit)?;
        app.answers().insert(key, version, answer.clone());
        Ok(answer)
    })
}

pub(crate) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let (specs, handlers) = [
            entry::<teams::ListTeams>(),
            entry::<teams::FindTeam>(),
            entry::<players::SearchPlayers>(),
            entry::<games::GetGames>(),
            entry::<games::GetGame>(),
            entry::<standings::GetStandings>(),
            entry::<team_stats::GetTeamStats>(),
            entry::<players::GetPlayerStats>(),
            entry::<players::GetLeaders>(),
            entry::<h2h::HeadToHead>(),
            entry::<predict::PredictGame>(),
            entry::<predict::PredictGames>(),
            entry::<predict::GetPowerRankings>(),
            entry::<simulate::SimulateSeason>(),
            entry::<ops::SystemHealth>(),
            entry::<ops::ListAlerts>(),
            entry::<ops::DriftReport>(),
            entry::<compute::ComputeMetrics>(),
            entry::<access::Whoami>(),
            entry::<access::QuerySql>(),
            entry::<access::AuditLog>(),
            entry::<access::ListAccounts>(),
            entry::<access::RevokeApiKey>(),
            entry::<backups::BackupCreate>(),
            entry::<backups::BackupList>(),
            entry::<backups::BackupVerify>(),
            entry::<models::ListModels>(),
            entry::<models::PromoteModel>(),
            entry::<models::RollbackModel>(),
            entry::<rollouts::StartRollout>(),
            entry::<rollouts::RolloutStatus>(),
            entry::<rollouts::AdvanceRollout>(),
            entry::<rollouts::StopRollout>(),
        ]
        .into_iter()
        .unzip();
        Registry { specs, handlers }
    })
}

impl Registry {
    pub(crate) fn specs(&self) -> &[ToolSpec] {
        &self.specs
    }

    /// The spec and handler of the tool called `name`.
    pub(crate) fn find(&'static self, name: &str) -> Option<(&'static ToolSpec, Handler)> {
        let i = self.specs.iter().position(|s| s.name == name)?;
        Some((&self.specs[i], self.handlers[i]))
    }
}

/// Rounds for display: results are read by people and models, not re-computed.
pub(crate) fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
pub(crate) fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A schema helper so tool inputs can say "season" once.
#[derive(Debug, Clone, Copy, JsonSchema)]
#[allow(dead_code)]
pub(crate) struct SeasonDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_registered_once_with_its_handler() {
        let r = registry();
        assert_eq!(r.specs.len(), r.handlers.len());
        let mut names: Vec<&str> = r.specs.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a tool name is registered twice");
        assert!(r.find("no_such_tool").is_none());
        for spec in &r.specs {
            let (found, _) = r.find(spec.name).expect("registered");
            assert!(std::ptr::eq(found, spec));
            // A tool that writes needs a permission beyond reading data.
            if !spec.read_only {
                assert!(
                    !matches!(spec.permission, None | Some(Permission::DataRead)),
                    "{} changes state but is open to every reader",
                    spec.name
                );
            }
        }
    }
}
