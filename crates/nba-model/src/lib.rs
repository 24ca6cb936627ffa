//! Game predictions for NBA MCP: FiveThirtyEight-style Elo ([`elo`]), features known before
//! tip-off ([`features`]), a logistic model trained with linfa ([`train`]), versioned model
//! artifacts ([`artifact`]; where they are stored is `nba-registry`), models brought as ONNX
//! ([`onnx`], run by tract) and walk-forward evaluation against 538's published forecasts
//! ([`evaluate`]). Plain game structs in, no database.

pub mod arenas;
pub mod artifact;
pub mod elo;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod game;
pub mod history;
pub mod metrics;
pub mod model;
pub mod net;
pub mod onnx;
pub mod predictor;
pub mod svg;
pub mod train;

pub use artifact::{Artifact, ModelRef};
pub use elo::{EloParams, EloState};
pub use error::ModelError;
pub use evaluate::{walk_forward, Benchmark, Evaluation};
pub use features::{FeatureConfig, Features, Pipeline, FEATURES};
pub use game::{GameInput, Stage};
pub use metrics::Metrics;
pub use model::{Model, ModelParams};
pub use predictor::{Prediction, Predictor};
pub use train::{Example, TrainConfig};
