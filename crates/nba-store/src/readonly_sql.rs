//! Runs one already-checked read-only query (the `query_sql` tool) in a session that cannot
//! write, is stopped at its time limit, and returns at most `max_rows` rows as JSON. The
//! checker in `nba-auth` is the first wall; this is the second, should anything pass it.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Column, ConnectOptions, Connection, Executor, Row, Statement, TypeInfo, ValueRef};

use crate::{Backend, Store, StoreError};

/// The data tables a read-only query may name. Never the credentials or audit tables.
pub const READABLE_TABLES: &[&str] = &[
    "franchises",
    "players",
    "games",
    "game_sources",
    "team_box",
    "player_box",
    "ingest_runs",
    "prediction_log",
];

/// What a read-only query returned: column names in SELECT order, rows of JSON values
/// (numbers as numbers, text as strings, NULL as null), and whether rows were cut off.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadOnlyRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub truncated: bool,
}

/// SQLite refuses to build a string or blob longer than this, so no query can grow a value
/// (`s || s` repeated) into gigabytes.
const MAX_SQLITE_VALUE_BYTES: c_int = 1_000_000;

impl Store {
    /// Runs `sql` read-only: at most `max_rows` rows (`truncated` says whether more were
    /// there), stopped after `timeout` (`StoreError::Timeout`).
    pub async fn query_readonly(
        &self,
        sql: &str,
        max_rows: usize,
        timeout: Duration,
    ) -> Result<ReadOnlyRows, StoreError> {
        let sql = sql.trim_end().trim_end_matches(';');
        // One row past the cap tells whether the result was cut off.
        let limit = i64::try_from(max_rows).unwrap_or(i64::MAX - 1) + 1;
        // The statement goes inside a subquery, on its own lines so that a trailing `--`
        // comment cannot swallow the closing parenthesis: anything but one query fails to
        // parse, and the engine itself stops after `limit` rows.
        let mut out = match self.backend {
            Backend::Sqlite => sqlite_rows(self, sql, limit, timeout).await?,
            Backend::Postgres => postgres_rows(self, sql, limit, timeout).await?,
        };
        out.truncated = out.rows.len() > max_rows;
        out.rows.truncate(max_rows);
        Ok(out)
    }
}

fn millis(timeout: Duration) -> u64 {
    u64::try_from(timeout.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// PostgreSQL: a READ ONLY transaction with a local statement_timeout, always rolled back.
/// Rows come back as `row_to_json` text, so every column type decodes (the `Any` driver
/// knows no NUMERIC, DATE or TIMESTAMP) and keys keep SELECT order.
async fn postgres_rows(
    store: &Store,
    sql: &str,
    limit: i64,
    timeout: Duration,
) -> Result<ReadOnlyRows, StoreError> {
    let ms = millis(timeout).min(i32::MAX as u64);
    let mut tx = store.pool.begin().await?;
    tx.execute("SET TRANSACTION READ ONLY").await?;
    // The second wall: the reader role sees only the readable tables (see migration 0003).
    let reader: bool = sqlx::query_scalar(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nba_mcp_sql_reader') \
         THEN pg_has_role(current_user, 'nba_mcp_sql_reader', 'MEMBER') ELSE false END",
    )
    .fetch_one(&mut *tx)
    .await?;
    if reader {
        tx.execute("SET LOCAL ROLE nba_mcp_sql_reader").await?;
    } else {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!("PostgreSQL role nba_mcp_sql_reader is missing or not granted to the connection user: query_sql relies on the SQL checker alone (see SECURITY.md)")
        });
    }
    tx.execute(format!("SET LOCAL statement_timeout = {ms}").as_str())
        .await?;
    let data = format!("SELECT row_to_json(q)::text FROM (\n{sql}\n) AS q LIMIT {limit}");
    // With no rows, one row of NULLs still carries the column names.
    let names = format!(
        "SELECT row_to_json(x)::text FROM (SELECT q.* FROM (SELECT 1) AS one \
         LEFT JOIN (\n{sql}\n) AS q ON false) AS x"
    );
    let result = async {
        let mut texts: Vec<Option<String>> = sqlx::query_scalar(&data).fetch_all(&mut *tx).await?;
        let with_rows = !texts.is_empty();
        if !with_rows {
            texts = sqlx::query_scalar(&names).fetch_all(&mut *tx).await?;
        }
        let mut out = ReadOnlyRows {
            columns: Vec::new(),
            rows: Vec::new(),
            truncated: false,
        };
        for text in texts.iter().flatten() {
            let row: OrderedRow = serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("row_to_json gave {text:?}: {e}")))?;
            if out.columns.is_empty() {
                out.columns = row.0.iter().map(|(k, _)| k.clone()).collect();
            }
            if with_rows {
                out.rows.push(row.0.into_iter().map(|(_, v)| v).collect());
            }
        }
        Ok::<_, StoreError>(out)
    }
    .await;
    // Nothing is kept, whatever happened: a read-only transaction has nothing to commit.
    let rolled_back = tx.rollback().await;
    let out = result.map_err(|e| timed_out(e, ms, |db| db.code().as_deref() == Some("57014")))?;
    rolled_back?;
    Ok(out)
}

/// SQLite: a connection of its own, opened read-only (`SQLITE_OPEN_READONLY`, plus
/// `query_only`), with an authorizer that allows nothing but SELECT over
/// `READABLE_TABLES`, and a progress handler that interrupts the statement at the deadline.
/// The store's pool is never touched, so nothing of this leaks into it.
async fn sqlite_rows(
    store: &Store,
    sql: &str,
    limit: i64,
    timeout: Duration,
) -> Result<ReadOnlyRows, StoreError> {
    let url = store.pool.connect_options().database_url.clone();
    let in_memory = url.path().contains(":memory:")
        || url.query_pairs().any(|(k, v)| k == "mode" && v == "memory");
    if in_memory {
        return Err(StoreError::InvalidUrl(
            "read-only SQL needs a database file; this store is in memory".into(),
        ));
    }
    let mut conn = SqliteConnectOptions::from_url(&url)?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(timeout)
        .pragma("query_only", "ON")
        .connect()
        .await?;
    let ms = millis(timeout);
    let stopped = Arc::new(AtomicBool::new(false));
    let result = sqlite_query(&mut conn, sql, limit, timeout, stopped.clone()).await;
    let _ = conn.close().await;
    result.map_err(|e| timed_out(e.into(), ms, |_| stopped.load(Ordering::SeqCst)))
}

async fn sqlite_query(
    conn: &mut SqliteConnection,
    sql: &str,
    limit: i64,
    timeout: Duration,
    stopped: Arc<AtomicBool>,
) -> Result<ReadOnlyRows, sqlx::Error> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
            .fetch_all(&mut *conn)
            .await?;
    if let Ok(mut tables) = REAL_TABLES.lock() {
        tables.extend(names.iter().map(|n| n.to_ascii_lowercase()));
    }
    {
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        // SAFETY: `db` is this connection's open handle, held locked by `handle`; the
        // authorizer is a plain function that keeps no state.
        unsafe {
            libsqlite3_sys::sqlite3_set_authorizer(db, Some(authorize), std::ptr::null_mut());
            libsqlite3_sys::sqlite3_limit(
                db,
                libsqlite3_sys::SQLITE_LIMIT_LENGTH,
                MAX_SQLITE_VALUE_BYTES,
            );
        }
        let deadline = Instant::now() + timeout;
        // Called every 1000 virtual machine steps; returning false interrupts the statement.
        handle.set_progress_handler(1_000, move || {
            let go_on = Instant::now() < deadline;
            if !go_on {
                stopped.store(true, Ordering::SeqCst);
            }
            go_on
        });
    }
    // The subquery wrapper renames duplicate columns (`id:1`), so names come from the
    // statement itself; preparing compiles without running.
    let own: Vec<String> = conn
        .prepare(sql)
        .await?
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let wrapped = format!("SELECT * FROM (\n{sql}\n) LIMIT {limit}");
    let rows = sqlx::query(&wrapped).fetch_all(&mut *conn).await?;
    let columns = match rows.first() {
        Some(first) if first.len() != own.len() => first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
        _ => own,
    };
    let rows = rows.iter().map(sqlite_json).collect::<Result<_, _>>()?;
    Ok(ReadOnlyRows {
        columns,
        rows,
        truncated: false,
    })
}

/// SQLite's authorizer, consulted while each statement is compiled: SELECT, reads of the
/// readable tables in `main`, function calls (but never `load_extension`) and recursive
/// CTEs; everything else (writes, ATTACH, PRAGMA, VACUUM, transactions) is denied.
unsafe extern "C" fn authorize(
    _: *mut c_void,
    action: c_int,
    arg1: *const c_char,
    arg2: *const c_char,
    database: *const c_char,
    _: *const c_char,
) -> c_int {
    use libsqlite3_sys::{SQLITE_DENY, SQLITE_OK};
    // SAFETY: SQLite passes NUL-terminated strings or NULL, valid for this call.
    let text = |p: *const c_char| (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) });
    let allowed = match action {
        libsqlite3_sys::SQLITE_SELECT | libsqlite3_sys::SQLITE_RECURSIVE => true,
        libsqlite3_sys::SQLITE_READ => {
            let table = text(arg1)
                .and_then(|t| t.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let readable = READABLE_TABLES.contains(&table.as_str());
            match text(database) {
                Some(database) => database.to_bytes() == b"main" && readable,
                // A read of no column (`count(*) FROM t`) names the table as written, and
                // it may be a CTE: allowed unless it is one of the database's own tables.
                None => readable || !is_real_table(&table),
            }
        }
        libsqlite3_sys::SQLITE_FUNCTION => {
            text(arg2).is_some_and(|f| !f.to_bytes().eq_ignore_ascii_case(b"load_extension"))
        }
        _ => false,
    };
    if allowed {
        SQLITE_OK
    } else {
        SQLITE_DENY
    }
}

/// Names (lower-cased) of the tables and views seen in any database this process queried;
/// a static, so the authorizer needs no pointer whose lifetime it cannot know.
static REAL_TABLES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn is_real_table(name: &str) -> bool {
    name.starts_with("sqlite_") || REAL_TABLES.lock().map(|t| t.contains(name)).unwrap_or(true)
}

fn sqlite_json(row: &SqliteRow) -> Result<Vec<Value>, sqlx::Error> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            // The storage class of this value, not the column's declared type.
            Ok(match raw.type_info().name() {
                "INTEGER" => Value::from(row.try_get_unchecked::<i64, _>(i)?),
                "REAL" => Value::from(row.try_get_unchecked::<f64, _>(i)?),
                "BLOB" => Value::from(hex(&row.try_get_unchecked::<Vec<u8>, _>(i)?)),
                _ => Value::from(row.try_get_unchecked::<String, _>(i)?),
            })
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns the engine's "interrupted" / "canceled" error into `StoreError::Timeout`.
fn timed_out(
    error: StoreError,
    ms: u64,
    stopped: impl Fn(&dyn sqlx::error::DatabaseError) -> bool,
) -> StoreError {
    match error {
        StoreError::Database(sqlx::Error::Database(db)) if stopped(db.as_ref()) => {
            StoreError::Timeout { ms }
        }
        other => other,
    }
}

/// A JSON object's entries in text order, duplicates kept (`SELECT a.id, b.id`).
struct OrderedRow(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = OrderedRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedRow, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(OrderedRow(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}
