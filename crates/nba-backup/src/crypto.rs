//! Encryption of backup files: AES-256-GCM in independently sealed chunks, so a file of any
//! size streams through constant memory and every chunk is authenticated before it is used.
//!
//! A file is `MAGIC` (8 bytes), a random 7-byte nonce prefix, then records of a 4-byte
//! big-endian length and that many bytes of ciphertext with its 16-byte tag, each sealing up
//! to `CHUNK` bytes of plaintext. Chunk `i`'s nonce is the prefix, `i` as 4 bytes big-endian,
//! and a last-chunk flag byte; the associated data is the file's name inside the backup. So
//! a chunk cannot be reordered, dropped, moved to another file or backup, and a file cut
//! short (no last chunk) or extended (bytes after it) fails like a wrong key does.

use std::io::{self, Read, Write};
use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

const MAGIC: &[u8; 8] = b"NBAENC1\n";
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// A 256-bit backup key, read from a file of 64 hex digits. Never written anywhere else:
/// manifests carry only a fingerprint derived from it.
#[derive(Clone)]
pub struct BackupKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BackupKey({})", self.fingerprint())
    }
}

impl BackupKey {
    /// A new random key.
    pub fn generate() -> io::Result<BackupKey> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| io::Error::other("the system random source failed"))?;
        Ok(BackupKey { bytes })
    }

    /// Reads a key file: 64 hex digits, surrounding whitespace allowed.
    pub fn from_file(path: &Path) -> Result<BackupKey, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read backup key file {}: {e}", path.display()))?;
        BackupKey::from_hex(text.trim())
            .map_err(|e| format!("backup key file {}: {e}", path.display()))
    }

    pub fn from_hex(text: &str) -> Result<BackupKey, String> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "a key is 64 hex digits (256 bits); this one has {} characters{}",
                text.len(),
                if text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    ""
                } else {
                    ", not all hex"
                }
            ));
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex");
        }
        Ok(BackupKey { bytes })
    }

    pub fn to_hex(&self) -> String {
        hex(&self.bytes)
    }

    /// Writes a new key file readable by its owner only; refuses to overwrite one.
    pub fn write_new(&self, path: &Path) -> io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(path)?;
        writeln!(f, "{}", self.to_hex())?;
        f.sync_all()
    }

    fn subkey(&self, purpose: &[u8]) -> hmac::Tag {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.bytes), purpose)
    }

    /// Names the key without revealing it: the first 16 hex digits of an HMAC under it.
    pub fn fingerprint(&self) -> String {
        hex(&self.subkey(b"nba-mcp backup key fingerprint").as_ref()[..8])
    }

    /// The authentication code of a manifest's bytes.
    pub fn mac(&self, bytes: &[u8]) -> String {
        let k = self.subkey(b"nba-mcp backup manifest mac");
        hex(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k.as_ref()), bytes).as_ref())
    }

    /// Whether `mac` is `bytes`' code (in constant time).
    pub fn mac_matches(&self, bytes: &[u8], mac: &str) -> bool {
        let k = self.subkey(b"nba-mcp backup manifest mac");
        let Ok(tag) = unhex(mac) else {
            return false;
        };
        hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, k.as_ref()), bytes, &tag).is_ok()
    }

    fn aead(&self) -> LessSafeKey {
        let k = self.subkey(b"nba-mcp backup file encryption");
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k.as_ref()).expect("32-byte key"))
    }
}

fn nonce(prefix: &[u8; 7], counter: u32, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..7].copy_from_slice(prefix);
    n[7..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// Encrypts what is written to it into `inner`; `finish` seals the last chunk.
pub struct EncryptWriter<W: Write> {
    inner: W,
    key: LessSafeKey,
    prefix: [u8; 7],
    aad: Vec<u8>,
    counter: u32,
    buf: Vec<u8>,
}

impl<W: Write> EncryptWriter<W> {
    pub fn new(mut inner: W, key: &BackupKey, name: &str) -> io::Result<EncryptWriter<W>> {
        let mut prefix = [0u8; 7];
        SystemRandom::new()
            .fill(&mut prefix)
            .map_err(|_| io::Error::other("the system random source failed"))?;
        inner.write_all(MAGIC)?;
        inner.write_all(&prefix)?;
        Ok(EncryptWriter {
            inner,
            key: key.aead(),
            prefix,
            aad: name.as_bytes().to_vec(),
            counter: 0,
            buf: Vec::with_capacity(CHUNK + TAG),
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let n = nonce(&self.prefix, self.counter, last);
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| io::Error::other("file too large for one backup stream"))?;
        self.key
            .seal_in_place_append_tag(n, Aad::from(&self.aad), &mut self.buf)
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner
            .write_all(&(self.buf.len() as u32).to_be_bytes())?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Seals the last chunk and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut done = 0;
        while done < data.len() {
            if self.buf.len() == CHUNK {
                self.seal(false)?;
            }
            let n = (CHUNK - self.buf.len()).min(data.len() - done);
            self.buf.extend_from_slice(&data[done..done + n]);
            done += n;
        }
        Ok(done)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts and authenticates a file written by `EncryptWriter` as it is read.
pub struct DecryptReader<R: Read> {
    inner: R,
    key: LessSafeKey,
    prefix: [u8; 7],
    aad: Vec<u8>,
    name: String,
    counter: u32,
    plain: Vec<u8>,
    pos: usize,
    done: bool,
}

fn invalid(name: &str, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("backup file {name}: {what}"),
    )
}

impl<R: Read> DecryptReader<R> {
    pub fn new(mut inner: R, key: &BackupKey, name: &str) -> io::Result<DecryptReader<R>> {
        let mut head = [0u8; 15];
        inner
            .read_exact(&mut head)
            .map_err(|_| invalid(name, "too short to be an encrypted backup file"))?;
        if &head[..8] != MAGIC {
            return Err(invalid(name, "not an encrypted backup file (bad header)"));
        }
        let mut prefix = [0u8; 7];
        prefix.copy_from_slice(&head[8..]);
        Ok(DecryptReader {
            inner,
            key: key.aead(),
            prefix,
            aad: name.as_bytes().to_vec(),
            name: name.to_string(),
            counter: 0,
            plain: Vec::new(),
            pos: 0,
            done: false,
        })
    }

    /// Reads and opens the next chunk; false at the end (after the last chunk).
    fn next_chunk(&mut self) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        if let Err(e) = self.inner.read_exact(&mut len) {
            return Err(if e.kind() == io::ErrorKind::UnexpectedEof {
                invalid(&self.name, "cut short (its last chunk is missing)")
            } else {
                e
            });
        }
        let len = u32::from_be_bytes(len) as usize;
        if !(TAG..=CHUNK + TAG).contains(&len) {
            return Err(invalid(&self.name, "damaged (impossible chunk length)"));
        }
        let mut sealed = vec![0u8; len];
        self.inner
            .read_exact(&mut sealed)
            .map_err(|_| invalid(&self.name, "cut short inside a chunk"))?;
        // A chunk opens under exactly one of the two flags; the last one says so.
        for last in [false, true] {
            let mut attempt = sealed.clone();
            let n = nonce(&self.prefix, self.counter, last);
            if let Ok(plain) = self
                .key
                .open_in_place(n, Aad::from(&self.aad), &mut attempt)
            {
                let plain_len = plain.len();
                attempt.truncate(plain_len);
                self.plain = attempt;
                self.pos = 0;
                self.counter += 1;
                if last {
                    self.done = true;
                    let mut extra = [0u8; 1];
                    if self.inner.read(&mut extra)? != 0 {
                        return Err(invalid(&self.name, "has bytes after its last chunk"));
                    }
                }
                return Ok(true);
            }
        }
        Err(invalid(
            &self.name,
            "fails authentication: wrong key, or the file was altered",
        ))
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, ()> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(());
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| ()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(key: &BackupKey, name: &str, data: &[u8]) -> Vec<u8> {
        let mut w = EncryptWriter::new(Vec::new(), key, name).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn open(key: &BackupKey, name: &str, file: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        DecryptReader::new(file, key, name)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_any_size() {
        let key = BackupKey::generate().unwrap();
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let file = seal(&key, "t", &data);
            assert_eq!(open(&key, "t", &file).unwrap(), data, "size {size}");
        }
    }

    #[test]
    fn wrong_key_name_truncation_and_tampering_are_caught() {
        let key = BackupKey::generate().unwrap();
        let data = vec![7u8; 2 * CHUNK + 5];
        let file = seal(&key, "a", &data);
        let other = BackupKey::generate().unwrap();
        let e = open(&other, "a", &file).unwrap_err().to_string();
        assert!(e.contains("fails authentication"), "{e}");
        assert!(open(&key, "b", &file).is_err(), "moved to another name");
        // Cut after the first whole chunk: every remaining chunk authenticates, but the
        // last one is missing.
        let first = 15 + 4 + CHUNK + TAG;
        let e = open(&key, "a", &file[..first]).unwrap_err().to_string();
        assert!(e.contains("cut short"), "{e}");
        let mut longer = file.clone();
        longer.push(0);
        let e = open(&key, "a", &longer).unwrap_err().to_string();
        assert!(e.contains("after its last chunk"), "{e}");
        let mut flipped = file.clone();
        flipped[100] ^= 1;
        assert!(open(&key, "a", &flipped).is_err());
    }

    #[test]
    fn keys_parse_and_fingerprints_do_not_reveal_them() {
        let key = BackupKey::generate().unwrap();
        let again = BackupKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.fingerprint(), again.fingerprint());
        assert!(!key.to_hex().contains(&key.fingerprint()));
        assert!(BackupKey::from_hex("abc")
            .unwrap_err()
            .contains("64 hex digits"));
        let mac = key.mac(b"manifest");
        assert!(key.mac_matches(b"manifest", &mac));
        assert!(!key.mac_matches(b"manifesT", &mac));
        assert!(!again.mac_matches(b"manifest", "zz"));
    }
}
