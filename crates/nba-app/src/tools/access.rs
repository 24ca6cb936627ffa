//! Tools about access itself: who am I, read-only SQL for analysts, and the admin's view of
//! accounts, keys and the audit log. Keys are created by `nba-mcp keys create` only, so a
//! secret never passes through a model's context.

use nba_auth::sql::{self, Dialect};
use nba_store::{Backend, StoreError, READABLE_TABLES};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::access::{Caller, SQL_TIMEOUT};
use crate::{App, AppError};

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
    /// no file or system functions.
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
    pub truncated: bool,
    pub limit: i64,
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
        let rows = self
            .store()
            .query_readonly(&checked.sql, limit as usize, SQL_TIMEOUT)
            .await
            .map_err(|e| match e {
                StoreError::Timeout { ms } => AppError::InvalidArgument(format!(
                    "query_sql: the query ran longer than {ms} ms and was stopped; narrow it or add a LIMIT"
                )),
                // The engine's own words about the query (unknown column, type mismatch).
                StoreError::Database(e) if e.as_database_error().is_some() => {
                    let message = e.as_database_error().map(|d| d.message().to_string());
                    AppError::InvalidArgument(format!(
                        "query_sql: the database rejected the query: {}",
                        message.unwrap_or_default()
                    ))
                }
                other => AppError::from(other),
            })?;
        Ok(QuerySqlOutput {
            sql: checked.sql,
            tables: checked.tables,
            row_count: rows.rows.len(),
            columns: rows.columns,
            rows: rows.rows,
            truncated: rows.truncated,
            limit,
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
        let mut records = Vec::new();
        loop {
            let after = records
                .last()
                .map(|r: &nba_auth::audit::AuditRecord| r.seq)
                .unwrap_or(0);
            let page = self.store().audit_records(after, 10_000).await?;
            if page.is_empty() {
                break;
            }
            records.extend(page);
        }
        let head = self.store().audit_head().await?;
        let report = nba_auth::audit::verify(records.iter().cloned(), Some(head));
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
            })
            .collect();
        Ok(AuditLogOutput {
            chain_ok: report.ok,
            chain_entries: report.entries,
            problems: report.problems,
            entries,
        })
    }

    pub(crate) async fn list_accounts(&self) -> Result<ListAccountsOutput, AppError> {
        let keys = self.store().api_keys(None).await?;
        let accounts = self
            .store()
            .principals()
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
        input: RevokeKeyInput,
    ) -> Result<RevokeKeyOutput, AppError> {
        let keys = self.store().api_keys(None).await?;
        let Some(key) = keys.iter().find(|k| k.id == input.key_id) else {
            return Err(AppError::NotFound(format!(
                "revoke_api_key: no API key with id '{}'; list_accounts shows the ids",
                input.key_id
            )));
        };
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let revoked = self.store().revoke_api_key(&key.id, &at).await?;
        self.forget_cached_keys();
        Ok(RevokeKeyOutput {
            key_id: key.id.clone(),
            revoked,
            message: if revoked {
                format!(
                    "key {} ({}) revoked; it stops working now",
                    key.id, key.display_prefix
                )
            } else {
                format!(
                    "key {} was already revoked at {}",
                    key.id,
                    key.revoked_at.clone().unwrap_or_default()
                )
            },
        })
    }
}
