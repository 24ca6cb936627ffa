//! Consistent logical snapshots of the whole store, for backups: every table in one read
//! transaction (SQLite's read transaction, PostgreSQL's REPEATABLE READ), rows in primary-key
//! order as canonical JSON lines, each table with a row count and the SHA-256 of its lines.
//! The same lines load into either backend, and a store loaded from them dumps to the same
//! checksums, which is how a restore proves itself before it replaces anything.
//!
//! The line format: one JSON array per row, values in column order; integers as JSON
//! integers, text as strings, floats as JSON numbers (shortest round-trip form) except the
//! non-finite ones, which are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`; NULL as
//! `null`. Each line ends with `\n`.

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, Executor, Row, Transaction};

use crate::rows::{self, Val};
use crate::{Backend, Store, StoreError};

/// Every table a snapshot holds, parents before children (foreign keys load in this order).
/// A table in the database but not here stops a snapshot: a migration that adds a table must
/// add it here too, or backups would silently leave it out.
pub const SNAPSHOT_TABLES: &[&str] = &[
    "meta",
    "franchises",
    "players",
    "games",
    "game_sources",
    "team_box",
    "player_box",
    "ingest_runs",
    "prediction_log",
    "principals",
    "api_keys",
    "audit_log",
    "audit_head",
    "audit_anchor",
    "rollouts",
];

/// Bookkeeping tables that are never part of a snapshot: the schema version is recorded in
/// the manifest instead, and SQLite's own tables follow from the data.
fn is_internal(table: &str) -> bool {
    table == "schema_migrations" || table.starts_with("sqlite_")
}

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Int,
    Float,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// A table's columns (in order) and primary key, read from the database's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
}

/// What a table's dump holds: its shape, row count and the SHA-256 of its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDigest {
    #[serde(flatten)]
    pub shape: TableShape,
    pub rows: u64,
    pub sha256: String,
}

/// Lines are handed on in chunks of about this many bytes.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// One read-only snapshot of the store, open until `finish`.
pub struct Snapshot {
    tx: Transaction<'static, Any>,
    backend: Backend,
    schema_version: i64,
    tables: Vec<TableShape>,
}

impl Store {
    /// The highest migration applied to this store (0 for an empty database).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        schema_version(&mut *self.pool.acquire().await?).await
    }

    /// Opens a consistent snapshot: every later read through it sees the store as it was
    /// at this instant, whatever the server writes meanwhile.
    pub async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        let schema_version = schema_version(&mut tx).await?;
        let tables = catalog(&mut tx, self.backend).await?;
        Ok(Snapshot {
            tx,
            backend: self.backend,
            schema_version,
            tables,
        })
    }

    /// Starts loading a snapshot into this store: one transaction, committed by `finish`.
    pub async fn begin_import(&self) -> Result<Import, StoreError> {
        let mut tx = self.pool.begin().await?;
        let tables = catalog(&mut tx, self.backend).await?;
        Ok(Import {
            tx,
            backend: self.backend,
            tables,
        })
    }
}

async fn schema_version(conn: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
    let sql = if conn.backend_name() == "SQLite" {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    } else {
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
    };
    let exists: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await?;
    if exists == 0 {
        return Ok(0);
    }
    let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await?;
    Ok(v.unwrap_or(0))
}

/// The snapshot tables present in the database, in `SNAPSHOT_TABLES` order, with their
/// columns and keys. A table this module does not know is an error.
async fn catalog(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
) -> Result<Vec<TableShape>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    })
    .fetch_all(&mut **tx)
    .await?;
    if let Some(unknown) = names
        .iter()
        .find(|n| !is_internal(n) && !SNAPSHOT_TABLES.contains(&n.as_str()))
    {
        return Err(StoreError::Snapshot(format!(
            "table '{unknown}' is not part of the snapshot format (nba-store snapshot.rs \
             SNAPSHOT_TABLES); a backup would leave it out"
        )));
    }
    let mut shapes = Vec::new();
    for name in SNAPSHOT_TABLES
        .iter()
        .filter(|t| names.iter().any(|n| n == *t))
    {
        shapes.push(shape(tx, backend, name).await?);
    }
    Ok(shapes)
}

async fn shape(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &str,
) -> Result<TableShape, StoreError> {
    // (name, declared type, position in the primary key or 0)
    let cols: Vec<(String, String, i64)> = match backend {
        Backend::Sqlite => {
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(&mut **tx)
                .await?
        }
        Backend::Postgres => {
            sqlx::query_as(
                "SELECT CAST(c.column_name AS TEXT), CAST(c.data_type AS TEXT), \
                        CAST(COALESCE(k.ordinal_position, 0) AS BIGINT) \
                 FROM information_schema.columns c \
                 LEFT JOIN information_schema.table_constraints t \
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                  AND t.constraint_type = 'PRIMARY KEY' \
                 LEFT JOIN information_schema.key_column_usage k \
                   ON k.constraint_name = t.constraint_name AND k.table_schema = c.table_schema \
                  AND k.table_name = c.table_name AND k.column_name = c.column_name \
                 WHERE c.table_schema = current_schema() AND c.table_name = $1 \
                 ORDER BY c.ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut **tx)
            .await?
        }
    };
    let mut columns = Vec::with_capacity(cols.len());
    let mut key: Vec<(i64, String)> = Vec::new();
    for (name, ty, pk) in cols {
        let kind = kind_of(&ty).ok_or_else(|| {
            StoreError::Snapshot(format!(
                "column {table}.{name} has type '{ty}', which snapshots do not handle"
            ))
        })?;
        if pk > 0 {
            key.push((pk, name.clone()));
        }
        columns.push(Column { name, kind });
    }
    key.sort();
    if key.is_empty() {
        return Err(StoreError::Snapshot(format!(
            "table '{table}' has no primary key, so its rows have no stable order"
        )));
    }
    Ok(TableShape {
        name: table.to_string(),
        columns,
        primary_key: key.into_iter().map(|(_, n)| n).collect(),
    })
}

fn kind_of(declared: &str) -> Option<ColumnKind> {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Some(ColumnKind::Int)
    } else if t.contains("REAL") || t.contains("DOUBLE") || t.contains("FLOAT") {
        Some(ColumnKind::Float)
    } else if t.contains("TEXT") || t.contains("CHAR") {
        Some(ColumnKind::Text)
    } else {
        None
    }
}

/// `filter`: empty, or a `WHERE` clause of integer comparisons built here (no input text).
fn select_sql(shape: &TableShape, backend: Backend, filter: &str) -> String {
    let cols = shape
        .columns
        .iter()
        .map(|c| match (backend, c.kind) {
            // INTEGER (int4) columns decode as i64 only once widened.
            (Backend::Postgres, ColumnKind::Int) => format!("CAST({} AS BIGINT)", c.name),
            _ => c.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    // Byte order for text keys on both backends (SQLite's BINARY collation is byte order), so
    // the same rows dump to the same lines whichever engine holds them.
    let order = shape
        .primary_key
        .iter()
        .map(|k| {
            let text = shape
                .columns
                .iter()
                .any(|c| &c.name == k && c.kind == ColumnKind::Text);
            match (backend, text) {
                (Backend::Postgres, true) => format!("{k} COLLATE \"C\""),
                _ => k.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {cols} FROM {} {filter} ORDER BY {order}",
        shape.name
    )
}

impl Snapshot {
    pub fn schema_version(&self) -> i64 {
        self.schema_version
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn tables(&self) -> &[TableShape] {
        &self.tables
    }

    /// Streams `table`'s rows as lines, in chunks of about `CHUNK_BYTES`, to `out` (none:
    /// only count and hash them); returns the table's digest. Stops with an error when the
    /// receiver has gone.
    pub async fn dump(
        &mut self,
        table: &str,
        out: Option<&tokio::sync::mpsc::Sender<Vec<u8>>>,
    ) -> Result<TableDigest, StoreError> {
        self.dump_filtered(table, "", out).await
    }

    /// The rows of an append-only table with the integer key `key` above `after`, at most
    /// `max_rows` of them, like [`Snapshot::dump`]; also returns the highest key dumped
    /// (none: no rows). Journal segments are made of these.
    pub async fn dump_after(
        &mut self,
        table: &str,
        key: &str,
        after: i64,
        max_rows: i64,
        out: Option<&tokio::sync::mpsc::Sender<Vec<u8>>>,
    ) -> Result<(TableDigest, Option<i64>), StoreError> {
        let shape = self.shape_of(table)?;
        if shape.primary_key != [key.to_string()] {
            return Err(StoreError::Snapshot(format!(
                "table '{table}' is not keyed by '{key}' alone"
            )));
        }
        let upper: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MAX({key}) FROM (SELECT {key} FROM {table} WHERE {key} > {after} \
             ORDER BY {key} LIMIT {max_rows}) AS upto"
        ))
        .fetch_one(&mut *self.tx)
        .await?;
        let Some(upper) = upper else {
            let digest = self.dump_filtered(table, "WHERE 1 = 0", out).await?;
            return Ok((digest, None));
        };
        let filter = format!("WHERE {key} > {after} AND {key} <= {upper}");
        Ok((self.dump_filtered(table, &filter, out).await?, Some(upper)))
    }

    /// The highest value of the integer column `key` of `table` (none: no rows).
    pub async fn max_key(&mut self, table: &str, key: &str) -> Result<Option<i64>, StoreError> {
        self.shape_of(table)?;
        Ok(
            sqlx::query_scalar(&format!("SELECT MAX({key}) FROM {table}"))
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    /// The hash of audit entry `seq`, if it is in the store.
    pub async fn audit_hash_at(&mut self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(seq)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    fn shape_of(&self, table: &str) -> Result<TableShape, StoreError> {
        self.tables
            .iter()
            .find(|t| t.name == table)
            .cloned()
            .ok_or_else(|| StoreError::Snapshot(format!("no table '{table}' in the store")))
    }

    async fn dump_filtered(
        &mut self,
        table: &str,
        filter: &str,
        out: Option<&tokio::sync::mpsc::Sender<Vec<u8>>>,
    ) -> Result<TableDigest, StoreError> {
        let shape = self.shape_of(table)?;
        let sql = select_sql(&shape, self.backend, filter);
        let mut hash = Sha256::new();
        let mut rows_seen = 0u64;
        let mut buf = Vec::with_capacity(CHUNK_BYTES + 4096);
        let mut stream = sqlx::query(&sql).fetch(&mut *self.tx);
        while let Some(row) = stream.try_next().await? {
            let start = buf.len();
            buf.push(b'[');
            for (i, col) in shape.columns.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_value(&mut buf, &row, i, col.kind)?;
            }
            buf.extend_from_slice(b"]\n");
            hash.update(&buf[start..]);
            rows_seen += 1;
            if buf.len() >= CHUNK_BYTES {
                send(out, &mut buf).await?;
            }
        }
        drop(stream);
        send(out, &mut buf).await?;
        Ok(TableDigest {
            shape,
            rows: rows_seen,
            sha256: hex(&hash.finalize()),
        })
    }

    /// The audit chain's head (last seq, its hash) as of the snapshot, if the store has one.
    pub async fn audit_head(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        if !self.tables.iter().any(|t| t.name == "audit_head") {
            return Ok(None);
        }
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    /// Ends the snapshot (nothing was written through it).
    pub async fn finish(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

async fn send(
    out: Option<&tokio::sync::mpsc::Sender<Vec<u8>>>,
    buf: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let Some(out) = out else {
        buf.clear();
        return Ok(());
    };
    if buf.is_empty() {
        return Ok(());
    }
    let chunk = std::mem::replace(buf, Vec::with_capacity(CHUNK_BYTES + 4096));
    out.send(chunk)
        .await
        .map_err(|_| StoreError::Snapshot("the snapshot's writer stopped".into()))
}

fn write_value(
    buf: &mut Vec<u8>,
    row: &sqlx::any::AnyRow,
    i: usize,
    kind: ColumnKind,
) -> Result<(), StoreError> {
    match kind {
        ColumnKind::Int => match row.try_get::<Option<i64>, _>(i)? {
            Some(v) => buf.extend_from_slice(v.to_string().as_bytes()),
            None => buf.extend_from_slice(b"null"),
        },
        ColumnKind::Float => match row.try_get::<Option<f64>, _>(i)? {
            Some(v) if v.is_nan() => buf.extend_from_slice(b"\"NaN\""),
            Some(v) if v == f64::INFINITY => buf.extend_from_slice(b"\"Infinity\""),
            Some(v) if v == f64::NEG_INFINITY => buf.extend_from_slice(b"\"-Infinity\""),
            Some(v) => serde_json::to_writer(&mut *buf, &v)
                .map_err(|e| StoreError::Snapshot(e.to_string()))?,
            None => buf.extend_from_slice(b"null"),
        },
        ColumnKind::Text => match row.try_get::<Option<String>, _>(i)? {
            Some(v) => serde_json::to_writer(&mut *buf, &v)
                .map_err(|e| StoreError::Snapshot(e.to_string()))?,
            None => buf.extend_from_slice(b"null"),
        },
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A snapshot being loaded into a store, in one transaction.
pub struct Import {
    tx: Transaction<'static, Any>,
    backend: Backend,
    tables: Vec<TableShape>,
}

impl Import {
    /// The snapshot tables of the store being loaded.
    pub fn tables(&self) -> &[TableShape] {
        &self.tables
    }

    /// Empties `table` (a fresh store holds the rows its migrations seed, such as the audit
    /// chain's genesis head), after checking that its columns are `shape`'s.
    pub async fn clear(&mut self, shape: &TableShape) -> Result<(), StoreError> {
        self.check_shape(shape)?;
        sqlx::query(&format!("DELETE FROM {}", shape.name))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Checks that `shape`'s columns are this store's for its table.
    pub fn check_shape(&self, shape: &TableShape) -> Result<(), StoreError> {
        let ours = self
            .tables
            .iter()
            .find(|t| t.name == shape.name)
            .ok_or_else(|| {
                StoreError::Snapshot(format!(
                    "the backup has table '{}', which this store's schema does not",
                    shape.name
                ))
            })?;
        if ours.columns != shape.columns {
            return Err(StoreError::Snapshot(format!(
                "table '{}': the backup's columns ({}) differ from the store's ({})",
                shape.name,
                column_list(&shape.columns),
                column_list(&ours.columns)
            )));
        }
        Ok(())
    }

    /// Moves the audit chain's head (after appending journal entries).
    pub async fn set_audit_head(&mut self, seq: i64, hash: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(hash)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Inserts rows given as snapshot lines (whole lines, each ending in `\n`); `first_line`
    /// is the number of the first one in its table, for error messages. Returns how many.
    pub async fn load(
        &mut self,
        shape: &TableShape,
        lines: &[u8],
        first_line: u64,
    ) -> Result<u64, StoreError> {
        let mut rows = Vec::new();
        for (n, line) in lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let at = first_line + n as u64;
            rows.push(parse_line(shape, line).map_err(|e| {
                StoreError::Snapshot(format!("table '{}', row {at}: {e}", shape.name))
            })?);
        }
        let names = shape
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        rows::insert_rows(
            &mut self.tx,
            &shape.name,
            &names,
            shape.columns.len(),
            "",
            &rows,
        )
        .await?;
        Ok(rows.len() as u64)
    }

    /// Moves PostgreSQL's id sequences past the loaded ids, then commits.
    pub async fn finish(mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            let serial: Vec<(String, String)> = sqlx::query_as(
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for (table, column) in serial {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                     COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}"
                ))
                .execute(&mut *self.tx)
                .await?;
            }
        }
        self.tx.commit().await?;
        Ok(())
    }
}

fn column_list(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| format!("{} {:?}", c.name, c.kind).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `line` (without its `\n`) is a valid row of `shape`; the error says what is wrong.
pub fn check_line(shape: &TableShape, line: &[u8]) -> Result<(), String> {
    parse_line(shape, line).map(|_| ())
}

fn parse_line(shape: &TableShape, line: &[u8]) -> Result<Vec<Val>, String> {
    let values: Vec<serde_json::Value> =
        serde_json::from_slice(line).map_err(|e| format!("not a JSON array: {e}"))?;
    if values.len() != shape.columns.len() {
        return Err(format!(
            "{} values for {} columns",
            values.len(),
            shape.columns.len()
        ));
    }
    values
        .into_iter()
        .zip(&shape.columns)
        .map(|(v, c)| {
            use serde_json::Value as J;
            let bad = |v: &J| format!("column {}: {v} is not {:?}", c.name, c.kind);
            Ok(match (c.kind, v) {
                (ColumnKind::Int, J::Null) => Val::I(None),
                (ColumnKind::Float, J::Null) => Val::F(None),
                (ColumnKind::Text, J::Null) => Val::S(None),
                (ColumnKind::Int, J::Number(n)) => {
                    Val::I(Some(n.as_i64().ok_or_else(|| bad(&J::Number(n)))?))
                }
                (ColumnKind::Float, J::Number(n)) => {
                    Val::F(Some(n.as_f64().ok_or_else(|| bad(&J::Number(n)))?))
                }
                (ColumnKind::Float, J::String(s)) => Val::F(Some(match s.as_str() {
                    "NaN" => f64::NAN,
                    "Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => return Err(bad(&J::String(s))),
                })),
                (ColumnKind::Text, J::String(s)) => Val::S(Some(s)),
                (_, v) => return Err(bad(&v)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> TableShape {
        TableShape {
            name: "t".into(),
            columns: vec![
                Column {
                    name: "a".into(),
                    kind: ColumnKind::Int,
                },
                Column {
                    name: "b".into(),
                    kind: ColumnKind::Float,
                },
                Column {
                    name: "c".into(),
                    kind: ColumnKind::Text,
                },
            ],
            primary_key: vec!["a".into()],
        }
    }

    #[test]
    fn lines_parse_into_typed_values() {
        let row = parse_line(&shape(), br#"[7,"-Infinity","x"]"#).unwrap();
        assert_eq!(row[0], Val::I(Some(7)));
        assert_eq!(row[1], Val::F(Some(f64::NEG_INFINITY)));
        assert_eq!(row[2], Val::S(Some("x".into())));
        let row = parse_line(&shape(), b"[null,1,null]").unwrap();
        assert_eq!(row, vec![Val::I(None), Val::F(Some(1.0)), Val::S(None)]);
    }

    #[test]
    fn bad_lines_name_what_is_wrong() {
        let e = parse_line(&shape(), b"[1,2]").unwrap_err();
        assert!(e.contains("2 values for 3 columns"), "{e}");
        let e = parse_line(&shape(), br#"["1",2,"x"]"#).unwrap_err();
        assert!(e.contains("column a"), "{e}");
        let e = parse_line(&shape(), br#"[1.5,2,"x"]"#).unwrap_err();
        assert!(e.contains("column a"), "{e}");
        let e = parse_line(&shape(), br#"[1,"2","x"]"#).unwrap_err();
        assert!(e.contains("column b"), "{e}");
        assert!(parse_line(&shape(), b"{}").is_err());
    }

    #[test]
    fn declared_types_map_to_kinds() {
        assert_eq!(kind_of("INTEGER"), Some(ColumnKind::Int));
        assert_eq!(kind_of("bigint"), Some(ColumnKind::Int));
        assert_eq!(kind_of("double precision"), Some(ColumnKind::Float));
        assert_eq!(kind_of("REAL"), Some(ColumnKind::Float));
        assert_eq!(kind_of("text"), Some(ColumnKind::Text));
        assert_eq!(kind_of("bytea"), None);
    }
}
