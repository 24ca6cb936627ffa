//! Prediction tools: one game, a batch, power rankings. Simulation is in `simulate.rs`.

use chrono::NaiveDate;
use nba_domain::{franchises, Season, Stage};
use nba_model::{GameInput, Prediction, Predictor};
use nba_store::{GameFilter, PredictionLogRow};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::games::{parse_date, parse_day, season_label, side, Side};
use super::teams::resolve;
use super::{r1, r3};
use super::{Ctx, Tool};
use crate::rollout::{Arm, Observed, Route};
use crate::{App, AppError, Caller};
use nba_auth::Permission;
use std::time::Instant;

/// Which games of a batch go to the prediction log: all of a small batch, else `keep`
/// spread evenly, so one caller cannot fill the log with batch calls.
#[derive(Clone, Copy)]
struct LogSample {
    every: usize,
}

impl LogSample {
    fn new(len: usize, keep: usize) -> LogSample {
        LogSample {
            every: if keep == 0 {
                usize::MAX
            } else {
                len.div_ceil(keep).max(1)
            },
        }
    }

    fn keep(&self, i: usize) -> bool {
        i.is_multiple_of(self.every)
    }
}

pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictGameInput {
    /// Home team (name, city or abbreviation).
    pub home: String,
    /// Away team.
    pub away: String,
    /// Game date, YYYY-MM-DD; default today. Past dates use only games before that date.
    pub date: Option<String>,
    /// Neutral site (no home court); default false.
    pub neutral: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Factor {
    pub feature: String,
    /// The feature's value for this game.
    pub value: f64,
    /// How far this feature moves the home team's log-odds away from an average game of the
    /// training data: its weight times (value - training mean) / training spread. Positive
    /// favours home. A value far from the usual one matters even when it is 0 (the away team
    /// not on a back-to-back, where many are, helps the away team).
    pub contribution: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// `linear` (trained by nba-mcp) or `onnx` (brought by its owner: it names no factors).
    pub kind: String,
}

impl ModelInfo {
    pub(crate) fn of(p: &Predictor) -> ModelInfo {
        ModelInfo {
            name: p.model_ref().name.clone(),
            version: p.model_ref().version.clone(),
            kind: p.kind().to_string(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PredictGameOutput {
    pub date: String,
    pub season: String,
    pub neutral: bool,
    pub home: Side,
    pub away: Side,
    pub home_win_probability: f64,
    pub away_win_probability: f64,
    /// Expected home points minus away points.
    pub expected_margin: f64,
    pub model: ModelInfo,
    /// The largest contributions to this prediction (empty for an ONNX model).
    pub top_factors: Vec<Factor>,
    /// The latest result the prediction knows about.
    pub data_through: Option<String>,
    /// Days from `data_through` to the game's date (1 for a game predicted as of the day
    /// before it).
    pub data_age_days: Option<i64>,
    /// Set when the data ends more than 14 days before the game: what the model cannot know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The game as played, when the store has its final score (`predict_game`; the sides'
    /// `score` then hold it too). The prediction still uses only what was known before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<PlayedResult>,
}

/// The final score of a predicted game that has been played.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlayedResult {
    pub game_id: String,
    pub home_score: i64,
    pub away_score: i64,
    /// Abbreviation of the winner.
    pub winner: String,
    /// Whether the side the prediction favoured won.
    pub favourite_won: bool,
}

/// Data older than this many days before the game gets a warning.
const STALE_DAYS: i64 = 14;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictGamesInput {
    /// Up to 1000 games.
    #[schemars(length(max = 1000))]
    pub games: Vec<PredictGameInput>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PredictGamesOutput {
    pub count: usize,
    pub predictions: Vec<PredictGameOutput>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerRankingsInput {
    /// Rankings before this date (YYYY-MM-DD); default: after the latest result.
    pub date: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PowerRow {
    pub rank: usize,
    pub team_id: i64,
    pub abbr: String,
    pub name: String,
    pub elo: f64,
    /// Net rating on the points scale (per game against an average team, neutral site).
    pub net_rating: f64,
    /// Win probability against an average team on a neutral site.
    pub win_prob_vs_average: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PowerRankingsOutput {
    pub season: String,
    pub as_of: Option<String>,
    pub model: ModelInfo,
    pub teams: Vec<PowerRow>,
}

/// A validated matchup.
pub(crate) struct Matchup {
    pub game: GameInput,
    pub home: Side,
    pub away: Side,
}

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Checks a matchup: both teams known and existing in the season of the date, not the same.
pub(crate) fn matchup(input: &PredictGameInput, field: &str) -> Result<Matchup, AppError> {
    let date = match &input.date {
        Some(d) => parse_day(&format!("{field}date"), d)?,
        None => today(),
    };
    let season = Season::of_date(date);
    let name = |q: &str, which: &str| -> Result<i64, AppError> {
        let team = resolve(q, None).map_err(|e| match e {
            AppError::NotFound(m) => AppError::NotFound(format!("{field}{which}: {m}")),
            AppError::Ambiguous(m) => AppError::Ambiguous(format!("{field}{which}: {m}")),
            other => other,
        })?;
        if franchises::era_by_team_id(team.id, season.end_year()).is_none() {
            return Err(AppError::InvalidArgument(format!(
                "{field}{which}: the {} did not play in {season} (date {date})",
                super::teams::full_name(team.era)
            )));
        }
        Ok(team.id)
    };
    let home = name(&input.home, "home")?;
    let away = name(&input.away, "away")?;
    if home == away {
        return Err(AppError::InvalidArgument(format!(
            "{field}home and {field}away are the same team"
        )));
    }
    let s = season.end_year() as i64;
    Ok(Matchup {
        game: GameInput {
            date,
            season: s,
            stage: Stage::Regular,
            neutral: input.neutral.unwrap_or(false),
            home_id: home,
            away_id: away,
            home_score: None,
            away_score: None,
        },
        home: side(home, s, None),
        away: side(away, s, None),
    })
}

/// The model's features of a game as one JSON object (`null` for a feature it lacks).
fn feature_json(f: &nba_model::Features) -> String {
    struct Named<'a>(&'a nba_model::Features);
    impl serde::Serialize for Named<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(nba_model::FEATURES.iter().map(|n| (*n, self.0.get(n))))
        }
    }
    serde_json::to_string(&Named(f)).expect("features encode as JSON")
}

impl App {
    /// One prediction; logged when `log` (a batch logs a sample of its games).
    fn predict_one(
        &self,
        p: &Predictor,
        m: Matchup,
        request_id: &str,
        log: bool,
    ) -> Result<PredictGameOutput, AppError> {
        let pred = checked(p, &m.game)?;
        let age = p.data_through().map(|d| (m.game.date - d).num_days());
        if let Some(logger) = self.predictions().logger.as_ref().filter(|_| log) {
            logger.log_with(|| PredictionLogRow {
                created_at: chrono::Utc::now().to_rfc3339(),
                request_id: request_id.to_string(),
                model_name: p.model_ref().name.clone(),
                model_version: p.model_ref().version.clone(),
                game_date: m.game.date.to_string(),
                home_id: m.game.home_id,
                away_id: m.game.away_id,
                neutral: m.game.neutral,
                features: feature_json(&p.features(&m.game)),
                prob_home: pred.prob_home,
                margin: pred.margin,
            });
        }
        Ok(PredictGameOutput {
            date: m.game.date.to_string(),
            season: season_label(m.game.season),
            neutral: m.game.neutral,
            home_win_probability: r3(pred.prob_home),
            away_win_probability: r3(pred.prob_away),
            expected_margin: r1(pred.margin),
            model: ModelInfo::of(p),
            top_factors: p
                .factors(&m.game, 5)
                .into_iter()
                .map(|c| Factor {
                    feature: c.feature,
                    value: r3(c.value),
                    contribution: r3(c.logit),
                })
                .collect(),
            data_through: p.data_through().map(|d| d.to_string()),
            data_age_days: age,
            warning: age.filter(|a| *a > STALE_DAYS).map(|a| {
                format!(
                    "the newest result the model knows is {a} days before this game: form, \
                     injuries, trades and rest since then are not in this prediction"
                )
            }),
            result: None,
            home: m.home,
            away: m.away,
        })
    }

    /// The stored final score of the predicted game, if it has been played: the sides' scores
    /// and `result` filled in. Asked only on the replay path (a date on or before the
    /// serving data's end), so a prediction of a later game costs no database round trip.
    async fn with_result(&self, mut out: PredictGameOutput) -> Result<PredictGameOutput, AppError> {
        let filter = GameFilter {
            team_id: Some(out.home.team_id),
            opponent_id: Some(out.away.team_id),
            date_from: Some(out.date.clone()),
            date_to: Some(out.date.clone()),
            limit: 2,
            ..Default::default()
        };
        let games = self.store().games(&filter).await?;
        let Some(g) = games
            .iter()
            .find(|g| g.home_score.is_some() && g.away_score.is_some())
        else {
            return Ok(out);
        };
        let (gh, ga) = (g.home_score.unwrap_or(0), g.away_score.unwrap_or(0));
        let (home_score, away_score) = if g.home_id == out.home.team_id {
            (gh, ga)
        } else {
            (ga, gh)
        };
        let home_won = home_score > away_score;
        out.home.score = Some(home_score);
        out.away.score = Some(away_score);
        out.result = Some(PlayedResult {
            game_id: g.id.clone(),
            home_score,
            away_score,
            winner: if home_won {
                out.home.abbr.clone()
            } else {
                out.away.abbr.clone()
            },
            favourite_won: home_won == (out.home_win_probability >= 0.5),
        });
        Ok(out)
    }

    pub(crate) async fn predict_game(
        &self,
        caller: &Caller,
        input: PredictGameInput,
    ) -> Result<PredictGameOutput, AppError> {
        let m = matchup(&input, "")?;
        let route = self.predictions().route(&m.game, &caller.principal.id)?;
        if route.rollout.is_some() {
            return self.predict_routed(caller, m, route).await;
        }
        let serving = route.baseline;
        if serving.needs_no_replay(m.game.date) {
            return self.predict_one(&serving.live, m, &caller.request_id, true);
        }
        let p = self
            .cpu(caller, move |cancel| {
                serving.as_of(m.game.date, cancel).map(|p| (p, m))
            })
            .await?;
        let out = self.predict_one(&p.0, p.1, &caller.request_id, true)?;
        self.with_result(out).await
    }

    /// `predict_game` during a roll-out: the side the route names answers, its answer is
    /// watched, and a canary candidate's answer that is not a probability is never served
    /// (the champion's is, and the guards roll the roll-out back).
    async fn predict_routed(
        &self,
        caller: &Caller,
        m: Matchup,
        route: Route,
    ) -> Result<PredictGameOutput, AppError> {
        let rollout = route
            .rollout
            .clone()
            .expect("a routed prediction has a roll-out");
        let arm = route.arm().expect("a routed prediction has an arm");
        let started = Instant::now();
        let date = m.game.date;
        let (answer, baseline) = (
            route
                .candidate
                .clone()
                .unwrap_or_else(|| route.baseline.clone()),
            route.candidate.as_ref().map(|_| route.baseline.clone()),
        );
        let replay = !answer.needs_no_replay(date);
        let predicted = if replay {
            self.cpu(caller, move |cancel| {
                let b = baseline.map(|b| b.as_of(date, cancel)).transpose()?;
                Ok((answer.as_of(date, cancel), b))
            })
            .await
        } else {
            Ok((Ok(answer.live.clone()), baseline.map(|b| b.live.clone())))
        };
        let (p, baseline) = match predicted {
            Ok((Ok(p), b)) => (p, b),
            Ok((Err(e), _)) | Err(e) => {
                if !e.is_client_error() {
                    rollout.observe(Observed {
                        arm,
                        latency: Some(started.elapsed()),
                        prob: None,
                        baseline_prob: None,
                        home_won: None,
                    });
                }
                return Err(e);
            }
        };
        let prob = p.predict(&m.game).prob_home;
        let latency = started.elapsed();
        let baseline_prob = baseline.as_ref().map(|b| b.predict(&m.game).prob_home);
        let game = m.game.clone();
        let served = match &baseline {
            Some(b) if !prob.is_finite() || !(0.0..=1.0).contains(&prob) => b.clone(),
            _ => p,
        };
        let mut out = self.predict_one(&served, m, &caller.request_id, true)?;
        if replay {
            out = self.with_result(out).await?;
        }
        let home_won = out.result.as_ref().map(|r| r.winner == out.home.abbr);
        rollout.observe(Observed {
            arm,
            latency: Some(latency),
            prob: Some(prob),
            baseline_prob,
            home_won,
        });
        if route.shadow {
            rollout.shadow(game, prob, home_won);
        }
        Ok(out)
    }

    pub(crate) async fn predict_games(
        &self,
        caller: &Caller,
        input: PredictGamesInput,
    ) -> Result<PredictGamesOutput, AppError> {
        if input.games.is_empty() {
            return Err(AppError::InvalidArgument(
                "games must hold at least one game".into(),
            ));
        }
        if input.games.len() > MAX_BATCH {
            return Err(AppError::InvalidArgument(format!(
                "games holds {} games; the limit is {MAX_BATCH} per call",
                input.games.len()
            )));
        }
        let matchups = input
            .games
            .iter()
            .enumerate()
            .map(|(i, g)| matchup(g, &format!("games[{i}].")))
            .collect::<Result<Vec<_>, _>>()?;
        let svc = self.predictions();
        let routes = matchups
            .iter()
            .map(|m| svc.route(&m.game, &caller.principal.id))
            .collect::<Result<Vec<_>, _>>()?;
        let sample = LogSample::new(matchups.len(), self.limits().batch_log_sample);
        if routes.iter().any(|r| r.rollout.is_some()) {
            return self
                .predict_games_routed(caller, matchups, routes, sample)
                .await;
        }
        let serving = routes[0].baseline.clone();
        if matchups
            .iter()
            .all(|m| serving.needs_no_replay(m.game.date))
        {
            let out = matchups
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    self.predict_one(&serving.live, m, &caller.request_id, sample.keep(i))
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(PredictGamesOutput {
                count: out.len(),
                predictions: out,
            });
        }
        // Past dates replay history: once, in date order, on the CPU pool.
        let (app, request_id) = (self.clone(), caller.request_id.clone());
        self.cpu(caller, move |cancel| {
            let mut order: Vec<usize> = (0..matchups.len()).collect();
            order.sort_by_key(|&i| matchups[i].game.date);
            let mut slots: Vec<Option<Matchup>> = matchups.into_iter().map(Some).collect();
            let mut out: Vec<Option<PredictGameOutput>> = (0..slots.len()).map(|_| None).collect();
            let mut walk = serving.walker();
            for i in order {
                let m = slots[i].take().expect("each game once");
                let p = walk.advance_to(m.game.date, cancel)?;
                out[i] = Some(app.predict_one(p, m, &request_id, sample.keep(i))?);
            }
            let predictions: Vec<PredictGameOutput> = out.into_iter().flatten().collect();
            Ok(PredictGamesOutput {
                count: predictions.len(),
                predictions,
            })
        })
        .await
    }

    /// `predict_games` during a roll-out: every game goes where its route says, in date
    /// order through one walker per model, on the CPU pool.
    async fn predict_games_routed(
        &self,
        caller: &Caller,
        matchups: Vec<Matchup>,
        routes: Vec<Route>,
        sample: LogSample,
    ) -> Result<PredictGamesOutput, AppError> {
        let (app, request_id) = (self.clone(), caller.request_id.clone());
        self.cpu(caller, move |cancel| {
            let baseline = routes[0].baseline.clone();
            let rollout = routes.iter().find_map(|r| r.rollout.clone());
            let candidate = rollout.as_ref().map(|r| r.candidate.clone());
            let mut order: Vec<usize> = (0..matchups.len()).collect();
            order.sort_by_key(|&i| matchups[i].game.date);
            let mut slots: Vec<Option<Matchup>> = matchups.into_iter().map(Some).collect();
            let mut out: Vec<Option<PredictGameOutput>> = (0..slots.len()).map(|_| None).collect();
            let mut walk_b = baseline.walker();
            let mut walk_c = candidate.as_ref().map(|c| c.walker());
            for i in order {
                let m = slots[i].take().expect("each game once");
                let b = walk_b.advance_to(m.game.date, cancel)?;
                let route = &routes[i];
                let (Some(r), Some(walk_c)) = (&route.rollout, walk_c.as_mut()) else {
                    out[i] = Some(app.predict_one(b, m, &request_id, sample.keep(i))?);
                    continue;
                };
                let Some(arm) = route.arm() else {
                    out[i] = Some(app.predict_one(b, m, &request_id, sample.keep(i))?);
                    continue;
                };
                if arm == Arm::Baseline {
                    r.observe(Observed {
                        arm,
                        latency: None,
                        prob: Some(b.predict(&m.game).prob_home),
                        baseline_prob: None,
                        home_won: None,
                    });
                    out[i] = Some(app.predict_one(b, m, &request_id, sample.keep(i))?);
                    continue;
                }
                let c = walk_c.advance_to(m.game.date, cancel)?;
                let (pc, pb) = (c.predict(&m.game).prob_home, b.predict(&m.game).prob_home);
                r.observe(Observed {
                    arm,
                    latency: None,
                    prob: Some(pc),
                    baseline_prob: Some(pb),
                    home_won: None,
                });
                let served = if pc.is_finite() && (0.0..=1.0).contains(&pc) {
                    c
                } else {
                    b
                };
                out[i] = Some(app.predict_one(served, m, &request_id, sample.keep(i))?);
            }
            let predictions: Vec<PredictGameOutput> = out.into_iter().flatten().collect();
            Ok(PredictGamesOutput {
                count: predictions.len(),
                predictions,
            })
        })
        .await
    }

    pub(crate) async fn power_rankings(
        &self,
        caller: &Caller,
        input: PowerRankingsInput,
    ) -> Result<PowerRankingsOutput, AppError> {
        let serving = self.predictions().current()?;
        let date = match &input.date {
            Some(d) => Some(
                NaiveDate::parse_from_str(&parse_date("date", d)?, "%Y-%m-%d")
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        let p = match date {
            Some(d) if !serving.needs_no_replay(d) => {
                self.cpu(caller, move |cancel| serving.as_of(d, cancel))
                    .await?
            }
            _ => serving.live.clone(),
        };
        let as_of = date.or(p.data_through().map(|d| d.succ_opt().unwrap_or(d)));
        let season = Season::of_date(as_of.unwrap_or_else(today));
        let s = season.end_year() as i64;
        let mut rows: Vec<PowerRow> = franchises::eras_in_season(season.end_year())
            .into_iter()
            .map(|era| {
                let id = era.franchise_id;
                let elo = p.pipeline().elo().rating(id, s);
                let net = p.pipeline().net().rating(id, s);
                let sd = side(id, s, None);
                PowerRow {
                    rank: 0,
                    team_id: id,
                    abbr: sd.abbr,
                    name: sd.name,
                    elo: r1(elo),
                    net_rating: r1(net),
                    win_prob_vs_average: r3(nba_model::elo::prob_from_diff(elo - 1505.0)),
                }
            })
            .collect();
        rows.sort_by(|a, b| b.elo.total_cmp(&a.elo).then(a.abbr.cmp(&b.abbr)));
        for (i, r) in rows.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        Ok(PowerRankingsOutput {
            season: season.label(),
            as_of: as_of.map(|d| d.to_string()),
            model: ModelInfo::of(&p),
            teams: rows,
        })
    }
}

/// The `predict_game` tool.
pub struct PredictGame;

impl Tool for PredictGame {
    const NAME: &'static str = "predict_game";
    const TITLE: &'static str = "Predict a game";
    const DESCRIPTION: &'static str = "Home and away win probability and expected margin for a matchup on a date (default today), from the champion model trained on past seasons, with the top factors behind it and the date the data runs to. Past dates use only games played before them. neutral: no home court.";
    const PERMISSION: Option<Permission> = Some(Permission::PredictionsRead);
    type Input = PredictGameInput;
    type Output = PredictGameOutput;

    async fn run(cx: Ctx<'_>, input: PredictGameInput) -> Result<PredictGameOutput, AppError> {
        cx.app.predict_game(cx.caller, input).await
    }
}

/// The `predict_games` tool.
pub struct PredictGames;

impl Tool for PredictGames {
    const NAME: &'static str = "predict_games";
    const TITLE: &'static str = "Predict many games";
    const DESCRIPTION: &'static str = "predict_game for up to 1000 games at once: {games: [{home, away, date?, neutral?}, ...]}. Every game is checked before any is predicted; an error names the game by its index.";
    const PERMISSION: Option<Permission> = Some(Permission::PredictionsRead);
    type Input = PredictGamesInput;
    type Output = PredictGamesOutput;

    async fn run(cx: Ctx<'_>, input: PredictGamesInput) -> Result<PredictGamesOutput, AppError> {
        cx.app.predict_games(cx.caller, input).await
    }
}

/// The `get_power_rankings` tool.
pub struct GetPowerRankings;

impl Tool for GetPowerRankings {
    const NAME: &'static str = "get_power_rankings";
    const TITLE: &'static str = "Power rankings";
    const DESCRIPTION: &'static str = "Teams ranked by the model's Elo rating, with a points-scale net rating and the win probability against an average team on a neutral site, as of a date (default: after the latest result).";
    const PERMISSION: Option<Permission> = Some(Permission::PredictionsRead);
    type Input = PowerRankingsInput;
    type Output = PowerRankingsOutput;

    async fn run(cx: Ctx<'_>, input: PowerRankingsInput) -> Result<PowerRankingsOutput, AppError> {
        cx.app.power_rankings(cx.caller, input).await
    }
}

/// `p`'s prediction of `game`, refused (an internal error naming the model) when it is not a
/// probability in 0..1 with a finite margin: an ONNX graph can answer NaN, and no tool serves
/// or simulates with that.
pub(crate) fn checked(p: &Predictor, game: &GameInput) -> Result<Prediction, AppError> {
    let pred = p.predict(game);
    if pred.prob_home.is_finite()
        && (0.0..=1.0).contains(&pred.prob_home)
        && pred.margin.is_finite()
    {
        return Ok(pred);
    }
    Err(AppError::Internal(format!(
        "model {} gave no valid prediction for this game (probability {}, margin {}); \
         the operators can roll it back with rollback_model",
        p.model_ref(),
        pred.prob_home,
        pred.margin
    )))
}
