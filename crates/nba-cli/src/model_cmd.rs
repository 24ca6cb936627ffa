//! `nba-mcp train`, `nba-mcp evaluate` and `nba-mcp models`: arguments, printing and the
//! reliability diagram. Training, evaluation, promotion and rollback are `nba_app::models`,
//! the code serving and first start use.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nba_app::models::{self, TrainRequest, Trained};
use nba_app::rollout::{Guards, Mode, RolloutView, StartRequest, Sticky};
use nba_model::evaluate::{season_label, Evaluation, Scores};
use nba_model::metrics::reliability;
use nba_model::svg::{reliability_svg, Series};
use nba_registry::ModelRegistry;
use nba_store::Store;

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
    /// Model registry: a folder or `s3://bucket/prefix` (default: the configured model
    /// store, `NBA_MCP_MODEL_STORE`, else the state directory).
    #[arg(long)]
    pub model_store: Option<String>,
    /// Print the new model (name, version, metrics, training) as JSON instead of sentences.
    #[arg(long)]
    pub json: bool,
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

/// `nba-mcp models ...`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ModelsCmd {
    /// Every stored model, with the aliases that point at it.
    List {
        /// One JSON object per line instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// One model (`name@version` or an alias): training seasons, features, scores.
    Show {
        spec: String,
        /// The artifact's summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Point an alias (default `champion`) at a stored model (`name@version`); audited.
    Promote {
        spec: String,
        #[arg(long, default_value = nba_registry::CHAMPION)]
        alias: String,
    },
    /// Point an alias (default `champion`) back at what it pointed at before its latest
    /// move; audited.
    Rollback {
        #[arg(long, default_value = nba_registry::CHAMPION)]
        alias: String,
    },
    /// Write the pre-game features of every finished game of some seasons to a CSV, and
    /// beside it (`<out>.contract.json`) the contract a model trained on them must carry,
    /// to train a model elsewhere (scripts/byom/train_sklearn.py does it with scikit-learn).
    ExportFeatures {
        /// Seasons by end year: `2005-2022`, `2022`, or `2021-22`.
        #[arg(long)]
        seasons: String,
        /// The CSV to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an ONNX model against its contract (features, outputs, a probe), score it on
    /// the seasons it was trained on and store it in the model store; audited.
    ImportOnnx {
        /// A `.onnx` file, or a model registered on MLflow: `models:/NAME/VERSION` or
        /// `models:/NAME@ALIAS` (its `model.onnx`, as `mlflow.onnx.log_model` stores it).
        source: String,
        /// Model name in the model store.
        #[arg(long)]
        name: String,
        /// Model version (default: `onnx.<12 hex of the file's SHA-256>`).
        #[arg(long)]
        version: Option<String>,
        /// Point this alias at it (e.g. `challenger`; `champion` serves it at once).
        #[arg(long)]
        alias: Option<String>,
        /// The MLflow tracking server a `models:/` source is on (default:
        /// `MLFLOW_TRACKING_URI`, else the model store when it is MLflow).
        #[arg(long)]
        mlflow_uri: Option<String>,
        /// Print the stored model as JSON instead of sentences.
        #[arg(long)]
        json: bool,
    },
}

/// `nba-mcp rollout ...`: model roll-outs, as the roll-out tools do them (the command line
/// acts as an admin, audited as principal `cli`). A running server serves a started
/// roll-out within its refresh (2 s) and judges it on its own traffic.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum RolloutCmd {
    /// Start a roll-out of a stored model (`name@version` or an alias) against the served
    /// alias, after a check on the last 500 finished games.
    Start {
        model: String,
        /// `canary` (default: a growing share of predictions), `shadow` (scored beside the
        /// champion, never served) or `blue_green` (kept warm; `advance` switches).
        #[arg(long, value_parser = parse_mode)]
        mode: Option<Mode>,
        /// Canary steps, percent, growing to 100: `5,10,25,50,100` (the default).
        #[arg(long, value_delimiter = ',')]
        steps: Option<Vec<u32>>,
        /// Seconds each canary step must hold its guards (default 300).
        #[arg(long)]
        bake_seconds: Option<u64>,
        /// Shadow: the share of requests the candidate scores, percent (default 10).
        #[arg(long)]
        shadow_percent: Option<u32>,
        /// `game` (default) or `principal`: what keeps a request on one model.
        #[arg(long, value_parser = parse_sticky)]
        sticky: Option<Sticky>,
        /// Guards as JSON, any left out keeps its default:
        /// '{"min_samples": 500, "max_p99_ms": 50, "max_error_rate": 0.01,
        /// "max_disagreement": 0.1, "max_brier_increase": 0.01}'.
        #[arg(long, value_parser = parse_guards)]
        guards: Option<Guards>,
    },
    /// The running roll-out and the latest finished ones, as JSON (each server's own
    /// answers per side are in the `rollout_status` tool of that server).
    Status,
    /// Move the running roll-out on now: next canary step, or the switch to the candidate.
    Advance,
    /// Stop the running roll-out; the alias stays where it is.
    Stop {
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
    },
}

fn parse_json_word<T: serde::de::DeserializeOwned>(s: &str, words: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| format!("'{s}' is not one of {words}"))
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    parse_json_word(s, "canary, shadow, blue_green")
}

fn parse_sticky(s: &str) -> Result<Sticky, String> {
    parse_json_word(s, "game, principal")
}

fn parse_guards(s: &str) -> Result<Guards, String> {
    serde_json::from_str(s).map_err(|e| format!("guards: {e}"))
}

/// Runs one `rollout` command on `app` (opened with the configured models); prints JSON.
pub async fn rollout(app: &nba_app::App, cmd: RolloutCmd) -> Result<()> {
    let actor = nba_app::Caller::cli();
    let out = match cmd {
        RolloutCmd::Start {
            model,
            mode,
            steps,
            bake_seconds,
            shadow_percent,
            sticky,
            guards,
        } => {
            let request = StartRequest {
                model,
                mode,
                steps,
                bake_seconds,
                shadow_percent,
                sticky,
                guards,
            };
            serde_json::to_value(quiet(app.start_rollout(&actor, request).await?))?
        }
        RolloutCmd::Status => {
            let (current, recent) = app.rollout_status(11).await?;
            serde_json::json!({"current": current.map(quiet), "recent": recent})
        }
        RolloutCmd::Advance => serde_json::to_value(quiet(app.advance_rollout(&actor).await?))?,
        RolloutCmd::Stop { reason } => {
            serde_json::to_value(quiet(app.stop_rollout(&actor, reason).await?))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// This process serves no traffic: its window of answers is not worth showing.
fn quiet(mut v: RolloutView) -> RolloutView {
    v.window = None;
    v
}

pub async fn models(store: &Store, registry: &dyn ModelRegistry, cmd: ModelsCmd) -> Result<()> {
    let actor = nba_app::Caller::cli();
    match cmd {
        ModelsCmd::List { json } => {
            let aliases = registry.aliases().await?;
            let models = registry.list().await?;
            if !json && models.is_empty() {
                eprintln!(
                    "no models in {}; train one with `nba-mcp train --seasons 1997-2026 --alias champion`",
                    registry.location()
                );
            }
            for m in models {
                let pointing: Vec<&str> = aliases
                    .iter()
                    .filter(|(_, r)| **r == m)
                    .map(|(a, _)| a.as_str())
                    .collect();
                if json {
                    let line = serde_json::json!({"model": m.to_string(), "name": m.name, "version": m.version, "aliases": pointing});
                    println!("{line}");
                } else if pointing.is_empty() {
                    println!("{m}");
                } else {
                    println!("{m}  ({})", pointing.join(", "));
                }
            }
        }
        ModelsCmd::Show { spec, json } => {
            let model = registry.resolve_ref(&spec).await?;
            let a = registry.load(&model).await?;
            let trainer = match &a.parameters {
                nba_model::artifact::Parameters::Onnx(p) => p.trainer.clone(),
                nba_model::artifact::Parameters::Linear(_) => "nba-mcp train".into(),
            };
            let summary = serde_json::json!({
                "model": model.to_string(),
                "kind": a.parameters.kind(),
                "trainer": trainer,
                "features": a.features,
                "training": a.training,
                "metrics": a.metrics,
            });
            if json {
                println!("{summary}");
            } else {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            }
        }
        ModelsCmd::Promote { spec, alias } => {
            moved(models::promote(store, registry, &actor, &alias, &spec).await?)
        }
        ModelsCmd::Rollback { alias } => {
            moved(models::rollback(store, registry, &actor, &alias).await?)
        }
        ModelsCmd::ExportFeatures { seasons, out } => {
            export_features(store, &seasons, &out).await?
        }
        ModelsCmd::ImportOnnx {
            source,
            name,
            version,
            alias,
            mlflow_uri,
            json,
        } => {
            let (bytes, from) = onnx_bytes(registry, &source, mlflow_uri).await?;
            let request = models::ImportRequest {
                name,
                version,
                alias: alias.clone(),
                source: from.clone(),
            };
            let imported = models::import_onnx(store, registry, &actor, bytes, &request).await?;
            let t = &imported.trained;
            if json {
                let mut v = t.summary();
                v["data_matches_export"] = imported.data_matches_export.into();
                println!("{v}");
            } else {
                let a = &t.artifact;
                let m = &a.metrics.train;
                println!(
                    "imported {}@{} ({} features) from {from}; wrote {}",
                    a.name,
                    a.version,
                    a.features.len(),
                    t.location
                );
                println!(
                    "in-sample on {}..{} ({} games): Brier {:.4}, log loss {:.4}, accuracy {:.3}, ECE {:.4}",
                    season_label(a.training.seasons[0]),
                    season_label(a.training.seasons[1]),
                    m.games,
                    m.brier,
                    m.log_loss,
                    m.accuracy,
                    m.ece
                );
                if let Some(alias) = &alias {
                    println!("alias {alias} -> {}@{}", a.name, a.version);
                    eprintln!("a running server serves it within 2 s (its next model refresh)");
                }
            }
            if !imported.data_matches_export {
                eprintln!(
                    "note: the store's games differ from those the features were exported from \
                     (data hash); the scores above are on the store's games"
                );
            }
        }
    }
    Ok(())
}

/// The ONNX file a `models import-onnx` source names: a path, or `models:/...` on MLflow.
async fn onnx_bytes(
    registry: &dyn ModelRegistry,
    source: &str,
    mlflow_uri: Option<String>,
) -> Result<(Vec<u8>, String)> {
    if !source.starts_with("models:/") {
        let path = Path::new(source);
        let len = std::fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        if len > nba_model::onnx::MAX_ONNX_BYTES as u64 {
            anyhow::bail!(
                "{} is {len} bytes; an ONNX model may be at most {} bytes",
                path.display(),
                nba_model::onnx::MAX_ONNX_BYTES
            );
        }
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok((bytes, path.display().to_string()));
    }
    let location = registry.location();
    let uri = mlflow_uri
        .or_else(|| std::env::var("MLFLOW_TRACKING_URI").ok())
        .or_else(|| {
            location
                .strip_prefix("MLflow ")
                .map(str::to_string)
                .filter(|u| u.starts_with("http"))
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "'{source}' is on an MLflow server: give --mlflow-uri or set MLFLOW_TRACKING_URI"
            )
        })?;
    let mlflow = nba_registry::MlflowRegistry::new(&uri)?;
    Ok(mlflow.fetch_registered_file(source, "model.onnx").await?)
}

/// `models export-features`: the CSV (one row per finished game) and its contract.
async fn export_features(store: &Store, seasons: &str, out: &Path) -> Result<()> {
    let seasons = parse_seasons(seasons)?;
    let (rows, contract) = models::export_features(store, seasons).await?;
    let mut csv = String::from("date,season,stage,neutral_site,home_team_id,away_team_id,home_score,away_score,margin,home_win");
    for f in nba_model::FEATURES {
        csv.push(',');
        csv.push_str(f);
    }
    csv.push('\n');
    for (g, e) in &rows {
        use std::fmt::Write as _;
        let _ = write!(
            csv,
            "{},{},{},{},{},{},{},{},{},{}",
            g.date,
            g.season,
            g.stage.as_str(),
            u8::from(g.neutral),
            g.home_id,
            g.away_id,
            g.home_score.unwrap_or_default(),
            g.away_score.unwrap_or_default(),
            e.margin,
            u8::from(e.home_won())
        );
        for v in e.features.values {
            let _ = write!(csv, ",{v}");
        }
        csv.push('\n');
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(out, csv).with_context(|| format!("writing {}", out.display()))?;
    let contract_path = PathBuf::from(format!("{}.contract.json", out.display()));
    std::fs::write(&contract_path, serde_json::to_string(&contract)?)
        .with_context(|| format!("writing {}", contract_path.display()))?;
    println!(
        "wrote {} games of {}..{} to {} and the contract to {}",
        rows.len(),
        season_label(seasons.0),
        season_label(seasons.1),
        out.display(),
        contract_path.display()
    );
    Ok(())
}

fn moved(m: models::AliasMove) {
    println!("{m}");
    eprintln!("a running server serves it within 2 s (its next model refresh)");
}

/// Prints what training produced: where, in-sample and validation scores, the alias.
pub fn report_trained(t: &Trained, request: &TrainRequest) {
    let a = &t.artifact;
    let (first, last) = request.seasons;
    println!(
        "trained {}@{} on {} games of {}..{}; wrote {}",
        a.name,
        a.version,
        a.training.games,
        season_label(first),
        season_label(last),
        t.location
    );
    let m = &a.metrics.train;
    println!(
        "in-sample: Brier {:.4}, log loss {:.4}, accuracy {:.3}, ECE {:.4}",
        m.brier, m.log_loss, m.accuracy, m.ece
    );
    if let Some(v) = &a.metrics.validation {
        println!(
            "{} regular season from a model fitted on the seasons before it: Brier {:.4}, ECE {:.4}",
            season_label(last),
            v.brier,
            v.ece
        );
    }
    if let Some(alias) = &request.alias {
        println!("alias {alias} -> {}@{}", a.name, a.version);
    }
}

/// `train --seasons A-B`: fits on those seasons, writes the artifact, optionally sets an alias.
/// Returns a JSON summary of the new artifact; the caller decides where it goes (never
/// stdout in stdio MCP mode).
pub async fn train(
    store: &Store,
    settings: &crate::config::Settings,
    args: &TrainArgs,
) -> Result<serde_json::Value> {
    let request = TrainRequest {
        seasons: parse_seasons(&args.seasons)?,
        name: args.name.clone(),
        version: args.version.clone(),
        alias: args.alias.clone(),
    };
    let registry = match &args.model_store {
        Some(spec) => nba_registry::open(spec, &nba_registry::s3::S3Options::default())?,
        None => settings.registry()?,
    };
    let trained = models::train(store, registry.as_ref(), &request).await?;
    if !args.json {
        report_trained(&trained, &request);
    }
    Ok(trained.summary())
}

/// `evaluate --seasons A-B [--json] [--svg path]`.
pub async fn evaluate(store: &Store, state_dir: &Path, args: &EvaluateArgs) -> Result<()> {
    let (first, last) = parse_seasons(&args.seasons)?;
    let started = std::time::Instant::now();
    let ev = models::evaluate(store, (first, last)).await?;
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

/// `--seasons` as end years, with the flag named in the error.
fn parse_seasons(text: &str) -> Result<(i64, i64)> {
    models::parse_seasons(text).map_err(|e| anyhow::anyhow!("--{e}"))
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

/// `drift` as a table: one line per feature (PSI, KS statistic and p-value, level).
pub fn print_drift(d: &nba_app::tools::DriftOutput) {
    println!(
        "model {}: {} recent served predictions against its reference",
        d.model, d.recent_predictions
    );
    println!(
        "  {:<20} {:>9} {:>7} {:>7} {:>8} {:>8}  level",
        "feature", "reference", "recent", "PSI", "KS", "KS p"
    );
    let num =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    for f in &d.report.features {
        println!(
            "  {:<20} {:>9} {:>7} {:>7} {:>8} {:>8}  {}{}",
            f.feature,
            f.reference_n,
            f.recent_n,
            num(f.psi, 3),
            num(f.ks_statistic, 3),
            num(f.ks_p_value, 4),
            serde_json::to_value(f.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            if f.drifted { "  DRIFTED" } else { "" }
        );
    }
    println!("{}", d.method);
}
