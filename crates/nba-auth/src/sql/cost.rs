//! What keeps one expression cheap. Neither engine can stop a single expression half-way
//! (PostgreSQL's LIKE, POSITION and trim loops never look at the statement timeout; SQLite's
//! progress handler runs between instructions), so its cost is bounded by its inputs: the
//! searched-for side of every search is a short string literal, and no expression builds a
//! long string. SQLite's value length limit is set by the executor; PostgreSQL has none, so
//! there every concatenation, `concat` and `replace` is printed inside
//! `SUBSTR(.., 1, MAX_VALUE_LEN)`.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectNamePart, Value, VisitMut, VisitorMut,
};

use super::SqlRejected;

/// Longest LIKE pattern, POSITION needle, `replace` search string or trim set, in bytes.
/// With [`MAX_VALUE_LEN`] it bounds one search: SQLite's LIKE matches about 12 characters
/// per microsecond at worst (`'%aaa..ab'` over `'aaa..a'`), so 100 x 64 Ki is about half a
/// second; PostgreSQL is some ten times faster.
pub const MAX_PATTERN_LEN: usize = 100;

/// Longest string an expression may build: SQLite's `SQLITE_LIMIT_LENGTH` (bytes) in the
/// executor, the `substr` bound (characters) on PostgreSQL. The longest stored value is far
/// shorter (a prediction's features, an ingest run's notes: under 2 kB).
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// Refuses `expr` in a searched-for position unless it is NULL or a short string literal.
pub(super) fn check_pattern(what: &str, expr: &Expr) -> Result<(), SqlRejected> {
    let mut expr = expr;
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    let short = match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::DoubleQuotedString(s) => s.len() <= MAX_PATTERN_LEN,
            Value::DollarQuotedString(s) => s.value.len() <= MAX_PATTERN_LEN,
            Value::Null => true,
            _ => false,
        },
        _ => false,
    };
    if short {
        Ok(())
    } else {
        Err(SqlRejected::PatternNotLiteral {
            what: what.into(),
            max: MAX_PATTERN_LEN,
        })
    }
}

/// The searched-for argument of a call to one of the allowed functions, if it has one.
pub(super) fn pattern_argument<'a>(name: &str, function: &'a Function) -> Option<&'a Expr> {
    let position = match name {
        "replace" | "trim" | "ltrim" | "rtrim" => 1,
        _ => return None,
    };
    argument(function, position)
}

fn argument(function: &Function, position: usize) -> Option<&Expr> {
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    match list.args.get(position) {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => Some(e),
        _ => None,
    }
}

/// Prints every string-building expression of a PostgreSQL query inside the `substr` bound;
/// one already inside it (a query printed by this checker before) is left as it is, so
/// checking the printed text again gives the same text.
pub(super) fn bound_postgres(statement: &mut sqlparser::ast::Statement) {
    let mut bound = Bound {
        already: BTreeSet::new(),
    };
    let _ = VisitMut::visit(statement, &mut bound);
}

struct Bound {
    /// Addresses of building expressions that are already the first argument of the bound.
    already: BTreeSet<usize>,
}

impl VisitorMut for Bound {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Some(inner) = bounded(expr) {
            self.already.insert(address(inner));
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if builds_strings(expr) && !self.already.remove(&address(expr)) {
            let inner = std::mem::replace(expr, number("0"));
            *expr = Expr::Substring {
                expr: Box::new(inner),
                substring_from: Some(Box::new(number("1"))),
                substring_for: Some(Box::new(number(&MAX_VALUE_LEN.to_string()))),
                special: true,
                shorthand: true,
            };
        }
        ControlFlow::Continue(())
    }
}

fn number(n: &str) -> Expr {
    Expr::Value(Value::Number(n.into(), false).into())
}

fn address(expr: &Expr) -> usize {
    expr as *const Expr as usize
}

fn builds_strings(expr: &Expr) -> bool {
    match expr {
        Expr::BinaryOp {
            op: BinaryOperator::StringConcat,
            ..
        } => true,
        Expr::Function(f) => matches!(
            f.name.0.as_slice(),
            [ObjectNamePart::Identifier(ident)]
                if ident.value.eq_ignore_ascii_case("concat")
                    || ident.value.eq_ignore_ascii_case("replace")
        ),
        _ => false,
    }
}

/// The building expression inside `SUBSTR(<it>, 1, MAX_VALUE_LEN)`, as this module prints it.
fn bounded(expr: &Expr) -> Option<&Expr> {
    let is = |e: &Option<Box<Expr>>, n: &str| matches!(e.as_deref(), Some(Expr::Value(v)) if matches!(&v.value, Value::Number(s, false) if s == n));
    match expr {
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            special: true,
            shorthand: true,
        } if builds_strings(expr)
            && is(substring_from, "1")
            && is(substring_for, &MAX_VALUE_LEN.to_string()) =>
        {
            Some(expr)
        }
        _ => None,
    }
}
