//! Roll-out tools: start a canary, shadow or blue-green roll-out of a stored model version
//! against the served alias, watch it, move it on or stop it (`models:deploy` to act,
//! `models:train` to watch; every action audited). See `crate::rollout` for how traffic is
//! split and judged.

use nba_auth::Permission;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ops::NoInput;
use super::{Ctx, Tool};
use crate::rollout::{Guards, Mode, RolloutView, StartRequest, Sticky};
use crate::AppError;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRolloutInput {
    /// The stored model to roll out: `name@version` (as `list_models` shows it), or an alias
    /// such as `challenger`.
    pub model: String,
    /// `canary` (default): a growing share of traffic; `shadow`: scored beside the
    /// champion on a sample, never served; `blue_green`: kept warm, switched by
    /// `advance_rollout`.
    pub mode: Option<Mode>,
    /// Canary: the candidate's share at each step, percent, growing to 100; default
    /// [5, 10, 25, 50, 100].
    #[schemars(length(min = 1, max = 20))]
    pub steps: Option<Vec<u32>>,
    /// Canary: how long each step must hold its guards before the next, seconds; default
    /// 300, at most 86400.
    #[schemars(range(max = 86400))]
    pub bake_seconds: Option<u64>,
    /// Shadow: the share of requests the candidate scores, percent; default 10.
    #[schemars(range(min = 1, max = 100))]
    pub shadow_percent: Option<u32>,
    /// What keeps a request on one model: `game` (default) or `principal`.
    pub sticky: Option<Sticky>,
    /// Limits that roll the candidate back; any left out keeps its default.
    pub guards: Option<Guards>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StopRolloutInput {
    /// Why, for the audit log and the roll-out's events (at most 500 characters kept).
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RolloutStatusOutput {
    /// The running roll-out, with what this instance saw in its current step.
    pub current: Option<RolloutView>,
    /// The latest finished roll-outs, newest first (at most 10).
    pub recent: Vec<RolloutView>,
}

/// The `start_rollout` tool.
pub struct StartRollout;

impl Tool for StartRollout {
    const NAME: &'static str = "start_rollout";
    const TITLE: &'static str = "Start a model roll-out";
    const DESCRIPTION: &'static str = "Rolls a stored model version out against the alias this server serves (champion): canary (a growing share of predictions, default 5/10/25/50/100 % with 300 s per step, rolled back automatically when a guard breaks: error rate, p99 latency, disagreement with the champion, Brier score on played games), shadow (scored beside the champion on a sample, never served) or blue_green (kept warm, switched by advance_rollout). Refused when the candidate fails a check on the last 500 finished games. One roll-out at a time; audited.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsDeploy);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = false;
    type Input = StartRolloutInput;
    type Output = RolloutView;

    async fn run(cx: Ctx<'_>, input: StartRolloutInput) -> Result<RolloutView, AppError> {
        let request = StartRequest {
            model: input.model,
            mode: input.mode,
            steps: input.steps,
            bake_seconds: input.bake_seconds,
            shadow_percent: input.shadow_percent,
            sticky: input.sticky,
            guards: input.guards,
        };
        cx.app.start_rollout(cx.caller, request).await
    }
}

/// The `rollout_status` tool.
pub struct RolloutStatus;

impl Tool for RolloutStatus {
    const NAME: &'static str = "rollout_status";
    const TITLE: &'static str = "Model roll-outs";
    const DESCRIPTION: &'static str = "The running model roll-out (mode, step, the candidate's share, guards, the staging check, events, and this instance's answers per side: requests, errors, p99, disagreement, Brier) and the latest finished ones with their verdicts.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsTrain);
    type Input = NoInput;
    type Output = RolloutStatusOutput;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<RolloutStatusOutput, AppError> {
        let (current, recent) = cx.app.rollout_status(11).await?;
        Ok(RolloutStatusOutput {
            current,
            recent: recent.into_iter().take(10).collect(),
        })
    }
}

/// The `advance_rollout` tool.
pub struct AdvanceRollout;

impl Tool for AdvanceRollout {
    const NAME: &'static str = "advance_rollout";
    const TITLE: &'static str = "Advance the roll-out";
    const DESCRIPTION: &'static str = "Moves the running roll-out on now, without waiting for its bake: a canary to its next step (after the last, the alias moves to the candidate), a shadow or blue-green roll-out straight to the candidate (the previous champion stays warm, so rollback_model is served at once). Audited.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsDeploy);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = false;
    type Input = NoInput;
    type Output = RolloutView;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<RolloutView, AppError> {
        cx.app.advance_rollout(cx.caller).await
    }
}

/// The `stop_rollout` tool.
pub struct StopRollout;

impl Tool for StopRollout {
    const NAME: &'static str = "stop_rollout";
    const TITLE: &'static str = "Stop the roll-out";
    const DESCRIPTION: &'static str = "Ends the running roll-out at once: the champion answers every prediction again and the alias stays where it is. Audited with the reason.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsDeploy);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = false;
    type Input = StopRolloutInput;
    type Output = RolloutView;

    async fn run(cx: Ctx<'_>, input: StopRolloutInput) -> Result<RolloutView, AppError> {
        cx.app.stop_rollout(cx.caller, input.reason).await
    }
}
