//! Typed access to the fields of one CSV record. Field errors are plain messages naming the
//! column and the bad value; the caller adds the file and line.

use chrono::NaiveDate;
use csv::ByteRecord;

use crate::reader::Header;

/// One record with its 1-based physical line.
pub(crate) struct Rec<'r> {
    pub line: u64,
    pub(crate) rec: &'r ByteRecord,
    pub(crate) header: &'r Header,
}

pub(crate) type FieldResult<T> = Result<T, String>;

impl<'r> Rec<'r> {
    pub fn col(&self, ix: usize) -> &str {
        &self.header.names[ix]
    }

    /// A check that the record has as many fields as the header.
    pub fn check_width(&self) -> FieldResult<()> {
        let (want, got) = (self.header.names.len(), self.rec.len());
        if want == got {
            Ok(())
        } else {
            Err(format!(
                "expected {want} fields as in the header, found {got}"
            ))
        }
    }

    /// The trimmed text of a field ("" when the row is short).
    pub fn text(&self, ix: usize) -> FieldResult<&'r str> {
        let raw = self.rec.get(ix).unwrap_or(b"");
        std::str::from_utf8(raw)
            .map(str::trim)
            .map_err(|_| format!("column '{}': not valid UTF-8", self.col(ix)))
    }

    /// The text of an optional column; `None` when the column is absent or the cell empty.
    pub fn opt_text(&self, ix: Option<usize>) -> FieldResult<Option<&'r str>> {
        match ix {
            None => Ok(None),
            Some(ix) => self.text(ix).map(|t| (!t.is_empty()).then_some(t)),
        }
    }

    /// A non-empty field.
    pub fn req(&self, ix: usize) -> FieldResult<&'r str> {
        let t = self.text(ix)?;
        if t.is_empty() {
            Err(format!("column '{}': missing value", self.col(ix)))
        } else {
            Ok(t)
        }
    }

    pub fn int(&self, ix: usize) -> FieldResult<i64> {
        let t = self.req(ix)?;
        parse_int(t).ok_or_else(|| self.bad(ix, "integer", t))
    }

    pub fn int_opt(&self, ix: Option<usize>) -> FieldResult<Option<i64>> {
        match self.opt_text(ix)? {
            None => Ok(None),
            Some(t) => parse_int(t)
                .map(Some)
                .ok_or_else(|| self.bad(ix.unwrap_or(0), "integer", t)),
        }
    }

    /// An optional count: an integer in 0..=i32::MAX.
    pub fn count_opt(&self, ix: Option<usize>) -> FieldResult<Option<i32>> {
        match self.int_opt(ix)? {
            None => Ok(None),
            Some(v) if (0..=i32::MAX as i64).contains(&v) => Ok(Some(v as i32)),
            Some(v) => Err(format!(
                "column '{}': {v} is not a valid count (must be >= 0)",
                self.col(ix.unwrap_or(0))
            )),
        }
    }

    pub fn f64_opt(&self, ix: Option<usize>) -> FieldResult<Option<f64>> {
        match self.opt_text(ix)? {
            None => Ok(None),
            Some(t) => match t.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(self.bad(ix.unwrap_or(0), "number", t)),
            },
        }
    }

    pub fn date(&self, ix: usize) -> FieldResult<NaiveDate> {
        let t = self.req(ix)?;
        parse_date(t).ok_or_else(|| self.bad(ix, "date", t))
    }

    pub fn bad(&self, ix: usize, what: &str, value: &str) -> String {
        format!("column '{}': invalid {what} '{value}'", self.col(ix))
    }
}

/// An integer, also written as a float with no fraction ("26.0", "2023.0").
pub fn parse_int(t: &str) -> Option<i64> {
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let f: f64 = t.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// A date as `2015-10-27`, `2011-05-10T00:00:00` or `APR 14, 2024` (month names in any case).
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    let t = t.trim();
    let head = t.split_once(['T', ' ']).map_or(t, |(d, _)| d);
    if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
        return Some(d);
    }
    NaiveDate::parse_from_str(t, "%b %d, %Y")
        .or_else(|_| NaiveDate::parse_from_str(t, "%B %d, %Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_in_all_source_spellings() {
        let d = NaiveDate::from_ymd_opt(2024, 4, 14).unwrap();
        assert_eq!(parse_date("2024-04-14"), Some(d));
        assert_eq!(parse_date("2024-04-14T00:00:00"), Some(d));
        assert_eq!(parse_date("APR 14, 2024"), Some(d));
        assert_eq!(parse_date("Apr 14, 2024"), Some(d));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn ints_accept_float_spelling() {
        assert_eq!(parse_int("26"), Some(26));
        assert_eq!(parse_int("26.0"), Some(26));
        assert_eq!(parse_int("-3.0"), Some(-3));
        assert_eq!(parse_int("26.5"), None);
        assert_eq!(parse_int("NaN"), None);
        assert_eq!(parse_int(""), None);
    }

    proptest! {
        #[test]
        fn int_round_trip(v in -1_000_000_000i64..1_000_000_000) {
            prop_assert_eq!(parse_int(&v.to_string()), Some(v));
            prop_assert_eq!(parse_int(&format!("{v}.0")), Some(v));
        }

        #[test]
        fn date_round_trip(days in 0i64..60_000) {
            let d = NaiveDate::from_ymd_opt(1946, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(parse_date(&d.format("%Y-%m-%d").to_string()), Some(d));
            let up = d.format("%b %d, %Y").to_string().to_uppercase();
            prop_assert_eq!(parse_date(&up), Some(d));
        }
    }
}
