//! Serving: a loaded model plus the feature state after every finished game, answering
//! "what are the odds" for any matchup and taking new results one at a time.

use chrono::NaiveDate;
use serde::Serialize;

use std::sync::Arc;

use base64::Engine as _;

use crate::artifact::{Artifact, ModelRef, OnnxParameters, Parameters};
use crate::error::ModelError;
use crate::features::{Features, Pipeline};
use crate::game::GameInput;
use crate::model::{Contribution, Model};
use crate::onnx::OnnxModel;

/// A game's forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    pub prob_home: f64,
    pub prob_away: f64,
    /// Expected home margin, points.
    pub margin: f64,
}

/// What turns features into a forecast.
#[derive(Debug, Clone)]
enum Scorer {
    Linear(Model),
    Onnx(Arc<OnnxModel>),
}

/// A model ready to predict, with ratings and schedule state up to date.
#[derive(Debug, Clone)]
pub struct Predictor {
    model_ref: ModelRef,
    model: Scorer,
    pipeline: Pipeline,
}

impl Predictor {
    /// Builds the state from `history` (sorted by date; unplayed games are skipped). An ONNX
    /// artifact's graph is decoded, checked against its contract and probed here.
    pub fn new(artifact: &Artifact, history: &[GameInput]) -> Result<Predictor, ModelError> {
        let model = match &artifact.parameters {
            Parameters::Linear(_) => Scorer::Linear(Model::new(
                artifact.model_params().expect("linear parameters"),
            )?),
            Parameters::Onnx(p) => Scorer::Onnx(Arc::new(onnx_of(artifact, p)?)),
        };
        let mut pipeline = Pipeline::new(artifact.feature_config);
        pipeline.run(history, |_, _| {});
        Ok(Predictor {
            model_ref: ModelRef {
                name: artifact.name.clone(),
                version: artifact.version.clone(),
            },
            model,
            pipeline,
        })
    }

    pub fn model_ref(&self) -> &ModelRef {
        &self.model_ref
    }

    /// Date of the latest result the state includes.
    pub fn data_through(&self) -> Option<NaiveDate> {
        self.pipeline.last_date()
    }

    /// Adds a finished game (games must arrive in date order); unplayed games are ignored.
    pub fn apply(&mut self, game: &GameInput) {
        self.pipeline.update(game);
    }

    /// The features the model sees for `game`, as of the latest result applied.
    pub fn features(&self, game: &GameInput) -> Features {
        self.pipeline.features(game)
    }

    /// Home and away win probability and expected margin. An ONNX graph that fails on this
    /// row (it passed its probe at load) gives NaN, which callers refuse to serve.
    pub fn predict(&self, game: &GameInput) -> Prediction {
        let f = self.pipeline.features(game);
        let (p, margin) = match &self.model {
            Scorer::Linear(m) => (m.prob_home(&f), m.margin(&f)),
            Scorer::Onnx(m) => m.score(&f).unwrap_or_else(|e| {
                tracing::warn!(model = %self.model_ref, error = %e, "ONNX model gave no answer");
                (f64::NAN, f64::NAN)
            }),
        };
        Prediction {
            prob_home: p,
            prob_away: 1.0 - p,
            margin,
        }
    }

    /// The `top` features that moved this forecast most, on the logit scale. An ONNX model
    /// is opaque: it names none.
    pub fn factors(&self, game: &GameInput, top: usize) -> Vec<Contribution> {
        let Scorer::Linear(model) = &self.model else {
            return Vec::new();
        };
        let mut all = model.contributions(&self.pipeline.features(game));
        all.truncate(top);
        all
    }

    /// `linear` (the built-in model) or `onnx`.
    pub fn kind(&self) -> &'static str {
        match self.model {
            Scorer::Linear(_) => "linear",
            Scorer::Onnx(_) => "onnx",
        }
    }

    /// The pipeline, for ratings (power rankings) and other state.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }
}

/// The artifact's ONNX graph, decoded, its hash checked, loaded against its features.
fn onnx_of(artifact: &Artifact, p: &OnnxParameters) -> Result<OnnxModel, ModelError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&p.onnx_base64)
        .map_err(|e| {
            ModelError::Onnx(format!(
                "{}: the graph is not base64: {e}",
                ModelRef::of(artifact)
            ))
        })?;
    let actual = crate::artifact::sha256_hex(&bytes);
    if actual != p.onnx_sha256 {
        return Err(ModelError::Onnx(format!(
            "{}: the graph hashes to {actual}, the artifact says {}",
            ModelRef::of(artifact),
            p.onnx_sha256
        )));
    }
    OnnxModel::load(&bytes, &artifact.features)
}
