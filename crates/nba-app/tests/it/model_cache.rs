//! The model cache in front of a real folder registry: a version is read once while it
//! stays cached, the least recently used goes first past the capacity, a save over a cached
//! version is read anew, and concurrent misses of one version read it once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::models::{champion_of, copy_tree, model_store, TempDir};
use nba_app::ModelCache;
use nba_model::{Artifact, ModelError, ModelRef};
use nba_registry::{BoxFuture, FolderRegistry, ModelRegistry};

/// A folder registry that counts the artifacts it reads.
#[derive(Debug)]
struct Counting {
    folder: FolderRegistry,
    loads: AtomicUsize,
}

impl ModelRegistry for Counting {
    fn location(&self) -> String {
        self.folder.location()
    }
    fn save<'a>(&'a self, a: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>> {
        self.folder.save(a)
    }
    fn load<'a>(&'a self, m: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.folder.load(m)
    }
    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>> {
        self.folder.aliases()
    }
    fn set_alias<'a>(
        &'a self,
        a: &'a str,
        m: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>> {
        self.folder.set_alias(a, m)
    }
    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>> {
        self.folder.list()
    }
}

fn counting(dir: &TempDir) -> Arc<Counting> {
    copy_tree(model_store(), dir.path());
    Arc::new(Counting {
        folder: FolderRegistry::new(dir.path()),
        loads: AtomicUsize::new(0),
    })
}

#[tokio::test]
async fn a_cached_version_is_read_once_and_the_least_recently_used_goes_first() {
    let dir = TempDir::new("model-cache");
    let inner = counting(&dir);
    let cache = ModelCache::new(inner.clone(), 1);
    let champion = champion_of(dir.path());
    let first = cache.get(&champion).await.expect("load");
    let again = cache.get(&champion).await.expect("cached");
    assert!(
        Arc::ptr_eq(&first, &again),
        "the second get is the cached artifact"
    );
    assert_eq!(inner.loads.load(Ordering::SeqCst), 1);

    // A second version (same model, another version label) pushes the first out.
    let mut other = Artifact::clone(&first);
    other.version = format!("{}-b", first.version);
    cache.save(&other).await.expect("save");
    let other_ref = ModelRef::new(&other.name, &other.version);
    assert_eq!(
        cache.get(&other_ref).await.expect("load b").version,
        other.version
    );
    assert_eq!(cache.len(), 1, "capacity 1");
    cache.get(&champion).await.expect("reload");
    assert_eq!(
        inner.loads.load(Ordering::SeqCst),
        3,
        "evicted, so read again"
    );

    // A save over a cached version drops it: the next get reads what was saved.
    cache.save(&first).await.expect("save over");
    cache.get(&champion).await.expect("reload after save");
    assert_eq!(inner.loads.load(Ordering::SeqCst), 4);

    // Through the registry trait (what serving calls) the cache answers too.
    let via_trait = cache.load(&champion).await.expect("load via trait");
    assert_eq!(via_trait.version, champion.version);
    assert_eq!(inner.loads.load(Ordering::SeqCst), 4);

    // Errors are the registry's, and nothing is cached for them.
    let missing = ModelRef::new(&first.name, "no-such-version");
    assert!(cache.get(&missing).await.is_err());
    assert!(cache.get(&missing).await.is_err());
    assert_eq!(inner.loads.load(Ordering::SeqCst), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_of_one_version_read_it_once() {
    let dir = TempDir::new("model-cache-burst");
    let inner = counting(&dir);
    let cache = Arc::new(ModelCache::new(inner.clone(), 50));
    let champion = champion_of(dir.path());
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (cache, champion) = (cache.clone(), champion.clone());
            tokio::spawn(async move { cache.get(&champion).await.expect("load") })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.expect("task").version, champion.version);
    }
    assert_eq!(inner.loads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn capacity_zero_keeps_nothing() {
    let dir = TempDir::new("model-cache-off");
    let inner = counting(&dir);
    let cache = ModelCache::new(inner.clone(), 0);
    let champion = champion_of(dir.path());
    cache.get(&champion).await.expect("load");
    cache.get(&champion).await.expect("load");
    assert_eq!(inner.loads.load(Ordering::SeqCst), 2);
    assert!(cache.is_empty());
}
