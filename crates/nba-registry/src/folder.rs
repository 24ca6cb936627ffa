//! The folder backend: `models/<name>/<version>.json` artifacts, `aliases.json` mapping
//! aliases to a name and version, and `alias-history.jsonl`, every alias move (the latest
//! [`MAX_HISTORY`]). Writes go to a temporary file first and are renamed into
//! place, so a reader never sees half a file. File IO runs on the blocking pool.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nba_model::{Artifact, ModelError};

use crate::{check_name, AliasChange, BoxFuture, ModelRef, ModelRegistry, MAX_HISTORY};

/// A model registry rooted at a directory (created on first write).
#[derive(Debug, Clone)]
pub struct FolderRegistry {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), ModelError> {
    let dir = path.parent().expect("registry paths have a parent");
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Runs blocking file IO off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ModelError> + Send + 'static,
) -> Result<T, ModelError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(ModelError::Registry(format!("file task failed: {e}"))))
}

impl FolderRegistry {
    pub fn new(root: impl Into<PathBuf>) -> FolderRegistry {
        FolderRegistry { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an artifact lives.
    pub fn path(&self, model: &ModelRef) -> Result<PathBuf, ModelError> {
        check_name(&model.name)?;
        check_name(&model.version)?;
        Ok(self
            .root
            .join("models")
            .join(&model.name)
            .join(format!("{}.json", model.version)))
    }

    fn aliases_path(&self) -> PathBuf {
        self.root.join("aliases.json")
    }

    fn save_now(&self, artifact: &Artifact) -> Result<PathBuf, ModelError> {
        let path = self.path(&ModelRef::of(artifact))?;
        write_atomic(&path, &artifact.to_file_string())?;
        Ok(path)
    }

    fn load_now(&self, model: &ModelRef) -> Result<Artifact, ModelError> {
        let path = self.path(model)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ModelError::NotFound(model.to_string()))
            }
            Err(e) => return Err(io(&path)(e)),
        };
        Artifact::from_file_str(&path, &text)
    }

    fn aliases_now(&self) -> Result<BTreeMap<String, ModelRef>, ModelError> {
        let path = self.aliases_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ModelError::Corrupt {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn set_alias_now(&self, alias: &str, model: &ModelRef) -> Result<(), ModelError> {
        check_name(alias)?;
        self.load_now(model)?;
        let mut all = self.aliases_now()?;
        let previous = all.insert(alias.to_string(), model.clone());
        let text = serde_json::to_string_pretty(&all).expect("aliases serialise") + "\n";
        write_atomic(&self.aliases_path(), &text)?;
        if previous.as_ref() != Some(model) {
            self.record_change(AliasChange {
                at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                alias: alias.to_string(),
                model: model.clone(),
                previous,
            })?;
        }
        Ok(())
    }

    fn history_path(&self) -> PathBuf {
        self.root.join("alias-history.jsonl")
    }

    /// Every alias change, oldest first; the file keeps the latest [`MAX_HISTORY`].
    fn history_now(&self) -> Result<Vec<AliasChange>, ModelError> {
        let path = self.history_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&path)(e)),
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| ModelError::Corrupt {
                    path: path.clone(),
                    message: e.to_string(),
                })
            })
            .collect()
    }

    fn record_change(&self, change: AliasChange) -> Result<(), ModelError> {
        let mut all = self.history_now()?;
        all.push(change);
        let skip = all.len().saturating_sub(MAX_HISTORY);
        let text: String = all[skip..]
            .iter()
            .map(|c| serde_json::to_string(c).expect("a change serialises") + "\n")
            .collect();
        write_atomic(&self.history_path(), &text)
    }

    fn list_now(&self) -> Result<Vec<ModelRef>, ModelError> {
        let models = self.root.join("models");
        let mut out = Vec::new();
        let Ok(names) = std::fs::read_dir(&models) else {
            return Ok(out);
        };
        for dir in names.flatten() {
            let name = dir.file_name().to_string_lossy().to_string();
            for f in std::fs::read_dir(dir.path())
                .map_err(io(&models))?
                .flatten()
            {
                let file = f.file_name().to_string_lossy().to_string();
                if let Some(version) = file.strip_suffix(".json") {
                    out.push(ModelRef::new(name.clone(), version));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

impl ModelRegistry for FolderRegistry {
    fn location(&self) -> String {
        format!("folder {}", self.root.display())
    }

    fn save<'a>(&'a self, artifact: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>> {
        let (me, artifact) = (self.clone(), artifact.clone());
        Box::pin(blocking(move || {
            me.save_now(&artifact).map(|p| p.display().to_string())
        }))
    }

    fn load<'a>(&'a self, model: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        let (me, model) = (self.clone(), model.clone());
        Box::pin(blocking(move || me.load_now(&model)))
    }

    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>> {
        let me = self.clone();
        Box::pin(blocking(move || me.aliases_now()))
    }

    fn set_alias<'a>(
        &'a self,
        alias: &'a str,
        model: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>> {
        let (me, alias, model) = (self.clone(), alias.to_string(), model.clone());
        Box::pin(blocking(move || me.set_alias_now(&alias, &model)))
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>> {
        let me = self.clone();
        Box::pin(blocking(move || me.list_now()))
    }

    fn alias_history<'a>(
        &'a self,
        alias: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AliasChange>, ModelError>> {
        let (me, alias) = (self.clone(), alias.to_string());
        Box::pin(blocking(move || {
            Ok(me
                .history_now()?
                .into_iter()
                .filter(|c| c.alias == alias)
                .collect())
        }))
    }
}
