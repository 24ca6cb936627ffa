//! Head to head: two teams' record against each other.

use std::collections::BTreeMap;

use nba_domain::Season;
use nba_store::GameFilter;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::games::{season_label, summary, GameSummary};
use super::r1;
use super::teams::{resolve, summary as team_summary, TeamSummary};
use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

/// A season, a range "2010-2016" / "2009-10:2015-16", or [from, to].
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SeasonsArg {
    Pair([Season; 2]),
    One(Season),
    Text(String),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadToHeadInput {
    pub team_a: String,
    pub team_b: String,
    /// Limit to a season or range of seasons; default all.
    pub seasons: Option<SeasonsArg>,
}

#[derive(Debug, Default, Serialize, JsonSchema, Clone)]
pub struct H2hRecord {
    pub games: u32,
    pub team_a_wins: u32,
    pub team_b_wins: u32,
    /// Team A's average margin.
    pub team_a_avg_margin: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SeasonLine {
    pub season: String,
    pub team_a_wins: u32,
    pub team_b_wins: u32,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HeadToHeadOutput {
    pub team_a: TeamSummary,
    pub team_b: TeamSummary,
    pub seasons: Option<String>,
    pub regular_season: H2hRecord,
    pub playoffs: H2hRecord,
    pub play_in: H2hRecord,
    /// Team A's record at home against team B (regular season and play-offs).
    pub team_a_home: String,
    pub team_a_away: String,
    /// Most recent seasons first, at most 30.
    pub by_season: Vec<SeasonLine>,
    pub truncated: bool,
    /// Latest ten meetings.
    pub recent_games: Vec<GameSummary>,
}

fn range(arg: &SeasonsArg) -> Result<(Season, Season), AppError> {
    let (a, b) = match arg {
        SeasonsArg::Pair([a, b]) => (*a, *b),
        SeasonsArg::One(s) => (*s, *s),
        SeasonsArg::Text(t) => {
            let (x, y) = t
                .split_once(':')
                .or_else(|| t.split_once(".."))
                .or_else(|| {
                    // "2010-2016": two four-digit years.
                    let (x, y) = t.split_once('-')?;
                    (x.trim().len() == 4
                        && y.trim().len() == 4
                        && y.trim().parse::<i64>().ok()? > x.trim().parse::<i64>().ok()? + 1)
                        .then_some((x, y))
                })
                .ok_or_else(|| {
                    AppError::InvalidArgument(format!(
                        "seasons '{t}' is not a season or a range like 2010-2016"
                    ))
                })?;
            (Season::parse(x)?, Season::parse(y)?)
        }
    };
    if a > b {
        return Err(AppError::InvalidArgument(format!(
            "seasons range starts after it ends ({a} > {b})"
        )));
    }
    Ok((a, b))
}

/// The era to name a franchise by: the last season of the range, else its current era.
fn era_for(id: i64, seasons: Option<(Season, Season)>) -> &'static nba_domain::franchises::TeamEra {
    let era = match seasons {
        Some((_, to)) => nba_domain::franchises::era_by_team_id(id, to.end_year()),
        None => None,
    };
    era.or_else(|| nba_domain::franchises::latest_era(id))
        .expect("a resolved team has an era")
}

impl App {
    pub(crate) async fn head_to_head(
        &self,
        input: HeadToHeadInput,
    ) -> Result<HeadToHeadOutput, AppError> {
        let a = resolve(&input.team_a, None)?;
        let b = resolve(&input.team_b, None)?;
        if a.id == b.id {
            return Err(AppError::InvalidArgument(format!(
                "team_a and team_b are the same franchise ({})",
                super::teams::full_name(a.era)
            )));
        }
        let seasons = input.seasons.as_ref().map(range).transpose()?;
        let filter = GameFilter {
            team_id: Some(a.id),
            opponent_id: Some(b.id),
            seasons: seasons.map(|(x, y)| (x.end_year() as i64, y.end_year() as i64)),
            limit: 100_000,
            ..Default::default()
        };
        let games = self.store().games(&filter).await?;
        let mut reg = (H2hRecord::default(), 0i64);
        let mut po = (H2hRecord::default(), 0i64);
        let mut pi = (H2hRecord::default(), 0i64);
        let (mut hw, mut hl, mut aw, mut al) = (0, 0, 0, 0);
        let mut by: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
        for g in games.iter().filter(|g| g.is_final()) {
            let Some((pf, pa)) = g.score_for(a.id) else {
                continue;
            };
            let won = pf > pa;
            let slot = match g.stage.as_str() {
                "playoffs" => &mut po,
                "play-in" => &mut pi,
                _ => &mut reg,
            };
            slot.0.games += 1;
            if won {
                slot.0.team_a_wins += 1
            } else {
                slot.0.team_b_wins += 1
            }
            slot.1 += pf - pa;
            if !g.neutral {
                match (g.home_id == a.id, won) {
                    (true, true) => hw += 1,
                    (true, false) => hl += 1,
                    (false, true) => aw += 1,
                    (false, false) => al += 1,
                }
            }
            let e = by.entry(g.season).or_default();
            if won {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
        let fin = |(mut r, m): (H2hRecord, i64)| {
            r.team_a_avg_margin = if r.games > 0 {
                r1(m as f64 / r.games as f64)
            } else {
                0.0
            };
            r
        };
        let truncated = by.len() > 30;
        Ok(HeadToHeadOutput {
            team_a: team_summary(era_for(a.id, seasons), seasons.map(|(_, y)| y.end_year())),
            team_b: team_summary(era_for(b.id, seasons), seasons.map(|(_, y)| y.end_year())),
            seasons: seasons.map(|(x, y)| {
                if x == y {
                    x.label()
                } else {
                    format!("{x} to {y}")
                }
            }),
            regular_season: fin(reg),
            playoffs: fin(po),
            play_in: fin(pi),
            team_a_home: format!("{hw}-{hl}"),
            team_a_away: format!("{aw}-{al}"),
            by_season: by
                .iter()
                .rev()
                .take(30)
                .map(|(s, (w, l))| SeasonLine {
                    season: season_label(*s),
                    team_a_wins: *w,
                    team_b_wins: *l,
                })
                .collect(),
            truncated,
            recent_games: games
                .iter()
                .filter(|g| g.is_final())
                .take(10)
                .map(summary)
                .collect(),
        })
    }
}

/// The `head_to_head` tool.
pub struct HeadToHead;

impl Tool for HeadToHead {
    const NAME: &'static str = "head_to_head";
    const TITLE: &'static str = "Head to head";
    const DESCRIPTION: &'static str = "Two teams' record against each other, regular season and play-offs, home and away, average margin, season by season and the latest meetings. seasons limits the range: \"2015-16\", 2016, \"2010-2016\" or [2010, 2016].";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = HeadToHeadInput;
    type Output = HeadToHeadOutput;

    async fn run(cx: Ctx<'_>, input: HeadToHeadInput) -> Result<HeadToHeadOutput, AppError> {
        cx.app.head_to_head(input).await
    }
}
