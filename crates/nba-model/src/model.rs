//! A trained model's parameters and the arithmetic of a prediction: standardise the chosen
//! features, then a logistic layer for the home-win probability and a linear one for the
//! expected home margin. Prediction is a few dozen multiply-adds, no allocation.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::features::{feature_index, Features};

/// Per-feature centring and scaling fitted on the training games.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Intercept and coefficients over the standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    pub intercept: f64,
    pub coefficients: Vec<f64>,
}

/// Everything needed to predict from a [`Features`] vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// The features used, in order (names from [`crate::FEATURES`]).
    pub features: Vec<String>,
    pub scaler: Scaler,
    /// Logit of the home-win probability.
    pub logistic: Linear,
    /// Expected home margin in points.
    pub margin: Linear,
}

/// One feature's share of a prediction, on the logit scale (positive favours home).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: String,
    pub value: f64,
    pub logit: f64,
}

/// Parameters resolved against the pipeline's feature order, ready to predict.
#[derive(Debug, Clone)]
pub struct Model {
    params: ModelParams,
    index: Vec<usize>,
}

impl Model {
    /// Checks the shapes and resolves the feature names.
    pub fn new(params: ModelParams) -> Result<Model, ModelError> {
        let n = params.features.len();
        let shape = |what: &str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(ModelError::Shape {
                    features: n,
                    message: format!("{what} has {len} values"),
                })
            }
        };
        shape("scaler.mean", params.scaler.mean.len())?;
        shape("scaler.scale", params.scaler.scale.len())?;
        shape("logistic.coefficients", params.logistic.coefficients.len())?;
        shape("margin.coefficients", params.margin.coefficients.len())?;
        if params
            .scaler
            .scale
            .iter()
            .any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(ModelError::Shape {
                features: n,
                message: "scaler.scale must be positive".into(),
            });
        }
        let index = params
            .features
            .iter()
            .map(|f| feature_index(f).ok_or_else(|| ModelError::UnknownFeature(f.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Model { params, index })
    }

    pub fn params(&self) -> &ModelParams {
        &self.params
    }

    fn standardised(&self, f: &Features, k: usize) -> f64 {
        let s = &self.params.scaler;
        (f.values[self.index[k]] - s.mean[k]) / s.scale[k]
    }

    fn linear(&self, layer: &Linear, f: &Features) -> f64 {
        let mut z = layer.intercept;
        for (k, c) in layer.coefficients.iter().enumerate() {
            z += c * self.standardised(f, k);
        }
        z
    }

    /// Home-win probability.
    pub fn prob_home(&self, f: &Features) -> f64 {
        sigmoid(self.linear(&self.params.logistic, f))
    }

    /// Expected home margin in points.
    pub fn margin(&self, f: &Features) -> f64 {
        self.linear(&self.params.margin, f)
    }

    /// Each feature's contribution to the logit, largest magnitude first.
    pub fn contributions(&self, f: &Features) -> Vec<Contribution> {
        let mut out: Vec<Contribution> = self
            .params
            .features
            .iter()
            .enumerate()
            .map(|(k, name)| Contribution {
                feature: name.clone(),
                value: f.values[self.index[k]],
                logit: self.params.logistic.coefficients[k] * self.standardised(f, k),
            })
            .collect();
        out.sort_by(|a, b| b.logit.abs().total_cmp(&a.logit.abs()));
        out
    }
}

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::N_FEATURES;
    use proptest::prelude::*;

    fn model(coef: f64) -> Model {
        Model::new(ModelParams {
            features: vec!["elo_edge".into(), "home_b2b".into()],
            scaler: Scaler {
                mean: vec![1.0, 0.0],
                scale: vec![1.5, 0.5],
            },
            logistic: Linear {
                intercept: 0.3,
                coefficients: vec![coef, -0.1],
            },
            margin: Linear {
                intercept: 3.0,
                coefficients: vec![4.0, -1.0],
            },
        })
        .unwrap()
    }

    #[test]
    fn bad_shapes_and_unknown_features_are_refused() {
        let mut p = model(0.5).params().clone();
        p.features[1] = "moon_phase".into();
        assert_eq!(Model::new(p).unwrap_err().code(), "unknown_feature");
        let mut p = model(0.5).params().clone();
        p.margin.coefficients.pop();
        assert_eq!(Model::new(p).unwrap_err().code(), "model_shape");
    }

    proptest! {
        #[test]
        fn probabilities_stay_in_0_1_and_factors_add_up(
            coef in -5.0f64..5.0,
            values in proptest::collection::vec(-50.0f64..50.0, N_FEATURES),
        ) {
            let m = model(coef);
            let f = Features { values: values.try_into().unwrap() };
            let p = m.prob_home(&f);
            prop_assert!((0.0..=1.0).contains(&p));
            let logit: f64 = m.contributions(&f).iter().map(|c| c.logit).sum::<f64>() + 0.3;
            prop_assert!((sigmoid(logit) - p).abs() < 1e-9);
        }
    }
}
