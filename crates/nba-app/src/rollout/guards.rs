//! Roll-out guards: the limits a candidate must hold, the staging check on the last finished
//! games, and the verdict on one window of answers (hold, roll back, advance).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::traffic::ArmStats;
use super::{Mode, Plan};
use crate::predict::Serving;
use crate::AppError;

/// Limits that roll a roll-out back when the candidate breaks one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Guards {
    /// Highest share of candidate answers that may fail (0.01: 1 %).
    pub max_error_rate: f64,
    /// Highest p99 latency of candidate answers, milliseconds.
    pub max_p99_ms: f64,
    /// Highest mean absolute difference between the candidate's and the champion's home-win
    /// probability on the same games.
    pub max_disagreement: f64,
    /// How much worse than the champion's the candidate's Brier score may be on the same
    /// games (the staging check's replay, and served games whose result is known).
    pub max_brier_increase: f64,
    /// Candidate answers (per instance and step) before any verdict.
    pub min_samples: u64,
}

impl Default for Guards {
    fn default() -> Guards {
        Guards {
            max_error_rate: 0.01,
            max_p99_ms: 500.0,
            max_disagreement: 0.1,
            max_brier_increase: 0.01,
            min_samples: 100,
        }
    }
}

impl Guards {
    pub(super) fn validate(&self) -> Result<(), AppError> {
        let bad = |field: &str, why: &str| {
            Err(AppError::InvalidArgument(format!("guards.{field}: {why}")))
        };
        if !(0.0..=1.0).contains(&self.max_error_rate) {
            return bad("max_error_rate", "must be between 0 and 1");
        }
        if !(self.max_p99_ms.is_finite() && self.max_p99_ms > 0.0 && self.max_p99_ms <= 60_000.0) {
            return bad("max_p99_ms", "must be above 0 and at most 60000");
        }
        if !(0.0..=1.0).contains(&self.max_disagreement) {
            return bad("max_disagreement", "must be between 0 and 1");
        }
        if !(0.0..=1.0).contains(&self.max_brier_increase) {
            return bad("max_brier_increase", "must be between 0 and 1");
        }
        if !(1..=1_000_000).contains(&self.min_samples) {
            return bad("min_samples", "must be between 1 and 1000000");
        }
        Ok(())
    }
}

/// Both versions on the last finished games, walk-forward (each game predicted from the
/// games before it). The champion and the candidate may have been trained on some of these
/// games: this catches a broken or clearly worse model, it is not an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageCheck {
    pub games: usize,
    pub baseline_brier: f64,
    pub candidate_brier: f64,
    pub baseline_log_loss: f64,
    pub candidate_log_loss: f64,
    /// Mean absolute difference of the two home-win probabilities.
    pub mean_disagreement: f64,
    /// Candidate answers that were not a probability in [0, 1].
    pub invalid: usize,
    pub passed: bool,
    /// Why it did not pass.
    pub reason: Option<String>,
}

/// Compares `candidate` with `baseline` on the games both replayed.
pub(crate) fn stage_check(baseline: &Serving, candidate: &Serving, guards: &Guards) -> StageCheck {
    let n = baseline.replay.len().min(candidate.replay.len());
    let b = &baseline.replay[baseline.replay.len() - n..];
    let c = &candidate.replay[candidate.replay.len() - n..];
    let (mut bb, mut cb, mut bl, mut cl, mut dis, mut invalid) = (0.0, 0.0, 0.0, 0.0, 0.0, 0);
    for (&(pb, won), &(pc, _)) in b.iter().zip(c) {
        if !is_probability(pc) {
            invalid += 1;
            continue;
        }
        let y = if won { 1.0 } else { 0.0 };
        bb += (pb - y).powi(2);
        cb += (pc - y).powi(2);
        bl += log_loss(pb, won);
        cl += log_loss(pc, won);
        dis += (pc - pb).abs();
    }
    let valid = (n - invalid).max(1) as f64;
    let (bb, cb) = (bb / valid, cb / valid);
    let reason = if invalid > 0 {
        Some(format!(
            "the candidate answered {invalid} of {n} replayed games with something that is not a probability"
        ))
    } else if cb > bb + guards.max_brier_increase {
        Some(format!(
            "the candidate's Brier score on the last {n} finished games is {cb:.4}, the champion's {bb:.4}: worse by more than guards.max_brier_increase ({})",
            guards.max_brier_increase
        ))
    } else {
        None
    };
    StageCheck {
        games: n,
        baseline_brier: round(bb),
        candidate_brier: round(cb),
        baseline_log_loss: round(bl / valid),
        candidate_log_loss: round(cl / valid),
        mean_disagreement: round(dis / valid),
        invalid,
        passed: reason.is_none(),
        reason,
    }
}

pub(super) fn is_probability(p: f64) -> bool {
    p.is_finite() && (0.0..=1.0).contains(&p)
}

pub(super) fn log_loss(p: f64, won: bool) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    if won {
        -p.ln()
    } else {
        -(1.0 - p).ln()
    }
}

pub(super) fn round(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

/// What the guards say about one window.
#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    Hold,
    RollBack(String),
    Advance(String),
}

pub(super) fn judge(plan: &Plan, c: &ArmStats, now: DateTime<Utc>) -> Verdict {
    if plan.mode == Mode::BlueGreen {
        return Verdict::Hold;
    }
    let g = &plan.guards;
    let who = match plan.mode {
        Mode::Shadow => "shadow scorings",
        _ => "candidate answers",
    };
    if c.invalid > 0 {
        return Verdict::RollBack(format!(
            "{} of {} {who} were not a probability",
            c.invalid, c.requests
        ));
    }
    if c.requests < g.min_samples {
        return Verdict::Hold;
    }
    let error_rate = c.errors as f64 / c.requests as f64;
    if error_rate > g.max_error_rate {
        return Verdict::RollBack(format!(
            "{} of {} {who} failed ({:.2} %), above guards.max_error_rate {}",
            c.errors,
            c.requests,
            error_rate * 100.0,
            g.max_error_rate
        ));
    }
    if let Some(p99) = c.p99_ms().filter(|p| *p > g.max_p99_ms) {
        return Verdict::RollBack(format!(
            "p99 latency of {who} {p99:.1} ms, above guards.max_p99_ms {}",
            g.max_p99_ms
        ));
    }
    if c.compared >= g.min_samples {
        let d = c.disagreement / c.compared as f64;
        if d > g.max_disagreement {
            return Verdict::RollBack(format!(
                "mean difference from the champion's probability {d:.4} over {} games, above guards.max_disagreement {}",
                c.compared, g.max_disagreement
            ));
        }
    }
    if c.scored >= g.min_samples {
        let (bc, bb) = (
            c.brier / c.scored as f64,
            c.brier_baseline / c.scored as f64,
        );
        if bc > bb + g.max_brier_increase {
            return Verdict::RollBack(format!(
                "Brier score {bc:.4} on {} played games against the champion's {bb:.4}, worse by more than guards.max_brier_increase {}",
                c.scored, g.max_brier_increase
            ));
        }
    }
    if plan.mode == Mode::Shadow {
        return Verdict::Hold;
    }
    let baked = (now - plan.step_started_at).num_seconds();
    if baked >= plan.bake_seconds as i64 {
        return Verdict::Advance(format!(
            "guards held for {baked} s over {} candidate answers",
            c.requests
        ));
    }
    Verdict::Hold
}
