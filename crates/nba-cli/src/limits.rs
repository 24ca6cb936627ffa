//! The `[limits]` settings: every bound the server enforces (deadlines, concurrency,
//! connections, sessions, answer sizes, log retention, outage grace), from the TOML table
//! and `NBA_MCP_<KEY>` environment variables. Each is a positive integer; a bad value stops
//! start-up naming the key. Defaults and meanings: OPERATIONS_GUIDE.md, "Limits and
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
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            app: nba_app::Limits::default(),
            server: nba_http::ServerLimits::default(),
            db_acquire_timeout: DB_ACQUIRE_TIMEOUT,
        }
    }
}

const DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// Every key with its default, in the order `config check` prints them.
fn defaults() -> Vec<(&'static str, u64)> {
    let (a, s) = (
        nba_app::Limits::default(),
        nba_http::ServerLimits::default(),
    );
    vec![
        ("tool_timeout_s", a.tool_timeout.as_secs()),
        ("max_calls", a.max_calls as u64),
        ("max_calls_per_principal", a.max_calls_per_principal as u64),
        ("cpu_workers", a.cpu_workers as u64),
        ("cpu_jobs_per_principal", a.cpu_jobs_per_principal as u64),
        ("cpu_queue", a.cpu_queue as u64),
        ("max_answer_bytes", a.max_answer_bytes as u64),
        ("batch_log_sample", a.batch_log_sample as u64),
        ("max_sessions", a.max_sessions as u64),
        (
            "max_sessions_per_principal",
            a.max_sessions_per_principal as u64,
        ),
        ("prediction_log_max_age_days", a.prediction_log_max_age_days),
        ("prediction_log_max_rows", a.prediction_log_max_rows),
        (
            "prediction_log_max_per_s",
            a.prediction_log_max_per_s as u64,
        ),
        ("audit_log_max_age_days", a.audit_log_max_age_days),
        ("audit_log_max_rows", a.audit_log_max_rows),
        ("auth_grace_s", a.auth_grace.as_secs()),
        ("audit_queue", a.audit_queue as u64),
        ("audit_spill_max_bytes", a.audit_spill_max_bytes),
        ("max_connections", s.max_connections as u64),
        ("header_timeout_s", s.header_timeout.as_secs()),
        ("body_timeout_s", s.body_timeout.as_secs()),
        ("write_timeout_s", s.write_timeout.as_secs()),
        ("idle_timeout_s", s.idle_timeout.as_secs()),
        ("handshake_timeout_s", s.handshake_timeout.as_secs()),
        ("shutdown_grace_s", s.shutdown_grace.as_secs()),
        ("db_acquire_timeout_s", DB_ACQUIRE_TIMEOUT.as_secs()),
    ]
}

impl Limits {
    /// Defaults, then the file's `[limits]` table, then `NBA_MCP_<KEY>` variables.
    pub fn load(
        file: Option<&BTreeMap<String, toml::Value>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Limits> {
        let defaults = defaults();
        if let Some(table) = file {
            for key in table.keys() {
                if !defaults.iter().any(|(k, _)| k == key) {
                    bail!(
                        "[limits] {key}: unknown key; known keys: {}",
                        defaults
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
        }
        let mut values = BTreeMap::new();
        for (key, default) in defaults {
            let var = format!("NBA_MCP_{}", key.to_ascii_uppercase());
            let value = match (env(&var), file.and_then(|t| t.get(key))) {
                (Some(v), _) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| anyhow::anyhow!("{var}: '{v}' is not a positive integer"))?,
                (None, Some(v)) => v
                    .as_integer()
                    .filter(|n| *n > 0)
                    .map(|n| n as u64)
                    .ok_or_else(|| {
                        anyhow::anyhow!("[limits] {key}: {v} is not a positive integer")
                    })?,
                (None, None) => default,
            };
            values.insert(key, value);
        }
        let get = |k: &str| values[k];
        let secs = |k: &str| Duration::from_secs(values[k]);
        let size = |k: &str| values[k] as usize;
        let limits = Limits {
            app: nba_app::Limits {
                tool_timeout: secs("tool_timeout_s"),
                max_calls: size("max_calls"),
                max_calls_per_principal: size("max_calls_per_principal"),
                cpu_workers: size("cpu_workers"),
                cpu_jobs_per_principal: size("cpu_jobs_per_principal"),
                cpu_queue: size("cpu_queue"),
                max_answer_bytes: size("max_answer_bytes"),
                batch_log_sample: size("batch_log_sample"),
                max_sessions: size("max_sessions"),
                max_sessions_per_principal: size("max_sessions_per_principal"),
                prediction_log_max_age_days: get("prediction_log_max_age_days"),
                prediction_log_max_rows: get("prediction_log_max_rows"),
                prediction_log_max_per_s: get("prediction_log_max_per_s").min(u32::MAX as u64)
                    as u32,
                audit_log_max_age_days: get("audit_log_max_age_days"),
                audit_log_max_rows: get("audit_log_max_rows"),
                auth_grace: secs("auth_grace_s"),
                audit_queue: size("audit_queue"),
                audit_spill_max_bytes: get("audit_spill_max_bytes"),
            },
            server: nba_http::ServerLimits {
                max_connections: size("max_connections"),
                header_timeout: secs("header_timeout_s"),
                body_timeout: secs("body_timeout_s"),
                write_timeout: secs("write_timeout_s"),
                idle_timeout: secs("idle_timeout_s"),
                handshake_timeout: secs("handshake_timeout_s"),
                shutdown_grace: secs("shutdown_grace_s"),
            },
            db_acquire_timeout: secs("db_acquire_timeout_s"),
        };
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
        for (key, value) in self.values() {
            out.push_str(&format!("{key} = {value}\n"));
        }
        out
    }

    fn values(&self) -> Vec<(&'static str, u64)> {
        // Same keys as `defaults`, read from these values.
        defaults()
            .into_iter()
            .map(|(k, _)| (k, self.value(k)))
            .collect()
    }

    fn value(&self, key: &str) -> u64 {
        let (a, s) = (&self.app, &self.server);
        match key {
            "tool_timeout_s" => a.tool_timeout.as_secs(),
            "max_calls" => a.max_calls as u64,
            "max_calls_per_principal" => a.max_calls_per_principal as u64,
            "cpu_workers" => a.cpu_workers as u64,
            "cpu_jobs_per_principal" => a.cpu_jobs_per_principal as u64,
            "cpu_queue" => a.cpu_queue as u64,
            "max_answer_bytes" => a.max_answer_bytes as u64,
            "batch_log_sample" => a.batch_log_sample as u64,
            "max_sessions" => a.max_sessions as u64,
            "max_sessions_per_principal" => a.max_sessions_per_principal as u64,
            "prediction_log_max_age_days" => a.prediction_log_max_age_days,
            "prediction_log_max_rows" => a.prediction_log_max_rows,
            "prediction_log_max_per_s" => a.prediction_log_max_per_s as u64,
            "audit_log_max_age_days" => a.audit_log_max_age_days,
            "audit_log_max_rows" => a.audit_log_max_rows,
            "auth_grace_s" => a.auth_grace.as_secs(),
            "audit_queue" => a.audit_queue as u64,
            "audit_spill_max_bytes" => a.audit_spill_max_bytes,
            "max_connections" => s.max_connections as u64,
            "header_timeout_s" => s.header_timeout.as_secs(),
            "body_timeout_s" => s.body_timeout.as_secs(),
            "write_timeout_s" => s.write_timeout.as_secs(),
            "idle_timeout_s" => s.idle_timeout.as_secs(),
            "handshake_timeout_s" => s.handshake_timeout.as_secs(),
            "shutdown_grace_s" => s.shutdown_grace.as_secs(),
            "db_acquire_timeout_s" => self.db_acquire_timeout.as_secs(),
            _ => 0,
        }
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
}
