//! MCP-style resources: fixed documents (`nba://schema`, `nba://teams`) and the standings
//! template `nba://standings/{season}`. Transports list and read them through here.

use serde_json::{json, Value};

use crate::access::{Caller, RESOURCE_PERMISSION};
use crate::tools::{GetStandings, ListTeams};
use crate::{App, AppError};

/// A fixed resource.
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    pub uri: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub mime_type: &'static str,
}

/// A resource template (RFC 6570 level 1).
#[derive(Debug, Clone)]
pub struct ResourceTemplateSpec {
    pub uri_template: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub mime_type: &'static str,
}

/// What reading a resource returns.
#[derive(Debug, Clone)]
pub struct ResourceContent {
    pub uri: String,
    pub mime_type: &'static str,
    pub text: String,
}

pub fn resources() -> Vec<ResourceSpec> {
    vec![
        ResourceSpec {
            uri: "nba://schema",
            name: "schema",
            title: "Data model",
            description: "The tables behind the tools (games, box scores, players, teams, sources) and the conventions they use.",
            mime_type: "application/json",
        },
        ResourceSpec {
            uri: "nba://teams",
            name: "teams",
            title: "Teams",
            description: "Every franchise era with its NBA and FiveThirtyEight codes, seasons and conference.",
            mime_type: "application/json",
        },
    ]
}

pub fn resource_templates() -> Vec<ResourceTemplateSpec> {
    vec![ResourceTemplateSpec {
        uri_template: "nba://standings/{season}",
        name: "standings",
        title: "Standings for a season",
        description: "Final (or current) standings of a season by conference, e.g. nba://standings/2015-16 or nba://standings/2016.",
        mime_type: "application/json",
    }]
}

impl App {
    /// Reads a resource by URI for `caller` (rate limit, permission check, audit); unknown
    /// URIs are `UnknownName`, bad seasons `InvalidArgument`.
    pub async fn read_resource(
        &self,
        caller: &Caller,
        uri: &str,
    ) -> Result<ResourceContent, AppError> {
        self.rate_limit(caller, "resources/read")?;
        self.authorize(caller, Some(RESOURCE_PERMISSION), "resources/read", uri)?;
        let result = self.resource(caller, uri).await;
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error:{}", e.code()),
        };
        self.audit(caller, "resources/read", uri, &outcome);
        result
    }

    async fn resource(&self, caller: &Caller, uri: &str) -> Result<ResourceContent, AppError> {
        let mut value = if uri == "nba://schema" {
            schema_document()
        } else if uri == "nba://teams" {
            self.run_checked::<ListTeams>(caller, json!({})).await?
        } else if let Some(season) = uri.strip_prefix("nba://standings/") {
            self.run_checked::<GetStandings>(caller, json!({ "season": season }))
                .await?
        } else {
            return Err(AppError::UnknownName(format!(
                "no resource '{uri}'; available: nba://schema, nba://teams, nba://standings/{{season}}"
            )));
        };
        if let Value::Object(map) = &mut value {
            map.insert(
                "data_source".into(),
                Value::String(self.data_source().label().into()),
            );
        }
        Ok(ResourceContent {
            uri: uri.to_string(),
            mime_type: "application/json",
            text: serde_json::to_string_pretty(&value)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }
}

fn schema_document() -> Value {
    json!({
        "conventions": {
            "season": "\"2015-16\"; an integer is the year the season ends (2016 = 2015-16)",
            "team_id": "NBA Stats franchise id (1610612747 = Lakers); defunct early franchises have ids of their own",
            "game_id": "YYYYMMDD-AWAY-HOME (e.g. 20160619-CLE-GSW); the NBA Stats id (0041500407) is accepted too",
            "stage": "regular | play-in | playoffs",
            "home": "FiveThirtyEight's team1; on neutral sites simply the first team"
        },
        "tables": {
            "franchises": "current teams: id, abbr, city, nickname, conference, division",
            "players": "id (NBA Stats person id), name, active flag, years, position, bio and draft",
            "games": "id, season, date, stage, neutral, home/away team ids and scores, NBA Stats id, FiveThirtyEight pre-game Elo and probabilities",
            "game_sources": "every source that reported a game, with its own date and score, so disagreements stay visible",
            "team_box": "per team and game: minutes, FG, 3P, FT, rebounds, assists, steals, blocks, turnovers, fouls, points",
            "player_box": "per player and game: the same box-score line, with DNP comments",
            "ingest_runs": "provenance of every loaded file: format, layout, sha256, rows, time",
            "prediction_log": "every served prediction: time, model, teams, date, probability and features (for drift and accuracy)"
        },
        "attribution": "Game results and pre-game forecasts: FiveThirtyEight, CC BY 4.0. Box scores: NBA Stats."
    })
}
