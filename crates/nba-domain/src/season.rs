//! NBA seasons, identified by the calendar year in which they end (2016 = 2015-16), as
//! Basketball-Reference and FiveThirtyEight write them.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// First season of the BAA/NBA (1946-47).
pub const FIRST_SEASON: u16 = 1947;

/// A season, stored as the year it ends. Displayed as `"2015-16"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Season(u16);

impl Season {
    /// A season from the year it ends; `None` outside 1947..=2100.
    pub fn from_end_year(year: i64) -> Option<Season> {
        (FIRST_SEASON as i64..=2100)
            .contains(&year)
            .then_some(Season(year as u16))
    }

    /// A season from the year it starts (NBA Stats and hoopR convention).
    pub fn from_start_year(year: i64) -> Option<Season> {
        Season::from_end_year(year + 1)
    }

    /// The season a game played on `date` belongs to. Seasons turn over on 15 October: the
    /// 2020 bubble Finals ended on 11 October 2020, and no regular season has opened before
    /// 16 October. Sources that state the season explicitly should be preferred.
    pub fn of_date(date: NaiveDate) -> Season {
        let year = date.year() as u16;
        let next = date.month() > 10 || (date.month() == 10 && date.day() >= 15);
        let end = if next { year + 1 } else { year };
        Season(end.max(FIRST_SEASON))
    }

    pub fn end_year(self) -> u16 {
        self.0
    }

    pub fn start_year(self) -> u16 {
        self.0 - 1
    }

    /// `"2015-16"`.
    pub fn label(self) -> String {
        format!("{}-{:02}", self.0 - 1, self.0 % 100)
    }

    /// The first and last calendar dates that can belong to this season.
    pub fn date_range(self) -> (NaiveDate, NaiveDate) {
        let start = NaiveDate::from_ymd_opt(self.start_year() as i32, 10, 15).expect("valid date");
        let end = NaiveDate::from_ymd_opt(self.end_year() as i32, 10, 14).expect("valid date");
        (start, end)
    }

    /// Parses `"2015-16"`, `"2015-2016"` or a bare end year `"2016"`.
    pub fn parse(text: &str) -> Result<Season, DomainError> {
        let bad = || DomainError::InvalidSeason(text.to_string());
        let t = text.trim();
        if let Some((a, b)) = t.split_once('-') {
            let start: i64 = a.trim().parse().map_err(|_| bad())?;
            let b = b.trim();
            let end: i64 = b.parse().map_err(|_| bad())?;
            let expected_end = start + 1;
            let ok = match b.len() {
                2 => end == expected_end % 100,
                4 => end == expected_end,
                _ => false,
            };
            if !ok || a.trim().len() != 4 {
                return Err(bad());
            }
            Season::from_end_year(expected_end).ok_or_else(bad)
        } else {
            let year: i64 = t.parse().map_err(|_| bad())?;
            Season::from_end_year(year).ok_or_else(bad)
        }
    }
}

impl fmt::Display for Season {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Season {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Season::parse(s)
    }
}

impl Serialize for Season {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Season {
    /// Accepts `"2015-16"`, `"2016"` or the integer `2016` (the year the season ends).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(y) => Season::from_end_year(y)
                .ok_or_else(|| serde::de::Error::custom(DomainError::InvalidSeason(y.to_string()))),
            Raw::Text(t) => Season::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

impl schemars::JsonSchema for Season {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Season".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Season as \"2015-16\", or an integer/string year the season ends (2016 = 2015-16).",
            "type": ["string", "integer"],
            "examples": ["2015-16", 2016]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_spellings() {
        assert_eq!(Season::parse("2015-16").unwrap().end_year(), 2016);
        assert_eq!(Season::parse("1999-00").unwrap().end_year(), 2000);
        assert_eq!(Season::parse("1999-2000").unwrap().end_year(), 2000);
        assert_eq!(Season::parse("2016").unwrap().label(), "2015-16");
        assert!(Season::parse("2015-17").is_err());
        assert!(Season::parse("1900").is_err());
        assert!(Season::parse("Lakers").is_err());
    }

    #[test]
    fn serde_round_trip_accepts_integers() {
        let s: Season = serde_json_like("2016");
        assert_eq!(s.label(), "2015-16");
    }

    fn serde_json_like(year: &str) -> Season {
        // Exercise the integer path without a JSON dependency.
        use serde::de::IntoDeserializer;
        let d: serde::de::value::I64Deserializer<serde::de::value::Error> =
            year.parse::<i64>().unwrap().into_deserializer();
        Season::deserialize(d).unwrap()
    }

    #[test]
    fn date_belongs_to_season() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(Season::of_date(d(2016, 6, 19)).label(), "2015-16");
        assert_eq!(Season::of_date(d(2015, 10, 27)).label(), "2015-16");
        assert_eq!(Season::of_date(d(2020, 10, 11)).label(), "2019-20"); // bubble Finals
        assert_eq!(Season::of_date(d(2020, 12, 22)).label(), "2020-21");
    }
}
