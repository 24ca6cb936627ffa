//! The model cache: the last `capacity` model versions loaded (and verified) from a
//! registry, least recently used out first, in front of any [`ModelRegistry`]. A name and
//! version is one artifact, so a hit is always the artifact the registry holds; a `save`
//! over an existing version drops that entry. Misses load one at a time, so a burst of
//! calls for a version not yet loaded reads it once. Counted as `cache="models"` in
//! `nba_mcp_cache_requests_total` and `nba_mcp_cache_entries`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use nba_model::{Artifact, ModelError, ModelRef};
use nba_registry::{BoxFuture, ModelRegistry};

/// Model versions kept loaded by default (the `model_cache_entries` limit).
pub const DEFAULT_MODEL_CACHE_ENTRIES: usize = 50;

const CACHE: &str = "models";

#[derive(Debug)]
pub struct ModelCache {
    inner: Arc<dyn ModelRegistry>,
    capacity: usize,
    entries: Mutex<Entries>,
    /// Held while a miss loads, so concurrent misses of one version read it once.
    loading: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Entries {
    by_model: BTreeMap<ModelRef, (Arc<Artifact>, u64)>,
    tick: u64,
}

impl Entries {
    fn get(&mut self, model: &ModelRef) -> Option<Arc<Artifact>> {
        self.tick += 1;
        let tick = self.tick;
        let (artifact, used) = self.by_model.get_mut(model)?;
        *used = tick;
        Some(artifact.clone())
    }

    fn insert(&mut self, model: ModelRef, artifact: Arc<Artifact>, capacity: usize) {
        self.tick += 1;
        self.by_model.insert(model, (artifact, self.tick));
        while self.by_model.len() > capacity {
            let oldest = self
                .by_model
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(m, _)| m.clone())
                .expect("not empty");
            self.by_model.remove(&oldest);
        }
    }
}

impl ModelCache {
    /// Keeps up to `capacity` versions loaded (0: none, every load reads the registry).
    pub fn new(inner: Arc<dyn ModelRegistry>, capacity: usize) -> ModelCache {
        ModelCache {
            inner,
            capacity,
            entries: Mutex::default(),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    /// Versions loaded now.
    pub fn len(&self) -> usize {
        self.lock().by_model.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, entries: usize) {
        nba_ops::metrics()
            .cache_entries
            .with(&[CACHE], |g| g.set(entries as i64));
    }

    /// The artifact of `model`, from the cache or loaded (and then kept).
    pub async fn get(&self, model: &ModelRef) -> Result<Arc<Artifact>, ModelError> {
        if let Some(hit) = self.lock().get(model) {
            nba_ops::record_cache(CACHE, true);
            return Ok(hit);
        }
        let _loading = self.loading.lock().await;
        if let Some(hit) = self.lock().get(model) {
            nba_ops::record_cache(CACHE, true);
            return Ok(hit);
        }
        nba_ops::record_cache(CACHE, false);
        let artifact = Arc::new(self.inner.load(model).await?);
        if self.capacity > 0 {
            let mut entries = self.lock();
            entries.insert(model.clone(), artifact.clone(), self.capacity);
            self.publish(entries.by_model.len());
        }
        Ok(artifact)
    }
}

impl ModelRegistry for ModelCache {
    fn location(&self) -> String {
        self.inner.location()
    }

    fn behind(&self) -> Option<&dyn ModelRegistry> {
        Some(&*self.inner)
    }

    fn save<'a>(&'a self, artifact: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>> {
        Box::pin(async move {
            let saved = self.inner.save(artifact).await;
            let mut entries = self.lock();
            entries
                .by_model
                .remove(&ModelRef::new(&artifact.name, &artifact.version));
            self.publish(entries.by_model.len());
            saved
        })
    }

    fn load<'a>(&'a self, model: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        Box::pin(async move { Ok(Artifact::clone(&*self.get(model).await?)) })
    }

    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>> {
        self.inner.aliases()
    }

    fn set_alias<'a>(
        &'a self,
        alias: &'a str,
        model: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>> {
        self.inner.set_alias(alias, model)
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>> {
        self.inner.list()
    }

    fn alias_history<'a>(
        &'a self,
        alias: &'a str,
    ) -> BoxFuture<'a, Result<Vec<nba_registry::AliasChange>, ModelError>> {
        self.inner.alias_history(alias)
    }
}
