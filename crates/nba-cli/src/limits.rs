//! The `[limits]` settings: every bound the server enforces (deadlines, concurrency,
//! connections, sessions, answer sizes, log retention, outage grace), from the TOML table
//! and `NBA_MCP_<KEY>` environment variables. Each is a positive integer (a few may be 0 to
//! turn a feature off); a bad value stops start-up naming the key. Defaults and meanings: OPERATIONS_GUIDE.md, "Limits and
//! degradation".

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Result};

/// The effective limits, split by the layer that enforces them.
#[derive(Debug, Clone)]
pub struct Limits {
    pub app: nba_app::Limits,
    pub server: nba_http::ServerLimits,
    /// Longest a request waits for a database connection (then 503); also how long one
    /// waits while the database is unreachable.
    pub db_acquire_timeout: Duration,
    /// Model versions kept loaded in the model cache (0: none).
    pub model_cache_entries: usize,
    /// How often serving asks the registry which version the served alias points at (and
    /// the store whether new games arrived): a promotion anywhere is served within this.
    pub model_refresh: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            app: nba_app::Limits::default(),
            server: nba_http::ServerLimits::default(),
            db_acquire_timeout: DB_ACQUIRE_TIMEOUT,
            model_cache_entries: nba_app::DEFAULT_MODEL_CACHE_ENTRIES,
            model_refresh: nba_app::serving::MODEL_REFRESH,
        }
    }
}

const DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// One `[limits]` key: how to read it from the limits and how to set it.
struct Key {
    name: &'static str,
    get: fn(&Limits) -> u64,
    set: fn(&mut Limits, u64),
    /// 0 is allowed (it turns the feature off); otherwise a value must be positive.
    zero_ok: bool,
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

macro_rules! key {
    ($name:literal, $l:ident => $field:expr, $v:ident => $set:expr) => {
        key!($name, $l => $field, $v => $set, false)
    };
    ($name:literal, $l:ident => $field:expr, $v:ident => $set:expr, $zero:expr) => {
        Key {
            name: $name,
            get: |$l: &Limits| ($field) as u64,
            set: |$l: &mut Limits, $v: u64| $set,
            zero_ok: $zero,
        }
    };
}

/// Every key, in the order `config check` prints them: the only list.
const KEYS: &[Key] = &[
    key!("tool_timeout_s", l => secs(l.app.tool_timeout), v => l.app.tool_timeout = Duration::from_secs(v)),
    key!("max_calls", l => l.app.max_calls, v => l.app.max_calls = v as usize),
    key!("max_calls_per_principal", l => l.app.max_calls_per_principal, v => l.app.max_calls_per_principal = v as usize),
    key!("cpu_workers", l => l.app.cpu_workers, v => l.app.cpu_workers = v as usize),
    key!("cpu_jobs_per_principal", l => l.app.cpu_jobs_per_principal, v => l.app.cpu_jobs_per_principal = v as usize),
    key!("cpu_queue", l => l.app.cpu_queue, v => l.app.cpu_queue = v as usize),
    key!("max_answer_bytes", l => l.app.max_answer_bytes, v => l.app.max_answer_bytes = v as usize),
    key!("batch_log_sample", l => l.app.batch_log_sample, v => l.app.batch_log_sample = v as usize),
    key!("max_sessions", l => l.app.max_sessions, v => l.app.max_sessions = v as usize),
    key!("max_sessions_per_principal", l => l.app.max_sessions_per_principal, v => l.app.max_sessions_per_principal = v as usize),
    key!("prediction_log_max_age_days", l => l.app.prediction_log_max_age_days, v => l.app.prediction_log_max_age_days = v),
    key!("prediction_log_max_rows", l => l.app.prediction_log_max_rows, v => l.app.prediction_log_max_rows = v),
    key!("prediction_log_max_per_s", l => l.app.prediction_log_max_per_s, v => l.app.prediction_log_max_per_s = v.min(u32::MAX as u64) as u32),
    key!("audit_log_max_age_days", l => l.app.audit_log_max_age_days, v => l.app.audit_log_max_age_days = v),
    key!("audit_log_max_rows", l => l.app.audit_log_max_rows, v => l.app.audit_log_max_rows = v),
    key!("auth_grace_s", l => secs(l.app.auth_grace), v => l.app.auth_grace = Duration::from_secs(v)),
    key!("audit_queue", l => l.app.audit_queue, v => l.app.audit_queue = v as usize),
    key!("audit_spill_max_bytes", l => l.app.audit_spill_max_bytes, v => l.app.audit_spill_max_bytes = v),
    key!("answer_cache_entries", l => l.app.answer_cache.entries, v => l.app.answer_cache.entries = v as usize, true),
    key!("answer_cache_bytes", l => l.app.answer_cache.bytes, v => l.app.answer_cache.bytes = v as usize),
    key!("answer_cache_ttl_s", l => secs(l.app.answer_cache.ttl), v => l.app.answer_cache.ttl = Duration::from_secs(v)),
    key!("model_cache_entries", l => l.model_cache_entries, v => l.model_cache_entries = v as usize, true),
    key!("model_refresh_ms", l => l.model_refresh.as_millis(), v => l.model_refresh = Duration::from_millis(v)),
    key!("data_version_check_ms", l => l.app.data_version_every.as_millis(), v => l.app.data_version_every = Duration::from_millis(v)),
    key!("max_connections", l => l.server.max_connections, v => l.server.max_connections = v as usize),
    key!("header_timeout_s", l => secs(l.server.header_timeout), v => l.server.header_timeout = Duration::from_secs(v)),
    key!("body_timeout_s", l => secs(l.server.body_timeout), v => l.server.body_timeout = Duration::from_secs(v)),
    key!("write_timeout_s", l => secs(l.server.write_timeout), v => l.server.write_timeout = Duration::from_secs(v)),
    key!("idle_timeout_s", l => secs(l.server.idle_timeout), v => l.server.idle_timeout = Duration::from_secs(v)),
    key!("handshake_timeout_s", l => secs(l.server.handshake_timeout), v => l.server.handshake_timeout = Duration::from_secs(v)),
    key!("shutdown_grace_s", l => secs(l.server.shutdown_grace), v => l.server.shutdown_grace = Duration::from_secs(v)),
    key!("db_acquire_timeout_s", l => secs(l.db_acquire_timeout), v => l.db_acquire_timeout = Duration::from_secs(v)),
];

impl Limits {
    /// Defaults, then the file's `[limits]` table, then `NBA_MCP_<KEY>` variables.
    pub fn load(
        file: Option<&BTreeMap<String, toml::Value>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Limits> {
        if let Some(table) = file {
            for name in table.keys() {
                if !KEYS.iter().any(|k| k.name == name) {
                    bail!(
                        "[limits] {name}: unknown key; known keys: {}",
                        KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    );
                }
            }
        }
        let mut limits = Limits::default();
        for key in KEYS {
            let var = format!("NBA_MCP_{}", key.name.to_ascii_uppercase());
            let allowed = |n: u64| n > 0 || key.zero_ok;
            let what = if key.zero_ok {
                "a non-negative integer"
            } else {
                "a positive integer"
            };
            let value = match (env(&var), file.and_then(|t| t.get(key.name))) {
                (Some(v), _) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| allowed(*n))
                    .ok_or_else(|| anyhow::anyhow!("{var}: '{v}' is not {what}"))?,
                (None, Some(v)) => v
                    .as_integer()
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|n| allowed(*n))
                    .ok_or_else(|| anyhow::anyhow!("[limits] {}: {v} is not {what}", key.name))?,
                (None, None) => continue,
            };
            (key.set)(&mut limits, value);
        }
        if limits.app.max_calls_per_principal > limits.app.max_calls {
            bail!(
                "[limits] max_calls_per_principal ({}) is larger than max_calls ({})",
                limits.app.max_calls_per_principal,
                limits.app.max_calls
            );
        }
        if limits.app.max_sessions_per_principal > limits.app.max_sessions {
            bail!(
                "[limits] max_sessions_per_principal ({}) is larger than max_sessions ({})",
                limits.app.max_sessions_per_principal,
                limits.app.max_sessions
            );
        }
        Ok(limits)
    }

    /// The `[limits]` table as `config check` prints it.
    pub fn redacted(&self) -> String {
        let mut out = String::from("\n[limits]\n");
        for key in KEYS {
            out.push_str(&format!("{} = {}\n", key.name, (key.get)(self)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_overrides_defaults_and_bad_values_name_the_key() {
        let mut table = BTreeMap::new();
        table.insert("max_calls".to_string(), toml::Value::Integer(50));
        table.insert("tool_timeout_s".to_string(), toml::Value::Integer(7));
        let env = |k: &str| (k == "NBA_MCP_MAX_CALLS").then(|| "40".to_string());
        let l = Limits::load(Some(&table), &env).unwrap();
        assert_eq!(l.app.max_calls, 40);
        assert_eq!(l.app.tool_timeout, Duration::from_secs(7));
        assert_eq!(l.server.max_connections, 4096);
        assert!(l.redacted().contains("max_calls = 40\n"));

        let env = |k: &str| (k == "NBA_MCP_HEADER_TIMEOUT_S").then(|| "0".to_string());
        let e = Limits::load(None, &env).unwrap_err().to_string();
        assert!(e.contains("NBA_MCP_HEADER_TIMEOUT_S"), "{e}");

        let mut table = BTreeMap::new();
        table.insert("max_conections".to_string(), toml::Value::Integer(5));
        let e = Limits::load(Some(&table), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_conections: unknown key"), "{e}");
    }

    #[test]
    fn every_key_round_trips_and_zero_only_where_it_turns_a_feature_off() {
        let mut l = Limits::default();
        for (i, key) in KEYS.iter().enumerate() {
            (key.set)(&mut l, 1000 + i as u64);
            assert_eq!((key.get)(&l), 1000 + i as u64, "{}", key.name);
        }
        let env = |k: &str| (k == "NBA_MCP_ANSWER_CACHE_ENTRIES").then(|| "0".to_string());
        assert_eq!(
            Limits::load(None, &env).unwrap().app.answer_cache.entries,
            0
        );
        let env = |k: &str| (k == "NBA_MCP_ANSWER_CACHE_BYTES").then(|| "0".to_string());
        assert!(Limits::load(None, &env).is_err());
    }
}
