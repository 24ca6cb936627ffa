//! Opening files (plain or gzip, told apart by the magic bytes `1f 8b`), hashing the raw
//! bytes, header lookup, layout detection and line-numbered CSV records (typed field access
//! is in `fields`).

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;
use sha2::{Digest, Sha256};

pub(crate) use crate::fields::Rec;
pub use crate::fields::{parse_date, parse_int};
use crate::IngestError;

/// Reads a whole file.
pub fn read_path(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// True when `bytes` start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The CSV text of `bytes`: gunzipped when it is a gzip stream, borrowed otherwise.
pub fn decompress<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, IngestError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::with_capacity(bytes.len() * 6);
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::Gzip {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    Ok(Cow::Owned(out))
}

/// Column names of a file, trimmed (a UTF-8 byte-order mark is dropped).
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub names: Vec<String>,
}

impl Header {
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Case-insensitive lookup (`PTS` and `pts` layouts share code).
    pub fn find_ci(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// Lookup ignoring case and underscores (`field_goals_made` finds `fieldGoalsMade`).
    pub fn find_loose(&self, name: &str) -> Option<usize> {
        let key = |s: &str| -> String {
            s.chars()
                .filter(|c| *c != '_')
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let k = key(name);
        self.names.iter().position(|n| key(n) == k)
    }

    pub fn has_all(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.find(n).is_some())
    }

    /// The header as seen, shortened for messages.
    pub fn shown(&self) -> String {
        let mut s = self.names.join(",");
        if s.len() > 300 {
            let mut cut = 300;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push('…');
        }
        s
    }

    /// Index of a column the detected layout guarantees.
    pub fn idx(&self, name: &str) -> usize {
        self.find(name)
            .unwrap_or_else(|| panic!("layout guarantees column {name}"))
    }
}

/// A header layout: a name for reports and the columns that identify it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub name: &'static str,
    pub required: &'static [&'static str],
}

/// The first layout whose required columns are all in `header`.
pub(crate) fn detect(
    header: &Header,
    layouts: &[Layout],
    file: &str,
    format: &'static str,
) -> Result<Layout, IngestError> {
    layouts
        .iter()
        .find(|l| header.has_all(l.required))
        .copied()
        .ok_or_else(|| IngestError::UnknownLayout {
            file: file.to_string(),
            format,
            header: header.shown(),
        })
}

/// A CSV table with its header read.
pub(crate) struct Table<'a> {
    rdr: csv::Reader<&'a [u8]>,
    data: &'a [u8],
    pub header: Header,
}

impl<'a> Table<'a> {
    pub fn open(file: &str, data: &'a [u8]) -> Result<Table<'a>, IngestError> {
        if data.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(IngestError::EmptyFile {
                file: file.to_string(),
            });
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(data);
        let raw = rdr.byte_headers().map_err(|e| IngestError::Csv {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let names = raw
            .iter()
            .map(|f| {
                let s = String::from_utf8_lossy(f);
                s.trim_start_matches('\u{feff}').trim().to_string()
            })
            .collect();
        Ok(Table {
            rdr,
            data,
            header: Header { names },
        })
    }

    /// Calls `f` on every record; returns the number of records read.
    pub fn each(
        mut self,
        file: &str,
        mut f: impl FnMut(&Rec<'_>) -> Result<(), IngestError>,
    ) -> Result<u64, IngestError> {
        let mut rec = ByteRecord::new();
        let mut n = 0;
        // Physical line numbers: 1 + the newlines before the record's first byte (the csv
        // crate's own line count is off by one on CRLF files and after blank lines).
        let (mut scanned, mut newlines) = (0usize, 0u64);
        loop {
            match self.rdr.read_byte_record(&mut rec) {
                Ok(false) => return Ok(n),
                Ok(true) => {}
                Err(e) => {
                    return Err(IngestError::Csv {
                        file: file.to_string(),
                        message: e.to_string(),
                    })
                }
            }
            // A blank line inside the file is not a record.
            if rec.len() == 1 && rec[0].iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            n += 1;
            let start = rec.position().map_or(scanned, |p| p.byte() as usize);
            let mut start = start.min(self.data.len()).max(scanned);
            // The recorded position can sit on the previous terminator (CRLF) or on blank
            // lines before the record: skip them.
            while start < self.data.len() && matches!(self.data[start], b'\r' | b'\n') {
                start += 1;
            }
            newlines += self.data[scanned..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            scanned = start;
            let line = newlines + 1;
            f(&Rec {
                line,
                rec: &rec,
                header: &self.header,
            })?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_detected_by_magic_and_lines_are_physical() {
        use std::io::Write;
        let lf = Table::open("t", b"a,b\n1,x\n\n2,y\n").unwrap();
        let mut seen = vec![];
        lf.each("t", |r| {
            seen.push(r.line);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [2, 4]);
        let text = b"a,b\r\n1,\"x\ny\"\r\n2,z\r\n";
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        let gz = enc.finish().unwrap();
        let data = decompress("t", &gz).unwrap();
        assert_eq!(&*data, text);
        let t = Table::open("t", &data).unwrap();
        assert_eq!(t.header.names, ["a", "b"]);
        let mut lines = vec![];
        t.each("t", |r| {
            lines.push((r.line, r.int(0).unwrap()));
            Ok(())
        })
        .unwrap();
        assert_eq!(lines, [(2, 1), (4, 2)]);
        assert!(matches!(
            Table::open("t", b"  \n"),
            Err(IngestError::EmptyFile { .. })
        ));
        assert_eq!(sha256_hex(b"").len(), 64);
    }
}
