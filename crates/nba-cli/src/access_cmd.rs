//! Access administration from the command line: arguments and printing only. The use-cases
//! (users and service accounts, API keys, the audit log) are `nba_app::admin`, the same code
//! the admin tools run; every change is audited there as done by `cli` with the admin role.
//! A new key is printed once, to stdout; only its hash is stored.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;
use nba_app::admin::{self, Change};
use nba_app::Caller;
use nba_auth::Role;
use nba_store::{ApiKeyRow, Store};
use secrecy::ExposeSecret;

#[derive(Subcommand)]
pub enum UsersCmd {
    /// Create a user (or, with --service, a service account); prints its id.
    Add {
        /// 1 to 64 characters: letters, digits, '.', '_', '@' or '-'.
        name: String,
        /// metrics, viewer, data_scientist, ml_engineer or admin.
        #[arg(long)]
        role: Role,
        /// A service account (a program) rather than a person.
        #[arg(long)]
        service: bool,
    },
    /// List users and service accounts.
    List {
        /// A JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user or service account: its keys stop working.
    Disable {
        /// Name or id.
        who: String,
    },
    /// Change the role of a user or service account.
    SetRole {
        /// Name or id.
        who: String,
        /// metrics, viewer, data_scientist, ml_engineer or admin.
        role: Role,
    },
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Issue an API key; prints the key (only) on stdout, once.
    Create {
        /// Name or id of the user or service account.
        who: String,
        /// A note to tell keys apart ("laptop", "ci").
        #[arg(long, default_value = "")]
        label: String,
        /// Lifetime such as 90d, 12h, 30m or 45s (default: no expiry).
        #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = parse_duration)]
        expires_in: Option<Duration>,
        /// Expiry as RFC 3339, e.g. 2027-01-01T00:00:00Z.
        #[arg(long, value_name = "RFC3339", conflicts_with = "expires_in", value_parser = parse_time)]
        expires_at: Option<DateTime<Utc>>,
        /// Print one JSON object (key, key_id, principal_id, principal, role, expires_at).
        #[arg(long)]
        json: bool,
    },
    /// List API keys (never the keys themselves nor their hashes).
    List {
        /// Only the keys of this user or service account (name or id).
        who: Option<String>,
        /// A JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API key at once.
    Revoke {
        /// The key id (key_...), from `keys list`.
        key_id: String,
    },
    /// Replace a key by a new one with the same owner and label; prints the new key.
    Rotate {
        /// The key id (key_...), from `keys list`.
        key_id: String,
        /// Keep the old key working for this long (e.g. 24h) instead of revoking it now.
        #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = parse_duration)]
        grace: Option<Duration>,
        /// Lifetime of the new key (default: the old key's lifetime, or no expiry).
        #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = parse_duration)]
        expires_in: Option<Duration>,
        /// Print one JSON object, as `keys create --json`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Check the audit log's hash chain: no row edited, deleted or cut off the end.
    Verify,
    /// Write the audit log as JSON lines, one record per line.
    Export {
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only records with a sequence number above this.
        #[arg(long, default_value_t = 0)]
        after_seq: i64,
    },
}

/// A duration such as `90d`, `12h`, `30m` or `45s`: a positive whole number and a unit.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    const RULE: &str = "use a positive whole number followed by d, h, m or s (90d, 12h, 30m)";
    let s = s.trim();
    if s.starts_with('-') {
        return Err(format!("'{s}' is negative; {RULE}"));
    }
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("'{s}' has no unit; {RULE}"))?;
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(format!("'{s}' is not a duration; {RULE}"));
    }
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is too large; {RULE}"))?;
    if n == 0 {
        return Err(format!("'{s}' is zero; {RULE}"));
    }
    let seconds_per = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("'{s}' has an unknown unit '{unit}'; {RULE}")),
    };
    // At most 100 years: enough for any key, and far from overflow.
    match n.checked_mul(seconds_per) {
        Some(secs) if secs <= 100 * 366 * 86_400 => Ok(Duration::seconds(secs)),
        _ => Err(format!("'{s}' is longer than 100 years")),
    }
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("'{s}' is not an RFC 3339 time like 2027-01-01T00:00:00Z: {e}"))
}

/// Prints rows under headers, columns padded to their widest cell.
fn print_table(headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    for r in rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

pub async fn users(store: &Store, cmd: UsersCmd) -> Result<()> {
    let actor = Caller::cli();
    match cmd {
        UsersCmd::Add {
            name,
            role,
            service,
        } => {
            let row = admin::create_account(store, &actor, &name, service, role).await?;
            println!("{}", row.id);
            eprintln!("{} {} created with role {role}", row.kind, row.name);
            Ok(())
        }
        UsersCmd::List { json } => {
            let all = admin::accounts(store, &actor).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        p.name.clone(),
                        p.kind.clone(),
                        p.role.clone(),
                        p.created_at.clone(),
                        or_dash(&p.disabled_at),
                    ]
                })
                .collect();
            print_table(
                &["ID", "NAME", "KIND", "ROLE", "CREATED", "DISABLED"],
                &rows,
            )
        }
        UsersCmd::Disable { who } => {
            let (p, change) = admin::disable_account(store, &actor, &who).await?;
            match change {
                Change::Done => println!(
                    "{} ({}) disabled; its keys stop working (within seconds on running servers)",
                    p.name, p.id
                ),
                Change::Already(Some(at)) => {
                    println!("{} ({}) was already disabled at {at}", p.name, p.id)
                }
                Change::Already(None) => println!("{} ({}) was already disabled", p.name, p.id),
            }
            Ok(())
        }
        UsersCmd::SetRole { who, role } => {
            let (p, change) = admin::set_role(store, &actor, &who, role).await?;
            match change {
                Change::Done => println!("{} ({}) role {} -> {role}", p.name, p.id, p.role),
                Change::Already(_) => println!("{} ({}) already has role {role}", p.name, p.id),
            }
            Ok(())
        }
    }
}

/// Prints a new key: the key alone on stdout (or one JSON object with --json), a note for
/// people on stderr.
fn print_key(key: &admin::NewKey, json: bool) {
    let secret = key.secret.expose_secret();
    let (row, p) = (&key.row, &key.owner);
    if json {
        let obj = serde_json::json!({
            "key": secret,
            "key_id": row.id,
            "principal_id": p.id,
            "principal": p.name,
            "role": p.role,
            "expires_at": row.expires_at,
        });
        println!("{obj}");
    } else {
        println!("{secret}");
    }
    let expiry = match &row.expires_at {
        Some(t) => format!("expires {t}"),
        None => "never expires".into(),
    };
    eprintln!(
        "key {} for {} (role {}), {expiry}; shown once, store it now",
        row.id, p.name, p.role
    );
}

pub async fn keys(store: &Store, cmd: KeysCmd) -> Result<()> {
    let actor = Caller::cli();
    match cmd {
        KeysCmd::Create {
            who,
            label,
            expires_in,
            expires_at,
            json,
        } => {
            let expires_at = expires_at.or(expires_in.map(|d| Utc::now() + d));
            let key = admin::create_key(store, &actor, &who, &label, expires_at).await?;
            print_key(&key, json);
            Ok(())
        }
        KeysCmd::List { who, json } => {
            let principals = admin::accounts(store, &actor).await?;
            let names: HashMap<&str, &str> = principals
                .iter()
                .map(|p| (p.id.as_str(), p.name.as_str()))
                .collect();
            let keys = admin::keys(store, &actor, who.as_deref()).await?;
            let name_of =
                |k: &ApiKeyRow| names.get(k.principal_id.as_str()).copied().unwrap_or("?");
            if json {
                let arr: Vec<serde_json::Value> = keys
                    .iter()
                    .map(|k| {
                        serde_json::json!({
                            "id": k.id,
                            "principal_id": k.principal_id,
                            "principal": name_of(k),
                            "prefix": k.display_prefix,
                            "label": k.label,
                            "created_at": k.created_at,
                            "expires_at": k.expires_at,
                            "revoked_at": k.revoked_at,
                            "last_used_at": k.last_used_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&arr)?);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        k.id.clone(),
                        name_of(k).to_string(),
                        format!("{}...", k.display_prefix),
                        if k.label.is_empty() {
                            "-".into()
                        } else {
                            k.label.clone()
                        },
                        k.created_at.clone(),
                        or_dash(&k.expires_at),
                        or_dash(&k.revoked_at),
                        or_dash(&k.last_used_at),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    "PRINCIPAL",
                    "PREFIX",
                    "LABEL",
                    "CREATED",
                    "EXPIRES",
                    "REVOKED",
                    "LAST USED",
                ],
                &rows,
            )
        }
        KeysCmd::Revoke { key_id } => {
            let (key, change) = admin::revoke_key(store, &actor, &key_id).await?;
            match change {
                Change::Done => println!(
                    "key {} ({}...) revoked; it stops working now (within seconds on running servers)",
                    key.id, key.display_prefix
                ),
                Change::Already(Some(at)) => println!("key {} was already revoked at {at}", key.id),
                Change::Already(None) => println!("key {} was already revoked", key.id),
            }
            Ok(())
        }
        KeysCmd::Rotate {
            key_id,
            grace,
            expires_in,
            json,
        } => {
            let r = admin::rotate_key(store, &actor, &key_id, grace, expires_in).await?;
            print_key(&r.new, json);
            match r.old_until {
                None => eprintln!("old key {} revoked", r.old.id),
                Some(until) => eprintln!("old key {} keeps working until {until}", r.old.id),
            }
            Ok(())
        }
    }
}

pub async fn audit_cmd(store: &Store, cmd: AuditCmd) -> Result<()> {
    let actor = Caller::cli();
    match cmd {
        AuditCmd::Verify => {
            let (report, (head_seq, _)) = admin::verify_audit(store, &actor).await?;
            // Says which entries retention removed before the anchor, if any.
            let retention = if report.pruned > 0 {
                format!("\n  {}", report.summary())
            } else {
                String::new()
            };
            if report.ok {
                println!(
                    "audit log OK: {} entries, head seq {head_seq}{retention}",
                    report.entries
                );
                return Ok(());
            }
            println!(
                "audit log BROKEN: {} problem(s) in {} entries (head seq {head_seq}):{retention}",
                report.problems.len(),
                report.entries
            );
            for p in &report.problems {
                println!("  {p}");
            }
            bail!(
                "the audit log does not verify: {}",
                report.problems.join("; ")
            )
        }
        AuditCmd::Export { out, after_seq } => {
            let mut w: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let n = admin::export_audit(store, &actor, after_seq, &mut w).await?;
            if let Some(path) = &out {
                eprintln!("wrote {n} audit records to {}", path.display());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d").unwrap(), Duration::days(90));
        assert_eq!(parse_duration("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_duration("30m").unwrap(), Duration::minutes(30));
        assert_eq!(parse_duration("45s").unwrap(), Duration::seconds(45));
        for bad in [
            "0d",
            "-5d",
            "5",
            "d",
            "5y",
            "5 d",
            "1.5h",
            "",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
        assert!(parse_duration("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0h").unwrap_err().contains("zero"));
    }
}
