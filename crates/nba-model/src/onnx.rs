//! Bring-your-own models: an ONNX graph (scikit-learn through skl2onnx, or anything that
//! keeps the contract below) scored on the CPU by tract, in process, pure Rust.
//!
//! The contract, checked when the graph is loaded, refused with a message naming what is
//! wrong:
//! - metadata entry `nba_mcp.features`: comma-separated names of features this crate
//!   computes ([`crate::FEATURES`]), the columns of the input in order;
//! - metadata entry `nba_mcp.contract`: the JSON `nba-mcp models export-features` wrote
//!   beside the features the model was trained on (how they were computed, from which
//!   games), copied unchanged;
//! - exactly one input, float `[N, k]` (or `[1, k]`) for the `k` features named;
//! - an output `probabilities`, `[N, 2]`, column 1 the home team winning, and an output
//!   `margin`, `[N, 1]` or `[N]`, the expected home points minus away points;
//! - on a probe (the zero vector and a few others) both outputs are finite and the
//!   probabilities are in 0..1 and sum to 1.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid as _;

use crate::artifact::{self, Artifact, OnnxParameters, Parameters, TrainMetrics, Training};
use crate::error::ModelError;
use crate::features::{feature_index, FeatureConfig, Features};
use crate::game::GameInput;
use crate::metrics;
use crate::train::{self, Example};

/// Metadata key naming the input's features.
pub const FEATURES_KEY: &str = "nba_mcp.features";
/// Metadata key holding the export's contract.
pub const CONTRACT_KEY: &str = "nba_mcp.contract";
/// Metadata key naming what trained the model (optional).
pub const TRAINER_KEY: &str = "nba_mcp.trainer";
/// Largest ONNX file accepted.
pub const MAX_ONNX_BYTES: usize = 16 << 20;
/// Output holding `[p_away, p_home]` per row.
pub const PROBABILITIES: &str = "probabilities";
/// Output holding the expected margin per row.
pub const MARGIN: &str = "margin";

/// What `nba-mcp models export-features` writes beside the features: enough to compute the
/// same features at serve time and to say what the model saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportContract {
    /// Layout of this JSON (1).
    pub format: u32,
    /// The feature columns of the export, in order.
    pub features: Vec<String>,
    /// How they were computed.
    pub feature_config: FeatureConfig,
    /// First and last season exported, by end year.
    pub seasons: [i64; 2],
    /// Rows (finished games) exported.
    pub games: usize,
    /// SHA-256 over every game the features depend on (see [`crate::train::data_hash`]).
    pub data_sha256: String,
}

/// What an ONNX file declares about itself, read before it is trusted with traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub features: Vec<String>,
    pub contract: ExportContract,
    pub trainer: String,
}

/// A loaded, checked ONNX model.
pub struct OnnxModel {
    plan: Arc<TypedSimplePlan>,
    index: Vec<usize>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OnnxModel({} features)", self.index.len())
    }
}

fn refused(message: impl Into<String>) -> ModelError {
    ModelError::Onnx(message.into())
}

fn metadata(model: &InferenceModel, key: &str) -> Option<String> {
    let t = model
        .properties
        .get(&format!("onnx.metadata_props.{key}"))?;
    t.to_plain_array_view::<String>()
        .ok()?
        .iter()
        .next()
        .cloned()
}

fn parse(bytes: &[u8]) -> Result<InferenceModel, ModelError> {
    if bytes.len() > MAX_ONNX_BYTES {
        return Err(refused(format!(
            "the ONNX file is {} bytes; at most {MAX_ONNX_BYTES} are accepted",
            bytes.len()
        )));
    }
    tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .map_err(|e| refused(format!("not an ONNX model this server can run: {e:#}")))
}

fn declared_of(model: &InferenceModel) -> Result<Declared, ModelError> {
    let features = metadata(model, FEATURES_KEY).ok_or_else(|| {
        refused(format!(
            "the model has no metadata entry '{FEATURES_KEY}' naming its input columns \
             (scripts/byom/train_sklearn.py shows how to add it)"
        ))
    })?;
    let features: Vec<String> = features
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if features.is_empty() {
        return Err(refused(format!(
            "metadata entry '{FEATURES_KEY}' names no features"
        )));
    }
    for f in &features {
        if feature_index(f).is_none() {
            return Err(refused(format!(
                "the model's input names feature '{f}', which nba-mcp does not compute; known: {}",
                crate::FEATURES.join(", ")
            )));
        }
    }
    let contract = metadata(model, CONTRACT_KEY).ok_or_else(|| {
        refused(format!(
            "the model has no metadata entry '{CONTRACT_KEY}': copy in the contract JSON \
             `nba-mcp models export-features` wrote beside its training data"
        ))
    })?;
    let contract: ExportContract = serde_json::from_str(&contract).map_err(|e| {
        refused(format!(
            "metadata entry '{CONTRACT_KEY}' is not an export contract: {e}"
        ))
    })?;
    if contract.format != 1 {
        return Err(refused(format!(
            "export contract format {} is not one this server reads (1)",
            contract.format
        )));
    }
    if let Some(f) = features.iter().find(|f| !contract.features.contains(f)) {
        return Err(refused(format!(
            "the model uses feature '{f}', which its export contract does not list"
        )));
    }
    let trainer = metadata(model, TRAINER_KEY).unwrap_or_else(|| "unknown".into());
    Ok(Declared {
        features,
        contract,
        trainer,
    })
}

/// Reads what an ONNX file declares (features, contract, trainer) without preparing it.
pub fn declared(bytes: &[u8]) -> Result<Declared, ModelError> {
    declared_of(&parse(bytes)?)
}

fn output_named(model: &InferenceModel, name: &str) -> Result<OutletId, ModelError> {
    let outputs = model.output_outlets().map_err(|e| refused(e.to_string()))?;
    outputs
        .iter()
        .copied()
        .find(|o| model.outlet_label(*o) == Some(name) || model.node(o.node).name == name)
        .ok_or_else(|| {
            let names: Vec<String> = outputs
                .iter()
                .map(|o| {
                    model
                        .outlet_label(*o)
                        .unwrap_or(&model.node(o.node).name)
                        .to_string()
                })
                .collect();
            refused(format!(
                "the model has no output '{name}' (it has: {}); nba-mcp serves a win \
                 probability ('{PROBABILITIES}', [N, 2]) and an expected margin ('{MARGIN}', [N, 1])",
                names.join(", ")
            ))
        })
}

impl OnnxModel {
    /// Loads `bytes` and checks the contract against `features`, the artifact's feature
    /// list (which must be the one the graph declares).
    pub fn load(bytes: &[u8], features: &[String]) -> Result<OnnxModel, ModelError> {
        let mut model = parse(bytes)?;
        let declared = declared_of(&model)?;
        if declared.features != features {
            return Err(refused(format!(
                "the graph's input is [{}] but the artifact says [{}]",
                declared.features.join(", "),
                features.join(", ")
            )));
        }
        let k = features.len();
        let inputs = model
            .input_outlets()
            .map_err(|e| refused(e.to_string()))?
            .len();
        if inputs != 1 {
            return Err(refused(format!(
                "the model has {inputs} inputs; it must have one, float [N, {k}]"
            )));
        }
        let probabilities = output_named(&model, PROBABILITIES)?;
        let margin = output_named(&model, MARGIN)?;
        let fact = model
            .input_fact(0)
            .map_err(|e| refused(e.to_string()))?
            .clone();
        let declared_input = format!("{fact:?}");
        // The width must be declared and match: a graph run on fewer columns than its
        // weights would not always fail, it would answer wrongly.
        let dims: Vec<Option<i64>> = fact
            .shape
            .dims()
            .map(|d| d.concretize().and_then(|d| d.to_i64().ok()))
            .collect();
        if fact.shape.is_open() || dims.len() != 2 || dims[1] != Some(k as i64) {
            return Err(refused(format!(
                "the model's input is {declared_input}; it must be declared float [N, {k}] for \
                 the {k} features its contract names ({})",
                features.join(", ")
            )));
        }
        model
            .select_output_outlets(&[probabilities, margin])
            .map_err(|e| refused(e.to_string()))?;
        let model = model
            .with_input_fact(0, f32::fact([1, k]).into())
            .and_then(|m| m.into_optimized())
            .map_err(|e| {
                refused(format!(
                    "the model does not take one row of the {k} features its contract names \
                     (its input is {declared_input}): {e:#}"
                ))
            })?;
        let plan = model
            .into_runnable()
            .map_err(|e| refused(format!("the model cannot be prepared to run: {e:#}")))?;
        let loaded = OnnxModel {
            plan,
            index: features
                .iter()
                .map(|f| feature_index(f).expect("checked by declared_of"))
                .collect(),
        };
        loaded.probe()?;
        Ok(loaded)
    }

    fn probe(&self) -> Result<(), ModelError> {
        for fill in [0.0, 1.0, -1.0, 10.0, -10.0] {
            let f = Features {
                values: [fill; crate::features::N_FEATURES],
            };
            self.score(&f).map_err(|e| {
                refused(format!(
                    "on a probe row (every feature {fill}) the model's answer is not usable: {e}"
                ))
            })?;
        }
        Ok(())
    }

    /// Home-win probability and expected margin, or why the graph gave neither.
    pub fn score(&self, f: &Features) -> Result<(f64, f64), String> {
        let k = self.index.len();
        let row: Vec<f32> = self.index.iter().map(|&i| f.values[i] as f32).collect();
        let input = Tensor::from_shape(&[1, k], &row).map_err(|e| e.to_string())?;
        let out = self
            .plan
            .run(tvec!(input.into()))
            .map_err(|e| format!("{e:#}"))?;
        let floats = |i: usize, what: &str| -> Result<Vec<f64>, String> {
            let t = out[i]
                .cast_to::<f64>()
                .map_err(|e| format!("{what}: {e}"))?;
            let view = t
                .to_plain_array_view::<f64>()
                .map_err(|e| format!("{what}: {e}"))?;
            Ok(view.iter().copied().collect())
        };
        let p = floats(0, PROBABILITIES)?;
        let m = floats(1, MARGIN)?;
        if p.len() != 2 {
            return Err(format!(
                "'{PROBABILITIES}' has {} values per row, not 2",
                p.len()
            ));
        }
        if m.len() != 1 {
            return Err(format!("'{MARGIN}' has {} values per row, not 1", m.len()));
        }
        let ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !(ok(p[0]) && ok(p[1]) && (p[0] + p[1] - 1.0).abs() < 1e-3) {
            return Err(format!("probabilities {p:?} are not two shares of 1"));
        }
        if !m[0].is_finite() {
            return Err(format!("margin {} is not a number", m[0]));
        }
        Ok((p[1], m[0]))
    }
}

/// Every finished game of `seasons` with its pre-game features (each from the games before
/// its date only), as `export-features` writes them, and the contract that goes beside them.
/// `games` is all history in date order; later seasons are ignored.
pub fn export(
    games: &[GameInput],
    (first, last): (i64, i64),
    config: FeatureConfig,
) -> (Vec<(GameInput, Example)>, ExportContract) {
    let seen: Vec<GameInput> = games.iter().filter(|g| g.season <= last).cloned().collect();
    let (examples, _) = train::examples(&seen, config);
    let rows: Vec<(GameInput, Example)> = examples
        .into_iter()
        .filter(|e| e.season >= first)
        .map(|e| (seen[e.game].clone(), e))
        .collect();
    let contract = ExportContract {
        format: 1,
        features: crate::FEATURES.iter().map(|s| s.to_string()).collect(),
        feature_config: config,
        seasons: [first, last],
        games: rows.len(),
        data_sha256: train::data_hash(&seen),
    };
    (rows, contract)
}

/// An ONNX model packed as an artifact, with what was checked.
#[derive(Debug, Clone)]
pub struct Imported {
    pub artifact: Artifact,
    /// Whether the games in the store now hash as they did at export; when not, the
    /// in-sample scores are on the store's games, not exactly the ones it was trained on.
    pub data_matches_export: bool,
}

/// Checks an ONNX file against its contract, scores it in-sample on the export's seasons of
/// `games` (all history, date order) and packs it as an artifact. `version` defaults to
/// `onnx.<12 hex of its SHA-256>`.
pub fn import(
    bytes: &[u8],
    name: &str,
    version: Option<&str>,
    games: &[GameInput],
) -> Result<Imported, ModelError> {
    let declared = declared(bytes)?;
    let model = OnnxModel::load(bytes, &declared.features)?;
    let c = &declared.contract;
    let (rows, now) = export(games, (c.seasons[0], c.seasons[1]), c.feature_config);
    if rows.is_empty() {
        return Err(ModelError::NoTrainingData {
            first: c.seasons[0],
            last: c.seasons[1],
        });
    }
    let mut scored = Vec::with_capacity(rows.len());
    for (_, e) in &rows {
        let (p, _) = model.score(&e.features).map_err(|err| {
            refused(format!(
                "on a game of its training seasons the model failed: {err}"
            ))
        })?;
        scored.push((p, e.home_won()));
    }
    let sha = artifact::sha256_hex(bytes);
    let version = version
        .map(str::to_string)
        .unwrap_or_else(|| format!("onnx.{}", &sha[..12]));
    let artifact = Artifact {
        format_version: artifact::FORMAT_VERSION,
        name: name.to_string(),
        version,
        features: declared.features.clone(),
        feature_config: c.feature_config,
        parameters: Parameters::Onnx(OnnxParameters {
            onnx_sha256: sha,
            onnx_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            trainer: declared.trainer.clone(),
        }),
        training: Training {
            seasons: c.seasons,
            games: c.games,
            data_sha256: c.data_sha256.clone(),
            settings: None,
        },
        metrics: TrainMetrics {
            train: metrics::score(&scored),
            validation: None,
        },
    };
    Ok(Imported {
        artifact,
        data_matches_export: now.data_sha256 == c.data_sha256,
    })
}
