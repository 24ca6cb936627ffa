//! The yardstick: 538's published forecasts for the regular seasons 2015-16 … 2021-22,
//! recomputed from `benchmark_2015_2022.csv` with our metrics (the issue quotes Brier
//! 0.2185 for Elo and 0.2143 for the main model over 8,289 games).

use crate::common;

use nba_model::metrics::score;

#[test]
fn benchmark_file_gives_the_issue_numbers() {
    let path = common::data_dir().join("fivethirtyeight/benchmark_2015_2022.csv");
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (season, stage, won, elo, main) = (
        col("season"),
        col("stage"),
        col("home_win"),
        col("elo_prob1"),
        col("main_prob1"),
    );
    let (mut e, mut m) = (Vec::new(), Vec::new());
    for rec in reader.records() {
        let rec = rec.unwrap();
        if &rec[stage] != "regular" || rec[season].parse::<i64>().unwrap() < 2016 {
            continue;
        }
        let y = &rec[won] == "1";
        e.push((rec[elo].parse::<f64>().unwrap(), y));
        m.push((
            rec[main].parse::<f64>().expect("main_prob1 for every game"),
            y,
        ));
    }
    let (e, m) = (score(&e), score(&m));
    eprintln!("538 Elo {e:?}\n538 main {m:?}");
    assert_eq!(e.games, 8289);
    assert_eq!(m.games, 8289);
    let close = |a: f64, b: f64| (a - b).abs() < 5e-5;
    assert!(close(e.brier, 0.2185) && close(e.log_loss, 0.6272) && close(e.accuracy, 0.6515));
    assert!(close(m.brier, 0.2143) && close(m.log_loss, 0.6182) && close(m.accuracy, 0.6598));
}
