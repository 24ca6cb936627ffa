//! Access administration from the command line: the role matrix, users and service
//! accounts, API keys (the secret is printed once, to stdout, and only its hash is stored),
//! and the audit log (verify the hash chain, export it as JSON lines). Every change is
//! appended to the audit log as done by `cli` with the admin role; targets are opaque ids,
//! never names, secrets or hashes.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use clap::Subcommand;
use nba_auth::audit::{AuditEntry, AuditRecord};
use nba_auth::Role;
use nba_store::{ApiKeyRow, PrincipalRow, Store, StoreError};
use secrecy::ExposeSecret;

/// Audit records read per query when walking the whole chain.
const PAGE: i64 = 10_000;

#[derive(Subcommand)]
pub enum UsersCmd {
    /// Create a user (or, with --service, a service account); prints its id.
    Add {
        /// 1 to 64 characters: letters, digits, '.', '_', '@' or '-'.
        name: String,
        /// viewer, data_scientist, ml_engineer or admin.
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
        /// viewer, data_scientist, ml_engineer or admin.
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

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A principal name: 1 to 64 characters of `[A-Za-z0-9._@-]`.
pub fn check_name(name: &str) -> Result<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if name.is_empty() || name.chars().count() > 64 || !ok_chars {
        bail!(
            "invalid name {name:?}: a name is 1 to 64 characters, each a letter, a digit, \
             '.', '_', '@' or '-'"
        );
    }
    Ok(())
}

/// Appends one audit entry for a change made from the command line.
async fn audit(store: &Store, action: &str, target: &str) -> Result<()> {
    let entry = AuditEntry {
        ts: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        principal: "cli".into(),
        role: Role::Admin.as_str().into(),
        action: action.into(),
        target: target.into(),
        outcome: "ok".into(),
        request_id: uuid::Uuid::new_v4().to_string(),
        transport: "cli".into(),
    };
    store.append_audit(vec![entry]).await.with_context(|| {
        format!("the change was made but its audit entry ({action}) was not written")
    })?;
    Ok(())
}

async fn find_principal(store: &Store, who: &str) -> Result<PrincipalRow> {
    store.principal(who).await?.with_context(|| {
        format!(
            "no user or service account named or with id '{who}'; `nba-mcp users list` shows them"
        )
    })
}

async fn find_key(store: &Store, key_id: &str) -> Result<ApiKeyRow> {
    store
        .api_keys(None)
        .await?
        .into_iter()
        .find(|k| k.id == key_id)
        .with_context(|| format!("no API key with id '{key_id}'; `nba-mcp keys list` shows them"))
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
    match cmd {
        UsersCmd::Add {
            name,
            role,
            service,
        } => {
            check_name(&name)?;
            if let Some(p) = store.principal(&name).await? {
                if p.name == name {
                    bail!("a principal named '{name}' already exists ({})", p.id);
                }
                bail!(
                    "'{name}' is the id of principal '{}'; choose another name",
                    p.name
                );
            }
            let (prefix, kind) = if service {
                ("svc", "service")
            } else {
                ("usr", "user")
            };
            let row = PrincipalRow {
                id: nba_auth::keys::new_id(prefix),
                name,
                kind: kind.into(),
                role: role.as_str().into(),
                created_at: stamp(Utc::now()),
                disabled_at: None,
            };
            match store.create_principal(&row).await {
                Ok(()) => {}
                Err(StoreError::Conflict(m)) => bail!("{m}"),
                Err(e) => return Err(e.into()),
            }
            audit(store, "users:add", &row.id).await?;
            println!("{}", row.id);
            eprintln!("{kind} {} created with role {role}", row.name);
            Ok(())
        }
        UsersCmd::List { json } => {
            let all = store.principals().await?;
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
            let p = find_principal(store, &who).await?;
            if let Some(at) = &p.disabled_at {
                println!("{} ({}) was already disabled at {at}", p.name, p.id);
                return Ok(());
            }
            if store.disable_principal(&p.id, &stamp(Utc::now())).await? {
                audit(store, "users:disable", &p.id).await?;
                println!(
                    "{} ({}) disabled; its keys stop working (within seconds on running servers)",
                    p.name, p.id
                );
            } else {
                println!("{} ({}) was already disabled", p.name, p.id);
            }
            Ok(())
        }
        UsersCmd::SetRole { who, role } => {
            let p = find_principal(store, &who).await?;
            if p.role == role.as_str() {
                println!("{} ({}) already has role {role}", p.name, p.id);
                return Ok(());
            }
            if !store.set_principal_role(&p.id, role.as_str()).await? {
                bail!("principal '{who}' disappeared before its role could be changed");
            }
            audit(store, "users:set-role", &p.id).await?;
            println!("{} ({}) role {} -> {role}", p.name, p.id, p.role);
            Ok(())
        }
    }
}

/// Makes a key for `p`, stores its hash and prints it: the key alone on stdout (or one JSON
/// object with --json), a note for people on stderr.
async fn issue_key(
    store: &Store,
    p: &PrincipalRow,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    json: bool,
) -> Result<ApiKeyRow> {
    if let Some(at) = &p.disabled_at {
        bail!(
            "{} ({}) is disabled (since {at}); a disabled account gets no keys",
            p.name,
            p.id
        );
    }
    let now = Utc::now();
    if let Some(t) = expires_at {
        if t <= now {
            bail!("the expiry {} is not in the future", stamp(t));
        }
    }
    let new = nba_auth::keys::generate();
    let row = ApiKeyRow {
        id: nba_auth::keys::new_id("key"),
        principal_id: p.id.clone(),
        display_prefix: new.display_prefix.clone(),
        label: label.to_string(),
        created_at: stamp(now),
        expires_at: expires_at.map(stamp),
        revoked_at: None,
        last_used_at: None,
    };
    match store.create_api_key(&row, &new.hash).await {
        Ok(()) => {}
        Err(StoreError::Conflict(m)) => bail!("{m}; try again"),
        Err(e) => return Err(e.into()),
    }
    let secret = new.secret.expose_secret();
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
    Ok(row)
}

pub async fn keys(store: &Store, cmd: KeysCmd) -> Result<()> {
    match cmd {
        KeysCmd::Create {
            who,
            label,
            expires_in,
            expires_at,
            json,
        } => {
            let p = find_principal(store, &who).await?;
            let expires_at = expires_at.or(expires_in.map(|d| Utc::now() + d));
            let row = issue_key(store, &p, &label, expires_at, json).await?;
            audit(store, "keys:create", &row.id).await
        }
        KeysCmd::List { who, json } => {
            let principals = store.principals().await?;
            let only = match &who {
                Some(w) => Some(find_principal(store, w).await?.id),
                None => None,
            };
            let names: HashMap<&str, &str> = principals
                .iter()
                .map(|p| (p.id.as_str(), p.name.as_str()))
                .collect();
            let keys = store.api_keys(only.as_deref()).await?;
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
            let key = find_key(store, &key_id).await?;
            if let Some(at) = &key.revoked_at {
                println!("key {} was already revoked at {at}", key.id);
                return Ok(());
            }
            if store.revoke_api_key(&key.id, &stamp(Utc::now())).await? {
                audit(store, "keys:revoke", &key.id).await?;
                println!(
                    "key {} ({}...) revoked; it stops working now (within seconds on running servers)",
                    key.id, key.display_prefix
                );
            } else {
                println!("key {} was already revoked", key.id);
            }
            Ok(())
        }
        KeysCmd::Rotate {
            key_id,
            grace,
            expires_in,
            json,
        } => {
            let old = find_key(store, &key_id).await?;
            if let Some(at) = &old.revoked_at {
                bail!("key {} was revoked at {at}; create a new key with `nba-mcp keys create` instead", old.id);
            }
            let p = store
                .principal(&old.principal_id)
                .await?
                .with_context(|| format!("key {} belongs to no known principal", old.id))?;
            let now = Utc::now();
            // Default: the new key lives as long as the old one was meant to.
            let lifetime = expires_in.or_else(|| {
                let created = parse_time(&old.created_at).ok()?;
                let expires = parse_time(old.expires_at.as_deref()?).ok()?;
                (expires > created).then(|| expires - created)
            });
            let new = issue_key(store, &p, &old.label, lifetime.map(|d| now + d), json).await?;
            let old_note = match grace {
                None => {
                    store.revoke_api_key(&old.id, &stamp(now)).await?;
                    format!("old key {} revoked", old.id)
                }
                Some(g) => {
                    let mut until = now + g;
                    if let Some(t) = old.expires_at.as_deref().and_then(|t| parse_time(t).ok()) {
                        until = until.min(t); // a grace never extends a key
                    }
                    set_key_expiry(store, &old.id, &stamp(until)).await?;
                    format!("old key {} keeps working until {}", old.id, stamp(until))
                }
            };
            audit(store, "keys:rotate", &format!("{} -> {}", old.id, new.id)).await?;
            eprintln!("{old_note}");
            Ok(())
        }
    }
}

/// Sets the expiry of a key that is not revoked. (The store has no method for this yet.)
async fn set_key_expiry(store: &Store, key_id: &str, at: &str) -> Result<()> {
    let done = store
        .set_api_key_expiry(key_id, at)
        .await
        .with_context(|| format!("setting the expiry of key {key_id}"))?;
    if !done {
        bail!("key {key_id} was revoked meanwhile; its expiry was not changed");
    }
    Ok(())
}

/// Every audit record with `seq > after`, read in pages.
async fn all_records(store: &Store, mut after: i64) -> Result<Vec<AuditRecord>> {
    let mut records = Vec::new();
    loop {
        let page = store.audit_records(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let full = page.len() as i64 == PAGE;
        records.extend(page);
        if !full {
            break;
        }
    }
    Ok(records)
}

pub async fn audit_cmd(store: &Store, cmd: AuditCmd) -> Result<()> {
    match cmd {
        AuditCmd::Verify => {
            // One snapshot of anchor, records and head: a server appending or pruning
            // meanwhile is not mistaken for tampering.
            let (report, _, (head_seq, _)) = store.audit_verify(0).await?;
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
            let records = all_records(store, after_seq).await?;
            let mut w: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            for r in &records {
                serde_json::to_writer(&mut w, r)?;
                w.write_all(b"\n")?;
            }
            w.flush()?;
            if let Some(path) = &out {
                eprintln!(
                    "wrote {} audit records to {}",
                    records.len(),
                    path.display()
                );
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

    #[test]
    fn names() {
        for ok in [
            "alice",
            "a",
            "bob.smith@example.com",
            "ci-bot_2",
            &"x".repeat(64),
        ] {
            check_name(ok).unwrap();
        }
        for bad in ["", "two words", "ünï", "a/b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
