//! One test binary for nba-auth (each former test file is a module).
//! Access primitives against real signed tokens: the JWT validator.

mod jwt;
