//! JSON assertions and raw-file facts shared by the tool tests.
#![allow(dead_code)]

use std::collections::HashSet;

use serde_json::Value;

use super::raw_538;

pub fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

pub fn close(actual: &Value, expected: f64, tol: f64, what: &str) {
    let a = f(actual);
    assert!(
        (a - expected).abs() <= tol,
        "{what}: {a} is not within {tol} of {expected}"
    );
}

/// Win-loss of `code` in the raw 538 regular season of `season`, up to `until` (inclusive).
pub fn raw_record(season: i64, code: &str, until: Option<&str>) -> (u32, u32) {
    let mut wl = (0, 0);
    for g in raw_538().iter().filter(|g| {
        g.season == season && g.stage == "regular" && until.is_none_or(|d| g.date.as_str() <= d)
    }) {
        let (pf, pa) = if g.team1 == code {
            (g.score1, g.score2)
        } else if g.team2 == code {
            (g.score2, g.score1)
        } else {
            continue;
        };
        if pf > pa {
            wl.0 += 1
        } else {
            wl.1 += 1
        }
    }
    wl
}

/// 538 codes that differ from the NBA abbreviation the tools show, in seasons from 2014-15.
pub fn nba_abbr(code: &str) -> &str {
    match code {
        "BRK" => "BKN",
        "CHO" => "CHA",
        "PHO" => "PHX",
        other => other,
    }
}

pub fn assert_newest_first_and_unique(games: &[Value]) {
    let keys: Vec<(String, String)> = games
        .iter()
        .map(|g| {
            (
                g["date"].as_str().unwrap().into(),
                g["game_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    for w in keys.windows(2) {
        assert!(
            w[0] > w[1],
            "not in descending order: {:?} then {:?}",
            w[0],
            w[1]
        );
    }
    let ids: HashSet<&String> = keys.iter().map(|k| &k.1).collect();
    assert_eq!(ids.len(), keys.len(), "a game appears twice");
}
