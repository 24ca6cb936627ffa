//! simulate_season: Monte Carlo over a season's remaining regular-season schedule, with the
//! play-in and seeding rules of the season.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use nba_domain::{franchises, Conference, Season, Stage};
use nba_model::{GameInput, Predictor};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::games::{parse_date, side};
use super::predict::{checked, ModelInfo};
use super::{r1, r3};
use super::{Ctx, Tool};
use crate::predict::Serving;
use crate::work::Cancel;
use crate::{App, AppError, Caller};
use nba_auth::Permission;

const DEFAULT_SIMS: u32 = 10_000;
const MAX_SIMS: u32 = 100_000;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    /// Season, 1983-84 or later.
    pub season: Season,
    /// Simulate from the day after this date (YYYY-MM-DD); default: after the latest result.
    pub as_of: Option<String>,
    /// Number of simulated seasons, 100 to 100000 (default 10000).
    pub simulations: Option<u32>,
    /// Random seed, for reproducible runs (default 2026).
    pub seed: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamOdds {
    pub team_id: i64,
    pub abbr: String,
    pub name: String,
    pub conference: String,
    pub wins: u32,
    pub losses: u32,
    pub expected_wins: f64,
    pub expected_losses: f64,
    /// Probability of a top-6 seed (top-8 before the play-in, 2020-21).
    pub top_seeds_probability: f64,
    /// Probability of seeds 7 to 10 (the play-in); 0 before 2020-21.
    pub play_in_probability: f64,
    /// Probability of reaching the play-offs (directly or through the play-in).
    pub playoff_probability: f64,
    /// Probability of each conference seed, 1 first.
    pub seed_distribution: Vec<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SimulateOutput {
    pub season: String,
    pub as_of: Option<String>,
    pub simulations: u32,
    pub seed: u64,
    pub games_played: usize,
    pub games_remaining: usize,
    pub model: ModelInfo,
    pub teams: Vec<TeamOdds>,
    pub method: String,
}

fn play_in_era(season: i64) -> bool {
    season >= 2021
}

impl App {
    pub(crate) async fn simulate_season(
        &self,
        caller: &Caller,
        input: SimulateInput,
    ) -> Result<SimulateOutput, AppError> {
        let sims = input.simulations.unwrap_or(DEFAULT_SIMS);
        if !(100..=MAX_SIMS).contains(&sims) {
            return Err(AppError::InvalidArgument(format!(
                "simulations must be between 100 and {MAX_SIMS}, got {sims}"
            )));
        }
        let s = input.season.end_year() as i64;
        if s < 1984 {
            return Err(AppError::InvalidArgument(format!(
                "simulate_season covers 1983-84 onward (16-team play-offs); {} used other formats",
                input.season
            )));
        }
        let games = self.season_games(s).await?;
        let regular: Vec<_> = games.iter().filter(|g| g.stage == "regular").collect();
        if regular.is_empty() {
            return Err(self.no_season(input.season).await?);
        }
        let serving = self.predictions().current()?;
        let as_of = match &input.as_of {
            Some(d) => Some(
                NaiveDate::parse_from_str(&parse_date("as_of", d)?, "%Y-%m-%d")
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        self.cpu(caller, move |cancel| {
            simulate(&serving, &games, input, sims, as_of, cancel)
        })
        .await
    }
}

/// The simulation itself (CPU-heavy; checks `cancel` as it goes).
fn simulate(
    serving: &Serving,
    games: &[nba_store::GameRecord],
    input: SimulateInput,
    sims: u32,
    as_of: Option<NaiveDate>,
    cancel: &Cancel,
) -> Result<SimulateOutput, AppError> {
    let s = input.season.end_year() as i64;
    let regular: Vec<_> = games.iter().filter(|g| g.stage == "regular").collect();
    let predictor: std::sync::Arc<Predictor> = match as_of {
        Some(d) => serving.as_of(d + Duration::days(1), cancel)?,
        None => serving.live.clone(),
    };
    let cutoff = as_of.or(predictor.data_through());
    let cut = cutoff.map(|d| d.to_string());
    let mut base: HashMap<i64, (u32, u32)> = HashMap::new();
    let mut remaining: Vec<(i64, i64, f64)> = Vec::new();
    let mut played = 0;
    let mut last_date = NaiveDate::MIN;
    for g in &regular {
        base.entry(g.home_id).or_default();
        base.entry(g.away_id).or_default();
        let in_past = cut.as_deref().is_some_and(|c| g.date.as_str() <= c);
        let date = NaiveDate::parse_from_str(&g.date, "%Y-%m-%d")
            .map_err(|e| AppError::Internal(e.to_string()))?;
        last_date = last_date.max(date);
        match (g.winner(), in_past) {
            (Some(w), true) => {
                played += 1;
                let l = if w == g.home_id { g.away_id } else { g.home_id };
                base.entry(w).or_default().0 += 1;
                base.entry(l).or_default().1 += 1;
            }
            _ => {
                let game = GameInput {
                    date,
                    season: s,
                    stage: Stage::Regular,
                    neutral: g.neutral,
                    home_id: g.home_id,
                    away_id: g.away_id,
                    home_score: None,
                    away_score: None,
                };
                remaining.push((g.home_id, g.away_id, checked(&predictor, &game)?.prob_home));
            }
        }
    }
    let teams: Vec<i64> = {
        let mut t: Vec<i64> = base.keys().copied().collect();
        t.sort();
        t
    };
    let index: HashMap<i64, usize> = teams.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let conf: Vec<Option<Conference>> = teams
        .iter()
        .map(|t| franchises::conference(*t, s as u16))
        .collect();
    let play_in = play_in_era(s);
    let direct = if play_in { 6 } else { 8 };
    // Play-in games are at the higher seed on the day after the season.
    let after = last_date + Duration::days(1);
    let mut pair_prob: HashMap<(usize, usize), f64> = HashMap::new();
    let mut prob = |h: usize, a: usize| -> Result<f64, AppError> {
        if let Some(p) = pair_prob.get(&(h, a)) {
            return Ok(*p);
        }
        let game = GameInput {
            date: after,
            season: s,
            stage: Stage::PlayIn,
            neutral: false,
            home_id: teams[h],
            away_id: teams[a],
            home_score: None,
            away_score: None,
        };
        let p = checked(&predictor, &game)?.prob_home;
        pair_prob.insert((h, a), p);
        Ok(p)
    };
    let n = teams.len();
    let max_conf = [Conference::East, Conference::West]
        .iter()
        .map(|c| conf.iter().filter(|x| **x == Some(*c)).count())
        .max()
        .unwrap_or(0);
    let mut wins_sum = vec![0u64; n];
    let mut top = vec![0u32; n];
    let mut pin = vec![0u32; n];
    let mut playoffs = vec![0u32; n];
    let mut seeds = vec![vec![0u32; max_conf]; n];
    let seed = input.seed.unwrap_or(2026);
    let mut rng = StdRng::seed_from_u64(seed);
    let base_w: Vec<u32> = teams.iter().map(|t| base[t].0).collect();
    let rem: Vec<(usize, usize, f64)> = remaining
        .iter()
        .map(|(h, a, p)| (index[h], index[a], *p))
        .collect();
    let mut wins = vec![0u32; n];
    for k in 0..sims {
        if k % 64 == 0 {
            cancel.check()?;
        }
        wins.copy_from_slice(&base_w);
        for &(h, a, p) in &rem {
            if rng.gen::<f64>() < p {
                wins[h] += 1;
            } else {
                wins[a] += 1;
            }
        }
        for c in [Conference::East, Conference::West] {
            // Ties are broken at random (the NBA's tiebreakers are not modelled).
            let mut order: Vec<(u32, f64, usize)> = (0..n)
                .filter(|i| conf[*i] == Some(c))
                .map(|i| (wins[i], rng.gen::<f64>(), i))
                .collect();
            order.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.total_cmp(&x.1)));
            for (k, &(_, _, i)) in order.iter().enumerate() {
                seeds[i][k] += 1;
                if k < direct {
                    top[i] += 1;
                    playoffs[i] += 1;
                } else if play_in && k < 10 {
                    pin[i] += 1;
                }
            }
            if play_in && order.len() >= 10 {
                let (s7, s8, s9, s10) = (order[6].2, order[7].2, order[8].2, order[9].2);
                let (seven, loser78) = if rng.gen::<f64>() < prob(s7, s8)? {
                    (s7, s8)
                } else {
                    (s8, s7)
                };
                let winner910 = if rng.gen::<f64>() < prob(s9, s10)? {
                    s9
                } else {
                    s10
                };
                let eight = if rng.gen::<f64>() < prob(loser78, winner910)? {
                    loser78
                } else {
                    winner910
                };
                playoffs[seven] += 1;
                playoffs[eight] += 1;
            }
        }
        for i in 0..n {
            wins_sum[i] += wins[i] as u64;
        }
    }
    let f = sims as f64;
    let total_games: Vec<u32> = teams
        .iter()
        .map(|t| {
            let (w, l) = base[t];
            w + l
                + remaining
                    .iter()
                    .filter(|(h, a, _)| h == t || a == t)
                    .count() as u32
        })
        .collect();
    let mut out: Vec<TeamOdds> = (0..n)
        .map(|i| {
            let sd = side(teams[i], s, None);
            let ew = wins_sum[i] as f64 / f;
            TeamOdds {
                team_id: teams[i],
                abbr: sd.abbr,
                name: sd.name,
                conference: conf[i].map(|c| c.as_str().to_string()).unwrap_or_default(),
                wins: base_w[i],
                losses: base[&teams[i]].1,
                expected_wins: r1(ew),
                expected_losses: r1(total_games[i] as f64 - ew),
                top_seeds_probability: r3(top[i] as f64 / f),
                play_in_probability: r3(pin[i] as f64 / f),
                playoff_probability: r3(playoffs[i] as f64 / f),
                seed_distribution: seeds[i].iter().map(|c| r3(*c as f64 / f)).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.conference
            .cmp(&b.conference)
            .then(b.expected_wins.total_cmp(&a.expected_wins))
    });
    Ok(SimulateOutput {
            season: input.season.label(),
            as_of: cutoff.map(|d| d.to_string()),
            simulations: sims,
            seed,
            games_played: played,
            games_remaining: rem.len(),
            model: ModelInfo::of(&predictor),
            teams: out,
            method: format!(
                "Each remaining regular-season game is drawn with the model's home-win probability as of {}; ratings do not change within a simulated season. Ties in wins are broken at random (the NBA's tiebreakers are not modelled). {}",
                cutoff.map(|d| d.to_string()).unwrap_or_else(|| "the start".into()),
                if play_in { "Seeds 1-6 go straight to the play-offs; 7-10 play the play-in (7 v 8, 9 v 10, then the loser of 7 v 8 v the winner of 9 v 10) at the higher seed." } else { "Seeds 1-8 of each conference reach the play-offs." }
            ),
        })
}

/// The `simulate_season` tool.
pub struct SimulateSeason;

impl Tool for SimulateSeason {
    const NAME: &'static str = "simulate_season";
    const TITLE: &'static str = "Simulate a season";
    const DESCRIPTION: &'static str = "Monte Carlo over the rest of a season's regular-season schedule (1983-84 on): expected wins, play-off and play-in odds and the seed distribution per team. 10,000 simulations by default; as_of replays the season from a past date.";
    const PERMISSION: Option<Permission> = Some(Permission::PredictionsRead);
    type Input = SimulateInput;
    type Output = SimulateOutput;

    async fn run(cx: Ctx<'_>, input: SimulateInput) -> Result<SimulateOutput, AppError> {
        cx.app.simulate_season(cx.caller, input).await
    }
}
