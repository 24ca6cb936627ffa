//! Our Elo, run with 538's parameters over every game 1946-47 … 2021-22, reproduces 538's
//! published pre-game home-win probability (`elo_prob1`).

use crate::common;

use nba_model::{EloParams, EloState};

struct Gap {
    sum: f64,
    max: f64,
    n: usize,
}

impl Gap {
    fn new() -> Gap {
        Gap {
            sum: 0.0,
            max: 0.0,
            n: 0,
        }
    }
    fn add(&mut self, d: f64) {
        self.sum += d;
        self.max = self.max.max(d);
        self.n += 1;
    }
    fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }
}

/// Runs the whole history; with `seed`, a franchise we have never rated takes 538's
/// pre-game rating (teams that joined from the NBL, ABL or ABA carry ratings from games
/// that are not in the data). Returns the gaps over all games and over 2000-01 on.
fn run(seed: bool) -> (Gap, Gap) {
    let rows = common::fte_games();
    let mut elo = EloState::new(EloParams::FIVETHIRTYEIGHT);
    let (mut all, mut recent) = (Gap::new(), Gap::new());
    for r in &rows {
        let g = common::input(r);
        let fte = r.fte.as_ref().expect("538 forecast");
        if seed {
            for (team, pre) in [(g.home_id, fte.elo_home_pre), (g.away_id, fte.elo_away_pre)] {
                if !elo.knows(team) {
                    elo.seed(team, g.season, pre.expect("538 elo_pre"));
                }
            }
        }
        let d = (elo.prob_home(&g) - fte.elo_prob_home.expect("538 elo_prob1")).abs();
        all.add(d);
        if g.season >= 2001 {
            recent.add(d);
        }
        elo.update(&g);
    }
    (all, recent)
}

#[test]
fn elo_with_538_parameters_reproduces_538_elo_prob1() {
    let (all, recent) = run(false);
    let (seeded, seeded_recent) = run(true);
    eprintln!(
        "538 elo_prob1 reproduction: mean |diff| {:.6} (max {:.4}) over {} games; since 2000-01 {:.6} (max {:.4}) over {}",
        all.mean(), all.max, all.n, recent.mean(), recent.max, recent.n
    );
    eprintln!(
        "seeded with 538's rating where a team enters from another league: all {:.6} (max {:.4}); since 2000-01 {:.6}",
        seeded.mean(), seeded.max, seeded_recent.mean()
    );
    assert_eq!(all.n, 67_894);
    // Measured: 0.0012 unseeded (teams that joined from the NBL, ABL and ABA start at 1300
    // here, the gap fades out by the 1990s), 0.000007 seeded, 0.000017 since 2000-01; the
    // largest single gap after seeding (0.007) is in rows the data README says were
    // recomputed.
    assert!(seeded.mean() < 0.0001, "seeded mean gap {}", seeded.mean());
    assert!(seeded.max < 0.01, "seeded max gap {}", seeded.max);
    assert!(
        recent.mean() < 0.0001,
        "mean gap since 2000-01 {}",
        recent.mean()
    );
    assert!(all.mean() < 0.005, "mean gap {}", all.mean());
}
