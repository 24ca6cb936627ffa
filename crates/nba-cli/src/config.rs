//! Settings: defaults, then a TOML file (`--config`), then environment variables. Validated
//! at start-up; an error names the key that is wrong.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://...` or `postgres://...`; may hold a password, so it is a secret.
    pub database_url: SecretString,
    /// Where the embedded SQLite database lives when DATABASE_URL is not set.
    pub state_dir: PathBuf,
    /// Folder of real NBA data (the shared data folder); loaded into an empty store.
    pub data_dir: Option<PathBuf>,
    pub bind: SocketAddr,
    pub log_level: String,
    /// auto (pretty on a terminal, JSON otherwise), json or pretty.
    pub log_format: String,
    pub db_max_connections: Option<u32>,
    /// Host names allowed to reach /mcp (DNS-rebinding guard); empty = loopback only.
    pub allowed_hosts: Vec<String>,
    /// On an empty store: load data_dir if set, else a demo (simulated) league; and train
    /// a champion model when the model store has none.
    pub auto_load: bool,
    /// The model registry: a folder, `s3://bucket/prefix` on the S3 API, or an MLflow
    /// tracking server (`http(s)://`; `MLFLOW_TRACKING_URI` when this is not set). Default:
    /// the state directory; `S3_BUCKET` alone means `s3://<S3_BUCKET>/models`.
    pub model_store: String,
    /// The model to serve: an alias or `name@version` (default `champion`).
    pub model: String,
    /// Health checks, alerts and drift (the `[ops]` table; see OPERATIONS_GUIDE.md).
    pub ops: nba_ops::OpsConfig,
    /// PEM certificate chain and private key: `serve` speaks HTTPS when both are set.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// "1.3" (default) or "1.2" (also accept TLS 1.2 clients).
    pub tls_min_version: String,
    /// The key file that encrypts backups (64 hex digits; `backup keygen` writes one).
    pub backup_key_file: Option<PathBuf>,
    /// Where `serve` writes scheduled backups (none: the server takes none).
    pub backup_dir: Option<PathBuf>,
    /// Seconds between scheduled backups (default a day).
    pub backup_interval_s: u64,
    /// Seconds between journal exports of the audit and prediction logs (0: none).
    pub backup_journal_s: u64,
    /// Scheduled backups older than this many days are pruned (the newest is always kept).
    pub backup_max_age_days: u32,
    /// Serve plain HTTP on a non-loopback address (behind a proxy that terminates TLS).
    pub allow_plain_http: bool,
    /// Authentication, roles, rate limits (see SECURITY.md).
    pub access: AccessSettings,
    /// Every bound the server enforces (the `[limits]` table).
    pub limits: crate::limits::Limits,
}

/// Access control settings.
#[derive(Debug, Clone)]
pub struct AccessSettings {
    /// `ENABLE_RBAC=false`: no authentication, everyone is an anonymous admin. Loopback
    /// only, with a loud warning.
    pub enable_rbac: bool,
    /// The API key of the stdio client (`NBA_MCP_API_KEY` or `NBA_MCP_API_KEY_FILE`).
    pub api_key: Option<SecretString>,
    /// The role of the stdio client when no key is configured.
    pub stdio_role: nba_auth::Role,
    /// OAuth access tokens: the issuer and its JWKS (a file), both or neither.
    pub oauth_issuer: Option<String>,
    pub oauth_jwks_file: Option<PathBuf>,
    /// The public URL of the MCP endpoint (`https://nba.example.com/mcp`): the audience of
    /// OAuth tokens. Default: derived from the request's Host.
    pub resource_url: Option<String>,
    /// Per-principal requests per second and burst; 0 turns the limit off.
    pub rate_limit_per_s: f64,
    pub rate_limit_burst: f64,
    /// Browser origins allowed on /mcp (default: loopback pages).
    pub allowed_origins: Vec<String>,
}

/// The TOML file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    state_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    bind: Option<String>,
    log_level: Option<String>,
    log_format: Option<String>,
    db_max_connections: Option<u32>,
    allowed_hosts: Option<Vec<String>>,
    auto_load: Option<bool>,
    model_store: Option<String>,
    model: Option<String>,
    ops: Option<nba_ops::OpsConfig>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_min_version: Option<String>,
    backup_key_file: Option<PathBuf>,
    backup_dir: Option<PathBuf>,
    backup_interval_s: Option<u64>,
    backup_journal_s: Option<u64>,
    backup_max_age_days: Option<u32>,
    allow_plain_http: Option<bool>,
    enable_rbac: Option<bool>,
    stdio_role: Option<String>,
    oauth_issuer: Option<String>,
    oauth_jwks_file: Option<PathBuf>,
    resource_url: Option<String>,
    rate_limit_per_s: Option<f64>,
    rate_limit_burst: Option<f64>,
    allowed_origins: Option<Vec<String>>,
    limits: Option<std::collections::BTreeMap<String, toml::Value>>,
}

const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error"];

impl Settings {
    /// Loads and validates settings. `env` is injected so tests need not touch the process.
    pub fn load(config: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings> {
        let file: FileSettings = match config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let state_dir = env("NBA_MCP_STATE_DIR")
            .map(PathBuf::from)
            .or(file.state_dir)
            .unwrap_or_else(|| PathBuf::from(".nba-mcp"));
        let database_url = secret_env(env, "DATABASE_URL")?
            .map(|s| s.expose_secret().to_string())
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", state_dir.join("nba.db").display()));
        nba_store::Backend::from_url(&database_url)
            .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
        let data_dir = env("NBA_MCP_DATA_DIR").map(PathBuf::from).or(file.data_dir);
        if let Some(d) = &data_dir {
            if !d.is_dir() {
                bail!("NBA_MCP_DATA_DIR: '{}' is not a folder", d.display());
            }
        }
        let bind_text = env("NBA_MCP_BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            anyhow::anyhow!("NBA_MCP_BIND: '{bind_text}' is not an address like 127.0.0.1:8080")
        })?;
        let log_level = env("LOG_LEVEL")
            .or(file.log_level)
            .unwrap_or_else(|| "info".into())
            .to_lowercase();
        if !LEVELS.contains(&log_level.as_str()) {
            bail!(
                "LOG_LEVEL: '{log_level}' is not one of {}",
                LEVELS.join(", ")
            );
        }
        let log_format = env("LOG_FORMAT")
            .or(file.log_format)
            .unwrap_or_else(|| "auto".into())
            .to_lowercase();
        if !["auto", "json", "pretty"].contains(&log_format.as_str()) {
            bail!("LOG_FORMAT: '{log_format}' is not one of auto, json, pretty");
        }
        let db_max_connections = match env("NBA_MCP_DB_MAX_CONNECTIONS") {
            Some(v) => Some(v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                anyhow::anyhow!("NBA_MCP_DB_MAX_CONNECTIONS: '{v}' is not a positive integer")
            })?),
            None => file.db_max_connections,
        };
        if db_max_connections == Some(0) {
            bail!("db_max_connections: must be at least 1");
        }
        let allowed_hosts = match env("NBA_MCP_ALLOWED_HOSTS") {
            Some(v) => v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.allowed_hosts.unwrap_or_default(),
        };
        let auto_load = match env("NBA_MCP_AUTO_LOAD") {
            Some(v) => match v.to_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => bail!("NBA_MCP_AUTO_LOAD: '{v}' is not true or false"),
            },
            None => file.auto_load.unwrap_or(true),
        };
        let model_store = env("NBA_MCP_MODEL_STORE")
            .or(file.model_store)
            .or_else(|| env("MLFLOW_TRACKING_URI"))
            .or_else(|| env("S3_BUCKET").map(|b| format!("s3://{}/models", b.trim())))
            .unwrap_or_else(|| state_dir.display().to_string());
        if model_store.starts_with("s3://") {
            nba_registry::s3::S3Url::parse(&model_store)
                .map_err(|e| anyhow::anyhow!("NBA_MCP_MODEL_STORE (or S3_BUCKET): {e}"))?;
        } else if model_store.starts_with("http://") || model_store.starts_with("https://") {
            nba_registry::MlflowRegistry::new(&model_store).map_err(|e| {
                anyhow::anyhow!("NBA_MCP_MODEL_STORE (or MLFLOW_TRACKING_URI): {e}")
            })?;
        } else if model_store.contains("://") || model_store.trim().is_empty() {
            bail!(
                "NBA_MCP_MODEL_STORE: '{model_store}' is not a folder, s3://bucket/prefix or an MLflow http(s):// URL"
            );
        }
        let model = env("NBA_MCP_MODEL")
            .or(file.model)
            .unwrap_or_else(|| "champion".into());
        if model.trim().is_empty() {
            bail!("NBA_MCP_MODEL: must name an alias or name@version");
        }
        let tls_min_version = env("NBA_MCP_TLS_MIN_VERSION")
            .or(file.tls_min_version)
            .unwrap_or_else(|| "1.3".into());
        if !["1.2", "1.3"].contains(&tls_min_version.as_str()) {
            bail!("NBA_MCP_TLS_MIN_VERSION: '{tls_min_version}' is not 1.2 or 1.3");
        }
        let allow_plain_http = match env("NBA_MCP_ALLOW_PLAIN_HTTP") {
            Some(v) => parse_bool("NBA_MCP_ALLOW_PLAIN_HTTP", &v)?,
            None => file.allow_plain_http.unwrap_or(false),
        };
        let tls_cert = env("NBA_MCP_TLS_CERT").map(PathBuf::from).or(file.tls_cert);
        let tls_key = env("NBA_MCP_TLS_KEY").map(PathBuf::from).or(file.tls_key);
        let backup_key_file = env("NBA_MCP_BACKUP_KEY_FILE")
            .map(PathBuf::from)
            .or(file.backup_key_file);
        let backup_dir = env("NBA_MCP_BACKUP_DIR")
            .map(PathBuf::from)
            .or(file.backup_dir);
        let backup_interval_s = match env("NBA_MCP_BACKUP_INTERVAL_S") {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 60)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "NBA_MCP_BACKUP_INTERVAL_S: '{v}' is not a number of seconds >= 60"
                    )
                })?,
            None => file.backup_interval_s.unwrap_or(86_400),
        };
        anyhow::ensure!(
            backup_interval_s >= 60,
            "backup_interval_s: {backup_interval_s} is below the minimum of 60 seconds"
        );
        let backup_journal_s = match env("NBA_MCP_BACKUP_JOURNAL_S") {
            Some(v) => v.trim().parse::<u64>().map_err(|_| {
                anyhow::anyhow!(
                    "NBA_MCP_BACKUP_JOURNAL_S: '{v}' is not a number of seconds (0: off)"
                )
            })?,
            None => file.backup_journal_s.unwrap_or(60),
        };
        let backup_max_age_days = match env("NBA_MCP_BACKUP_MAX_AGE_DAYS") {
            Some(v) => v.trim().parse::<u32>().map_err(|_| {
                anyhow::anyhow!("NBA_MCP_BACKUP_MAX_AGE_DAYS: '{v}' is not a number of days")
            })?,
            None => file.backup_max_age_days.unwrap_or(30),
        };
        anyhow::ensure!(
            backup_dir.is_none() || backup_key_file.is_some(),
            "NBA_MCP_BACKUP_DIR is set but no NBA_MCP_BACKUP_KEY_FILE: scheduled backups are encrypted (`nba-mcp backup keygen --out FILE` makes a key)"
        );
        let mut ops = file.ops.unwrap_or_default();
        ops.apply_env(env).map_err(|e| anyhow::anyhow!("{e}"))?;
        ops.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
        let enable_rbac = match env("ENABLE_RBAC").or_else(|| env("NBA_MCP_ENABLE_RBAC")) {
            Some(v) => parse_bool("ENABLE_RBAC", &v)?,
            None => file.enable_rbac.unwrap_or(true),
        };
        let stdio_role_text = env("NBA_MCP_STDIO_ROLE")
            .or(file.stdio_role)
            .unwrap_or_else(|| "viewer".into());
        let stdio_role = stdio_role_text
            .parse()
            .map_err(|e| anyhow::anyhow!("NBA_MCP_STDIO_ROLE: {e}"))?;
        let api_key = secret_env(env, "NBA_MCP_API_KEY")?;
        if let Some(k) = &api_key {
            nba_auth::keys::check_format(k.expose_secret().trim())
                .map_err(|e| anyhow::anyhow!("NBA_MCP_API_KEY: {e}"))?;
        }
        let oauth_issuer = env("NBA_MCP_OAUTH_ISSUER").or(file.oauth_issuer);
        let oauth_jwks_file = env("NBA_MCP_OAUTH_JWKS_FILE")
            .map(PathBuf::from)
            .or(file.oauth_jwks_file);
        match (&oauth_issuer, &oauth_jwks_file) {
            (Some(_), None) => bail!("NBA_MCP_OAUTH_JWKS_FILE: missing; NBA_MCP_OAUTH_ISSUER is set and tokens need the issuer's keys"),
            (None, Some(_)) => bail!("NBA_MCP_OAUTH_ISSUER: missing; NBA_MCP_OAUTH_JWKS_FILE is set and needs the issuer it trusts"),
            _ => {}
        }
        let resource_url = env("NBA_MCP_RESOURCE_URL").or(file.resource_url);
        if let Some(u) = &resource_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.ends_with('/') {
                bail!("NBA_MCP_RESOURCE_URL: '{u}' is not an absolute URL like https://nba.example.com/mcp (no trailing slash)");
            }
        }
        let number = |key: &str, file: Option<f64>, default: f64| -> Result<f64> {
            match env(key) {
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| anyhow::anyhow!("{key}: '{v}' is not a number >= 0")),
                None => Ok(file.unwrap_or(default)),
            }
        };
        let rate_limit_per_s = number("NBA_MCP_RATE_LIMIT_PER_S", file.rate_limit_per_s, 100.0)?;
        let rate_limit_burst = number("NBA_MCP_RATE_LIMIT_BURST", file.rate_limit_burst, 200.0)?;
        if rate_limit_per_s > 0.0 && rate_limit_burst < 1.0 {
            bail!(
                "NBA_MCP_RATE_LIMIT_BURST: must be at least 1 when NBA_MCP_RATE_LIMIT_PER_S is set"
            );
        }
        let allowed_origins = match env("NBA_MCP_ALLOWED_ORIGINS") {
            Some(v) => v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.allowed_origins.unwrap_or_default(),
        };
        let access = AccessSettings {
            enable_rbac,
            api_key,
            stdio_role,
            oauth_issuer,
            oauth_jwks_file,
            resource_url,
            rate_limit_per_s,
            rate_limit_burst,
            allowed_origins,
        };
        let limits = crate::limits::Limits::load(file.limits.as_ref(), env)?;
        Ok(Settings {
            limits,
            access,
            tls_cert,
            tls_key,
            tls_min_version,
            backup_key_file,
            backup_dir,
            backup_interval_s,
            backup_journal_s,
            backup_max_age_days,
            allow_plain_http,
            ops,
            model_store,
            model,
            database_url: SecretString::from(database_url),
            state_dir,
            data_dir,
            bind,
            log_level,
            log_format,
            db_max_connections,
            allowed_hosts,
            auto_load,
        })
    }

    /// The effective settings as TOML, with secrets redacted.
    pub fn redacted(&self) -> String {
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| format!("{:?}", p.display().to_string()))
                .unwrap_or_else(|| "\"\" # not set".into())
        };
        let tls = format!(
            "tls_cert = {}\ntls_key = {}\ntls_min_version = {:?}\nallow_plain_http = {}\nbackup_key_file = {}\nbackup_dir = {}\nbackup_interval_s = {}\nbackup_journal_s = {}\nbackup_max_age_days = {}\n",
            path(&self.tls_cert),
            path(&self.tls_key),
            self.tls_min_version,
            self.allow_plain_http,
            path(&self.backup_key_file),
            path(&self.backup_dir),
            self.backup_interval_s,
            self.backup_journal_s,
            self.backup_max_age_days
        );
        format!(
            "database_url = {:?}\nstate_dir = {:?}\ndata_dir = {}\nbind = \"{}\"\nlog_level = \"{}\"\nlog_format = \"{}\"\ndb_max_connections = {}\nallowed_hosts = {}\nauto_load = {}\nmodel_store = {:?}\nmodel = {:?}\n",
            nba_store::redact_url(self.database_url.expose_secret()),
            self.state_dir.display().to_string(),
            self.data_dir.as_ref().map(|d| format!("{:?}", d.display().to_string())).unwrap_or_else(|| "\"\" # not set".into()),
            self.bind,
            self.log_level,
            self.log_format,
            self.db_max_connections.map(|n| n.to_string()).unwrap_or_else(|| "\"default\" # 100 for PostgreSQL, 8 for SQLite".into()),
            AllowedHosts(&self.allowed_hosts),
            self.auto_load,
            nba_store::redact_url(&self.model_store),
            self.model,
        ) + &tls
            + &self.access.redacted()
            + &self.limits.redacted()
            + &self.ops.redacted()
    }

    /// The model registry `model_store` names (a folder, or a bucket on the S3 API reached
    /// with the `AWS_*` environment).
    pub fn registry(&self) -> Result<std::sync::Arc<dyn nba_registry::ModelRegistry>> {
        nba_registry::open(&self.model_store, &nba_registry::s3::S3Options::default())
            .map_err(|e| anyhow::anyhow!("model store: {e}"))
    }

    /// What `serve` needs beyond `load`, checked after the command line has overridden the
    /// bind address and TLS files: the TLS files come in pairs, and plain HTTP (credentials
    /// and tokens in clear) stays on loopback unless NBA_MCP_ALLOW_PLAIN_HTTP says otherwise.
    pub fn check_serve(&self) -> Result<()> {
        if !self.access.enable_rbac && !self.bind.ip().is_loopback() {
            bail!(
                "ENABLE_RBAC=false is allowed only on a loopback address, and NBA_MCP_BIND is {}: turn RBAC on or bind 127.0.0.1",
                self.bind
            );
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => bail!("NBA_MCP_TLS_KEY (--tls-key): missing; NBA_MCP_TLS_CERT (--tls-cert) is set and needs its private key"),
            (None, Some(_)) => bail!("NBA_MCP_TLS_CERT (--tls-cert): missing; NBA_MCP_TLS_KEY (--tls-key) is set and needs its certificate"),
            (Some(_), Some(_)) => return Ok(()),
            (None, None) => {}
        }
        if self.bind.ip().is_loopback() {
            return Ok(());
        }
        if !self.allow_plain_http {
            bail!(
                "refusing to serve plain HTTP on {}, which is not a loopback address: give a certificate with --tls-cert and --tls-key (NBA_MCP_TLS_CERT, NBA_MCP_TLS_KEY), bind 127.0.0.1, or set NBA_MCP_ALLOW_PLAIN_HTTP=true when a proxy in front terminates TLS",
                self.bind
            );
        }
        tracing::warn!(
            bind = %self.bind,
            "PLAIN HTTP ON A NON-LOOPBACK ADDRESS (NBA_MCP_ALLOW_PLAIN_HTTP=true): credentials and data cross the network unencrypted unless a proxy in front terminates TLS"
        );
        Ok(())
    }

    pub fn store_options(&self) -> nba_store::StoreOptions {
        let mut o = nba_store::StoreOptions::new(self.database_url.expose_secret().to_string());
        o.max_connections = self.db_max_connections;
        o.acquire_timeout = self.limits.db_acquire_timeout;
        o
    }
}

impl AccessSettings {
    fn redacted(&self) -> String {
        format!(
            "enable_rbac = {}\n# NBA_MCP_API_KEY: {}\nstdio_role = {:?}\noauth_issuer = {:?}\noauth_jwks_file = {:?}\nresource_url = {:?}\nrate_limit_per_s = {}\nrate_limit_burst = {}\nallowed_origins = {:?}\n",
            self.enable_rbac,
            if self.api_key.is_some() { "set ([REDACTED])" } else { "not set" },
            self.stdio_role.as_str(),
            self.oauth_issuer.clone().unwrap_or_default(),
            self.oauth_jwks_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            self.resource_url.clone().unwrap_or_default(),
            self.rate_limit_per_s,
            self.rate_limit_burst,
            self.allowed_origins,
        )
    }

    /// The rate limit, or `None` when turned off.
    pub fn rate_limit(&self) -> Option<nba_auth::ratelimit::RateLimit> {
        (self.rate_limit_per_s > 0.0).then_some(nba_auth::ratelimit::RateLimit {
            per_second: self.rate_limit_per_s,
            burst: self.rate_limit_burst,
        })
    }
}

/// A secret from `KEY`, or from the file named by `KEY_FILE` (trailing newline dropped);
/// setting both is an error, so it is never unclear which one is used.
fn secret_env(env: &dyn Fn(&str) -> Option<String>, key: &str) -> Result<Option<SecretString>> {
    let file_key = format!("{key}_FILE");
    match (env(key), env(&file_key)) {
        (Some(_), Some(_)) => bail!("{key} and {file_key} are both set; set one"),
        (Some(v), None) => Ok(Some(SecretString::from(v))),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{file_key}: cannot read '{path}'"))?;
            Ok(Some(SecretString::from(
                text.trim_end_matches(['\n', '\r']).to_string(),
            )))
        }
        (None, None) => Ok(None),
    }
}

fn parse_bool(key: &str, v: &str) -> Result<bool> {
    match v.to_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => bail!("{key}: '{v}' is not true or false"),
    }
}

/// `allowed_hosts` as `config check` prints it: the list, or the loopback default it means.
struct AllowedHosts<'a>(&'a [String]);

impl std::fmt::Display for AllowedHosts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            write!(
                f,
                "[] # default: loopback names only (localhost, 127.0.0.1, [::1])"
            )
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(None, &|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_valid() {
        let s = load(&[]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.database_url.expose_secret().starts_with("sqlite://"));
        // The empty list is shown with what it means, not as if nothing were allowed.
        assert!(s
            .redacted()
            .contains("allowed_hosts = [] # default: loopback names only"));
        let s = load(&[("NBA_MCP_ALLOWED_HOSTS", "nba.example.com")]).unwrap();
        assert!(s
            .redacted()
            .contains("allowed_hosts = [\"nba.example.com\"]\n"));
    }

    #[test]
    fn config_check_shows_the_ops_table_and_hides_its_secrets() {
        let url = "https://hooks.example.com/services/T000/B000/very-secret-token";
        let s = load(&[
            ("NBA_MCP_ALERT_SLACK_WEBHOOK_URL", url),
            ("NBA_MCP_HEALTH_INTERVAL_S", "7"),
        ])
        .unwrap();
        let text = s.redacted();
        assert!(!text.contains("very-secret-token"), "{text}");
        // The [ops] part is TOML that reads back as the effective settings (secrets aside).
        let ops = &text[text.find("[ops").expect("an [ops] table")..];
        let table: toml::Table = toml::from_str(ops).unwrap();
        let ops = &table["ops"];
        assert_eq!(ops["health"]["interval_s"].as_integer(), Some(7));
        assert_eq!(
            ops["alerts"]["evaluation_interval_s"].as_integer(),
            Some(15)
        );
        let channel = &ops["alerts"]["channels"][0];
        assert_eq!(channel["kind"].as_str(), Some("slack"));
        assert_eq!(channel["url"].as_str(), Some("<redacted>"));
        assert_eq!(ops["drift"]["psi_alert"].as_float(), Some(0.2));
        // An MLflow tracking URI with a password in it is shown without it.
        let s = load(&[(
            "MLFLOW_TRACKING_URI",
            "https://ops:hunter22@mlflow.example.com",
        )])
        .unwrap();
        assert_eq!(s.model_store, "https://ops:hunter22@mlflow.example.com");
        assert!(!s.redacted().contains("hunter22"), "{}", s.redacted());
    }

    #[test]
    fn bad_values_name_their_key() {
        for (k, v) in [
            ("NBA_MCP_BIND", "nowhere"),
            ("LOG_LEVEL", "loud"),
            ("DATABASE_URL", "mysql://x"),
            ("NBA_MCP_DB_MAX_CONNECTIONS", "0"),
            ("NBA_MCP_TLS_MIN_VERSION", "1.1"),
            ("NBA_MCP_ALLOW_PLAIN_HTTP", "maybe"),
        ] {
            let e = load(&[(k, v)]).unwrap_err().to_string();
            assert!(e.contains(k), "{k}: {e}");
        }
    }

    #[test]
    fn plain_http_stays_on_loopback_unless_allowed() {
        assert!(load(&[]).unwrap().check_serve().is_ok());
        assert!(load(&[("NBA_MCP_BIND", "[::1]:0")])
            .unwrap()
            .check_serve()
            .is_ok());
        for bind in ["0.0.0.0:8080", "[::]:8080", "192.168.1.5:80"] {
            let e = load(&[("NBA_MCP_BIND", bind)])
                .unwrap()
                .check_serve()
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("NBA_MCP_ALLOW_PLAIN_HTTP") && e.contains("--tls-cert"),
                "{e}"
            );
        }
        let allowed = load(&[
            ("NBA_MCP_BIND", "0.0.0.0:8080"),
            ("NBA_MCP_ALLOW_PLAIN_HTTP", "true"),
        ])
        .unwrap();
        assert!(allowed.check_serve().is_ok());
        let tls = load(&[
            ("NBA_MCP_BIND", "0.0.0.0:8443"),
            ("NBA_MCP_TLS_CERT", "/etc/nba/cert.pem"),
            ("NBA_MCP_TLS_KEY", "/etc/nba/key.pem"),
        ])
        .unwrap();
        assert!(tls.check_serve().is_ok());
        assert_eq!(tls.tls_min_version, "1.3");
    }

    #[test]
    fn tls_files_come_in_pairs() {
        let e = load(&[("NBA_MCP_TLS_CERT", "/etc/nba/cert.pem")])
            .unwrap()
            .check_serve()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NBA_MCP_TLS_KEY"), "{e}");
        let e = load(&[("NBA_MCP_TLS_KEY", "/etc/nba/key.pem")])
            .unwrap()
            .check_serve()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NBA_MCP_TLS_CERT"), "{e}");
        let s = load(&[
            ("NBA_MCP_TLS_CERT", "/etc/nba/cert.pem"),
            ("NBA_MCP_TLS_KEY", "/etc/nba/key.pem"),
            ("NBA_MCP_TLS_MIN_VERSION", "1.2"),
        ])
        .unwrap();
        let shown = s.redacted();
        assert!(
            shown.contains("tls_cert = \"/etc/nba/cert.pem\"")
                && shown.contains("tls_min_version = \"1.2\""),
            "{shown}"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let s = load(&[("DATABASE_URL", "postgres://u:hunter2@localhost/db")]).unwrap();
        assert!(!s.redacted().contains("hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
