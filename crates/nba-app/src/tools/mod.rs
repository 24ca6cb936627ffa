//! The tools: argument types, output types and the use-cases behind them.

mod access;
mod compute;
mod games;
mod h2h;
mod ops;
mod players;
pub(crate) mod predict;
mod simulate;
mod standings;
mod team_stats;
mod teams;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use nba_auth::Permission;

use crate::access::Caller;
use crate::catalog::{spec, ToolSpec};
use crate::{App, AppError};

pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        spec::<teams::ListTeamsInput, teams::ListTeamsOutput>("list_teams", "List teams",
            "List NBA franchises. Without a season: the 30 current teams with their former names and codes, then defunct franchises. With a season (\"2015-16\" or 2016): the teams of that season with their conference and division then."),
        spec::<teams::FindTeamInput, teams::FindTeamOutput>("find_team", "Find a team",
            "Resolve a team from a name, city, nickname, NBA abbreviation (BKN, PHX, CHA) or FiveThirtyEight code (BRK, PHO, CHO), fuzzy. Returns the best match and ranked candidates; ambiguous input (\"Los Angeles\") lists them."),
        spec::<players::SearchPlayersInput, players::SearchPlayersOutput>("search_players", "Search players",
            "Search players by name (accents and case ignored; every word must match). Returns ids for get_player_stats."),
        spec::<games::GetGamesInput, games::GetGamesOutput>("get_games", "List games",
            "Games with scores, newest first, filtered by team, opponent, season, date range (YYYY-MM-DD) and stage (regular, play-in, playoffs). Default 25, max 100 per page; pass next_cursor back as cursor for the next page."),
        spec::<games::GetGameInput, games::GetGameOutput>("get_game", "Get one game",
            "One game by id (20160619-CLE-GSW) or NBA Stats id (0041500407): score, team and player box scores where present, every source that reported it and where they disagree, and FiveThirtyEight's pre-game forecast (CC BY 4.0)."),
        spec::<standings::StandingsInput, standings::StandingsOutput>("get_standings", "Standings",
            "Regular-season standings of a season by conference, optionally as of a date: W-L, win pct, games back, points for/against, point differential, streak, last 10, home and away records, conference rank."),
        spec::<team_stats::TeamStatsInput, team_stats::TeamStatsOutput>("get_team_stats", "Team season stats",
            "A team's season: record, home/away splits, points for and against, margin, Pythagorean wins (exponent 14), play-off record; and where box scores exist pace, offensive/defensive/net rating and the four factors for the team and its opponents (Basketball-Reference definitions)."),
        spec::<players::PlayerStatsInput, players::PlayerStatsOutput>("get_player_stats", "Player stats",
            "A player's per-game and per-36 averages by season and stage from box scores: points, rebounds, assists, steals, blocks, turnovers, shooting, TS%, eFG%, usage rate and games played. Player box scores cover the 2010-11 to 2021-22 play-offs and 2023-24 onward."),
        spec::<players::LeadersInput, players::LeadersOutput>("get_leaders", "League leaders",
            "League leaders of a season in one stat (points, rebounds, assists, steals, blocks, turnovers, threes, minutes per game; fg_pct, fg3_pct, ft_pct, ts_pct, efg_pct), applying the NBA's qualification rule for that season (stated in the output)."),
        spec::<h2h::HeadToHeadInput, h2h::HeadToHeadOutput>("head_to_head", "Head to head",
            "Two teams' record against each other, regular season and play-offs, home and away, average margin, season by season and the latest meetings. seasons limits the range: \"2015-16\", 2016, \"2010-2016\" or [2010, 2016]."),
        spec::<predict::PredictGameInput, predict::PredictGameOutput>("predict_game", "Predict a game",
            "Home and away win probability and expected margin for a matchup on a date (default today), from the champion model trained on past seasons, with the top factors behind it and the date the data runs to. Past dates use only games played before them. neutral: no home court.")
            .needs(Permission::PredictionsRead),
        spec::<predict::PredictGamesInput, predict::PredictGamesOutput>("predict_games", "Predict many games",
            "predict_game for up to 1000 games at once: {games: [{home, away, date?, neutral?}, ...]}. Every game is checked before any is predicted; an error names the game by its index.")
            .needs(Permission::PredictionsRead),
        spec::<predict::PowerRankingsInput, predict::PowerRankingsOutput>("get_power_rankings", "Power rankings",
            "Teams ranked by the model's Elo rating, with a points-scale net rating and the win probability against an average team on a neutral site, as of a date (default: after the latest result).")
            .needs(Permission::PredictionsRead),
        spec::<simulate::SimulateInput, simulate::SimulateOutput>("simulate_season", "Simulate a season",
            "Monte Carlo over the rest of a season's regular-season schedule (1983-84 on): expected wins, play-off and play-in odds and the seed distribution per team. 10,000 simulations by default; as_of replays the season from a past date.")
            .needs(Permission::PredictionsRead),
        spec::<ops::NoInput, ops::HealthOutput>("system_health", "System health",
            "Health of every component (database, data freshness, caches, model, drift): healthy, degraded or unhealthy, with a message and response time each; the same report as GET /health.")
            .needs(Permission::HealthRead),
        spec::<ops::NoInput, ops::AlertsOutput>("list_alerts", "Alerts",
            "Active and recently resolved alerts (system unhealthy, error rate, latency p95, feature drift, performance degradation) with severity and times.")
            .needs(Permission::HealthRead),
        spec::<ops::DriftInput, ops::DriftOutput>("drift_report", "Feature drift",
            "Whether the inputs of recent served predictions drift from the model's reference data: PSI and Kolmogorov-Smirnov per feature.")
            .needs(Permission::HealthRead),
        spec::<compute::ComputeInput, compute::ComputeOutput>("compute_metrics", "Compute metrics",
            "Advanced metrics from numbers you give, with Basketball-Reference definitions: TS% = PTS/(2(FGA+0.44 FTA)); eFG% = (FGM+0.5 3PM)/FGA; possessions = 0.5((FGA+0.4FTA-1.07(ORB/(ORB+OppDRB))(FGA-FGM)+TOV) + same for opponent); pace = 48 (Poss+OppPoss)/(2 (MP/5)); ORtg/DRtg = 100 points per possession; usage = 100 ((FGA+0.44FTA+TOV)(TmMP/5))/(MP (TmFGA+0.44TmFTA+TmTOV)); four factors eFG%, TOV% = TOV/(FGA+0.44FTA+TOV), ORB% = ORB/(ORB+OppDRB), FT/FGA. Give a player and/or team line and optionally the opponent's; metrics whose inputs are missing are listed."),
        spec::<access::WhoamiInput, access::WhoamiOutput>("whoami", "Who am I",
            "The caller as this server sees it: opaque principal id, kind, role, permissions, how it authenticated, and its rate limit.")
            .open_to_all(),
        spec::<access::QuerySqlInput, access::QuerySqlOutput>("query_sql", "Read-only SQL",
            "One read-only SQL query (SELECT / WITH / VALUES) over the data tables: franchises, players, games, game_sources, team_box, player_box, ingest_runs, prediction_log. Parsed and checked before it runs (no writes, no other tables, no file or system functions), in a read-only transaction with a 5 s time limit; at most `limit` rows (default 100, max 1000). Column names: see the nba://schema resource.")
            .needs(Permission::SqlQuery),
        spec::<access::AuditLogInput, access::AuditLogOutput>("audit_log", "Audit log",
            "The latest audit log entries (who did what, when, with what outcome) and whether the whole hash chain verifies, naming any edited, deleted or missing entry.")
            .needs(Permission::AuditRead),
        spec::<access::ListAccountsInput, access::ListAccountsOutput>("list_accounts", "Accounts and keys",
            "Users and service accounts with their role and API keys (id, prefix, label, created, expires, revoked, last used). Keys themselves are never stored or shown; create them with `nba-mcp keys create`.")
            .needs(Permission::UsersManage),
        spec::<access::RevokeKeyInput, access::RevokeKeyOutput>("revoke_api_key", "Revoke an API key",
            "Revokes an API key by id (from list_accounts); it stops working at once on this server and within 5 s on others sharing the database.")
            .needs(Permission::UsersManage)
            .writes(),
    ]
}

/// Parses tool arguments into the tool's input type, naming the bad field.
pub(crate) fn parse<T: DeserializeOwned>(tool: &str, args: Value) -> Result<T, AppError> {
    let args = match args {
        Value::Null => Value::Object(Default::default()),
        Value::Object(m) => Value::Object(m),
        other => {
            return Err(AppError::InvalidArgument(format!(
                "{tool}: arguments must be a JSON object, got {other}"
            )))
        }
    };
    if let Some(spec) = crate::catalog::tool(tool) {
        check_sizes(tool, &spec.input_schema, &args, "")?;
    }
    serde_json::from_value(args)
        .map_err(|e| AppError::InvalidArgument(format!("{tool}: invalid arguments: {e}")))
}

/// Longest string argument where the schema declares no `maxLength`: names, dates, codes
/// and cursors are short; a megabyte of "team name" is an attack, not a question.
const DEFAULT_MAX_STRING: usize = 200;
/// Longest array argument where the schema declares no `maxItems`.
const DEFAULT_MAX_ITEMS: usize = 1000;

/// A keyword of a schema node or of its `anyOf`/`oneOf` branches (type unions are split).
fn keyword(schema: &Map<String, Value>, key: &str) -> Option<u64> {
    schema.get(key).and_then(Value::as_u64).or_else(|| {
        ["anyOf", "oneOf"].iter().find_map(|k| {
            schema.get(*k)?.as_array()?.iter().find_map(|b| {
                b.as_object()
                    .and_then(|b| b.get(key).and_then(Value::as_u64))
            })
        })
    })
}

/// The sub-schema of `key` under `kind` ("properties" / "items"), looking into branches.
fn child<'a>(
    schema: &'a Map<String, Value>,
    kind: &str,
    key: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    let direct = |node: &'a Map<String, Value>| -> Option<&'a Map<String, Value>> {
        let v = node.get(kind)?;
        match key {
            Some(k) => v.as_object()?.get(k)?.as_object(),
            None => v.as_object(),
        }
    };
    direct(schema).or_else(|| {
        ["anyOf", "oneOf"].iter().find_map(|k| {
            schema
                .get(*k)?
                .as_array()?
                .iter()
                .find_map(|b| b.as_object().and_then(direct))
        })
    })
}

/// Refuses strings and arrays longer than the schema allows (or than the defaults), naming
/// the field, before anything is parsed or run.
fn check_sizes(
    tool: &str,
    schema: &Map<String, Value>,
    value: &Value,
    path: &str,
) -> Result<(), AppError> {
    let field = if path.is_empty() { "arguments" } else { path };
    match value {
        Value::String(s) => {
            let max = keyword(schema, "maxLength").map_or(DEFAULT_MAX_STRING, |m| m as usize);
            let n = s.chars().count();
            if n > max {
                return Err(AppError::InvalidArgument(format!(
                    "{tool}: {field} is {n} characters long; the limit is {max}"
                )));
            }
        }
        Value::Array(items) => {
            let max = keyword(schema, "maxItems").map_or(DEFAULT_MAX_ITEMS, |m| m as usize);
            if items.len() > max {
                return Err(AppError::InvalidArgument(format!(
                    "{tool}: {field} holds {} items; the limit is {max}",
                    items.len()
                )));
            }
            let empty = Map::new();
            let item_schema = child(schema, "items", None).unwrap_or(&empty);
            for (i, item) in items.iter().enumerate() {
                check_sizes(tool, item_schema, item, &format!("{field}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            let empty = Map::new();
            for (k, v) in map {
                let sub = child(schema, "properties", Some(k)).unwrap_or(&empty);
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                check_sizes(tool, sub, v, &p)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn to_value<T: Serialize>(v: T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) async fn dispatch(
    app: &App,
    caller: &Caller,
    name: &str,
    args: Value,
) -> Result<Value, AppError> {
    match name {
        "whoami" => {
            parse::<access::WhoamiInput>(name, args)?;
            to_value(app.whoami(caller))
        }
        "query_sql" => to_value(app.query_sql(parse(name, args)?).await?),
        "audit_log" => to_value(app.audit_log(parse(name, args)?).await?),
        "list_accounts" => {
            parse::<access::ListAccountsInput>(name, args)?;
            to_value(app.list_accounts().await?)
        }
        "revoke_api_key" => to_value(app.revoke_key(parse(name, args)?).await?),
        "list_teams" => to_value(app.list_teams(parse(name, args)?).await?),
        "find_team" => to_value(app.find_team(parse(name, args)?).await?),
        "search_players" => to_value(app.search_players(parse(name, args)?).await?),
        "get_games" => to_value(app.get_games(parse(name, args)?).await?),
        "get_game" => to_value(app.get_game(parse(name, args)?).await?),
        "get_standings" => to_value(app.get_standings(parse(name, args)?).await?),
        "get_team_stats" => to_value(app.get_team_stats(parse(name, args)?).await?),
        "get_player_stats" => to_value(app.get_player_stats(parse(name, args)?).await?),
        "get_leaders" => to_value(app.get_leaders(parse(name, args)?).await?),
        "head_to_head" => to_value(app.head_to_head(parse(name, args)?).await?),
        "compute_metrics" => to_value(compute::compute(parse(name, args)?)?),
        "system_health" => {
            parse::<ops::NoInput>(name, args)?;
            to_value(app.system_health().await?)
        }
        "list_alerts" => {
            parse::<ops::NoInput>(name, args)?;
            to_value(app.list_alerts().await?)
        }
        "drift_report" => {
            let input: ops::DriftInput = parse(name, args)?;
            to_value(app.drift_report(input.window).await?)
        }
        "predict_game" => to_value(app.predict_game(caller, parse(name, args)?).await?),
        "predict_games" => to_value(app.predict_games(caller, parse(name, args)?).await?),
        "get_power_rankings" => to_value(app.power_rankings(caller, parse(name, args)?).await?),
        "simulate_season" => to_value(app.simulate_season(caller, parse(name, args)?).await?),
        other => Err(AppError::UnknownName(format!(
            "no tool '{other}'; available: {}",
            specs()
                .iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Rounds for display: results are read by people and models, not re-computed.
pub(crate) fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
pub(crate) fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A schema helper so tool inputs can say "season" once.
#[derive(Debug, Clone, Copy, JsonSchema)]
#[allow(dead_code)]
pub(crate) struct SeasonDoc;
