//! Walk-forward evaluation: for each season, a model trained only on earlier seasons
//! predicts every regular-season game, with ratings and the other features updated online
//! from the games before each date; scored beside 538's published forecasts on exactly the
//! same games.

use serde::Serialize;

use crate::error::ModelError;
use crate::features::FeatureConfig;
use crate::game::{GameInput, Stage};
use crate::metrics::{self, Metrics};
use crate::model::Model;
use crate::train::{self, Example, TrainConfig};

/// 538's published home-win probabilities for a game, where it published any.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Benchmark {
    pub fte_elo: Option<f64>,
    pub fte_main: Option<f64>,
}

/// One season's (or the overall) scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Season by end year; `None` for the overall row.
    pub season: Option<i64>,
    pub model: Metrics,
    /// 538 Elo on the same games; `None` unless 538 published a number for every one.
    pub fte_elo: Option<Metrics>,
    /// 538's main model on the same games, likewise.
    pub fte_main: Option<Metrics>,
    /// Root-mean-square error of the expected margin, points.
    pub margin_rmse: f64,
}

/// `(probability, home won)` for every evaluated game, in order.
#[derive(Debug, Clone, Default)]
pub struct Predictions {
    pub model: Vec<(f64, bool)>,
    /// 538 Elo's, when it published one for every game evaluated.
    pub fte_elo: Option<Vec<(f64, bool)>>,
    /// 538's main model's, likewise.
    pub fte_main: Option<Vec<(f64, bool)>>,
}

/// A whole walk-forward run.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub seasons: Vec<Scores>,
    pub overall: Scores,
    /// Every prediction with its outcome, for the reliability diagram.
    pub predictions: Predictions,
    /// Requested seasons with no finished regular-season game.
    pub skipped: Vec<i64>,
}

/// Evaluates `seasons` over `games` (all history, sorted by date); `bench` is parallel to
/// `games` or empty.
pub fn walk_forward(
    games: &[GameInput],
    bench: &[Benchmark],
    seasons: &[i64],
    features: FeatureConfig,
    config: &TrainConfig,
) -> Result<Evaluation, ModelError> {
    let (examples, _) = train::examples(games, features);
    walk_forward_examples(&examples, bench, seasons, config)
}

/// [`walk_forward`] over examples already computed (tuning reuses them).
pub fn walk_forward_examples(
    examples: &[Example],
    bench: &[Benchmark],
    seasons: &[i64],
    config: &TrainConfig,
) -> Result<Evaluation, ModelError> {
    let mut rows = Vec::new();
    let mut all = Acc::default();
    let mut skipped = Vec::new();
    for &season in seasons {
        let test: Vec<&Example> = examples
            .iter()
            .filter(|e| e.season == season && e.stage == Stage::Regular)
            .collect();
        if test.is_empty() {
            skipped.push(season);
            continue;
        }
        let train = train::training_set(examples, season, config);
        if train.is_empty() {
            return Err(ModelError::NoTrainingData {
                first: season - config.window,
                last: season - 1,
            });
        }
        let model = Model::new(train::fit(&train, config)?)?;
        let mut acc = Acc::default();
        for e in test {
            let b = bench.get(e.game).copied().unwrap_or_default();
            acc.add(&model, e, b);
            all.add(&model, e, b);
        }
        rows.push(acc.scores(Some(season)));
    }
    if rows.is_empty() {
        return Err(ModelError::NothingToEvaluate(format!("{seasons:?}")));
    }
    Ok(Evaluation {
        seasons: rows,
        overall: all.scores(None),
        predictions: all.predictions(),
        skipped,
    })
}

#[derive(Default)]
struct Acc {
    model: Vec<(f64, bool)>,
    fte_elo: Vec<(f64, bool)>,
    fte_main: Vec<(f64, bool)>,
    squared_margin_error: f64,
}

impl Acc {
    fn add(&mut self, model: &Model, e: &Example, b: Benchmark) {
        let won = e.home_won();
        self.model.push((model.prob_home(&e.features), won));
        self.squared_margin_error += (model.margin(&e.features) - e.margin as f64).powi(2);
        if let Some(p) = b.fte_elo {
            self.fte_elo.push((p, won));
        }
        if let Some(p) = b.fte_main {
            self.fte_main.push((p, won));
        }
    }

    fn predictions(self) -> Predictions {
        let n = self.model.len();
        Predictions {
            fte_elo: (self.fte_elo.len() == n).then_some(self.fte_elo),
            fte_main: (self.fte_main.len() == n).then_some(self.fte_main),
            model: self.model,
        }
    }

    fn scores(&self, season: Option<i64>) -> Scores {
        let n = self.model.len();
        let same = |v: &Vec<(f64, bool)>| (v.len() == n).then(|| metrics::score(v));
        Scores {
            season,
            model: metrics::score(&self.model),
            fte_elo: same(&self.fte_elo),
            fte_main: same(&self.fte_main),
            margin_rmse: (self.squared_margin_error / n.max(1) as f64).sqrt(),
        }
    }
}

/// The machine-readable shape of one row of `evaluate --json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JsonRow {
    /// "2015-16", or "overall".
    pub season: String,
    pub games: usize,
    pub brier: f64,
    pub log_loss: f64,
    pub accuracy: f64,
    pub ece: f64,
    pub fte_elo_brier: Option<f64>,
    pub fte_main_brier: Option<f64>,
}

/// `{"seasons": [...], "overall": {...}}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JsonReport {
    pub seasons: Vec<JsonRow>,
    pub overall: JsonRow,
}

/// A season end year as "2015-16".
pub fn season_label(season: i64) -> String {
    nba_domain::Season::from_end_year(season)
        .map(|s| s.to_string())
        .unwrap_or_else(|| season.to_string())
}

impl Scores {
    pub fn json_row(&self) -> JsonRow {
        JsonRow {
            season: self.season.map_or("overall".into(), season_label),
            games: self.model.games,
            brier: self.model.brier,
            log_loss: self.model.log_loss,
            accuracy: self.model.accuracy,
            ece: self.model.ece,
            fte_elo_brier: self.fte_elo.map(|m| m.brier),
            fte_main_brier: self.fte_main.map(|m| m.brier),
        }
    }
}

impl Evaluation {
    pub fn json(&self) -> JsonReport {
        JsonReport {
            seasons: self.seasons.iter().map(Scores::json_row).collect(),
            overall: self.overall.json_row(),
        }
    }
}
