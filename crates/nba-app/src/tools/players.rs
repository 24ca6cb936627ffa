//! Players: search, season averages from box scores, and league leaders with the NBA's
//! qualification rules.

use std::collections::{BTreeMap, HashMap};

use nba_domain::metrics::{self, PlayerLine, TeamLine};
use nba_domain::{Season, Stage};
use nba_store::{PlayerBoxRecord, PlayerRecord};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::games::{season_label, side};
use super::team_stats::team_line;
use super::{r1, r3};
use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchPlayersInput {
    /// Name or part of it ("curry", "Luka Doncic").
    pub query: String,
    /// Only players active in the latest player list.
    pub active_only: Option<bool>,
    /// 1 to 50, default 10.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlayerSummary {
    pub player_id: i64,
    pub name: String,
    pub is_active: Option<bool>,
    pub from_year: Option<i64>,
    pub to_year: Option<i64>,
    pub position: Option<String>,
    pub height: Option<String>,
    pub weight: Option<i64>,
    pub college: Option<String>,
    pub country: Option<String>,
    pub draft: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchPlayersOutput {
    pub query: String,
    pub count: usize,
    pub players: Vec<PlayerSummary>,
    pub truncated: bool,
}

fn player_summary(p: &PlayerRecord) -> PlayerSummary {
    PlayerSummary {
        player_id: p.id,
        name: p.full_name.clone(),
        is_active: p.is_active,
        from_year: p.from_year,
        to_year: p.to_year,
        position: p.position.clone(),
        height: p.height.clone(),
        weight: p.weight,
        college: p.college.clone(),
        country: p.country.clone(),
        draft: p.draft_year.map(|y| match (p.draft_round, p.draft_number) {
            (Some(r), Some(n)) => format!("{y} round {r}, pick {n}"),
            _ => y.to_string(),
        }),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerStatsInput {
    /// Player name or NBA Stats person id.
    pub player: String,
    /// Only this season; default every season with box scores.
    pub season: Option<Season>,
}

#[derive(Debug, Serialize, JsonSchema, Default)]
pub struct Averages {
    pub points: f64,
    pub rebounds: f64,
    pub offensive_rebounds: f64,
    pub assists: f64,
    pub steals: f64,
    pub blocks: f64,
    pub turnovers: f64,
    pub fouls: f64,
    pub minutes: f64,
    pub fg3_made: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SeasonStats {
    pub season: String,
    pub stage: String,
    pub teams: Vec<String>,
    /// Games in which he played (minutes > 0).
    pub games: u32,
    pub per_game: Averages,
    pub per_36: Option<Averages>,
    pub fg_pct: Option<f64>,
    pub fg3_pct: Option<f64>,
    pub ft_pct: Option<f64>,
    pub ts_pct: Option<f64>,
    pub efg_pct: Option<f64>,
    /// Share of team plays used while on the floor, per cent.
    pub usage_rate: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlayerStatsOutput {
    pub player: PlayerSummary,
    pub seasons: Vec<SeasonStats>,
    pub note: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadersInput {
    pub season: Season,
    /// points, rebounds, assists, steals, blocks, turnovers, threes, minutes (per game); fg_pct, fg3_pct, ft_pct, ts_pct, efg_pct.
    pub stat: String,
    /// 1 to 50, default 10.
    pub limit: Option<i64>,
    /// regular (default) or playoffs.
    pub stage: Option<Stage>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Leader {
    pub rank: usize,
    pub player_id: i64,
    pub name: String,
    pub team: String,
    pub games: u32,
    pub value: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LeadersOutput {
    pub season: String,
    pub stage: String,
    pub stat: String,
    pub leaders: Vec<Leader>,
    /// The qualification rule applied.
    pub qualification: String,
    pub qualified_players: usize,
}

/// Summed line and games of one player in one (season, stage).
#[derive(Default, Clone)]
struct Agg {
    line: PlayerLine,
    games: u32,
    teams: Vec<i64>,
    name: String,
    /// Team totals over the games he played, for usage.
    team: TeamLine,
    team_complete: bool,
}

fn player_line(p: &PlayerBoxRecord) -> Option<PlayerLine> {
    let s = &p.stats;
    let minutes = s.minutes.filter(|m| *m > 0.0)?;
    Some(PlayerLine {
        minutes,
        fgm: s.fgm.unwrap_or(0) as f64,
        fga: s.fga.unwrap_or(0) as f64,
        fg3m: s.fg3m.unwrap_or(0) as f64,
        fg3a: s.fg3a.unwrap_or(0) as f64,
        ftm: s.ftm.unwrap_or(0) as f64,
        fta: s.fta.unwrap_or(0) as f64,
        oreb: s.oreb.unwrap_or(0) as f64,
        dreb: s.dreb.unwrap_or(0) as f64,
        ast: s.ast.unwrap_or(0) as f64,
        stl: s.stl.unwrap_or(0) as f64,
        blk: s.blk.unwrap_or(0) as f64,
        tov: s.tov.unwrap_or(0) as f64,
        pf: s.pf.unwrap_or(0) as f64,
        pts: s.pts as f64,
    })
}

fn aggregate<'a>(
    rows: impl Iterator<Item = &'a PlayerBoxRecord>,
    team_lines: &HashMap<(String, i64), TeamLine>,
) -> Agg {
    let mut a = Agg {
        team_complete: true,
        ..Default::default()
    };
    for p in rows {
        let Some(l) = player_line(p) else { continue };
        a.line += l;
        a.games += 1;
        a.name = p.player_name.clone();
        if !a.teams.contains(&p.team_id) {
            a.teams.push(p.team_id);
        }
        match team_lines.get(&(p.game_id.clone(), p.team_id)) {
            Some(t) => {
                let t = *t;
                a.team = TeamLine {
                    minutes: a.team.minutes + t.minutes,
                    fga: a.team.fga + t.fga,
                    fta: a.team.fta + t.fta,
                    tov: a.team.tov + t.tov,
                    ..a.team
                };
            }
            None => a.team_complete = false,
        }
    }
    a
}

fn averages(l: &PlayerLine, n: f64) -> Averages {
    Averages {
        points: r1(l.pts / n),
        rebounds: r1((l.oreb + l.dreb) / n),
        offensive_rebounds: r1(l.oreb / n),
        assists: r1(l.ast / n),
        steals: r1(l.stl / n),
        blocks: r1(l.blk / n),
        turnovers: r1(l.tov / n),
        fouls: r1(l.pf / n),
        minutes: r1(l.minutes / n),
        fg3_made: r1(l.fg3m / n),
    }
}

fn season_stats(season: i64, stage: &str, a: &Agg) -> SeasonStats {
    let l = &a.line;
    let g = a.games.max(1) as f64;
    let usage = if a.team_complete {
        metrics::usage_rate(l, &a.team).map(r1)
    } else {
        None
    };
    SeasonStats {
        season: season_label(season),
        stage: stage.to_string(),
        teams: a
            .teams
            .iter()
            .map(|t| side(*t, season, None).abbr)
            .collect(),
        games: a.games,
        per_game: averages(l, g),
        per_36: (l.minutes > 0.0).then(|| averages(l, l.minutes / 36.0)),
        fg_pct: metrics::pct(l.fgm, l.fga).map(r3),
        fg3_pct: metrics::pct(l.fg3m, l.fg3a).map(r3),
        ft_pct: metrics::pct(l.ftm, l.fta).map(r3),
        ts_pct: metrics::true_shooting(l.pts, l.fga, l.fta).map(r3),
        efg_pct: metrics::effective_fg(l.fgm, l.fg3m, l.fga).map(r3),
        usage_rate: usage,
    }
}

/// Team lines of a season keyed by (game, team).
async fn team_lines(app: &App, season: i64) -> Result<HashMap<(String, i64), TeamLine>, AppError> {
    Ok(app
        .season_team_boxes(season)
        .await?
        .iter()
        .filter_map(|b| team_line(&b.stats).map(|l| ((b.game_id.clone(), b.team_id), l)))
        .collect())
}

/// The NBA's rule for statistical leaders: per-game stats need 70% of team games from
/// 2013-14 (58 of 82), 65 games from 2023-24; percentages need a minimum of makes (300 FG,
/// 82 3P, 125 FT), all prorated while a season is in progress. Play-offs: no minimum.
fn qualification(season: i64, stage: &str, team_games: u32, stat: &str) -> (f64, String) {
    if stage != "regular" {
        return (0.0, "play-offs: every player who appeared".into());
    }
    let share = team_games as f64 / 82.0;
    let min_games = if season >= 2024 { 65.0 } else { 0.7 * 82.0 };
    let rule_year = if season >= 2024 {
        "2023-24 onward: 65 games"
    } else {
        "70% of team games (58 of 82)"
    };
    match stat {
        "fg_pct" | "efg_pct" => (
            (300.0 * share).ceil(),
            format!(
                "at least {} field goals made (300 in 82 games, prorated)",
                (300.0 * share).ceil()
            ),
        ),
        "fg3_pct" => (
            (82.0 * share).ceil(),
            format!(
                "at least {} three-pointers made (82 in 82 games, prorated)",
                (82.0 * share).ceil()
            ),
        ),
        "ft_pct" => (
            (125.0 * share).ceil(),
            format!(
                "at least {} free throws made (125 in 82 games, prorated)",
                (125.0 * share).ceil()
            ),
        ),
        _ => (
            (min_games * share).ceil(),
            format!(
                "at least {} games ({rule_year}, prorated to {team_games} team games)",
                (min_games * share).ceil()
            ),
        ),
    }
}

impl App {
    pub(crate) async fn search_players(
        &self,
        input: SearchPlayersInput,
    ) -> Result<SearchPlayersOutput, AppError> {
        let limit = input.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "limit must be between 1 and 50, got {limit}"
            )));
        }
        if input.query.trim().chars().count() < 2 {
            return Err(AppError::InvalidArgument(
                "query must have at least 2 characters".into(),
            ));
        }
        let mut rows = self
            .store()
            .search_players(&input.query, input.active_only.unwrap_or(false), limit + 1)
            .await?;
        let truncated = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok(SearchPlayersOutput {
            query: input.query,
            count: rows.len(),
            players: rows.iter().map(player_summary).collect(),
            truncated,
        })
    }

    async fn resolve_player(&self, query: &str) -> Result<PlayerRecord, AppError> {
        let q = query.trim();
        if let Ok(id) = q.parse::<i64>() {
            if let Some(p) = self.store().player(id).await? {
                return Ok(p);
            }
            return Err(AppError::NotFound(format!("no player with id {id}")));
        }
        let found = self.store().search_players(q, false, 10).await?;
        let key = nba_store::search_key(q);
        let exact: Vec<&PlayerRecord> = found
            .iter()
            .filter(|p| nba_store::search_key(&p.full_name) == key)
            .collect();
        match (exact.len(), found.len()) {
            (1, _) => Ok(exact[0].clone()),
            (_, 1) => Ok(found[0].clone()),
            (_, 0) => Err(AppError::NotFound(format!(
                "no player '{q}'; try search_players with part of the name"
            ))),
            _ => Err(AppError::Ambiguous(format!(
                "'{q}' matches several players: {}; give the full name or the player id",
                found
                    .iter()
                    .take(6)
                    .map(|p| format!(
                        "{} (id {}, {}-{})",
                        p.full_name,
                        p.id,
                        p.from_year.unwrap_or(0),
                        p.to_year.unwrap_or(0)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub(crate) async fn get_player_stats(
        &self,
        input: PlayerStatsInput,
    ) -> Result<PlayerStatsOutput, AppError> {
        let player = self.resolve_player(&input.player).await?;
        let season = input.season.map(|s| s.end_year() as i64);
        let rows = self
            .store()
            .player_box_for_player(player.id, season)
            .await?;
        let mut groups: BTreeMap<(i64, String), Vec<&PlayerBoxRecord>> = BTreeMap::new();
        for r in &rows {
            groups
                .entry((r.season, r.stage.clone()))
                .or_default()
                .push(r);
        }
        let mut seasons = Vec::new();
        let mut lines_cache: HashMap<i64, HashMap<(String, i64), TeamLine>> = HashMap::new();
        for ((s, stage), rs) in groups.iter().rev() {
            if !lines_cache.contains_key(s) {
                lines_cache.insert(*s, team_lines(self, *s).await?);
            }
            let agg = aggregate(rs.iter().copied(), &lines_cache[s]);
            if agg.games > 0 {
                seasons.push(season_stats(*s, stage, &agg));
            }
        }
        let note = if seasons.is_empty() {
            format!(
                "no box scores for {}{} in the store; player box scores cover the 2010-11 to 2021-22 play-offs and 2023-24 onward",
                player.full_name,
                input.season.map(|s| format!(" in {s}")).unwrap_or_default()
            )
        } else {
            "Averages over games played (minutes > 0). TS% = PTS/(2(FGA+0.44FTA)); usage per Basketball-Reference.".into()
        };
        Ok(PlayerStatsOutput {
            player: player_summary(&player),
            seasons,
            note,
        })
    }

    pub(crate) async fn get_leaders(&self, input: LeadersInput) -> Result<LeadersOutput, AppError> {
        let limit = input.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "limit must be between 1 and 50, got {limit}"
            )));
        }
        const STATS: &[&str] = &[
            "points",
            "rebounds",
            "assists",
            "steals",
            "blocks",
            "turnovers",
            "threes",
            "minutes",
            "fg_pct",
            "fg3_pct",
            "ft_pct",
            "ts_pct",
            "efg_pct",
        ];
        let stat = input.stat.trim().to_lowercase();
        if !STATS.contains(&stat.as_str()) {
            return Err(AppError::InvalidArgument(format!(
                "unknown stat '{}'; use one of {}",
                input.stat,
                STATS.join(", ")
            )));
        }
        let stage = input.stage.unwrap_or(Stage::Regular);
        let season = input.season.end_year() as i64;
        let rows = self
            .store()
            .player_box_for_season(season, stage.as_str())
            .await?;
        if rows.is_empty() {
            return Err(AppError::NotFound(format!(
                "no player box scores for {} ({}) in the store; they cover the 2010-11 to 2021-22 play-offs and 2023-24 onward",
                input.season, stage
            )));
        }
        // Team games so far: the most games any team has in these box scores.
        let mut team_games: HashMap<i64, std::collections::HashSet<&str>> = HashMap::new();
        let mut by_player: HashMap<i64, Vec<&PlayerBoxRecord>> = HashMap::new();
        for r in &rows {
            team_games
                .entry(r.team_id)
                .or_default()
                .insert(r.game_id.as_str());
            by_player.entry(r.person_id).or_default().push(r);
        }
        let max_team_games = team_games.values().map(|s| s.len()).max().unwrap_or(0) as u32;
        let (min, rule) = qualification(season, stage.as_str(), max_team_games, &stat);
        let empty = HashMap::new();
        let mut cands: Vec<(f64, Agg, i64)> = Vec::new();
        for (pid, rs) in &by_player {
            let a = aggregate(rs.iter().copied(), &empty);
            if a.games == 0 {
                continue;
            }
            let l = &a.line;
            let g = a.games as f64;
            let (value, qualifies) = match stat.as_str() {
                "points" => (l.pts / g, g >= min),
                "rebounds" => ((l.oreb + l.dreb) / g, g >= min),
                "assists" => (l.ast / g, g >= min),
                "steals" => (l.stl / g, g >= min),
                "blocks" => (l.blk / g, g >= min),
                "turnovers" => (l.tov / g, g >= min),
                "threes" => (l.fg3m / g, g >= min),
                "minutes" => (l.minutes / g, g >= min),
                "fg_pct" => (metrics::pct(l.fgm, l.fga).unwrap_or(0.0), l.fgm >= min),
                "efg_pct" => (
                    metrics::effective_fg(l.fgm, l.fg3m, l.fga).unwrap_or(0.0),
                    l.fgm >= min,
                ),
                "fg3_pct" => (metrics::pct(l.fg3m, l.fg3a).unwrap_or(0.0), l.fg3m >= min),
                "ft_pct" => (metrics::pct(l.ftm, l.fta).unwrap_or(0.0), l.ftm >= min),
                _ => (
                    metrics::true_shooting(l.pts, l.fga, l.fta).unwrap_or(0.0),
                    l.fgm >= (300.0 * max_team_games as f64 / 82.0).ceil()
                        || stage != Stage::Regular,
                ),
            };
            if qualifies {
                cands.push((value, a, *pid));
            }
        }
        let qualified = cands.len();
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let pct = stat.ends_with("_pct");
        let rule = if stat == "ts_pct" && stage == Stage::Regular {
            format!("at least {} field goals made (300 in 82 games, prorated; the NBA publishes no TS% rule, so the FG% rule is used)", (300.0 * max_team_games as f64 / 82.0).ceil())
        } else {
            rule
        };
        Ok(LeadersOutput {
            season: input.season.label(),
            stage: stage.as_str().into(),
            stat: stat.clone(),
            leaders: cands
                .into_iter()
                .take(limit as usize)
                .enumerate()
                .map(|(i, (v, a, pid))| Leader {
                    rank: i + 1,
                    player_id: pid,
                    name: a.name.clone(),
                    team: a
                        .teams
                        .iter()
                        .map(|t| side(*t, season, None).abbr)
                        .collect::<Vec<_>>()
                        .join("/"),
                    games: a.games,
                    value: if pct { r3(v) } else { r1(v) },
                })
                .collect(),
            qualification: rule,
            qualified_players: qualified,
        })
    }
}

/// The `search_players` tool.
pub struct SearchPlayers;

impl Tool for SearchPlayers {
    const NAME: &'static str = "search_players";
    const TITLE: &'static str = "Search players";
    const DESCRIPTION: &'static str = "Search players by name (accents and case ignored; every word must match). Returns ids for get_player_stats.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = SearchPlayersInput;
    type Output = SearchPlayersOutput;

    async fn run(cx: Ctx<'_>, input: SearchPlayersInput) -> Result<SearchPlayersOutput, AppError> {
        cx.app.search_players(input).await
    }
}

/// The `get_player_stats` tool.
pub struct GetPlayerStats;

impl Tool for GetPlayerStats {
    const NAME: &'static str = "get_player_stats";
    const TITLE: &'static str = "Player stats";
    const DESCRIPTION: &'static str = "A player's per-game and per-36 averages by season and stage from box scores: points, rebounds, assists, steals, blocks, turnovers, shooting, TS%, eFG%, usage rate and games played. Player box scores cover the 2010-11 to 2021-22 play-offs and 2023-24 onward.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = PlayerStatsInput;
    type Output = PlayerStatsOutput;

    async fn run(cx: Ctx<'_>, input: PlayerStatsInput) -> Result<PlayerStatsOutput, AppError> {
        cx.app.get_player_stats(input).await
    }
}

/// The `get_leaders` tool.
pub struct GetLeaders;

impl Tool for GetLeaders {
    const NAME: &'static str = "get_leaders";
    const TITLE: &'static str = "League leaders";
    const DESCRIPTION: &'static str = "League leaders of a season in one stat (points, rebounds, assists, steals, blocks, turnovers, threes, minutes per game; fg_pct, fg3_pct, ft_pct, ts_pct, efg_pct), applying the NBA's qualification rule for that season (stated in the output).";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = LeadersInput;
    type Output = LeadersOutput;

    async fn run(cx: Ctx<'_>, input: LeadersInput) -> Result<LeadersOutput, AppError> {
        cx.app.get_leaders(input).await
    }
}
