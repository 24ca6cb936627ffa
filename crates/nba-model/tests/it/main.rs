//! One test binary for nba-model (each former test file is a module).
//! The model on real games: artifacts, Elo against 538's, leakage checks, walk-forward.

mod artifact;
mod benchmark_538;
mod common;
mod elo_538;
mod leakage;
mod walk_forward;
