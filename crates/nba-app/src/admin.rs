//! Administration use-cases: users and service accounts, API keys, and the audit log. The
//! command line and the admin tools run these same functions, so both check the actor's
//! permission the same way and leave the same audit entry for every change (action such as
//! `keys:revoke`, the opaque id as target; never a name, a secret or a hash).

use std::io::Write;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use nba_auth::audit::{AuditRecord, VerifyReport};
use nba_auth::{Permission, Role};
use nba_store::{ApiKeyRow, PrincipalRow, Store, StoreError};
use secrecy::SecretString;

use crate::access::Caller;
use crate::AppError;

/// Audit records read per query when walking the chain.
const PAGE: i64 = 10_000;

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The actor must hold `permission` (`users:manage` to change accounts and keys).
pub(crate) fn authorize(actor: &Caller, permission: Permission) -> Result<(), AppError> {
    if actor.principal.can(permission) {
        return Ok(());
    }
    Err(AppError::Forbidden {
        message: format!(
            "forbidden: this needs permission {}; role {} does not have it",
            permission.as_str(),
            actor.principal.role_label()
        ),
        permission,
    })
}

/// Appends the entry of a change made by `actor`, and waits until it is written: a change
/// whose entry could not be written is reported as such.
pub(crate) async fn audit(
    store: &Store,
    actor: &Caller,
    action: &str,
    target: &str,
) -> Result<(), AppError> {
    let entry = crate::access::audit_entry(actor, action, target, "ok");
    store
        .append_audit(vec![entry])
        .await
        .map_err(|e| AppError::Unavailable {
            message: format!(
                "the change was made but its audit entry ({action}) was not written: {e}"
            ),
            retry_after_s: 5,
        })?;
    Ok(())
}

/// Removes all loaded data (games, box scores, players, teams, ingest runs) so another data
/// set can be loaded: a demo store made ready for real data. Needs `config:manage` (the
/// command line acts as an admin); audited as `data:reset` with the rows removed.
pub async fn reset_data(
    store: &Store,
    actor: &Caller,
) -> Result<Vec<nba_store::TableRows>, AppError> {
    authorize(actor, Permission::ConfigManage)?;
    let source = store.data_source().await?;
    let removed = store.reset_data().await?;
    let total: i64 = removed.iter().map(|t| t.rows).sum();
    let target = format!("{} data, {total} rows", source.as_deref().unwrap_or("no"));
    audit(store, actor, "data:reset", &target).await?;
    Ok(removed)
}

fn conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::InvalidArgument(m),
        other => other.into(),
    }
}

/// A principal name: 1 to 64 characters of `[A-Za-z0-9._@-]`.
pub fn check_name(name: &str) -> Result<(), AppError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if name.is_empty() || name.chars().count() > 64 || !ok_chars {
        return Err(AppError::InvalidArgument(format!(
            "invalid name {name:?}: a name is 1 to 64 characters, each a letter, a digit, '.', '_', '@' or '-'"
        )));
    }
    Ok(())
}

/// The user or service account named `who` (or with id `who`).
pub async fn find_principal(store: &Store, who: &str) -> Result<PrincipalRow, AppError> {
    store.principal(who).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no user or service account named or with id '{who}'; listing the accounts shows them"
        ))
    })
}

/// The API key with id `key_id`.
pub async fn find_key(store: &Store, key_id: &str) -> Result<ApiKeyRow, AppError> {
    store
        .api_keys(None)
        .await?
        .into_iter()
        .find(|k| k.id == key_id)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no API key with id '{key_id}'; listing the keys shows them"
            ))
        })
}

/// Every user and service account.
pub async fn accounts(store: &Store, actor: &Caller) -> Result<Vec<PrincipalRow>, AppError> {
    authorize(actor, Permission::UsersManage)?;
    Ok(store.principals().await?)
}

/// API keys, of one account (name or id) or of all; never the keys nor their hashes.
pub async fn keys(
    store: &Store,
    actor: &Caller,
    who: Option<&str>,
) -> Result<Vec<ApiKeyRow>, AppError> {
    authorize(actor, Permission::UsersManage)?;
    let only = match who {
        Some(w) => Some(find_principal(store, w).await?.id),
        None => None,
    };
    Ok(store.api_keys(only.as_deref()).await?)
}

/// Creates a user (or a service account) with `role`; the name must be unique and must not
/// be another account's id.
pub async fn create_account(
    store: &Store,
    actor: &Caller,
    name: &str,
    service: bool,
    role: Role,
) -> Result<PrincipalRow, AppError> {
    authorize(actor, Permission::UsersManage)?;
    check_name(name)?;
    if let Some(p) = store.principal(name).await? {
        return Err(AppError::InvalidArgument(if p.name == name {
            format!("a principal named '{name}' already exists ({})", p.id)
        } else {
            format!(
                "'{name}' is the id of principal '{}'; choose another name",
                p.name
            )
        }));
    }
    let (prefix, kind) = if service {
        ("svc", "service")
    } else {
        ("usr", "user")
    };
    let row = PrincipalRow {
        id: nba_auth::keys::new_id(prefix),
        name: name.into(),
        kind: kind.into(),
        role: role.as_str().into(),
        created_at: stamp(Utc::now()),
        disabled_at: None,
    };
    store.create_principal(&row).await.map_err(conflict)?;
    audit(store, actor, "users:add", &row.id).await?;
    Ok(row)
}

/// What a change found: done now, or already so (with when, if known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Done,
    Already(Option<String>),
}

/// Disables an account: its keys stop working at once here, within seconds elsewhere.
pub async fn disable_account(
    store: &Store,
    actor: &Caller,
    who: &str,
) -> Result<(PrincipalRow, Change), AppError> {
    authorize(actor, Permission::UsersManage)?;
    let p = find_principal(store, who).await?;
    if let Some(at) = &p.disabled_at {
        let at = Some(at.clone());
        return Ok((p, Change::Already(at)));
    }
    if !store.disable_principal(&p.id, &stamp(Utc::now())).await? {
        return Ok((p, Change::Already(None)));
    }
    audit(store, actor, "users:disable", &p.id).await?;
    Ok((p, Change::Done))
}

/// Changes an account's role; returns the account as it was.
pub async fn set_role(
    store: &Store,
    actor: &Caller,
    who: &str,
    role: Role,
) -> Result<(PrincipalRow, Change), AppError> {
    authorize(actor, Permission::UsersManage)?;
    let p = find_principal(store, who).await?;
    if p.role == role.as_str() {
        return Ok((p, Change::Already(None)));
    }
    if !store.set_principal_role(&p.id, role.as_str()).await? {
        return Err(AppError::NotFound(format!(
            "principal '{who}' disappeared before its role could be changed"
        )));
    }
    audit(store, actor, "users:set-role", &p.id).await?;
    Ok((p, Change::Done))
}

/// A key just made: the secret (shown once, never stored), its row and its owner.
pub struct NewKey {
    pub secret: SecretString,
    pub row: ApiKeyRow,
    pub owner: PrincipalRow,
}

/// Makes a key for `owner` and stores its hash (no audit entry: the caller writes the one
/// for its action).
async fn issue_key(
    store: &Store,
    owner: PrincipalRow,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<NewKey, AppError> {
    if let Some(at) = &owner.disabled_at {
        return Err(AppError::InvalidArgument(format!(
            "{} ({}) is disabled (since {at}); a disabled account gets no keys",
            owner.name, owner.id
        )));
    }
    let now = Utc::now();
    if let Some(t) = expires_at {
        if t <= now {
            return Err(AppError::InvalidArgument(format!(
                "the expiry {} is not in the future",
                stamp(t)
            )));
        }
    }
    if label.chars().count() > 200 {
        return Err(AppError::InvalidArgument(
            "a key label is at most 200 characters".into(),
        ));
    }
    let new = nba_auth::keys::generate();
    let row = ApiKeyRow {
        id: nba_auth::keys::new_id("key"),
        principal_id: owner.id.clone(),
        display_prefix: new.display_prefix.clone(),
        label: label.to_string(),
        created_at: stamp(now),
        expires_at: expires_at.map(stamp),
        revoked_at: None,
        last_used_at: None,
    };
    store
        .create_api_key(&row, &new.hash)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::InvalidArgument(format!("{m}; try again")),
            other => other.into(),
        })?;
    Ok(NewKey {
        secret: new.secret,
        row,
        owner,
    })
}

/// Issues an API key to the account `who` (name or id).
pub async fn create_key(
    store: &Store,
    actor: &Caller,
    who: &str,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<NewKey, AppError> {
    authorize(actor, Permission::UsersManage)?;
    let owner = find_principal(store, who).await?;
    let key = issue_key(store, owner, label, expires_at).await?;
    audit(store, actor, "keys:create", &key.row.id).await?;
    Ok(key)
}

/// Revokes a key at once; returns the key as it was.
pub async fn revoke_key(
    store: &Store,
    actor: &Caller,
    key_id: &str,
) -> Result<(ApiKeyRow, Change), AppError> {
    authorize(actor, Permission::UsersManage)?;
    let key = find_key(store, key_id).await?;
    if let Some(at) = &key.revoked_at {
        let at = Some(at.clone());
        return Ok((key, Change::Already(at)));
    }
    if !store.revoke_api_key(&key.id, &stamp(Utc::now())).await? {
        return Ok((key, Change::Already(None)));
    }
    audit(store, actor, "keys:revoke", &key.id).await?;
    Ok((key, Change::Done))
}

/// A rotation: the new key, and until when the old one works (`None`: revoked now).
pub struct Rotated {
    pub new: NewKey,
    pub old: ApiKeyRow,
    pub old_until: Option<String>,
}

/// Replaces a key by a new one with the same owner and label. The new key lives
/// `expires_in`, or as long as the old one was meant to; the old one is revoked now, or keeps
/// working for `grace` (never past its own expiry).
pub async fn rotate_key(
    store: &Store,
    actor: &Caller,
    key_id: &str,
    grace: Option<Duration>,
    expires_in: Option<Duration>,
) -> Result<Rotated, AppError> {
    authorize(actor, Permission::UsersManage)?;
    let old = find_key(store, key_id).await?;
    if let Some(at) = &old.revoked_at {
        return Err(AppError::InvalidArgument(format!(
            "key {} was revoked at {at}; create a new key instead",
            old.id
        )));
    }
    let owner = store.principal(&old.principal_id).await?.ok_or_else(|| {
        AppError::NotFound(format!("key {} belongs to no known principal", old.id))
    })?;
    let now = Utc::now();
    let lifetime = expires_in.or_else(|| {
        let created = parse_time(&old.created_at)?;
        let expires = parse_time(old.expires_at.as_deref()?)?;
        (expires > created).then(|| expires - created)
    });
    let new = issue_key(store, owner, &old.label, lifetime.map(|d| now + d)).await?;
    let old_until = match grace {
        None => {
            store.revoke_api_key(&old.id, &stamp(now)).await?;
            None
        }
        Some(g) => {
            let mut until = now + g;
            if let Some(t) = old.expires_at.as_deref().and_then(parse_time) {
                until = until.min(t); // a grace never extends a key
            }
            if !store.set_api_key_expiry(&old.id, &stamp(until)).await? {
                return Err(AppError::InvalidArgument(format!(
                    "key {} was revoked meanwhile; its expiry was not changed",
                    old.id
                )));
            }
            Some(stamp(until))
        }
    };
    audit(
        store,
        actor,
        "keys:rotate",
        &format!("{} -> {}", old.id, new.row.id),
    )
    .await?;
    Ok(Rotated {
        new,
        old,
        old_until,
    })
}

/// Verifies the audit chain in one snapshot (a server appending or pruning meanwhile is not
/// mistaken for tampering): the report and the head (seq, hash).
pub async fn verify_audit(
    store: &Store,
    actor: &Caller,
) -> Result<(VerifyReport, (i64, String)), AppError> {
    authorize(actor, Permission::AuditRead)?;
    let (report, _, head) = store.audit_verify(0).await?;
    Ok((report, head))
}

/// Writes every audit record with `seq > after` to `out` as JSON lines, page by page
/// (constant memory); returns how many.
pub async fn export_audit(
    store: &Store,
    actor: &Caller,
    mut after: i64,
    out: &mut dyn Write,
) -> Result<u64, AppError> {
    authorize(actor, Permission::AuditRead)?;
    let io = |e: std::io::Error| AppError::Internal(format!("writing the audit export: {e}"));
    let mut n = 0u64;
    loop {
        let page: Vec<AuditRecord> = store.audit_records(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            serde_json::to_writer(&mut *out, r).map_err(|e| io(e.into()))?;
            out.write_all(b"\n").map_err(io)?;
            n += 1;
        }
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    out.flush().map_err(io)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

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
