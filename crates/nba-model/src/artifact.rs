//! The versioned model artifact: everything needed to rebuild a model's predictions, with a
//! SHA-256 of its own content so a damaged or edited file is refused.
//!
//! On disk an artifact is `{"sha256": "<hex>", "artifact": {...}}`, where the hash is over
//! the exact bytes of the `artifact` value as written. Reading hashes those bytes before
//! trusting anything in them. Nothing time-dependent is stored, so the same games and
//! settings give a byte-identical file.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::ModelError;
use crate::features::FeatureConfig;
use crate::metrics::Metrics;
use crate::model::{Linear, ModelParams, Scaler};
use crate::train::TrainConfig;

/// The artifact layout this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// What predicts: the built-in linear layers, or an ONNX graph brought from elsewhere.
/// Untagged, so a linear artifact is written exactly as before ONNX models existed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Parameters {
    Linear(LinearParameters),
    Onnx(OnnxParameters),
}

/// The fitted layers of a model `nba-mcp train` made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearParameters {
    pub scaler: Scaler,
    pub logistic: Linear,
    pub margin: Linear,
}

/// An ONNX model (see [`crate::onnx`] for the contract it keeps), stored inside the
/// artifact so it is covered by the artifact's checksum and travels with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnnxParameters {
    /// SHA-256 of the ONNX bytes.
    pub onnx_sha256: String,
    /// The ONNX file, base64 (standard alphabet, padded).
    pub onnx_base64: String,
    /// What made it, from the model's `nba_mcp.trainer` metadata or producer name.
    pub trainer: String,
}

impl Parameters {
    /// The linear layers, when this is a built-in model.
    pub fn linear(&self) -> Option<&LinearParameters> {
        match self {
            Parameters::Linear(p) => Some(p),
            Parameters::Onnx(_) => None,
        }
    }

    pub fn linear_mut(&mut self) -> Option<&mut LinearParameters> {
        match self {
            Parameters::Linear(p) => Some(p),
            Parameters::Onnx(_) => None,
        }
    }

    /// `linear` or `onnx`.
    pub fn kind(&self) -> &'static str {
        match self {
            Parameters::Linear(_) => "linear",
            Parameters::Onnx(_) => "onnx",
        }
    }
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// First and last training season (end years).
    pub seasons: [i64; 2],
    /// Finished games in the training set.
    pub games: usize,
    /// SHA-256 over every game the model saw (all games up to the last training season,
    /// in order; ratings start in 1946-47), see [`crate::train::data_hash`].
    pub data_sha256: String,
    /// The built-in trainer's settings (absent for a model trained elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<TrainConfig>,
}

/// Scores recorded at training time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainMetrics {
    /// In-sample, every training game.
    pub train: Metrics,
    /// The last training season's regular season, predicted by the same recipe fitted on
    /// the seasons before it (absent when training on one season).
    pub validation: Option<Metrics>,
}

/// A trained model and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub format_version: u32,
    pub name: String,
    pub version: String,
    /// Features in the order of the coefficients.
    pub features: Vec<String>,
    /// How the features are computed (ratings' parameters and the rest).
    pub feature_config: FeatureConfig,
    pub parameters: Parameters,
    pub training: Training,
    pub metrics: TrainMetrics,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    sha256: String,
    artifact: &'a RawValue,
}

#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    sha256: String,
    #[serde(borrow)]
    artifact: &'a RawValue,
}

#[derive(Deserialize)]
struct Version {
    format_version: u32,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Artifact {
    /// The linear model's parameters (`None` for an ONNX model).
    pub fn model_params(&self) -> Option<ModelParams> {
        let p = self.parameters.linear()?;
        Some(ModelParams {
            features: self.features.clone(),
            scaler: p.scaler.clone(),
            logistic: p.logistic.clone(),
            margin: p.margin.clone(),
        })
    }

    /// The file content: the artifact and the SHA-256 of its bytes.
    pub fn to_file_string(&self) -> String {
        let body = serde_json::to_string_pretty(self).expect("artifact serialises");
        let sha256 = sha256_hex(body.as_bytes());
        let raw = RawValue::from_string(body).expect("valid JSON");
        let mut out = serde_json::to_string(&EnvelopeOut {
            sha256,
            artifact: &raw,
        })
        .expect("envelope serialises");
        out.push('\n');
        out
    }

    /// The SHA-256 the file written by [`Artifact::to_file_string`] carries.
    pub fn content_sha256(&self) -> String {
        sha256_hex(
            serde_json::to_string_pretty(self)
                .expect("artifact serialises")
                .as_bytes(),
        )
    }

    /// Reads file content, verifying the checksum before anything else; `path` only names
    /// the file in errors.
    pub fn from_file_str(path: &Path, text: &str) -> Result<Artifact, ModelError> {
        let corrupt = |message: String| ModelError::Corrupt {
            path: path.to_path_buf(),
            message,
        };
        let env: EnvelopeIn = serde_json::from_str(text)
            .map_err(|e| corrupt(format!("not an artifact file ({e})")))?;
        let actual = sha256_hex(env.artifact.get().as_bytes());
        if actual != env.sha256 {
            return Err(ModelError::Checksum {
                path: path.to_path_buf(),
                expected: env.sha256,
                actual,
            });
        }
        let v: Version = serde_json::from_str(env.artifact.get())
            .map_err(|e| corrupt(format!("no format_version ({e})")))?;
        if v.format_version > FORMAT_VERSION {
            return Err(ModelError::UnsupportedFormat {
                path: path.to_path_buf(),
                found: v.format_version,
                supported: FORMAT_VERSION,
            });
        }
        serde_json::from_str(env.artifact.get()).map_err(|e| corrupt(e.to_string()))
    }
}

/// A model by name and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub version: String,
}

impl ModelRef {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> ModelRef {
        ModelRef {
            name: name.into(),
            version: version.into(),
        }
    }

    /// The reference of an artifact.
    pub fn of(artifact: &Artifact) -> ModelRef {
        ModelRef::new(artifact.name.clone(), artifact.version.clone())
    }
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}
