//! Teams: listing franchises and resolving free-text team names to a franchise.

use nba_domain::franchises::{self, TeamEra};
use nba_domain::Season;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Ctx, Tool};
use crate::{App, AppError};
use nba_auth::Permission;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTeamsInput {
    /// Season ("2015-16" or 2016). Omit for today's 30 teams and the defunct franchises.
    pub season: Option<Season>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamSummary {
    /// NBA Stats franchise id (stable across relocations).
    pub team_id: i64,
    /// NBA-style abbreviation of this era.
    pub abbr: String,
    pub name: String,
    pub city: String,
    pub nickname: String,
    pub conference: Option<String>,
    pub division: Option<String>,
    /// Seasons of this era, e.g. "2012-13 to present".
    pub seasons: String,
    pub nba_abbreviations: Vec<String>,
    pub fivethirtyeight_codes: Vec<String>,
    /// Whether the franchise still plays.
    pub active: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FranchiseEntry {
    #[serde(flatten)]
    pub team: TeamSummary,
    /// Earlier names of the franchise, oldest first.
    pub former: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListTeamsOutput {
    pub season: Option<String>,
    pub count: usize,
    pub teams: Vec<FranchiseEntry>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindTeamInput {
    /// Name, city, nickname, NBA abbreviation or FiveThirtyEight code ("Warriors", "GSW", "Golden State", "BRK").
    pub query: String,
    /// Resolve as of this season (relocated franchises: "SEA" in 2008 is the SuperSonics).
    pub season: Option<Season>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Candidate {
    pub team: TeamSummary,
    /// 1.0 for an exact match of a code or name, lower for fuzzy matches.
    pub score: f64,
    pub matched_on: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindTeamOutput {
    pub query: String,
    /// The team, when the query is unambiguous.
    pub team: Option<TeamSummary>,
    pub candidates: Vec<Candidate>,
}

/// A resolved team.
#[derive(Debug, Clone, Copy)]
pub struct TeamRef {
    pub id: i64,
    pub era: &'static TeamEra,
}

pub(crate) fn full_name(era: &TeamEra) -> String {
    format!("{} {}", era.city, era.nickname)
}

fn era_seasons(era: &TeamEra) -> String {
    let first = Season::from_end_year(era.first_season as i64)
        .map(|s| s.label())
        .unwrap_or_default();
    match era
        .last_season
        .and_then(|l| Season::from_end_year(l as i64))
    {
        Some(last) if last.end_year() == era.first_season => first,
        Some(last) => format!("{first} to {}", last.label()),
        None => format!("{first} to present"),
    }
}

pub(crate) fn summary(era: &TeamEra, season: Option<u16>) -> TeamSummary {
    let at = season.unwrap_or(era.last_season.unwrap_or(9999).min(2100));
    let at = at.max(era.first_season);
    TeamSummary {
        team_id: era.franchise_id,
        abbr: era.abbr.to_string(),
        name: full_name(era),
        city: era.city.to_string(),
        nickname: era.nickname.to_string(),
        conference: franchises::conference(era.franchise_id, at).map(|c| c.as_str().to_string()),
        division: franchises::division(era.franchise_id, at).map(String::from),
        seasons: era_seasons(era),
        nba_abbreviations: era.nba_abbrs.iter().map(|s| s.to_string()).collect(),
        fivethirtyeight_codes: era.fte_codes.iter().map(|s| s.to_string()).collect(),
        active: franchises::latest_era(era.franchise_id).is_some_and(|e| e.is_current()),
    }
}

fn norm(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .replace(['.', '\''], "")
        .split_whitespace()
        .map(|w| if w == "la" { "los angeles" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every era with its normalised full name, nickname and city, computed once.
fn normalized() -> &'static [(&'static TeamEra, String, String, String)] {
    static CACHE: std::sync::OnceLock<Vec<(&'static TeamEra, String, String, String)>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        franchises::eras()
            .iter()
            .map(|e| (e, norm(&full_name(e)), norm(e.nickname), norm(e.city)))
            .collect()
    })
}

/// Ranks eras against a query: exact code/name matches score 1.0, fuzzy ones less. The
/// fuzzy comparison (Jaro-Winkler) runs only when nothing matches exactly or in part, which
/// keeps the common case (an abbreviation or a name) to plain string comparisons.
fn rank(query: &str, season: Option<u16>) -> Vec<(&'static TeamEra, f64, String)> {
    let exact = rank_with(query, season, false);
    if exact.is_empty() {
        rank_with(query, season, true)
    } else {
        exact
    }
}

/// Names fans use that are no part of a team's name, and the abbreviation of the era they
/// mean (the franchise of that era as it plays under it).
const COMMON_NAMES: &[(&str, &str)] = &[
    ("sixers", "PHI"),
    ("philly", "PHI"),
    ("cavs", "CLE"),
    ("mavs", "DAL"),
    ("wolves", "MIN"),
    ("twolves", "MIN"),
    ("dubs", "GSW"),
    ("clips", "LAC"),
    ("grizz", "MEM"),
    ("pels", "NOP"),
    ("celts", "BOS"),
    ("nugs", "DEN"),
    ("blazers", "POR"),
];

fn rank_with(
    query: &str,
    season: Option<u16>,
    fuzzy: bool,
) -> Vec<(&'static TeamEra, f64, String)> {
    let q = norm(query);
    let mut out: Vec<(&'static TeamEra, f64, String)> = Vec::new();
    for (era, full, nick, city) in normalized() {
        if let Some(s) = season {
            if !era.contains(s) {
                continue;
            }
        }
        let mut best = (0.0_f64, String::new());
        let mut consider = |score: f64, what: &str| {
            if score > best.0 {
                best = (score, what.to_string());
            }
        };
        for code in era.nba_abbrs.iter().chain(era.fte_codes).chain([&era.abbr]) {
            if q.eq_ignore_ascii_case(code) {
                consider(1.0, &format!("abbreviation {code}"));
            }
        }
        if q == *full {
            consider(1.0, "full name");
        }
        if q == *nick {
            consider(1.0, "nickname");
        }
        if q == *city {
            consider(0.98, "city");
        }
        if q.len() >= 3 && full.contains(&q) {
            consider(0.9, "part of the name");
        }
        for (name, code) in COMMON_NAMES {
            if q == *name && (era.abbr == *code || era.nba_abbrs.contains(code)) {
                consider(0.97, "common name");
            }
        }
        if fuzzy {
            // Each word of a nickname too, so "Blazerz" finds the Trail Blazers.
            let words = nick.split(' ').filter(|w| w.len() >= 4 && w != nick);
            let texts = [
                (full.as_str(), "full name"),
                (nick.as_str(), "nickname"),
                (city.as_str(), "city"),
            ];
            for (text, what) in texts.into_iter().chain(words.map(|w| (w, "nickname"))) {
                let jw = strsim::jaro_winkler(&q, text);
                if jw >= 0.85 {
                    consider(jw * 0.85, &format!("similar {what}"));
                }
            }
        }
        if best.0 > 0.0 {
            out.push((era, best.0, best.1));
        }
    }
    out.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.0.first_season.cmp(&a.0.first_season))
    });
    out
}

/// Resolves a team. Eras of one franchise count as one team; with several franchises at the
/// top, the current one wins when no season is given, else the answer is ambiguous.
pub(crate) fn resolve(query: &str, season: Option<Season>) -> Result<TeamRef, AppError> {
    if query.trim().is_empty() {
        return Err(AppError::InvalidArgument("team must not be empty".into()));
    }
    if let Ok(id) = query.trim().parse::<i64>() {
        let era = match season {
            Some(s) => franchises::era_by_team_id(id, s.end_year()),
            None => franchises::latest_era(id),
        };
        return era
            .map(|era| TeamRef { id, era })
            .ok_or_else(|| AppError::NotFound(format!("no team with id {id}")));
    }
    if season.is_none() {
        let index = known_names();
        if let Some(team) = index.get(query).or_else(|| index.get(&norm(query))) {
            return Ok(*team);
        }
    }
    resolve_ranked(query, season)
}

/// The answer of `resolve_ranked(name, None)` for every abbreviation (as written and in
/// lower case) and every normalised full name, nickname and city that resolves to one team,
/// computed once. A successful resolution depends only on the normalised query, so a hit
/// here is exactly what ranking would answer, without ranking every era.
fn known_names() -> &'static std::collections::HashMap<String, TeamRef> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, TeamRef>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut keys: Vec<String> = Vec::new();
        for (era, full, nick, city) in normalized() {
            for code in era.nba_abbrs.iter().chain(era.fte_codes).chain([&era.abbr]) {
                keys.push(code.to_string());
                keys.push(code.to_lowercase());
            }
            keys.extend([full.clone(), nick.clone(), city.clone()]);
        }
        keys.extend(COMMON_NAMES.iter().map(|(name, _)| name.to_string()));
        keys.into_iter()
            .filter_map(|k| resolve_ranked(&k, None).ok().map(|t| (k, t)))
            .collect()
    })
}

/// `resolve` by ranking every era against the query.
fn resolve_ranked(query: &str, season: Option<Season>) -> Result<TeamRef, AppError> {
    let ranked = rank(query, season.map(Season::end_year));
    let Some(top) = ranked.first() else {
        let hint = rank(query, None)
            .into_iter()
            .take(1)
            .map(|(e, _, _)| format!(" ({} played {})", full_name(e), era_seasons(e)))
            .next();
        return Err(AppError::NotFound(match (season, hint) {
            (Some(s), Some(h)) => format!("no team '{query}' in {s}{h}"),
            _ => format!(
                "no team '{query}'; try a city, nickname or abbreviation such as 'Lakers' or 'LAL'"
            ),
        }));
    };
    if top.1 < 0.9 {
        let mut seen = std::collections::HashSet::new();
        let suggestions: Vec<String> = ranked
            .iter()
            .filter(|(e, _, _)| seen.insert(e.franchise_id))
            .take(3)
            // One suggestion per franchise: its best-matching, most recent era.
            .map(|(e, _, _)| format!("{} ({})", full_name(e), e.abbr))
            .collect();
        return Err(AppError::NotFound(format!(
            "no team '{query}'; did you mean {}?",
            suggestions.join(" or ")
        )));
    }
    let best_score = top.1;
    let mut tied: Vec<&(&TeamEra, f64, String)> =
        ranked.iter().filter(|c| c.1 >= best_score - 1e-9).collect();
    tied.dedup_by_key(|c| c.0.franchise_id);
    let mut ids: Vec<i64> = tied.iter().map(|c| c.0.franchise_id).collect();
    ids.sort();
    ids.dedup();
    if ids.len() > 1 && season.is_none() {
        let current: Vec<_> = tied.iter().filter(|c| c.0.is_current()).collect();
        let cur_ids: std::collections::BTreeSet<i64> =
            current.iter().map(|c| c.0.franchise_id).collect();
        if cur_ids.len() == 1 {
            let era = current[0].0;
            return Ok(TeamRef {
                id: era.franchise_id,
                era,
            });
        }
    }
    if ids.len() > 1 {
        let names: Vec<String> = tied
            .iter()
            .map(|c| format!("{} ({}, {})", full_name(c.0), c.0.abbr, era_seasons(c.0)))
            .collect();
        return Err(AppError::Ambiguous(format!(
            "'{query}' matches several teams: {}; use an abbreviation",
            names.join(", ")
        )));
    }
    // One franchise: use the era of the season, else its latest matching era.
    let era = match season {
        Some(s) => franchises::era_by_team_id(top.0.franchise_id, s.end_year()).unwrap_or(top.0),
        None => tied
            .iter()
            .map(|c| c.0)
            .max_by_key(|e| e.first_season)
            .unwrap_or(top.0),
    };
    Ok(TeamRef {
        id: era.franchise_id,
        era,
    })
}

impl App {
    pub(crate) async fn list_teams(
        &self,
        input: ListTeamsInput,
    ) -> Result<ListTeamsOutput, AppError> {
        let teams: Vec<FranchiseEntry> = match input.season {
            Some(season) => {
                let mut eras = franchises::eras_in_season(season.end_year());
                eras.sort_by_key(|e| full_name(e));
                eras.into_iter()
                    .map(|e| FranchiseEntry {
                        team: summary(e, Some(season.end_year())),
                        former: vec![],
                    })
                    .collect()
            }
            None => {
                let mut ids = franchises::franchise_ids();
                ids.sort_by_key(|id| {
                    let latest = franchises::latest_era(*id);
                    (
                        !latest.is_some_and(|e| e.is_current()),
                        latest.map(full_name).unwrap_or_default(),
                    )
                });
                ids.into_iter()
                    .filter_map(|id| {
                        let eras = franchises::franchise_eras(id);
                        let latest = *eras.last()?;
                        Some(FranchiseEntry {
                            team: summary(latest, None),
                            former: eras[..eras.len() - 1]
                                .iter()
                                .map(|e| {
                                    format!("{} ({}, {})", full_name(e), e.abbr, era_seasons(e))
                                })
                                .collect(),
                        })
                    })
                    .collect()
            }
        };
        if teams.is_empty() {
            if let Some(s) = input.season {
                return Err(AppError::NotFound(format!("no teams known for season {s}")));
            }
        }
        Ok(ListTeamsOutput {
            season: input.season.map(|s| s.label()),
            count: teams.len(),
            teams,
        })
    }

    pub(crate) async fn find_team(&self, input: FindTeamInput) -> Result<FindTeamOutput, AppError> {
        let team = match resolve(&input.query, input.season) {
            Ok(t) => Some(summary(t.era, input.season.map(Season::end_year))),
            Err(AppError::Ambiguous(_)) => None,
            Err(e) => return Err(e),
        };
        let mut seen = std::collections::HashSet::new();
        let candidates = rank(&input.query, input.season.map(Season::end_year))
            .into_iter()
            .filter(|(e, _, _)| seen.insert((e.franchise_id, e.abbr)))
            .take(8)
            .map(|(e, score, what)| Candidate {
                team: summary(e, input.season.map(Season::end_year)),
                score: super::r3(score),
                matched_on: what,
            })
            .collect();
        Ok(FindTeamOutput {
            query: input.query,
            team,
            candidates,
        })
    }

    /// "Los Angeles Lakers" for a free-text team, or the resolver's error.
    pub(crate) async fn resolve_team_name(&self, query: &str) -> Result<String, AppError> {
        resolve(query, None).map(|t| full_name(t.era))
    }
}

/// The `list_teams` tool.
pub struct ListTeams;

impl Tool for ListTeams {
    const NAME: &'static str = "list_teams";
    const TITLE: &'static str = "List teams";
    const DESCRIPTION: &'static str = "List NBA franchises. Without a season: the 30 current teams with their former names and codes, then defunct franchises. With a season (\"2015-16\" or 2016): the teams of that season with their conference and division then.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = ListTeamsInput;
    type Output = ListTeamsOutput;

    async fn run(cx: Ctx<'_>, input: ListTeamsInput) -> Result<ListTeamsOutput, AppError> {
        cx.app.list_teams(input).await
    }
}

/// The `find_team` tool.
pub struct FindTeam;

impl Tool for FindTeam {
    const NAME: &'static str = "find_team";
    const TITLE: &'static str = "Find a team";
    const DESCRIPTION: &'static str = "Resolve a team from a name, city, nickname, NBA abbreviation (BKN, PHX, CHA) or FiveThirtyEight code (BRK, PHO, CHO), fuzzy. Returns the best match and ranked candidates; ambiguous input (\"Los Angeles\") lists them.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    const CACHEABLE: bool = true;
    type Input = FindTeamInput;
    type Output = FindTeamOutput;

    async fn run(cx: Ctx<'_>, input: FindTeamInput) -> Result<FindTeamOutput, AppError> {
        cx.app.find_team(input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_codes_names_and_history() {
        assert_eq!(resolve("GSW", None).unwrap().id, 1610612744);
        assert_eq!(resolve("Warriors", None).unwrap().id, 1610612744);
        assert_eq!(resolve("golden state", None).unwrap().id, 1610612744);
        assert_eq!(
            resolve("BRK", None).unwrap().id,
            resolve("BKN", None).unwrap().id
        );
        assert_eq!(
            resolve("PHO", None).unwrap().id,
            resolve("Suns", None).unwrap().id
        );
        let sea = resolve("SEA", Some(Season::parse("2007-08").unwrap())).unwrap();
        assert_eq!(sea.id, resolve("OKC", None).unwrap().id);
        assert_eq!(sea.era.nickname, "SuperSonics");
    }

    #[test]
    fn ambiguous_and_misspelled() {
        assert!(matches!(
            resolve("Los Angeles", None),
            Err(AppError::Ambiguous(_))
        ));
        match resolve("Lakerz", None) {
            Err(AppError::NotFound(m)) => assert!(m.contains("Lakers"), "{m}"),
            Ok(t) => assert_eq!(t.id, 1610612747),
            Err(e) => panic!("{e}"),
        }
    }

    /// The index answers exactly what ranking answers, for every name it holds and for
    /// queries that reach it only after normalising (case, punctuation, "LA", spaces).
    #[test]
    fn index_agrees_with_ranking() {
        let same = |q: &str| match (resolve(q, None), resolve_ranked(q, None)) {
            (Ok(a), Ok(b)) => assert!(a.id == b.id && std::ptr::eq(a.era, b.era), "{q}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{q}"),
            (a, b) => panic!("{q}: index {:?} vs ranking {:?}", a.is_ok(), b.is_ok()),
        };
        assert!(known_names().len() > 100, "{}", known_names().len());
        for key in known_names().keys() {
            same(key);
        }
        for q in [
            "  Boston   Celtics ",
            "L.A. Lakers",
            "LA Clippers",
            "golden state WARRIORS",
            "Trail Blazers",
            "Sixers",
            "Los Angeles",
            "New York",
            "Celtcs",
        ] {
            same(q);
        }
    }
}
