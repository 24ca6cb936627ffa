//! Rows as the store returns them to the application layer.

use serde::Serialize;

/// A game. Scores are `None` until the game is played.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameRecord {
    pub id: String,
    pub season: i64,
    pub date: String,
    pub stage: String,
    pub neutral: bool,
    pub home_id: i64,
    pub away_id: i64,
    pub home_score: Option<i64>,
    pub away_score: Option<i64>,
    pub nba_game_id: Option<String>,
    pub primary_source: String,
    pub data_source: String,
    pub fte_elo_home_pre: Option<f64>,
    pub fte_elo_away_pre: Option<f64>,
    pub fte_elo_prob_home: Option<f64>,
    pub fte_raptor_prob_home: Option<f64>,
    pub fte_main_prob_home: Option<f64>,
    pub fte_main_model: Option<String>,
}

impl GameRecord {
    pub fn is_final(&self) -> bool {
        self.home_score.is_some() && self.away_score.is_some()
    }

    /// The winner's team id, for finished games.
    pub fn winner(&self) -> Option<i64> {
        match (self.home_score, self.away_score) {
            (Some(h), Some(a)) if h > a => Some(self.home_id),
            (Some(h), Some(a)) if a > h => Some(self.away_id),
            _ => None,
        }
    }

    pub fn involves(&self, team_id: i64) -> bool {
        self.home_id == team_id || self.away_id == team_id
    }

    /// (points for, points against) from `team_id`'s side, for finished games.
    pub fn score_for(&self, team_id: i64) -> Option<(i64, i64)> {
        let (h, a) = (self.home_score?, self.away_score?);
        if team_id == self.home_id {
            Some((h, a))
        } else if team_id == self.away_id {
            Some((a, h))
        } else {
            None
        }
    }
}

/// Box-score counting stats; `None` where the source did not record them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BoxStats {
    pub minutes: Option<f64>,
    pub fgm: Option<i64>,
    pub fga: Option<i64>,
    pub fg3m: Option<i64>,
    pub fg3a: Option<i64>,
    pub ftm: Option<i64>,
    pub fta: Option<i64>,
    pub oreb: Option<i64>,
    pub dreb: Option<i64>,
    pub reb: Option<i64>,
    pub ast: Option<i64>,
    pub stl: Option<i64>,
    pub blk: Option<i64>,
    pub tov: Option<i64>,
    pub pf: Option<i64>,
    pub pts: i64,
    pub plus_minus: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamBoxRecord {
    pub game_id: String,
    pub team_id: i64,
    pub is_home: bool,
    pub source: String,
    pub stats: BoxStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerBoxRecord {
    pub game_id: String,
    pub person_id: i64,
    pub team_id: i64,
    pub season: i64,
    pub stage: String,
    pub player_name: String,
    pub position: Option<String>,
    pub comment: Option<String>,
    pub source: String,
    pub stats: BoxStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerRecord {
    pub id: i64,
    pub full_name: String,
    pub is_active: Option<bool>,
    pub from_year: Option<i64>,
    pub to_year: Option<i64>,
    pub position: Option<String>,
    pub height: Option<String>,
    pub weight: Option<i64>,
    pub college: Option<String>,
    pub country: Option<String>,
    pub draft_year: Option<i64>,
    pub draft_round: Option<i64>,
    pub draft_number: Option<i64>,
    pub team_id: Option<i64>,
}

/// One source's account of a game, kept even where it disagrees with the stored game.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameSourceRecord {
    pub source: String,
    pub source_key: String,
    pub game_id: String,
    pub date: String,
    pub home_id: i64,
    pub away_id: i64,
    pub home_score: Option<i64>,
    pub away_score: Option<i64>,
    pub run_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestRunRecord {
    pub id: i64,
    pub format: String,
    pub layout: String,
    pub file: String,
    pub sha256: String,
    pub rows_read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub notes: String,
    pub started_at: String,
    pub seconds: f64,
}

/// Filters for listing games; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct GameFilter {
    pub team_id: Option<i64>,
    pub opponent_id: Option<i64>,
    pub season: Option<i64>,
    pub seasons: Option<(i64, i64)>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub stage: Option<String>,
    /// Keyset cursor: only games strictly before this (date, id) in descending order.
    pub before: Option<(String, String)>,
    pub limit: i64,
}

/// Row counts per table, for health and summaries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreCounts {
    pub games: i64,
    pub game_sources: i64,
    pub team_box: i64,
    pub player_box: i64,
    pub players: i64,
    pub franchises: i64,
    pub ingest_runs: i64,
}
