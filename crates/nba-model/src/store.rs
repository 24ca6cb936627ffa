//! The local model store: a directory with `models/<name>/<version>.json` artifacts and
//! `aliases.json` mapping aliases such as `champion` to a name and version. Writes go to a
//! temporary file first and are renamed into place, so a reader never sees half a file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::artifact::Artifact;
use crate::error::ModelError;

/// The alias serving loads unless told otherwise.
pub const CHAMPION: &str = "champion";

/// A model by name and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub version: String,
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// A model store rooted at a directory (created on first write).
#[derive(Debug, Clone)]
pub struct ModelStore {
    root: PathBuf,
}

fn check_name(s: &str) -> Result<(), ModelError> {
    let ok = !s.is_empty()
        && !s.starts_with('.')
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidName(s.to_string()))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), ModelError> {
    let dir = path.parent().expect("store paths have a parent");
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

impl ModelStore {
    pub fn new(root: impl Into<PathBuf>) -> ModelStore {
        ModelStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an artifact lives.
    pub fn path(&self, name: &str, version: &str) -> Result<PathBuf, ModelError> {
        check_name(name)?;
        check_name(version)?;
        Ok(self
            .root
            .join("models")
            .join(name)
            .join(format!("{version}.json")))
    }

    fn aliases_path(&self) -> PathBuf {
        self.root.join("aliases.json")
    }

    /// Writes an artifact (replacing one of the same name and version); returns its path.
    pub fn save(&self, artifact: &Artifact) -> Result<PathBuf, ModelError> {
        let path = self.path(&artifact.name, &artifact.version)?;
        write_atomic(&path, &artifact.to_file_string())?;
        Ok(path)
    }

    /// Reads and verifies one artifact.
    pub fn load(&self, name: &str, version: &str) -> Result<Artifact, ModelError> {
        let path = self.path(name, version)?;
        if !path.exists() {
            return Err(ModelError::NotFound(format!("{name}@{version}")));
        }
        Artifact::read(&path)
    }

    /// Every alias and what it points at.
    pub fn aliases(&self) -> Result<BTreeMap<String, ModelRef>, ModelError> {
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

    /// Points `alias` at a stored model (which must load cleanly).
    pub fn set_alias(&self, alias: &str, name: &str, version: &str) -> Result<(), ModelError> {
        check_name(alias)?;
        self.load(name, version)?;
        let mut all = self.aliases()?;
        all.insert(
            alias.to_string(),
            ModelRef {
                name: name.to_string(),
                version: version.to_string(),
            },
        );
        let text = serde_json::to_string_pretty(&all).expect("aliases serialise") + "\n";
        write_atomic(&self.aliases_path(), &text)
    }

    /// Loads a model by alias (`champion`) or as `name@version`.
    pub fn resolve(&self, spec: &str) -> Result<Artifact, ModelError> {
        if let Some((name, version)) = spec.split_once('@') {
            return self.load(name, version);
        }
        let r = self
            .aliases()?
            .remove(spec)
            .ok_or_else(|| ModelError::NotFound(format!("alias '{spec}'")))?;
        self.load(&r.name, &r.version)
    }

    /// Every stored model, sorted.
    pub fn list(&self) -> Result<Vec<ModelRef>, ModelError> {
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
                    out.push(ModelRef {
                        name: name.clone(),
                        version: version.to_string(),
                    });
                }
            }
        }
        out.sort();
        Ok(out)
    }
}
