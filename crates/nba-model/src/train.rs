//! Training: turn games into examples with the feature [`Pipeline`], then fit the logistic
//! layer (linfa-logistic, L2-regularised, L-BFGS) and the margin layer (linfa-linear,
//! ordinary least squares) on standardised features. Deterministic: the same games and
//! settings give the same parameters.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::features::{feature_index, FeatureConfig, Features, Pipeline};
use crate::game::{GameInput, Stage};
use crate::model::{Linear, ModelParams, Scaler};

/// One finished game with its pre-game features.
#[derive(Debug, Clone)]
pub struct Example {
    /// Index of the game in the slice it came from.
    pub game: usize,
    pub season: i64,
    pub stage: Stage,
    pub features: Features,
    pub margin: i64,
}

impl Example {
    pub fn home_won(&self) -> bool {
        self.margin > 0
    }
}

/// Features of every finished game in `games` (sorted by date), each from the games before
/// its date only; and the pipeline as it stands after the last one.
pub fn examples(games: &[GameInput], config: FeatureConfig) -> (Vec<Example>, Pipeline) {
    let mut pipeline = Pipeline::new(config);
    let mut out = Vec::with_capacity(games.len());
    pipeline.run(games, |i, f| {
        let g = &games[i];
        if let Some(margin) = g.home_margin().filter(|m| *m != 0) {
            out.push(Example {
                game: i,
                season: g.season,
                stage: g.stage,
                features: *f,
                margin,
            });
        }
    });
    (out, pipeline)
}

/// Model settings other than the features' own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The features the model uses, in order.
    pub features: Vec<String>,
    /// L2 penalty of the logistic layer (on the summed log loss of standardised features).
    pub alpha: f64,
    /// Seasons of history a model trains on (the `window` seasons before the first one it
    /// predicts).
    pub window: i64,
    /// Whether play-in and playoff games are training examples.
    pub include_playoffs: bool,
    pub max_iterations: u64,
    pub gradient_tolerance: f64,
}

impl Default for TrainConfig {
    /// Settings chosen by walk-forward evaluation on 2004-05 … 2014-15 (see `tune`).
    fn default() -> Self {
        TrainConfig {
            features: [
                "elo_edge",
                "net_edge",
                "home_court",
                "home_rest",
                "away_rest",
                "home_b2b",
                "away_b2b",
                "home_travel",
                "away_travel",
                "form_diff",
                "season_margin_diff",
                "playoff_elo_edge",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            alpha: 1.0,
            window: 20,
            include_playoffs: true,
            max_iterations: 200,
            gradient_tolerance: 1e-6,
        }
    }
}

/// The examples a model for seasons from `first_predicted` on trains on.
pub fn training_set<'a>(
    examples: &'a [Example],
    first_predicted: i64,
    config: &TrainConfig,
) -> Vec<&'a Example> {
    let from = first_predicted - config.window;
    examples
        .iter()
        .filter(|e| e.season >= from && e.season < first_predicted)
        .filter(|e| config.include_playoffs || e.stage == Stage::Regular)
        .collect()
}

/// Fits both layers on `train`.
pub fn fit(train: &[&Example], config: &TrainConfig) -> Result<ModelParams, ModelError> {
    let cols = config
        .features
        .iter()
        .map(|f| feature_index(f).ok_or_else(|| ModelError::UnknownFeature(f.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let (n, k) = (train.len(), cols.len());
    if n == 0 {
        return Err(ModelError::Training("no training examples".into()));
    }
    let raw = Array2::from_shape_fn((n, k), |(i, j)| train[i].features.values[cols[j]]);
    let mean: Vec<f64> = (0..k).map(|j| raw.column(j).sum() / n as f64).collect();
    let scale: Vec<f64> = (0..k)
        .map(|j| {
            let var = raw.column(j).iter().map(|x| (x - mean[j]).powi(2)).sum::<f64>() / n as f64;
            // A constant column (e.g. no neutral games in the window) is left unscaled.
            if var > 1e-12 {
                var.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    let x = Array2::from_shape_fn((n, k), |(i, j)| (raw[[i, j]] - mean[j]) / scale[j]);
    let won: Array1<bool> = train.iter().map(|e| e.home_won()).collect();
    let logistic = LogisticRegression::default()
        .alpha(config.alpha)
        .max_iterations(config.max_iterations)
        .gradient_tolerance(config.gradient_tolerance)
        .fit(&Dataset::new(x.clone(), won))
        .map_err(|e| ModelError::Training(format!("logistic layer: {e}")))?;
    // linfa labels the larger class (true) as positive, so the logit is P(home win).
    let margins: Array1<f64> = train.iter().map(|e| e.margin as f64).collect();
    let linear = LinearRegression::default()
        .fit(&Dataset::new(x, margins))
        .map_err(|e| ModelError::Training(format!("margin layer: {e}")))?;
    Ok(ModelParams {
        features: config.features.clone(),
        scaler: Scaler { mean, scale },
        logistic: Linear {
            intercept: logistic.intercept(),
            coefficients: logistic.params().to_vec(),
        },
        margin: Linear {
            intercept: linear.intercept(),
            coefficients: linear.params().to_vec(),
        },
    })
}
