//! Training: turn games into examples with the feature [`Pipeline`], then fit the logistic
//! layer (linfa-logistic, L2-regularised, L-BFGS) and the margin layer (linfa-linear,
//! ordinary least squares) on standardised features. Deterministic: the same games and
//! settings give the same parameters.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::artifact::{self, Artifact, LinearParameters, Parameters, TrainMetrics, Training};
use crate::error::ModelError;
use crate::features::{feature_index, FeatureConfig, Features, Pipeline};
use crate::game::{GameInput, Stage};
use crate::metrics;
use crate::model::{Linear, Model, ModelParams, Scaler};

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
    /// Settings chosen by walk-forward evaluation on seasons before 2015-16 only
    /// (`examples/tune.rs`).
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
                "home_altitude",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            alpha: 1.0,
            window: 30,
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
            let var = raw
                .column(j)
                .iter()
                .map(|x| (x - mean[j]).powi(2))
                .sum::<f64>()
                / n as f64;
            // A constant column (e.g. no neutral games in the window) is left unscaled.
            if var > 1e-12 {
                var.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    // Columns that do not vary in the training window (e.g. the playoff terms when
    // training on the regular season only) are left out of the fit and get 0.
    let active: Vec<usize> = (0..k)
        .filter(|&j| raw.column(j).iter().any(|x| (x - mean[j]).abs() > 1e-12))
        .collect();
    let x = Array2::from_shape_fn((n, active.len()), |(i, a)| {
        let j = active[a];
        (raw[[i, j]] - mean[j]) / scale[j]
    });
    let expand = |fitted: &Array1<f64>| {
        let mut full = vec![0.0; k];
        for (a, &j) in active.iter().enumerate() {
            full[j] = fitted[a];
        }
        full
    };
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
            coefficients: expand(logistic.params()),
        },
        margin: Linear {
            intercept: linear.intercept(),
            coefficients: expand(linear.params()),
        },
    })
}

/// SHA-256 over the games, one canonical line each (date, season, stage, neutral, teams,
/// scores), in order.
pub fn data_hash(games: &[GameInput]) -> String {
    let mut h = Sha256::new();
    for g in games {
        let score = |s: Option<i64>| s.map_or(String::new(), |v| v.to_string());
        h.update(format!(
            "{},{},{},{},{},{},{},{}\n",
            g.date,
            g.season,
            g.stage,
            u8::from(g.neutral),
            g.home_id,
            g.away_id,
            score(g.home_score),
            score(g.away_score)
        ));
    }
    hex::encode(h.finalize())
}

fn predictions(model: &Model, set: &[&Example]) -> Vec<(f64, bool)> {
    set.iter()
        .map(|e| (model.prob_home(&e.features), e.home_won()))
        .collect()
}

/// Trains on seasons `first..=last` of `games` (all history, sorted by date; later seasons
/// are ignored) and packs the result as an artifact. `version` defaults to
/// `"<first>-<last>.<8 hex of the data and settings hash>"`.
pub fn train_artifact(
    games: &[GameInput],
    (first, last): (i64, i64),
    name: &str,
    version: Option<&str>,
    features: FeatureConfig,
    config: &TrainConfig,
) -> Result<Artifact, ModelError> {
    let seen: Vec<GameInput> = games.iter().filter(|g| g.season <= last).cloned().collect();
    let (examples, _) = self::examples(&seen, features);
    let select = |from: i64, to: i64| -> Vec<&Example> {
        examples
            .iter()
            .filter(|e| e.season >= from && e.season <= to)
            .filter(|e| config.include_playoffs || e.stage == Stage::Regular)
            .collect()
    };
    let train = select(first, last);
    if train.is_empty() {
        return Err(ModelError::NoTrainingData { first, last });
    }
    let model = Model::new(fit(&train, config)?)?;
    let validation = if first < last {
        let earlier = select(first, last - 1);
        let check: Vec<&Example> = examples
            .iter()
            .filter(|e| e.season == last && e.stage == Stage::Regular)
            .collect();
        if earlier.is_empty() || check.is_empty() {
            None
        } else {
            let m = Model::new(fit(&earlier, config)?)?;
            Some(metrics::score(&predictions(&m, &check)))
        }
    } else {
        None
    };
    let data_sha256 = data_hash(&seen);
    let settings = serde_json::to_string(&(features, config)).expect("settings serialise");
    let version = version.map(str::to_string).unwrap_or_else(|| {
        let tag = artifact::sha256_hex(format!("{data_sha256}{settings}").as_bytes());
        format!("{first}-{last}.{}", &tag[..8])
    });
    let p = model.params().clone();
    Ok(Artifact {
        format_version: artifact::FORMAT_VERSION,
        name: name.to_string(),
        version,
        features: p.features,
        feature_config: features,
        parameters: Parameters::Linear(LinearParameters {
            scaler: p.scaler,
            logistic: p.logistic,
            margin: p.margin,
        }),
        training: Training {
            seasons: [first, last],
            games: train.len(),
            data_sha256,
            settings: Some(config.clone()),
        },
        metrics: TrainMetrics {
            train: metrics::score(&predictions(&model, &train)),
            validation,
        },
    })
}
