//! Runs one already-checked read-only query (the `query_sql` tool) in a session that cannot
//! write and is stopped at its time limit, even when the caller goes away first. The answer
//! is bounded in rows and in total JSON size: rows are read one batch at a time and reading
//! stops as soon as either bound is reached, returning what fits and saying which bound it
//! was. The checker in `nba-auth` is the first wall; this is the second, should anything pass.

use std::time::Duration;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Backend, Store, StoreError};

mod postgres;
mod sqlite;

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

/// The answer budget of [`Store::query_readonly`].
const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What a read-only query returned: column names in SELECT order, rows of JSON values
/// (numbers as numbers, text as strings, NULL as null), and whether rows were cut off.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadOnlyRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub truncated: bool,
    /// Why rows were cut off: `"rows"` (more rows than `max_rows`) or `"bytes"` (the next
    /// row would have taken the answer past `max_bytes`).
    pub truncated_reason: Option<&'static str>,
    /// JSON size of `columns` and `rows` as returned.
    pub bytes: usize,
}

impl Store {
    /// Runs `sql` read-only: at most `max_rows` rows and 8 MiB of answer,
    /// stopped after `timeout` (`StoreError::Timeout`).
    pub async fn query_readonly(
        &self,
        sql: &str,
        max_rows: usize,
        timeout: Duration,
    ) -> Result<ReadOnlyRows, StoreError> {
        self.query_readonly_bounded(sql, max_rows, DEFAULT_MAX_BYTES, timeout)
            .await
    }

    /// Runs `sql` read-only: at most `max_rows` rows whose JSON (with the column names)
    /// takes at most `max_bytes`; `truncated` and `truncated_reason` say whether and why
    /// rows were left out. Stopped after `timeout` (`StoreError::Timeout`); dropping the
    /// future stops the statement too.
    pub async fn query_readonly_bounded(
        &self,
        sql: &str,
        max_rows: usize,
        max_bytes: usize,
        timeout: Duration,
    ) -> Result<ReadOnlyRows, StoreError> {
        let sql = sql.trim_end().trim_end_matches(';');
        // One row past the cap tells whether the result was cut off.
        let limit = i64::try_from(max_rows).unwrap_or(i64::MAX - 1) + 1;
        let answer = Answer::new(max_rows, max_bytes);
        // The statement goes inside a subquery, on its own lines so that a trailing `--`
        // comment cannot swallow the closing parenthesis: anything but one query fails to
        // parse, and the engine itself stops after `limit` rows.
        match self.backend {
            Backend::Sqlite => sqlite::rows(self, sql, limit, answer, timeout).await,
            Backend::Postgres => postgres::rows(self, sql, limit, answer, timeout).await,
        }
    }
}

/// The answer as it is read: rows are taken while they fit.
struct Answer {
    max_rows: usize,
    max_bytes: usize,
    out: ReadOnlyRows,
}

impl Answer {
    fn new(max_rows: usize, max_bytes: usize) -> Answer {
        Answer {
            max_rows,
            max_bytes,
            out: ReadOnlyRows {
                columns: Vec::new(),
                rows: Vec::new(),
                truncated: false,
                truncated_reason: None,
                bytes: json_size(&Vec::<Vec<Value>>::new()),
            },
        }
    }

    fn set_columns(&mut self, columns: Vec<String>) {
        self.out.bytes += json_size(&columns);
        self.out.columns = columns;
    }

    /// Takes one more row; `false` (and the row left out) once the answer is full.
    fn push(&mut self, row: Vec<Value>) -> bool {
        if self.out.rows.len() >= self.max_rows {
            self.cut("rows");
            return false;
        }
        // The row and the comma before it.
        let size = json_size(&row) + usize::from(!self.out.rows.is_empty());
        if self.out.bytes.saturating_add(size) > self.max_bytes {
            self.cut("bytes");
            return false;
        }
        self.out.bytes += size;
        self.out.rows.push(row);
        true
    }

    /// The engine says the next row alone would not fit.
    fn full(&mut self) {
        let reason = if self.out.rows.len() >= self.max_rows {
            "rows"
        } else {
            "bytes"
        };
        self.cut(reason);
    }

    fn cut(&mut self, reason: &'static str) {
        self.out.truncated = true;
        self.out.truncated_reason = Some(reason);
    }
}

/// Bytes of `value` as compact JSON, counted without building the text.
pub fn json_size(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

fn millis(timeout: Duration) -> u64 {
    u64::try_from(timeout.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
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
