//! One test binary for nba-http (each former test file is a module).
//! The HTTP API and operations routes over the real router: tools, predictions, the access
//! matrix on every route, probes, metrics, alerts and the dashboard in a real browser.

mod access;
mod api;
mod ops;
