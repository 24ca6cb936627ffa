//! Backups end to end on real stores: SQLite files and PostgreSQL databases.

mod models;
mod retention;
mod round_trip;
