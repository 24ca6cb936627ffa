//! The audit writer: entries are queued and appended to the store's hash chain in batches
//! by one background task, so a request does not wait for the database. Unlike the
//! prediction log nothing is dropped: a full queue makes callers wait (back-pressure), a
//! failed write is retried, and `flush`/`close` return once everything queued is stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nba_auth::audit::AuditEntry;
use nba_store::Store;
use tokio::sync::{mpsc, oneshot};

use super::Transport;

const CAPACITY: usize = 65_536;
const BATCH: usize = 500;

enum Msg {
    Entry(AuditEntry),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Msg>,
    written: Arc<AtomicU64>,
    failures: Arc<AtomicU64>,
}

pub(crate) fn entry(
    principal: &str,
    role: &str,
    action: &str,
    target: &str,
    outcome: &str,
    request_id: &str,
    transport: Transport,
) -> AuditEntry {
    AuditEntry {
        ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        principal: principal.into(),
        role: role.into(),
        action: action.into(),
        // Targets come from requests: bounded, so a huge argument cannot bloat the log.
        target: target.chars().take(200).collect(),
        outcome: outcome.into(),
        request_id: request_id.chars().take(128).collect(),
        transport: transport.as_str().into(),
    }
}

impl AuditWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> AuditWriter {
        let (tx, mut rx) = mpsc::channel::<Msg>(CAPACITY);
        let written = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(AtomicU64::new(0));
        let (w, f) = (written.clone(), failures.clone());
        tokio::spawn(async move {
            let mut msgs = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut msgs, BATCH).await > 0 {
                let mut entries = Vec::with_capacity(msgs.len());
                let mut waiting = Vec::new();
                for m in msgs.drain(..) {
                    match m {
                        Msg::Entry(e) => entries.push(e),
                        Msg::Flush(done) => waiting.push(done),
                    }
                }
                if !entries.is_empty() {
                    let n = entries.len() as u64;
                    let mut delay = Duration::from_millis(50);
                    // Retries until stored: an audit entry is never dropped while the
                    // process runs. The store being down shows in health checks.
                    loop {
                        match store.append_audit(entries.clone()).await {
                            Ok(_) => break,
                            Err(e) => {
                                f.fetch_add(1, Ordering::Relaxed);
                                nba_ops::metrics()
                                    .audit_entries
                                    .with(&["write_failed"], |c| c.inc());
                                tracing::error!(error = %e, entries = n, "cannot write the audit log; retrying");
                                tokio::time::sleep(delay).await;
                                delay = (delay * 2).min(Duration::from_secs(5));
                            }
                        }
                    }
                    w.fetch_add(n, Ordering::Relaxed);
                    nba_ops::metrics()
                        .audit_entries
                        .with(&["written"], |c| c.add(n));
                }
                for done in waiting {
                    let _ = done.send(());
                }
            }
        });
        AuditWriter {
            tx,
            written,
            failures,
        }
    }

    /// Queues an entry. Never blocks the caller's task: when the queue is full the entry is
    /// handed to a task that waits for room.
    pub fn record(&self, entry: AuditEntry) {
        match self.tx.try_send(Msg::Entry(entry)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(msg)) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(msg).await;
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("audit writer stopped; entry not written");
            }
        }
    }

    /// Returns once every entry queued before the call is stored.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    pub fn stats(&self) -> (u64, u64) {
        (
            self.written.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed),
        )
    }
}
