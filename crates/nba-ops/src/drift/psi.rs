//! Population Stability Index with bins cut at the reference sample's quantiles, so each
//! bin holds about the same share of the reference. PSI = sum over bins of
//! (recent% - reference%) * ln(recent% / reference%); 0.1 is a warning, 0.2 a shift.

/// Bins used when none are given.
pub const DEFAULT_BINS: usize = 10;
/// Floor for an empty bin's share, so the logarithm stays finite.
const MIN_SHARE: f64 = 1e-4;

/// Inner bin edges at the reference quantiles `1/bins .. (bins-1)/bins`, duplicates removed
/// (a feature with many equal values gets fewer, wider bins). Non-finite values are ignored.
pub fn quantile_edges(reference: &[f64], bins: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = reference
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if sorted.is_empty() || bins < 2 {
        return Vec::new();
    }
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..bins)
        .map(|i| quantile_sorted(&sorted, i as f64 / bins as f64))
        .collect();
    edges.dedup();
    edges
}

/// Linear-interpolated quantile of sorted data.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Share of `values` in each bin `(-inf, e0], (e0, e1], ..., (e_last, inf)`.
pub fn shares(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut counts = vec![0u64; edges.len() + 1];
    let mut n = 0u64;
    for v in values.iter().filter(|v| v.is_finite()) {
        counts[edges.partition_point(|e| e < v)] += 1;
        n += 1;
    }
    counts
        .into_iter()
        .map(|c| if n == 0 { 0.0 } else { c as f64 / n as f64 })
        .collect()
}

/// PSI of `recent` against `reference` over `bins` quantile bins of the reference; `None`
/// when either sample has no finite value.
pub fn psi(reference: &[f64], recent: &[f64], bins: usize) -> Option<f64> {
    let finite = |s: &[f64]| s.iter().any(|v| v.is_finite());
    if !finite(reference) || !finite(recent) {
        return None;
    }
    let edges = quantile_edges(reference, bins);
    let expected = shares(reference, &edges);
    let actual = shares(recent, &edges);
    Some(
        expected
            .iter()
            .zip(&actual)
            .map(|(&e, &a)| {
                let (e, a) = (e.max(MIN_SHARE), a.max(MIN_SHARE));
                (a - e) * (a / e).ln()
            })
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_reference_quantiles_without_duplicates() {
        let reference: Vec<f64> = (1..=100).map(f64::from).collect();
        let edges = quantile_edges(&reference, 4);
        assert_eq!(edges, vec![25.75, 50.5, 75.25]);
        assert_eq!(quantile_edges(&[1.0, 1.0, 1.0, 2.0], 4), vec![1.0, 1.25]);
        let s = shares(&reference, &edges);
        assert_eq!(s, vec![0.25, 0.25, 0.25, 0.25]);
    }

    #[test]
    fn identical_samples_have_zero_psi_and_a_disjoint_one_is_large() {
        let reference: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        assert!(psi(&reference, &reference, 10).unwrap().abs() < 1e-12);
        let moved: Vec<f64> = reference.iter().map(|v| v + 1000.0).collect();
        assert!(psi(&reference, &moved, 10).unwrap() > 2.0);
        assert_eq!(psi(&reference, &[], 10), None);
        assert_eq!(psi(&[f64::NAN], &reference, 10), None);
    }
}
