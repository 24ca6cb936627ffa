//! Prompt templates: `analyze_matchup` and `season_review`. They tell the model which tools
//! to call; they do not embed data, so they stay valid as the store changes.

use serde_json::{Map, Value};

use crate::access::{Caller, RESOURCE_PERMISSION};
use crate::{App, AppError};

#[derive(Debug, Clone)]
pub struct PromptArgument {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct PromptSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: Vec<PromptArgument>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptRole {
    User,
    Assistant,
}

#[derive(Debug, Clone)]
pub struct PromptMessage {
    pub role: PromptRole,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct PromptOutput {
    pub description: String,
    pub messages: Vec<PromptMessage>,
}

pub fn prompts() -> Vec<PromptSpec> {
    vec![
        PromptSpec {
            name: "analyze_matchup",
            title: "Analyze a matchup",
            description: "Compare two teams: head-to-head history, current form and team stats.",
            arguments: vec![
                PromptArgument {
                    name: "team_a",
                    description: "First team (name, city or abbreviation)",
                    required: true,
                },
                PromptArgument {
                    name: "team_b",
                    description: "Second team",
                    required: true,
                },
            ],
        },
        PromptSpec {
            name: "season_review",
            title: "Review a team's season",
            description:
                "A team's season in review: record, standings position, team stats and leaders.",
            arguments: vec![
                PromptArgument {
                    name: "team",
                    description: "Team (name, city or abbreviation)",
                    required: true,
                },
                PromptArgument {
                    name: "season",
                    description: "Season, e.g. 2015-16 or 2016",
                    required: true,
                },
            ],
        },
    ]
}

fn arg(args: &Map<String, Value>, name: &str) -> Result<String, AppError> {
    match args.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(AppError::InvalidArgument(format!(
            "missing argument '{name}'"
        ))),
    }
}

impl App {
    /// Renders a prompt for `caller` (rate limit, permission check, audit). Team names are
    /// resolved first so a typo fails here, with suggestions.
    pub async fn get_prompt(
        &self,
        caller: &Caller,
        name: &str,
        args: &Map<String, Value>,
    ) -> Result<PromptOutput, AppError> {
        self.rate_limit(caller, "prompts/get")?;
        self.authorize(caller, Some(RESOURCE_PERMISSION), "prompts/get", name)?;
        let result = self.prompt(name, args).await;
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error:{}", e.code()),
        };
        self.audit(caller, "prompts/get", name, &outcome);
        result
    }

    async fn prompt(
        &self,
        name: &str,
        args: &Map<String, Value>,
    ) -> Result<PromptOutput, AppError> {
        match name {
            "analyze_matchup" => {
                let a = self.resolve_team_name(&arg(args, "team_a")?).await?;
                let b = self.resolve_team_name(&arg(args, "team_b")?).await?;
                Ok(PromptOutput {
                    description: format!("Matchup analysis: {a} vs {b}"),
                    messages: vec![PromptMessage {
                        role: PromptRole::User,
                        text: format!(
                            "Analyze the matchup between the {a} and the {b}. \
                             Use head_to_head for their history (all-time and recent seasons), get_standings for the \
                             latest season in the data, get_team_stats for both teams (record, margin, pace, ratings, \
                             four factors) and get_games with team and opponent for their latest meetings. \
                             Say which team is stronger and why, citing numbers, and say which season the data runs to. \
                             Credit FiveThirtyEight (CC BY 4.0) for game data."
                        ),
                    }],
                })
            }
            "season_review" => {
                let team = self.resolve_team_name(&arg(args, "team")?).await?;
                let season = nba_domain::Season::parse(&arg(args, "season")?)?;
                Ok(PromptOutput {
                    description: format!("Season review: {team}, {season}"),
                    messages: vec![PromptMessage {
                        role: PromptRole::User,
                        text: format!(
                            "Review the {season} season of the {team}. Use get_team_stats (team and season) for the record, \
                             home/away splits, margin, Pythagorean wins and ratings; get_standings for their conference rank; \
                             get_games with stage playoffs for their post-season; get_leaders where player box scores exist. \
                             Summarise strengths, weaknesses and how the season ended, citing numbers."
                        ),
                    }],
                })
            }
            other => Err(AppError::UnknownName(format!(
                "no prompt '{other}'; available: analyze_matchup, season_review"
            ))),
        }
    }
}
