//! Qualified column names (`g.home_score`). PostgreSQL reads `g.f` as the call `f(g)` when
//! the row `g` has no column `f` (attribute notation), so `g.to_jsonb` or `g.pg_typeof` would
//! call a function the allow-list never saw. A qualified name must therefore end in a real
//! column of the readable tables, or in a column the relation it qualifies is seen to define
//! in the query itself (a CTE's or subquery's output names, a table alias's column list).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use sqlparser::ast::{Ident, Query, SelectItem, SetExpr, Statement, TableFactor, Visit, Visitor};

use super::{folded, SqlRejected};

/// Every column of the readable tables (`nba-store` migrations 0001 and 0002; a store test
/// checks this list against both schemas). None of them is the name of a function or type
/// PostgreSQL would apply to a whole row, so these are safe after any qualifier.
#[rustfmt::skip]
pub const READABLE_COLUMNS: &[&str] = &[
    // franchises
    "id", "abbr", "city", "nickname", "full_name", "conference", "division", "year_founded",
    "state", "championships", "color",
    // players
    "search_name", "first_name", "last_name", "is_active", "from_year", "to_year", "position",
    "height", "weight", "college", "country", "draft_year", "draft_round", "draft_number",
    "team_id",
    // games
    "season", "date", "stage", "neutral", "home_id", "away_id", "home_score", "away_score",
    "nba_game_id", "primary_source", "data_source", "fte_elo_home_pre", "fte_elo_away_pre",
    "fte_elo_prob_home", "fte_raptor_prob_home", "fte_main_prob_home", "fte_main_model",
    // game_sources
    "source", "source_key", "game_id", "run_id",
    // team_box and player_box
    "is_home", "minutes", "fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb", "reb",
    "ast", "stl", "blk", "tov", "pf", "pts", "plus_minus", "person_id", "player_name",
    "comment",
    // ingest_runs
    "format", "layout", "file", "sha256", "rows_read", "inserted", "updated", "unchanged",
    "skipped", "notes", "started_at", "seconds",
    // prediction_log
    "created_at", "request_id", "model_name", "model_version", "game_date", "features",
    "prob_home", "margin",
];

/// For each qualifier the statement introduces (a table alias, a table or CTE named in FROM,
/// a subquery's alias), the column names besides the real ones it may be followed by: one
/// set per place it is introduced, since the check does not follow scopes.
pub(super) struct Qualifiers(BTreeMap<String, Vec<BTreeSet<String>>>);

impl Qualifiers {
    /// Reads the qualifiers of `statement`; `tables` are the readable tables (lower-cased).
    pub(super) fn of(statement: &Statement, tables: &[String]) -> Qualifiers {
        let mut ctes = Ctes(BTreeMap::new());
        let _ = statement.visit(&mut ctes);
        let mut found = Found {
            ctes: ctes.0,
            tables,
            by_name: BTreeMap::new(),
        };
        let _ = statement.visit(&mut found);
        Qualifiers(found.by_name)
    }

    /// `parts` is a compound identifier (`g.home_score`, `public.games.id`).
    pub(super) fn check(&self, parts: &[Ident]) -> Result<(), SqlRejected> {
        let Some(last) = parts.last() else {
            return Ok(());
        };
        let column = folded(last);
        if READABLE_COLUMNS.contains(&column.as_str()) {
            return Ok(());
        }
        // Only a qualifier the query itself defines can make another name a column: and then
        // wherever it is defined, for the check does not know which definition is in scope.
        let defined = match parts {
            [qualifier, _] => self
                .0
                .get(&folded(qualifier))
                .is_some_and(|sets| sets.iter().all(|names| names.contains(&column))),
            _ => false,
        };
        if defined {
            return Ok(());
        }
        Err(SqlRejected::NotAColumn {
            name: parts
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("."),
        })
    }
}

/// The output names of every CTE, by (folded) name.
struct Ctes(BTreeMap<String, Vec<BTreeSet<String>>>);

impl Visitor for Ctes {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
            let names = if cte.alias.columns.is_empty() {
                output_names(&cte.query)
            } else {
                cte.alias.columns.iter().map(|c| folded(&c.name)).collect()
            };
            self.0
                .entry(folded(&cte.alias.name))
                .or_default()
                .push(names);
        }
        ControlFlow::Continue(())
    }
}

struct Found<'a> {
    ctes: BTreeMap<String, Vec<BTreeSet<String>>>,
    tables: &'a [String],
    by_name: BTreeMap<String, Vec<BTreeSet<String>>>,
}

impl Visitor for Found<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let (qualifier, sets) = match factor {
            TableFactor::Table { name, alias, .. } => {
                let Some(last) = name.0.last().and_then(|p| p.as_ident()) else {
                    return ControlFlow::Continue(());
                };
                let table = folded(last);
                let mut sets = Vec::new();
                if name.0.len() == 1 {
                    sets.extend(self.ctes.get(&table).into_iter().flatten().cloned());
                }
                if sets.is_empty() || self.tables.contains(&table) {
                    sets.push(BTreeSet::new());
                }
                match alias {
                    // An alias's column list renames columns: only those names are added,
                    // and a CTE's own names no longer hold.
                    Some(alias) if !alias.columns.is_empty() => (
                        folded(&alias.name),
                        vec![alias.columns.iter().map(|c| folded(&c.name)).collect()],
                    ),
                    Some(alias) => (folded(&alias.name), sets),
                    None => (table, sets),
                }
            }
            TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            } => {
                let names = if alias.columns.is_empty() {
                    output_names(subquery)
                } else {
                    alias.columns.iter().map(|c| folded(&c.name)).collect()
                };
                (folded(&alias.name), vec![names])
            }
            TableFactor::NestedJoin {
                alias: Some(alias), ..
            } => (folded(&alias.name), vec![BTreeSet::new()]),
            _ => return ControlFlow::Continue(()),
        };
        self.by_name.entry(qualifier).or_default().extend(sets);
        ControlFlow::Continue(())
    }
}

/// The names a query's rows have: aliases and plain column references of its (first)
/// SELECT, or `column1..` of VALUES. Unnamed expressions are left out: PostgreSQL and SQLite
/// name them differently, so they must be aliased to be qualified.
fn output_names(query: &Query) -> BTreeSet<String> {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(inner) => body = &inner.body,
            SetExpr::Values(values) => {
                let width = values.rows.first().map_or(0, |r| r.content.len());
                return (1..=width).map(|i| format!("column{i}")).collect();
            }
            SetExpr::Select(select) => {
                return select
                    .projection
                    .iter()
                    .filter_map(|item| match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(folded(alias)),
                        SelectItem::UnnamedExpr(sqlparser::ast::Expr::Identifier(ident)) => {
                            Some(folded(ident))
                        }
                        SelectItem::UnnamedExpr(sqlparser::ast::Expr::CompoundIdentifier(
                            parts,
                        )) => parts.last().map(folded),
                        _ => None,
                    })
                    .collect();
            }
            _ => return BTreeSet::new(),
        }
    }
}
