//! The model registry: where model artifacts live and which version an alias (`champion`)
//! points at. Serving, training and the operations tools talk to [`ModelRegistry`] only;
//! [`FolderRegistry`] keeps everything in a local folder, [`ObjectRegistry`] in a bucket on
//! the S3 API that several instances share; [`open`] picks one from a setting. The artifact
//! format and its checks are `nba_model::Artifact`; this crate does the IO.

mod folder;
mod mlflow;
mod object;
pub mod s3;

use std::collections::BTreeMap;

use std::future::Future;
use std::pin::Pin;

pub use nba_model::ModelRef;
use nba_model::{Artifact, ModelError};

pub use folder::FolderRegistry;
pub use mlflow::MlflowRegistry;
pub use object::ObjectRegistry;

/// Alias changes a registry keeps (older ones are dropped).
pub const MAX_HISTORY: usize = 1000;

/// A model, version or alias name: letters, digits, `.`, `-` and `_`, not starting with a dot.
pub(crate) fn check_name(s: &str) -> Result<(), ModelError> {
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

/// The registry a model-store setting names: `s3://bucket/prefix` (the S3 API, reached with
/// `s3` and the `AWS_*` environment), `http(s)://...` (an MLflow tracking server) or a
/// folder path.
pub fn open(
    spec: &str,
    s3: &s3::S3Options,
) -> Result<std::sync::Arc<dyn ModelRegistry>, ModelError> {
    let spec = spec.trim();
    if spec.starts_with("s3://") {
        return Ok(std::sync::Arc::new(ObjectRegistry::s3(spec, s3)?));
    }
    if spec.starts_with("http://") || spec.starts_with("https://") {
        return Ok(std::sync::Arc::new(MlflowRegistry::new(spec)?));
    }
    if let Some((scheme, _)) = spec.split_once("://") {
        return Err(ModelError::Registry(format!(
            "'{scheme}://' is not a model store: give a folder, s3://bucket/prefix or an MLflow http(s):// URL"
        )));
    }
    if spec.is_empty() {
        return Err(ModelError::Registry(
            "no model store given: a folder or s3://bucket/prefix".into(),
        ));
    }
    Ok(std::sync::Arc::new(FolderRegistry::new(spec)))
}

/// The alias serving loads unless told otherwise.
pub const CHAMPION: &str = "champion";

/// One move of an alias: when (RFC 3339, UTC), to what, and from what (none: new alias).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AliasChange {
    pub at: String,
    pub alias: String,
    pub model: ModelRef,
    pub previous: Option<ModelRef>,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A store of model artifacts with aliases. Every method verifies what it reads (checksum,
/// format version), so a damaged artifact is an error, never a model.
pub trait ModelRegistry: Send + Sync + std::fmt::Debug {
    /// Where the models are, for messages (`folder /var/lib/nba-mcp`).
    fn location(&self) -> String;

    /// Stores an artifact (replacing one of the same name and version); returns where.
    fn save<'a>(&'a self, artifact: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>>;

    /// Reads and verifies one artifact.
    fn load<'a>(&'a self, model: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>>;

    /// Every alias and what it points at.
    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>>;

    /// Points `alias` at a stored model, which must load cleanly.
    fn set_alias<'a>(
        &'a self,
        alias: &'a str,
        model: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>>;

    /// Every stored model, sorted.
    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>>;

    /// The changes of `alias`, oldest first (what `rollback` reads). A registry that keeps
    /// no history says so.
    fn alias_history<'a>(
        &'a self,
        alias: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AliasChange>, ModelError>> {
        let _ = alias;
        Box::pin(async move {
            Err(ModelError::Registry(format!(
                "{} keeps no alias history",
                self.location()
            )))
        })
    }

    /// Which model `spec` names: an alias (`champion`) or `name@version`. Cheap: reads the
    /// aliases, not the artifact, so serving can poll it to notice a promotion.
    fn resolve_ref<'a>(&'a self, spec: &'a str) -> BoxFuture<'a, Result<ModelRef, ModelError>> {
        Box::pin(async move {
            if let Some((name, version)) = spec.split_once('@') {
                return Ok(ModelRef::new(name, version));
            }
            self.aliases()
                .await?
                .remove(spec)
                .ok_or_else(|| ModelError::NotFound(format!("alias '{spec}'")))
        })
    }

    /// For a cache in front of a registry, the registry that holds the artifacts (`None`:
    /// this one does). Health checks read from it, so damage in storage shows while a cached
    /// copy keeps serving.
    fn behind(&self) -> Option<&dyn ModelRegistry> {
        None
    }

    /// Loads the model `spec` names.
    fn resolve<'a>(&'a self, spec: &'a str) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        Box::pin(async move {
            let model = self.resolve_ref(spec).await?;
            self.load(&model).await
        })
    }
}
