//! `nba-mcp train` and `nba-mcp evaluate`: the store's games in, a model artifact or a
//! walk-forward report out. The numerics live in `nba-model`; this adapts store records and
//! prints.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use nba_model::evaluate::{self, season_label, Benchmark, Evaluation, Scores};
use nba_model::metrics::reliability;
use nba_model::svg::{reliability_svg, Series};
use nba_model::{train, FeatureConfig, GameInput, ModelStore, TrainConfig};
use nba_store::{GameRecord, Store};

/// Arguments of `train`.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Training seasons by end year: `2005-2022`, `2022`, or `2021-22`.
    #[arg(long)]
    pub seasons: String,
    /// Model name in the model store.
    #[arg(long, default_value = "nba-logit")]
    pub name: String,
    /// Model version (default: `<first>-<last>.<hash of data and settings>`).
    #[arg(long)]
    pub version: Option<String>,
    /// Point this alias at the new model (e.g. `champion`).
    #[arg(long)]
    pub alias: Option<String>,
    /// Model store folder, holding `models/<name>/<version>.json` and `aliases.json`
    /// (default: the state directory).
    #[arg(long, env = "NBA_MCP_MODEL_STORE")]
    pub model_store: Option<PathBuf>,
}

/// Arguments of `evaluate`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvaluateArgs {
    /// Seasons to predict, by end year: `2016-2022`, `2024`, or `2023-24`.
    #[arg(long)]
    pub seasons: String,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Where to write the reliability diagram (default:
    /// `<state_dir>/reports/reliability-<first>-<last>.svg`).
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// Parses `2016-2022` (end years), `2022`, or one season written `2021-22`.
pub fn parse_seasons(text: &str) -> Result<(i64, i64)> {
    let bad = || anyhow::anyhow!("--seasons: '{text}' is not like 2016-2022, 2022 or 2021-22");
    let t = text.trim();
    let (a, b) = match t.split_once('-') {
        None => {
            let y: i64 = t.parse().map_err(|_| bad())?;
            (y, y)
        }
        Some((a, b)) => {
            let a: i64 = a.parse().map_err(|_| bad())?;
            match b.len() {
                2 => {
                    let b: i64 = b.parse().map_err(|_| bad())?;
                    if (a + 1) % 100 != b {
                        bail!("--seasons: '{text}' is not one season (2021-22 is)");
                    }
                    (a + 1, a + 1)
                }
                4 => (a, b.parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            }
        }
    };
    if !(1947..=2100).contains(&a) || b < a || b > 2100 {
        bail!("--seasons: '{text}' must run forward within 1947..2100 (seasons by end year)");
    }
    Ok((a, b))
}

fn input(r: &GameRecord) -> Result<GameInput> {
    Ok(GameInput {
        date: NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
            .with_context(|| format!("game {}: bad date '{}'", r.id, r.date))?,
        season: r.season,
        stage: r
            .stage
            .parse()
            .with_context(|| format!("game {}: stage", r.id))?,
        neutral: r.neutral,
        home_id: r.home_id,
        away_id: r.away_id,
        home_score: r.home_score,
        away_score: r.away_score,
    })
}

/// Every game in the store in date order, with 538's published probabilities beside it.
pub async fn load_games(store: &Store) -> Result<(Vec<GameInput>, Vec<Benchmark>)> {
    let mut rows: Vec<GameRecord> = Vec::new();
    for season in store.seasons().await? {
        rows.extend(store.season_games(season).await?);
    }
    // Seasons come in order and each in date order; a stable sort keeps that within a day.
    rows.sort_by(|a, b| a.date.cmp(&b.date));
    let games = rows.iter().map(input).collect::<Result<Vec<_>>>()?;
    let bench = rows
        .iter()
        .map(|r| Benchmark {
            fte_elo: r.fte_elo_prob_home,
            fte_main: r.fte_main_prob_home,
        })
        .collect();
    Ok((games, bench))
}

/// `train --seasons A-B`: fits on those seasons, writes the artifact, optionally sets an alias.
/// Returns a JSON summary of the new artifact; the caller decides where it goes (never
/// stdout in stdio MCP mode).
pub async fn train(store: &Store, state_dir: &Path, args: &TrainArgs) -> Result<serde_json::Value> {
    let (first, last) = parse_seasons(&args.seasons)?;
    let (games, _) = load_games(store).await?;
    let artifact = train::train_artifact(
        &games,
        (first, last),
        &args.name,
        args.version.as_deref(),
        FeatureConfig::default(),
        &TrainConfig::default(),
    )?;
    let models = ModelStore::new(
        args.model_store
            .clone()
            .unwrap_or_else(|| state_dir.to_path_buf()),
    );
    let path = models.save(&artifact)?;
    eprintln!(
        "trained {}@{} on {} games of {}..{}; wrote {}",
        artifact.name,
        artifact.version,
        artifact.training.games,
        season_label(first),
        season_label(last),
        path.display()
    );
    let t = &artifact.metrics.train;
    eprintln!(
        "in-sample: Brier {:.4}, log loss {:.4}, accuracy {:.3}, ECE {:.4}",
        t.brier, t.log_loss, t.accuracy, t.ece
    );
    if let Some(v) = &artifact.metrics.validation {
        eprintln!(
            "{} regular season from a model fitted on the seasons before it: Brier {:.4}, ECE {:.4}",
            season_label(last),
            v.brier,
            v.ece
        );
    }
    if let Some(alias) = &args.alias {
        models.set_alias(alias, &artifact.name, &artifact.version)?;
        eprintln!("alias {alias} -> {}@{}", artifact.name, artifact.version);
    }
    Ok(serde_json::json!({
        "name": artifact.name,
        "version": artifact.version,
        "path": path,
        "sha256": artifact.content_sha256(),
        "training": artifact.training,
        "metrics": artifact.metrics,
    }))
}

/// `evaluate --seasons A-B [--json] [--svg path]`.
pub async fn evaluate(store: &Store, state_dir: &Path, args: &EvaluateArgs) -> Result<()> {
    let (first, last) = parse_seasons(&args.seasons)?;
    let started = std::time::Instant::now();
    let (games, bench) = load_games(store).await?;
    let seasons: Vec<i64> = (first..=last).collect();
    let ev = evaluate::walk_forward(
        &games,
        &bench,
        &seasons,
        FeatureConfig::default(),
        &TrainConfig::default(),
    )?;
    for s in &ev.skipped {
        eprintln!(
            "note: {} has no finished regular-season games in the store; skipped",
            season_label(*s)
        );
    }
    let svg_path = args.svg.clone().unwrap_or_else(|| {
        state_dir
            .join("reports")
            .join(format!("reliability-{first}-{last}.svg"))
    });
    write_svg(&ev, &svg_path, first, last)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&ev.json())?);
    } else {
        print!("{}", table(&ev));
    }
    eprintln!(
        "reliability diagram: {} ({:.1}s)",
        svg_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_svg(ev: &Evaluation, path: &Path, first: i64, last: i64) -> Result<()> {
    let model = reliability(&ev.predictions.model);
    let elo = ev.predictions.fte_elo.as_deref().map(reliability);
    let main = ev.predictions.fte_main.as_deref().map(reliability);
    let mut series = vec![Series {
        label: "nba-model (walk-forward)",
        colour: "#1f77b4",
        bins: &model,
    }];
    if let Some(b) = &elo {
        series.push(Series {
            label: "538 Elo",
            colour: "#ff7f0e",
            bins: b,
        });
    }
    if let Some(b) = &main {
        series.push(Series {
            label: "538 main model",
            colour: "#2ca02c",
            bins: b,
        });
    }
    let title = format!(
        "Reliability, regular season {}..{} ({} games)",
        season_label(first),
        season_label(last),
        ev.overall.model.games
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, reliability_svg(&title, &series))
        .with_context(|| format!("writing {}", path.display()))
}

fn opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

fn row(label: &str, s: &Scores) -> String {
    let m = &s.model;
    format!(
        "{label:<8} {:>6} {:>7.4} {:>8.4} {:>6.3} {:>6.4} {:>8} {:>9} {:>7.2}\n",
        m.games,
        m.brier,
        m.log_loss,
        m.accuracy,
        m.ece,
        opt(s.fte_elo.map(|x| x.brier)),
        opt(s.fte_main.map(|x| x.brier)),
        s.margin_rmse
    )
}

/// The table for people.
pub fn table(ev: &Evaluation) -> String {
    let mut out =
        String::from("season    games   Brier  logloss    acc    ECE  538 Elo  538 main  margin\n");
    out.push_str("                                                  Brier     Brier    RMSE\n");
    for s in &ev.seasons {
        out.push_str(&row(&season_label(s.season.unwrap_or_default()), s));
    }
    out.push_str(&row("overall", &ev.overall));
    out.push_str(
        "Regular season; each season predicted by a model trained on earlier seasons only.\n\
         538 columns: FiveThirtyEight's published forecasts on the same games (CC BY 4.0); '-' where 538 published none.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons_parse_as_end_years() {
        assert_eq!(parse_seasons("2016-2022").unwrap(), (2016, 2022));
        assert_eq!(parse_seasons("2022").unwrap(), (2022, 2022));
        assert_eq!(parse_seasons("2021-22").unwrap(), (2022, 2022));
        assert_eq!(parse_seasons("1999-00").unwrap(), (2000, 2000));
        assert!(parse_seasons("2021-23").is_err());
        assert!(parse_seasons("2022-2016").is_err());
        assert!(parse_seasons("soon").is_err());
    }
}
