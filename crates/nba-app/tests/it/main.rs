//! One test binary for nba-app (each former test file is a module).
//! The application's use-cases over real data: every tool, resource and prompt through `App`,
//! predictions with a model trained in-process, and the registry seam (promotion, rollback).

mod busy;
mod common;
mod demo_reset;
mod model_cache;
mod predict;
mod promote;
mod resources_prompts;
mod rollout;
mod tools_stats;
mod tools_teams_games;
