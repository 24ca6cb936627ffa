//! Drift of the serving model's inputs: for each feature, the recent values (from the
//! prediction log) against the training reference, by PSI over reference-quantile bins and
//! by the two-sample Kolmogorov-Smirnov test. Pure functions; the binary feeds them.

pub mod ks;
pub mod psi;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ks::{ks_two_sample, KsResult};
pub use psi::psi;

/// Thresholds of the drift verdict.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DriftConfig {
    /// Quantile bins of the reference for PSI.
    pub bins: usize,
    /// PSI at or above this is a warning.
    pub psi_warning: f64,
    /// PSI at or above this is drift.
    pub psi_alert: f64,
    /// A KS p-value below this is drift.
    pub ks_alpha: f64,
    /// Fewer recent values than this give no verdict.
    pub min_samples: usize,
}

impl Default for DriftConfig {
    fn default() -> DriftConfig {
        DriftConfig {
            bins: psi::DEFAULT_BINS,
            psi_warning: 0.1,
            psi_alert: 0.2,
            ks_alpha: 0.01,
            min_samples: 30,
        }
    }
}

/// How far a feature moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DriftLevel {
    None,
    Warning,
    Alert,
    InsufficientData,
}

/// One feature's statistics.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FeatureDrift {
    pub feature: String,
    pub reference_n: usize,
    pub recent_n: usize,
    pub psi: Option<f64>,
    pub ks_statistic: Option<f64>,
    pub ks_p_value: Option<f64>,
    pub level: DriftLevel,
    /// PSI at or above the alert level, or a KS p-value below alpha.
    pub drifted: bool,
}

/// Every monitored feature at one moment.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DriftReport {
    #[serde(serialize_with = "crate::health::rfc3339_millis")]
    pub generated_at: DateTime<Utc>,
    pub features: Vec<FeatureDrift>,
}

impl DriftReport {
    pub fn drifted_features(&self) -> Vec<String> {
        self.features
            .iter()
            .filter(|f| f.drifted)
            .map(|f| f.feature.clone())
            .collect()
    }

    /// The drifted feature with the largest PSI, for alert messages.
    pub fn worst(&self) -> Option<&FeatureDrift> {
        self.features
            .iter()
            .filter(|f| f.drifted)
            .max_by(|a, b| a.psi.unwrap_or(0.0).total_cmp(&b.psi.unwrap_or(0.0)))
    }
}

/// Reference samples per feature and the thresholds to judge recent samples by.
#[derive(Debug, Clone, Default)]
pub struct DriftMonitor {
    config: DriftConfig,
    references: BTreeMap<String, Vec<f64>>,
}

impl DriftMonitor {
    pub fn new(config: DriftConfig) -> DriftMonitor {
        DriftMonitor {
            config,
            references: BTreeMap::new(),
        }
    }

    /// Sets the training reference of a feature.
    pub fn set_reference(&mut self, feature: impl Into<String>, values: Vec<f64>) {
        self.references.insert(feature.into(), values);
    }

    pub fn with_reference(mut self, feature: impl Into<String>, values: Vec<f64>) -> Self {
        self.set_reference(feature, values);
        self
    }

    pub fn features(&self) -> impl Iterator<Item = &str> {
        self.references.keys().map(String::as_str)
    }

    /// Judges each feature with a reference against its recent values (missing means none).
    pub fn report(&self, recent: &BTreeMap<String, Vec<f64>>) -> DriftReport {
        let features = self
            .references
            .iter()
            .map(|(name, reference)| {
                let values = recent.get(name).map(Vec::as_slice).unwrap_or(&[]);
                self.feature(name, reference, values)
            })
            .collect();
        DriftReport {
            generated_at: Utc::now(),
            features,
        }
    }

    /// One feature's verdict.
    pub fn feature(&self, name: &str, reference: &[f64], recent: &[f64]) -> FeatureDrift {
        let c = &self.config;
        let finite = |s: &[f64]| s.iter().filter(|v| v.is_finite()).count();
        let (reference_n, recent_n) = (finite(reference), finite(recent));
        let mut out = FeatureDrift {
            feature: name.to_string(),
            reference_n,
            recent_n,
            psi: None,
            ks_statistic: None,
            ks_p_value: None,
            level: DriftLevel::InsufficientData,
            drifted: false,
        };
        if recent_n < c.min_samples || reference_n < c.min_samples {
            return out;
        }
        out.psi = psi(reference, recent, c.bins);
        if let Some(ks) = ks_two_sample(reference, recent) {
            out.ks_statistic = Some(ks.statistic);
            out.ks_p_value = Some(ks.p_value);
        }
        let psi = out.psi.unwrap_or(0.0);
        out.drifted = psi >= c.psi_alert || out.ks_p_value.is_some_and(|p| p < c.ks_alpha);
        out.level = if out.drifted {
            DriftLevel::Alert
        } else if psi >= c.psi_warning {
            DriftLevel::Warning
        } else {
            DriftLevel::None
        };
        out
    }
}
