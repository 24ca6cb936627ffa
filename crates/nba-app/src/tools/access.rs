//! Tools about access itself: who am I, read-only SQL for analysts, and the admin's view of
//! accounts, keys and the audit log. Keys are created by `nba-mcp keys create` only, so a
//! secret never passes through a model's context.

use nba_auth::sql::{self, Dialect};
use nba_store::{Backend, StoreError, READABLE_TABLES};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Ctx, Tool};
use crate::access::{Caller, SQL_TIMEOUT};
use crate::{App, AppError};
use nba_auth::Permission;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoamiInput {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WhoamiOutput {
    /// Opaque principal id (`usr_...`, `svc_...`, `jwt_...`, `local`, `anonymous`).
    pub principal: String,
    /// user, service, external (OAuth), local (stdio) or anonymous (RBAC disabled).
    pub kind: String,
    /// The role, or "scoped" for an OAuth token whose scopes match no role exactly.
    pub role: String,
    pub permissions: Vec<String>,
    /// api_key, jwt, config or rbac_disabled.
    pub auth_method: String,
    pub rbac_enabled: bool,
    /// Sustained requests per second and burst allowed per principal, if limited.
    pub rate_limit: Option<RateLimitView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RateLimitView {
    pub per_second: f64,
    pub burst: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuerySqlInput {
    /// One read-only query: SELECT, WITH ... SELECT or VALUES, over the readable tables
    /// (franchises, players, games, game_sources, team_box, player_box, ingest_runs,
    /// prediction_log). Parsed and checked before it runs; no writes, no other tables,
    /// no file or system functions. At most 20,000 bytes; a qualified name (`g.home_score`)
    /// must be a column; LIKE patterns, POSITION needles, replace's search string and trim's
    /// characters are string literals of at most 100 bytes; strings built by the query are
    /// at most 65,536 characters.
    #[schemars(length(max = 20000))]
    pub sql: String,
    /// Most rows returned (1 to 1000, default 100); `truncated` says whether there were more.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct QuerySqlOutput {
    /// The query as it ran (printed back from the checked syntax tree).
    pub sql: String,
    pub tables: Vec<String>,
    pub columns: Vec<String>,
    /// One array per row, values in column order.
    #[schemars(schema_with = "rows_schema")]
    pub rows: Vec<Vec<Value>>,
    pub row_count: usize,
    /// Whether rows were left out: the query returned more than `limit` rows, or the next
    /// row would have taken the rows past `max_bytes`.
    pub truncated: bool,
    /// Why rows were left out: `rows` (more than `limit`) or `bytes` (over `max_bytes`).
    pub truncated_reason: Option<String>,
    /// What was left out and how to get the rest, when `truncated`.
    pub note: Option<String>,
    pub limit: i64,
    /// Largest JSON size of `columns` and `rows` together; rows past it are left out.
    pub max_bytes: usize,
    pub timeout_ms: u64,
}

/// Rows of SQL values: text, numbers, booleans and NULL (PostgreSQL arrays and JSON columns
/// come back as JSON arrays and objects).
fn rows_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {
            "type": "array",
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "null"},
                    {"type": "array"},
                    {"type": "object"}
                ]
            }
        }
    })
}

pub const SQL_DEFAULT_LIMIT: i64 = 100;
pub const SQL_MAX_LIMIT: i64 = 1000;
/// Largest JSON size of the rows (and column names) of one `query_sql` answer.
pub const SQL_MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditLogInput {
    /// Latest entries to return (1 to 500, default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditLogOutput {
    /// Whether the whole hash chain verifies: no row edited, deleted or cut off.
    pub chain_ok: bool,
    pub chain_entries: i64,
    /// Entries up to this sequence number were removed by retention (0: none).
    pub pruned_before: i64,
    /// The verification in one sentence.
    pub summary: String,
    /// What is wrong with the chain, by sequence number.
    pub problems: Vec<String>,
    /// The latest entries, newest first.
    pub entries: Vec<AuditRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub ts: String,
    pub principal: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub request_id: String,
    pub transport: String,
    /// `key:<key id>` or `oauth:<issuer>`; empty for local and configured callers.
    pub credential: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccountsInput {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListAccountsOutput {
    pub accounts: Vec<AccountView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    /// user or service.
    pub kind: String,
    pub role: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
    pub keys: Vec<KeyView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct KeyView {
    pub id: String,
    /// The key's first characters (`nba_mcp_AbCd`); the key itself is never stored.
    pub prefix: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeKeyInput {
    /// The key id (`key_...`) from list_accounts.
    pub key_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RevokeKeyOutput {
    pub key_id: String,
    pub revoked: bool,
    pub message: String,
}

impl App {
    pub(crate) fn whoami(&self, caller: &Caller) -> WhoamiOutput {
        let p = &caller.principal;
        let method = match &p.method {
            nba_auth::AuthMethod::ApiKey { .. } => "api_key",
            nba_auth::AuthMethod::Jwt { .. } => "jwt",
            nba_auth::AuthMethod::Config => "config",
            nba_auth::AuthMethod::RbacDisabled => "rbac_disabled",
        };
        let kind = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        WhoamiOutput {
            principal: p.id.clone(),
            kind,
            role: p.role_label().into(),
            permissions: p.permissions.iter().map(|x| x.as_str().into()).collect(),
            auth_method: method.into(),
            rbac_enabled: self.rbac_enabled(),
            rate_limit: self.rate_limit_config().map(|l| RateLimitView {
                per_second: l.per_second,
                burst: l.burst,
            }),
        }
    }

    pub(crate) async fn query_sql(&self, input: QuerySqlInput) -> Result<QuerySqlOutput, AppError> {
        let limit = input.limit.unwrap_or(SQL_DEFAULT_LIMIT);
        if !(1..=SQL_MAX_LIMIT).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "query_sql: limit must be between 1 and {SQL_MAX_LIMIT}, got {limit}"
            )));
        }
        let dialect = match self.store().backend() {
            Backend::Sqlite => Dialect::Sqlite,
            Backend::Postgres => Dialect::Postgres,
        };
        let checked = sql::check(&input.sql, dialect, READABLE_TABLES)
            .map_err(|e| AppError::InvalidArgument(format!("query_sql: {e} ({})", e.code())))?;
        // The rows share the answer's size limit with the rest of it: the query text (JSON
        // may escape it to twice its length), the table names and the note.
        let room = 2 * checked.sql.len() + 4096;
        let max_bytes = SQL_MAX_BYTES
            .min(self.limits().max_answer_bytes)
            .saturating_sub(room);
        let rows = self
            .store()
            .query_readonly_bounded(&checked.sql, limit as usize, max_bytes, SQL_TIMEOUT)
            .await
            .map_err(|e| match e {
                StoreError::Timeout { ms } => AppError::InvalidArgument(format!(
                    "query_sql: the query ran longer than {ms} ms and was stopped; narrow it or add a LIMIT"
                )),
                // The engine's own words about the query (unknown column, type mismatch).
                StoreError::Database(e) if e.as_database_error().is_some() => {
                    let message = e
                        .as_database_error()
                        .map(|d| d.message().to_string())
                        .unwrap_or_default();
                    let hint = if message.contains("too big") {
                        format!("; values are limited to {} bytes", sql::MAX_VALUE_LEN)
                    } else if message.contains("pattern too complex") {
                        format!("; LIKE patterns are limited to {} bytes", sql::MAX_PATTERN_LEN)
                    } else {
                        String::new()
                    };
                    AppError::InvalidArgument(format!(
                        "query_sql: the database rejected the query: {message}{hint}"
                    ))
                }
                other => AppError::from(other),
            })?;
        let shown = rows.rows.len();
        let note = match rows.truncated_reason {
            Some("rows") => Some(format!(
                "Only the first {shown} rows are shown: the query returned more than limit={limit}. \
                 Narrow it (WHERE, GROUP BY), or page with ORDER BY ... LIMIT/OFFSET; limit can \
                 be at most {SQL_MAX_LIMIT}."
            )),
            Some(_) if shown == 0 => Some(format!(
                "No row is shown: the first row alone is larger than the answer's size limit of \
                 {max_bytes} bytes. Select fewer or shorter columns (substr, length)."
            )),
            Some(_) => Some(format!(
                "Only the first {shown} rows are shown: the next row would take the answer past \
                 its size limit of {max_bytes} bytes. Select fewer or shorter columns, aggregate, \
                 or page with ORDER BY ... LIMIT/OFFSET."
            )),
            None => None,
        };
        Ok(QuerySqlOutput {
            sql: checked.sql,
            tables: checked.tables,
            row_count: shown,
            columns: rows.columns,
            rows: rows.rows,
            truncated: rows.truncated,
            truncated_reason: rows.truncated_reason.map(str::to_string),
            note,
            limit,
            max_bytes,
            timeout_ms: SQL_TIMEOUT.as_millis() as u64,
        })
    }

    pub(crate) async fn audit_log(&self, input: AuditLogInput) -> Result<AuditLogOutput, AppError> {
        let limit = input.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(AppError::InvalidArgument(format!(
                "audit_log: limit must be between 1 and 500, got {limit}"
            )));
        }
        self.flush_audit().await;
        // One snapshot of anchor, rows and head, so a concurrent append or retention pass
        // is not mistaken for tampering; rows before the anchor were removed by retention.
        let (report, records, _) = self.store().audit_verify(limit as usize).await?;
        let entries = records
            .iter()
            .rev()
            .take(limit as usize)
            .map(|r| AuditRow {
                seq: r.seq,
                ts: r.entry.ts.clone(),
                principal: r.entry.principal.clone(),
                role: r.entry.role.clone(),
                action: r.entry.action.clone(),
                target: r.entry.target.clone(),
                outcome: r.entry.outcome.clone(),
                request_id: r.entry.request_id.clone(),
                transport: r.entry.transport.clone(),
                credential: r.entry.credential.clone(),
            })
            .collect();
        Ok(AuditLogOutput {
            chain_ok: report.ok,
            chain_entries: report.entries,
            pruned_before: report.pruned,
            summary: report.summary(),
            problems: report.problems,
            entries,
        })
    }

    pub(crate) async fn list_accounts(
        &self,
        caller: &Caller,
    ) -> Result<ListAccountsOutput, AppError> {
        let keys = crate::admin::keys(self.store(), caller, None).await?;
        let accounts = crate::admin::accounts(self.store(), caller)
            .await?
            .into_iter()
            .map(|p| AccountView {
                keys: keys
                    .iter()
                    .filter(|k| k.principal_id == p.id)
                    .map(|k| KeyView {
                        id: k.id.clone(),
                        prefix: k.display_prefix.clone(),
                        label: k.label.clone(),
                        created_at: k.created_at.clone(),
                        expires_at: k.expires_at.clone(),
                        revoked_at: k.revoked_at.clone(),
                        last_used_at: k.last_used_at.clone(),
                    })
                    .collect(),
                id: p.id,
                name: p.name,
                kind: p.kind,
                role: p.role,
                created_at: p.created_at,
                disabled_at: p.disabled_at,
            })
            .collect();
        Ok(ListAccountsOutput { accounts })
    }

    pub(crate) async fn revoke_key(
        &self,
        caller: &Caller,
        input: RevokeKeyInput,
    ) -> Result<RevokeKeyOutput, AppError> {
        let (key, change) = crate::admin::revoke_key(self.store(), caller, &input.key_id).await?;
        self.forget_cached_keys();
        let revoked = change == crate::admin::Change::Done;
        Ok(RevokeKeyOutput {
            message: match change {
                crate::admin::Change::Done => format!(
                    "key {} ({}) revoked; it stops working now",
                    key.id, key.display_prefix
                ),
                crate::admin::Change::Already(at) => format!(
                    "key {} was already revoked at {}",
                    key.id,
                    at.unwrap_or_default()
                ),
            },
            key_id: key.id,
            revoked,
        })
    }
}

/// The `whoami` tool.
pub struct Whoami;

impl Tool for Whoami {
    const NAME: &'static str = "whoami";
    const TITLE: &'static str = "Who am I";
    const DESCRIPTION: &'static str = "The caller as this server sees it: opaque principal id, kind, role, permissions, how it authenticated, and its rate limit.";
    const PERMISSION: Option<Permission> = None;
    type Input = WhoamiInput;
    type Output = WhoamiOutput;

    async fn run(cx: Ctx<'_>, _input: WhoamiInput) -> Result<WhoamiOutput, AppError> {
        Ok(cx.app.whoami(cx.caller))
    }
}

/// The `query_sql` tool.
pub struct QuerySql;

impl Tool for QuerySql {
    const NAME: &'static str = "query_sql";
    const TITLE: &'static str = "Read-only SQL";
    const DESCRIPTION: &'static str = "One read-only SQL query (SELECT / WITH / VALUES) over the data tables: franchises, players, games, game_sources, team_box, player_box, ingest_runs, prediction_log. Parsed and checked before it runs (no writes, no other tables, no file or system functions), in a read-only transaction with a 5 s time limit; at most `limit` rows (default 100, max 1000). Column names: see the nba://schema resource.";
    const PERMISSION: Option<Permission> = Some(Permission::SqlQuery);
    type Input = QuerySqlInput;
    type Output = QuerySqlOutput;

    async fn run(cx: Ctx<'_>, input: QuerySqlInput) -> Result<QuerySqlOutput, AppError> {
        cx.app.query_sql(input).await
    }
}

/// The `audit_log` tool.
pub struct AuditLog;

impl Tool for AuditLog {
    const NAME: &'static str = "audit_log";
    const TITLE: &'static str = "Audit log";
    const DESCRIPTION: &'static str = "The latest audit log entries (who did what, when, with what outcome) and whether the whole hash chain verifies, naming any edited, deleted or missing entry.";
    const PERMISSION: Option<Permission> = Some(Permission::AuditRead);
    type Input = AuditLogInput;
    type Output = AuditLogOutput;

    async fn run(cx: Ctx<'_>, input: AuditLogInput) -> Result<AuditLogOutput, AppError> {
        cx.app.audit_log(input).await
    }
}

/// The `list_accounts` tool.
pub struct ListAccounts;

impl Tool for ListAccounts {
    const NAME: &'static str = "list_accounts";
    const TITLE: &'static str = "Accounts and keys";
    const DESCRIPTION: &'static str = "Users and service accounts with their role and API keys (id, prefix, label, created, expires, revoked, last used). Keys themselves are never stored or shown; create them with `nba-mcp keys create`.";
    const PERMISSION: Option<Permission> = Some(Permission::UsersManage);
    type Input = ListAccountsInput;
    type Output = ListAccountsOutput;

    async fn run(cx: Ctx<'_>, _input: ListAccountsInput) -> Result<ListAccountsOutput, AppError> {
        cx.app.list_accounts(cx.caller).await
    }
}

/// The `revoke_api_key` tool.
pub struct RevokeApiKey;

impl Tool for RevokeApiKey {
    const NAME: &'static str = "revoke_api_key";
    const TITLE: &'static str = "Revoke an API key";
    const DESCRIPTION: &'static str = "Revokes an API key by id (from list_accounts); it stops working at once on this server and within 5 s on others sharing the database.";
    const PERMISSION: Option<Permission> = Some(Permission::UsersManage);
    const READ_ONLY: bool = false;
    type Input = RevokeKeyInput;
    type Output = RevokeKeyOutput;

    async fn run(cx: Ctx<'_>, input: RevokeKeyInput) -> Result<RevokeKeyOutput, AppError> {
        cx.app.revoke_key(cx.caller, input).await
    }
}
