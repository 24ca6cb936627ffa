//! The audit log's hash chain. Every entry holds the hash of the one before it; the hash
//! covers the entry's sequence number and every field, so editing, deleting or reordering a
//! row breaks the chain at that row, and a stored head (last sequence and hash) catches
//! rows cut off the end.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audited action. No secrets and no personal data: principals are opaque ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339 UTC with milliseconds.
    pub ts: String,
    pub principal: String,
    pub role: String,
    /// What was attempted: `tool:get_games`, `resource:read`, `http:GET /metrics`,
    /// `authenticate`, `keys:create`, ...
    pub action: String,
    /// What it was done to (a resource URI, a key id, a route); may be empty.
    pub target: String,
    /// `ok`, `denied`, `error:<code>`, `rate_limited`, `invalid_credentials`.
    pub outcome: String,
    pub request_id: String,
    /// `mcp-stdio`, `mcp-http`, `http`, `cli`.
    pub transport: String,
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of entry `seq` following `prev_hash`: SHA-256 over length-prefixed fields, so no
/// two different entries serialize alike.
pub fn chain_hash(prev_hash: &str, seq: i64, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    for field in [
        prev_hash,
        seq.as_str(),
        &e.ts,
        &e.principal,
        &e.role,
        &e.action,
        &e.target,
        &e.outcome,
        &e.request_id,
        &e.transport,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Links entries onto a chain whose last record is (`last_seq`, `last_hash`).
pub fn link(last_seq: i64, last_hash: &str, entries: Vec<AuditEntry>) -> Vec<AuditRecord> {
    let mut prev = last_hash.to_string();
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let seq = last_seq + 1 + i as i64;
            let hash = chain_hash(&prev, seq, &entry);
            let record = AuditRecord {
                seq,
                entry,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            };
            record
        })
        .collect()
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub ok: bool,
    /// Every break found, first first, each naming the row.
    pub problems: Vec<String>,
}

/// Checks a chain read in `seq` order against the stored head (`None`: no head stored).
pub fn verify(
    records: impl IntoIterator<Item = AuditRecord>,
    head: Option<(i64, String)>,
) -> VerifyReport {
    let mut problems = Vec::new();
    let (mut expected_seq, mut prev_hash) = (1i64, GENESIS.to_string());
    let mut count = 0;
    for r in records {
        count += 1;
        if r.seq != expected_seq {
            if r.seq > expected_seq {
                let missing = if r.seq - expected_seq == 1 {
                    format!("row {expected_seq} was deleted")
                } else {
                    format!("rows {expected_seq}..{} were deleted", r.seq - 1)
                };
                problems.push(format!("{missing} (the next row is {})", r.seq));
            } else {
                problems.push(format!("row {} is out of order or duplicated", r.seq));
            }
        }
        if r.prev_hash != prev_hash {
            problems.push(format!(
                "row {}: prev_hash does not match the hash of the row before it",
                r.seq
            ));
        }
        let recomputed = chain_hash(&r.prev_hash, r.seq, &r.entry);
        if recomputed != r.hash {
            problems.push(format!(
                "row {} was edited: its content does not match its hash",
                r.seq
            ));
        }
        expected_seq = r.seq + 1;
        prev_hash = r.hash;
    }
    let last_seq = expected_seq - 1;
    if let Some((head_seq, head_hash)) = head {
        if head_seq > last_seq {
            problems.push(format!(
                "rows {}..{head_seq} were deleted from the end (the head says {head_seq} entries)",
                last_seq + 1
            ));
        } else if head_seq == last_seq && head_hash != prev_hash && last_seq > 0 {
            problems.push(format!(
                "row {last_seq}: does not match the stored head hash"
            ));
        } else if head_seq < last_seq {
            problems.push(format!(
                "rows {}..{last_seq} are not covered by the stored head ({head_seq})",
                head_seq + 1
            ));
        }
    }
    VerifyReport {
        entries: count,
        ok: problems.is_empty(),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize) -> AuditEntry {
        AuditEntry {
            ts: format!("2026-11-25T22:00:{:02}.000Z", i % 60),
            principal: format!("usr_{i}"),
            role: "viewer".into(),
            action: "tool:get_games".into(),
            target: String::new(),
            outcome: "ok".into(),
            request_id: format!("req-{i}"),
            transport: "http".into(),
        }
    }

    fn chain(n: usize) -> (Vec<AuditRecord>, Option<(i64, String)>) {
        let first = link(0, GENESIS, (0..n / 2).map(entry).collect());
        let last = first.last().unwrap();
        let second = link(last.seq, &last.hash, (n / 2..n).map(entry).collect());
        let all: Vec<_> = first.into_iter().chain(second).collect();
        let head = all.last().map(|r| (r.seq, r.hash.clone()));
        (all, head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (records, head) = chain(10);
        let report = verify(records, head);
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!(report.entries, 10);
    }

    #[test]
    fn edits_deletions_and_truncation_name_the_row() {
        let (records, head) = chain(10);

        let mut edited = records.clone();
        edited[3].entry.outcome = "denied".into();
        let r = verify(edited, head.clone());
        assert!(!r.ok);
        assert!(
            r.problems[0].contains("row 4 was edited"),
            "{:?}",
            r.problems
        );

        let mut deleted = records.clone();
        deleted.remove(5);
        let r = verify(deleted, head.clone());
        assert!(
            r.problems[0].contains("row 6 was deleted"),
            "{:?}",
            r.problems
        );

        let mut truncated = records.clone();
        truncated.truncate(8);
        let r = verify(truncated, head.clone());
        assert!(
            r.problems[0].contains("rows 9..10 were deleted from the end"),
            "{:?}",
            r.problems
        );

        // Re-hashing an edited row is caught by the next row's prev_hash.
        let mut rehashed = records.clone();
        rehashed[2].entry.principal = "usr_other".into();
        rehashed[2].hash = chain_hash(&rehashed[2].prev_hash, 3, &rehashed[2].entry);
        let r = verify(rehashed, head);
        assert!(
            r.problems[0].contains("row 4: prev_hash"),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let mut a = entry(1);
        let mut b = entry(1);
        a.action = "ab".into();
        a.target = "c".into();
        b.action = "a".into();
        b.target = "bc".into();
        assert_ne!(chain_hash(GENESIS, 1, &a), chain_hash(GENESIS, 1, &b));
    }
}
