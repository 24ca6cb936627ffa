//! Why the checker refused a query: one kind per rule, each with a stable code.

#[derive(Debug, thiserror::Error)]
pub enum SqlRejected {
    #[error("the query is {len} bytes long; the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error("the query is empty")]
    Empty,
    #[error("the query does not parse: {0}")]
    Parse(String),
    #[error("only one statement is allowed; found {0}")]
    MultipleStatements(usize),
    #[error("only queries (SELECT, WITH ... SELECT, VALUES) are allowed; found {0}")]
    NotAQuery(String),
    #[error("writing is not allowed; found {0}")]
    WriteInQuery(String),
    #[error("locking clauses are not allowed in a read-only query; found {0}")]
    LockingClause(String),
    #[error("table '{table}' is not readable; readable tables: {readable}")]
    TableNotReadable { table: String, readable: String },
    #[error(
        "'{name}' is in schema '{schema}', which is not readable; name tables without a schema"
    )]
    SchemaNotReadable { name: String, schema: String },
    #[error("table functions in FROM are not allowed; found {0}")]
    TableFunction(String),
    #[error("function '{name}' is not allowed; allowed functions: {allowed}")]
    FunctionNotAllowed { name: String, allowed: String },
    #[error(
        "'{name}' is not a column: a qualified name (t.x) must end in a column of the readable \
         tables or one the query itself names for t; call functions as f(x)"
    )]
    NotAColumn { name: String },
    #[error(
        "{what} must be a string literal of at most {max} bytes, so that matching stays cheap"
    )]
    PatternNotLiteral { what: String, max: usize },
    #[error("{0} is not allowed in a read-only query")]
    Unsupported(String),
}

impl SqlRejected {
    pub fn code(&self) -> &'static str {
        match self {
            SqlRejected::TooLong { .. } => "sql_too_long",
            SqlRejected::Empty => "sql_empty",
            SqlRejected::Parse(_) => "sql_parse_error",
            SqlRejected::MultipleStatements(_) => "sql_multiple_statements",
            SqlRejected::NotAQuery(_) => "sql_not_a_query",
            SqlRejected::WriteInQuery(_) => "sql_write",
            SqlRejected::LockingClause(_) => "sql_locking_clause",
            SqlRejected::TableNotReadable { .. } => "sql_table_not_readable",
            SqlRejected::SchemaNotReadable { .. } => "sql_schema_not_readable",
            SqlRejected::TableFunction(_) => "sql_table_function",
            SqlRejected::FunctionNotAllowed { .. } => "sql_function_not_allowed",
            SqlRejected::NotAColumn { .. } => "sql_not_a_column",
            SqlRejected::PatternNotLiteral { .. } => "sql_pattern_not_literal",
            SqlRejected::Unsupported(_) => "sql_unsupported",
        }
    }
}
