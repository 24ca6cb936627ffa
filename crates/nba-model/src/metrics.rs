//! Scores for probability forecasts: Brier, log loss, accuracy, expected calibration error
//! (10 equal-width bins) and the bins of a reliability diagram.

use serde::{Deserialize, Serialize};

/// Probabilities are kept this far from 0 and 1 in the log loss.
const EPS: f64 = 1e-15;

/// Number of equal-width bins for ECE and the reliability diagram.
pub const BINS: usize = 10;

/// How good a set of home-win probabilities was.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Metrics {
    pub games: usize,
    /// Mean of (p - outcome)^2.
    pub brier: f64,
    /// Mean of -ln(probability given to what happened).
    pub log_loss: f64,
    /// Share of games where the side given more than 50% won (50% counts as home).
    pub accuracy: f64,
    /// Expected calibration error: games-weighted mean |mean p - win rate| over 10 bins.
    pub ece: f64,
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub games: usize,
    pub mean_prob: f64,
    pub win_rate: f64,
}

/// Scores `(p_home, home_won)` pairs; all zeros for none.
pub fn score(preds: &[(f64, bool)]) -> Metrics {
    let n = preds.len();
    if n == 0 {
        return Metrics::default();
    }
    let (mut brier, mut log_loss, mut right) = (0.0, 0.0, 0usize);
    for &(p, won) in preds {
        let y = if won { 1.0 } else { 0.0 };
        brier += (p - y) * (p - y);
        let q = p.clamp(EPS, 1.0 - EPS);
        log_loss -= if won { q.ln() } else { (1.0 - q).ln() };
        right += usize::from((p >= 0.5) == won);
    }
    let ece = reliability(preds)
        .iter()
        .map(|b| b.games as f64 * (b.mean_prob - b.win_rate).abs())
        .sum::<f64>()
        / n as f64;
    let nf = n as f64;
    Metrics {
        games: n,
        brier: brier / nf,
        log_loss: log_loss / nf,
        accuracy: right as f64 / nf,
        ece,
    }
}

/// The 10 equal-width bins [0, 0.1), …, [0.9, 1.0] with their games, mean forecast and
/// observed win rate (empty bins have zero games and the bin's midpoint as means).
pub fn reliability(preds: &[(f64, bool)]) -> Vec<Bin> {
    let mut sums = [(0usize, 0.0f64, 0usize); BINS];
    for &(p, won) in preds {
        let b = ((p * BINS as f64) as usize).min(BINS - 1);
        sums[b].0 += 1;
        sums[b].1 += p;
        sums[b].2 += usize::from(won);
    }
    sums.iter()
        .enumerate()
        .map(|(i, &(n, ps, wins))| {
            let (lo, hi) = (i as f64 / BINS as f64, (i + 1) as f64 / BINS as f64);
            let mid = (lo + hi) / 2.0;
            Bin {
                lo,
                hi,
                games: n,
                mean_prob: if n > 0 { ps / n as f64 } else { mid },
                win_rate: if n > 0 { wins as f64 / n as f64 } else { mid },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn coin_flips_score_a_quarter_brier_and_ln2_log_loss() {
        let m = score(&[(0.5, true), (0.5, false)]);
        assert_eq!(m.games, 2);
        assert!((m.brier - 0.25).abs() < 1e-12);
        assert!((m.log_loss - std::f64::consts::LN_2).abs() < 1e-12);
        assert_eq!(m.accuracy, 0.5);
        assert!(m.ece.abs() < 1e-12);
    }

    #[test]
    fn overconfident_forecasts_have_calibration_error() {
        let m = score(&[(0.95, true), (0.95, false)]);
        assert!((m.ece - 0.45).abs() < 1e-12);
        assert_eq!(m.accuracy, 0.5);
    }

    proptest! {
        #[test]
        fn scores_stay_in_range(preds in proptest::collection::vec((0.0f64..=1.0, any::<bool>()), 1..200)) {
            let m = score(&preds);
            prop_assert!((0.0..=1.0).contains(&m.brier));
            prop_assert!((0.0..=1.0).contains(&m.accuracy));
            prop_assert!((0.0..=1.0).contains(&m.ece));
            prop_assert!(m.log_loss >= 0.0);
            prop_assert_eq!(reliability(&preds).iter().map(|b| b.games).sum::<usize>(), preds.len());
        }
    }
}
