//! The audit log's hash chain. Every entry holds the hash of the one before it; the hash
//! covers the entry's sequence number and every field, so editing, deleting or reordering a
//! row breaks the chain at that row, and a stored head (last sequence and hash) catches
//! rows cut off the end. Retention removes a prefix of the chain and keeps the last removed
//! (sequence, hash) as an anchor, from which the rows kept still verify.

use std::borrow::Borrow;

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
    /// The credential the request authenticated with, never its secret: `key:<key id>` for
    /// an API key (so after a leak its entries can be told apart from the principal's other
    /// keys), `oauth:<issuer>` for a token; empty for local and configured callers and for
    /// entries written before this field existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credential: String,
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
    // Hashed only when present, so entries from before the field existed still verify;
    // fields are length-prefixed, so an entry with it never hashes like one without.
    if !e.credential.is_empty() {
        h.update((e.credential.len() as u64).to_be_bytes());
        h.update(e.credential.as_bytes());
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

            AuditRecord {
                seq,
                entry,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Records checked (those after the anchor).
    pub entries: i64,
    /// Entries removed by retention before the anchor: seqs 1..=`pruned` (0 if none).
    pub pruned: i64,
    pub ok: bool,
    /// Every break found, first first, each naming the row.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// One sentence for people: what verified, and what retention removed before it.
    pub fn summary(&self) -> String {
        let from = self.pruned + 1;
        let verdict = if self.ok {
            "verifies"
        } else {
            "does not verify"
        };
        if self.pruned == 0 {
            format!("the chain of {} entries {verdict}", self.entries)
        } else {
            format!(
                "entries 1..{} were removed by retention; the chain from {from} ({} entries) {verdict}",
                self.pruned, self.entries
            )
        }
    }
}

/// Checks a whole chain read in `seq` order against the stored head (`None`: no head
/// stored): `verify_from` with the genesis anchor, for a log that retention never pruned.
pub fn verify(
    records: impl IntoIterator<Item = impl Borrow<AuditRecord>>,
    head: Option<(i64, String)>,
) -> VerifyReport {
    verify_from((0, GENESIS.to_string()), records, head)
}

/// Checks a chain read in `seq` order from `anchor` (the last record removed by retention;
/// `(0, GENESIS)` when none was) against the stored head (`None`: no head stored).
pub fn verify_from(
    anchor: (i64, String),
    records: impl IntoIterator<Item = impl Borrow<AuditRecord>>,
    head: Option<(i64, String)>,
) -> VerifyReport {
    let mut v = Verifier::new(anchor);
    for r in records {
        v.feed(r.borrow());
    }
    v.finish(head)
}

/// Most problems listed in one report; the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// [`verify_from`] one record at a time, so a chain of any length is checked in constant
/// memory (records read page by page).
pub struct Verifier {
    anchor_seq: i64,
    expected_seq: i64,
    prev_hash: String,
    count: i64,
    problems: Vec<String>,
    more_problems: usize,
}

impl Verifier {
    pub fn new(anchor: (i64, String)) -> Verifier {
        Verifier {
            anchor_seq: anchor.0,
            expected_seq: anchor.0 + 1,
            prev_hash: anchor.1,
            count: 0,
            problems: Vec::new(),
            more_problems: 0,
        }
    }

    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else {
            self.more_problems += 1;
        }
    }

    pub fn feed(&mut self, r: &AuditRecord) {
        let anchor_seq = self.anchor_seq;
        if r.seq != self.expected_seq {
            if r.seq > self.expected_seq {
                let missing = if r.seq - self.expected_seq == 1 {
                    format!("row {} was deleted", self.expected_seq)
                } else {
                    format!("rows {}..{} were deleted", self.expected_seq, r.seq - 1)
                };
                self.problem(format!("{missing} (the next row is {})", r.seq));
            } else if r.seq <= anchor_seq {
                self.problem(format!(
                    "row {} is still stored although retention removed rows up to {anchor_seq}",
                    r.seq
                ));
                // Not part of the chain being checked: it must not move the expectations.
                return;
            } else {
                self.problem(format!("row {} is out of order or duplicated", r.seq));
            }
        }
        self.count += 1;
        if r.prev_hash != self.prev_hash {
            self.problem(format!(
                "row {}: prev_hash does not match the hash of the row before it",
                r.seq
            ));
        }
        let recomputed = chain_hash(&r.prev_hash, r.seq, &r.entry);
        if recomputed != r.hash {
            self.problem(format!(
                "row {} was edited: its content does not match its hash",
                r.seq
            ));
        }
        self.expected_seq = r.seq + 1;
        self.prev_hash.clone_from(&r.hash);
    }

    pub fn finish(mut self, head: Option<(i64, String)>) -> VerifyReport {
        let anchor_seq = self.anchor_seq;
        let last_seq = self.expected_seq - 1;
        if let Some((head_seq, head_hash)) = head {
            if head_seq < anchor_seq {
                self.problem(format!(
                    "the stored head ({head_seq}) is before the retention anchor ({anchor_seq})"
                ));
            } else if head_seq > last_seq {
                self.problem(format!(
                    "rows {}..{head_seq} were deleted from the end (the head says {head_seq} entries)",
                    last_seq + 1
                ));
            } else if head_seq == last_seq && head_hash != self.prev_hash {
                self.problem(format!(
                    "row {last_seq}: does not match the stored head hash"
                ));
            } else if head_seq < last_seq {
                self.problem(format!(
                    "rows {}..{last_seq} are not covered by the stored head ({head_seq})",
                    head_seq + 1
                ));
            }
        }
        if self.more_problems > 0 {
            self.problems
                .push(format!("... and {} more problems", self.more_problems));
        }
        VerifyReport {
            entries: self.count,
            pruned: anchor_seq,
            ok: self.problems.is_empty(),
            problems: self.problems,
        }
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
            credential: if i.is_multiple_of(2) {
                format!("key:key_{i}")
            } else {
                String::new()
            },
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

    /// The chain of `n` entries with its first `pruned` records removed by retention, and
    /// the anchor retention would have kept.
    fn pruned_chain(n: usize, pruned: usize) -> ((i64, String), Vec<AuditRecord>, (i64, String)) {
        let (mut records, head) = chain(n);
        let kept = records.split_off(pruned);
        let anchor = records
            .last()
            .map(|r| (r.seq, r.hash.clone()))
            .unwrap_or((0, GENESIS.to_string()));
        (anchor, kept, head.unwrap())
    }

    #[test]
    fn verify_is_verify_from_genesis() {
        let (records, head) = chain(6);
        let a = verify(records.clone(), head.clone());
        let b = verify_from((0, GENESIS.to_string()), records.iter(), head);
        assert_eq!(a, b);
        assert_eq!(a.pruned, 0);
        assert_eq!(a.summary(), "the chain of 6 entries verifies");
    }

    #[test]
    fn a_pruned_chain_verifies_from_its_anchor() {
        let (anchor, kept, head) = pruned_chain(100, 70);
        assert_eq!(anchor.0, 70);
        let report = verify_from(anchor, &kept, Some(head.clone()));
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!((report.entries, report.pruned), (30, 70));
        assert_eq!(
            report.summary(),
            "entries 1..70 were removed by retention; the chain from 71 (30 entries) verifies"
        );
        // Without the anchor the same rows look like a deleted prefix.
        let r = verify(&kept, Some(head));
        assert!(
            r.problems[0].contains("rows 1..70 were deleted"),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn a_pruned_chain_still_names_edits_and_deletions() {
        let (anchor, kept, head) = pruned_chain(100, 70);

        let mut edited = kept.clone();
        edited[5].entry.outcome = "denied".into();
        let r = verify_from(anchor.clone(), edited, Some(head.clone()));
        assert!(!r.ok);
        assert!(
            r.problems[0].contains("row 76 was edited"),
            "{:?}",
            r.problems
        );

        // The first kept row gone: the anchor still says where the chain must start.
        let mut first_gone = kept.clone();
        first_gone.remove(0);
        let r = verify_from(anchor.clone(), first_gone, Some(head.clone()));
        assert!(
            r.problems[0].contains("row 71 was deleted"),
            "{:?}",
            r.problems
        );

        let mut truncated = kept.clone();
        truncated.truncate(25);
        let r = verify_from(anchor.clone(), truncated, Some(head.clone()));
        assert!(
            r.problems[0].contains("rows 96..100 were deleted from the end"),
            "{:?}",
            r.problems
        );

        // A forged anchor (pruning more than was removed) does not match row 71's prev_hash.
        let forged = (70, "f".repeat(64));
        let r = verify_from(forged, &kept, Some(head.clone()));
        assert!(
            r.problems[0].contains("row 71: prev_hash"),
            "{:?}",
            r.problems
        );

        // A row at or before the anchor that is still stored is named, and does not
        // disturb the check of the rows after it.
        let (mut all, _) = chain(100);
        let leftover = all.remove(69);
        let mut with_leftover = vec![leftover];
        with_leftover.extend(kept.iter().cloned());
        let r = verify_from(anchor.clone(), with_leftover, Some(head.clone()));
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(
            r.problems[0].contains("row 70 is still stored"),
            "{:?}",
            r.problems
        );
        assert_eq!(r.entries, 30);

        // A head behind the anchor is named.
        let r = verify_from(anchor, &kept, Some((50, "0".repeat(64))));
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("before the retention anchor")),
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
