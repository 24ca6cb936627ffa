//! Logs served predictions in batches from a background task, so a request never waits on
//! the database. The channel is bounded: when the database falls behind, new entries are
//! dropped and counted rather than slowing requests. `close` drains what is queued.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nba_store::{PredictionLogRow, Store};
use tokio::sync::{mpsc, Mutex};
use tokio::task::JoinHandle;

const CAPACITY: usize = 65_536;
const BATCH: usize = 1_000;
const EVERY: Duration = Duration::from_millis(500);
/// How long a batch waits for more rows before it is written.
const LINGER: Duration = Duration::from_millis(50);

#[derive(Clone)]
pub struct PredictionLogger {
    tx: mpsc::Sender<PredictionLogRow>,
    /// At most this many rows a second are logged; the rest are counted as sampled out.
    max_per_s: u32,
    window: Arc<std::sync::Mutex<(u64, u32)>>,
    sampled_out: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
    closing: Arc<tokio::sync::Notify>,
}

impl PredictionLogger {
    /// Starts the writer task on the current runtime; at most `max_per_s` rows a second
    /// are logged, so no caller can grow the log faster than retention bounds it.
    pub fn start(store: Store, max_per_s: u32) -> PredictionLogger {
        let (tx, mut rx) = mpsc::channel::<PredictionLogRow>(CAPACITY);
        let written = Arc::new(AtomicU64::new(0));
        let closing = Arc::new(tokio::sync::Notify::new());
        let w = written.clone();
        let c = closing.clone();
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let closed = tokio::select! {
                    n = rx.recv_many(&mut batch, BATCH) => n == 0,
                    _ = tokio::time::sleep(EVERY) => false,
                    _ = c.notified() => { rx.close(); false }
                };
                // Drain whatever is queued (all of it once closing); while open, wait a
                // little for more, so one transaction carries many rows.
                let until = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(row) => batch.push(row),
                        Err(_) if closed || batch.is_empty() || rx.is_closed() => break,
                        Err(_) => {
                            let room = BATCH - batch.len();
                            match tokio::time::timeout_at(until, rx.recv_many(&mut batch, room))
                                .await
                            {
                                Ok(0) | Err(_) => break,
                                Ok(_) => {}
                            }
                        }
                    }
                }
                if !batch.is_empty() {
                    match store.log_predictions(&batch).await {
                        Ok(()) => {
                            w.fetch_add(batch.len() as u64, Ordering::Relaxed);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, rows = batch.len(), "cannot write prediction log")
                        }
                    }
                    batch.clear();
                    continue;
                }
                if closed || (rx.is_closed() && rx.is_empty()) {
                    break;
                }
            }
        });
        PredictionLogger {
            tx,
            max_per_s,
            window: Arc::new(std::sync::Mutex::new((0, 0))),
            sampled_out: Arc::new(AtomicU64::new(0)),
            dropped: Arc::new(AtomicU64::new(0)),
            written,
            task: Arc::new(Mutex::new(Some(task))),
            closing,
        }
    }

    /// Queues the row `make` builds, if the rate cap lets it in (otherwise it is counted and
    /// never built); never blocks.
    pub fn log_with(&self, make: impl FnOnce() -> PredictionLogRow) {
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        {
            let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
            if w.0 != second {
                *w = (second, 0);
            }
            if w.1 >= self.max_per_s {
                self.sampled_out.fetch_add(1, Ordering::Relaxed);
                nba_ops::metrics()
                    .log_pruned
                    .with(&["prediction_sampled_out"], |c| c.inc());
                return;
            }
            w.1 += 1;
        }
        if self.tx.try_send(make()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// (written, dropped) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.written.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }

    /// Writes everything queued and stops the task.
    pub async fn close(&self) {
        self.closing.notify_one();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}
