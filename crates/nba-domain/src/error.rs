//! Validation errors for domain values, each naming what was wrong.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    #[error("invalid season '{0}': write it as \"2015-16\" or as the year the season ends (2016)")]
    InvalidSeason(String),
    #[error("invalid stage '{0}': expected regular, play-in or playoffs")]
    InvalidStage(String),
    #[error("invalid conference '{0}': expected East or West")]
    InvalidConference(String),
}
