//! Model roll-outs at serve time: a candidate version served beside the champion while its
//! answers are watched, then promoted or rolled back.
//!
//! - **canary**: the candidate answers a share of prediction traffic that grows in steps
//!   (default 5, 10, 25, 50, 100 %), each held for a bake time. Requests are assigned by a
//!   hash of a sticky key (the game, or the caller), so a game keeps its model while the
//!   share grows. Guards are checked every refresh: error rate, p99 latency, how far the
//!   candidate's probabilities are from the champion's on the same games, and, where results
//!   are known, its Brier score beside the champion's on the same games. A broken guard rolls
//!   the roll-out back (the champion answers everything at once); a verdict waits for a
//!   minimum number of candidate answers, so low traffic never aborts or advances on noise.
//!   After the last step the alias moves to the candidate.
//! - **shadow**: the champion answers everything; a sample of requests is scored by the
//!   candidate off the request path (a bounded queue; what does not fit is dropped and
//!   counted), under the same guards. Promotion is an operator's `advance_rollout`.
//! - **blue_green**: the candidate is loaded and kept warm beside the champion on every
//!   instance; `advance_rollout` switches the alias at once, and the previous champion stays
//!   warm so `rollback_model` is served at once too.
//!
//! Every roll-out is first checked on the last `REPLAY_GAMES` finished games (both versions
//! walk-forward on the same games): a candidate that answers anything but a probability, or
//! whose Brier score is worse than the champion's by more than the guard allows, is refused.
//! The plan and its progress live in the store (one running roll-out at a time, every change
//! a compare-and-set), so every instance on the store serves the same roll-out; each judges
//! its own traffic.

mod guards;
mod traffic;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use nba_model::ModelRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use guards::{Guards, StageCheck};
pub(crate) use traffic::{Arm, LiveRollout, Observed, Route};
pub use traffic::{ArmView, WindowView};

use guards::{judge, stage_check, Verdict};
use traffic::Window;

use crate::{App, AppError, Caller};

/// How a roll-out sends traffic to the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Canary,
    Shadow,
    BlueGreen,
}

impl Mode {
    /// The name the tools take and show (`blue_green`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Canary => "canary",
            Mode::Shadow => "shadow",
            Mode::BlueGreen => "blue_green",
        }
    }
}

/// What keeps a request on one model while a canary's share grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sticky {
    /// The game (home, away, date): every caller asking about a game gets the same model.
    Game,
    /// The caller: a caller sees one model for all games.
    Principal,
}

/// One roll-out's plan and progress, stored as JSON in its row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Plan {
    pub alias: String,
    pub baseline: ModelRef,
    pub candidate: ModelRef,
    pub mode: Mode,
    /// Canary: the candidate's share at each step, percent, ascending, the last 100.
    pub steps: Vec<u32>,
    pub bake_seconds: u64,
    /// Shadow: the share of requests the candidate scores.
    pub shadow_percent: u32,
    pub sticky: Sticky,
    pub guards: Guards,
    pub step: usize,
    pub step_started_at: DateTime<Utc>,
    pub started_by: String,
    pub check: StageCheck,
    /// How it ended (or that it is running).
    pub verdict: Option<String>,
    pub events: Vec<Event>,
}

/// Something that happened to a roll-out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub at: String,
    pub event: String,
    pub detail: String,
}

/// Events kept per roll-out (the oldest go first).
const MAX_EVENTS: usize = 100;

impl Plan {
    fn log(&mut self, now: DateTime<Utc>, event: &str, detail: String) {
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(Event {
            at: now.to_rfc3339(),
            event: event.into(),
            detail,
        });
    }

    /// The candidate's share of traffic now, basis points.
    fn share_bp(&self) -> u32 {
        match self.mode {
            Mode::Canary => self.steps.get(self.step).copied().unwrap_or(0) * 100,
            Mode::Shadow | Mode::BlueGreen => 0,
        }
    }

    fn shadow_bp(&self) -> u32 {
        match self.mode {
            Mode::Shadow => self.shadow_percent * 100,
            Mode::Canary | Mode::BlueGreen => 0,
        }
    }
}

/// A roll-out as reported.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RolloutView {
    pub id: i64,
    /// `running`, `promoted`, `rolled_back` or `stopped`.
    pub state: String,
    pub mode: Mode,
    pub alias: String,
    /// `name@version` served before the roll-out.
    pub baseline: String,
    pub candidate: String,
    /// Canary: the step now (0-based) and the share at each step, percent.
    pub step: usize,
    pub steps: Vec<u32>,
    /// The candidate's share of traffic now, percent (canary) or its shadow sample (shadow).
    pub share_percent: f64,
    pub step_started_at: String,
    pub bake_seconds: u64,
    pub sticky: Sticky,
    pub guards: Guards,
    pub check: StageCheck,
    pub started_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// How it ended, or what it waits for.
    pub verdict: Option<String>,
    pub events: Vec<Event>,
    /// What this instance saw in the current step (running roll-outs it serves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowView>,
}

fn view(row: &nba_store::RolloutRow, plan: &Plan, window: Option<WindowView>) -> RolloutView {
    RolloutView {
        id: row.id,
        state: row.state.clone(),
        mode: plan.mode,
        alias: plan.alias.clone(),
        baseline: plan.baseline.to_string(),
        candidate: plan.candidate.to_string(),
        step: plan.step,
        steps: plan.steps.clone(),
        share_percent: match plan.mode {
            Mode::Shadow => f64::from(plan.shadow_percent),
            _ => f64::from(plan.share_bp()) / 100.0,
        },
        step_started_at: plan.step_started_at.to_rfc3339(),
        bake_seconds: plan.bake_seconds,
        sticky: plan.sticky,
        guards: plan.guards.clone(),
        check: plan.check.clone(),
        started_by: plan.started_by.clone(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        verdict: plan.verdict.clone(),
        events: plan.events.clone(),
        window,
    }
}

fn parse_plan(row: &nba_store::RolloutRow) -> Result<Plan, AppError> {
    serde_json::from_str(&row.plan).map_err(|e| {
        AppError::Internal(format!(
            "roll-out {} has a plan this server cannot read: {e}",
            row.id
        ))
    })
}

/// What `start_rollout` asks for.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    pub model: String,
    pub mode: Option<Mode>,
    pub steps: Option<Vec<u32>>,
    pub bake_seconds: Option<u64>,
    pub shadow_percent: Option<u32>,
    pub sticky: Option<Sticky>,
    pub guards: Option<Guards>,
}

/// Default canary steps, percent.
pub const DEFAULT_STEPS: &[u32] = &[5, 10, 25, 50, 100];
/// Default bake time of a canary step, seconds.
pub const DEFAULT_BAKE_SECONDS: u64 = 300;
/// Default shadow sample, percent.
pub const DEFAULT_SHADOW_PERCENT: u32 = 10;
/// Longest bake a step may ask for (a day).
const MAX_BAKE_SECONDS: u64 = 86_400;

fn check_steps(steps: &[u32]) -> Result<(), AppError> {
    let bad = |why: String| Err(AppError::InvalidArgument(format!("steps: {why}")));
    if steps.is_empty() || steps.len() > 20 {
        return bad(format!("needs 1 to 20 steps, got {}", steps.len()));
    }
    if steps.iter().any(|s| !(1..=100).contains(s)) {
        return bad("every step is a percentage from 1 to 100".into());
    }
    if steps.windows(2).any(|w| w[0] >= w[1]) {
        return bad(format!("must grow step by step, got {steps:?}"));
    }
    if steps.last() != Some(&100) {
        return bad(format!("the last step must be 100, got {steps:?}"));
    }
    Ok(())
}

/// The process that acts for roll-outs on its own (a guard's rollback, a bake's advance),
/// in the audit log as principal `rollout-guard`.
fn guard_caller() -> Caller {
    Caller::system("rollout-guard")
}

impl App {
    /// Starts a roll-out of `request.model` against the alias this server serves: checks it
    /// on the last finished games, stores the plan, and serves it here at once (other
    /// instances on the store within their refresh). Needs `models:deploy`; audited as
    /// `models:rollout_start`.
    pub async fn start_rollout(
        &self,
        caller: &Caller,
        request: StartRequest,
    ) -> Result<RolloutView, AppError> {
        crate::admin::authorize(caller, nba_auth::Permission::ModelsDeploy)?;
        let svc = self.predictions();
        let registry = self.model_registry()?;
        let alias = svc.spec().unwrap_or_default().to_string();
        if alias.contains('@') {
            return Err(AppError::InvalidArgument(format!(
                "this server serves the pinned version {alias}, not an alias: a roll-out moves an alias, so serve one (NBA_MCP_MODEL=champion)"
            )));
        }
        let mode = request.mode.unwrap_or(Mode::Canary);
        let steps = request.steps.unwrap_or_else(|| DEFAULT_STEPS.to_vec());
        check_steps(&steps)?;
        let bake_seconds = request.bake_seconds.unwrap_or(DEFAULT_BAKE_SECONDS);
        if bake_seconds > MAX_BAKE_SECONDS {
            return Err(AppError::InvalidArgument(format!(
                "bake_seconds: at most {MAX_BAKE_SECONDS}, got {bake_seconds}"
            )));
        }
        let shadow_percent = request.shadow_percent.unwrap_or(DEFAULT_SHADOW_PERCENT);
        if !(1..=100).contains(&shadow_percent) {
            return Err(AppError::InvalidArgument(format!(
                "shadow_percent: a percentage from 1 to 100, got {shadow_percent}"
            )));
        }
        let guards = request.guards.unwrap_or_default();
        guards.validate()?;
        let baseline = svc.current()?;
        let candidate_ref = registry.resolve_ref(&request.model).await?;
        if candidate_ref == baseline.model {
            return Err(AppError::InvalidArgument(format!(
                "model: {candidate_ref} is what '{alias}' serves already"
            )));
        }
        let candidate = svc.serving_of(self.store(), &candidate_ref).await?;
        if candidate.data_version != baseline.data_version {
            return Err(AppError::Unavailable {
                message: "new data arrived while the candidate was loaded; retry in a few seconds"
                    .into(),
                retry_after_s: 3,
            });
        }
        let check = stage_check(&baseline, &candidate, &guards);
        if let Some(reason) = &check.reason {
            return Err(AppError::InvalidArgument(format!(
                "{candidate_ref} failed the staging check, so no roll-out was started: {reason}"
            )));
        }
        let now = Utc::now();
        let mut plan = Plan {
            alias: alias.clone(),
            baseline: baseline.model.clone(),
            candidate: candidate_ref.clone(),
            mode,
            steps,
            bake_seconds,
            shadow_percent,
            sticky: request.sticky.unwrap_or(Sticky::Game),
            guards,
            step: 0,
            step_started_at: now,
            started_by: caller.principal.id.clone(),
            check,
            verdict: None,
            events: Vec::new(),
        };
        plan.log(
            now,
            "started",
            format!(
                "{} of {candidate_ref} against {} ({alias}); staging check passed on {} games",
                mode.as_str(),
                plan.baseline,
                plan.check.games
            ),
        );
        let row = self
            .store()
            .insert_rollout(&to_json(&plan), &now.to_rfc3339())
            .await?;
        nba_ops::metrics()
            .rollout_events
            .with(&["started"], |c| c.inc());
        crate::admin::audit(
            self.store(),
            caller,
            "models:rollout_start",
            &format!(
                "rollout {}: {} {alias}: {} -> {candidate_ref}",
                row.id,
                mode.as_str(),
                plan.baseline
            ),
        )
        .await?;
        self.serve_rollout(&row, plan.clone()).await?;
        Ok(view(&row, &plan, self.window_of(row.id)))
    }

    /// The running roll-out (with what this instance saw) and the latest ones.
    pub async fn rollout_status(
        &self,
        limit: i64,
    ) -> Result<(Option<RolloutView>, Vec<RolloutView>), AppError> {
        let rows = self.store().latest_rollouts(limit).await?;
        let mut current = None;
        let mut recent = Vec::new();
        for row in &rows {
            let plan = parse_plan(row)?;
            if row.state == "running" {
                current = Some(view(row, &plan, self.window_of(row.id)));
            } else {
                recent.push(view(row, &plan, None));
            }
        }
        Ok((current, recent))
    }

    /// Moves the running roll-out on now: a canary to its next step (the alias moves after
    /// the last), a shadow or blue-green roll-out to the candidate. Needs `models:deploy`;
    /// audited.
    pub async fn advance_rollout(&self, caller: &Caller) -> Result<RolloutView, AppError> {
        crate::admin::authorize(caller, nba_auth::Permission::ModelsDeploy)?;
        let row = self.running_row().await?;
        let plan = parse_plan(&row)?;
        let why = format!("advanced by {}", caller.principal.id);
        self.advance(caller, row, plan, why).await
    }

    /// Ends the running roll-out: the champion answers everything again and the alias
    /// stays where it is. Needs `models:deploy`; audited as `models:rollout_stop`.
    pub async fn stop_rollout(
        &self,
        caller: &Caller,
        reason: Option<String>,
    ) -> Result<RolloutView, AppError> {
        crate::admin::authorize(caller, nba_auth::Permission::ModelsDeploy)?;
        let row = self.running_row().await?;
        let plan = parse_plan(&row)?;
        let reason = reason
            .map(|r| r.chars().take(500).collect::<String>())
            .unwrap_or_else(|| "no reason given".into());
        let why = format!("stopped by {}: {reason}", caller.principal.id);
        self.finish(caller, row, plan, "stopped", why).await
    }

    async fn running_row(&self) -> Result<nba_store::RolloutRow, AppError> {
        self.store()
            .running_rollout()
            .await?
            .ok_or_else(|| AppError::NotFound("no roll-out is running".into()))
    }

    fn window_of(&self, id: i64) -> Option<WindowView> {
        self.predictions()
            .rollout()
            .filter(|r| r.id == id)
            .map(|r| r.window.view())
    }

    /// Serves `row` here: loads its candidate (a held copy when current) and carries the
    /// window over when the step did not change.
    async fn serve_rollout(&self, row: &nba_store::RolloutRow, plan: Plan) -> Result<(), AppError> {
        let svc = self.predictions();
        let held = svc.rollout();
        let candidate = svc.serving_of(self.store(), &plan.candidate).await?;
        if let Some(h) = &held {
            if h.id == row.id && h.revision == row.revision && Arc::ptr_eq(&h.candidate, &candidate)
            {
                return Ok(());
            }
        }
        let window = match &held {
            Some(h) if h.id == row.id && h.window.step == plan.step => h.window.clone(),
            _ => Arc::new(Window::new(plan.step)),
        };
        let live = LiveRollout {
            id: row.id,
            revision: row.revision,
            share_bp: plan.share_bp(),
            shadow_bp: plan.shadow_bp(),
            plan,
            candidate,
            window,
        };
        nba_ops::metrics()
            .rollout_share
            .set(i64::from(live.share_bp));
        svc.set_rollout(Some(Arc::new(live)));
        Ok(())
    }

    fn unserve_rollout(&self) {
        if self.predictions().rollout().is_some() {
            self.predictions().set_rollout(None);
            nba_ops::metrics().rollout_share.set(0);
        }
    }

    /// Serves the running roll-out (if any) and judges it on this instance's window; called
    /// with every model refresh.
    pub(crate) async fn sync_rollout(&self) -> Result<(), AppError> {
        let Some(row) = self.store().running_rollout().await? else {
            self.unserve_rollout();
            return Ok(());
        };
        let plan = parse_plan(&row)?;
        let svc = self.predictions();
        let Some(registry) = svc.registry().cloned() else {
            return Ok(());
        };
        // Someone moved the alias to a third version: the roll-out has nothing left to do.
        let target = registry.resolve_ref(&plan.alias).await?;
        if target != plan.baseline && target != plan.candidate {
            let why = format!(
                "'{}' was moved to {target} outside the roll-out",
                plan.alias
            );
            return self
                .finish(&guard_caller(), row, plan, "stopped", why)
                .await
                .map(|_| ());
        }
        if target == plan.candidate {
            // Promoted (by this roll-out on another instance, or by hand): finished.
            let why = format!("'{}' points at the candidate", plan.alias);
            return self
                .finish(&guard_caller(), row, plan, "promoted", why)
                .await
                .map(|_| ());
        }
        if let Err(e) = self.serve_rollout(&row, plan.clone()).await {
            tracing::warn!(rollout = row.id, error = %e, "the roll-out's candidate cannot be served here; the champion answers everything");
            self.unserve_rollout();
            return Ok(());
        }
        let Some(live) = svc.rollout() else {
            return Ok(());
        };
        let acted = match judge(&plan, &live.window.candidate(), Utc::now()) {
            Verdict::Hold => Ok(()),
            Verdict::RollBack(why) => self
                .finish(&guard_caller(), row, plan, "rolled_back", why)
                .await
                .map(|_| ()),
            Verdict::Advance(why) => self
                .advance(&guard_caller(), row, plan, why)
                .await
                .map(|_| ()),
        };
        match acted {
            // Another instance or an operator acted first; the next refresh reads it.
            Err(AppError::Ambiguous(m)) => {
                tracing::debug!("{m}");
                Ok(())
            }
            other => other,
        }
    }

    async fn advance(
        &self,
        actor: &Caller,
        row: nba_store::RolloutRow,
        mut plan: Plan,
        why: String,
    ) -> Result<RolloutView, AppError> {
        let now = Utc::now();
        if plan.mode == Mode::Canary && plan.step + 1 < plan.steps.len() {
            plan.step += 1;
            plan.step_started_at = now;
            let detail = format!("step {} ({} %): {why}", plan.step, plan.steps[plan.step]);
            plan.log(now, "advanced", detail.clone());
            let updated = self.cas(&row, "running", &plan, now).await?;
            nba_ops::metrics()
                .rollout_events
                .with(&["advanced"], |c| c.inc());
            crate::admin::audit(
                self.store(),
                actor,
                "models:rollout_advance",
                &format!("rollout {}: {detail}", row.id),
            )
            .await?;
            self.serve_rollout(&updated, plan.clone()).await?;
            return Ok(view(&updated, &plan, self.window_of(updated.id)));
        }
        // The last step, a shadow or a blue-green switch: the alias moves to the candidate,
        // through the same checked, audited path as promote_model. The roll-out is claimed
        // first (a compare-and-set), so of several instances deciding at once only one moves
        // the alias; one that stops between claim and move leaves it running, and the next
        // verdict claims it again.
        let registry = self.model_registry()?;
        plan.log(now, "promoting", format!("moving '{}': {why}", plan.alias));
        let row = self.cas(&row, "running", &plan, now).await?;
        crate::models::promote(
            self.store(),
            registry.as_ref(),
            actor,
            &plan.alias,
            &plan.candidate.to_string(),
        )
        .await?;
        let why = format!("'{}' moved to {}: {why}", plan.alias, plan.candidate);
        self.finish(actor, row, plan, "promoted", why).await
    }

    /// Ends a roll-out in `state` (compare-and-set: another instance may have ended it
    /// first, which is fine), audits it and serves the champion alone.
    async fn finish(
        &self,
        actor: &Caller,
        row: nba_store::RolloutRow,
        mut plan: Plan,
        state: &str,
        why: String,
    ) -> Result<RolloutView, AppError> {
        let now = Utc::now();
        let event = state.to_string();
        plan.verdict = Some(why.clone());
        plan.log(now, &event, why.clone());
        let updated = match self.cas(&row, state, &plan, now).await {
            Ok(u) => u,
            Err(e) => {
                // Another instance ended it the same way first: done all the same.
                self.unserve_rollout();
                let rows = self.store().latest_rollouts(10).await?;
                return match rows.iter().find(|r| r.id == row.id && r.state == state) {
                    Some(r) => Ok(view(r, &parse_plan(r)?, None)),
                    None => Err(e),
                };
            }
        };
        nba_ops::metrics()
            .rollout_events
            .with(&[state], |c| c.inc());
        match state {
            "rolled_back" => {
                tracing::error!(rollout = row.id, candidate = %plan.candidate, "roll-out rolled back: {why}")
            }
            _ => {
                tracing::info!(rollout = row.id, candidate = %plan.candidate, state, "roll-out ended: {why}")
            }
        }
        let action = match state {
            "promoted" => "models:rollout_promote",
            "rolled_back" => "models:rollout_rollback",
            _ => "models:rollout_stop",
        };
        crate::admin::audit(
            self.store(),
            actor,
            action,
            &format!("rollout {}: {why}", row.id),
        )
        .await?;
        self.unserve_rollout();
        if state == "promoted" {
            if let Err(e) = self.predictions().refresh(self.store()).await {
                tracing::warn!(error = %e, "serving the promoted model failed; the previous model serves");
            }
        }
        Ok(view(&updated, &plan, None))
    }

    async fn cas(
        &self,
        row: &nba_store::RolloutRow,
        state: &str,
        plan: &Plan,
        now: DateTime<Utc>,
    ) -> Result<nba_store::RolloutRow, AppError> {
        self.store()
            .update_rollout(row.id, row.revision, state, &to_json(plan), &now.to_rfc3339())
            .await?
            .ok_or_else(|| AppError::Ambiguous(format!(
                "roll-out {} changed while this change was made (another instance or operator acted first); read rollout_status and try again",
                row.id
            )))
    }
}

fn to_json(plan: &Plan) -> String {
    serde_json::to_string(plan).expect("a plan encodes as JSON")
}

#[cfg(test)]
mod tests {
    use super::guards::*;
    use super::traffic::*;
    use super::*;
    use std::time::Duration;

    fn plan(mode: Mode) -> Plan {
        let check = StageCheck {
            games: 0,
            baseline_brier: 0.0,
            candidate_brier: 0.0,
            baseline_log_loss: 0.0,
            candidate_log_loss: 0.0,
            mean_disagreement: 0.0,
            invalid: 0,
            passed: true,
            reason: None,
        };
        Plan {
            alias: "champion".into(),
            baseline: ModelRef::new("m", "1"),
            candidate: ModelRef::new("m", "2"),
            mode,
            steps: DEFAULT_STEPS.to_vec(),
            bake_seconds: 60,
            shadow_percent: 10,
            sticky: Sticky::Game,
            guards: Guards::default(),
            step: 0,
            step_started_at: Utc::now() - chrono::Duration::seconds(120),
            started_by: "t".into(),
            check,
            verdict: None,
            events: vec![],
        }
    }

    fn answers(n: u64, errors: u64, latency_ms: u64, prob: f64, baseline: f64) -> ArmStats {
        let mut s = ArmStats::default();
        for i in 0..n {
            s.requests += 1;
            s.latency(Duration::from_millis(latency_ms));
            if i < errors {
                s.errors += 1;
            } else {
                s.disagreement += (prob - baseline).abs();
                s.compared += 1;
            }
        }
        s
    }

    #[test]
    fn a_verdict_waits_for_the_minimum_sample() {
        let p = plan(Mode::Canary);
        assert_eq!(
            judge(&p, &answers(99, 50, 1, 0.6, 0.6), Utc::now()),
            Verdict::Hold
        );
        assert!(matches!(
            judge(&p, &answers(100, 50, 1, 0.6, 0.6), Utc::now()),
            Verdict::RollBack(_)
        ));
    }

    #[test]
    fn each_guard_rolls_back_and_a_clean_bake_advances() {
        let p = plan(Mode::Canary);
        let now = Utc::now();
        assert!(matches!(
            judge(&p, &answers(200, 0, 1, 0.6, 0.6), now),
            Verdict::Advance(_)
        ));
        let RollBack(why) = judge(&p, &answers(200, 3, 1, 0.6, 0.6), now) else {
            panic!()
        };
        assert!(why.contains("max_error_rate"), "{why}");
        let RollBack(why) = judge(&p, &answers(200, 0, 900, 0.6, 0.6), now) else {
            panic!()
        };
        assert!(why.contains("max_p99_ms"), "{why}");
        let RollBack(why) = judge(&p, &answers(200, 0, 1, 0.8, 0.6), now) else {
            panic!()
        };
        assert!(why.contains("max_disagreement"), "{why}");
        let mut s = answers(200, 0, 1, 0.6, 0.6);
        s.invalid = 1;
        assert!(matches!(judge(&p, &s, now), Verdict::RollBack(_)));
        let mut young = plan(Mode::Canary);
        young.step_started_at = now;
        assert_eq!(
            judge(&young, &answers(200, 0, 1, 0.6, 0.6), now),
            Verdict::Hold
        );
        assert_eq!(
            judge(&plan(Mode::Shadow), &answers(200, 0, 1, 0.6, 0.6), now),
            Verdict::Hold
        );
    }
    use Verdict::RollBack;

    #[test]
    fn steps_must_grow_to_100() {
        assert!(check_steps(&[5, 10, 25, 50, 100]).is_ok());
        assert!(check_steps(&[100]).is_ok());
        assert!(check_steps(&[]).is_err());
        assert!(check_steps(&[10, 10, 100]).is_err());
        assert!(check_steps(&[10, 50]).is_err());
        assert!(check_steps(&[0, 100]).is_err());
    }

    #[test]
    fn buckets_are_spread_evenly() {
        let n = 20_000u32;
        let inside = (0..n)
            .filter(|i| fnv(&[&i.to_le_bytes()]) % 10_000 < 1_000)
            .count() as f64;
        let share = inside / f64::from(n);
        assert!((share - 0.10).abs() < 0.01, "share {share}");
    }
}
