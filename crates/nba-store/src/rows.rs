//! Table-driven writes: rows as vectors of typed values, compared with what is stored so a
//! load can say what it inserted, updated or left unchanged, and written as multi-row upserts.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::StoreError;

/// One SQL value of the three kinds our schema uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    I(Option<i64>),
    F(Option<f64>),
    S(Option<String>),
}

/// Column kind, for decoding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    I,
    F,
    S,
}

/// A table's write shape: key columns first, then the other columns.
pub(crate) struct Table {
    pub name: &'static str,
    pub key: &'static [(&'static str, Kind)],
    pub cols: &'static [(&'static str, Kind)],
}

impl Table {
    fn all(&self) -> impl Iterator<Item = &(&'static str, Kind)> {
        self.key.iter().chain(self.cols.iter())
    }

    pub fn select_list(&self) -> String {
        self.all().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
    }

    /// Decodes a row selected with `select_list` into (key, values).
    pub fn decode(&self, row: &AnyRow) -> Result<(Vec<Val>, Vec<Val>), StoreError> {
        let mut vals = Vec::with_capacity(self.key.len() + self.cols.len());
        for (i, (_, kind)) in self.all().enumerate() {
            vals.push(decode(row, i, *kind)?);
        }
        let cols = vals.split_off(self.key.len());
        Ok((vals, cols))
    }

    /// Inserts or updates `rows` (each key ++ cols) in chunks.
    pub async fn upsert(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: &[Vec<Val>],
    ) -> Result<(), StoreError> {
        self.write(tx, rows, true).await
    }

    /// Appends `rows` (tables without a natural key, such as logs).
    pub async fn insert(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: &[Vec<Val>],
    ) -> Result<(), StoreError> {
        self.write(tx, rows, false).await
    }

    async fn write(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: &[Vec<Val>],
        upsert: bool,
    ) -> Result<(), StoreError> {
        let keys = self
            .key
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ");
        let set = self
            .cols
            .iter()
            .map(|(c, _)| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let conflict = if !upsert {
            String::new()
        } else if set.is_empty() {
            format!(" ON CONFLICT ({keys}) DO NOTHING")
        } else {
            format!(" ON CONFLICT ({keys}) DO UPDATE SET {set}")
        };
        let width = self.key.len() + self.cols.len();
        insert_rows(tx, self.name, &self.select_list(), width, &conflict, rows).await
    }
}

/// Writes `rows` (each `width` values, in the order of `columns`) into `table` as
/// multi-row INSERTs ending in `conflict` (empty, or an ON CONFLICT clause).
pub(crate) async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &str,
    width: usize,
    conflict: &str,
    rows: &[Vec<Val>],
) -> Result<(), StoreError> {
    // SQLite looks `$N` names up linearly per bind, which is quadratic for multi-row
    // statements; its anonymous `?` is not. PostgreSQL needs `$N`.
    let numbered = tx.backend_name() != "SQLite";
    // Statements of a few shapes only (power-of-two row counts), so the connection's
    // statement cache holds them: a log batch of any size is not parsed anew.
    let per_chunk = pow2_floor((20_000 / width.max(1)).max(1));
    let mut rest = rows;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(pow2_floor(rest.len()).min(per_chunk));
        rest = tail;
        let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
        let mut n = 0;
        for (r, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), width);
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                if numbered {
                    sql.push_str(&format!("${n}"));
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        sql.push_str(conflict);
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::I(x) => q.bind(*x),
                    // sqlx 0.8 binds a NULL f64 through `Any` as FLOAT4 on PostgreSQL, which
                    // poisons the cached statement for later non-NULL FLOAT8 values; a NULL
                    // f32 is bound as FLOAT8.
                    Val::F(Some(x)) => q.bind(*x),
                    Val::F(None) => q.bind(None::<f32>),
                    Val::S(x) => q.bind(x.clone()),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The largest power of two not above `n` (`n` >= 1).
fn pow2_floor(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

pub(crate) fn decode(row: &AnyRow, i: usize, kind: Kind) -> Result<Val, StoreError> {
    Ok(match kind {
        Kind::I => Val::I(row.try_get::<Option<i64>, _>(i)?),
        Kind::F => Val::F(row.try_get::<Option<f64>, _>(i)?),
        Kind::S => Val::S(row.try_get::<Option<String>, _>(i)?),
    })
}

/// Outcome of comparing a new row with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Insert,
    Update,
    Same,
}

pub(crate) fn classify(existing: Option<&Vec<Val>>, new: &[Val]) -> Change {
    match existing {
        None => Change::Insert,
        Some(old) if old.as_slice() == new => Change::Same,
        Some(_) => Change::Update,
    }
}

pub(crate) fn i(v: impl Into<Option<i64>>) -> Val {
    Val::I(v.into())
}
pub(crate) fn f(v: impl Into<Option<f64>>) -> Val {
    Val::F(v.into())
}
pub(crate) fn s<T: Into<String>>(v: Option<T>) -> Val {
    Val::S(v.map(Into::into))
}
pub(crate) fn st(v: impl Into<String>) -> Val {
    Val::S(Some(v.into()))
}

impl Val {
    pub fn as_i(&self) -> Option<i64> {
        match self {
            Val::I(x) => *x,
            _ => None,
        }
    }
    pub fn as_s(&self) -> Option<&str> {
        match self {
            Val::S(x) => x.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_are_powers_of_two_that_cover_the_rows() {
        assert_eq!(super::pow2_floor(1), 1);
        assert_eq!(super::pow2_floor(37), 32);
        assert_eq!(super::pow2_floor(64), 64);
        let (mut rest, mut sizes) = (37usize, vec![]);
        while rest > 0 {
            let n = super::pow2_floor(rest).min(16);
            sizes.push(n);
            rest -= n;
        }
        assert_eq!(sizes, [16, 16, 4, 1]);
    }
}
