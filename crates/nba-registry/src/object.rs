//! The object-store backend: the registry in a bucket on the S3 API (AWS S3 or any
//! compatible server), shared by every instance that points at it. Under the prefix:
//! - `blobs/sha256/<hex>.json`: artifact files, named by the SHA-256 of their bytes and
//!   written create-only (`If-None-Match: *`), so a blob never changes once written;
//! - `models/<name>/<version>.json`: which blob holds that version (`{"sha256", "bytes",
//!   "saved_at"}`);
//! - `aliases.json`: every alias and the history of their moves in one document, replaced
//!   only by a conditional put on the ETag that was read (`If-Match`), so two instances
//!   promoting at once cannot lose either change.
//!
//! Every load checks the blob's bytes against the SHA-256 in its name, then the artifact's
//! own checksum: object-store ETags are not content hashes, and a damaged or swapped object
//! is an error, never a model.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;
use nba_model::{artifact::sha256_hex, Artifact, ModelError};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::s3::S3Url;
use crate::{check_name, AliasChange, BoxFuture, ModelRef, ModelRegistry, MAX_HISTORY};

/// Largest artifact or index object read (a model artifact is kilobytes).
pub const MAX_OBJECT_BYTES: u64 = 64 << 20;

/// Times a conditional alias update is tried when other writers keep getting in first
/// (with [`backoff`] between tries: about 4 s at most in all).
const ALIAS_ATTEMPTS: u32 = 12;

/// A random wait of up to 10 ms doubled per attempt (at most 640 ms), so writers that
/// collided spread out instead of colliding again.
fn backoff(attempt: u32) -> std::time::Duration {
    let cap_ms = 10u64 << attempt.min(6);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    // A cheap mix of the clock's low bits: enough to desynchronise two writers.
    let mixed = nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17;
    std::time::Duration::from_millis(mixed % (cap_ms + 1))
}

/// A model registry in an object store.
#[derive(Clone)]
pub struct ObjectRegistry {
    store: Arc<dyn ObjectStore>,
    url: S3Url,
}

impl std::fmt::Debug for ObjectRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObjectRegistry({})", self.url)
    }
}

/// What `models/<name>/<version>.json` says.
#[derive(Debug, Serialize, Deserialize)]
struct VersionEntry {
    sha256: String,
    bytes: u64,
    saved_at: String,
}

/// `aliases.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AliasDoc {
    aliases: BTreeMap<String, ModelRef>,
    #[serde(default)]
    history: Vec<AliasChange>,
}

impl ObjectRegistry {
    /// The registry at `url` in `store` (a client for `url`'s bucket).
    pub fn new(store: Arc<dyn ObjectStore>, url: S3Url) -> ObjectRegistry {
        ObjectRegistry { store, url }
    }

    /// The registry at `s3://bucket/prefix`, reached with `options` and the environment.
    pub fn s3(url: &str, options: &crate::s3::S3Options) -> Result<ObjectRegistry, ModelError> {
        let url = S3Url::parse(url).map_err(ModelError::Registry)?;
        let client = crate::s3::client(&url.bucket, options, std::time::Duration::from_secs(30))
            .map_err(ModelError::Registry)?;
        Ok(ObjectRegistry::new(Arc::new(client), url))
    }

    fn err(&self, what: String) -> impl FnOnce(object_store::Error) -> ModelError {
        let at = self.url.clone();
        move |e| ModelError::Registry(format!("{at}: {what}: {e}"))
    }

    fn version_key(&self, model: &ModelRef) -> Result<Key, ModelError> {
        check_name(&model.name)?;
        check_name(&model.version)?;
        Ok(self
            .url
            .key(&format!("models/{}/{}.json", model.name, model.version)))
    }

    fn blob_key(&self, sha256: &str) -> Key {
        self.url.key(&format!("blobs/sha256/{sha256}.json"))
    }

    /// Where an object is, for messages.
    fn shown(&self, key: &Key) -> PathBuf {
        PathBuf::from(format!("s3://{}/{key}", self.url.bucket))
    }

    /// Reads a whole object (bounded), with its ETag and version; `None` when absent.
    async fn read(&self, key: &Key) -> Result<Option<(bytes::Bytes, UpdateVersion)>, ModelError> {
        let got = match self.store.get(key).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err(format!("reading {key}"))(e)),
        };
        if got.meta.size > MAX_OBJECT_BYTES {
            return Err(ModelError::Corrupt {
                path: self.shown(key),
                message: format!(
                    "{} bytes, more than the {MAX_OBJECT_BYTES} a model object may have",
                    got.meta.size
                ),
            });
        }
        let version = UpdateVersion {
            e_tag: got.meta.e_tag.clone(),
            version: got.meta.version.clone(),
        };
        let body = got
            .bytes()
            .await
            .map_err(self.err(format!("reading {key}")))?;
        Ok(Some((body, version)))
    }

    async fn save_now(&self, artifact: &Artifact) -> Result<String, ModelError> {
        let key = self.version_key(&ModelRef::of(artifact))?;
        let text = artifact.to_file_string();
        let sha256 = sha256_hex(text.as_bytes());
        let blob = self.blob_key(&sha256);
        let create = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .store
            .put_opts(&blob, PutPayload::from(text.clone().into_bytes()), create)
            .await
        {
            // Same name, same bytes: written before (by us or another instance).
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(self.err(format!("writing {blob}"))(e)),
        }
        let entry = VersionEntry {
            sha256,
            bytes: text.len() as u64,
            saved_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let body = serde_json::to_vec_pretty(&entry).expect("an entry serialises");
        self.store
            .put(&key, PutPayload::from(body))
            .await
            .map_err(self.err(format!("writing {key}")))?;
        Ok(self.shown(&key).display().to_string())
    }

    async fn load_now(&self, model: &ModelRef) -> Result<Artifact, ModelError> {
        let key = self.version_key(model)?;
        let Some((body, _)) = self.read(&key).await? else {
            return Err(ModelError::NotFound(model.to_string()));
        };
        let entry: VersionEntry =
            serde_json::from_slice(&body).map_err(|e| ModelError::Corrupt {
                path: self.shown(&key),
                message: e.to_string(),
            })?;
        let hex_ok =
            entry.sha256.len() == 64 && entry.sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_ok {
            return Err(ModelError::Corrupt {
                path: self.shown(&key),
                message: format!("'{}' is not a SHA-256", entry.sha256),
            });
        }
        let blob = self.blob_key(&entry.sha256);
        let Some((bytes, _)) = self.read(&blob).await? else {
            return Err(ModelError::Corrupt {
                path: self.shown(&key),
                message: format!("its artifact {} is missing", self.shown(&blob).display()),
            });
        };
        let actual = sha256_hex(&bytes);
        if actual != entry.sha256 {
            return Err(ModelError::Checksum {
                path: self.shown(&blob),
                expected: entry.sha256,
                actual,
            });
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| ModelError::Corrupt {
            path: self.shown(&blob),
            message: e.to_string(),
        })?;
        let artifact = Artifact::from_file_str(&self.shown(&blob), text)?;
        if ModelRef::of(&artifact) != *model {
            return Err(ModelError::Corrupt {
                path: self.shown(&key),
                message: format!("it points at an artifact of {}", ModelRef::of(&artifact)),
            });
        }
        Ok(artifact)
    }

    async fn alias_doc(&self) -> Result<(AliasDoc, Option<UpdateVersion>), ModelError> {
        let key = self.url.key("aliases.json");
        match self.read(&key).await? {
            None => Ok((AliasDoc::default(), None)),
            Some((body, version)) => {
                let doc = serde_json::from_slice(&body).map_err(|e| ModelError::Corrupt {
                    path: self.shown(&key),
                    message: e.to_string(),
                })?;
                Ok((doc, Some(version)))
            }
        }
    }

    async fn set_alias_now(&self, alias: &str, model: &ModelRef) -> Result<(), ModelError> {
        check_name(alias)?;
        self.load_now(model).await?;
        let key = self.url.key("aliases.json");
        for attempt in 0..ALIAS_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let (mut doc, version) = self.alias_doc().await?;
            let previous = doc.aliases.insert(alias.to_string(), model.clone());
            if previous.as_ref() == Some(model) {
                return Ok(());
            }
            doc.history.push(AliasChange {
                at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                alias: alias.to_string(),
                model: model.clone(),
                previous,
            });
            let skip = doc.history.len().saturating_sub(MAX_HISTORY);
            doc.history.drain(..skip);
            let mode = match version {
                Some(v) if v.e_tag.is_some() => PutMode::Update(v),
                Some(_) => {
                    return Err(ModelError::Registry(format!(
                        "{}: the server gave no ETag for aliases.json, so an alias cannot be \
                         changed safely (conditional puts are needed)",
                        self.url
                    )))
                }
                None => PutMode::Create,
            };
            let body = serde_json::to_vec_pretty(&doc).expect("aliases serialise");
            let opts = PutOptions {
                mode,
                ..Default::default()
            };
            match self
                .store
                .put_opts(&key, PutPayload::from(body), opts)
                .await
            {
                Ok(_) => return Ok(()),
                // Someone else changed the aliases since we read them: read again.
                Err(object_store::Error::Precondition { .. })
                | Err(object_store::Error::AlreadyExists { .. }) => continue,
                Err(e) => return Err(self.err(format!("writing {key}"))(e)),
            }
        }
        Err(ModelError::Registry(format!(
            "{}: aliases.json changed under {ALIAS_ATTEMPTS} attempts in a row; try again",
            self.url
        )))
    }

    async fn list_now(&self) -> Result<Vec<ModelRef>, ModelError> {
        let under = self.url.key("models");
        let mut found = self.store.list(Some(&under));
        let mut out = Vec::new();
        while let Some(meta) = found.next().await {
            let meta = meta.map_err(self.err(format!("listing {under}")))?;
            let rel = meta
                .location
                .as_ref()
                .strip_prefix(under.as_ref())
                .unwrap_or("")
                .trim_start_matches('/');
            if let Some((name, file)) = rel.split_once('/') {
                if let Some(version) = file.strip_suffix(".json") {
                    out.push(ModelRef::new(name, version));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

impl ModelRegistry for ObjectRegistry {
    fn location(&self) -> String {
        self.url.to_string()
    }

    fn save<'a>(&'a self, artifact: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>> {
        Box::pin(self.save_now(artifact))
    }

    fn load<'a>(&'a self, model: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        Box::pin(self.load_now(model))
    }

    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>> {
        Box::pin(async move { Ok(self.alias_doc().await?.0.aliases) })
    }

    fn set_alias<'a>(
        &'a self,
        alias: &'a str,
        model: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>> {
        Box::pin(self.set_alias_now(alias, model))
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>> {
        Box::pin(self.list_now())
    }

    fn alias_history<'a>(
        &'a self,
        alias: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AliasChange>, ModelError>> {
        Box::pin(async move {
            let (doc, _) = self.alias_doc().await?;
            Ok(doc
                .history
                .into_iter()
                .filter(|c| c.alias == alias)
                .collect())
        })
    }
}
