//! Basketball-Reference's standard formulas (shooting, possessions, pace, ratings, usage,
//! Four Factors, Pythagorean wins, rate stats) and a parser for NBA Stats minutes strings.
//!
//! Every function is pure. Definitions follow the Basketball-Reference glossary
//! (<https://www.basketball-reference.com/about/glossary.html>); where that glossary multiplies
//! by 100 for display, this module says so explicitly in each function's doc.
//!
//! Units, consistently:
//! * shooting and Four Factors rates are **fractions** (`0.669`, not `66.9`);
//! * offensive/defensive/net rating and usage are **per 100** (points per 100 possessions,
//!   percentage of team plays);
//! * pace is possessions per 48 minutes;
//! * minutes are decimal minutes (`30.5` = 30:30).
//!
//! Invalid input never yields NaN or infinity: every fallible function returns `None` when a
//! denominator is zero or an input is negative or non-finite. Box-score counts are taken as
//! `f64` so that season sums and per-game averages can be passed without conversion.

use std::iter::Sum;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

/// Weight of a free-throw attempt in a "true shooting attempt" and in a play (Basketball-Reference
/// TS%, TOV% and USG%): about 0.44 of FTAs end a possession (and-ones, three-shot fouls and
/// technicals do not).
pub const FTA_WEIGHT_TS: f64 = 0.44;

/// Weight of a free-throw attempt in Basketball-Reference's possession estimate (0.4, slightly
/// lower than [`FTA_WEIGHT_TS`]; the glossary's formula uses 0.4 here and 0.44 elsewhere).
pub const FTA_WEIGHT_POSS: f64 = 0.4;

/// Coefficient of the offensive-rebound correction in Basketball-Reference's possession
/// estimate: `1.07 * ORB% * missed FG` possessions continue after a miss instead of ending.
pub const ORB_WEIGHT_POSS: f64 = 1.07;

/// Basketball-Reference's exponent for NBA Pythagorean wins: its glossary's "PW" is
/// `G * PTS^14 / (PTS^14 + Opp PTS^14)` (Daryl Morey's original fit was 13.91).
pub const PYTHAGOREAN_EXPONENT: f64 = 14.0;

/// Minutes in a regulation NBA game (48) — the "per 48" of pace.
pub const REGULATION_GAME_MINUTES: f64 = 48.0;

/// Players on the floor per team; team minutes / 5 = game minutes.
const PLAYERS_ON_FLOOR: f64 = 5.0;

/// A team's box-score totals for one game or summed over games.
///
/// All fields are counts (non-negative); `minutes` is *team* minutes — the sum of its players'
/// minutes, 240 for a regulation game, 265 with one overtime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TeamLine {
    /// Team minutes played (players' minutes summed): 240 for a regulation game.
    pub minutes: f64,
    /// Field goals made (2-point and 3-point).
    pub fgm: f64,
    /// Field goals attempted (2-point and 3-point).
    pub fga: f64,
    /// 3-point field goals made.
    pub fg3m: f64,
    /// 3-point field goals attempted.
    pub fg3a: f64,
    /// Free throws made.
    pub ftm: f64,
    /// Free throws attempted.
    pub fta: f64,
    /// Offensive rebounds.
    pub oreb: f64,
    /// Defensive rebounds.
    pub dreb: f64,
    /// Assists.
    pub ast: f64,
    /// Steals.
    pub stl: f64,
    /// Blocks.
    pub blk: f64,
    /// Turnovers.
    pub tov: f64,
    /// Personal fouls.
    pub pf: f64,
    /// Points.
    pub pts: f64,
}

/// A player's box-score totals for one game or summed over games (same counts as
/// [`TeamLine`]; `minutes` is the player's own minutes played).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlayerLine {
    /// Minutes played by the player (decimal minutes; see [`parse_minutes`]).
    pub minutes: f64,
    /// Field goals made (2-point and 3-point).
    pub fgm: f64,
    /// Field goals attempted (2-point and 3-point).
    pub fga: f64,
    /// 3-point field goals made.
    pub fg3m: f64,
    /// 3-point field goals attempted.
    pub fg3a: f64,
    /// Free throws made.
    pub ftm: f64,
    /// Free throws attempted.
    pub fta: f64,
    /// Offensive rebounds.
    pub oreb: f64,
    /// Defensive rebounds.
    pub dreb: f64,
    /// Assists.
    pub ast: f64,
    /// Steals.
    pub stl: f64,
    /// Blocks.
    pub blk: f64,
    /// Turnovers.
    pub tov: f64,
    /// Personal fouls.
    pub pf: f64,
    /// Points.
    pub pts: f64,
}

/// Both line types share the same fields; one macro keeps their helpers and arithmetic in step.
macro_rules! box_line_impl {
    ($ty:ident) => {
        impl $ty {
            fn fields(&self) -> [f64; 15] {
                [
                    self.minutes,
                    self.fgm,
                    self.fga,
                    self.fg3m,
                    self.fg3a,
                    self.ftm,
                    self.fta,
                    self.oreb,
                    self.dreb,
                    self.ast,
                    self.stl,
                    self.blk,
                    self.tov,
                    self.pf,
                    self.pts,
                ]
            }

            /// True when every field is finite and non-negative, i.e. usable as box-score
            /// counts. (Consistency such as `fgm <= fga` is checked by the individual rates.)
            pub fn is_valid(&self) -> bool {
                self.fields().iter().all(|&x| non_negative(x))
            }

            /// Total rebounds: ORB + DRB.
            pub fn reb(&self) -> f64 {
                self.oreb + self.dreb
            }

            /// Field-goal percentage FG / FGA as a fraction; see [`pct`].
            pub fn fg_pct(&self) -> Option<f64> {
                pct(self.fgm, self.fga)
            }

            /// 3-point percentage 3P / 3PA as a fraction; see [`pct`].
            pub fn fg3_pct(&self) -> Option<f64> {
                pct(self.fg3m, self.fg3a)
            }

            /// Free-throw percentage FT / FTA as a fraction; see [`pct`].
            pub fn ft_pct(&self) -> Option<f64> {
                pct(self.ftm, self.fta)
            }

            /// True shooting percentage of this line as a fraction; see [`true_shooting`].
            pub fn true_shooting(&self) -> Option<f64> {
                true_shooting(self.pts, self.fga, self.fta)
            }

            /// Effective field-goal percentage of this line as a fraction; see [`effective_fg`].
            pub fn effective_fg(&self) -> Option<f64> {
                effective_fg(self.fgm, self.fg3m, self.fga)
            }
        }

        /// Field-by-field sum, for totalling games into a season line.
        impl Add for $ty {
            type Output = $ty;
            fn add(self, o: $ty) -> $ty {
                $ty {
                    minutes: self.minutes + o.minutes,
                    fgm: self.fgm + o.fgm,
                    fga: self.fga + o.fga,
                    fg3m: self.fg3m + o.fg3m,
                    fg3a: self.fg3a + o.fg3a,
                    ftm: self.ftm + o.ftm,
                    fta: self.fta + o.fta,
                    oreb: self.oreb + o.oreb,
                    dreb: self.dreb + o.dreb,
                    ast: self.ast + o.ast,
                    stl: self.stl + o.stl,
                    blk: self.blk + o.blk,
                    tov: self.tov + o.tov,
                    pf: self.pf + o.pf,
                    pts: self.pts + o.pts,
                }
            }
        }

        impl AddAssign for $ty {
            fn add_assign(&mut self, o: $ty) {
                *self = *self + o;
            }
        }

        /// Sum of many lines (e.g. a season of game lines); empty sums to all zeros.
        impl Sum for $ty {
            fn sum<I: Iterator<Item = $ty>>(iter: I) -> $ty {
                iter.fold($ty::default(), Add::add)
            }
        }
    };
}

box_line_impl!(TeamLine);
box_line_impl!(PlayerLine);

/// Dean Oliver's Four Factors as Basketball-Reference tabulates them for a team's offence
/// (all **fractions**; Basketball-Reference displays TOV% and ORB% multiplied by 100).
///
/// Each factor is `None` when its denominator is zero or its inputs are invalid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FourFactors {
    /// Effective field-goal percentage, (FG + 0.5 * 3P) / FGA; in [0, 1.5].
    pub efg_pct: Option<f64>,
    /// Turnover percentage, TOV / (FGA + 0.44 * FTA + TOV): turnovers per play; in [0, 1].
    pub tov_pct: Option<f64>,
    /// Offensive rebound percentage, ORB / (ORB + Opp DRB): share of the team's own missed
    /// shots it rebounded; in [0, 1].
    pub orb_pct: Option<f64>,
    /// Free-throw factor as in Basketball-Reference's Four Factors table: FT / FGA (free throws
    /// **made** per field-goal attempt) — not FTA / FGA, which Basketball-Reference calls FTr.
    /// Non-negative but not bounded by 1.
    pub ft_rate: Option<f64>,
}

/// Finite and `>= 0`. `-0.0` passes, which is harmless: it only ever appears as a count of 0.
fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// `num / den` for non-negative finite inputs with `den > 0`; `None` otherwise, and also when
/// the quotient overflows (a subnormal denominator), so no caller can leak infinity.
fn ratio(num: f64, den: f64) -> Option<f64> {
    if !non_negative(num) || !non_negative(den) || den == 0.0 {
        return None;
    }
    let r = num / den;
    r.is_finite().then_some(r)
}

/// `ratio` scaled by `k` (100 for per-100 stats, 36 for per-36), re-checked because a finite
/// quotient can still overflow once scaled.
fn scaled(r: Option<f64>, k: f64) -> Option<f64> {
    r.map(|r| r * k).filter(|v| v.is_finite())
}

/// Like [`ratio`] but the numerator may be any finite number (negative totals such as
/// plus-minus are legitimate in per-minute and per-game rates).
fn signed_ratio(num: f64, den: f64) -> Option<f64> {
    if !num.is_finite() || !non_negative(den) || den == 0.0 {
        return None;
    }
    let r = num / den;
    r.is_finite().then_some(r)
}

/// Percentage made / attempted as a **fraction** in [0, 1] (Basketball-Reference FG%, 3P%,
/// FT%: "FG / FGA" etc.).
///
/// `None` when `attempted` is 0, when either input is negative or non-finite, or when
/// `made > attempted` (inconsistent data rather than a shooting percentage above 100%).
pub fn pct(made: f64, attempted: f64) -> Option<f64> {
    if made > attempted {
        return None;
    }
    ratio(made, attempted)
}

/// True shooting percentage as a **fraction**: Basketball-Reference's
/// `TS% = PTS / (2 * TSA)` with `TSA = FGA + 0.44 * FTA`.
///
/// `None` when `FGA + 0.44 * FTA` is 0 or an input is negative or non-finite.
///
/// Range: for a consistent line (PTS = 2*FG + 3P + FT, 3P <= FG <= FGA, FT <= FTA) TS% lies in
/// [0, 1.5], not [0, 1]: the numerator is at most 3*FGA + FTA <= 1.5 * (2*FGA + 0.88*FTA),
/// since 1.5 * 0.88 = 1.32 >= 1. The bound is reached by a 1-for-1 three-point line, which
/// Basketball-Reference indeed shows as TS% 1.500; values above 1 occur only in small samples.
pub fn true_shooting(pts: f64, fga: f64, fta: f64) -> Option<f64> {
    if !non_negative(pts) || !non_negative(fga) || !non_negative(fta) {
        return None;
    }
    ratio(pts, 2.0 * (fga + FTA_WEIGHT_TS * fta))
}

/// Effective field-goal percentage as a **fraction**: Basketball-Reference's
/// `eFG% = (FG + 0.5 * 3P) / FGA`, crediting a made three with the extra half field goal it is
/// worth.
///
/// `None` when FGA is 0, an input is negative or non-finite, or the line is inconsistent
/// (`fgm > fga` or `fg3m > fgm`). Range [0, 1.5]: a 1-for-1 three-point line gives 1.5.
pub fn effective_fg(fgm: f64, fg3m: f64, fga: f64) -> Option<f64> {
    if !non_negative(fg3m) || fgm > fga || fg3m > fgm {
        return None;
    }
    ratio(fgm + 0.5 * fg3m, fga)
}

/// Turnover percentage as a **fraction**: Basketball-Reference's
/// `TOV% = 100 * TOV / (FGA + 0.44 * FTA + TOV)` divided by 100 — turnovers per play.
/// In [0, 1]; `None` for a zero denominator or negative/non-finite input.
pub fn tov_pct(tov: f64, fga: f64, fta: f64) -> Option<f64> {
    if !non_negative(tov) || !non_negative(fga) || !non_negative(fta) {
        return None;
    }
    ratio(tov, fga + FTA_WEIGHT_TS * fta + tov)
}

/// Team offensive rebound percentage as a **fraction**: `ORB / (ORB + Opp DRB)`, the share of
/// the team's own misses it rebounded (Basketball-Reference's Four Factors ORB%, there shown
/// ×100). In [0, 1]; `None` when both are 0 or either is negative/non-finite.
pub fn orb_pct(oreb: f64, opp_dreb: f64) -> Option<f64> {
    if !non_negative(oreb) || !non_negative(opp_dreb) {
        return None;
    }
    ratio(oreb, oreb + opp_dreb)
}

/// Free throws made per field-goal attempt, `FT / FGA` — the free-throw factor of
/// Basketball-Reference's Four Factors table. Non-negative, unbounded above (a line with many
/// free throws and few shots exceeds 1). `None` when FGA is 0 or input is invalid.
pub fn ft_per_fga(ftm: f64, fga: f64) -> Option<f64> {
    ratio(ftm, fga)
}

/// Free-throw attempt rate, Basketball-Reference's `FTr = FTA / FGA`. Non-negative,
/// unbounded above. `None` when FGA is 0 or input is invalid.
pub fn ft_attempt_rate(fta: f64, fga: f64) -> Option<f64> {
    ratio(fta, fga)
}

/// One team's half of Basketball-Reference's possession estimate:
/// `FGA + 0.4 * FTA - 1.07 * (ORB / (ORB + Opp DRB)) * (FGA - FG) + TOV`.
fn possession_half(off: &TeamLine, def: &TeamLine) -> f64 {
    // With no rebounds at all there is nothing to correct for: treat ORB% as 0 instead of 0/0.
    let orb_share = orb_pct(off.oreb, def.dreb).unwrap_or(0.0);
    off.fga + FTA_WEIGHT_POSS * off.fta - ORB_WEIGHT_POSS * orb_share * (off.fga - off.fgm)
        + off.tov
}

/// Basketball-Reference's possession estimate for a game (or summed games), `None` when any
/// count of either line is negative or non-finite. See [`possessions`] for the formula.
pub fn checked_possessions(team: &TeamLine, opp: &TeamLine) -> Option<f64> {
    if !team.is_valid() || !opp.is_valid() {
        return None;
    }
    let poss = 0.5 * (possession_half(team, opp) + possession_half(opp, team));
    poss.is_finite().then_some(poss)
}

/// Basketball-Reference's team possession estimate (glossary "Poss"):
///
/// `0.5 * ((Tm FGA + 0.4 * Tm FTA - 1.07 * (Tm ORB / (Tm ORB + Opp DRB)) * (Tm FGA - Tm FG) + Tm TOV)
///       + (Opp FGA + 0.4 * Opp FTA - 1.07 * (Opp ORB / (Opp ORB + Tm DRB)) * (Opp FGA - Opp FG) + Opp TOV))`
///
/// It averages the two teams' estimates, so it is the same number for both sides and is
/// symmetric in `(team, opp)`. A rebound share with zero denominator (no offensive rebounds
/// and no opponent defensive rebounds) counts as 0.
///
/// Returns `0.0` instead of NaN when either line has a negative or non-finite count (use
/// [`checked_possessions`] to tell that apart); [`pace`] and the ratings return `None` for 0
/// possessions, so the sentinel cannot turn into a bogus rate.
pub fn possessions(team: &TeamLine, opp: &TeamLine) -> f64 {
    checked_possessions(team, opp).unwrap_or(0.0)
}

/// Pace in possessions per 48 minutes, Basketball-Reference's
/// `Pace = 48 * ((Tm Poss + Opp Poss) / (2 * (Tm MP / 5)))`.
///
/// Tm Poss and Opp Poss are both [`possessions`] (Basketball-Reference's estimate is shared by
/// the two teams). `Tm MP` is `team.minutes` (240 in regulation), so for a regulation game
/// pace equals possessions. `None` when team minutes or possessions are not positive.
pub fn pace(team: &TeamLine, opp: &TeamLine) -> Option<f64> {
    let poss = checked_possessions(team, opp)?;
    if poss <= 0.0 || !non_negative(team.minutes) || team.minutes == 0.0 {
        return None;
    }
    let game_minutes = team.minutes / PLAYERS_ON_FLOOR;
    let p = REGULATION_GAME_MINUTES * ((poss + poss) / (2.0 * game_minutes));
    p.is_finite().then_some(p)
}

/// Team offensive rating, **points per 100 possessions**: `100 * PTS / Poss` (Basketball-Reference:
/// "for teams it is points scored per 100 possessions"; its *player* ORtg is Dean Oliver's
/// points-produced formula, which this is not).
///
/// `None` when possessions are not positive or either input is negative or non-finite.
pub fn offensive_rating(pts: f64, possessions: f64) -> Option<f64> {
    scaled(ratio(pts, possessions), 100.0)
}

/// Team defensive rating, **points allowed per 100 possessions**: `100 * Opp PTS / Poss`
/// (Basketball-Reference's team DRtg). Same validity rules as [`offensive_rating`].
pub fn defensive_rating(opp_pts: f64, possessions: f64) -> Option<f64> {
    offensive_rating(opp_pts, possessions)
}

/// Net rating, points per 100 possessions: offensive rating minus defensive rating,
/// `100 * (PTS - Opp PTS) / Poss`. `None` under the same rules as [`offensive_rating`].
pub fn net_rating(pts: f64, opp_pts: f64, possessions: f64) -> Option<f64> {
    let net = offensive_rating(pts, possessions)? - defensive_rating(opp_pts, possessions)?;
    net.is_finite().then_some(net)
}

/// Usage percentage, **per 100** (an estimate of the percentage of team plays a player used
/// while on the floor), Basketball-Reference's
/// `USG% = 100 * ((FGA + 0.44 * FTA + TOV) * (Tm MP / 5)) / (MP * (Tm FGA + 0.44 * Tm FTA + Tm TOV))`.
///
/// `None` when the player's minutes, team minutes or team plays are 0, or a count is negative
/// or non-finite. Typical values are 10–40; it is not capped at 100 because inconsistent
/// inputs (a player line larger than its team line) are not detected.
pub fn usage_rate(player: &PlayerLine, team: &TeamLine) -> Option<f64> {
    if !player.is_valid() || !team.is_valid() {
        return None;
    }
    let player_plays = player.fga + FTA_WEIGHT_TS * player.fta + player.tov;
    let team_plays = team.fga + FTA_WEIGHT_TS * team.fta + team.tov;
    let num = player_plays * (team.minutes / PLAYERS_ON_FLOOR);
    scaled(ratio(num, player.minutes * team_plays), 100.0)
}

/// Dean Oliver's Four Factors for `team`'s offence against `opp`, as in Basketball-Reference's
/// Four Factors table: eFG% ([`effective_fg`]), TOV% ([`tov_pct`]), ORB% (`ORB / (ORB + Opp
/// DRB)`, [`orb_pct`]) and FT / FGA ([`ft_per_fga`]), all fractions. For the defensive four
/// factors call it with the arguments swapped.
pub fn four_factors(team: &TeamLine, opp: &TeamLine) -> FourFactors {
    FourFactors {
        efg_pct: effective_fg(team.fgm, team.fg3m, team.fga),
        tov_pct: tov_pct(team.tov, team.fga, team.fta),
        orb_pct: orb_pct(team.oreb, opp.dreb),
        ft_rate: ft_per_fga(team.ftm, team.fga),
    }
}

/// Pythagorean winning percentage as a **fraction**: `PF^x / (PF^x + PA^x)` (Bill James'
/// formula; Basketball-Reference uses `x` = [`PYTHAGOREAN_EXPONENT`] = 14 for the NBA).
///
/// Computed as `1 / (1 + (PA/PF)^x)` (or its mirror when PA > PF) so that season totals such as
/// 9421^14 cannot overflow to infinity. `None` when both point totals are 0, either is negative
/// or non-finite, or the exponent is not a positive finite number. Result in [0, 1] and
/// `p(a, b) + p(b, a) == 1` up to rounding.
pub fn pythagorean_win_pct(points_for: f64, points_against: f64, exponent: f64) -> Option<f64> {
    if !non_negative(points_for)
        || !non_negative(points_against)
        || !exponent.is_finite()
        || exponent <= 0.0
        || (points_for == 0.0 && points_against == 0.0)
    {
        return None;
    }
    // The smaller total over the larger, raised to x, is in [0, 1]: no overflow either way.
    let p = if points_for >= points_against {
        let r = (points_against / points_for).powf(exponent);
        1.0 / (1.0 + r)
    } else {
        let r = (points_for / points_against).powf(exponent);
        r / (1.0 + r)
    };
    p.is_finite().then_some(p)
}

/// Pythagorean wins, Basketball-Reference's "PW": `G * PTS^14 / (PTS^14 + Opp PTS^14)`, i.e.
/// `games * pythagorean_win_pct(points_for, points_against, 14)`. `None` when the percentage is
/// `None` or `games` is negative or non-finite.
pub fn pythagorean_wins(points_for: f64, points_against: f64, games: f64) -> Option<f64> {
    if !non_negative(games) {
        return None;
    }
    pythagorean_win_pct(points_for, points_against, PYTHAGOREAN_EXPONENT).map(|p| p * games)
}

/// Per-36-minutes rate, Basketball-Reference's "Per 36 Minutes" tables: `36 * total / MP`.
///
/// `None` when minutes are not positive or an input is non-finite. The total may be negative
/// (plus-minus is a legitimate total), unlike the count-based rates above.
pub fn per_36(total: f64, minutes: f64) -> Option<f64> {
    scaled(signed_ratio(total, minutes), 36.0)
}

/// Per-game average, `total / G`. `None` when games are not positive or an input is
/// non-finite; the total may be negative (e.g. plus-minus).
pub fn per_game(total: f64, games: f64) -> Option<f64> {
    signed_ratio(total, games)
}

/// Per-100-possessions rate, Basketball-Reference's "Per 100 Poss" tables:
/// `100 * total / Poss`. `None` when possessions are not positive or an input is non-finite;
/// the total may be negative.
pub fn per_100_possessions(total: f64, possessions: f64) -> Option<f64> {
    scaled(signed_ratio(total, possessions), 100.0)
}

/// Parses a minutes string from NBA Stats / NBA live data into decimal minutes.
///
/// Accepted forms (surrounding whitespace ignored):
/// * `"MM:SS"` — `"30:07"` → 30.1167; seconds must be below 60 and may carry decimals. The
///   minutes part may be a decimal too, because some old NBA Stats box scores write
///   `"35.000000:45"`.
/// * ISO 8601 durations as in the live-data feed: `"PT34M12.00S"` → 34.2, also `"PT12M"`,
///   `"PT45.5S"`, `"PT1H02M"`; case-insensitive.
/// * plain decimal minutes: `"48.0"`, `"240"`.
///
/// Returns `None` for an empty string, a sign, exponent, `inf`/`NaN`, or anything else
/// (such as `"DNP"`), so a did-not-play row never becomes 0 minutes by accident.
pub fn parse_minutes(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // `get` rather than slicing: the string may start with a multi-byte character.
    let iso_rest = s
        .get(..2)
        .filter(|p| p.eq_ignore_ascii_case("PT"))
        .map(|_| &s[2..]);
    let value = if let Some(rest) = iso_rest {
        parse_iso_duration_minutes(rest)?
    } else if let Some((min, sec)) = s.split_once(':') {
        let min = parse_unsigned_decimal(min)?;
        let sec = parse_unsigned_decimal(sec)?;
        if sec >= 60.0 {
            return None;
        }
        min + sec / 60.0
    } else {
        parse_unsigned_decimal(s)?
    };
    value.is_finite().then_some(value)
}

/// Digits with at most one '.', at least one digit. Rejects signs, exponents and `inf`/`NaN`,
/// which `str::parse::<f64>` would otherwise accept.
fn parse_unsigned_decimal(s: &str) -> Option<f64> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let dots = s.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != s.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The time part of an ISO 8601 duration after "PT": optional `nH`, `nM`, `nS` in that order,
/// at least one present. Returns minutes.
fn parse_iso_duration_minutes(rest: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut remaining = rest;
    // Designators must appear in this order; each at most once.
    let mut next_allowed = 0usize;
    let order = [('H', 60.0), ('M', 1.0), ('S', 1.0 / 60.0)];
    let mut seen_any = false;
    while !remaining.is_empty() {
        let end = remaining.find(|c: char| c.is_ascii_alphabetic())?;
        let designator = remaining[end..].chars().next()?.to_ascii_uppercase();
        let pos = order[next_allowed..]
            .iter()
            .position(|&(d, _)| d == designator)?
            + next_allowed;
        let value = parse_unsigned_decimal(&remaining[..end])?;
        total += value * order[pos].1;
        next_allowed = pos + 1;
        seen_any = true;
        remaining = &remaining[end + 1..];
    }
    seen_any.then_some(total)
}

#[cfg(test)]
mod tests {
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
            "", "   ", ":", "30:", ":07", "30:60", "30:7:1", "-5", "-0:30", "+5", "1e3", "inf",
            "NaN", "DNP", "PT", "PTM", "PT5S3M", "PT5M5M", "PT5X", "P1D", "12.3.4", "30:0a",
        ] {
            assert_eq!(parse_minutes(bad), None, "{bad:?} should not parse");
        }
    }

    /// A consistent shooting line: 3PM <= FGM <= FGA, FTM <= FTA, PTS = 2*FGM + 3PM + FTM.
    fn shooting_line() -> impl Strategy<Value = PlayerLine> {
        (0u32..2000, 0u32..1000)
            .prop_flat_map(|(fga, fta)| (Just(fga), 0..=fga, Just(fta), 0..=fta))
            .prop_flat_map(|(fga, fgm, fta, ftm)| {
                (Just(fga), Just(fgm), 0..=fgm, Just(fta), Just(ftm))
            })
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
}
