//! The journal: what the append-only logs (the audit log and the prediction log) gained
//! since a backup, exported every minute or so as numbered segments beside that backup
//! (`<id>/journal/<n>.json` and its files), so a restore loses at most the time since the
//! last segment instead of the time since the backup. A segment holds, per table, the rows
//! with keys above the previous segment's last (or the backup's high-water mark), the audit
//! chain's head after them, and checksums; it is written like a backup (files first, its
//! manifest last, create-only) and authenticated with the backup key. Other tables (accounts,
//! keys, games) change rarely and come back as of the backup itself.

use serde::{Deserialize, Serialize};

use nba_store::Store;

use crate::dest::Destination;
use crate::files::{stored_name, write_file};
use crate::manifest::{FileEntry, Manifest};
use crate::{io_err, BackupError, BackupKey};

pub const FORMAT: &str = "nba-mcp-journal/1";

/// The journaled tables and their integer keys.
pub const TABLES: &[(&str, &str)] = &[("audit_log", "seq"), ("prediction_log", "id")];

/// Rows of one table per segment at most; more wait for the next segment.
pub const MAX_ROWS: i64 = 200_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentTable {
    pub table: String,
    /// Rows with keys in (after, last]; `last` = `after` when none.
    pub after: i64,
    pub last: i64,
    pub rows: u64,
    /// SHA-256 of the plain lines.
    pub sha256: String,
    pub shape: nba_store::snapshot::TableShape,
    pub file: FileEntry,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    pub format: String,
    pub backup: String,
    pub segment: u32,
    pub created_at: String,
    pub schema_version: i64,
    pub tables: Vec<SegmentTable>,
    /// The audit chain's head after this segment.
    pub audit_head: Option<(i64, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl Segment {
    fn signed_bytes(&self) -> Vec<u8> {
        let mut s = self.clone();
        s.mac = None;
        serde_json::to_vec(&s).expect("segment serialises")
    }

    fn last_of(&self, table: &str) -> Option<i64> {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.last)
    }
}

pub(crate) fn segment_rel(n: u32) -> String {
    format!("journal/{n:06}.json")
}

/// The segments of backup `base`, in order, each checked (format, key, MAC, and that it
/// follows the one before it). Stops with an error at the first that does not.
pub async fn segments(
    dest: &Destination,
    base: &Manifest,
    key: Option<&BackupKey>,
) -> Result<Vec<Segment>, BackupError> {
    let mut out: Vec<Segment> = Vec::new();
    for n in dest.journal_numbers(&base.id).await? {
        let Some(text) = dest.small_file(&base.id, &segment_rel(n)).await? else {
            continue;
        };
        let bad = |reason: String| BackupError::Invalid {
            id: base.id.clone(),
            reason: format!("journal segment {n}: {reason}"),
        };
        let seg: Segment =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a segment: {e}")))?;
        if seg.format != FORMAT || seg.backup != base.id || seg.segment != n {
            return Err(bad("it belongs to another backup or place".into()));
        }
        if let Some(key) = base.key_for(key) {
            if !key.mac_matches(&seg.signed_bytes(), seg.mac.as_deref().unwrap_or("")) {
                return Err(bad("it was altered (the MAC does not match)".into()));
            }
        }
        let expected = out.last().map_or(n, |p| p.segment + 1);
        if n != expected || (out.is_empty() && n != 1) {
            return Err(bad(format!("segment {expected} is missing before it")));
        }
        for t in &seg.tables {
            let before = match out.last() {
                Some(p) => p.last_of(&t.table),
                None => base.high_water.get(&t.table).copied(),
            };
            if before != Some(t.after) {
                return Err(bad(format!(
                    "its {} rows start after key {}, not after {:?} where the one before ends",
                    t.table, t.after, before
                )));
            }
        }
        out.push(seg);
    }
    Ok(out)
}

/// Exports what the journaled tables gained since backup `base` (and its segments) as the
/// next segment; none when nothing changed. Refuses a backup without high-water marks (made
/// by a release before journals).
pub async fn export(
    store: &Store,
    dest: &Destination,
    base: &Manifest,
    key: Option<&BackupKey>,
) -> Result<Option<Segment>, BackupError> {
    if base.high_water.is_empty() {
        return Err(BackupError::Refused(format!(
            "backup {} has no high-water marks (written by {}); take a new backup to journal against",
            base.id, base.written_by
        )));
    }
    base.check(key)?;
    let key = base.key_for(key);
    let done = segments(dest, base, key).await?;
    let n = done.last().map_or(1, |s| s.segment + 1);
    let mut snapshot = store.snapshot().await?;
    if snapshot.schema_version() != base.schema_version {
        snapshot.finish().await?;
        return Err(BackupError::Refused(format!(
            "the store is at schema {} and backup {} at {}: take a new backup to journal against",
            store.schema_version().await?,
            base.id,
            base.schema_version
        )));
    }
    let after_of = |table: &str| match done.last() {
        Some(p) => p.last_of(table),
        None => base.high_water.get(table).copied(),
    };
    // Nothing new (the common case, every minute): no files written at all.
    let mut pending = false;
    for (table, column) in TABLES {
        if let Some(after) = after_of(table) {
            pending |= snapshot.max_key(table, column).await?.unwrap_or(0) > after;
        }
    }
    if !pending {
        snapshot.finish().await?;
        return Ok(None);
    }
    let mut tables = Vec::new();
    let mut any = false;
    for (table, column) in TABLES {
        let Some(after) = after_of(table) else {
            continue;
        };
        let rel = stored_name(&format!("journal/{n:06}.{table}.jsonl"), key.is_some());
        let aad = format!("{}/{rel}", base.id);
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let (d, id, k, r) = (dest.clone(), base.id.clone(), key.cloned(), rel.clone());
        let writer = tokio::task::spawn_blocking(move || {
            write_file(
                &d,
                &id,
                &r,
                &aad,
                k.as_ref(),
                std::iter::from_fn(|| rx.blocking_recv()),
            )
        });
        let dumped = snapshot
            .dump_after(table, column, after, MAX_ROWS, Some(&tx))
            .await;
        drop(tx);
        let file = writer
            .await
            .map_err(|e| BackupError::Refused(format!("journal writer failed: {e}")))?
            .map_err(io_err(format!("writing {rel}")))?;
        let (digest, last) = dumped?;
        any |= last.is_some();
        tables.push(SegmentTable {
            table: table.to_string(),
            after,
            last: last.unwrap_or(after),
            rows: digest.rows,
            sha256: digest.sha256,
            shape: digest.shape,
            file,
        });
    }
    let head_seq = tables
        .iter()
        .find(|t| t.table == "audit_log")
        .map(|t| t.last);
    let audit_head = match head_seq {
        Some(seq) if seq > 0 => snapshot
            .audit_hash_at(seq)
            .await?
            .map(|h| (seq, h))
            .or_else(|| base.audit_head.clone()),
        _ => base.audit_head.clone(),
    };
    snapshot.finish().await?;
    if !any {
        // Nothing new: the files written for it are not referenced by any segment.
        for t in &tables {
            dest.remove_file(&base.id, &t.file.path).await;
        }
        return Ok(None);
    }
    let mut seg = Segment {
        format: FORMAT.into(),
        backup: base.id.clone(),
        segment: n,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        schema_version: base.schema_version,
        tables,
        audit_head,
        mac: None,
    };
    if let Some(key) = key {
        seg.mac = Some(key.mac(&seg.signed_bytes()));
    }
    let text = serde_json::to_string_pretty(&seg).expect("segment serialises");
    dest.put_small(&base.id, &segment_rel(n), text.as_bytes())
        .await?;
    Ok(Some(seg))
}
