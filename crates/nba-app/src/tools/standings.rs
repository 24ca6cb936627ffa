//! Standings computed from game results, as of any date.

use std::collections::HashMap;

use nba_domain::{franchises, Conference, Season};
use nba_store::GameRecord;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::games::{parse_date, side};
use super::r3;
use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingsInput {
    pub season: Season,
    /// Standings after the games of this date (YYYY-MM-DD); default: the end of the season.
    pub date: Option<String>,
    /// "East" or "West"; default both.
    pub conference: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema, Clone)]
pub struct StandingRow {
    pub conference_rank: usize,
    pub team_id: i64,
    pub abbr: String,
    pub name: String,
    pub division: Option<String>,
    pub wins: u32,
    pub losses: u32,
    pub win_pct: f64,
    pub games_back: f64,
    pub points_for: i64,
    pub points_against: i64,
    pub point_differential: i64,
    pub point_differential_per_game: f64,
    /// "W3" or "L1".
    pub streak: String,
    /// Record in the last 10 games, "7-3".
    pub last_10: String,
    pub home: String,
    pub away: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ConferenceStandings {
    pub conference: String,
    pub teams: Vec<StandingRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StandingsOutput {
    pub season: String,
    /// Date of the last game counted.
    pub as_of: Option<String>,
    pub games_counted: usize,
    pub conferences: Vec<ConferenceStandings>,
    pub note: String,
}

#[derive(Default, Clone)]
pub(crate) struct Record {
    pub wins: u32,
    pub losses: u32,
    pub home_w: u32,
    pub home_l: u32,
    pub away_w: u32,
    pub away_l: u32,
    pub pf: i64,
    pub pa: i64,
    /// true = win, in date order.
    pub results: Vec<bool>,
}

impl Record {
    pub fn add(&mut self, g: &GameRecord, team: i64) {
        let Some((pf, pa)) = g.score_for(team) else {
            return;
        };
        let won = pf > pa;
        let home = g.home_id == team && !g.neutral;
        let away = g.away_id == team && !g.neutral;
        if won {
            self.wins += 1;
        } else {
            self.losses += 1;
        }
        match (home, away, won) {
            (true, _, true) => self.home_w += 1,
            (true, _, false) => self.home_l += 1,
            (_, true, true) => self.away_w += 1,
            (_, true, false) => self.away_l += 1,
            _ => {}
        }
        self.pf += pf;
        self.pa += pa;
        self.results.push(won);
    }

    pub fn games(&self) -> u32 {
        self.wins + self.losses
    }

    pub fn pct(&self) -> f64 {
        if self.games() == 0 {
            0.0
        } else {
            self.wins as f64 / self.games() as f64
        }
    }

    pub fn streak(&self) -> String {
        let Some(&last) = self.results.last() else {
            return "-".into();
        };
        let n = self
            .results
            .iter()
            .rev()
            .take_while(|&&r| r == last)
            .count();
        format!("{}{}", if last { "W" } else { "L" }, n)
    }

    pub fn last_10(&self) -> String {
        let tail = &self.results[self.results.len().saturating_sub(10)..];
        let w = tail.iter().filter(|&&r| r).count();
        format!("{}-{}", w, tail.len() - w)
    }
}

/// Regular-season records of every team in `games` (date order) up to `as_of`.
pub(crate) fn records(
    games: &[GameRecord],
    as_of: Option<&str>,
) -> (HashMap<i64, Record>, usize, Option<String>) {
    let mut recs: HashMap<i64, Record> = HashMap::new();
    let mut counted = 0;
    let mut last = None;
    for g in games {
        if g.stage != "regular" || !g.is_final() {
            continue;
        }
        if as_of.is_some_and(|d| g.date.as_str() > d) {
            continue;
        }
        recs.entry(g.home_id).or_default().add(g, g.home_id);
        recs.entry(g.away_id).or_default().add(g, g.away_id);
        counted += 1;
        last = Some(g.date.clone());
    }
    (recs, counted, last)
}

impl App {
    pub(crate) async fn get_standings(
        &self,
        input: StandingsInput,
    ) -> Result<StandingsOutput, AppError> {
        let as_of = input
            .date
            .as_deref()
            .map(|d| parse_date("date", d))
            .transpose()?;
        let only = input
            .conference
            .as_deref()
            .map(|c| c.parse::<Conference>())
            .transpose()?;
        let season = input.season.end_year() as i64;
        let games = self.season_games(season).await?;
        if games.is_empty() {
            return Err(self.no_season(input.season).await?);
        }
        let (recs, counted, last) = records(&games, as_of.as_deref());
        if counted == 0 {
            return Err(AppError::NotFound(format!(
                "no finished regular-season games of {} on or before {}",
                input.season,
                as_of.unwrap_or_default()
            )));
        }
        let mut conferences = Vec::new();
        for conf in [Conference::East, Conference::West] {
            if only.is_some_and(|o| o != conf) {
                continue;
            }
            let mut rows: Vec<StandingRow> = recs
                .iter()
                .filter(|(id, _)| franchises::conference(**id, season as u16) == Some(conf))
                .map(|(id, r)| {
                    let s = side(*id, season, None);
                    StandingRow {
                        conference_rank: 0,
                        team_id: *id,
                        abbr: s.abbr,
                        name: s.name,
                        division: franchises::division(*id, season as u16).map(String::from),
                        wins: r.wins,
                        losses: r.losses,
                        win_pct: r3(r.pct()),
                        games_back: 0.0,
                        points_for: r.pf,
                        points_against: r.pa,
                        point_differential: r.pf - r.pa,
                        point_differential_per_game: super::r1(
                            (r.pf - r.pa) as f64 / r.games().max(1) as f64,
                        ),
                        streak: r.streak(),
                        last_10: r.last_10(),
                        home: format!("{}-{}", r.home_w, r.home_l),
                        away: format!("{}-{}", r.away_w, r.away_l),
                    }
                })
                .collect();
            rows.sort_by(|a, b| {
                b.win_pct
                    .total_cmp(&a.win_pct)
                    .then(b.wins.cmp(&a.wins))
                    .then(b.point_differential.cmp(&a.point_differential))
                    .then(a.abbr.cmp(&b.abbr))
            });
            if let Some(lead) = rows.first().cloned() {
                for (i, r) in rows.iter_mut().enumerate() {
                    r.conference_rank = i + 1;
                    r.games_back = ((lead.wins as f64 - r.wins as f64)
                        + (r.losses as f64 - lead.losses as f64))
                        / 2.0;
                }
            }
            if !rows.is_empty() {
                conferences.push(ConferenceStandings {
                    conference: conf.as_str().into(),
                    teams: rows,
                });
            }
        }
        Ok(StandingsOutput {
            season: input.season.label(),
            as_of: last,
            games_counted: counted,
            conferences,
            note: "Regular season only. Ranked by win percentage, then wins, then point differential; the NBA's head-to-head and division tiebreakers are not applied. Before 1970-71 the Eastern and Western Divisions are shown as conferences.".into(),
        })
    }

    /// The error for a season the store has no games for, naming what it has.
    pub(crate) async fn no_season(&self, season: Season) -> Result<AppError, AppError> {
        Ok(AppError::NotFound(self.season_missing(season).await?))
    }

    /// Why a season has no games here: outside the stored range, or a hole inside it (the
    /// real data has no 2022-23), with what the store does hold.
    pub(crate) async fn season_missing(&self, season: Season) -> Result<String, AppError> {
        let seasons = self.store().seasons().await?;
        let label = super::games::season_label;
        let (Some(&first), Some(&last)) = (seasons.first(), seasons.last()) else {
            return Ok(format!(
                "no games of season {season} in the store: the store is empty (run nba-mcp ingest)"
            ));
        };
        let year = season.end_year() as i64;
        if year < first || year > last {
            return Ok(format!(
                "season {season} is not in this store: it holds {} to {}",
                label(first),
                label(last)
            ));
        }
        let holes: Vec<String> = (first..=last)
            .filter(|y| seasons.binary_search(y).is_err())
            .map(label)
            .collect();
        let shown = if holes.len() > 5 {
            format!(
                "{} seasons, among them {}",
                holes.len(),
                holes[..5].join(", ")
            )
        } else {
            holes.join(", ")
        };
        Ok(format!(
            "season {season} is not in this store: it holds {} to {} except {shown}",
            label(first),
            label(last)
        ))
    }
}

/// The `get_standings` tool.
pub struct GetStandings;

impl Tool for GetStandings {
    const NAME: &'static str = "get_standings";
    const TITLE: &'static str = "Standings";
    const DESCRIPTION: &'static str = "Regular-season standings of a season by conference, optionally as of a date: W-L, win pct, games back, points for/against, point differential, streak, last 10, home and away records, conference rank.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = StandingsInput;
    type Output = StandingsOutput;

    async fn run(cx: Ctx<'_>, input: StandingsInput) -> Result<StandingsOutput, AppError> {
        cx.app.get_standings(input).await
    }
}
