//! Inputs that other layers fill in: the drift monitor's latest report, the serving
//! model's live performance against its evaluation, and the models loaded. The binary
//! implements these traits (or publishes into a [`Published`] slot from a scheduled job);
//! until it does, the alerts see no drift, the dashboard says "no model loaded".

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::drift::DriftReport;

/// The latest drift report of the serving model's features.
pub trait DriftSource: Send + Sync + 'static {
    fn latest(&self) -> Option<DriftReport>;
}

/// Live accuracy of the serving model, once game results have arrived for its predictions.
pub trait PerformanceSource: Send + Sync + 'static {
    fn latest(&self) -> Option<PerformanceObservation>;
}

/// The models the server has loaded, for the dashboard and `/metrics`.
pub trait ModelCatalog: Send + Sync + 'static {
    fn models(&self) -> Vec<ModelInfo>;
}

/// Rolling Brier score of recent predictions against the score the model had in its
/// evaluation. Lower is better for both.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PerformanceObservation {
    /// `name@version` of the model.
    pub model: String,
    pub rolling_brier: f64,
    pub evaluation_brier: f64,
    /// Predictions with known results in the rolling window.
    pub samples: u64,
    #[serde(serialize_with = "crate::health::rfc3339_millis")]
    pub observed_at: DateTime<Utc>,
}

/// One loaded model.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// Such as `production`.
    pub alias: Option<String>,
    /// `loaded`, `failed`, ...
    pub status: String,
}

/// A slot a producer publishes into and the ops side reads; implements the source traits.
pub struct Published<T> {
    value: RwLock<Option<T>>,
}

impl<T> Default for Published<T> {
    fn default() -> Published<T> {
        Published {
            value: RwLock::new(None),
        }
    }
}

impl<T: Clone> Published<T> {
    pub fn publish(&self, value: T) {
        *self.value.write().unwrap_or_else(|e| e.into_inner()) = Some(value);
    }

    pub fn clear(&self) {
        *self.value.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn get(&self) -> Option<T> {
        self.value.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl DriftSource for Published<DriftReport> {
    fn latest(&self) -> Option<DriftReport> {
        self.get()
    }
}

impl PerformanceSource for Published<PerformanceObservation> {
    fn latest(&self) -> Option<PerformanceObservation> {
        self.get()
    }
}

impl ModelCatalog for Published<Vec<ModelInfo>> {
    fn models(&self) -> Vec<ModelInfo> {
        self.get().unwrap_or_default()
    }
}
