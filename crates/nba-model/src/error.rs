//! Errors of the prediction crate, each with a stable machine-readable code.

use std::path::PathBuf;

/// What can go wrong training, storing, loading or evaluating a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no finished games to train on in seasons {first}..={last}")]
    NoTrainingData { first: i64, last: i64 },
    #[error("model training failed: {0}")]
    Training(String),
    #[error("model artifact {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("model artifact {path} failed its checksum (file says {expected}, content hashes to {actual}); the file was changed or damaged")]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error(
        "model artifact {path} has format version {found}; this build reads up to {supported}"
    )]
    UnsupportedFormat {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("unknown feature '{0}' in model")]
    UnknownFeature(String),
    #[error("model parameters do not match its {features} features: {message}")]
    Shape { features: usize, message: String },
    #[error("no model '{0}' in the model store")]
    NotFound(String),
    #[error("invalid model name or version '{0}': use letters, digits, '.', '-' and '_'")]
    InvalidName(String),
    #[error("model store {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The model registry backend failed (unreachable, refused, or its task died).
    #[error("model registry: {0}")]
    Registry(String),
    #[error("no season in {0} has finished regular-season games to evaluate")]
    NothingToEvaluate(String),
    /// An ONNX model that does not keep the contract (see `nba_model::onnx`).
    #[error("ONNX model refused: {0}")]
    Onnx(String),
}

impl ModelError {
    /// A stable code for each kind.
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::NoTrainingData { .. } => "no_training_data",
            ModelError::Training(_) => "training_failed",
            ModelError::Corrupt { .. } => "artifact_corrupt",
            ModelError::Checksum { .. } => "artifact_checksum",
            ModelError::UnsupportedFormat { .. } => "artifact_format",
            ModelError::UnknownFeature(_) => "unknown_feature",
            ModelError::Shape { .. } => "model_shape",
            ModelError::NotFound(_) => "model_not_found",
            ModelError::InvalidName(_) => "invalid_model_name",
            ModelError::Io { .. } => "model_store_io",
            ModelError::Registry(_) => "model_registry",
            ModelError::NothingToEvaluate(_) => "nothing_to_evaluate",
            ModelError::Onnx(_) => "onnx_contract",
        }
    }
}
