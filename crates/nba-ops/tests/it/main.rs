//! One test binary for nba-ops (each former test file is a module).
//! Operations as a library: alert rules and delivery, config, drift, and the exported names.

mod alerts;
mod artefacts;
mod config;
mod drift;
