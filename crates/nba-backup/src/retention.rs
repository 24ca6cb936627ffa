//! Retention: which backups to delete, by age and by count, never the newest ones; and the
//! leftovers of backups that were killed midway.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::manifest::list;
use crate::{io_err, BackupError};

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
    /// `.partial-` folders of backups that stopped midway, older than a day.
    pub leftovers_removed: Vec<String>,
}

/// How old a `.partial-` folder must be before it counts as a leftover (a backup being
/// written right now has a fresh one).
const LEFTOVER_HOURS: i64 = 24;

/// Applies `rule` to the backups in `dest` as of `now`.
pub fn prune(dest: &Path, rule: Retention, now: DateTime<Utc>) -> Result<PruneReport, BackupError> {
    let mut all = list(dest)?;
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
            remove(dest, &m.id)?;
            report.removed.push(m.id.clone());
        } else {
            report.kept.push(m.id.clone());
        }
    }
    let entries = match std::fs::read_dir(dest) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(report),
        Err(e) => return Err(io_err(format!("listing {}", dest.display()))(e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(".partial-") || name.starts_with(".deleting-")) {
            continue;
        }
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map_or(0, |d| d.as_secs() as i64);
        if name.starts_with(".deleting-") || age > LEFTOVER_HOURS * 3600 {
            std::fs::remove_dir_all(entry.path())
                .map_err(io_err(format!("removing {}", entry.path().display())))?;
            report.leftovers_removed.push(name);
        }
    }
    Ok(report)
}

/// Deletes one backup: renamed out of the listing first, so a deletion stopped midway never
/// leaves something that looks like a backup.
fn remove(dest: &Path, id: &str) -> Result<(), BackupError> {
    let from = dest.join(id);
    let gone = dest.join(format!(".deleting-{id}"));
    std::fs::rename(&from, &gone).map_err(io_err(format!("removing {}", from.display())))?;
    std::fs::remove_dir_all(&gone).map_err(io_err(format!("removing {}", gone.display())))
}
