//! SQLite: a connection of its own on a blocking thread, opened read-only
//! (`SQLITE_OPEN_READONLY`, plus `query_only`), with an authorizer that allows nothing but
//! SELECT over `READABLE_TABLES`, limits on value and LIKE pattern length (so one expression
//! stays cheap), and a progress handler that interrupts the statement at the deadline or as
//! soon as the caller goes away. Rows are stepped one at a time, so reading stops the moment
//! the answer is full. The store's pool is never touched.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

use super::{millis, Answer, ReadOnlyRows, READABLE_TABLES};
use crate::{Store, StoreError};

/// Longest string or blob a query may build (SQLite fails the statement past it), so no
/// query can grow a value (`s || s` repeated) into gigabytes, nor feed a search a long one.
const MAX_VALUE_BYTES: c_int = nba_auth::sql::MAX_VALUE_LEN as c_int;
/// Longest LIKE / GLOB pattern: matching costs up to pattern x text.
const MAX_PATTERN_BYTES: c_int = nba_auth::sql::MAX_PATTERN_LEN as c_int;
/// Virtual machine steps between two looks at the deadline and the stop flag.
const PROGRESS_STEPS: c_int = 1_000;

pub(super) async fn rows(
    store: &Store,
    sql: &str,
    limit: i64,
    answer: Answer,
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
    let path = SqliteConnectOptions::from_url(&url)?
        .get_filename()
        .to_path_buf();
    let path = CString::new(path.to_string_lossy().into_owned())
        .map_err(|_| StoreError::InvalidUrl("the database path contains a NUL byte".into()))?;
    let progress = Arc::new(Progress {
        deadline: Instant::now() + timeout,
        gone: AtomicBool::new(false),
        timed_out: AtomicBool::new(false),
    });
    // Dropping this future (the caller's own deadline, a client gone) sets `gone`, and the
    // statement stops within PROGRESS_STEPS steps instead of running on unobserved.
    let _stop_when_dropped = StopWhenDropped(progress.clone());
    let sql = sql.to_owned();
    let job = progress.clone();
    let ran =
        tokio::task::spawn_blocking(move || run(&path, &sql, limit, answer, timeout, &job)).await;
    match ran {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(Failure { code, .. }))
            if code == ffi::SQLITE_INTERRUPT && progress.timed_out.load(Ordering::SeqCst) =>
        {
            Err(StoreError::Timeout {
                ms: millis(timeout),
            })
        }
        Ok(Err(failure)) => Err(StoreError::Database(sqlx::Error::Database(Box::new(
            failure,
        )))),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Corrupt(format!("read-only query task: {e}"))),
    }
}

/// What the progress handler reads; lives as long as the connection (see `Session`).
struct Progress {
    deadline: Instant,
    gone: AtomicBool,
    timed_out: AtomicBool,
}

struct StopWhenDropped(Arc<Progress>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.gone.store(true, Ordering::SeqCst);
    }
}

/// Called every PROGRESS_STEPS steps; non-zero interrupts the statement.
unsafe extern "C" fn progress(context: *mut c_void) -> c_int {
    // SAFETY: `context` is the `Progress` the session keeps alive while the handler is set.
    let progress = unsafe { &*(context as *const Progress) };
    if progress.gone.load(Ordering::SeqCst) {
        return 1;
    }
    if Instant::now() >= progress.deadline {
        progress.timed_out.store(true, Ordering::SeqCst);
        return 1;
    }
    0
}

fn run(
    path: &CStr,
    sql: &str,
    limit: i64,
    mut answer: Answer,
    timeout: Duration,
    progress: &Arc<Progress>,
) -> Result<ReadOnlyRows, Failure> {
    let session = Session::open(path, timeout, progress.clone())?;
    // The subquery wrapper renames duplicate columns (`id:1`), so names come from the
    // statement itself when it compiles alone with as many columns.
    let own = session.prepare(sql).ok().map(|s| s.names());
    let mut wrapped = session.prepare(&format!("SELECT * FROM (\n{sql}\n) LIMIT {limit}"))?;
    let names = wrapped.names();
    answer.set_columns(match own {
        Some(own) if own.len() == names.len() => own,
        _ => names,
    });
    while let Some(row) = wrapped.step(&session)? {
        if !answer.push(row) {
            break;
        }
    }
    Ok(answer.out)
}

/// An open read-only connection; closed on drop, before the `Progress` it points to.
struct Session {
    db: *mut ffi::sqlite3,
    _progress: Arc<Progress>,
}

impl Session {
    fn open(path: &CStr, timeout: Duration, progress: Arc<Progress>) -> Result<Session, Failure> {
        let mut db = std::ptr::null_mut();
        // SAFETY: plain FFI calls on a handle this function owns; `progress` outlives the
        // handle because `Session` holds it and closes the handle first.
        unsafe {
            let flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX;
            let rc = ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, std::ptr::null());
            let session = Session {
                db,
                _progress: progress.clone(),
            };
            if rc != ffi::SQLITE_OK {
                return Err(session.failure(rc));
            }
            ffi::sqlite3_busy_timeout(db, c_int::try_from(millis(timeout)).unwrap_or(c_int::MAX));
            session.exec(c"PRAGMA query_only = ON")?;
            // The authorizer must know which names are real tables (a read of no column,
            // `count(*) FROM t`, names the table as written, and it may be a CTE).
            let mut tables = session
                .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")?;
            while let Some(row) = tables.step(&session)? {
                if let (Some(Value::String(name)), Ok(mut known)) =
                    (row.first(), REAL_TABLES.lock())
                {
                    known.insert(name.to_ascii_lowercase());
                }
            }
            drop(tables);
            ffi::sqlite3_set_authorizer(db, Some(authorize), std::ptr::null_mut());
            ffi::sqlite3_limit(db, ffi::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES);
            ffi::sqlite3_limit(db, ffi::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_PATTERN_BYTES);
            ffi::sqlite3_progress_handler(
                db,
                PROGRESS_STEPS,
                Some(self::progress),
                Arc::as_ptr(&progress) as *mut c_void,
            );
            Ok(session)
        }
    }

    fn exec(&self, sql: &CStr) -> Result<(), Failure> {
        // SAFETY: `self.db` is open; no callback.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.db,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.failure(rc))
        }
    }

    /// Compiles exactly one statement: text after it (`SELECT 1); DELETE ...`) is refused.
    fn prepare(&self, sql: &str) -> Result<Prepared, Failure> {
        let len = c_int::try_from(sql.len()).map_err(|_| Failure::new("the query is too long"))?;
        let mut stmt = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        // SAFETY: `sql` is valid for `len` bytes; SQLite sets `tail` inside it.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.db, sql.as_ptr().cast(), len, &mut stmt, &mut tail)
        };
        let prepared = Prepared(stmt);
        if rc != ffi::SQLITE_OK {
            return Err(self.failure(rc));
        }
        if stmt.is_null() {
            return Err(Failure::new("the query is empty"));
        }
        let used = (tail as usize).saturating_sub(sql.as_ptr() as usize);
        if !sql.get(used..).unwrap_or("").trim().is_empty() {
            return Err(Failure::new("only one statement may run"));
        }
        Ok(prepared)
    }

    fn failure(&self, rc: c_int) -> Failure {
        // SAFETY: `sqlite3_errmsg` returns a NUL-terminated string owned by the handle.
        let message = unsafe {
            let text = ffi::sqlite3_errmsg(self.db);
            if text.is_null() {
                String::from("unknown SQLite error")
            } else {
                CStr::from_ptr(text).to_string_lossy().into_owned()
            }
        };
        Failure {
            code: rc & 0xff,
            message,
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: every `Prepared` of this session is dropped (finalized) before it, as
        // `run` and `open` declare them after it; closing NULL is a no-op.
        unsafe {
            ffi::sqlite3_close(self.db);
        }
    }
}

struct Prepared(*mut ffi::sqlite3_stmt);

impl Prepared {
    fn names(&self) -> Vec<String> {
        // SAFETY: a compiled statement; names are NUL-terminated strings it owns.
        unsafe {
            (0..ffi::sqlite3_column_count(self.0))
                .map(|i| {
                    let name = ffi::sqlite3_column_name(self.0, i);
                    if name.is_null() {
                        String::new()
                    } else {
                        CStr::from_ptr(name).to_string_lossy().into_owned()
                    }
                })
                .collect()
        }
    }

    /// The next row as JSON values (by each value's storage class, not the declared type).
    fn step(&mut self, session: &Session) -> Result<Option<Vec<Value>>, Failure> {
        // SAFETY: a compiled statement of `session`'s open handle; text and blob pointers
        // are read before the next call on the statement.
        unsafe {
            match ffi::sqlite3_step(self.0) {
                ffi::SQLITE_ROW => {}
                ffi::SQLITE_DONE => return Ok(None),
                rc => return Err(session.failure(rc)),
            }
            let row = (0..ffi::sqlite3_column_count(self.0))
                .map(|i| match ffi::sqlite3_column_type(self.0, i) {
                    ffi::SQLITE_INTEGER => Value::from(ffi::sqlite3_column_int64(self.0, i)),
                    ffi::SQLITE_FLOAT => Value::from(ffi::sqlite3_column_double(self.0, i)),
                    ffi::SQLITE_TEXT => {
                        let text = ffi::sqlite3_column_text(self.0, i);
                        let bytes = bytes(text, ffi::sqlite3_column_bytes(self.0, i));
                        Value::from(String::from_utf8_lossy(bytes).into_owned())
                    }
                    ffi::SQLITE_BLOB => {
                        let blob = ffi::sqlite3_column_blob(self.0, i).cast();
                        Value::from(hex(bytes(blob, ffi::sqlite3_column_bytes(self.0, i))))
                    }
                    _ => Value::Null,
                })
                .collect();
            Ok(Some(row))
        }
    }
}

/// SAFETY: `data` points to `len` readable bytes (or is NULL with `len` 0).
unsafe fn bytes<'a>(data: *const u8, len: c_int) -> &'a [u8] {
    match usize::try_from(len) {
        Ok(len) if !data.is_null() && len > 0 => unsafe { std::slice::from_raw_parts(data, len) },
        _ => &[],
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // SAFETY: finalizing NULL is a no-op; otherwise a statement not yet finalized.
        unsafe {
            ffi::sqlite3_finalize(self.0);
        }
    }
}

/// A SQLite error code and message, as the database's own rejection of the query.
#[derive(Debug)]
struct Failure {
    code: c_int,
    message: String,
}

impl Failure {
    fn new(message: &str) -> Failure {
        Failure {
            code: ffi::SQLITE_ERROR,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl sqlx::error::DatabaseError for Failure {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
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
    // SAFETY: SQLite passes NUL-terminated strings or NULL, valid for this call.
    let text = |p: *const c_char| (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) });
    let allowed = match action {
        ffi::SQLITE_SELECT | ffi::SQLITE_RECURSIVE => true,
        ffi::SQLITE_READ => {
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
        ffi::SQLITE_FUNCTION => {
            text(arg2).is_some_and(|f| !f.to_bytes().eq_ignore_ascii_case(b"load_extension"))
        }
        _ => false,
    };
    if allowed {
        ffi::SQLITE_OK
    } else {
        ffi::SQLITE_DENY
    }
}

/// Names (lower-cased) of the tables and views seen in any database this process queried;
/// a static, so the authorizer needs no pointer whose lifetime it cannot know.
static REAL_TABLES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn is_real_table(name: &str) -> bool {
    name.starts_with("sqlite_") || REAL_TABLES.lock().map(|t| t.contains(name)).unwrap_or(true)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
