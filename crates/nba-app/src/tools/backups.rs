//! Backup tools for administrators: take a backup now, list the backups, verify one. They
//! act on the server's configured destination only (`NBA_MCP_BACKUP_DIR`) and share one
//! turn with the schedule. Restoring replaces the store under the server, so it stays a CLI
//! command run with the servers stopped.

use std::time::{Duration, Instant};

use nba_auth::Permission;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ops::NoInput;
use super::{Ctx, Tool};
use crate::backups::{Backups, LastRun, Running};
use crate::{App, AppError};

/// A backup, as listed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BackupSummary {
    pub id: String,
    pub created_at: String,
    /// The backend the snapshot was taken from.
    pub backend: String,
    pub schema_version: i64,
    pub tables: usize,
    pub rows: u64,
    pub models: usize,
    pub bytes: u64,
    pub encrypted: bool,
    /// The release that wrote it.
    pub written_by: String,
    /// Seconds the backup took.
    pub seconds: f64,
}

impl From<&nba_backup::Manifest> for BackupSummary {
    fn from(m: &nba_backup::Manifest) -> Self {
        BackupSummary {
            id: m.id.clone(),
            created_at: m.created_at.clone(),
            backend: m.backend.clone(),
            schema_version: m.schema_version,
            tables: m.tables.len(),
            rows: m.rows(),
            models: m.models.len(),
            bytes: m.bytes,
            encrypted: m.key_fingerprint.is_some(),
            written_by: m.written_by.clone(),
            seconds: super::r3(m.seconds),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BackupCreateOutput {
    /// `done`, or `running` when the backup outlasted this call (it goes on; `backup_list`
    /// shows it once complete).
    pub status: String,
    pub destination: String,
    pub backup: Option<BackupSummary>,
    pub running: Option<Running>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupListInput {
    /// How many of the newest backups to show (1 to 200, default 20).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BackupListOutput {
    pub destination: String,
    /// Complete backups in the destination.
    pub total: usize,
    /// The newest `limit` of them, newest first.
    pub backups: Vec<BackupSummary>,
    /// A backup operation running now, if any.
    pub running: Option<Running>,
    /// How the last backup this server took ended.
    pub last_run: Option<LastRun>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupVerifyInput {
    /// The backup's id, as `backup_list` shows it (nba-<time>-<hex>).
    pub id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BackupVerifyOutput {
    pub id: String,
    /// Whether every file, row and model matched the manifest.
    pub ok: bool,
    /// What is wrong, when not ok.
    pub problem: Option<String>,
    pub tables: Option<usize>,
    pub rows: Option<u64>,
    pub models: Option<usize>,
    pub bytes: Option<u64>,
    pub seconds: Option<f64>,
}

impl App {
    pub(crate) fn backups(&self) -> Result<&std::sync::Arc<Backups>, AppError> {
        self.inner.backups.get().ok_or_else(|| {
            AppError::NotFound(
                "backups are not configured on this server: set NBA_MCP_BACKUP_DIR (a folder or \
                 s3://bucket/prefix) and NBA_MCP_BACKUP_KEY_FILE"
                    .into(),
            )
        })
    }
}

/// The `backup_create` tool.
pub struct BackupCreate;

impl Tool for BackupCreate {
    const NAME: &'static str = "backup_create";
    const TITLE: &'static str = "Take a backup";
    const DESCRIPTION: &'static str = "Takes a backup of the store and the model store now, into the server's configured destination (encrypted, checksummed, consistent while serving). Waits for it while the call's deadline allows; a longer one goes on and backup_list shows it when complete. One backup operation runs at a time.";
    const PERMISSION: Option<Permission> = Some(Permission::BackupsManage);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = false;
    type Input = NoInput;
    type Output = BackupCreateOutput;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<BackupCreateOutput, AppError> {
        let backups = cx.app.backups()?.clone();
        let destination = backups.destination().to_string();
        let by = cx.caller.principal.id.clone();
        // Its own task: a caller that leaves, or a deadline that passes, does not stop it.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = backups.clone();
        // A busy turn is answered at once, before the task is started.
        if let Some(e) = backups.busy() {
            return Err(e);
        }
        tokio::spawn(async move {
            let _ = tx.send(task.create(&by).await);
        });
        let wait = crate::work::current_deadline()
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(30))
            .saturating_sub(Duration::from_secs(1));
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(Ok(m))) => Ok(BackupCreateOutput {
                status: "done".into(),
                destination,
                backup: Some(BackupSummary::from(&m)),
                running: None,
            }),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) => Err(AppError::Internal("the backup task stopped".into())),
            Err(_) => Ok(BackupCreateOutput {
                status: "running".into(),
                destination,
                backup: None,
                running: backups.running(),
            }),
        }
    }
}

/// The `backup_list` tool.
pub struct BackupList;

impl Tool for BackupList {
    const NAME: &'static str = "backup_list";
    const TITLE: &'static str = "Backups";
    const DESCRIPTION: &'static str = "The complete backups in the server's backup destination, newest first (id, time, rows, models, size, schema, encryption), with the backup running now and how the last one ended.";
    const PERMISSION: Option<Permission> = Some(Permission::BackupsManage);
    type Input = BackupListInput;
    type Output = BackupListOutput;

    async fn run(cx: Ctx<'_>, input: BackupListInput) -> Result<BackupListOutput, AppError> {
        let limit = input.limit.unwrap_or(20);
        if !(1..=200).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "limit must be between 1 and 200, got {limit}"
            )));
        }
        let backups = cx.app.backups()?;
        let all = backups.list().await?;
        Ok(BackupListOutput {
            destination: backups.destination().to_string(),
            total: all.len(),
            backups: all
                .iter()
                .rev()
                .take(limit as usize)
                .map(BackupSummary::from)
                .collect(),
            running: backups.running(),
            last_run: backups.last(),
        })
    }
}

/// The `backup_verify` tool.
pub struct BackupVerify;

impl Tool for BackupVerify {
    const NAME: &'static str = "backup_verify";
    const TITLE: &'static str = "Verify a backup";
    const DESCRIPTION: &'static str = "Reads one backup back (decrypting, decompressing, checking every row against its table's columns and every checksum against the manifest) and says whether it is whole.";
    const PERMISSION: Option<Permission> = Some(Permission::BackupsManage);
    type Input = BackupVerifyInput;
    type Output = BackupVerifyOutput;

    async fn run(cx: Ctx<'_>, input: BackupVerifyInput) -> Result<BackupVerifyOutput, AppError> {
        let backups = cx.app.backups()?;
        let id = input.id.trim();
        match backups.verify(id, &cx.caller.principal.id).await? {
            Ok(r) => Ok(BackupVerifyOutput {
                id: r.id,
                ok: true,
                problem: None,
                tables: Some(r.tables),
                rows: Some(r.rows),
                models: Some(r.models),
                bytes: Some(r.bytes),
                seconds: Some(super::r3(r.seconds)),
            }),
            Err(problem) => Ok(BackupVerifyOutput {
                id: id.to_string(),
                ok: false,
                problem: Some(problem),
                tables: None,
                rows: None,
                models: None,
                bytes: None,
                seconds: None,
            }),
        }
    }
}
