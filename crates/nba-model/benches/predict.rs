//! Prediction speed in process: one game (goal < 20 µs), a 100-game batch (goal < 5 ms),
//! and a full walk-forward evaluation of 2015-16 … 2021-22 from 538's file (goal < 30 s).
//!
//! `cargo bench -p nba-model --bench predict` (reads NBA_MCP_DATA_DIR, default
//! `../shared/data`).

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use nba_ingest::{Format, Parsed};
use nba_model::evaluate::{walk_forward, Benchmark};
use nba_model::train::train_artifact;
use nba_model::{FeatureConfig, GameInput, Predictor, TrainConfig};

fn history() -> (Vec<GameInput>, Vec<Benchmark>) {
    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = dir.join("fivethirtyeight/games_1947_2022.csv.gz");
    let out = nba_ingest::parse_file(Format::FiveThirtyEight, &path, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e} (set NBA_MCP_DATA_DIR)", path.display()));
    let Parsed::Games(mut rows) = out.parsed else {
        panic!("not games")
    };
    rows.sort_by_key(|r| r.date);
    let games = rows
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
    let bench = rows
        .iter()
        .map(|r| Benchmark {
            fte_elo: r.fte.as_ref().and_then(|f| f.elo_prob_home),
            fte_main: r.fte.as_ref().and_then(|f| f.main_prob_home),
        })
        .collect();
    (games, bench)
}

fn benches(c: &mut Criterion) {
    let (games, bench) = history();
    let artifact = train_artifact(
        &games,
        (1992, 2022),
        "bench",
        None,
        FeatureConfig::default(),
        &TrainConfig::default(),
    )
    .unwrap();
    let predictor = Predictor::new(&artifact, &games).unwrap();
    // The 2022 Finals rematch as a future game, and 100 future matchups.
    let mut next = games.last().unwrap().clone();
    next.date = chrono::NaiveDate::from_ymd_opt(2022, 10, 20).unwrap();
    next.season = 2023;
    next.stage = nba_model::Stage::Regular;
    (next.home_score, next.away_score) = (None, None);
    let teams: Vec<i64> = nba_domain::franchises::current_franchises()
        .iter()
        .map(|e| e.franchise_id)
        .collect();
    let batch: Vec<GameInput> = (0..100)
        .map(|i| GameInput {
            home_id: teams[i % 30],
            away_id: teams[(i * 7 + 1) % 30],
            ..next.clone()
        })
        .filter(|g| g.home_id != g.away_id)
        .collect();

    c.bench_function("predict_one", |b| {
        b.iter(|| predictor.predict(std::hint::black_box(&next)))
    });
    c.bench_function("predict_one_with_factors", |b| {
        b.iter(|| {
            let p = predictor.predict(std::hint::black_box(&next));
            (p, predictor.factors(&next, 5))
        })
    });
    c.bench_function("predict_batch_100", |b| {
        b.iter(|| {
            batch
                .iter()
                .map(|g| predictor.predict(g).prob_home)
                .sum::<f64>()
        })
    });
    c.bench_function("apply_one_result", |b| {
        b.iter_batched(
            || predictor.clone(),
            |mut p| {
                let mut g = next.clone();
                (g.home_score, g.away_score) = (Some(110), Some(100));
                p.apply(&g);
                p
            },
            BatchSize::LargeInput,
        )
    });
    let mut slow = c.benchmark_group("evaluate");
    slow.sample_size(10);
    slow.bench_function("walk_forward_2016_2022", |b| {
        b.iter(|| {
            walk_forward(
                &games,
                &bench,
                &(2016..=2022).collect::<Vec<_>>(),
                FeatureConfig::default(),
                &TrainConfig::default(),
            )
            .unwrap()
        })
    });
    slow.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
