//! NBA domain: seasons, stages, games, franchise history and basketball formulas. Pure: no IO.

pub mod error;
pub mod franchises;
pub mod game;
pub mod metrics;
pub mod season;

pub use error::DomainError;
pub use game::{Conference, Stage};
pub use season::Season;
