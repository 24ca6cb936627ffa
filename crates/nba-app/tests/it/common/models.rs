//! Helpers of the prediction tests: a model trained in-process on the FiveThirtyEight games
//! (as `nba-mcp train` would, shared by every process of the test binary), private copies
//! of the games database and of the model store for tests that write to them, and a
//! one-character corruption of an artifact file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use nba_app::predict::ModelConfig;
use nba_app::App;
use nba_ingest::{Format, ParseOptions};
use nba_model::{FeatureConfig, ModelRef, TrainConfig};
use nba_registry::{FolderRegistry, ModelRegistry, CHAMPION};
use nba_store::{Provenance, Store, StoreOptions};

use super::{data_dir, games_db, shared_dir, sqlite_url};

/// The model every test serves: trained on these seasons (end years).
pub const TRAIN_SEASONS: (i64, i64) = (2005, 2016);
pub const MODEL_NAME: &str = "test";

/// A folder of this test process, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nba-app-predict-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary folder");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies a folder tree (the model store: a few small files).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The model store with `champion` -> the model trained on [`TRAIN_SEASONS`], made once and
/// shared by every process of this test binary (training takes a while in a debug build).
pub fn model_store() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let db = games_db().to_path_buf();
        shared_dir("model", &data_dir(), move |dir| {
            let dir = dir.to_path_buf();
            // A runtime of its own: the caller may be inside a test's runtime.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("build training runtime");
                let games = rt.block_on(async {
                    let store = Store::open(&StoreOptions::new(sqlite_url(&db)))
                        .await
                        .expect("open the games store");
                    let (games, _) = nba_app::models::load_games(&store)
                        .await
                        .expect("load games");
                    store.close().await;
                    games
                });
                let a = nba_model::train::train_artifact(
                    &games,
                    TRAIN_SEASONS,
                    MODEL_NAME,
                    None,
                    FeatureConfig::default(),
                    &TrainConfig::default(),
                )
                .expect("train the test model");
                let registry = FolderRegistry::new(&dir);
                rt.block_on(async {
                    registry.save(&a).await.expect("save the test model");
                    registry
                        .set_alias(CHAMPION, &ModelRef::of(&a))
                        .await
                        .expect("set the champion alias");
                });
            })
            .join()
            .expect("training the test model failed (see the panic above)");
        })
    })
}

/// What the champion alias of a folder registry points at (read from its `aliases.json`).
pub fn champion_of(models: &Path) -> ModelRef {
    let text = std::fs::read_to_string(models.join("aliases.json")).expect("aliases.json");
    let mut aliases: std::collections::BTreeMap<String, ModelRef> =
        serde_json::from_str(&text).expect("aliases parse");
    aliases.remove(CHAMPION).expect("champion alias")
}

/// The version of the shared champion.
pub fn champion_version() -> String {
    champion_of(model_store()).version
}

/// The artifact file the champion alias points at, in a model store.
pub fn champion_file(models: &Path) -> PathBuf {
    FolderRegistry::new(models)
        .path(&champion_of(models))
        .expect("artifact path")
}

/// Changes one character of an artifact file (the model's name inside its content), so the
/// file is still JSON but no longer matches its checksum.
pub fn corrupt(file: &Path) {
    let text = std::fs::read_to_string(file).expect("read artifact");
    let from = format!("\"name\": \"{MODEL_NAME}\"");
    let to = format!("\"name\": \"{}T\"", &MODEL_NAME[..MODEL_NAME.len() - 1]);
    assert_eq!(text.matches(&from).count(), 1, "artifact layout: {from}");
    std::fs::write(file, text.replace(&from, &to)).expect("write artifact");
}

/// An application serving a model, over a private copy of the games database (served
/// predictions are written to it).
pub struct Serving {
    pub app: App,
    _db: TempDir,
}

pub async fn open_private_db(tmp: &TempDir) -> Store {
    let db = tmp.path().join("nba.db");
    // A consistent copy (SQLite's VACUUM INTO, one read transaction), not a file copy: tests
    // in other processes write to the shared file (their audit entries), and a copy taken
    // mid-checkpoint would hold audit rows past its audit head.
    {
        use sqlx::Connection;
        let mut shared = sqlx::SqliteConnection::connect(&sqlite_url(games_db()))
            .await
            .expect("open the shared games database");
        sqlx::query("VACUUM INTO $1")
            .bind(db.display().to_string())
            .execute(&mut shared)
            .await
            .expect("copy the games database");
        shared.close().await.expect("close the shared database");
    }
    Store::open(&StoreOptions::new(sqlite_url(&db)))
        .await
        .expect("open the copied store")
}

pub async fn serving_with(models: &Path) -> Serving {
    let tmp = TempDir::new("db");
    let store = open_private_db(&tmp).await;
    let app = App::with_models(
        store,
        ModelConfig {
            registry: std::sync::Arc::new(FolderRegistry::new(models)),
            spec: CHAMPION.into(),
        },
    )
    .await
    .expect("build App with models");
    Serving { app, _db: tmp }
}

pub async fn serving() -> Serving {
    serving_with(model_store()).await
}

/// Loads one data file into a store, as `nba-mcp ingest` does.
pub async fn load_file(store: &Store, format: Format, path: &Path) {
    let parsed = nba_ingest::parse_file(
        format,
        path,
        &ParseOptions {
            skip_invalid: false,
        },
    )
    .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    store
        .load(
            &parsed,
            &Provenance {
                format: format.name().into(),
                data_source: "real".into(),
                skip_invalid: false,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("load {}: {e}", path.display()));
}
