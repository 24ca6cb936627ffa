//! Drift statistics on known distributions: a resample of the reference shows no drift
//! (PSI under 0.1, KS p over 0.01); a shifted or widened sample does; the monitor judges
//! each feature and withholds a verdict on too few values.

use std::collections::BTreeMap;

use nba_ops::drift::{ks_two_sample, psi, DriftLevel};
use nba_ops::{DriftConfig, DriftMonitor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `n` draws from Normal(mean, sd) by Box-Muller.
fn normal(rng: &mut StdRng, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
            let u2: f64 = rng.gen();
            mean + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        })
        .collect()
}

#[test]
fn a_resample_of_the_same_distribution_does_not_drift() {
    let mut rng = StdRng::seed_from_u64(7);
    // Elo-difference-like feature: mean 0, sd 100.
    let reference = normal(&mut rng, 5000, 0.0, 100.0);
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(100 + seed);
        let recent = normal(&mut rng, 1000, 0.0, 100.0);
        let p = psi(&reference, &recent, 10).unwrap();
        let ks = ks_two_sample(&reference, &recent).unwrap();
        assert!(p < 0.1, "seed {seed}: PSI {p}");
        assert!(ks.p_value > 0.01, "seed {seed}: KS p {}", ks.p_value);
    }
}

#[test]
fn a_shift_or_a_wider_spread_drifts() {
    let mut rng = StdRng::seed_from_u64(11);
    let reference = normal(&mut rng, 5000, 0.0, 100.0);
    let shifted = normal(&mut rng, 1000, 50.0, 100.0);
    let p = psi(&reference, &shifted, 10).unwrap();
    let ks = ks_two_sample(&reference, &shifted).unwrap();
    assert!(p > 0.2, "half a standard deviation: PSI {p}");
    assert!(ks.p_value < 1e-6, "KS p {}", ks.p_value);
    assert!(ks.statistic > 0.15, "D {}", ks.statistic);

    // Same mean, double the spread: PSI sees it through the outer bins, KS too.
    let wider = normal(&mut rng, 1000, 0.0, 200.0);
    assert!(psi(&reference, &wider, 10).unwrap() > 0.2);
    assert!(ks_two_sample(&reference, &wider).unwrap().p_value < 0.01);
}

#[test]
fn a_small_shift_is_a_warning_before_it_is_drift() {
    let mut rng = StdRng::seed_from_u64(5);
    let reference = normal(&mut rng, 20_000, 0.0, 1.0);
    let recent = normal(&mut rng, 300, 0.35, 1.0);
    let monitor = DriftMonitor::new(DriftConfig {
        ks_alpha: 1e-9, // judge by PSI alone here
        ..DriftConfig::default()
    });
    let f = monitor.feature("rest_days", &reference, &recent);
    let psi = f.psi.unwrap();
    assert!((0.1..0.2).contains(&psi), "PSI {psi}");
    assert_eq!(f.level, DriftLevel::Warning);
    assert!(!f.drifted);
}

#[test]
fn the_monitor_reports_every_referenced_feature() {
    let mut rng = StdRng::seed_from_u64(3);
    let monitor = DriftMonitor::new(DriftConfig::default())
        .with_reference("elo_diff", normal(&mut rng, 3000, 0.0, 100.0))
        .with_reference("home_rest_days", normal(&mut rng, 3000, 2.0, 1.0))
        .with_reference("travel_km", normal(&mut rng, 3000, 1000.0, 300.0));
    let recent = BTreeMap::from([
        ("elo_diff".to_string(), normal(&mut rng, 800, 0.0, 100.0)),
        (
            "home_rest_days".to_string(),
            normal(&mut rng, 800, 3.0, 1.0),
        ),
        ("travel_km".to_string(), normal(&mut rng, 10, 1000.0, 300.0)),
    ]);
    let report = monitor.report(&recent);
    assert_eq!(report.features.len(), 3);
    assert_eq!(
        report.drifted_features(),
        vec!["home_rest_days".to_string()]
    );
    let by_name = |n: &str| report.features.iter().find(|f| f.feature == n).unwrap();
    assert_eq!(by_name("elo_diff").level, DriftLevel::None);
    assert_eq!(by_name("home_rest_days").level, DriftLevel::Alert);
    let travel = by_name("travel_km");
    assert_eq!(travel.level, DriftLevel::InsufficientData);
    assert_eq!((travel.recent_n, travel.psi), (10, None));
    assert_eq!(report.worst().unwrap().feature, "home_rest_days");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["features"][2]["level"], "insufficient_data");
}
