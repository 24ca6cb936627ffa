//! Access-control storage: principals, their API keys (only a hash of each secret is kept,
//! and no row read back ever carries it), and the audit log, a hash chain whose head is
//! stored apart so rows cut off the end are noticed, and whose oldest rows retention removes
//! behind an anchor (the last removed seq and hash) so the rest still verifies. Timestamps
//! are RFC 3339 UTC text, compared by callers. None of these tables is in `READABLE_TABLES`.

use chrono::SecondsFormat;
use nba_auth::audit::{link, verify_from, AuditEntry, AuditRecord, VerifyReport};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::error::ErrorKind;
use sqlx::{Any, Executor, Row, Transaction};

use crate::predictions::{parse_cutoff, PRUNE_BATCH};
use crate::rows::{Kind, Table, Val};
use crate::{Backend, Store, StoreError};

/// Someone (or something) that may be granted access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalRow {
    pub id: String,
    pub name: String,
    /// `user` or `service`.
    pub kind: String,
    pub role: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// An API key as stored, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub principal_id: String,
    /// The first characters of the key, safe to show, so a holder can tell keys apart.
    pub display_prefix: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A key found by its hash, with the principal it belongs to. Whether it may be used
/// (revoked, expired, principal disabled) is for the caller to decide.
#[derive(Debug, Clone)]
pub struct KeyMatch {
    pub key: ApiKeyRow,
    pub principal: PrincipalRow,
}

/// The audit chain as stored at one instant: what `audit::verify_from` checks.
#[derive(Debug, Clone)]
pub struct AuditChain {
    /// The last (seq, hash) removed by retention; (0, GENESIS) if nothing was.
    pub anchor: (i64, String),
    /// Every stored record, in `seq` order.
    pub records: Vec<AuditRecord>,
    /// The stored head: (last seq, its hash).
    pub head: (i64, String),
}

impl AuditChain {
    /// Checks the records from the anchor to the head.
    pub fn verify(&self) -> VerifyReport {
        verify_from(self.anchor.clone(), &self.records, Some(self.head.clone()))
    }
}

const PRINCIPAL_COLS: &str = "id, name, kind, role, created_at, disabled_at";
const KEY_COLS: &str =
    "id, principal_id, display_prefix, label, created_at, expires_at, revoked_at, last_used_at";

const AUDIT: Table = Table {
    name: "audit_log",
    key: &[],
    cols: &[
        ("seq", Kind::I),
        ("ts", Kind::S),
        ("principal", Kind::S),
        ("role", Kind::S),
        ("action", Kind::S),
        ("target", Kind::S),
        ("outcome", Kind::S),
        ("request_id", Kind::S),
        ("transport", Kind::S),
        ("prev_hash", Kind::S),
        ("hash", Kind::S),
        ("credential", Kind::S),
    ],
};

fn principal_at(r: &AnyRow, o: usize) -> Result<PrincipalRow, StoreError> {
    Ok(PrincipalRow {
        id: r.try_get(o)?,
        name: r.try_get(o + 1)?,
        kind: r.try_get(o + 2)?,
        role: r.try_get(o + 3)?,
        created_at: r.try_get(o + 4)?,
        disabled_at: r.try_get(o + 5)?,
    })
}

fn key_at(r: &AnyRow, o: usize) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        id: r.try_get(o)?,
        principal_id: r.try_get(o + 1)?,
        display_prefix: r.try_get(o + 2)?,
        label: r.try_get(o + 3)?,
        created_at: r.try_get(o + 4)?,
        expires_at: r.try_get(o + 5)?,
        revoked_at: r.try_get(o + 6)?,
        last_used_at: r.try_get(o + 7)?,
    })
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation)
}

impl Store {
    /// Adds a principal. Fails with `StoreError::Conflict` naming the clash if its id or
    /// name is taken.
    pub async fn create_principal(&self, row: &PrincipalRow) -> Result<(), StoreError> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO principals ({PRINCIPAL_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(row.id.clone())
        .bind(row.name.clone())
        .bind(row.kind.clone())
        .bind(row.role.clone())
        .bind(row.created_at.clone())
        .bind(row.disabled_at.clone())
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                let by_id = self.principal_by("id", &row.id).await?.is_some();
                Err(StoreError::Conflict(if by_id {
                    format!("a principal with id '{}' already exists", row.id)
                } else {
                    format!("a principal named '{}' already exists", row.name)
                }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every principal, disabled ones included, ordered by name.
    pub async fn principals(&self) -> Result<Vec<PrincipalRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PRINCIPAL_COLS} FROM principals ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| principal_at(r, 0)).collect()
    }

    /// The principal whose id is `name_or_id`, else the one with that name.
    pub async fn principal(&self, name_or_id: &str) -> Result<Option<PrincipalRow>, StoreError> {
        match self.principal_by("id", name_or_id).await? {
            Some(p) => Ok(Some(p)),
            None => self.principal_by("name", name_or_id).await,
        }
    }

    async fn principal_by(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<PrincipalRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PRINCIPAL_COLS} FROM principals WHERE {column} = $1"
        ))
        .bind(value.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| principal_at(&r, 0)).transpose()
    }

    /// Changes a principal's role; false if there is no such principal.
    pub async fn set_principal_role(&self, id: &str, role: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE principals SET role = $1 WHERE id = $2")
            .bind(role.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks a principal disabled at `at`; false if it is unknown or already disabled.
    pub async fn disable_principal(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE principals SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
        )
        .bind(at.to_string())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a key under the hash of its secret. Fails with `StoreError::Conflict` if the
    /// id or hash is taken, and with a database error if the principal does not exist.
    pub async fn create_api_key(&self, key: &ApiKeyRow, hash: &str) -> Result<(), StoreError> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO api_keys ({KEY_COLS}, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(key.id.clone())
        .bind(key.principal_id.clone())
        .bind(key.display_prefix.clone())
        .bind(key.label.clone())
        .bind(key.created_at.clone())
        .bind(key.expires_at.clone())
        .bind(key.revoked_at.clone())
        .bind(key.last_used_at.clone())
        .bind(hash.to_string())
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                let by_id: Option<String> =
                    sqlx::query_scalar("SELECT id FROM api_keys WHERE id = $1")
                        .bind(key.id.clone())
                        .fetch_optional(&self.pool)
                        .await?;
                Err(StoreError::Conflict(if by_id.is_some() {
                    format!("an API key with id '{}' already exists", key.id)
                } else {
                    "an API key with the same hash already exists".to_string()
                }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Keys of one principal, or of all, ordered by creation time then id.
    pub async fn api_keys(&self, principal_id: Option<&str>) -> Result<Vec<ApiKeyRow>, StoreError> {
        let rows = match principal_id {
            Some(p) => {
                sqlx::query(&format!(
                "SELECT {KEY_COLS} FROM api_keys WHERE principal_id = $1 ORDER BY created_at, id"
            ))
                .bind(p.to_string())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {KEY_COLS} FROM api_keys ORDER BY created_at, id"
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(|r| key_at(r, 0)).collect()
    }

    /// The key stored under `hash`, with its principal, whatever their state.
    pub async fn api_key_by_hash(&self, hash: &str) -> Result<Option<KeyMatch>, StoreError> {
        let row = sqlx::query(
            "SELECT k.id, k.principal_id, k.display_prefix, k.label, k.created_at, k.expires_at, \
             k.revoked_at, k.last_used_at, p.id, p.name, p.kind, p.role, p.created_at, \
             p.disabled_at \
             FROM api_keys k JOIN principals p ON p.id = k.principal_id WHERE k.hash = $1",
        )
        .bind(hash.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(KeyMatch {
                key: key_at(&r, 0)?,
                principal: principal_at(&r, 8)?,
            })
        })
        .transpose()
    }

    /// Revokes a key at `at`; false if it is unknown or already revoked.
    pub async fn revoke_api_key(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at.to_string())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets the expiry of a key that is not revoked (a rotation's grace period); false if
    /// the key is unknown or revoked.
    pub async fn set_api_key_expiry(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at.to_string())
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that a key was used at `at`.
    pub async fn touch_api_key(&self, id: &str, at: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(at.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Appends `entries` to the audit chain in one transaction and returns the new head
    /// (last seq, its hash). With no entries, returns the current head and writes nothing.
    /// Safe with concurrent appenders, in this process or others: the head row is locked
    /// (SQLite: the write lock is taken) before it is read, so appends queue up.
    pub async fn append_audit(
        &self,
        entries: Vec<AuditEntry>,
    ) -> Result<(i64, String), StoreError> {
        if entries.is_empty() {
            return self.audit_head().await;
        }
        let mut tx = self.pool.begin().await?;
        let (seq, hash) = lock_audit_head(&mut tx).await?;
        let records = link(seq, &hash, entries);
        let head = records
            .last()
            .map(|r| (r.seq, r.hash.clone()))
            .expect("entries is not empty");
        let vals: Vec<Vec<Val>> = records
            .into_iter()
            .map(|r| {
                let e = r.entry;
                vec![
                    Val::I(Some(r.seq)),
                    Val::S(Some(e.ts)),
                    Val::S(Some(e.principal)),
                    Val::S(Some(e.role)),
                    Val::S(Some(e.action)),
                    Val::S(Some(e.target)),
                    Val::S(Some(e.outcome)),
                    Val::S(Some(e.request_id)),
                    Val::S(Some(e.transport)),
                    Val::S(Some(r.prev_hash)),
                    Val::S(Some(r.hash)),
                    Val::S(Some(e.credential)),
                ]
            })
            .collect();
        AUDIT.insert(&mut tx, &vals).await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(head.0)
            .bind(head.1.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(head)
    }

    /// Up to `limit` audit records with `seq > after_seq`, in ascending order.
    pub async fn audit_records(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        fetch_audit(&self.pool, after_seq, limit).await
    }

    /// Anchor, every record and head read in one snapshot, so appends and pruning running
    /// meanwhile (in this process or others) never look like tampering to a verifier.
    pub async fn audit_chain(&self) -> Result<AuditChain, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // Read committed would give each statement its own snapshot. (SQLite's read
            // transaction is one snapshot already.)
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        let anchor = read_anchor(&mut *tx).await?;
        let records = fetch_audit(&mut *tx, 0, i64::MAX).await?;
        let head = read_head(&mut *tx).await?;
        tx.commit().await?;
        Ok(AuditChain {
            anchor,
            records,
            head,
        })
    }

    /// Verifies the whole chain in one snapshot, reading it page by page (constant memory
    /// however long the log), and returns the report, the newest `keep_last` records
    /// (oldest first) and the head.
    pub async fn audit_verify(
        &self,
        keep_last: usize,
    ) -> Result<(VerifyReport, Vec<AuditRecord>, (i64, String)), StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        let anchor = read_anchor(&mut *tx).await?;
        let mut verifier = nba_auth::audit::Verifier::new(anchor);
        let mut last: std::collections::VecDeque<AuditRecord> =
            std::collections::VecDeque::with_capacity(keep_last + 1);
        let mut after = 0;
        loop {
            let page = fetch_audit(&mut *tx, after, 10_000).await?;
            let Some(end) = page.last().map(|r| r.seq) else {
                break;
            };
            after = end;
            for r in page {
                verifier.feed(&r);
                if keep_last > 0 {
                    if last.len() == keep_last {
                        last.pop_front();
                    }
                    last.push_back(r);
                }
            }
        }
        let head = read_head(&mut *tx).await?;
        tx.commit().await?;
        Ok((verifier.finish(Some(head.clone())), last.into(), head))
    }

    /// The last (seq, hash) removed by retention; (0, GENESIS) if nothing was.
    pub async fn audit_anchor(&self) -> Result<(i64, String), StoreError> {
        read_anchor(&self.pool).await
    }

    /// How many audit records are stored.
    pub async fn audit_log_rows(&self) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Removes the oldest audit records: those before the first one stamped at or after
    /// `older_than` (RFC 3339), and beyond the newest `max_rows` (at least 1: the newest
    /// record always stays, so the head can be checked). Returns the records removed.
    ///
    /// Only a prefix of the chain goes, in transactions of at most `PRUNE_BATCH` records,
    /// each under the same lock as `append_audit` (safe with appenders in any process):
    /// it checks the records it removes and the first one it keeps against the anchor, then
    /// deletes them and moves the anchor to the last one removed. Retention never erases
    /// evidence: if those records do not verify it removes nothing more and fails with
    /// `StoreError::Corrupt` naming the break.
    pub async fn prune_audit(&self, older_than: &str, max_rows: i64) -> Result<u64, StoreError> {
        // The audit writer stamps entries in this format, so the text comparison is the time
        // comparison.
        let cutoff =
            parse_cutoff("prune_audit", older_than)?.to_rfc3339_opts(SecondsFormat::Millis, true);
        // Where to cut, found once and outside the lock: walking the primary key from the
        // anchor to the first record young enough to keep reads only what goes.
        let (anchor_seq, _) = self.audit_anchor().await?;
        let (head_seq, _) = self.audit_head().await?;
        let first_young: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_log WHERE seq > $1 AND ts >= $2 ORDER BY seq LIMIT 1",
        )
        .bind(anchor_seq)
        .bind(cutoff)
        .fetch_optional(&self.pool)
        .await?;
        let by_age = first_young.map_or(head_seq, |seq| seq - 1);
        // The newest record always stays. Nothing to do takes no lock, so a frequent pruner
        // does not keep appenders waiting.
        let target = by_age.max(head_seq - max_rows.max(1)).min(head_seq - 1);
        if target <= anchor_seq {
            return Ok(0);
        }

        let mut removed = 0;
        loop {
            let mut tx = self.pool.begin().await?;
            let (head_seq, _) = lock_audit_head(&mut tx).await?;
            let (anchor_seq, anchor_hash) = read_anchor(&mut *tx).await?;
            let cut = target.min(head_seq - 1).min(anchor_seq + PRUNE_BATCH);
            if cut <= anchor_seq {
                break;
            }
            // The records to remove and the first one kept, which must follow the last one
            // removed.
            let records = fetch_audit(&mut *tx, anchor_seq, cut - anchor_seq + 1).await?;
            let report = verify_from((anchor_seq, anchor_hash), &records, None);
            // verify_from checks they run on from the anchor without a gap, so they are all
            // there if the last one read is the first one kept.
            let next = records.last().map_or(anchor_seq + 1, |r| r.seq + 1);
            if !report.ok || next != cut + 2 {
                let problems = if report.ok {
                    vec![format!("records {next}..{} are missing", cut + 1)]
                } else {
                    report.problems
                };
                tracing::warn!(removed, "audit retention stopped at a broken chain");
                return Err(StoreError::Corrupt(format!(
                    "audit retention removed nothing after seq {anchor_seq}: the records it \
                     would remove do not verify ({}); check with `nba-mcp audit verify`",
                    problems.join("; ")
                )));
            }
            let cut_hash = records[(cut - anchor_seq - 1) as usize].hash.clone();
            let done = sqlx::query("DELETE FROM audit_log WHERE seq > $1 AND seq <= $2")
                .bind(anchor_seq)
                .bind(cut)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE audit_anchor SET seq = $1, hash = $2 WHERE id = 1")
                .bind(cut)
                .bind(cut_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            removed += done.rows_affected();
        }
        if removed > 0 {
            tracing::info!(removed, "pruned the audit log");
        }
        Ok(removed)
    }

    /// The stored head of the audit chain: (last seq, its hash); (0, GENESIS) when empty.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        read_head(&self.pool).await
    }
}

/// Takes the audit chain's lock and returns the head (last seq, its hash). A no-op write
/// first: it locks the head row on PostgreSQL and takes SQLite's write lock before anything
/// is read, so no transaction ever has to upgrade a read lock (which SQLite would refuse
/// with SQLITE_BUSY instead of waiting). Appending and pruning both start here.
async fn lock_audit_head(tx: &mut Transaction<'static, Any>) -> Result<(i64, String), StoreError> {
    let locked = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    if locked.rows_affected() != 1 {
        return Err(StoreError::Corrupt("the audit_head row is missing".into()));
    }
    read_head(&mut **tx).await
}

async fn read_head<'e>(ex: impl Executor<'e, Database = Any>) -> Result<(i64, String), StoreError> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(ex)
            .await?;
    head.ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".into()))
}

async fn read_anchor<'e>(
    ex: impl Executor<'e, Database = Any>,
) -> Result<(i64, String), StoreError> {
    let anchor: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_anchor WHERE id = 1")
            .fetch_optional(ex)
            .await?;
    anchor.ok_or_else(|| StoreError::Corrupt("the audit_anchor row is missing".into()))
}

async fn fetch_audit<'e>(
    ex: impl Executor<'e, Database = Any>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = format!(
        "SELECT {} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        AUDIT.select_list()
    );
    let rows = sqlx::query(&sql)
        .bind(after_seq)
        .bind(limit.max(0))
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRecord {
                seq: r.try_get(0)?,
                entry: AuditEntry {
                    ts: r.try_get(1)?,
                    principal: r.try_get(2)?,
                    role: r.try_get(3)?,
                    action: r.try_get(4)?,
                    target: r.try_get(5)?,
                    outcome: r.try_get(6)?,
                    request_id: r.try_get(7)?,
                    transport: r.try_get(8)?,
                    credential: r.try_get(11)?,
                },
                prev_hash: r.try_get(9)?,
                hash: r.try_get(10)?,
            })
        })
        .collect()
}
