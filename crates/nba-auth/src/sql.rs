//! The read-only SQL checker: parses one query (never regex-matches it) and accepts it only
//! if it reads nothing but the allowed tables, through a short list of harmless functions,
//! with every qualified name a column (`columns`) and every expression cheap (`cost`).
//! The executor in `nba-store` runs the re-serialized text in a read-only, time-limited
//! session: this is the first wall, that one the second.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg, FunctionArguments, InTarget,
    ObjectName, ObjectNamePart, Query, Select, SelectFlavor, SetExpr, Statement, TableFactor,
    UnaryOperator, Value, ValueWithSpan, Visit, Visitor,
};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

mod columns;
mod cost;
mod rejected;

pub use columns::READABLE_COLUMNS;
pub use cost::{MAX_PATTERN_LEN, MAX_VALUE_LEN};
pub use rejected::SqlRejected;

use columns::Qualifiers;

/// Longer input is refused before parsing, so no input can make the check expensive.
pub const MAX_SQL_LEN: usize = 20_000;

/// Functions that compute from their arguments alone, behave alike on SQLite and PostgreSQL,
/// and cannot make a value much larger than their input. `CAST`, `EXTRACT`, `SUBSTRING(..
/// FROM ..)`, `TRIM(..)`, `POSITION(..)`, `CEIL`/`FLOOR` and `CASE` are syntax, checked as such.
#[rustfmt::skip]
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    // aggregates
    "count", "sum", "avg", "min", "max",
    // window functions
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    // numbers
    "abs", "round", "ceil", "ceiling", "floor", "sign", "sqrt", "power", "exp", "ln", "log10",
    "mod",
    // nulls
    "coalesce", "nullif",
    // text
    "lower", "upper", "length", "substr", "substring", "trim", "ltrim", "rtrim", "replace",
    "concat",
];

/// Keywords PostgreSQL evaluates as calls without parentheses, which would tell who and
/// where the session is; sqlparser reads some of them as plain column names.
const SESSION_KEYWORDS: &[&str] = &[
    "current_catalog",
    "current_role",
    "current_schema",
    "current_user",
    "session_user",
    "system_user",
    "user",
];

/// Tables that hold credentials or the audit trail: unreadable even if a caller lists them.
const NEVER_READABLE: &[&str] = &["principals", "api_keys", "audit_log", "audit_head"];

/// The SQL dialect to parse with: the one of the engine that will run the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A query that passed the check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSql {
    /// The statement printed back from the checked syntax tree (comments and a trailing `;`
    /// dropped), so what runs is exactly what was checked.
    pub sql: String,
    /// The real tables it reads, lower-cased, sorted, without duplicates.
    pub tables: Vec<String>,
}

/// Checks one read-only query against `allowed_tables` (compared case-insensitively). A
/// qualified name must end in one of [`READABLE_COLUMNS`] or in a column the query defines.
pub fn check(
    sql: &str,
    dialect: Dialect,
    allowed_tables: &[&str],
) -> Result<CheckedSql, SqlRejected> {
    if sql.len() > MAX_SQL_LEN {
        return Err(SqlRejected::TooLong {
            len: sql.len(),
            max: MAX_SQL_LEN,
        });
    }
    let first = check_once(sql, dialect, allowed_tables)?;
    // The printed text must parse back to itself: then a printer bug cannot make the engine
    // run something other than the tree that was checked.
    let again = check_once(&first.sql, dialect, allowed_tables)?;
    if again != first {
        return Err(SqlRejected::Unsupported(
            "a query that does not print back the same way".into(),
        ));
    }
    Ok(first)
}

fn check_once(
    sql: &str,
    dialect: Dialect,
    allowed_tables: &[&str],
) -> Result<CheckedSql, SqlRejected> {
    // The parser's default recursion limit (50) stays in place: deeply nested input is a
    // parse error, not a stack overflow.
    let parsed = match dialect {
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
    };
    let statements = parsed.map_err(|e| SqlRejected::Parse(e.to_string()))?;
    let mut statement = match <[Statement; 1]>::try_from(statements) {
        Ok([statement @ Statement::Query(_)]) => statement,
        Ok([other]) => return Err(SqlRejected::NotAQuery(first_words(&other))),
        Err(statements) if statements.is_empty() => return Err(SqlRejected::Empty),
        Err(many) => return Err(SqlRejected::MultipleStatements(many.len())),
    };
    let allowed: Vec<String> = allowed_tables
        .iter()
        .filter(|t| !NEVER_READABLE.iter().any(|n| n.eq_ignore_ascii_case(t)))
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let mut rules = Rules {
        dialect,
        qualifiers: Qualifiers::of(&statement, &allowed),
        allowed,
        scopes: Vec::new(),
        tables: BTreeSet::new(),
    };
    if let ControlFlow::Break(rejected) = statement.visit(&mut rules) {
        return Err(rejected);
    }
    if dialect == Dialect::Postgres {
        cost::bound_postgres(&mut statement);
    }
    Ok(CheckedSql {
        sql: statement.to_string(),
        tables: rules.tables.into_iter().collect(),
    })
}

/// The names of the common table expressions one query defines, and how many of them the
/// part being visited can see.
struct Scope {
    /// Each CTE's name as PostgreSQL folds it, and the address of its query.
    ctes: Vec<(String, usize)>,
    recursive: bool,
    visible: usize,
}

/// Walks the whole tree (sqlparser's derived visitor reaches every node) and stops at the
/// first rule broken.
struct Rules {
    dialect: Dialect,
    allowed: Vec<String>,
    qualifiers: Qualifiers,
    scopes: Vec<Scope>,
    tables: BTreeSet<String>,
}

impl Visitor for Rules {
    type Break = SqlRejected;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<SqlRejected> {
        // A CTE sees only the CTEs before it (and itself under RECURSIVE). Under any other
        // reading the engine would take a real table of the same name, so a name seen as a
        // CTE here must be a CTE for both engines.
        let this = address(query);
        if let Some(scope) = self.scopes.last_mut() {
            if let Some(i) = scope.ctes.iter().position(|c| c.1 == this) {
                scope.visible = if scope.recursive { i + 1 } else { i };
            }
        }
        flow(check_query(query))?;
        let (ctes, recursive) = match &query.with {
            Some(with) => (
                with.cte_tables
                    .iter()
                    .map(|c| (folded(&c.alias.name), address(&c.query)))
                    .collect::<Vec<_>>(),
                with.recursive,
            ),
            None => (Vec::new(), false),
        };
        let visible = ctes.len();
        self.scopes.push(Scope {
            ctes,
            recursive,
            visible,
        });
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<SqlRejected> {
        self.scopes.pop();
        let this = address(query);
        if let Some(scope) = self.scopes.last_mut() {
            if scope.ctes.iter().any(|c| c.1 == this) {
                scope.visible = scope.ctes.len();
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<SqlRejected> {
        flow(check_select(select))
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<SqlRejected> {
        flow(check_table_factor(factor))
    }

    fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<SqlRejected> {
        flow(self.check_relation(name))
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<SqlRejected> {
        if let Expr::CompoundIdentifier(parts) = expr {
            flow(self.qualifiers.check(parts))?;
        }
        flow(check_expr(expr))
    }

    fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<SqlRejected> {
        flow(check_value(&value.value))
    }
}

impl Rules {
    fn check_relation(&mut self, name: &ObjectName) -> Result<(), SqlRejected> {
        let mut parts = Vec::new();
        for part in &name.0 {
            match part {
                ObjectNamePart::Identifier(ident) => parts.push(ident),
                ObjectNamePart::Function(_) => {
                    return Err(SqlRejected::TableFunction(describe(name)))
                }
            }
        }
        let default_schema = match self.dialect {
            Dialect::Sqlite => "main",
            Dialect::Postgres => "public",
        };
        let table = match parts.as_slice() {
            [table] => {
                let name = folded(table);
                let is_cte = self
                    .scopes
                    .iter()
                    .any(|s| s.ctes[..s.visible].iter().any(|c| c.0 == name));
                if is_cte {
                    return Ok(());
                }
                table
            }
            [schema, table] if schema.value.eq_ignore_ascii_case(default_schema) => table,
            [.., schema, _] => {
                return Err(SqlRejected::SchemaNotReadable {
                    name: describe(name),
                    schema: schema.value.clone(),
                })
            }
            [] => return Err(SqlRejected::Unsupported("an empty table name".into())),
        };
        let lower = table.value.to_ascii_lowercase();
        if !self.allowed.contains(&lower) {
            return Err(SqlRejected::TableNotReadable {
                table: table.value.clone(),
                readable: self.allowed.join(", "),
            });
        }
        self.tables.insert(lower);
        Ok(())
    }
}

fn check_query(query: &Query) -> Result<(), SqlRejected> {
    if let Some(lock) = query.locks.first() {
        return Err(SqlRejected::LockingClause(describe(lock)));
    }
    if query.for_clause.is_some() || query.settings.is_some() || query.format_clause.is_some() {
        return Err(SqlRejected::Unsupported(describe(query)));
    }
    if !query.pipe_operators.is_empty() {
        return Err(SqlRejected::Unsupported("a pipe operator".into()));
    }
    if let Some(with) = &query.with {
        if let Some(cte) = with.cte_tables.iter().find(|c| c.from.is_some()) {
            return Err(SqlRejected::Unsupported(describe(&cte.alias)));
        }
    }
    // Set operations nest to the left without bound, so walk them with a stack.
    let mut stack = vec![query.body.as_ref()];
    while let Some(body) = stack.pop() {
        match body {
            SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Query(_) => {}
            SetExpr::SetOperation { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
                return Err(SqlRejected::WriteInQuery(first_words(s)))
            }
            SetExpr::Table(t) => return Err(SqlRejected::Unsupported(describe(t))),
        }
    }
    Ok(())
}

fn check_select(select: &Select) -> Result<(), SqlRejected> {
    if let Some(into) = &select.into {
        return Err(SqlRejected::WriteInQuery(format!("SELECT {into}")));
    }
    let exotic = !select.optimizer_hints.is_empty()
        || select.select_modifiers.is_some()
        || select.top.is_some()
        || select.exclude.is_some()
        || !select.lateral_views.is_empty()
        || select.prewhere.is_some()
        || !select.connect_by.is_empty()
        || !select.cluster_by.is_empty()
        || !select.distribute_by.is_empty()
        || !select.sort_by.is_empty()
        || select.qualify.is_some()
        || select.value_table_mode.is_some()
        || select.flavor != SelectFlavor::Standard;
    if exotic {
        return Err(SqlRejected::Unsupported(format!(
            "this SELECT form ({})",
            describe(select)
        )));
    }
    Ok(())
}

fn check_table_factor(factor: &TableFactor) -> Result<(), SqlRejected> {
    match factor {
        TableFactor::Table {
            name,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_directives,
            inheritance,
            ..
        } => {
            if args.is_some() {
                return Err(SqlRejected::TableFunction(describe(name)));
            }
            let decorated = !with_hints.is_empty()
                || version.is_some()
                || *with_ordinality
                || !partitions.is_empty()
                || json_path.is_some()
                || sample.is_some()
                || !index_directives.is_empty()
                || inheritance.is_some();
            if decorated {
                return Err(SqlRejected::Unsupported(describe(factor)));
            }
            Ok(())
        }
        TableFactor::Derived { sample: None, .. } | TableFactor::NestedJoin { .. } => Ok(()),
        TableFactor::TableFunction { .. }
        | TableFactor::Function { .. }
        | TableFactor::UNNEST { .. }
        | TableFactor::JsonTable { .. }
        | TableFactor::OpenJsonTable { .. }
        | TableFactor::XmlTable { .. } => Err(SqlRejected::TableFunction(describe(factor))),
        other => Err(SqlRejected::Unsupported(describe(other))),
    }
}

/// Expressions are allowed by kind: anything new or engine-specific is refused.
fn check_expr(expr: &Expr) -> Result<(), SqlRejected> {
    match expr {
        Expr::Function(function) => check_function(function),
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            data_type,
            format: None,
            ..
        } => check_type(data_type),
        Expr::TypedString(typed) => check_type(&typed.data_type),
        Expr::BinaryOp { op, .. } => match op {
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::StringConcat
            | BinaryOperator::Gt
            | BinaryOperator::Lt
            | BinaryOperator::GtEq
            | BinaryOperator::LtEq
            | BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::And
            | BinaryOperator::Or => Ok(()),
            other => Err(SqlRejected::Unsupported(format!("the operator {other}"))),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Plus | UnaryOperator::Minus | UnaryOperator::Not,
            ..
        } => Ok(()),
        Expr::In {
            target: InTarget::List(_) | InTarget::Subquery(_) | InTarget::Table { .. },
            ..
        } => Ok(()),
        Expr::Like {
            any: false,
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            any: false,
            pattern,
            escape_char,
            ..
        } => {
            cost::check_pattern("the pattern of LIKE", pattern)?;
            match escape_char {
                Some(escape) => cost::check_pattern("the ESCAPE of LIKE", escape),
                None => Ok(()),
            }
        }
        Expr::Position { expr, .. } => cost::check_pattern("the string POSITION looks for", expr),
        Expr::Trim {
            trim_what,
            trim_characters,
            ..
        } => trim_what
            .iter()
            .map(|e| e.as_ref())
            .chain(trim_characters.iter().flatten())
            .try_for_each(|e| cost::check_pattern("the characters TRIM removes", e)),
        Expr::Identifier(ident)
            if ident.quote_style.is_none()
                && SESSION_KEYWORDS.contains(&ident.value.to_ascii_lowercase().as_str()) =>
        {
            Err(SqlRejected::FunctionNotAllowed {
                name: ident.value.clone(),
                allowed: ALLOWED_FUNCTIONS.join(", "),
            })
        }
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::IsFalse(_)
        | Expr::IsNotFalse(_)
        | Expr::IsTrue(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsUnknown(_)
        | Expr::IsNotUnknown(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::Between { .. }
        | Expr::Extract { .. }
        | Expr::Ceil { .. }
        | Expr::Floor { .. }
        | Expr::Substring { .. }
        | Expr::Nested(_)
        | Expr::Value(_)
        | Expr::Case { .. }
        | Expr::Exists { .. }
        | Expr::Subquery(_)
        | Expr::Tuple(_)
        | Expr::Interval(_)
        | Expr::Wildcard(_)
        | Expr::QualifiedWildcard(..) => Ok(()),
        other => Err(SqlRejected::Unsupported(format!(
            "the expression {}",
            describe(other)
        ))),
    }
}

fn check_function(function: &Function) -> Result<(), SqlRejected> {
    let name = match function.name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => ident.value.to_ascii_lowercase(),
        _ => String::new(),
    };
    if !ALLOWED_FUNCTIONS.contains(&name.as_str()) {
        return Err(SqlRejected::FunctionNotAllowed {
            name: describe(&function.name),
            allowed: ALLOWED_FUNCTIONS.join(", "),
        });
    }
    let plain_args = match &function.args {
        FunctionArguments::List(list) => {
            list.clauses.is_empty()
                && list
                    .args
                    .iter()
                    .all(|a| matches!(a, FunctionArg::Unnamed(_)))
        }
        FunctionArguments::None | FunctionArguments::Subquery(_) => false,
    };
    let plain = plain_args
        && !function.uses_odbc_syntax
        && matches!(function.parameters, FunctionArguments::None)
        && function.within_group.is_empty()
        && function.null_treatment.is_none();
    if !plain {
        return Err(SqlRejected::Unsupported(format!(
            "this call form ({})",
            describe(function)
        )));
    }
    match cost::pattern_argument(&name, function) {
        Some(pattern) => cost::check_pattern(&format!("the second argument of {name}"), pattern),
        None => Ok(()),
    }
}

/// Casts only to plain scalar types: no `regclass`, `regproc` or other catalog lookups.
fn check_type(data_type: &DataType) -> Result<(), SqlRejected> {
    match data_type {
        DataType::SmallInt(_)
        | DataType::Int(_)
        | DataType::Integer(_)
        | DataType::BigInt(_)
        | DataType::Int2(_)
        | DataType::Int4(_)
        | DataType::Int8(_)
        | DataType::Real
        | DataType::Float(_)
        | DataType::Float4
        | DataType::Float8
        | DataType::Double(_)
        | DataType::DoublePrecision
        | DataType::Numeric(_)
        | DataType::Decimal(_)
        | DataType::Text
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Character(_)
        | DataType::CharacterVarying(_)
        | DataType::CharVarying(_)
        | DataType::Bool
        | DataType::Boolean
        | DataType::Date
        | DataType::Timestamp(..) => Ok(()),
        other => Err(SqlRejected::Unsupported(format!("the type {other}"))),
    }
}

fn check_value(value: &Value) -> Result<(), SqlRejected> {
    match value {
        Value::Number(..)
        | Value::SingleQuotedString(_)
        | Value::DoubleQuotedString(_)
        | Value::EscapedStringLiteral(_)
        | Value::DollarQuotedString(_)
        | Value::HexStringLiteral(_)
        | Value::Boolean(_)
        | Value::Null => Ok(()),
        Value::Placeholder(p) => Err(SqlRejected::Unsupported(format!("the parameter {p}"))),
        other => Err(SqlRejected::Unsupported(format!("the literal {other}"))),
    }
}

fn flow(result: Result<(), SqlRejected>) -> ControlFlow<SqlRejected> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(rejected) => ControlFlow::Break(rejected),
    }
}

fn address(query: &Query) -> usize {
    query as *const Query as usize
}

/// A name as PostgreSQL resolves it (quoted: as written; else lower-cased). Stricter than
/// SQLite's case-insensitive rule, so a name matches a CTE here only if it does on both.
fn folded(ident: &sqlparser::ast::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    }
}

/// A node's SQL for a message, cut short.
fn describe(node: &impl Display) -> String {
    let text = node.to_string();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

/// The leading keywords of a statement, to name what was refused.
fn first_words(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    words.join(" ")
}

#[cfg(test)]
mod tests;
