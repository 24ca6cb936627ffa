//! Backups end to end on real stores: SQLite files and PostgreSQL databases.

mod journal;
mod models;
mod retention;
mod round_trip;
mod s3;

/// A folder destination.
pub fn d(p: &std::path::Path) -> nba_backup::Destination {
    nba_backup::Destination::Dir(p.to_path_buf())
}
