//! Backups end to end on real stores: SQLite files and PostgreSQL databases.

mod models;
mod round_trip;
