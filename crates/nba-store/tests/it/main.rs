//! One test binary for nba-store (each former test file is a module).
//! The store on SQLite and PostgreSQL: access tables, backend conformance, read-only SQL,
//! retention and roll-outs.

/// `both!(test_a, test_b)`: each `async fn test_a(store: Store)` of the invoking module run
/// on a fresh SQLite store and on a fresh PostgreSQL database, through that module's `on`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    on(Backend::Sqlite, super::$name).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    on(Backend::Postgres, super::$name).await;
                }
            )*
        }
    };
}

mod access;
mod conformance;
mod maintenance;
mod readonly_sql;
mod retention;
mod rollouts;
