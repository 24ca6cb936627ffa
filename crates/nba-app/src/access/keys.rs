//! API key authentication: the key's SHA-256 is looked up in the store, and the answer is
//! cached for a few seconds so a busy client costs one index probe per key per `TTL`.
//! Revocation through this process clears the cache at once; a revocation made by another
//! process (the CLI) applies within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nba_auth::{AuthMethod, Principal, PrincipalKind, Role};
use nba_store::{Store, StoreError};

pub(crate) const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

/// Answers are fresh for `TTL`; while the database cannot be asked, an answer up to
/// `grace` old is used instead (last known good), so an outage does not lock out keys that
/// were valid a moment ago. Past the grace the caller gets "unavailable", never "invalid".
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<String, Cached>>,
    grace: Duration,
    /// Set when a lookup found the database unreachable: lookups skip it (last known good
    /// only) until a background probe reaches it again, so no request waits out the pool's
    /// timeout during an outage.
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// How often the background probe tries the database while it is down.
const DOWN_PROBE: Duration = Duration::from_millis(500);

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache::new(Duration::from_secs(900))
    }
}

#[derive(Clone)]
struct Cached {
    at: Instant,
    principal: Arc<Principal>,
    expires_at: Option<DateTime<Utc>>,
}

pub(crate) enum KeyError {
    Rejected {
        principal: Option<String>,
        reason: &'static str,
        description: String,
    },
    Store(StoreError),
    /// The database cannot be reached and the key was not seen within the grace period.
    Unavailable,
}

fn rejected(principal: Option<String>, reason: &'static str, description: &str) -> KeyError {
    KeyError::Rejected {
        principal,
        reason,
        description: description.to_string(),
    }
}

impl KeyCache {
    pub(crate) fn new(grace: Duration) -> KeyCache {
        KeyCache {
            entries: Mutex::default(),
            grace: grace.max(TTL),
            down: Default::default(),
        }
    }

    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub(crate) async fn principal(
        &self,
        store: &Store,
        key: &str,
    ) -> Result<Arc<Principal>, KeyError> {
        let hash = nba_auth::keys::hash(key);
        let now = Utc::now();
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&hash)
            .filter(|c| c.at.elapsed() < TTL)
            .cloned();
        if let Some(c) = cached {
            if c.expires_at.is_some_and(|t| t <= now) {
                return Err(rejected(
                    Some(c.principal.id.clone()),
                    "expired_key",
                    "the API key has expired; ask an admin for a new one",
                ));
            }
            return Ok(c.principal);
        }
        use std::sync::atomic::Ordering;
        if crate::error::DB_UNREACHABLE.swap(false, Ordering::Relaxed) {
            self.mark_down(store);
        }
        if self.down.load(Ordering::Relaxed) {
            return self.last_known_good(&hash, now);
        }
        let found = match store.api_key_by_hash(&hash).await {
            Ok(found) => found,
            Err(e) if e.is_unavailable() => {
                self.mark_down(store);
                return self.last_known_good(&hash, now);
            }
            Err(e) => return Err(KeyError::Store(e)),
        };
        let Some(found) = found else {
            return Err(rejected(None, "unknown_key", "the API key is not valid"));
        };
        let owner = Some(found.principal.id.clone());
        if found.key.revoked_at.is_some() {
            return Err(rejected(
                owner,
                "revoked_key",
                "the API key has been revoked",
            ));
        }
        let expires_at = match found.key.expires_at.as_deref() {
            None => None,
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        KeyError::Store(StoreError::Corrupt(format!(
                            "api key {} has expires_at {s:?}: {e}",
                            found.key.id
                        )))
                    })?,
            ),
        };
        if expires_at.is_some_and(|t| t <= now) {
            return Err(rejected(
                owner,
                "expired_key",
                "the API key has expired; ask an admin for a new one",
            ));
        }
        if found.principal.disabled_at.is_some() {
            return Err(rejected(
                owner,
                "disabled_account",
                "the account of this API key is disabled",
            ));
        }
        let role: Role = found.principal.role.parse().map_err(|e| {
            KeyError::Store(StoreError::Corrupt(format!(
                "principal {} has role {:?}: {e}",
                found.principal.id, found.principal.role
            )))
        })?;
        let kind = if found.principal.kind == "service" {
            PrincipalKind::Service
        } else {
            PrincipalKind::User
        };
        let principal = Arc::new(Principal::with_role(
            found.principal.id.clone(),
            kind,
            role,
            AuthMethod::ApiKey {
                key_id: found.key.id.clone(),
            },
        ));
        // Last use, at most once per TTL per key; off the request path.
        let (store, key_id) = (store.clone(), found.key.id.clone());
        tokio::spawn(async move {
            let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            if let Err(e) = store.touch_api_key(&key_id, &at).await {
                tracing::warn!(error = %e, "cannot record the API key's last use");
            }
        });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let grace = self.grace;
            entries.retain(|_, c| c.at.elapsed() < grace);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            hash,
            Cached {
                at: Instant::now(),
                principal: principal.clone(),
                expires_at,
            },
        );
        Ok(principal)
    }
}

impl KeyCache {
    /// The database is unreachable: lookups use the last known good answers until a
    /// background probe reaches it again.
    fn mark_down(&self, store: &Store) {
        use std::sync::atomic::Ordering;
        if self.down.swap(true, Ordering::Relaxed) {
            return;
        }
        let (down, store) = (self.down.clone(), store.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(DOWN_PROBE).await;
                if store.ping().await.is_ok() {
                    down.store(false, Ordering::Relaxed);
                    tracing::info!("database reachable again: key lookups resume");
                    break;
                }
            }
        });
    }

    /// The cached answer for `hash` if it is within the grace period (database down).
    fn last_known_good(&self, hash: &str, now: DateTime<Utc>) -> Result<Arc<Principal>, KeyError> {
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .filter(|c| c.at.elapsed() < self.grace)
            .cloned();
        match cached {
            Some(c) if c.expires_at.is_none_or(|t| t > now) => {
                nba_ops::metrics().auth_stale.inc();
                tracing::warn!(principal = %c.principal.id, "database unreachable: key accepted from the last-known-good cache");
                Ok(c.principal)
            }
            Some(c) => Err(rejected(
                Some(c.principal.id.clone()),
                "expired_key",
                "the API key has expired; ask an admin for a new one",
            )),
            None => Err(KeyError::Unavailable),
        }
    }
}
