//! Access control at the one place every request passes: who is calling (`authenticate`),
//! whether they may (`authorize`, with the permission of each tool, resource and prompt),
//! how often (`rate_limit`) and what happened (`audit`). Transports turn a credential into
//! a [`Caller`] and hand it to every `App` call; the HTTP edge also guards its own routes
//! with the same functions.

mod audit;
mod keys;

use std::sync::Arc;
use std::time::Duration;

use nba_auth::bearer::{self, Credential, CredentialError};
use nba_auth::jwt::JwtValidator;
use nba_auth::ratelimit::{RateLimit, RateLimiter};
use nba_auth::{Permission, Principal, PrincipalKind, Role};
use nba_store::Store;

pub use audit::AuditWriter;

use crate::{App, AppError};

/// How the server controls access; `Default` is RBAC on, API keys only, no rate limit.
#[derive(Debug)]
pub struct AccessConfig {
    /// `false` only for loopback development (`ENABLE_RBAC=false`): every caller is
    /// an anonymous admin. The binary refuses it on other addresses.
    pub rbac_disabled: bool,
    /// Accepts OAuth access tokens from this issuer (HTTP only), when set.
    pub jwt: Option<JwtValidator>,
    pub rate_limit: Option<RateLimit>,
    /// This server's MCP resource URL (`https://host/mcp`), the audience of OAuth tokens
    /// and the `resource` of the protected resource metadata.
    pub resource_url: Option<String>,
    /// The HTTP server speaks TLS (for URLs derived from `Host`).
    pub https: bool,
    /// How long a key seen valid keeps working while the database is unreachable.
    pub auth_grace: Duration,
    /// Where audit entries go while the database is unreachable (replayed in order when it
    /// is back); `None`: they wait in memory (tests).
    pub audit_spill: Option<std::path::PathBuf>,
    /// `Host` values this server answers to (empty: loopback names); only these are used to
    /// build URLs when `resource_url` is not set.
    pub allowed_hosts: Vec<String>,
}

impl Default for AccessConfig {
    fn default() -> AccessConfig {
        AccessConfig {
            rbac_disabled: false,
            jwt: None,
            rate_limit: None,
            resource_url: None,
            https: false,
            auth_grace: Duration::from_secs(900),
            audit_spill: None,
            allowed_hosts: Vec::new(),
        }
    }
}

/// Where a request came in; recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    McpStdio,
    McpHttp,
    Http,
    Cli,
    /// The server acting on its own (a roll-out guard).
    Internal,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::McpStdio => "mcp-stdio",
            Transport::McpHttp => "mcp-http",
            Transport::Http => "http",
            Transport::Cli => "cli",
            Transport::Internal => "internal",
        }
    }
}

/// An authenticated request: who, which request, over what.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    pub request_id: String,
    pub transport: Transport,
}

impl Caller {
    pub fn new(principal: Arc<Principal>, transport: Transport, request_id: String) -> Caller {
        Caller {
            principal,
            request_id,
            transport,
        }
    }

    /// The local client with a configured role (stdio without a key, CLI, tests).
    pub fn local(role: Role, transport: Transport) -> Caller {
        Caller::new(Arc::new(local_principal(role)), transport, new_request_id())
    }
}

impl Caller {
    /// The operator at the command line: holds the database, so acts as an admin. Recorded
    /// in the audit log as principal `cli`, transport `cli`.
    pub fn cli() -> Caller {
        let principal = Principal::with_role(
            "cli".into(),
            PrincipalKind::Local,
            Role::Admin,
            nba_auth::AuthMethod::Config,
        );
        Caller::new(Arc::new(principal), Transport::Cli, new_request_id())
    }

    /// The server itself acting on its own (`id` names what: `rollout-guard`), as an admin;
    /// recorded in the audit log with transport `internal`.
    pub fn system(id: &str) -> Caller {
        let principal = Principal::with_role(
            id.into(),
            PrincipalKind::Local,
            Role::Admin,
            nba_auth::AuthMethod::Config,
        );
        Caller::new(Arc::new(principal), Transport::Internal, new_request_id())
    }
}

/// The audit entry of `action` on `target` by `caller` with `outcome`.
pub(crate) fn audit_entry(
    caller: &Caller,
    action: &str,
    target: &str,
    outcome: &str,
) -> nba_auth::audit::AuditEntry {
    let mut entry = audit::entry(
        &caller.principal.id,
        caller.principal.role_label(),
        action,
        target,
        outcome,
        &caller.request_id,
        caller.transport,
    );
    entry.credential = credential(&caller.principal.method);
    entry
}

/// How the audit log names the credential a caller used (never its secret).
fn credential(method: &nba_auth::AuthMethod) -> String {
    match method {
        nba_auth::AuthMethod::ApiKey { key_id } => format!("key:{key_id}"),
        nba_auth::AuthMethod::Jwt { issuer } => format!("oauth:{issuer}"),
        nba_auth::AuthMethod::Config | nba_auth::AuthMethod::RbacDisabled => String::new(),
    }
}

/// The principal of a local client given a role by configuration.
pub fn local_principal(role: Role) -> Principal {
    Principal::with_role(
        "local".into(),
        PrincipalKind::Local,
        role,
        nba_auth::AuthMethod::Config,
    )
}

pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Why a request could not be authenticated; `description` is safe to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header: answer with the challenge, no error code (RFC 6750 3.1).
    Missing,
    /// A credential was sent and is not valid (`invalid_token`).
    Invalid {
        reason: &'static str,
        description: String,
    },
    /// The credential could not be checked now (the database is unreachable): HTTP 503
    /// with `Retry-After`, never 401, since the key may well be valid.
    Unavailable { retry_after_s: u64 },
}

impl AuthFailure {
    pub fn description(&self) -> String {
        match self {
            AuthFailure::Missing => "authentication required: send Authorization: Bearer <API key or OAuth access token>; an administrator makes a key with `nba-mcp keys create <account>` (SECURITY.md)".into(),
            AuthFailure::Invalid { description, .. } => description.clone(),
            AuthFailure::Unavailable { retry_after_s } => format!(
                "the credential cannot be checked now: the database is unreachable; retry after {retry_after_s} s"
            ),
        }
    }
}

pub(crate) struct Access {
    config: AccessConfig,
    limiter: RateLimiter,
    pub(crate) audit: AuditWriter,
    keys: keys::KeyCache,
}

impl Access {
    pub(crate) fn start(store: &Store, config: AccessConfig, limits: &crate::Limits) -> Access {
        let spill = config.audit_spill.as_ref().and_then(|path| {
            audit::Spill::open(path.clone(), limits.audit_spill_max_bytes)
                .map_err(|e| tracing::error!(path = %path.display(), error = %e, "cannot open the audit spill file; audit entries wait in memory during outages"))
                .ok()
        });
        Access {
            limiter: RateLimiter::new(config.rate_limit),
            audit: AuditWriter::start(store.clone(), limits.audit_queue, spill),
            keys: keys::KeyCache::new(config.auth_grace),
            config,
        }
    }
}

/// The permission needed to read resources and prompts (they are views of the data).
pub const RESOURCE_PERMISSION: Permission = Permission::DataRead;

impl App {
    pub fn rbac_enabled(&self) -> bool {
        !self.access().config.rbac_disabled
    }

    pub fn resource_url(&self) -> Option<&str> {
        self.access().config.resource_url.as_deref()
    }

    /// Whether a request's `Host` is one this server answers to (never echo another).
    pub fn host_allowed(&self, host: &str) -> bool {
        let allowed = &self.access().config.allowed_hosts;
        let name = host
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(']'))
            .map_or(host, |(name, _)| name);
        if allowed.is_empty() {
            return matches!(name, "localhost" | "127.0.0.1" | "[::1]");
        }
        allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(host) || a.eq_ignore_ascii_case(name))
    }

    pub fn serves_https(&self) -> bool {
        self.access().config.https
    }

    pub fn accepts_oauth(&self) -> bool {
        self.access().config.jwt.is_some()
    }

    pub fn oauth_issuer(&self) -> Option<&str> {
        self.access().config.jwt.as_ref().map(|j| j.issuer())
    }

    /// Turns an `Authorization` header (absent: `None`) into a caller. Failures other than a
    /// missing header are audited as `authenticate` / `invalid_credentials:<reason>`.
    pub async fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        transport: Transport,
        request_id: &str,
    ) -> Result<Caller, AuthFailure> {
        let access = self.access();
        let caller = |p: Arc<Principal>| Caller::new(p, transport, request_id.to_string());
        if access.config.rbac_disabled {
            return Ok(caller(Arc::new(Principal::anonymous())));
        }
        let Some(header) = authorization else {
            return Err(AuthFailure::Missing);
        };
        let result = match bearer::parse_authorization(header) {
            Err(CredentialError::Missing) => return Err(AuthFailure::Missing),
            Err(e) => Err((None, invalid("malformed", e.to_string()))),
            Ok(Credential::ApiKey(key)) => self.key_principal(key).await,
            Ok(Credential::Jwt(token)) => match &access.config.jwt {
                None => Err((
                    None,
                    invalid(
                        "oauth_not_configured",
                        "this server does not accept OAuth access tokens; use an API key (nba_mcp_...)".into(),
                    ),
                )),
                Some(validator) => validator
                    .validate(token)
                    .map(Arc::new)
                    .map_err(|e| (None, invalid(e.code(), e.to_string()))),
            },
        };
        match result {
            Ok(p) => Ok(caller(p)),
            Err((principal, failure)) => {
                if let AuthFailure::Invalid { reason, .. } = &failure {
                    nba_ops::metrics()
                        .access_decisions
                        .with(&["invalid_credentials"], |c| c.inc());
                    let who = principal.unwrap_or_else(|| "unknown".into());
                    access.audit.record(audit::entry(
                        &who,
                        "-",
                        "authenticate",
                        "",
                        &format!("invalid_credentials:{reason}"),
                        request_id,
                        transport,
                    ));
                    tracing::info!(
                        reason,
                        transport = transport.as_str(),
                        "authentication failed"
                    );
                }
                Err(failure)
            }
        }
    }

    /// The principal of an API key, or why not (with the key's principal id, if known).
    async fn key_principal(
        &self,
        key: &str,
    ) -> Result<Arc<Principal>, (Option<String>, AuthFailure)> {
        key_principal(&self.access().keys, self.store(), key).await
    }

    /// Forgets cached key lookups, so a revocation in this process applies at once.
    pub fn forget_cached_keys(&self) {
        self.access().keys.clear();
    }

    /// The one permission check: `Ok` if the caller holds `permission` (`None`: any
    /// authenticated caller), else `Forbidden`, audited as a denial of `action` on `target`.
    pub fn authorize(
        &self,
        caller: &Caller,
        permission: Option<Permission>,
        action: &str,
        target: &str,
    ) -> Result<(), AppError> {
        let Some(permission) = permission else {
            return Ok(());
        };
        if caller.principal.can(permission) {
            return Ok(());
        }
        self.audit(caller, action, target, "denied");
        nba_ops::metrics()
            .access_decisions
            .with(&["denied"], |c| c.inc());
        let p = &caller.principal;
        let held: Vec<&str> = p.permissions.iter().map(|p| p.as_str()).collect();
        let held = if held.is_empty() {
            "none".to_string()
        } else {
            held.join(", ")
        };
        let who = if p.is_oauth() {
            format!("your access token's scopes grant {held}")
        } else {
            format!("your role {} grants {held}", p.role_label())
        };
        Err(AppError::Forbidden {
            message: format!(
                "forbidden: {action}{} needs permission {}; {who}",
                if target.is_empty() {
                    String::new()
                } else {
                    format!(" '{target}'")
                },
                permission.as_str()
            ),
            permission,
        })
    }

    /// Takes one request from the caller's rate limit.
    pub fn rate_limit(&self, caller: &Caller, action: &str) -> Result<(), AppError> {
        self.access()
            .limiter
            .check(&caller.principal.id)
            .map_err(|wait| {
                self.audit(caller, action, "", "rate_limited");
                nba_ops::metrics()
                    .access_decisions
                    .with(&["rate_limited"], |c| c.inc());
                AppError::RateLimited {
                    retry_after_s: wait.as_secs_f64().ceil().max(1.0) as u64,
                }
            })
    }

    /// Appends an entry to the audit log (queued; written in batches, flushed on `close`).
    pub fn audit(&self, caller: &Caller, action: &str, target: &str, outcome: &str) {
        self.access()
            .audit
            .record(audit_entry(caller, action, target, outcome));
    }

    /// Waits until every audit entry queued so far is written (tests, shutdown).
    pub async fn flush_audit(&self) {
        self.access().audit.flush().await;
    }

    /// Audit entries written and write failures (retried) so far, for metrics.
    pub fn audit_stats(&self) -> (u64, u64) {
        self.access().audit.stats()
    }

    /// The tools `principal` may call, in catalog order: what `tools/list` shows it.
    pub fn tools_for(&self, principal: &Principal) -> Vec<&'static crate::ToolSpec> {
        self.tools()
            .iter()
            .filter(|t| t.permission.is_none_or(|p| principal.can(p)))
            .collect()
    }

    /// The per-principal rate limit, if one is set.
    pub fn rate_limit_config(&self) -> Option<RateLimit> {
        self.access().limiter.limit()
    }
}

fn invalid(reason: &'static str, description: String) -> AuthFailure {
    AuthFailure::Invalid {
        reason,
        description,
    }
}

/// Timeout of `query_sql` statements.
pub const SQL_TIMEOUT: Duration = Duration::from_secs(5);

/// Checks an API key against the store without an `App` (the stdio client's configured key
/// is checked before anything else starts). Not audited; `App::authenticate` is.
pub async fn check_api_key(store: &Store, key: &str) -> Result<Principal, AuthFailure> {
    key_principal(&keys::KeyCache::default(), store, key)
        .await
        .map(Arc::unwrap_or_clone)
        .map_err(|(_, failure)| failure)
}

/// The principal of an API key, or why not (with the key's principal id, if known).
async fn key_principal(
    cache: &keys::KeyCache,
    store: &Store,
    key: &str,
) -> Result<Arc<Principal>, (Option<String>, AuthFailure)> {
    if let Err(e) = nba_auth::keys::check_format(key) {
        return Err((None, invalid("malformed_key", e)));
    }
    cache.principal(store, key).await.map_err(|e| match e {
        keys::KeyError::Rejected {
            principal,
            reason,
            description,
        } => (principal, invalid(reason, description)),
        keys::KeyError::Unavailable => (None, AuthFailure::Unavailable { retry_after_s: 5 }),
        keys::KeyError::Store(e) => {
            tracing::error!(error = %e, "API key lookup failed");
            (None, AuthFailure::Unavailable { retry_after_s: 5 })
        }
    })
}
