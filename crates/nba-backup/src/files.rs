//! Backup files: gzip, then (with a key) encryption, with the stored bytes hashed on the
//! way in and out, to and from a [`Destination`]. All of it is blocking IO, run on blocking
//! threads.

use std::io::{self, BufRead, BufReader, Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

use crate::crypto::{hex, DecryptReader, EncryptWriter};
use crate::dest::Destination;
use crate::manifest::FileEntry;
use crate::BackupKey;

/// Counts and hashes the bytes written through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hash.update(&data[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Counts and hashes the bytes read through it.
struct HashingRead<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingRead<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.hash.update(&out[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// The file name a logical name gets: `.gz`, plus `.enc` when encrypted.
pub(crate) fn stored_name(logical: &str, encrypted: bool) -> String {
    if encrypted {
        format!("{logical}.gz.enc")
    } else {
        format!("{logical}.gz")
    }
}

/// Writes what arrives on `chunks` to file `rel` of backup `id` being written to `dest`,
/// compressed and (with a key) encrypted under the associated data `aad`; makes it durable
/// and returns its entry.
pub(crate) fn write_file(
    dest: &Destination,
    id: &str,
    rel: &str,
    aad: &str,
    key: Option<&BackupKey>,
    chunks: impl Iterator<Item = Vec<u8>>,
) -> io::Result<FileEntry> {
    let mut hashing = Hashing {
        inner: dest.writer(id, rel)?,
        hash: Sha256::new(),
        bytes: 0,
    };
    match key {
        Some(key) => {
            let enc = EncryptWriter::new(&mut hashing, key, aad)?;
            let mut gz = GzEncoder::new(enc, flate2::Compression::fast());
            for c in chunks {
                gz.write_all(&c)?;
            }
            gz.finish()?.finish()?;
        }
        None => {
            let mut gz = GzEncoder::new(&mut hashing, flate2::Compression::fast());
            for c in chunks {
                gz.write_all(&c)?;
            }
            gz.finish()?;
        }
    }
    hashing.flush()?;
    let Hashing { inner, hash, bytes } = hashing;
    inner.finish()?;
    Ok(FileEntry {
        path: rel.to_string(),
        bytes,
        sha256: hex(&hash.finalize()),
    })
}

/// What reading a file back found.
pub(crate) struct Scanned {
    pub lines: u64,
    /// SHA-256 of the plain content.
    pub sha256: String,
}

/// Reads file `entry.path` of backup `id` in `dest` back: decrypts (authenticating every chunk), decompresses, and
/// hands the content to `each` in batches of whole lines (each ending in `\n`) with the
/// number of the batch's first line. Fails when the stored bytes do not match the entry.
pub(crate) fn scan_file(
    dest: &Destination,
    id: &str,
    entry: &FileEntry,
    aad: &str,
    key: Option<&BackupKey>,
    mut each: impl FnMut(&[u8], u64) -> Result<(), String>,
) -> Result<Scanned, String> {
    let source = dest
        .reader(id, &entry.path)
        .map_err(|e| format!("{}: {e}", entry.path))?;
    let mut raw = HashingRead {
        inner: source,
        hash: Sha256::new(),
        bytes: 0,
    };
    let plain: Box<dyn Read + '_> = match key {
        Some(key) => Box::new(GzDecoder::new(
            DecryptReader::new(&mut raw, key, aad).map_err(|e| e.to_string())?,
        )),
        None => Box::new(GzDecoder::new(&mut raw)),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, plain);
    let mut hash = Sha256::new();
    let mut batch = Vec::with_capacity(128 * 1024);
    let (mut lines, mut first) = (0u64, 1u64);
    loop {
        let start = batch.len();
        let n = reader
            .read_until(b'\n', &mut batch)
            .map_err(|e| format!("{}: {e}", entry.path))?;
        if n == 0 {
            break;
        }
        if batch.last() != Some(&b'\n') {
            return Err(format!("{}: its last line is cut short", entry.path));
        }
        hash.update(&batch[start..]);
        lines += 1;
        if batch.len() >= 64 * 1024 {
            each(&batch, first)?;
            first = lines + 1;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        each(&batch, first)?;
    }
    drop(reader);
    // The whole file has been read (the decoders stop at their end): its bytes must be
    // the ones the manifest lists.
    io::copy(&mut raw, &mut io::sink()).map_err(|e| format!("{}: {e}", entry.path))?;
    let stored = hex(&raw.hash.finalize());
    if raw.bytes != entry.bytes || stored != entry.sha256 {
        return Err(format!(
            "{}: the stored file differs from the manifest ({} bytes, sha256 {}; expected {} bytes, {})",
            entry.path, raw.bytes, stored, entry.bytes, entry.sha256
        ));
    }
    Ok(Scanned {
        lines,
        sha256: hex(&hash.finalize()),
    })
}
