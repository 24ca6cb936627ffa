//! Errors of the ingest layer. Every variant has a stable machine code (`code()`), and every
//! message names the file, and for row errors the 1-based physical line (header = line 1).

use std::fmt;

use thiserror::Error;

/// One rejected row: where it is and what was wrong (the message names the column and value).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct RowError {
    pub file: String,
    /// 1-based physical line in the (decompressed) file; the header is line 1.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Why a file could not be parsed.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown format '{0}': expected one of {names}", names = crate::Format::all_names())]
    UnknownFormat(String),
    /// The header matches none of the format's layouts; the message lists the layouts the
    /// format knows, with the columns each needs.
    #[error(
        "{file}: the header matches no known {format} layout (expected {expected}); header seen: {header}",
        expected = crate::expected_layouts(format)
    )]
    UnknownLayout {
        file: String,
        /// The format's name (`Format::name`).
        format: &'static str,
        /// The header as seen (shortened when long).
        header: String,
    },
    #[error("{file}: the file is empty (no header line)")]
    EmptyFile { file: String },
    #[error("{file}: not a valid gzip stream: {message}")]
    Gzip { file: String, message: String },
    #[error("{file}: malformed CSV: {message}")]
    Csv { file: String, message: String },
    #[error("{0}")]
    Row(RowError),
}

impl IngestError {
    /// A stable identifier of the error kind, for machine consumers.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::Io { .. } => "io",
            IngestError::UnknownFormat(_) => "unknown_format",
            IngestError::UnknownLayout { .. } => "unknown_layout",
            IngestError::EmptyFile { .. } => "empty_file",
            IngestError::Gzip { .. } => "gzip",
            IngestError::Csv { .. } => "csv",
            IngestError::Row(_) => "invalid_row",
        }
    }
}

impl From<RowError> for IngestError {
    fn from(e: RowError) -> Self {
        IngestError::Row(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_error_display_and_codes() {
        let e = RowError {
            file: "a.csv".into(),
            line: 7,
            message: "column 'score1': invalid integer 'x'".into(),
        };
        assert_eq!(
            e.to_string(),
            "a.csv:7: column 'score1': invalid integer 'x'"
        );
        let ie = IngestError::from(e);
        assert_eq!(ie.code(), "invalid_row");
        assert!(ie.to_string().starts_with("a.csv:7:"));
        let u = IngestError::UnknownFormat("elo".into());
        assert_eq!(u.code(), "unknown_format");
        assert!(u.to_string().contains("fivethirtyeight"), "{u}");
        assert!(u.to_string().contains("nba-stats-schedule"), "{u}");
    }
}
