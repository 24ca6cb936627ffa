//! A team's season: record, splits, margins, Pythagorean wins, and box-score ratings.

use std::collections::HashMap;

use nba_domain::metrics::{self, FourFactors, TeamLine};
use nba_domain::Season;
use nba_store::{BoxStats, TeamBoxRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::standings::Record;
use super::teams::{resolve, summary, TeamSummary};
use super::{r1, r3};
use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamStatsInput {
    pub team: String,
    pub season: Season,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SplitRecord {
    pub wins: u32,
    pub losses: u32,
    pub win_pct: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Ratings {
    /// Games with box scores for both teams, the basis of these numbers.
    pub games: u32,
    /// Possessions per 48 minutes.
    pub pace: Option<f64>,
    /// Points per 100 possessions.
    pub offensive_rating: Option<f64>,
    pub defensive_rating: Option<f64>,
    pub net_rating: Option<f64>,
    pub four_factors: FourFactors,
    pub opponent_four_factors: FourFactors,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamStatsOutput {
    pub team: TeamSummary,
    pub season: String,
    pub record: SplitRecord,
    pub home: SplitRecord,
    pub away: SplitRecord,
    pub points_for_per_game: f64,
    pub points_against_per_game: f64,
    pub margin_per_game: f64,
    /// Wins expected from points scored and allowed (exponent 14), over the games played.
    pub pythagorean_wins: Option<f64>,
    pub playoffs: Option<SplitRecord>,
    /// Null where the season has no box scores for this team (or lacks a needed column).
    pub ratings: Option<Ratings>,
    pub note: String,
}

fn split(w: u32, l: u32) -> SplitRecord {
    SplitRecord {
        wins: w,
        losses: l,
        win_pct: if w + l > 0 {
            r3(w as f64 / (w + l) as f64)
        } else {
            0.0
        },
    }
}

/// A box line as a formula input, or `None` if any needed column is missing.
pub(crate) fn team_line(b: &BoxStats) -> Option<TeamLine> {
    Some(TeamLine {
        minutes: b.minutes.filter(|m| *m > 0.0)?,
        fgm: b.fgm? as f64,
        fga: b.fga? as f64,
        fg3m: b.fg3m.unwrap_or(0) as f64,
        fg3a: b.fg3a.unwrap_or(0) as f64,
        ftm: b.ftm? as f64,
        fta: b.fta? as f64,
        oreb: b.oreb? as f64,
        dreb: b.dreb? as f64,
        ast: b.ast.unwrap_or(0) as f64,
        stl: b.stl.unwrap_or(0) as f64,
        blk: b.blk.unwrap_or(0) as f64,
        tov: b.tov? as f64,
        pf: b.pf.unwrap_or(0) as f64,
        pts: b.pts as f64,
    })
}

fn add(a: &mut TeamLine, b: &TeamLine) {
    a.minutes += b.minutes;
    a.fgm += b.fgm;
    a.fga += b.fga;
    a.fg3m += b.fg3m;
    a.fg3a += b.fg3a;
    a.ftm += b.ftm;
    a.fta += b.fta;
    a.oreb += b.oreb;
    a.dreb += b.dreb;
    a.ast += b.ast;
    a.stl += b.stl;
    a.blk += b.blk;
    a.tov += b.tov;
    a.pf += b.pf;
    a.pts += b.pts;
}

/// Season totals of a team and its opponents over regular-season games where both box lines
/// are complete.
pub(crate) fn season_lines(
    boxes: &[TeamBoxRecord],
    team: i64,
    regular: &std::collections::HashSet<String>,
) -> Option<(u32, TeamLine, TeamLine)> {
    let mut by_game: HashMap<&str, Vec<&TeamBoxRecord>> = HashMap::new();
    for b in boxes {
        by_game.entry(b.game_id.as_str()).or_default().push(b);
    }
    let (mut n, mut us, mut them) = (0, TeamLine::default(), TeamLine::default());
    for (gid, pair) in by_game {
        if pair.len() != 2 || !regular.contains(gid) {
            continue;
        }
        let (mine, other) = if pair[0].team_id == team {
            (pair[0], pair[1])
        } else if pair[1].team_id == team {
            (pair[1], pair[0])
        } else {
            continue;
        };
        if let (Some(a), Some(b)) = (team_line(&mine.stats), team_line(&other.stats)) {
            add(&mut us, &a);
            add(&mut them, &b);
            n += 1;
        }
    }
    (n > 0).then_some((n, us, them))
}

impl App {
    pub(crate) async fn get_team_stats(
        &self,
        input: TeamStatsInput,
    ) -> Result<TeamStatsOutput, AppError> {
        let team = resolve(&input.team, Some(input.season))?;
        let season = input.season.end_year() as i64;
        let games = self.season_games(season).await?;
        if games.is_empty() {
            return Err(self.no_season(input.season).await?);
        }
        let mut rec = Record::default();
        let (mut pw, mut pl) = (0, 0);
        let mut regular_ids = std::collections::HashSet::new();
        for g in games.iter().filter(|g| g.involves(team.id) && g.is_final()) {
            match g.stage.as_str() {
                "regular" => {
                    rec.add(g, team.id);
                    regular_ids.insert(g.id.clone());
                }
                "playoffs" => match g.score_for(team.id) {
                    Some((f, a)) if f > a => pw += 1,
                    Some(_) => pl += 1,
                    None => {}
                },
                _ => {}
            }
        }
        if rec.games() == 0 {
            return Err(AppError::NotFound(format!(
                "{} played no regular-season games in {} in the store",
                super::teams::full_name(team.era),
                input.season
            )));
        }
        let gp = rec.games() as f64;
        let boxes = self.season_team_boxes(season).await?;
        let ratings = season_lines(&boxes, team.id, &regular_ids).map(|(n, us, them)| {
            let poss = metrics::checked_possessions(&us, &them);
            Ratings {
                games: n,
                pace: metrics::pace(&us, &them).map(r1),
                offensive_rating: poss
                    .and_then(|p| metrics::offensive_rating(us.pts, p))
                    .map(r1),
                defensive_rating: poss
                    .and_then(|p| metrics::defensive_rating(them.pts, p))
                    .map(r1),
                net_rating: poss
                    .and_then(|p| metrics::net_rating(us.pts, them.pts, p))
                    .map(r1),
                four_factors: round_ff(metrics::four_factors(&us, &them)),
                opponent_four_factors: round_ff(metrics::four_factors(&them, &us)),
            }
        });
        Ok(TeamStatsOutput {
            team: summary(team.era, Some(input.season.end_year())),
            season: input.season.label(),
            record: split(rec.wins, rec.losses),
            home: split(rec.home_w, rec.home_l),
            away: split(rec.away_w, rec.away_l),
            points_for_per_game: r1(rec.pf as f64 / gp),
            points_against_per_game: r1(rec.pa as f64 / gp),
            margin_per_game: r1((rec.pf - rec.pa) as f64 / gp),
            pythagorean_wins: metrics::pythagorean_wins(rec.pf as f64, rec.pa as f64, gp).map(r1),
            playoffs: (pw + pl > 0).then(|| split(pw, pl)),
            note: if ratings.is_some() {
                "Regular season. Ratings use Basketball-Reference's possession estimate over games with complete box scores.".into()
            } else {
                "Regular season. No complete team box scores for this season in the store (team game logs cover 1950-51 to 2018-19 and 2023-24 onward; early seasons lack rebounds and turnovers), so pace and ratings are not available.".into()
            },
            ratings,
        })
    }
}

fn round_ff(f: FourFactors) -> FourFactors {
    FourFactors {
        efg_pct: f.efg_pct.map(r3),
        tov_pct: f.tov_pct.map(r3),
        orb_pct: f.orb_pct.map(r3),
        ft_rate: f.ft_rate.map(r3),
    }
}

/// The `get_team_stats` tool.
pub struct GetTeamStats;

impl Tool for GetTeamStats {
    const NAME: &'static str = "get_team_stats";
    const TITLE: &'static str = "Team season stats";
    const DESCRIPTION: &'static str = "A team's season: record, home/away splits, points for and against, margin, Pythagorean wins (exponent 14), play-off record; and where box scores exist pace, offensive/defensive/net rating and the four factors for the team and its opponents (Basketball-Reference definitions).";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = TeamStatsInput;
    type Output = TeamStatsOutput;

    async fn run(cx: Ctx<'_>, input: TeamStatsInput) -> Result<TeamStatsOutput, AppError> {
        cx.app.get_team_stats(input).await
    }
}
