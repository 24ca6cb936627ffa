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
mod tests;
