//! Backups the server takes itself when `NBA_MCP_BACKUP_DIR` is set: one every
//! `backup_interval_s` (the first at start-up when the newest in the folder is older than
//! that), each followed by pruning to `backup_max_age_days`; a `backup` health component,
//! metrics for the age and size of the newest good backup, and the `backup_stale` alert
//! through that component. The backup service it creates is the one the admin backup tools
//! use.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use nba_app::backups::{BackupConfig, Backups};
use nba_ops::health::{check_fn, ComponentHealth, HealthCheck};
use nba_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

#[derive(Default)]
struct State {
    /// The newest good backup: when, which, how big.
    last_ok: Option<(DateTime<Utc>, String, u64)>,
    /// The last failure, if it came after the last success.
    last_error: Option<(DateTime<Utc>, String)>,
    /// Whether an attempt has ended since start-up.
    attempted: bool,
}

/// After a failure the next attempt comes this soon (or at the interval, if shorter).
const RETRY: Duration = Duration::from_secs(600);

/// When another backup operation holds the turn, the schedule looks again this soon.
const BUSY_RETRY: Duration = Duration::from_secs(60);

/// Starts the schedule; returns its health check, or none when no folder is configured.
pub async fn start(
    app: &nba_app::App,
    store: &Store,
    settings: &Settings,
    token: &CancellationToken,
) -> Result<Option<Arc<dyn HealthCheck>>> {
    let Some(dir) = settings.backup_dir.as_ref() else {
        return Ok(None);
    };
    let dest =
        nba_backup::Destination::parse(&dir.to_string_lossy(), &nba_backup::S3Options::default())
            .map_err(|e| anyhow::anyhow!("NBA_MCP_BACKUP_DIR: {e}"))?;
    let key_file = settings
        .backup_key_file
        .as_ref()
        .expect("checked when the settings were read");
    let key = nba_backup::BackupKey::from_file(key_file).map_err(|e| anyhow::anyhow!(e))?;
    let interval = Duration::from_secs(settings.backup_interval_s);
    let retention = nba_backup::Retention {
        max_age_days: Some(settings.backup_max_age_days),
        keep_last: None,
        keep_at_least: 1,
    };
    // Shared with the backup tools: one operation at a time, each within half the interval.
    let backups = Backups::new(
        store.clone(),
        BackupConfig {
            dest,
            key: Some(key),
            registry: settings.registry()?,
            max_run: interval / 2,
        },
    );
    app.attach_backups(backups.clone());
    let state = Arc::new(Mutex::new(State::default()));
    // The destination may be down now: the server serves anyway, and the first run says so.
    match backups.newest().await {
        Ok(Some((at, newest))) => record_ok(&state, at, newest.id, newest.bytes),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not list the backups at start-up"),
    }
    if settings.backup_journal_s > 0 {
        spawn_journal(
            backups.clone(),
            Duration::from_secs(settings.backup_journal_s),
            token.clone(),
        );
    }
    let (token, task_state) = (token.clone(), state.clone());
    tokio::spawn(async move {
        loop {
            let wait = next_wait(&task_state, interval);
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
            }
            let m = nba_ops::metrics();
            match backups.create("schedule").await {
                Ok(manifest) => {
                    m.backup_runs.with(&["ok"], |c| c.inc());
                    tracing::info!(
                        backup = manifest.id,
                        bytes = manifest.bytes,
                        "scheduled backup written"
                    );
                    record_ok(&task_state, Utc::now(), manifest.id, manifest.bytes);
                    match nba_backup::prune(backups.destination(), retention, Utc::now()).await {
                        Ok(r) if !r.removed.is_empty() => {
                            tracing::info!(removed = r.removed.len(), "old backups pruned")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "pruning old backups failed"),
                    }
                }
                // A backup asked for by an administrator is running: try again shortly.
                Err(nba_app::AppError::Overloaded { .. }) => {
                    tokio::select! {
                        _ = token.cancelled() => break,
                        _ = tokio::time::sleep(BUSY_RETRY) => {}
                    }
                }
                Err(e) => {
                    m.backup_runs.with(&["failed"], |c| c.inc());
                    tracing::error!(error = %e, "scheduled backup failed");
                    let mut s = task_state.lock().expect("backup state");
                    s.last_error = Some((Utc::now(), e.to_string()));
                    s.attempted = true;
                }
            }
        }
    });
    let grace = interval + interval / 2;
    let check = check_fn("backup", move || {
        let state = state.clone();
        async move { health(&state.lock().expect("backup state"), grace, Utc::now()) }
    });
    Ok(Some(Arc::new(check)))
}

/// Every `every`, the audit and prediction logs' new rows go beside the newest backup as a
/// journal segment: the loss window of a restore is then about `every`, not the interval.
fn spawn_journal(backups: Arc<Backups>, every: Duration, token: CancellationToken) {
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
            match backups.journal().await {
                Ok(true) => {
                    nba_ops::metrics()
                        .backup_journal_last
                        .set(Utc::now().timestamp());
                    failing = false;
                }
                Ok(false) => {}
                Err(e) if !failing => {
                    // Said once per outage; the metric's age shows how long it lasts.
                    tracing::warn!(error = %e, "journal export failed");
                    failing = true;
                }
                Err(_) => {}
            }
        }
    });
}

fn record_ok(state: &Mutex<State>, at: DateTime<Utc>, id: String, bytes: u64) {
    let m = nba_ops::metrics();
    m.backup_last_success.set(at.timestamp());
    m.backup_last_bytes
        .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    let mut s = state.lock().expect("backup state");
    s.last_ok = Some((at, id, bytes));
    s.last_error = None;
    s.attempted = true;
}

/// How long until the next backup is due.
fn next_wait(state: &Mutex<State>, interval: Duration) -> Duration {
    let s = state.lock().expect("backup state");
    if s.last_error.is_some() {
        return RETRY.min(interval);
    }
    match &s.last_ok {
        None => Duration::ZERO,
        Some((at, _, _)) => {
            let due =
                *at + chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::days(1));
            (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        }
    }
}

fn health(s: &State, grace: Duration, now: DateTime<Utc>) -> ComponentHealth {
    let newest = s.last_ok.as_ref().map(|(at, id, _)| {
        let age = (now - *at).to_std().unwrap_or(Duration::ZERO);
        (age, format!("{id} ({} old)", human(age)))
    });
    match (&s.last_error, newest) {
        (Some((at, e)), newest) => ComponentHealth::degraded(format!(
            "the last backup failed at {}: {e}; newest good backup: {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            newest.map(|(_, n)| n).unwrap_or_else(|| "none".into())
        )),
        (None, Some((age, n))) if age > grace => ComponentHealth::degraded(format!(
            "the newest good backup is {n}, older than {}",
            human(grace)
        )),
        (None, Some((_, n))) => ComponentHealth::healthy(format!("newest good backup: {n}")),
        (None, None) if !s.attempted => {
            ComponentHealth::healthy("no backup yet; the first is being taken")
        }
        (None, None) => ComponentHealth::degraded("no backup yet"),
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 2 * 3600 {
        format!("{} h", s / 3600)
    } else if s >= 120 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_says_fresh_stale_failed_and_first() {
        let now = Utc::now();
        let grace = Duration::from_secs(3600);
        let mut s = State::default();
        assert!(health(&s, grace, now)
            .message
            .contains("first is being taken"));
        s.attempted = true;
        assert_eq!(
            health(&s, grace, now).status,
            nba_ops::health::Status::Degraded
        );
        s.last_ok = Some((now - chrono::Duration::minutes(10), "nba-x".into(), 1));
        let h = health(&s, grace, now);
        assert_eq!(h.status, nba_ops::health::Status::Healthy, "{}", h.message);
        s.last_ok = Some((now - chrono::Duration::hours(3), "nba-x".into(), 1));
        let h = health(&s, grace, now);
        assert!(h.message.contains("older than"), "{}", h.message);
        s.last_error = Some((now, "disk full".into()));
        let h = health(&s, grace, now);
        assert!(
            h.message.contains("disk full") && h.message.contains("nba-x"),
            "{}",
            h.message
        );
    }
}
