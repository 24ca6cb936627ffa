//! Game-level domain values: stage of the season and conference.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Part of the season a game belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Regular,
    PlayIn,
    Playoffs,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Regular => "regular",
            Stage::PlayIn => "play-in",
            Stage::Playoffs => "playoffs",
        }
    }

    /// The stage encoded in an NBA Stats game id `00S YY NNNNN` (S = 2 regular, 4 playoffs,
    /// 5 play-in). Other types (preseason, All-Star, Cup final) are not league games here,
    /// except the NBA Cup final (6), which does not count in the standings and is reported as `None`.
    pub fn from_nba_game_id(id: &str) -> Option<Stage> {
        match id.as_bytes().get(2)? {
            b'2' => Some(Stage::Regular),
            b'4' => Some(Stage::Playoffs),
            b'5' => Some(Stage::PlayIn),
            _ => None,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "regular" | "regular-season" | "regular season" => Ok(Stage::Regular),
            "play-in" | "playin" | "play_in" => Ok(Stage::PlayIn),
            "playoffs" | "playoff" | "postseason" => Ok(Stage::Playoffs),
            _ => Err(DomainError::InvalidStage(s.to_string())),
        }
    }
}

/// A conference (the Eastern and Western Divisions before 1970-71 are mapped to East and West).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Conference {
    East,
    West,
}

impl Conference {
    pub fn as_str(self) -> &'static str {
        match self {
            Conference::East => "East",
            Conference::West => "West",
        }
    }
}

impl FromStr for Conference {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "east" | "eastern" | "e" => Ok(Conference::East),
            "west" | "western" | "w" => Ok(Conference::West),
            _ => Err(DomainError::InvalidConference(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_from_game_id() {
        assert_eq!(Stage::from_nba_game_id("0021500003"), Some(Stage::Regular));
        assert_eq!(Stage::from_nba_game_id("0041500407"), Some(Stage::Playoffs));
        assert_eq!(Stage::from_nba_game_id("0052000101"), Some(Stage::PlayIn));
        assert_eq!(Stage::from_nba_game_id("0031500001"), None);
        assert_eq!("play-in".parse::<Stage>().unwrap(), Stage::PlayIn);
        assert!("final".parse::<Stage>().is_err());
    }
}
