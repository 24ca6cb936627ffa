//! Bounded work. Every tool call is admitted against a cap of calls in flight (in total and
//! per principal) and runs under a deadline; CPU-heavy parts (replaying history for past
//! dates, season simulations) run on a small pool off the async runtime, so probes and
//! other callers keep being answered, and they stop cooperatively when the deadline passes
//! or the caller goes away. Over a cap a call is refused at once with a retry hint, never
//! queued without bound.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::AppError;

/// Limits of the application layer (the `[limits]` table; see OPERATIONS_GUIDE.md).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest a tool call may run; the work stops and the caller gets `timeout`.
    pub tool_timeout: Duration,
    /// Tool calls in flight in this process; more get 503 `overloaded`.
    pub max_calls: usize,
    /// Tool calls in flight per principal; more get 429 `too_many_calls`.
    pub max_calls_per_principal: usize,
    /// Threads for CPU-heavy tool work.
    pub cpu_workers: usize,
    /// CPU-heavy jobs per principal running or waiting; more get 429.
    pub cpu_jobs_per_principal: usize,
    /// CPU-heavy jobs waiting for a thread in total; more get 503.
    pub cpu_queue: usize,
    /// Largest tool answer (JSON bytes); a larger one is an error, never sent half.
    pub max_answer_bytes: usize,
    /// Predictions of one batch call written to the prediction log (spread evenly).
    pub batch_log_sample: usize,
    /// MCP sessions open at once (Streamable HTTP, handshake protocol).
    pub max_sessions: usize,
    /// MCP sessions one principal may hold open.
    pub max_sessions_per_principal: usize,
    /// Prediction log retention: rows older than this many days are removed...
    pub prediction_log_max_age_days: u64,
    /// ...and the oldest beyond this many rows.
    pub prediction_log_max_rows: u64,
    /// Predictions logged per second at most (the rest are counted, not stored).
    pub prediction_log_max_per_s: u32,
    /// Audit log retention (the chain stays verifiable from its anchor).
    pub audit_log_max_age_days: u64,
    pub audit_log_max_rows: u64,
    /// With the database unreachable, a key seen valid within this long keeps working.
    pub auth_grace: Duration,
    /// Audit entries held in memory; beyond it they go to the spill file.
    pub audit_queue: usize,
    /// Largest audit spill file; beyond it requests that must be audited get 503.
    pub audit_spill_max_bytes: u64,
    /// The cache of data tools' answers (entries 0: none).
    pub answer_cache: crate::AnswerCacheLimits,
    /// How often the data version is read from the store: a load by another process is
    /// seen by the caches within this long.
    pub data_version_every: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            tool_timeout: Duration::from_secs(20),
            max_calls: 256,
            max_calls_per_principal: 16,
            cpu_workers: cores,
            cpu_jobs_per_principal: cores.div_ceil(2),
            cpu_queue: 64,
            max_answer_bytes: 8 * 1024 * 1024,
            batch_log_sample: 16,
            max_sessions: 10_000,
            max_sessions_per_principal: 64,
            prediction_log_max_age_days: 90,
            prediction_log_max_rows: 2_000_000,
            prediction_log_max_per_s: 500,
            audit_log_max_age_days: 400,
            audit_log_max_rows: 50_000_000,
            auth_grace: Duration::from_secs(900),
            audit_queue: 10_000,
            audit_spill_max_bytes: 256 * 1024 * 1024,
            answer_cache: crate::AnswerCacheLimits::default(),
            data_version_every: Duration::from_secs(1),
        }
    }
}

tokio::task_local! {
    /// The deadline of the tool call this task is running.
    static DEADLINE: Instant;
}

/// Runs `fut` with `deadline` visible to [`Work::cpu`] inside it.
pub(crate) async fn with_deadline<F: std::future::Future>(deadline: Instant, fut: F) -> F::Output {
    DEADLINE.scope(deadline, fut).await
}

/// The deadline of the current tool call, if any.
pub(crate) fn current_deadline() -> Option<Instant> {
    DEADLINE.try_with(|d| *d).ok()
}

/// Checked by CPU-heavy loops: stops them once the deadline passed or the caller left.
#[derive(Clone)]
pub struct Cancel {
    deadline: Instant,
    dropped: Arc<AtomicBool>,
}

impl Cancel {
    pub fn new(deadline: Instant) -> Cancel {
        Cancel {
            deadline,
            dropped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A token that never fires (background work with no caller).
    pub fn never() -> Cancel {
        Cancel::new(Instant::now() + Duration::from_secs(365 * 24 * 3600))
    }

    /// `Err(timeout)` once the work should stop.
    pub fn check(&self) -> Result<(), AppError> {
        if self.dropped.load(Ordering::Relaxed) {
            return Err(AppError::Timeout(
                "the request was abandoned by its caller".into(),
            ));
        }
        if Instant::now() >= self.deadline {
            return Err(timeout_error());
        }
        Ok(())
    }
}

pub(crate) fn timeout_error() -> AppError {
    AppError::Timeout(
        "the call ran past its time limit and was stopped; ask for less (fewer games, dates or simulations)"
            .into(),
    )
}

/// Sets the token's flag when the awaiting future is dropped (deadline, client gone).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

pub(crate) struct Work {
    pub(crate) limits: Limits,
    calls: Arc<AtomicUsize>,
    per_principal: Arc<Mutex<HashMap<String, Counts>>>,
    cpu: Arc<Semaphore>,
    cpu_waiting: AtomicUsize,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    calls: usize,
    cpu: usize,
}

/// A tool call's place; released on drop.
pub(crate) struct CallSlot {
    calls: Arc<AtomicUsize>,
    per_principal: Arc<Mutex<HashMap<String, Counts>>>,
    principal: String,
}

impl Drop for CallSlot {
    fn drop(&mut self) {
        self.calls.fetch_sub(1, Ordering::Relaxed);
        release(&self.per_principal, &self.principal, |c| c.calls -= 1);
        calls_in_flight(self.calls.load(Ordering::Relaxed));
    }
}

fn release(map: &Mutex<HashMap<String, Counts>>, principal: &str, f: impl FnOnce(&mut Counts)) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = map.get_mut(principal) {
        f(c);
        if c.calls == 0 && c.cpu == 0 {
            map.remove(principal);
        }
    }
}

impl Work {
    pub(crate) fn new(limits: Limits) -> Work {
        Work {
            cpu: Arc::new(Semaphore::new(limits.cpu_workers.max(1))),
            limits,
            calls: Arc::new(AtomicUsize::new(0)),
            per_principal: Default::default(),
            cpu_waiting: AtomicUsize::new(0),
        }
    }

    /// Admits one tool call of `principal`, or says why not (nothing waits).
    pub(crate) fn admit(&self, principal: &str) -> Result<CallSlot, AppError> {
        let now = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if now > self.limits.max_calls {
            self.calls.fetch_sub(1, Ordering::Relaxed);
            nba_ops::record_shed("calls");
            return Err(AppError::Overloaded {
                message: format!(
                    "the server is busy: {} tool calls are in progress (limit {}); retry shortly",
                    now - 1,
                    self.limits.max_calls
                ),
                retry_after_s: 1,
            });
        }
        {
            let mut map = self.per_principal.lock().unwrap_or_else(|e| e.into_inner());
            let c = map.entry(principal.to_string()).or_default();
            if c.calls >= self.limits.max_calls_per_principal {
                drop(map);
                self.calls.fetch_sub(1, Ordering::Relaxed);
                nba_ops::record_shed("principal_calls");
                return Err(AppError::TooManyCalls {
                    message: format!(
                        "you have {} tool calls in progress, the most one caller may have at once; wait for one to finish",
                        self.limits.max_calls_per_principal
                    ),
                    retry_after_s: 1,
                });
            }
            c.calls += 1;
        }
        calls_in_flight(now);
        Ok(CallSlot {
            calls: self.calls.clone(),
            per_principal: self.per_principal.clone(),
            principal: principal.to_string(),
        })
    }

    /// Runs CPU-heavy `f` on the CPU pool under the current call's deadline. `f` must call
    /// `cancel.check()` in its loops; when this future is dropped (the caller's deadline or
    /// disconnect) the token fires and `f` stops at its next check.
    pub(crate) async fn cpu<T, F>(&self, principal: &str, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Cancel) -> Result<T, AppError> + Send + 'static,
    {
        let deadline =
            current_deadline().unwrap_or_else(|| Instant::now() + self.limits.tool_timeout);
        let cancel = Cancel::new(deadline);
        let _fire = CancelOnDrop(cancel.dropped.clone());
        {
            let mut map = self.per_principal.lock().unwrap_or_else(|e| e.into_inner());
            let c = map.entry(principal.to_string()).or_default();
            if c.cpu >= self.limits.cpu_jobs_per_principal {
                drop(map);
                nba_ops::record_shed("principal_cpu");
                return Err(AppError::TooManyCalls {
                    message: format!(
                        "you have {} compute-heavy calls (batches of past dates, simulations) running, the most one caller may have at once; wait for one to finish",
                        self.limits.cpu_jobs_per_principal
                    ),
                    retry_after_s: 1,
                });
            }
            c.cpu += 1;
        }
        let _job = CpuJob {
            per_principal: self.per_principal.clone(),
            principal: principal.to_string(),
        };
        let waiting = self.cpu_waiting.fetch_add(1, Ordering::Relaxed);
        if waiting >= self.limits.cpu_queue {
            self.cpu_waiting.fetch_sub(1, Ordering::Relaxed);
            nba_ops::record_shed("cpu_queue");
            return Err(AppError::Overloaded {
                message: format!(
                    "the server is busy: {waiting} compute-heavy calls are waiting (limit {}); retry shortly",
                    self.limits.cpu_queue
                ),
                retry_after_s: 2,
            });
        }
        let permit =
            tokio::time::timeout_at(deadline.into(), self.cpu.clone().acquire_owned()).await;
        self.cpu_waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = match permit {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(AppError::Internal("the CPU pool is closed".into())),
            Err(_) => return Err(timeout_error()),
        };
        let started = Instant::now();
        let c = cancel.clone();
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&c)
        })
        .await
        .map_err(|e| AppError::Internal(format!("CPU task failed: {e}")))?;
        cpu_job(started.elapsed(), result.is_ok());
        result
    }
}

fn calls_in_flight(n: usize) {
    nba_ops::metrics().tool_calls_in_flight.set(n as i64);
}

fn cpu_job(elapsed: Duration, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    nba_ops::metrics()
        .cpu_jobs
        .with(&[outcome], |h| h.observe(elapsed));
}

struct CpuJob {
    per_principal: Arc<Mutex<HashMap<String, Counts>>>,
    principal: String,
}

impl Drop for CpuJob {
    fn drop(&mut self) {
        release(&self.per_principal, &self.principal, |c| c.cpu -= 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            tool_timeout: Duration::from_millis(200),
            max_calls: 3,
            max_calls_per_principal: 2,
            cpu_workers: 1,
            cpu_jobs_per_principal: 1,
            cpu_queue: 1,
            max_answer_bytes: 1024,
            batch_log_sample: 4,
            ..Limits::default()
        }
    }

    #[test]
    fn calls_are_capped_per_principal_and_in_total_and_released_on_drop() {
        let w = Work::new(limits());
        let a1 = w.admit("a").unwrap();
        let _a2 = w.admit("a").unwrap();
        assert_eq!(w.admit("a").err().unwrap().code(), "too_many_calls");
        let _b1 = w.admit("b").unwrap();
        assert_eq!(w.admit("c").err().unwrap().code(), "overloaded");
        drop(a1);
        let _c1 = w.admit("c").unwrap();
        assert!(w.per_principal.lock().unwrap().contains_key("c"));
    }

    #[tokio::test]
    async fn cpu_work_stops_at_the_deadline() {
        let w = Work::new(limits());
        let started = Instant::now();
        let r: Result<(), AppError> = w
            .cpu("a", |cancel| loop {
                cancel.check()?;
                std::hint::spin_loop();
            })
            .await;
        assert_eq!(r.err().unwrap().code(), "timeout");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(w.per_principal.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_dropped_caller_stops_its_cpu_work() {
        let w = Arc::new(Work::new(Limits {
            tool_timeout: Duration::from_secs(60),
            ..limits()
        }));
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let (stopped_tx, stopped) = std::sync::mpsc::channel::<()>();
        let w2 = w.clone();
        let task = tokio::spawn(async move {
            w2.cpu("a", move |cancel| {
                let _ = started_tx.send(());
                while cancel.check().is_ok() {
                    std::hint::spin_loop();
                }
                let _ = stopped_tx.send(());
                Ok(())
            })
            .await
        });
        tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(5)))
            .await
            .unwrap()
            .expect("the CPU job started");
        task.abort();
        let stopped =
            tokio::task::spawn_blocking(move || stopped.recv_timeout(Duration::from_secs(5)))
                .await
                .unwrap();
        assert!(stopped.is_ok(), "the CPU loop kept running");
    }

    #[tokio::test]
    async fn one_principal_cannot_take_every_cpu_slot() {
        let w = Arc::new(Work::new(Limits {
            cpu_workers: 2,
            tool_timeout: Duration::from_secs(5),
            ..limits()
        }));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let w2 = w.clone();
        let first = tokio::spawn(async move {
            w2.cpu("a", move |_| {
                let _ = started_tx.send(());
                let _ = rx.recv_timeout(Duration::from_secs(5));
                Ok(())
            })
            .await
        });
        tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(5)))
            .await
            .unwrap()
            .expect("the first job started");
        let second = w.cpu("a", |_| Ok(())).await;
        assert_eq!(second.err().unwrap().code(), "too_many_calls");
        assert!(w.cpu("b", |_| Ok(7)).await.unwrap() == 7);
        tx.send(()).unwrap();
        first.await.unwrap().unwrap();
    }
}
