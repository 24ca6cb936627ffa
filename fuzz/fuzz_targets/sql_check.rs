//! Fuzzes the read-only SQL checker with arbitrary text in both dialects: it must never
//! panic, and what it accepts must be accepted again, reading the same tables, when its own
//! output is checked (the executor runs that output, so it must be what was checked).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nba_auth::sql::{check, Dialect};

const TABLES: &[&str] = &["games", "players"];

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let Ok(checked) = check(sql, dialect, TABLES) else {
            continue;
        };
        let again = check(&checked.sql, dialect, TABLES).unwrap_or_else(|e| {
            panic!(
                "{dialect:?}: accepted {sql:?} as {:?}, which is then rejected: {e}",
                checked.sql
            )
        });
        assert_eq!(
            again.tables, checked.tables,
            "{dialect:?}: {sql:?} printed as {:?} reads other tables",
            checked.sql
        );
        for table in &checked.tables {
            assert!(
                TABLES.contains(&table.as_str()),
                "{dialect:?}: {sql:?} reads {table}"
            );
        }
    }
});
