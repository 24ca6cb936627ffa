//! Roll-out traffic: where each prediction goes (a sticky hash against the canary's share),
//! what each side answered in the current step (the window the guards judge), and the
//! shadow queue that scores the candidate off the request path.

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use nba_model::GameInput;
use schemars::JsonSchema;
use serde::Serialize;

use super::guards::{is_probability, round};
use super::{Mode, Plan, Sticky};
use crate::predict::Serving;
use crate::work::Cancel;

/// Which side of a roll-out answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arm {
    Baseline,
    Candidate,
    Shadow,
}

impl Arm {
    fn as_str(self) -> &'static str {
        match self {
            Arm::Baseline => "baseline",
            Arm::Candidate => "candidate",
            Arm::Shadow => "shadow",
        }
    }
}

/// Answers watched on one side during one step.
#[derive(Debug, Default, Clone)]
pub(super) struct ArmStats {
    pub(super) requests: u64,
    pub(super) errors: u64,
    pub(super) invalid: u64,
    /// The latest `LATENCY_RING` latencies, microseconds.
    pub(super) latencies_us: Vec<u32>,
    pub(super) next: usize,
    pub(super) disagreement: f64,
    pub(super) compared: u64,
    /// Answers whose result was known: Brier of this side and of the champion.
    pub(super) scored: u64,
    pub(super) brier: f64,
    pub(super) brier_baseline: f64,
}

const LATENCY_RING: usize = 8192;

impl ArmStats {
    pub(super) fn latency(&mut self, d: Duration) {
        let us = d.as_micros().min(u32::MAX as u128) as u32;
        if self.latencies_us.len() < LATENCY_RING {
            self.latencies_us.push(us);
        } else {
            self.latencies_us[self.next] = us;
            self.next = (self.next + 1) % LATENCY_RING;
        }
    }

    pub(super) fn p99_ms(&self) -> Option<f64> {
        if self.latencies_us.is_empty() {
            return None;
        }
        let mut v = self.latencies_us.clone();
        let k = ((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1;
        let (_, p, _) = v.select_nth_unstable(k);
        Some(*p as f64 / 1000.0)
    }

    fn view(&self) -> ArmView {
        let per = |sum: f64, n: u64| (n > 0).then(|| round(sum / n as f64));
        ArmView {
            requests: self.requests,
            errors: self.errors,
            invalid: self.invalid,
            p99_ms: self.p99_ms().map(round),
            mean_disagreement: per(self.disagreement, self.compared),
            scored: self.scored,
            brier: per(self.brier, self.scored),
            baseline_brier_same_games: per(self.brier_baseline, self.scored),
        }
    }
}

/// One side's answers in the current step, as reported.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ArmView {
    pub requests: u64,
    pub errors: u64,
    /// Answers that were not a probability (the champion's answer was served instead).
    pub invalid: u64,
    pub p99_ms: Option<f64>,
    /// Mean absolute difference from the champion's probability on the same games.
    pub mean_disagreement: Option<f64>,
    /// Answers whose game has a result in the store.
    pub scored: u64,
    pub brier: Option<f64>,
    /// The champion's Brier score on the same scored games.
    pub baseline_brier_same_games: Option<f64>,
}

/// What this instance saw during the current step.
#[derive(Debug, Default)]
pub(crate) struct Window {
    pub(super) step: usize,
    arms: Mutex<[ArmStats; 2]>,
}

/// This instance's window, as reported.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WindowView {
    pub step: usize,
    pub baseline: ArmView,
    /// The candidate's answers (canary) or scorings (shadow).
    pub candidate: ArmView,
}

impl Window {
    pub(super) fn new(step: usize) -> Window {
        Window {
            step,
            arms: Mutex::default(),
        }
    }

    fn with<R>(&self, arm: Arm, f: impl FnOnce(&mut ArmStats) -> R) -> R {
        let mut arms = self.arms.lock().expect("lock");
        f(&mut arms[usize::from(arm != Arm::Baseline)])
    }

    pub(super) fn view(&self) -> WindowView {
        let arms = self.arms.lock().expect("lock");
        WindowView {
            step: self.step,
            baseline: arms[0].view(),
            candidate: arms[1].view(),
        }
    }

    pub(super) fn candidate(&self) -> ArmStats {
        self.arms.lock().expect("lock")[1].clone()
    }
}

/// The roll-out this instance serves, as of one revision of its row.
pub(crate) struct LiveRollout {
    pub id: i64,
    pub revision: i64,
    pub plan: Plan,
    pub candidate: Arc<Serving>,
    pub(super) share_bp: u32,
    pub(super) shadow_bp: u32,
    pub(super) window: Arc<Window>,
}

/// Where one prediction goes.
pub(crate) struct Route {
    /// The champion (answers unless `candidate` is set).
    pub baseline: Arc<Serving>,
    /// Set when the canary candidate answers this request.
    pub candidate: Option<Arc<Serving>>,
    /// Whether the candidate also scores this request in the shadow.
    pub shadow: bool,
    pub rollout: Option<Arc<LiveRollout>>,
}

impl Route {
    /// The route of a request: the champion outside roll-outs (and when the champion served
    /// is not the roll-out's baseline, as after the alias moved).
    pub fn of(
        active: Arc<Serving>,
        rollout: Option<&Arc<LiveRollout>>,
        game: &GameInput,
        principal: &str,
    ) -> Route {
        let plain = |baseline| Route {
            baseline,
            candidate: None,
            shadow: false,
            rollout: None,
        };
        let Some(r) = rollout.filter(|r| r.plan.baseline == active.model) else {
            return plain(active);
        };
        let h = match r.plan.sticky {
            Sticky::Game => {
                let date = chrono::Datelike::num_days_from_ce(&game.date);
                fnv(&[
                    &game.home_id.to_le_bytes(),
                    &game.away_id.to_le_bytes(),
                    &date.to_le_bytes(),
                ])
            }
            Sticky::Principal => fnv(&[principal.as_bytes()]),
        };
        // Low bits place the request on the canary's share (a request inside 5 % stays
        // inside 10 %); high bits sample the shadow independently.
        let canary = ((h % 10_000) as u32) < r.share_bp;
        let shadow = !canary && (((h >> 32) % 10_000) as u32) < r.shadow_bp;
        Route {
            baseline: active,
            candidate: canary.then(|| r.candidate.clone()),
            shadow,
            rollout: Some(r.clone()),
        }
    }

    /// Who answers: none outside roll-outs.
    pub fn arm(&self) -> Option<Arm> {
        self.rollout.as_ref()?;
        Some(if self.candidate.is_some() {
            Arm::Candidate
        } else {
            Arm::Baseline
        })
    }
}

/// FNV-1a, 64 bits, over `parts`.
pub(super) fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// What one routed prediction did, for the roll-out's window and metrics.
pub(crate) struct Observed {
    pub arm: Arm,
    /// The answering side's time, if measured (`predict_game`).
    pub latency: Option<Duration>,
    /// The answering side's probability; `None` when it failed.
    pub prob: Option<f64>,
    /// The champion's probability on the same game, when the candidate answered.
    pub baseline_prob: Option<f64>,
    /// Whether the home team won, when the store has the result.
    pub home_won: Option<bool>,
}

impl LiveRollout {
    /// "canary candidate at 25 %", for the dashboard's model list.
    pub fn describe(&self) -> String {
        match self.plan.mode {
            Mode::Canary => format!("canary candidate at {} %", self.share_bp / 100),
            Mode::Shadow => format!("shadow candidate on {} % of requests", self.shadow_bp / 100),
            Mode::BlueGreen => "blue-green candidate, warm".to_string(),
        }
    }

    pub fn observe(&self, o: Observed) {
        let version = match o.arm {
            Arm::Baseline => &self.plan.baseline.version,
            Arm::Candidate | Arm::Shadow => &self.plan.candidate.version,
        };
        nba_ops::metrics()
            .rollout_predictions
            .with(&[version, o.arm.as_str()], |c| c.inc());
        self.window.with(o.arm, |s| {
            s.requests += 1;
            if let Some(d) = o.latency {
                s.latency(d);
            }
            let Some(p) = o.prob else {
                s.errors += 1;
                return;
            };
            if !is_probability(p) {
                s.invalid += 1;
                return;
            }
            if let Some(b) = o.baseline_prob {
                s.disagreement += (p - b).abs();
                s.compared += 1;
                if let Some(won) = o.home_won {
                    let y = if won { 1.0 } else { 0.0 };
                    s.scored += 1;
                    s.brier += (p - y).powi(2);
                    s.brier_baseline += (b - y).powi(2);
                }
            }
        });
    }

    /// Queues `game` to be scored by the candidate off the request path; `baseline_prob`
    /// is the champion's answer. A full queue drops it (counted).
    pub fn shadow(self: &Arc<Self>, game: GameInput, baseline_prob: f64, home_won: Option<bool>) {
        let job = ShadowJob {
            rollout: self.clone(),
            game,
            baseline_prob,
            home_won,
        };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            shadow_queue().try_send(job)
        {
            nba_ops::metrics().shadow_dropped.inc();
        }
    }
}

/// Shadow scorings waiting at most; more are dropped.
const SHADOW_QUEUE: usize = 1024;

struct ShadowJob {
    rollout: Arc<LiveRollout>,
    game: GameInput,
    baseline_prob: f64,
    home_won: Option<bool>,
}

/// The process's shadow queue and its one worker thread (started on first use): shadow
/// scoring takes at most one core's share, and never a request's.
fn shadow_queue() -> &'static SyncSender<ShadowJob> {
    static QUEUE: OnceLock<SyncSender<ShadowJob>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = sync_channel::<ShadowJob>(SHADOW_QUEUE);
        std::thread::Builder::new()
            .name("nba-shadow".into())
            .spawn(move || {
                for job in rx {
                    let started = Instant::now();
                    let c = &job.rollout.candidate;
                    let prob = if c.needs_no_replay(job.game.date) {
                        Some(c.live.predict(&job.game).prob_home)
                    } else {
                        c.as_of(job.game.date, &Cancel::never())
                            .ok()
                            .map(|p| p.predict(&job.game).prob_home)
                    };
                    job.rollout.observe(Observed {
                        arm: Arm::Shadow,
                        latency: Some(started.elapsed()),
                        prob,
                        baseline_prob: Some(job.baseline_prob),
                        home_won: job.home_won,
                    });
                }
            })
            .expect("the shadow thread starts");
        tx
    })
}
