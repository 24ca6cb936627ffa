//! Serving: a loaded model plus the feature state after every finished game, answering
//! "what are the odds" for any matchup and taking new results one at a time.

use chrono::NaiveDate;
use serde::Serialize;

use crate::artifact::Artifact;
use crate::artifact::ModelRef;
use crate::error::ModelError;
use crate::features::{Features, Pipeline};
use crate::game::GameInput;
use crate::model::{Contribution, Model};

/// A game's forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    pub prob_home: f64,
    pub prob_away: f64,
    /// Expected home margin, points.
    pub margin: f64,
}

/// A model ready to predict, with ratings and schedule state up to date.
#[derive(Debug, Clone)]
pub struct Predictor {
    model_ref: ModelRef,
    model: Model,
    pipeline: Pipeline,
}

impl Predictor {
    /// Builds the state from `history` (sorted by date; unplayed games are skipped).
    pub fn new(artifact: &Artifact, history: &[GameInput]) -> Result<Predictor, ModelError> {
        let model = Model::new(artifact.model_params())?;
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

    /// Home and away win probability and expected margin.
    pub fn predict(&self, game: &GameInput) -> Prediction {
        let f = self.pipeline.features(game);
        let p = self.model.prob_home(&f);
        Prediction {
            prob_home: p,
            prob_away: 1.0 - p,
            margin: self.model.margin(&f),
        }
    }

    /// The `top` features that moved this forecast most, on the logit scale.
    pub fn factors(&self, game: &GameInput, top: usize) -> Vec<Contribution> {
        let mut all = self.model.contributions(&self.pipeline.features(game));
        all.truncate(top);
        all
    }

    /// The pipeline, for ratings (power rankings) and other state.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }
}
