//! compute_metrics: advanced metrics from numbers the caller gives, no store access.

use nba_domain::metrics::{self, FourFactors, PlayerLine, TeamLine};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Ctx, Tool};
use crate::AppError;
use nba_auth::Permission;

/// A stat line; give what you have. Minutes are the team's total (240 in regulation) for a
/// team, the player's own for a player.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatLine {
    pub minutes: Option<f64>,
    pub fgm: Option<f64>,
    pub fga: Option<f64>,
    pub fg3m: Option<f64>,
    pub fg3a: Option<f64>,
    pub ftm: Option<f64>,
    pub fta: Option<f64>,
    pub oreb: Option<f64>,
    pub dreb: Option<f64>,
    pub ast: Option<f64>,
    pub stl: Option<f64>,
    pub blk: Option<f64>,
    pub tov: Option<f64>,
    pub pf: Option<f64>,
    pub pts: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeInput {
    /// A player's line (for TS%, eFG%, usage with `team`).
    pub player: Option<StatLine>,
    /// The player's team, or a team line on its own.
    pub team: Option<StatLine>,
    /// The team's opponent (for possessions, pace, ratings, four factors).
    pub opponent: Option<StatLine>,
}

#[derive(Debug, Serialize, JsonSchema, Default)]
pub struct ShootingOut {
    pub ts_pct: Option<f64>,
    pub efg_pct: Option<f64>,
    pub fg_pct: Option<f64>,
    pub fg3_pct: Option<f64>,
    pub ft_pct: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema, Default)]
pub struct ComputeOutput {
    pub player: Option<ShootingOut>,
    pub usage_rate: Option<f64>,
    pub team: Option<ShootingOut>,
    pub possessions: Option<f64>,
    pub pace: Option<f64>,
    pub offensive_rating: Option<f64>,
    pub defensive_rating: Option<f64>,
    pub net_rating: Option<f64>,
    pub four_factors: Option<FourFactors>,
    pub opponent_four_factors: Option<FourFactors>,
    /// Metrics not computed, with the inputs they need.
    pub missing: Vec<String>,
}

fn check(name: &str, l: &StatLine) -> Result<(), AppError> {
    let fields = [
        ("minutes", l.minutes),
        ("fgm", l.fgm),
        ("fga", l.fga),
        ("fg3m", l.fg3m),
        ("fg3a", l.fg3a),
        ("ftm", l.ftm),
        ("fta", l.fta),
        ("oreb", l.oreb),
        ("dreb", l.dreb),
        ("ast", l.ast),
        ("stl", l.stl),
        ("blk", l.blk),
        ("tov", l.tov),
        ("pf", l.pf),
        ("pts", l.pts),
    ];
    for (f, v) in fields {
        if let Some(v) = v {
            if !v.is_finite() || v < 0.0 {
                return Err(AppError::InvalidArgument(format!(
                    "{name}.{f} must be a non-negative number, got {v}"
                )));
            }
        }
    }
    for (m, a, what) in [
        (l.fgm, l.fga, "fgm > fga"),
        (l.fg3m, l.fg3a, "fg3m > fg3a"),
        (l.ftm, l.fta, "ftm > fta"),
        (l.fg3m, l.fgm, "fg3m > fgm"),
    ] {
        if let (Some(m), Some(a)) = (m, a) {
            if m > a {
                return Err(AppError::InvalidArgument(format!(
                    "{name}: {what} ({m} > {a})"
                )));
            }
        }
    }
    Ok(())
}

fn shooting(l: &StatLine) -> ShootingOut {
    let r = |x: Option<f64>| x.map(super::r3);
    ShootingOut {
        ts_pct: r(l
            .pts
            .zip(l.fga)
            .zip(l.fta)
            .and_then(|((p, a), t)| metrics::true_shooting(p, a, t))),
        efg_pct: r(l
            .fgm
            .zip(l.fga)
            .and_then(|(m, a)| metrics::effective_fg(m, l.fg3m.unwrap_or(0.0), a))),
        fg_pct: r(l.fgm.zip(l.fga).and_then(|(m, a)| metrics::pct(m, a))),
        fg3_pct: r(l.fg3m.zip(l.fg3a).and_then(|(m, a)| metrics::pct(m, a))),
        ft_pct: r(l.ftm.zip(l.fta).and_then(|(m, a)| metrics::pct(m, a))),
    }
}

/// A full team line, or the names of what is missing.
fn team_line(name: &str, l: &StatLine) -> Result<TeamLine, Vec<String>> {
    let need = [
        ("minutes", l.minutes),
        ("fgm", l.fgm),
        ("fga", l.fga),
        ("fta", l.fta),
        ("oreb", l.oreb),
        ("dreb", l.dreb),
        ("tov", l.tov),
        ("pts", l.pts),
    ];
    let missing: Vec<String> = need
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(f, _)| format!("{name}.{f}"))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let z = |x: Option<f64>| x.unwrap_or(0.0);
    Ok(TeamLine {
        minutes: z(l.minutes),
        fgm: z(l.fgm),
        fga: z(l.fga),
        fg3m: z(l.fg3m),
        fg3a: z(l.fg3a),
        ftm: z(l.ftm),
        fta: z(l.fta),
        oreb: z(l.oreb),
        dreb: z(l.dreb),
        ast: z(l.ast),
        stl: z(l.stl),
        blk: z(l.blk),
        tov: z(l.tov),
        pf: z(l.pf),
        pts: z(l.pts),
    })
}

pub(crate) fn compute(input: ComputeInput) -> Result<ComputeOutput, AppError> {
    if input.player.is_none() && input.team.is_none() && input.opponent.is_none() {
        return Err(AppError::InvalidArgument(
            "give at least one of player, team or opponent".into(),
        ));
    }
    for (n, l) in [
        ("player", &input.player),
        ("team", &input.team),
        ("opponent", &input.opponent),
    ] {
        if let Some(l) = l {
            check(n, l)?;
        }
    }
    let mut out = ComputeOutput {
        player: input.player.as_ref().map(shooting),
        team: input.team.as_ref().map(shooting),
        ..Default::default()
    };
    let team = input.team.as_ref().map(|t| team_line("team", t));
    let opp = input.opponent.as_ref().map(|t| team_line("opponent", t));
    if let (Some(p), Some(Ok(t))) = (&input.player, &team) {
        let need = [
            ("player.minutes", p.minutes),
            ("player.fga", p.fga),
            ("player.fta", p.fta),
            ("player.tov", p.tov),
        ];
        let miss: Vec<String> = need
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(f, _)| f.to_string())
            .collect();
        if miss.is_empty() {
            let pl = PlayerLine {
                minutes: p.minutes.unwrap_or(0.0),
                fga: p.fga.unwrap_or(0.0),
                fta: p.fta.unwrap_or(0.0),
                tov: p.tov.unwrap_or(0.0),
                ..Default::default()
            };
            out.usage_rate = metrics::usage_rate(&pl, t).map(super::r1);
        } else {
            out.missing
                .push(format!("usage_rate needs {}", miss.join(", ")));
        }
    } else if input.player.is_some() {
        out.missing
            .push("usage_rate needs a team line (minutes, fga, fta, tov)".into());
    }
    match (team, opp) {
        (Some(Ok(t)), Some(Ok(o))) => {
            let poss = metrics::checked_possessions(&t, &o);
            out.possessions = poss.map(super::r1);
            out.pace = metrics::pace(&t, &o).map(super::r1);
            out.offensive_rating = poss
                .and_then(|p| metrics::offensive_rating(t.pts, p))
                .map(super::r1);
            out.defensive_rating = poss
                .and_then(|p| metrics::defensive_rating(o.pts, p))
                .map(super::r1);
            out.net_rating = poss
                .and_then(|p| metrics::net_rating(t.pts, o.pts, p))
                .map(super::r1);
            out.four_factors = Some(metrics::four_factors(&t, &o));
            out.opponent_four_factors = Some(metrics::four_factors(&o, &t));
        }
        (t, o) => {
            let mut miss = Vec::new();
            for (name, x) in [("team", t), ("opponent", o)] {
                match x {
                    None => miss.push(format!("a {name} line")),
                    Some(Err(m)) => miss.extend(m),
                    Some(Ok(_)) => {}
                }
            }
            out.missing.push(format!(
                "possessions, pace, ratings and four factors need {}",
                miss.join(", ")
            ));
        }
    }
    Ok(out)
}

/// The `compute_metrics` tool.
pub struct ComputeMetrics;

impl Tool for ComputeMetrics {
    const NAME: &'static str = "compute_metrics";
    const TITLE: &'static str = "Compute metrics";
    const DESCRIPTION: &'static str = "Advanced metrics from numbers you give, with Basketball-Reference definitions: TS% = PTS/(2(FGA+0.44 FTA)); eFG% = (FGM+0.5 3PM)/FGA; possessions = 0.5((FGA+0.4FTA-1.07(ORB/(ORB+OppDRB))(FGA-FGM)+TOV) + same for opponent); pace = 48 (Poss+OppPoss)/(2 (MP/5)); ORtg/DRtg = 100 points per possession; usage = 100 ((FGA+0.44FTA+TOV)(TmMP/5))/(MP (TmFGA+0.44TmFTA+TmTOV)); four factors eFG%, TOV% = TOV/(FGA+0.44FTA+TOV), ORB% = ORB/(ORB+OppDRB), FT/FGA. Give a player and/or team line and optionally the opponent's; metrics whose inputs are missing are listed.";
    const PERMISSION: Option<Permission> = Some(Permission::DataRead);
    type Input = ComputeInput;
    type Output = ComputeOutput;

    async fn run(_cx: Ctx<'_>, input: ComputeInput) -> Result<ComputeOutput, AppError> {
        compute(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curry_2016_shooting() {
        let p = StatLine {
            pts: Some(2375.0),
            fga: Some(1598.0),
            fta: Some(400.0),
            fgm: Some(805.0),
            fg3m: Some(402.0),
            ..Default::default()
        };
        let out = compute(ComputeInput {
            player: Some(p),
            team: None,
            opponent: None,
        })
        .unwrap();
        let s = out.player.unwrap();
        assert_eq!(s.ts_pct, Some(0.669));
        assert_eq!(s.efg_pct, Some(0.630));
        assert!(out.missing.iter().any(|m| m.contains("usage_rate")));
    }

    #[test]
    fn rejects_impossible_lines() {
        let p = StatLine {
            fgm: Some(10.0),
            fga: Some(5.0),
            ..Default::default()
        };
        let e = compute(ComputeInput {
            player: Some(p),
            team: None,
            opponent: None,
        })
        .unwrap_err();
        assert!(e.to_string().contains("fgm > fga"), "{e}");
    }
}
