//! Games: filtered, paginated lists and one game in full (box scores, sources, 538 forecast).

use base64::Engine;
use chrono::NaiveDate;
use nba_domain::{franchises, Season, Stage};
use nba_store::{BoxStats, GameFilter, GameRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::teams::{full_name, resolve};
use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetGamesInput {
    /// Team (name, city, abbreviation).
    pub team: Option<String>,
    /// Only games against this team.
    pub opponent: Option<String>,
    pub season: Option<Season>,
    /// First date, YYYY-MM-DD.
    pub date_from: Option<String>,
    /// Last date, YYYY-MM-DD.
    pub date_to: Option<String>,
    pub stage: Option<Stage>,
    /// Games per page, 1 to 100 (default 25).
    pub limit: Option<i64>,
    /// next_cursor from the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Side {
    pub team_id: i64,
    pub abbr: String,
    pub name: String,
    pub score: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GameSummary {
    pub game_id: String,
    pub nba_game_id: Option<String>,
    pub season: String,
    pub date: String,
    pub stage: String,
    pub neutral: bool,
    pub home: Side,
    pub away: Side,
    /// "final" or "scheduled".
    pub status: String,
    /// Abbreviation of the winner, for finished games.
    pub winner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetGamesOutput {
    pub count: usize,
    pub games: Vec<GameSummary>,
    /// Pass as cursor to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Whether more games match than this page holds.
    pub truncated: bool,
    /// Set when nothing matches because the season asked for is not in the store (outside
    /// its range or a hole in it, such as 2022-23 in the real data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub(crate) fn side(team: i64, season: i64, score: Option<i64>) -> Side {
    let era =
        franchises::era_by_team_id(team, season as u16).or_else(|| franchises::latest_era(team));
    Side {
        team_id: team,
        abbr: era
            .map(|e| e.abbr.to_string())
            .unwrap_or_else(|| team.to_string()),
        name: era.map(full_name).unwrap_or_else(|| format!("team {team}")),
        score,
    }
}

pub(crate) fn summary(g: &GameRecord) -> GameSummary {
    let home = side(g.home_id, g.season, g.home_score);
    let away = side(g.away_id, g.season, g.away_score);
    let winner = g.winner().map(|w| {
        if w == g.home_id {
            home.abbr.clone()
        } else {
            away.abbr.clone()
        }
    });
    GameSummary {
        game_id: g.id.clone(),
        nba_game_id: g.nba_game_id.clone(),
        season: season_label(g.season),
        date: g.date.clone(),
        stage: g.stage.clone(),
        neutral: g.neutral,
        status: if g.is_final() { "final" } else { "scheduled" }.into(),
        winner,
        home,
        away,
    }
}

pub(crate) fn season_label(end_year: i64) -> String {
    Season::from_end_year(end_year)
        .map(|s| s.label())
        .unwrap_or_else(|| end_year.to_string())
}

/// A date argument: YYYY-MM-DD, from the first BAA season (1946) to two years ahead.
pub(crate) fn parse_date(field: &str, s: &str) -> Result<String, AppError> {
    parse_day(field, s).map(|d| d.to_string())
}

/// A `YYYY-MM-DD` date within the range this server knows (1946 to two years ahead).
pub(crate) fn parse_day(field: &str, s: &str) -> Result<NaiveDate, AppError> {
    let t = s.trim();
    // The common exact form by the fast ISO parser; anything else by the format parser.
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let parsed = if shaped {
        t.parse::<NaiveDate>().ok()
    } else {
        NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
    };
    let d = parsed.ok_or_else(|| {
        AppError::InvalidArgument(format!("{field} '{s}' is not a date in YYYY-MM-DD form"))
    })?;
    let first = NaiveDate::from_ymd_opt(1946, 1, 1).expect("a valid date");
    let last = chrono::Utc::now().date_naive() + chrono::Duration::days(730);
    if d < first || d > last {
        return Err(AppError::InvalidArgument(format!(
            "{field} '{s}' is outside the dates this server knows: {first} to {last}"
        )));
    }
    Ok(d)
}

fn encode_cursor(g: &GameRecord) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{}", g.date, g.id))
}

fn decode_cursor(c: &str) -> Result<(String, String), AppError> {
    let bad = || {
        AppError::InvalidArgument("cursor is not a next_cursor value this server returned".into())
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (d, id) = text.split_once('|').ok_or_else(bad)?;
    parse_date("cursor", d).map_err(|_| bad())?;
    Ok((d.to_string(), id.to_string()))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetGameInput {
    /// Our game id (20160619-CLE-GSW) or the NBA Stats id (0041500407).
    pub game_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamBoxOut {
    pub team_id: i64,
    pub abbr: String,
    pub is_home: bool,
    pub source: String,
    pub stats: BoxStats,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlayerBoxOut {
    pub person_id: i64,
    pub name: String,
    pub team_abbr: String,
    pub position: Option<String>,
    /// Why the player did not play, when he did not.
    pub comment: Option<String>,
    pub stats: BoxStats,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceOut {
    pub source: String,
    pub date: String,
    pub home_abbr: String,
    pub away_abbr: String,
    pub home_score: Option<i64>,
    pub away_score: Option<i64>,
    /// What this source says differently from the stored game, if anything.
    pub disagreement: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FteOut {
    pub elo_home_pre: Option<f64>,
    pub elo_away_pre: Option<f64>,
    pub elo_prob_home: Option<f64>,
    pub raptor_prob_home: Option<f64>,
    pub main_prob_home: Option<f64>,
    pub main_model: Option<String>,
    pub credit: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetGameOutput {
    pub game: GameSummary,
    pub team_box: Vec<TeamBoxOut>,
    pub player_box: Vec<PlayerBoxOut>,
    pub sources: Vec<SourceOut>,
    pub fivethirtyeight: Option<FteOut>,
}

impl App {
    pub(crate) async fn get_games(&self, input: GetGamesInput) -> Result<GetGamesOutput, AppError> {
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        let date_from = input
            .date_from
            .as_deref()
            .map(|d| parse_date("date_from", d))
            .transpose()?;
        let date_to = input
            .date_to
            .as_deref()
            .map(|d| parse_date("date_to", d))
            .transpose()?;
        if let (Some(a), Some(b)) = (&date_from, &date_to) {
            if a > b {
                return Err(AppError::InvalidArgument(format!(
                    "date_from {a} is after date_to {b}"
                )));
            }
        }
        let before = input.cursor.as_deref().map(decode_cursor).transpose()?;
        let first_page = before.is_none();
        let team = input
            .team
            .as_deref()
            .map(|t| resolve(t, input.season))
            .transpose()?;
        let opponent = input
            .opponent
            .as_deref()
            .map(|t| resolve(t, input.season))
            .transpose()?;
        if let (Some(a), Some(b)) = (team, opponent) {
            if a.id == b.id {
                return Err(AppError::InvalidArgument(
                    "team and opponent are the same team".into(),
                ));
            }
        }
        let filter = GameFilter {
            team_id: team.or(opponent).map(|t| t.id),
            opponent_id: team.and(opponent).map(|t| t.id),
            season: input.season.map(|s| s.end_year() as i64),
            date_from,
            date_to,
            stage: input.stage.map(|s| s.as_str().to_string()),
            before,
            limit: limit + 1,
            ..Default::default()
        };
        let mut rows = self.store().games(&filter).await?;
        let truncated = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if truncated {
            rows.last().map(encode_cursor)
        } else {
            None
        };
        let note = match input.season {
            Some(season) if rows.is_empty() && first_page => {
                let year = season.end_year() as i64;
                if self.store().seasons().await?.binary_search(&year).is_err() {
                    Some(self.season_missing(season).await?)
                } else {
                    None
                }
            }
            _ => None,
        };
        Ok(GetGamesOutput {
            count: rows.len(),
            games: rows.iter().map(summary).collect(),
            next_cursor,
            truncated,
            note,
        })
    }

    pub(crate) async fn get_game(&self, input: GetGameInput) -> Result<GetGameOutput, AppError> {
        let id = input.game_id.trim();
        if id.is_empty() {
            return Err(AppError::InvalidArgument(
                "game_id must not be empty".into(),
            ));
        }
        let Some(g) = self.store().game(id).await? else {
            return Err(AppError::NotFound(format!(
                "no game '{id}'; ids look like 20160619-CLE-GSW (date-away-home) or NBA Stats ids like 0041500407; use get_games to find them"
            )));
        };
        let store = self.store();
        let (team_box, player_box, sources) = tokio::try_join!(
            store.team_box_for_game(&g.id),
            store.player_box_for_game(&g.id),
            store.game_sources(&g.id)
        )?;
        let abbr = |team: i64| side(team, g.season, None).abbr;
        let sources = sources
            .into_iter()
            .map(|s| {
                let oriented = s.home_id == g.home_id;
                let (h, a) = if oriented {
                    (s.home_score, s.away_score)
                } else {
                    (s.away_score, s.home_score)
                };
                let mut diffs = Vec::new();
                if s.date != g.date {
                    diffs.push(format!("date {} (stored {})", s.date, g.date));
                }
                if h.is_some() && g.home_score.is_some() && (h != g.home_score || a != g.away_score)
                {
                    diffs.push(format!(
                        "score {}-{} (stored {}-{}, from {})",
                        h.unwrap_or(0),
                        a.unwrap_or(0),
                        g.home_score.unwrap_or(0),
                        g.away_score.unwrap_or(0),
                        g.primary_source
                    ));
                }
                SourceOut {
                    source: s.source,
                    date: s.date,
                    home_abbr: abbr(s.home_id),
                    away_abbr: abbr(s.away_id),
                    home_score: s.home_score,
                    away_score: s.away_score,
                    disagreement: (!diffs.is_empty()).then(|| diffs.join("; ")),
                }
            })
            .collect();
        let fte = g.fte_elo_prob_home.is_some().then(|| FteOut {
            elo_home_pre: g.fte_elo_home_pre,
            elo_away_pre: g.fte_elo_away_pre,
            elo_prob_home: g.fte_elo_prob_home,
            raptor_prob_home: g.fte_raptor_prob_home,
            main_prob_home: g.fte_main_prob_home,
            main_model: g.fte_main_model.clone(),
            credit: "FiveThirtyEight, CC BY 4.0 (https://github.com/fivethirtyeight/data/tree/master/nba-forecasts)".into(),
        });
        Ok(GetGameOutput {
            team_box: team_box
                .into_iter()
                .map(|b| TeamBoxOut {
                    abbr: abbr(b.team_id),
                    team_id: b.team_id,
                    is_home: b.is_home,
                    source: b.source,
                    stats: b.stats,
                })
                .collect(),
            player_box: player_box
                .into_iter()
                .map(|p| PlayerBoxOut {
                    person_id: p.person_id,
                    name: p.player_name,
                    team_abbr: abbr(p.team_id),
                    position: p.position,
                    comment: p.comment,
                    stats: p.stats,
                })
                .collect(),
            sources,
            fivethirtyeight: fte,
            game: summary(&g),
        })
    }
}

/// The `get_games` tool.
pub struct GetGames;

impl Tool for GetGames {
    const NAME: &'static str = "get_games";
    const TITLE: &'static str = "List games";
    const DESCRIPTION: &'static str = "Games with scores, newest first, filtered by team, opponent, season, date range (YYYY-MM-DD) and stage (regular, play-in, playoffs). Default 25, max 100 per page; pass next_cursor back as cursor for the next page.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = GetGamesInput;
    type Output = GetGamesOutput;

    async fn run(cx: Ctx<'_>, input: GetGamesInput) -> Result<GetGamesOutput, AppError> {
        cx.app.get_games(input).await
    }
}

/// The `get_game` tool.
pub struct GetGame;

impl Tool for GetGame {
    const NAME: &'static str = "get_game";
    const TITLE: &'static str = "Get one game";
    const DESCRIPTION: &'static str = "One game by id (20160619-CLE-GSW) or NBA Stats id (0041500407): score, team and player box scores where present, every source that reported it and where they disagree, and FiveThirtyEight's pre-game forecast (CC BY 4.0).";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = GetGameInput;
    type Output = GetGameOutput;

    async fn run(cx: Ctx<'_>, input: GetGameInput) -> Result<GetGameOutput, AppError> {
        cx.app.get_game(input).await
    }
}
