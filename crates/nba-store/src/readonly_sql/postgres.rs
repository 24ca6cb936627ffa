//! PostgreSQL: a READ ONLY transaction as the reader role with a local `statement_timeout`,
//! always rolled back. Rows come as `row_to_json` text (every column type decodes, and keys
//! keep SELECT order) through a cursor, a batch at a time; the server itself withholds the
//! text of any row past the byte budget, so no giant row ever reaches this process. If the
//! server has not stopped by the deadline, or the caller goes away, the backend is cancelled
//! from another connection and the session's connection is closed rather than pooled.

use std::time::Duration;

use sqlx::any::Any;
use sqlx::pool::PoolConnection;
use sqlx::{AnyPool, Executor, Row};

use super::{millis, timed_out, Answer, OrderedRow, ReadOnlyRows};
use crate::{Store, StoreError};

const CURSOR: &str = "nba_mcp_readonly";
/// Rows per FETCH. A batch never holds more than the budget: the server sends text only
/// while the running total fits.
const BATCH: usize = 100;
/// How long past `statement_timeout` the server may take to stop before it is cancelled.
const GRACE: Duration = Duration::from_millis(250);

pub(super) async fn rows(
    store: &Store,
    sql: &str,
    limit: i64,
    mut answer: Answer,
    timeout: Duration,
) -> Result<ReadOnlyRows, StoreError> {
    let ms = millis(timeout).min(i32::MAX as u64);
    let mut session = Session {
        conn: Some(store.pool.acquire().await?),
        pid: None,
        pool: store.pool.clone(),
    };
    let ran =
        tokio::time::timeout(timeout + GRACE, session.query(sql, limit, &mut answer, ms)).await;
    // Past the deadline the statement may still run: `session` is dropped unfinished,
    // which cancels it.
    let result = ran.map_err(|_| StoreError::Timeout { ms })?;
    let rolled_back = session.finish().await;
    result.map_err(|e| timed_out(e, ms, |db| db.code().as_deref() == Some("57014")))?;
    rolled_back?;
    Ok(answer.out)
}

/// One pooled connection running a read-only query. Dropped before [`Session::finish`]
/// (deadline passed, caller gone, connection broken), it cancels its backend.
struct Session {
    conn: Option<PoolConnection<Any>>,
    /// The backend running the query, once known.
    pid: Option<i32>,
    pool: AnyPool,
}

impl Session {
    async fn query(
        &mut self,
        sql: &str,
        limit: i64,
        answer: &mut Answer,
        ms: u64,
    ) -> Result<(), StoreError> {
        let Session { conn, pid, .. } = self;
        let conn = &mut **conn.as_mut().expect("the session's connection is open");
        conn.execute("BEGIN TRANSACTION READ ONLY").await?;
        // The second wall: the reader role sees only the readable tables (migration 0003).
        let (backend, reader): (i32, bool) = sqlx::query_as(
            "SELECT pg_backend_pid(), CASE WHEN EXISTS (SELECT 1 FROM pg_roles \
             WHERE rolname = 'nba_mcp_sql_reader') THEN pg_has_role(current_user, \
             'nba_mcp_sql_reader', 'MEMBER') ELSE false END",
        )
        .fetch_one(&mut *conn)
        .await?;
        *pid = Some(backend);
        if reader {
            conn.execute("SET LOCAL ROLE nba_mcp_sql_reader").await?;
        } else {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                tracing::warn!("PostgreSQL role nba_mcp_sql_reader is missing or not granted to the connection user: query_sql relies on the SQL checker alone (see SECURITY.md)")
            });
        }
        conn.execute(format!("SET LOCAL statement_timeout = {ms}").as_str())
            .await?;
        // `running` is the JSON text sent so far: past the budget only the length comes.
        // The LIMIT keeps the innermost query a plan node of its own, so each row's text is
        // built once.
        let max = i64::try_from(answer.max_bytes).unwrap_or(i64::MAX);
        let declare = format!(
            "DECLARE {CURSOR} NO SCROLL CURSOR FOR \
             SELECT CASE WHEN w.running <= {max} THEN w.t END FROM (\
             SELECT s.t, sum(s.n) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) \
             AS running FROM (SELECT r.t, octet_length(r.t) AS n FROM (\
             SELECT row_to_json(q)::text AS t FROM (\n{sql}\n) AS q LIMIT {limit}) AS r) AS s) AS w"
        );
        // Not prepared for reuse: the text is the caller's, and a FETCH's row type changes
        // with every cursor.
        sqlx::query(&declare)
            .persistent(false)
            .execute(&mut *conn)
            .await?;
        let fetch = format!("FETCH {BATCH} FROM {CURSOR}");
        let mut named = false;
        'reading: loop {
            let batch = sqlx::query(&fetch)
                .persistent(false)
                .fetch_all(&mut *conn)
                .await?;
            let last = batch.len() < BATCH;
            for row in batch {
                let Some(text) = row.try_get::<Option<String>, _>(0)? else {
                    answer.full();
                    break 'reading;
                };
                let row = parse(&text)?;
                if !named {
                    answer.set_columns(row.0.iter().map(|(k, _)| k.clone()).collect());
                    named = true;
                }
                if !answer.push(row.0.into_iter().map(|(_, v)| v).collect()) {
                    break 'reading;
                }
            }
            if last {
                break;
            }
        }
        if !named {
            // No row came (or the first was too large): one row of NULLs carries the names.
            let names = format!(
                "SELECT row_to_json(x)::text FROM (SELECT q.* FROM (SELECT 1) AS one \
                 LEFT JOIN (\n{sql}\n) AS q ON false) AS x"
            );
            let text: String = sqlx::query_scalar(&names)
                .persistent(false)
                .fetch_one(&mut *conn)
                .await?;
            answer.set_columns(parse(&text)?.0.into_iter().map(|(k, _)| k).collect());
        }
        Ok(())
    }

    /// Rolls back (a read-only transaction has nothing to commit) and returns the
    /// connection to the pool; if that fails, dropping the session closes it instead.
    async fn finish(&mut self) -> Result<(), StoreError> {
        if let Some(conn) = self.conn.as_mut() {
            conn.execute("ROLLBACK").await?;
        }
        self.conn = None;
        Ok(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // The statement may still be running. Its connection leaves the pool (closed when
        // dropped) and its backend is cancelled from another one.
        let conn = conn.detach();
        let (pid, pool) = (self.pid, self.pool.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Some(pid) = pid {
                    let cancel = sqlx::query("SELECT pg_cancel_backend($1)")
                        .bind(pid)
                        .execute(&pool)
                        .await;
                    if let Err(e) = cancel {
                        tracing::warn!("could not cancel read-only query on backend {pid}: {e}");
                    }
                }
                drop(conn);
            });
        }
    }
}

fn parse(text: &str) -> Result<OrderedRow, StoreError> {
    serde_json::from_str(text).map_err(|e| {
        let start: String = text.chars().take(80).collect();
        StoreError::Corrupt(format!("row_to_json gave {start:?}...: {e}"))
    })
}
