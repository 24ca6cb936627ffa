//! One test binary for nba-ingest (each former test file is a module).
//! The parsers on the real data files and across sources.

mod common;
mod cross_source;
mod real_files;
