//! The demo league: a simulated season of the 30 current teams, loaded into an empty store
//! when no real data folder is configured, so a newcomer's first `serve` answers something.
//! Every result from it says `"data_source": "demo (simulated)"`.

use chrono::{Duration, NaiveDate};
use nba_domain::{franchises, Season, Stage};
use nba_ingest::{GameRow, ParseOutput, Parsed};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A deterministic simulated regular season of the 30 current teams.
pub fn demo_season(seed: u64) -> ParseOutput {
    let mut rng = StdRng::seed_from_u64(seed);
    let season = Season::from_end_year(2026).expect("valid season");
    let teams: Vec<i64> = franchises::current_franchises()
        .iter()
        .map(|e| e.franchise_id)
        .collect();
    let strength: Vec<f64> = teams.iter().map(|_| rng.gen_range(-8.0..8.0)).collect();
    let start = NaiveDate::from_ymd_opt(2025, 10, 21).expect("valid date");
    let mut rows = Vec::new();
    let mut line = 2;
    // Every ordered pair meets once, teams of the same conference twice: 86 games each.
    for i in 0..teams.len() {
        for j in 0..teams.len() {
            if i == j {
                continue;
            }
            let same =
                franchises::conference(teams[i], 2026) == franchises::conference(teams[j], 2026);
            for _ in 0..if same { 2 } else { 1 } {
                let day = rng.gen_range(0..170);
                let margin = strength[i] - strength[j] + 2.5 + rng.gen_range(-12.0..12.0_f64);
                let base: i32 = rng.gen_range(100..120);
                let half = (margin / 2.0).round() as i32;
                let (mut h, a) = (base + half, base - half);
                if h == a {
                    h += 1;
                }
                rows.push(GameRow {
                    line,
                    season,
                    date: start + Duration::days(day),
                    stage: Stage::Regular,
                    neutral: false,
                    home_id: teams[i],
                    away_id: teams[j],
                    home_score: Some(h),
                    away_score: Some(a),
                    nba_game_id: None,
                    fte: None,
                });
                line += 1;
            }
        }
    }
    ParseOutput {
        rows_read: rows.len() as u64,
        parsed: Parsed::Games(rows),
        layout: "demo league (simulated)",
        skipped: vec![],
        notes: vec!["simulated games; not real NBA results".into()],
        sha256: format!("demo-seed-{seed}"),
        file: "demo (simulated)".into(),
    }
}

/// Loads the demo league into `store` (its rows say `data_source: demo`).
pub async fn load_demo(
    store: &nba_store::Store,
) -> Result<nba_store::LoadSummary, crate::AppError> {
    tracing::warn!("empty store and no data folder configured: loading a DEMO (SIMULATED) league; results will say data_source \"demo (simulated)\"");
    let demo = demo_season(2026);
    let prov = nba_store::Provenance {
        format: "demo".into(),
        data_source: "demo".into(),
        skip_invalid: false,
    };
    Ok(store.load(&demo, &prov).await?)
}
