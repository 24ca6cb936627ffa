//! Backups taken by the running server: one service per process that the schedule and the
//! admin tools (`backup_create`, `backup_list`, `backup_verify`) share, so at most one backup
//! operation runs at a time, each bounded in time, into the one configured destination
//! (callers never choose where a backup goes). Restore is not here: it replaces the store
//! under the server, so it is the CLI's, with the servers stopped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use nba_backup::{BackupKey, Destination, Manifest, VerifyReport};
use nba_registry::ModelRegistry;
use nba_store::Store;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppError;

/// Longest one journal export may run.
const JOURNAL_LIMIT: Duration = Duration::from_secs(120);

/// What the server backs up to.
pub struct BackupConfig {
    pub dest: Destination,
    /// None: backups are written unencrypted (the server itself always has a key).
    pub key: Option<BackupKey>,
    pub registry: Arc<dyn ModelRegistry>,
    /// Longest one backup or verification may run; it is abandoned after that.
    pub max_run: Duration,
}

/// The operation running now.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Running {
    /// `create` or `verify`.
    pub operation: String,
    /// Who asked: `schedule`, or the principal's id.
    pub by: String,
    pub started_at: String,
}

/// How the last backup taken by this process ended.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LastRun {
    pub by: String,
    pub finished_at: String,
    /// `ok` or `failed`.
    pub outcome: String,
    /// The backup written (ok) or what went wrong (failed).
    pub detail: String,
}

#[derive(Default)]
struct State {
    running: Option<Running>,
    last: Option<LastRun>,
}

pub struct Backups {
    config: BackupConfig,
    store: Store,
    state: Mutex<State>,
    /// The newest complete backup known (the base journal segments go beside).
    newest: Mutex<Option<Manifest>>,
}

/// Clears the running mark however the operation ends (also when its task is dropped).
struct Turn<'a>(&'a Backups);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.state.lock().expect("backup state").running = None;
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Backups {
    pub fn new(store: Store, config: BackupConfig) -> Arc<Backups> {
        Arc::new(Backups {
            config,
            store,
            state: Mutex::default(),
            newest: Mutex::default(),
        })
    }

    pub fn destination(&self) -> &Destination {
        &self.config.dest
    }

    pub fn running(&self) -> Option<Running> {
        self.state.lock().expect("backup state").running.clone()
    }

    pub fn last(&self) -> Option<LastRun> {
        self.state.lock().expect("backup state").last.clone()
    }

    /// The error for a caller who finds an operation running (none when idle).
    pub fn busy(&self) -> Option<AppError> {
        self.running().as_ref().map(busy)
    }

    /// Takes the turn for `operation`, or says what is running.
    fn turn(&self, operation: &str, by: &str) -> Result<Turn<'_>, AppError> {
        let mut s = self.state.lock().expect("backup state");
        if let Some(r) = &s.running {
            return Err(busy(r));
        }
        s.running = Some(Running {
            operation: operation.into(),
            by: by.into(),
            started_at: now(),
        });
        Ok(Turn(self))
    }

    /// Takes a backup now (by `by`: `schedule` or a principal), within `max_run`.
    pub async fn create(&self, by: &str) -> Result<Manifest, AppError> {
        let _turn = self.turn("create", by)?;
        let run = nba_backup::create(
            &self.store,
            self.config.registry.as_ref(),
            &self.config.dest,
            self.config.key.as_ref(),
        );
        let result = match tokio::time::timeout(self.config.max_run, run).await {
            Ok(r) => r.map_err(backup_error),
            Err(_) => Err(AppError::Timeout(format!(
                "the backup did not finish within {} s and was abandoned",
                self.config.max_run.as_secs()
            ))),
        };
        if let Ok(m) = &result {
            *self.newest.lock().expect("newest backup") = Some(m.clone());
        }
        let (outcome, detail) = match &result {
            Ok(m) => ("ok", m.id.clone()),
            Err(e) => ("failed", e.to_string()),
        };
        self.state.lock().expect("backup state").last = Some(LastRun {
            by: by.into(),
            finished_at: now(),
            outcome: outcome.into(),
            detail,
        });
        result
    }

    /// The complete backups in the destination, oldest first.
    pub async fn list(&self) -> Result<Vec<Manifest>, AppError> {
        nba_backup::list(&self.config.dest)
            .await
            .map_err(backup_error)
    }

    /// Reads backup `id` back and checks it against its manifest, within `max_run`. The
    /// inner error says what is wrong with a backup that does not verify.
    pub async fn verify(
        &self,
        id: &str,
        by: &str,
    ) -> Result<Result<VerifyReport, String>, AppError> {
        let _turn = self.turn("verify", by)?;
        let run = nba_backup::verify(&self.config.dest, id, self.config.key.as_ref());
        match tokio::time::timeout(self.config.max_run, run).await {
            Ok(Ok(r)) => Ok(Ok(r)),
            Ok(Err(
                e @ (nba_backup::BackupError::Invalid { .. } | nba_backup::BackupError::Key(_)),
            )) => Ok(Err(e.to_string())),
            Ok(Err(e)) => Err(backup_error(e)),
            Err(_) => Err(AppError::Timeout(format!(
                "verification did not finish within {} s",
                self.config.max_run.as_secs()
            ))),
        }
    }

    /// When the newest complete backup was taken, if any (for the schedule).
    pub async fn newest(&self) -> Result<Option<(DateTime<Utc>, Manifest)>, AppError> {
        let newest = self.list().await?.pop();
        *self.newest.lock().expect("newest backup") = newest.clone();
        Ok(newest.and_then(|m| {
            DateTime::parse_from_rfc3339(&m.created_at)
                .ok()
                .map(|at| (at.with_timezone(&Utc), m))
        }))
    }

    /// Saves what the audit and prediction logs gained since the newest backup (and its
    /// journal) as its next journal segment. False when there is no backup to journal
    /// against yet; true when the logs are saved up to now (a segment was written, or
    /// nothing was new). Not behind the turn: a long backup must not widen the loss window.
    pub async fn journal(&self) -> Result<bool, AppError> {
        let cached = self.newest.lock().expect("newest backup").clone();
        let base = match cached {
            Some(m) => m,
            None => match self.newest().await? {
                Some((_, m)) => m,
                None => return Ok(false),
            },
        };
        let run = nba_backup::journal::export(
            &self.store,
            &self.config.dest,
            &base,
            self.config.key.as_ref(),
        );
        match tokio::time::timeout(JOURNAL_LIMIT, run).await {
            Ok(Ok(_)) => Ok(true),
            Ok(Err(e)) => Err(backup_error(e)),
            Err(_) => Err(AppError::Timeout(format!(
                "the journal export did not finish within {} s",
                JOURNAL_LIMIT.as_secs()
            ))),
        }
    }
}

fn busy(r: &Running) -> AppError {
    AppError::Overloaded {
        message: format!(
            "a backup {} (by {}, since {}) is running; one backup operation runs at a time",
            r.operation, r.by, r.started_at
        ),
        retry_after_s: 30,
    }
}

fn backup_error(e: nba_backup::BackupError) -> AppError {
    use nba_backup::BackupError as E;
    match e {
        E::Refused(m) if m.starts_with("no backup '") => AppError::NotFound(m),
        E::Refused(m) | E::Key(m) => AppError::InvalidArgument(m),
        e @ E::Invalid { .. } => AppError::InvalidArgument(e.to_string()),
        e @ (E::Io { .. } | E::Database(_)) => AppError::Unavailable {
            message: format!("backup destination or store unavailable: {e}"),
            retry_after_s: 60,
        },
        e => AppError::Internal(e.to_string()),
    }
}
