//! Retention: which backups to delete, by age and by count, never the newest ones; and the
//! leftovers of backups that were killed midway.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::dest::Destination;
use crate::manifest::list;
use crate::BackupError;

/// What to keep.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Backups older than this many days go (none: no age limit).
    pub max_age_days: Option<u32>,
    /// At most this many backups are kept, the newest (none: no count limit).
    pub keep_last: Option<usize>,
    /// The newest this many are never removed, whatever their age (at least 1).
    pub keep_at_least: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    pub removed: Vec<String>,
    pub kept: Vec<String>,
    /// What backups that stopped midway left (a folder's `.partial-`/`.deleting-`, ids on
    /// S3 without a manifest), once a day old.
    pub leftovers_removed: Vec<String>,
}

/// Applies `rule` to the backups in `dest` as of `now`, then sweeps what killed backups
/// left behind.
pub async fn prune(
    dest: &Destination,
    rule: Retention,
    now: DateTime<Utc>,
) -> Result<PruneReport, BackupError> {
    let mut all = list(dest).await?;
    all.reverse(); // newest first
    let mut report = PruneReport::default();
    for (rank, m) in all.iter().enumerate() {
        let created = DateTime::parse_from_rfc3339(&m.created_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        let too_old = rule
            .max_age_days
            .is_some_and(|d| now - created > chrono::Duration::days(i64::from(d)));
        let too_many = rule.keep_last.is_some_and(|n| rank >= n);
        if rank >= rule.keep_at_least.max(1) && (too_old || too_many) {
            dest.remove(&m.id).await?;
            report.removed.push(m.id.clone());
        } else {
            report.kept.push(m.id.clone());
        }
    }
    report.leftovers_removed = dest.sweep().await?;
    Ok(report)
}
