//! The audit writer: entries are queued and appended to the store's hash chain in batches
//! by one background task, so a request does not wait for the database. Unlike the
//! prediction log nothing is dropped while there is disk: the queue is bounded; when the
//! database cannot be written (or the queue is full) entries go to a local spill file,
//! fsynced, and are replayed in order once the database answers; `flush`/`close` return
//! once everything queued is stored or spilled.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nba_auth::audit::AuditEntry;
use nba_store::Store;
use tokio::sync::{mpsc, oneshot};

use super::Transport;

const BATCH: usize = 500;

// Entries are moved through the queue as they are: boxing them would add an allocation
// per audited request to save a few hundred bytes per queue slot.
#[allow(clippy::large_enum_variant)]
enum Msg {
    Entry(AuditEntry),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Msg>,
    written: Arc<AtomicU64>,
    failures: Arc<AtomicU64>,
    spill: Option<Arc<Spill>>,
}

/// How often entries waiting in the spill file are retried.
const REPLAY_EVERY: Duration = Duration::from_secs(2);

/// Audit entries that could not be written yet: one JSON line each, appended in order,
/// replayed in order (the offset of the next line to replay is kept beside the file, so a
/// restart resumes where it stopped and nothing is written twice).
pub struct Spill {
    path: PathBuf,
    max_bytes: u64,
    state: Mutex<SpillState>,
}

struct SpillState {
    /// Bytes in the file, and the offset replayed so far.
    len: u64,
    replayed: u64,
}

impl Spill {
    /// Opens (or creates) the spill file; entries left by an earlier run are replayed first.
    pub fn open(path: PathBuf, max_bytes: u64) -> std::io::Result<Spill> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let replayed = std::fs::read_to_string(offset_path(&path))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
            .min(len);
        if len > replayed {
            tracing::warn!(path = %path.display(), bytes = len - replayed, "audit entries from an earlier run wait in the spill file; they are replayed when the database answers");
        }
        Ok(Spill {
            path,
            max_bytes,
            state: Mutex::new(SpillState { len, replayed }),
        })
    }

    /// Whether entries wait in the file.
    pub fn pending(&self) -> bool {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.len > s.replayed
    }

    fn append(&self, entries: &[AuditEntry]) {
        use std::io::Write;
        let mut text = Vec::new();
        for e in entries {
            if serde_json::to_writer(&mut text, e).is_ok() {
                text.push(b'\n');
            }
        }
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.len + text.len() as u64 > self.max_bytes {
            nba_ops::metrics()
                .audit_entries
                .with(&["dropped"], |c| c.add(entries.len() as u64));
            tracing::error!(path = %self.path.display(), max_bytes = self.max_bytes, entries = entries.len(), "the audit spill file is full; entries LOST");
            return;
        }
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(&text).and_then(|_| f.sync_data()));
        match written {
            Ok(()) => {
                s.len += text.len() as u64;
                nba_ops::metrics()
                    .audit_entries
                    .with(&["spilled"], |c| c.add(entries.len() as u64));
                nba_ops::metrics().audit_spill.add(entries.len() as i64);
            }
            Err(e) => {
                nba_ops::metrics()
                    .audit_entries
                    .with(&["dropped"], |c| c.add(entries.len() as u64));
                tracing::error!(path = %self.path.display(), error = %e, "cannot write the audit spill file; entries LOST");
            }
        }
    }

    /// The next batch of waiting entries and the offset after them.
    fn next_batch(&self) -> std::io::Result<Option<(Vec<AuditEntry>, u64)>> {
        use std::io::{BufRead, Seek};
        let from = {
            let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if s.len <= s.replayed {
                return Ok(None);
            }
            s.replayed
        };
        let mut file = std::io::BufReader::new(std::fs::File::open(&self.path)?);
        file.seek(std::io::SeekFrom::Start(from))?;
        let (mut entries, mut at, mut line) = (Vec::new(), from, String::new());
        while entries.len() < BATCH {
            line.clear();
            let n = file.read_line(&mut line)?;
            if n == 0 || !line.ends_with('\n') {
                break;
            }
            at += n as u64;
            match serde_json::from_str::<AuditEntry>(line.trim_end()) {
                Ok(e) => entries.push(e),
                Err(e) => {
                    tracing::error!(path = %self.path.display(), offset = at, error = %e, "unreadable line in the audit spill file skipped")
                }
            }
        }
        Ok(Some((entries, at)))
    }

    /// Marks everything before `offset` as stored; empties the file once all is.
    fn done(&self, offset: u64, entries: usize) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.replayed = offset;
        nba_ops::metrics().audit_spill.sub(entries as i64);
        if s.replayed >= s.len {
            let _ = std::fs::write(&self.path, b"");
            let _ = std::fs::remove_file(offset_path(&self.path));
            s.len = 0;
            s.replayed = 0;
            nba_ops::metrics().audit_spill.set(0);
        } else {
            let _ = std::fs::write(offset_path(&self.path), offset.to_string());
        }
    }
}

fn offset_path(path: &std::path::Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".offset");
    PathBuf::from(p)
}

/// Replays waiting entries in order until the file is empty or the database fails again.
async fn replay(store: &Store, spill: &Spill, written: &AtomicU64) {
    loop {
        let (entries, offset) = match spill.next_batch() {
            Ok(Some(batch)) => batch,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the audit spill file");
                return;
            }
        };
        let n = entries.len();
        if n > 0 {
            if let Err(e) = store.append_audit(entries).await {
                tracing::debug!(error = %e, "audit replay: the database is still away");
                return;
            }
            written.fetch_add(n as u64, Ordering::Relaxed);
            nba_ops::metrics()
                .audit_entries
                .with(&["replayed"], |c| c.add(n as u64));
        }
        spill.done(offset, n);
        if n > 0 {
            tracing::info!(entries = n, "audit entries replayed from the spill file");
        }
    }
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
        credential: String::new(),
    }
}

/// How long a batch waits for more entries before it is written: under load one
/// transaction then carries hundreds of entries instead of a few, and an idle server writes
/// an entry this much later. A flush request ends the wait at once.
const LINGER: Duration = Duration::from_millis(20);

/// Adds to `msgs` what arrives within `LINGER`, up to `BATCH`, unless it holds a flush.
async fn linger(rx: &mut mpsc::Receiver<Msg>, msgs: &mut Vec<Msg>) {
    let flush = |m: &[Msg]| m.iter().any(|m| matches!(m, Msg::Flush(_)));
    let until = tokio::time::Instant::now() + LINGER;
    while msgs.len() < BATCH && !flush(msgs) {
        let room = BATCH - msgs.len();
        match tokio::time::timeout_at(until, rx.recv_many(msgs, room)).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

impl AuditWriter {
    /// Starts the writer task on the current runtime: at most `capacity` entries wait in
    /// memory; with `spill` set, entries that cannot reach the database go to that file and
    /// are replayed in order when it is back.
    pub fn start(store: Store, capacity: usize, spill: Option<Spill>) -> AuditWriter {
        let (tx, mut rx) = mpsc::channel::<Msg>(capacity.max(1));
        let written = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(AtomicU64::new(0));
        let (w, f) = (written.clone(), failures.clone());
        let spill = spill.map(Arc::new);
        let task_spill = spill.clone();
        tokio::spawn(async move {
            let spill = task_spill;
            let mut msgs = Vec::with_capacity(BATCH);
            loop {
                // While entries wait in the spill file, wake up now and then to replay them.
                let received = match &spill {
                    Some(sp) if sp.pending() => {
                        match tokio::time::timeout(REPLAY_EVERY, rx.recv_many(&mut msgs, BATCH))
                            .await
                        {
                            Ok(n) => n,
                            Err(_) => {
                                replay(&store, sp, &w).await;
                                continue;
                            }
                        }
                    }
                    _ => rx.recv_many(&mut msgs, BATCH).await,
                };
                if received == 0 {
                    break;
                }
                linger(&mut rx, &mut msgs).await;
                nba_ops::metrics().audit_queue.set(rx.len() as i64);
                let mut entries = Vec::with_capacity(msgs.len());
                let mut waiting = Vec::new();
                for m in msgs.drain(..) {
                    match m {
                        Msg::Entry(e) => entries.push(e),
                        Msg::Flush(done) => waiting.push(done),
                    }
                }
                if let Some(sp) = &spill {
                    if sp.pending() {
                        replay(&store, sp, &w).await;
                    }
                }
                if !entries.is_empty() {
                    let n = entries.len() as u64;
                    match &spill {
                        // Order is kept: once entries wait in the file, new ones join them.
                        Some(sp) if sp.pending() => sp.append(&entries),
                        Some(sp) => {
                            if let Err(e) = store.append_audit(entries.clone()).await {
                                f.fetch_add(1, Ordering::Relaxed);
                                nba_ops::metrics()
                                    .audit_entries
                                    .with(&["write_failed"], |c| c.inc());
                                tracing::error!(error = %e, entries = n, "cannot write the audit log; spilling to {}", sp.path.display());
                                sp.append(&entries);
                            } else {
                                w.fetch_add(n, Ordering::Relaxed);
                                nba_ops::metrics()
                                    .audit_entries
                                    .with(&["written"], |c| c.add(n));
                            }
                        }
                        None => {
                            let mut delay = Duration::from_millis(50);
                            // No spill file: retried until stored.
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
                    }
                }
                for done in waiting {
                    let _ = done.send(());
                }
            }
            // Shutting down: one last try to replay what waits in the file.
            if let Some(sp) = &spill {
                if sp.pending() {
                    replay(&store, sp, &w).await;
                }
            }
        });
        AuditWriter {
            tx,
            written,
            failures,
            spill,
        }
    }

    /// Queues an entry. Never blocks the caller's task and never grows memory past the
    /// queue's bound: when the queue is full the entry goes to the spill file (or, with
    /// none, to a task that waits for room).
    pub fn record(&self, entry: AuditEntry) {
        match self.tx.try_send(Msg::Entry(entry)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Msg::Entry(entry))) => match &self.spill {
                Some(sp) => sp.append(std::slice::from_ref(&entry)),
                None => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(Msg::Entry(entry)).await;
                    });
                }
            },
            Err(mpsc::error::TrySendError::Full(_)) => {}
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
