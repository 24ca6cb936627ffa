//! Tests of `metrics`.

use super::*;
use proptest::prelude::*;

fn close(actual: f64, expected: f64, tol: f64) -> bool {
    (actual - expected).abs() <= tol
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr, $tol:expr) => {{
        let (a, e, t): (f64, f64, f64) = ($actual, $expected, $tol);
        assert!(
            close(a, e, t),
            "{} = {a}, expected {e} ± {t}",
            stringify!($actual)
        );
    }};
}

/// Stephen Curry, 2015-16 regular season totals (Basketball-Reference player page):
/// 79 G, 2700 MP, 805-1598 FG, 402-886 3P, 363-400 FT, 2375 PTS. Internally consistent:
/// 2*805 + 402 + 363 = 2375, and 2375/79 = 30.1 PPG, 2700/79 = 34.2 MPG as published.
fn curry_2016() -> PlayerLine {
    PlayerLine {
        minutes: 2700.0,
        fgm: 805.0,
        fga: 1598.0,
        fg3m: 402.0,
        fg3a: 886.0,
        ftm: 363.0,
        fta: 400.0,
        pts: 2375.0,
        ..PlayerLine::default()
    }
}

/// Game 7 of the 2016 NBA Finals (June 19, 2016, regulation), CLE 93 at GSW 89, team totals
/// from the ESPN box score (gameId 400878160).
fn cle_game7() -> TeamLine {
    TeamLine {
        minutes: 240.0,
        fgm: 33.0,
        fga: 82.0,
        fg3m: 6.0,
        fg3a: 25.0,
        ftm: 21.0,
        fta: 25.0,
        oreb: 9.0,
        dreb: 39.0,
        ast: 17.0,
        stl: 7.0,
        blk: 6.0,
        tov: 11.0,
        pf: 15.0,
        pts: 93.0,
    }
}

fn gsw_game7() -> TeamLine {
    TeamLine {
        minutes: 240.0,
        fgm: 32.0,
        fga: 83.0,
        fg3m: 15.0,
        fg3a: 41.0,
        ftm: 10.0,
        fta: 13.0,
        oreb: 7.0,
        dreb: 32.0,
        ast: 22.0,
        stl: 7.0,
        blk: 5.0,
        tov: 10.0,
        pf: 23.0,
        pts: 89.0,
    }
}

#[test]
fn metrics_curry_2016_shooting() {
    let c = curry_2016();
    // 2375 / (2 * (1598 + 0.44*400)) = 2375 / 3548 = 0.66939...; Basketball-Reference: .669
    let ts = true_shooting(c.pts, c.fga, c.fta).unwrap();
    assert_close!(ts, 2375.0 / 3548.0, 1e-12);
    assert_eq!((ts * 1000.0).round(), 669.0);
    // (805 + 0.5*402) / 1598 = 1006 / 1598 = 0.62954...; Basketball-Reference: .630
    let efg = effective_fg(c.fgm, c.fg3m, c.fga).unwrap();
    assert_close!(efg, 1006.0 / 1598.0, 1e-12);
    assert_eq!((efg * 1000.0).round(), 630.0);
    // Published FG% .504, 3P% .454, FT% .908.
    assert_eq!((c.fg_pct().unwrap() * 1000.0).round(), 504.0);
    assert_eq!((c.fg3_pct().unwrap() * 1000.0).round(), 454.0);
    assert_eq!((c.ft_pct().unwrap() * 1000.0).round(), 908.0);
    assert_eq!(c.true_shooting(), Some(ts));
    assert_eq!(c.effective_fg(), Some(efg));
    // Published 30.1 PPG; per 36: 36 * 2375 / 2700 = 31.666...
    assert_close!(per_game(c.pts, 79.0).unwrap(), 30.063_291, 1e-6);
    assert_close!(per_36(c.pts, c.minutes).unwrap(), 95.0 / 3.0, 1e-12);
}

#[test]
fn metrics_game7_possessions_pace_ratings() {
    let (cle, gsw) = (cle_game7(), gsw_game7());
    // By hand:
    // CLE half: 82 + 0.4*25 - 1.07 * (9/(9+32)) * (82-33) + 11
    //         = 92 + 11 - 1.07 * 0.2195122 * 49 = 103 - 11.5090244 = 91.4909756
    // GSW half: 83 + 0.4*13 - 1.07 * (7/(7+39)) * (83-32) + 10
    //         = 98.2 - 1.07 * 0.1521739 * 51 = 98.2 - 8.3041304 = 89.8958696
    // Poss = 0.5 * (91.4909756 + 89.8958696) = 90.6934226
    let poss = possessions(&cle, &gsw);
    assert_close!(poss, 90.693_422_6, 1e-6);
    assert_eq!(possessions(&gsw, &cle), poss);
    assert_eq!(checked_possessions(&cle, &gsw), Some(poss));
    // Regulation (240 team minutes): pace = 48 * 2*Poss / (2 * 48) = Poss.
    assert_close!(pace(&cle, &gsw).unwrap(), 90.693_422_6, 1e-6);
    assert_close!(pace(&gsw, &cle).unwrap(), 90.693_422_6, 1e-6);
    // ORtg = 100 * 93 / 90.6934226 = 102.5433; DRtg = 100 * 89 / 90.6934226 = 98.1328.
    assert_close!(offensive_rating(cle.pts, poss).unwrap(), 102.543_27, 1e-4);
    assert_close!(defensive_rating(gsw.pts, poss).unwrap(), 98.132_81, 1e-4);
    assert_close!(net_rating(cle.pts, gsw.pts, poss).unwrap(), 4.410_46, 1e-4);
    assert_close!(per_100_possessions(-4.0, poss).unwrap(), -4.410_46, 1e-4);

    // The same game with one overtime's worth of team minutes: pace scales by 240/265.
    let ot = TeamLine {
        minutes: 265.0,
        ..cle
    };
    assert_close!(pace(&ot, &gsw).unwrap(), poss * 240.0 / 265.0, 1e-9);
}

#[test]
fn metrics_game7_four_factors() {
    let ff = four_factors(&cle_game7(), &gsw_game7());
    // eFG (33 + 3)/82; TOV 11/(82 + 11 + 11); ORB 9/(9 + 32); FT/FGA 21/82.
    assert_close!(ff.efg_pct.unwrap(), 36.0 / 82.0, 1e-12);
    assert_close!(ff.tov_pct.unwrap(), 11.0 / 104.0, 1e-12);
    assert_close!(ff.orb_pct.unwrap(), 9.0 / 41.0, 1e-12);
    assert_close!(ff.ft_rate.unwrap(), 21.0 / 82.0, 1e-12);
    let gs = four_factors(&gsw_game7(), &cle_game7());
    // eFG (32 + 7.5)/83; TOV 10/(83 + 5.72 + 10); ORB 7/(7 + 39); FT/FGA 10/83.
    assert_close!(gs.efg_pct.unwrap(), 39.5 / 83.0, 1e-12);
    assert_close!(gs.tov_pct.unwrap(), 10.0 / 98.72, 1e-12);
    assert_close!(gs.orb_pct.unwrap(), 7.0 / 46.0, 1e-12);
    assert_close!(gs.ft_rate.unwrap(), 10.0 / 83.0, 1e-12);
    assert_close!(ft_attempt_rate(25.0, 82.0).unwrap(), 25.0 / 82.0, 1e-12);
}

#[test]
fn metrics_game7_usage_draymond_green() {
    // Draymond Green in Game 7 (ESPN box, minutes as rounded there): 47 MIN, 11-15 FG,
    // 6-8 3P, 4-4 FT, 2 TOV, 32 PTS (2*11 + 6 + 4 = 32).
    let green = PlayerLine {
        minutes: 47.0,
        fgm: 11.0,
        fga: 15.0,
        fg3m: 6.0,
        fg3a: 8.0,
        ftm: 4.0,
        fta: 4.0,
        tov: 2.0,
        pts: 32.0,
        ..PlayerLine::default()
    };
    // 100 * (15 + 1.76 + 2) * (240/5) / (47 * (83 + 5.72 + 10)) = 90048 / 4639.84 = 19.4076
    let usg = usage_rate(&green, &gsw_game7()).unwrap();
    assert_close!(usg, 19.407_566, 1e-5);
    // TS 32 / (2 * 16.76) = 0.95465
    assert_close!(green.true_shooting().unwrap(), 0.954_654, 1e-6);
    assert_eq!(
        usage_rate(
            &PlayerLine {
                minutes: 0.0,
                ..green
            },
            &gsw_game7()
        ),
        None
    );
    assert_eq!(usage_rate(&green, &TeamLine::default()), None);
}

#[test]
fn metrics_warriors_2016_pythagorean() {
    // 2015-16 Warriors: 9421 points for, 8536 against in 82 games (114.9 and 104.1 per game,
    // Basketball-Reference team page, which lists Pythagorean W-L 65-17).
    // 9421^14 / (9421^14 + 8536^14) = 0.799165 -> 65.53 wins.
    let wins = pythagorean_wins(9421.0, 8536.0, 82.0).unwrap();
    assert_close!(wins, 65.53, 0.01);
    assert_eq!(wins.round(), 66.0);
    assert_eq!(wins.floor(), 65.0);
    let p = pythagorean_win_pct(9421.0, 8536.0, PYTHAGOREAN_EXPONENT).unwrap();
    assert_close!(p, 0.799_165, 1e-6);
    // Per-game averages give the same percentage (it depends only on the ratio).
    let per_game_p =
        pythagorean_win_pct(9421.0 / 82.0, 8536.0 / 82.0, PYTHAGOREAN_EXPONENT).unwrap();
    assert_close!(per_game_p, p, 1e-12);
    // Edge cases: shut-outs, empty and invalid inputs.
    assert_eq!(pythagorean_win_pct(100.0, 0.0, 14.0), Some(1.0));
    assert_eq!(pythagorean_win_pct(0.0, 100.0, 14.0), Some(0.0));
    assert_eq!(pythagorean_win_pct(0.0, 0.0, 14.0), None);
    assert_eq!(pythagorean_win_pct(100.0, 90.0, 0.0), None);
    assert_eq!(pythagorean_win_pct(100.0, f64::NAN, 14.0), None);
    assert_eq!(pythagorean_wins(100.0, 90.0, -1.0), None);
    // Huge totals must not overflow to inf/inf.
    assert_close!(pythagorean_win_pct(1e300, 1e300, 14.0).unwrap(), 0.5, 0.0);
}

#[test]
fn metrics_bounds_are_tight() {
    // A 1-for-1 three-point line: TS% and eFG% reach 1.5 (Basketball-Reference shows 1.500).
    assert_eq!(true_shooting(3.0, 1.0, 0.0), Some(1.5));
    assert_eq!(effective_fg(1.0, 1.0, 1.0), Some(1.5));
    // FT/FGA is not a bounded rate.
    assert_eq!(ft_per_fga(10.0, 2.0), Some(5.0));
}

#[test]
fn metrics_none_not_nan() {
    assert_eq!(true_shooting(0.0, 0.0, 0.0), None);
    assert_eq!(true_shooting(-1.0, 10.0, 0.0), None);
    assert_eq!(true_shooting(f64::INFINITY, 10.0, 0.0), None);
    assert_eq!(effective_fg(0.0, 0.0, 0.0), None);
    assert_eq!(effective_fg(5.0, 6.0, 10.0), None);
    assert_eq!(effective_fg(11.0, 0.0, 10.0), None);
    assert_eq!(pct(0.0, 0.0), None);
    assert_eq!(pct(3.0, 2.0), None);
    assert_eq!(pct(f64::NAN, 2.0), None);
    assert_eq!(pct(1.0, f64::MIN_POSITIVE / 4.0), None); // would overflow to inf
    assert_eq!(offensive_rating(100.0, 0.0), None);
    assert_eq!(offensive_rating(100.0, -5.0), None);
    assert_eq!(per_36(10.0, 0.0), None);
    assert_eq!(per_game(10.0, 0.0), None);
    assert_eq!(per_game(f64::NAN, 3.0), None);
    assert_eq!(per_game(-12.0, 3.0), Some(-4.0));
    let empty = TeamLine::default();
    assert_eq!(possessions(&empty, &empty), 0.0);
    assert_eq!(checked_possessions(&empty, &empty), Some(0.0));
    assert_eq!(pace(&empty, &empty), None);
    let bad = TeamLine {
        fga: f64::NAN,
        ..cle_game7()
    };
    assert_eq!(checked_possessions(&bad, &gsw_game7()), None);
    assert_eq!(possessions(&bad, &gsw_game7()), 0.0);
    assert_eq!(pace(&bad, &gsw_game7()), None);
    assert_eq!(
        four_factors(&empty, &empty),
        FourFactors {
            efg_pct: None,
            tov_pct: None,
            orb_pct: None,
            ft_rate: None
        }
    );
    let no_minutes = TeamLine {
        minutes: 0.0,
        ..cle_game7()
    };
    assert_eq!(pace(&no_minutes, &gsw_game7()), None);
}

#[test]
fn metrics_lines_sum() {
    let total: TeamLine = [cle_game7(), cle_game7()].into_iter().sum();
    assert_eq!(total.pts, 186.0);
    assert_eq!(total.minutes, 480.0);
    assert_eq!(total.reb(), 96.0);
    // Doubling both teams' lines doubles possessions (the estimate is homogeneous).
    let opp = gsw_game7() + gsw_game7();
    assert_close!(
        possessions(&total, &opp),
        2.0 * possessions(&cle_game7(), &gsw_game7()),
        1e-9
    );
    assert_close!(
        pace(&total, &opp).unwrap(),
        pace(&cle_game7(), &gsw_game7()).unwrap(),
        1e-9
    );
    let mut acc = PlayerLine::default();
    acc += curry_2016();
    assert_eq!(acc, curry_2016());
    assert!(curry_2016().is_valid());
    assert!(!TeamLine {
        tov: -1.0,
        ..TeamLine::default()
    }
    .is_valid());
}

#[test]
fn metrics_schema_describes_fields() {
    let schema = schemars::schema_for!(FourFactors);
    let props = schema.get("properties").expect("object schema");
    for field in ["efg_pct", "tov_pct", "orb_pct", "ft_rate"] {
        assert!(props.get(field).is_some(), "missing {field}");
    }
    let team = schemars::schema_for!(TeamLine);
    let props = team.get("properties").expect("object schema");
    assert_eq!(props.as_object().map(|o| o.len()), Some(15));
    let player = schemars::schema_for!(PlayerLine);
    assert!(player
        .get("properties")
        .and_then(|p| p.get("minutes"))
        .is_some());
}

#[test]
fn metrics_parse_minutes_forms() {
    assert_close!(parse_minutes("30:07").unwrap(), 30.0 + 7.0 / 60.0, 1e-12);
    assert_close!(parse_minutes("30:07").unwrap(), 30.1167, 1e-4);
    assert_close!(parse_minutes("PT34M12.00S").unwrap(), 34.2, 1e-12);
    assert_eq!(parse_minutes("PT00M00.00S"), Some(0.0));
    assert_eq!(parse_minutes("PT12M"), Some(12.0));
    assert_close!(parse_minutes("PT45.5S").unwrap(), 45.5 / 60.0, 1e-12);
    assert_close!(parse_minutes("PT1H02M30S").unwrap(), 62.5, 1e-12);
    assert_close!(parse_minutes("pt5m30s").unwrap(), 5.5, 1e-12);
    assert_eq!(parse_minutes("48.0"), Some(48.0));
    assert_eq!(parse_minutes("240"), Some(240.0));
    assert_eq!(parse_minutes(" 12:30 "), Some(12.5));
    assert_eq!(parse_minutes("0:00"), Some(0.0));
    assert_close!(parse_minutes("35.000000:45").unwrap(), 35.75, 1e-12);
    for bad in [
        "", "   ", ":", "30:", ":07", "30:60", "30:7:1", "-5", "-0:30", "+5", "1e3", "inf", "NaN",
        "DNP", "PT", "PTM", "PT5S3M", "PT5M5M", "PT5X", "P1D", "12.3.4", "30:0a",
    ] {
        assert_eq!(parse_minutes(bad), None, "{bad:?} should not parse");
    }
}

/// A consistent shooting line: 3PM <= FGM <= FGA, FTM <= FTA, PTS = 2*FGM + 3PM + FTM.
fn shooting_line() -> impl Strategy<Value = PlayerLine> {
    (0u32..2000, 0u32..1000)
        .prop_flat_map(|(fga, fta)| (Just(fga), 0..=fga, Just(fta), 0..=fta))
        .prop_flat_map(|(fga, fgm, fta, ftm)| (Just(fga), Just(fgm), 0..=fgm, Just(fta), Just(ftm)))
        .prop_map(|(fga, fgm, fg3m, fta, ftm)| PlayerLine {
            minutes: 1.0,
            fga: fga as f64,
            fgm: fgm as f64,
            fg3m: fg3m as f64,
            fg3a: fga as f64,
            fta: fta as f64,
            ftm: ftm as f64,
            pts: (2 * fgm + fg3m + ftm) as f64,
            ..PlayerLine::default()
        })
}

/// A team line whose counts are non-negative integers, shooting consistent.
fn team_line() -> impl Strategy<Value = TeamLine> {
    (shooting_line(), 0u32..30, 0u32..60, 0u32..30, 1u32..400).prop_map(
        |(s, oreb, dreb, tov, minutes)| TeamLine {
            minutes: minutes as f64,
            fgm: s.fgm,
            fga: s.fga,
            fg3m: s.fg3m,
            fg3a: s.fg3a,
            ftm: s.ftm,
            fta: s.fta,
            oreb: oreb as f64,
            dreb: dreb as f64,
            tov: tov as f64,
            pts: s.pts,
            ..TeamLine::default()
        },
    )
}

fn finite_or_none(x: Option<f64>) -> bool {
    x.is_none_or(f64::is_finite)
}

proptest! {
    #[test]
    fn metrics_prop_shooting_bounds(line in shooting_line()) {
        if let Some(ts) = line.true_shooting() {
            prop_assert!((0.0..=1.5).contains(&ts), "TS% {ts}");
        } else {
            prop_assert!(line.fga == 0.0 && line.fta == 0.0);
        }
        if let Some(efg) = line.effective_fg() {
            prop_assert!((0.0..=1.5).contains(&efg), "eFG% {efg}");
        } else {
            prop_assert_eq!(line.fga, 0.0);
        }
        if let Some(fg) = line.fg_pct() {
            prop_assert!((0.0..=1.0).contains(&fg));
        } else {
            prop_assert_eq!(line.fga, 0.0);
        }
        if let Some(ft) = line.ft_pct() {
            prop_assert!((0.0..=1.0).contains(&ft));
        }
    }

    #[test]
    fn metrics_prop_four_factor_bounds(team in team_line(), opp in team_line()) {
        let ff = four_factors(&team, &opp);
        prop_assert!(ff.efg_pct.is_none_or(|v| (0.0..=1.5).contains(&v)));
        prop_assert!(ff.tov_pct.is_none_or(|v| (0.0..=1.0).contains(&v)));
        prop_assert!(ff.orb_pct.is_none_or(|v| (0.0..=1.0).contains(&v)));
        prop_assert!(ff.ft_rate.is_none_or(|v| v >= 0.0 && v.is_finite()));
        prop_assert_eq!(ff.orb_pct.is_none(), team.oreb + opp.dreb == 0.0);
        prop_assert_eq!(ff.tov_pct.is_none(), team.fga + team.fta + team.tov == 0.0);
    }

    #[test]
    fn metrics_prop_possessions_symmetric(team in team_line(), opp in team_line()) {
        let p = possessions(&team, &opp);
        prop_assert!(p.is_finite());
        prop_assert_eq!(p, possessions(&opp, &team));
        // Equal team minutes: pace is symmetric too.
        let opp = TeamLine { minutes: team.minutes, ..opp };
        prop_assert_eq!(pace(&team, &opp), pace(&opp, &team));
        prop_assert!(finite_or_none(pace(&team, &opp)));
    }

    #[test]
    fn metrics_prop_pythagorean(a in 0.0f64..20000.0, b in 0.0f64..20000.0, x in 0.5f64..20.0) {
        match (pythagorean_win_pct(a, b, x), pythagorean_win_pct(b, a, x)) {
            (Some(p), Some(q)) => {
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!((p + q - 1.0).abs() <= 1e-12, "{p} + {q}");
                // Outscoring opponents means at least .500, being outscored at most .500.
                if a >= b { prop_assert!(p >= 0.5) } else { prop_assert!(p <= 0.5) }
            }
            (None, None) => prop_assert!(a == 0.0 && b == 0.0),
            other => prop_assert!(false, "asymmetric None: {:?}", other),
        }
    }

    #[test]
    fn metrics_prop_never_nan(
        a in proptest::num::f64::ANY,
        b in proptest::num::f64::ANY,
        c in proptest::num::f64::ANY,
    ) {
        prop_assert!(finite_or_none(true_shooting(a, b, c)));
        prop_assert!(finite_or_none(effective_fg(a, b, c)));
        prop_assert!(finite_or_none(pct(a, b)));
        prop_assert!(finite_or_none(tov_pct(a, b, c)));
        prop_assert!(finite_or_none(orb_pct(a, b)));
        prop_assert!(finite_or_none(ft_per_fga(a, b)));
        prop_assert!(finite_or_none(offensive_rating(a, b)));
        prop_assert!(finite_or_none(net_rating(a, b, c)));
        prop_assert!(finite_or_none(pythagorean_win_pct(a, b, c)));
        prop_assert!(finite_or_none(pythagorean_wins(a, b, c)));
        prop_assert!(finite_or_none(per_36(a, b)));
        prop_assert!(finite_or_none(per_game(a, b)));
        prop_assert!(finite_or_none(per_100_possessions(a, b)));
        let t = TeamLine { minutes: a, fga: b, fgm: c, oreb: a, dreb: b, tov: c, fta: a, ..TeamLine::default() };
        let o = TeamLine { minutes: c, fga: a, fgm: b, oreb: c, dreb: a, tov: b, fta: c, ..TeamLine::default() };
        prop_assert!(possessions(&t, &o).is_finite());
        prop_assert!(finite_or_none(pace(&t, &o)));
        let ff = four_factors(&t, &o);
        prop_assert!([ff.efg_pct, ff.tov_pct, ff.orb_pct, ff.ft_rate].into_iter().all(finite_or_none));
        let p = PlayerLine { minutes: c, fga: a, fta: b, tov: c, ..PlayerLine::default() };
        prop_assert!(finite_or_none(usage_rate(&p, &t)));
    }

    #[test]
    fn metrics_prop_zero_denominators_are_none(x in 0.0f64..1e6) {
        prop_assert_eq!(true_shooting(x, 0.0, 0.0), None);
        prop_assert_eq!(effective_fg(0.0, 0.0, 0.0), None);
        prop_assert_eq!(pct(0.0, 0.0), None);
        prop_assert_eq!(offensive_rating(x, 0.0), None);
        prop_assert_eq!(per_36(x, 0.0), None);
        prop_assert_eq!(per_game(x, 0.0), None);
        prop_assert_eq!(ft_per_fga(x, 0.0), None);
    }

    #[test]
    fn metrics_prop_parse_mm_ss(m in 0u32..100, s in 0u32..60) {
        let parsed = parse_minutes(&format!("{m}:{s:02}")).unwrap();
        prop_assert!((parsed - (m as f64 + s as f64 / 60.0)).abs() < 1e-12);
        let iso = parse_minutes(&format!("PT{m:02}M{s:02}.00S")).unwrap();
        prop_assert!((iso - parsed).abs() < 1e-12);
    }

    #[test]
    fn metrics_prop_parse_never_panics(s in "\\PC{0,12}") {
        prop_assert!(finite_or_none(parse_minutes(&s)));
        prop_assert!(parse_minutes(&s).is_none_or(|v| v >= 0.0));
    }
}
