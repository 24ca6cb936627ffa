//! Hyper-parameter search by walk-forward evaluation on 538's file, seasons 2004-05 …
//! 2014-15 by default (never the seasons the model is judged on).
//!
//! `cargo run --release -p nba-model --example tune -- '<json overrides>' [first-last]`
//! where the overrides look like `{"features": {"net": {"k": 0.06}}, "train": {"alpha": 2}}`
//! and are merged into the defaults. Prints the Brier per season and overall, and 538
//! Elo's on the same games.

use std::path::PathBuf;

use nba_ingest::{Format, Parsed};
use nba_model::evaluate::{walk_forward_examples, Benchmark};
use nba_model::{train, FeatureConfig, GameInput, TrainConfig};
use serde_json::Value;

fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let over: Value = serde_json::from_str(args.get(1).map_or("{}", |s| s.as_str())).unwrap();
    let (first, last) = args
        .get(2)
        .and_then(|s| s.split_once('-'))
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .unwrap_or((2005i64, 2015i64));
    assert!(last < 2016, "tuning stays before 2015-16");
    let mut fc = serde_json::to_value(FeatureConfig::default()).unwrap();
    let mut tc = serde_json::to_value(TrainConfig::default()).unwrap();
    if let Some(f) = over.get("features") {
        merge(&mut fc, f);
    }
    if let Some(t) = over.get("train") {
        merge(&mut tc, t);
    }
    let fc: FeatureConfig = serde_json::from_value(fc).unwrap();
    let tc: TrainConfig = serde_json::from_value(tc).unwrap();

    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join("fivethirtyeight/games_1947_2022.csv.gz");
    let Parsed::Games(mut rows) = nba_ingest::parse_file(Format::FiveThirtyEight, &path, &Default::default())
        .unwrap()
        .parsed
    else {
        panic!("not games")
    };
    rows.sort_by_key(|r| r.date);
    let games: Vec<GameInput> = rows
        .iter()
        .map(|r| GameInput {
            date: r.date,
            season: r.season.end_year() as i64,
            stage: r.stage,
            neutral: r.neutral,
            home_id: r.home_id,
            away_id: r.away_id,
            home_score: r.home_score.map(i64::from),
            away_score: r.away_score.map(i64::from),
        })
        .collect();
    let bench: Vec<Benchmark> = rows
        .iter()
        .map(|r| Benchmark {
            fte_elo: r.fte.as_ref().and_then(|f| f.elo_prob_home),
            fte_main: None,
        })
        .collect();
    let (examples, _) = train::examples(&games, fc);
    let seasons: Vec<i64> = (first..=last).collect();
    let ev = walk_forward_examples(&examples, &bench, &seasons, &tc).unwrap();
    for s in &ev.seasons {
        print!(
            "{}:{:.4}/{:.4} ",
            s.season.unwrap(),
            s.model.brier,
            s.fte_elo.map_or(f64::NAN, |m| m.brier)
        );
    }
    println!();
    let o = &ev.overall;
    println!(
        "OVERALL brier {:.5} logloss {:.5} acc {:.4} ece {:.4} rmse {:.3} | 538 elo {:.5} | {}",
        o.model.brier,
        o.model.log_loss,
        o.model.accuracy,
        o.model.ece,
        o.margin_rmse,
        o.fte_elo.map_or(f64::NAN, |m| m.brier),
        args.get(1).map_or("{}", |s| s.as_str())
    );
}
