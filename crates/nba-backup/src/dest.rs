//! Where backups live: a folder, or a bucket on the S3 API (`s3://bucket/prefix`; AWS S3 or
//! any compatible server). Both hold the same layout, `<id>/manifest.json` beside the
//! backup's files, and both make a backup visible only once it is whole:
//! - a folder: the backup is written to `.partial-<id>/` and renamed into place;
//! - S3 (no rename there): the files are uploaded first and the manifest last, with an
//!   `If-None-Match` create, so an id with no manifest is never listed; its objects are
//!   swept by the next prune once they are a day old.
//!
//! File bodies stream through blocking readers and writers (run on blocking threads): an S3
//! upload goes in 8 MiB parts, so memory stays bounded whatever the size of a table.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::manifest::check_id;
use crate::{io_err, BackupError};

/// Size of one uploaded part by default (S3 wants at least 5 MiB for all but the last).
const PART_BYTES: usize = 8 << 20;

/// How old the objects of an id without a manifest must be before a prune sweeps them
/// (a backup being written right now is younger).
pub(crate) const LEFTOVER_AGE: Duration = Duration::from_secs(24 * 3600);

pub use nba_registry::s3::S3Options;

/// A backup destination.
#[derive(Clone)]
pub enum Destination {
    Dir(PathBuf),
    S3(S3Dest),
}

#[derive(Clone)]
pub struct S3Dest {
    store: Arc<AmazonS3>,
    part_bytes: usize,
    bucket: String,
    /// Key prefix without a trailing slash; may be empty.
    prefix: String,
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Dir(d) => write!(f, "{}", d.display()),
            Destination::S3(s) if s.prefix.is_empty() => write!(f, "s3://{}", s.bucket),
            Destination::S3(s) => write!(f, "s3://{}/{}", s.bucket, s.prefix),
        }
    }
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Destination({self})")
    }
}

fn refused(s: impl Into<String>) -> BackupError {
    BackupError::Refused(s.into())
}

impl Destination {
    /// A folder path, or `s3://bucket[/prefix]` reached with `s3` (and the environment).
    pub fn parse(spec: &str, s3: &S3Options) -> Result<Destination, BackupError> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(refused(
                "no backup destination given: a folder or s3://bucket/prefix",
            ));
        }
        if !spec.starts_with("s3://") {
            if let Some((scheme, _)) = spec.split_once("://") {
                return Err(refused(format!(
                    "'{scheme}://' is not a backup destination: give a folder or s3://bucket/prefix"
                )));
            }
            return Ok(Destination::Dir(PathBuf::from(spec)));
        }
        let url = nba_registry::s3::S3Url::parse(spec).map_err(refused)?;
        let (bucket, prefix) = (url.bucket.as_str(), url.prefix.as_str());
        Ok(Destination::S3(S3Dest {
            store: Arc::new(s3_store(bucket, s3)?),
            part_bytes: s3.part_bytes.unwrap_or(PART_BYTES).max(1),
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        }))
    }

    /// The object key of `rel` inside backup `id` (S3).
    fn key(s: &S3Dest, id: &str, rel: &str) -> Key {
        let tail = if rel.is_empty() {
            id.to_string()
        } else {
            format!("{id}/{rel}")
        };
        if s.prefix.is_empty() {
            Key::from(tail)
        } else {
            Key::from(format!("{}/{tail}", s.prefix))
        }
    }

    fn partial(dir: &Path, id: &str) -> PathBuf {
        dir.join(format!(".partial-{id}"))
    }

    /// Prepares to write backup `id`.
    pub(crate) async fn begin(&self, id: &str) -> Result<(), BackupError> {
        if let Destination::Dir(dir) = self {
            let partial = Self::partial(dir, id);
            for sub in ["tables", "models"] {
                std::fs::create_dir_all(partial.join(sub))
                    .map_err(io_err(format!("creating {}", partial.display())))?;
            }
        }
        Ok(())
    }

    /// A writer for file `rel` of backup `id`: of the backup being written, or (`journal/`
    /// files) beside a complete one. Blocking: call it, and use what it returns, on a
    /// blocking thread.
    pub(crate) fn writer(&self, id: &str, rel: &str) -> io::Result<Box<dyn Sink>> {
        match self {
            Destination::Dir(dir) => {
                let path = if rel.starts_with("journal/") {
                    dir.join(id).join(rel)
                } else {
                    Self::partial(dir, id).join(rel)
                };
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let file = File::create(path)?;
                Ok(Box::new(FileSink(BufWriter::new(file))))
            }
            Destination::S3(s) => Ok(Box::new(S3Sink {
                rt: tokio::runtime::Handle::current(),
                store: s.store.clone(),
                key: Self::key(s, id, rel),
                part_bytes: s.part_bytes,
                buf: Vec::new(),
                upload: None,
                done: false,
            })),
        }
    }

    /// A reader of file `rel` of the complete backup `id`. Blocking, like [`Self::writer`].
    pub(crate) fn reader(&self, id: &str, rel: &str) -> io::Result<Box<dyn Read + Send>> {
        match self {
            Destination::Dir(dir) => Ok(Box::new(io::BufReader::new(File::open(
                dir.join(id).join(rel),
            )?))),
            Destination::S3(s) => {
                let rt = tokio::runtime::Handle::current();
                let key = Self::key(s, id, rel);
                let got = rt.block_on(s.store.get(&key)).map_err(os_io)?;
                Ok(Box::new(S3Source {
                    rt,
                    stream: got.into_stream(),
                    current: Bytes::new(),
                }))
            }
        }
    }

    /// Makes backup `id` whole and visible: writes its manifest last.
    pub(crate) async fn commit(&self, id: &str, manifest: &[u8]) -> Result<(), BackupError> {
        match self {
            Destination::Dir(dir) => {
                let partial = Self::partial(dir, id);
                let path = partial.join("manifest.json");
                let write = || -> io::Result<()> {
                    let mut f = File::create(&path)?;
                    f.write_all(manifest)?;
                    f.sync_all()?;
                    for sub in ["tables", "models", ""] {
                        sync_dir(&partial.join(sub))?;
                    }
                    Ok(())
                };
                write().map_err(io_err(format!("writing {}", path.display())))?;
                let done = dir.join(id);
                std::fs::rename(&partial, &done)
                    .map_err(io_err(format!("renaming into {}", done.display())))?;
                sync_dir(dir).map_err(io_err(format!("syncing {}", dir.display())))
            }
            Destination::S3(s) => {
                let key = Self::key(s, id, "manifest.json");
                let opts = PutOptions {
                    mode: PutMode::Create,
                    ..Default::default()
                };
                s.store
                    .put_opts(&key, PutPayload::from(manifest.to_vec()), opts)
                    .await
                    .map_err(|e| s3_err(format!("writing {key}"), e))?;
                Ok(())
            }
        }
    }

    /// Writes a small file `rel` beside the complete backup `id`, create-only: an existing
    /// one is never overwritten (a folder: written aside, fsynced, then linked into place).
    pub(crate) async fn put_small(
        &self,
        id: &str,
        rel: &str,
        bytes: &[u8],
    ) -> Result<(), BackupError> {
        match self {
            Destination::Dir(dir) => {
                let path = dir.join(id).join(rel);
                let tmp = appended_name(&path, ".tmp");
                let write = || -> io::Result<()> {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    let mut f = File::create(&tmp)?;
                    f.write_all(bytes)?;
                    f.sync_all()?;
                    // A hard link fails when the name exists: create-only, like S3's.
                    let linked = std::fs::hard_link(&tmp, &path);
                    let _ = std::fs::remove_file(&tmp);
                    linked?;
                    if let Some(parent) = path.parent() {
                        sync_dir(parent)?;
                    }
                    Ok(())
                };
                write().map_err(io_err(format!("writing {}", path.display())))
            }
            Destination::S3(s) => {
                let key = Self::key(s, id, rel);
                let opts = PutOptions {
                    mode: PutMode::Create,
                    ..Default::default()
                };
                s.store
                    .put_opts(&key, PutPayload::from(bytes.to_vec()), opts)
                    .await
                    .map_err(|e| s3_err(format!("writing {key}"), e))?;
                Ok(())
            }
        }
    }

    /// The text of small file `rel` of backup `id` (at most 16 MiB); none when absent.
    pub(crate) async fn small_file(
        &self,
        id: &str,
        rel: &str,
    ) -> Result<Option<String>, BackupError> {
        check_id(id)?;
        match self {
            Destination::Dir(dir) => {
                let path = dir.join(id).join(rel);
                match std::fs::metadata(&path) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Ok(m) if m.len() > 16 << 20 => {
                        return Err(BackupError::Invalid {
                            id: id.into(),
                            reason: format!("{rel} is {} bytes, too large", m.len()),
                        })
                    }
                    _ => {}
                }
                match std::fs::read_to_string(&path) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    r => r
                        .map(Some)
                        .map_err(io_err(format!("reading {}", path.display()))),
                }
            }
            Destination::S3(s) => {
                let key = Self::key(s, id, rel);
                let got = match s.store.get(&key).await {
                    Err(object_store::Error::NotFound { .. }) => return Ok(None),
                    r => r.map_err(|e| s3_err(format!("reading {key}"), e))?,
                };
                if got.meta.size > 16 << 20 {
                    return Err(BackupError::Invalid {
                        id: id.into(),
                        reason: format!("{rel} is {} bytes, too large", got.meta.size),
                    });
                }
                let bytes = got
                    .bytes()
                    .await
                    .map_err(|e| s3_err(format!("reading {key}"), e))?;
                String::from_utf8(bytes.to_vec())
                    .map(Some)
                    .map_err(|_| BackupError::Invalid {
                        id: id.into(),
                        reason: format!("{rel} is not text"),
                    })
            }
        }
    }

    /// The numbers of backup `id`'s journal segments (`journal/<n>.json`), in order.
    pub(crate) async fn journal_numbers(&self, id: &str) -> Result<Vec<u32>, BackupError> {
        check_id(id)?;
        let names: Vec<String> = match self {
            Destination::Dir(dir) => match std::fs::read_dir(dir.join(id).join("journal")) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(io_err(format!("listing {id}/journal"))(e)),
                Ok(entries) => entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
            },
            Destination::S3(s) => {
                let under = Self::key(s, id, "journal");
                let mut listing = s.store.list(Some(&under));
                let mut names = Vec::new();
                while let Some(meta) = listing.next().await {
                    let meta = meta.map_err(|e| s3_err(format!("listing {under}"), e))?;
                    if let Some(name) = meta.location.filename() {
                        names.push(name.to_string());
                    }
                }
                names
            }
        };
        let mut numbers: Vec<u32> = names
            .iter()
            .filter_map(|n| n.strip_suffix(".json"))
            .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse().ok())
            .collect();
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// Deletes file `rel` of backup `id`, if it is there (best effort).
    pub(crate) async fn remove_file(&self, id: &str, rel: &str) {
        match self {
            Destination::Dir(dir) => {
                let _ = std::fs::remove_file(dir.join(id).join(rel));
            }
            Destination::S3(s) => {
                let _ = s.store.delete(&Self::key(s, id, rel)).await;
            }
        }
    }

    /// Removes what a backup that failed midway had written.
    pub(crate) async fn abandon(&self, id: &str) {
        match self {
            Destination::Dir(dir) => {
                let _ = std::fs::remove_dir_all(Self::partial(dir, id));
            }
            Destination::S3(_) => {
                if let Err(e) = self.delete_objects(id).await {
                    tracing::warn!(backup = id, error = %e, "could not remove a failed backup's objects");
                }
            }
        }
    }

    /// The text of backup `id`'s manifest; none when there is no such (complete) backup.
    pub(crate) async fn manifest_text(&self, id: &str) -> Result<Option<String>, BackupError> {
        self.small_file(id, "manifest.json").await
    }

    /// The ids present (complete or not), unsorted. Anything not named like a backup is
    /// left out.
    pub(crate) async fn ids(&self) -> Result<Vec<String>, BackupError> {
        let names = match self {
            Destination::Dir(dir) => {
                let entries = match std::fs::read_dir(dir) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
                    r => r.map_err(io_err(format!("listing {}", dir.display())))?,
                };
                let mut names = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(io_err(format!("listing {}", dir.display())))?;
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
                names
            }
            Destination::S3(s) => {
                let prefix = (!s.prefix.is_empty()).then(|| Key::from(s.prefix.as_str()));
                let listed = s
                    .store
                    .list_with_delimiter(prefix.as_ref())
                    .await
                    .map_err(|e| s3_err(format!("listing {self}"), e))?;
                listed
                    .common_prefixes
                    .iter()
                    .filter_map(|p| p.filename().map(str::to_string))
                    .collect()
            }
        };
        Ok(names.into_iter().filter(|n| check_id(n).is_ok()).collect())
    }

    /// Deletes backup `id`; its manifest goes first, so a deletion stopped midway never
    /// leaves something that looks like a backup.
    pub(crate) async fn remove(&self, id: &str) -> Result<(), BackupError> {
        check_id(id)?;
        match self {
            Destination::Dir(dir) => {
                let from = dir.join(id);
                let gone = dir.join(format!(".deleting-{id}"));
                std::fs::rename(&from, &gone)
                    .map_err(io_err(format!("removing {}", from.display())))?;
                std::fs::remove_dir_all(&gone)
                    .map_err(io_err(format!("removing {}", gone.display())))
            }
            Destination::S3(s) => {
                let key = Self::key(s, id, "manifest.json");
                match s.store.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(s3_err(format!("deleting {key}"), e)),
                }
                self.delete_objects(id).await
            }
        }
    }

    /// Every object under `<prefix>/<id>/` (S3).
    async fn delete_objects(&self, id: &str) -> Result<(), BackupError> {
        let Destination::S3(s) = self else {
            return Ok(());
        };
        let under = Self::key(s, id, "");
        let mut listing = s.store.list(Some(&under));
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            keys.push(
                meta.map_err(|e| s3_err(format!("listing {under}"), e))?
                    .location,
            );
        }
        for key in keys {
            match s.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(s3_err(format!("deleting {key}"), e)),
            }
        }
        Ok(())
    }

    /// Removes what killed backups and deletions left behind, once older than
    /// [`LEFTOVER_AGE`] (a folder's `.deleting-` leftovers at once); returns their names.
    pub(crate) async fn sweep(&self) -> Result<Vec<String>, BackupError> {
        let mut swept = Vec::new();
        match self {
            Destination::Dir(dir) => {
                let entries = match std::fs::read_dir(dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(swept),
                    Err(e) => return Err(io_err(format!("listing {}", dir.display()))(e)),
                };
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let deleting = name.starts_with(".deleting-");
                    if !(deleting || name.starts_with(".partial-")) {
                        continue;
                    }
                    let age = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .unwrap_or_default();
                    if deleting || age > LEFTOVER_AGE {
                        std::fs::remove_dir_all(entry.path())
                            .map_err(io_err(format!("removing {}", entry.path().display())))?;
                        swept.push(name);
                    }
                }
            }
            Destination::S3(s) => {
                for id in self.ids().await? {
                    if self.manifest_text(&id).await?.is_some() {
                        continue;
                    }
                    let under = Self::key(s, &id, "");
                    let mut listing = s.store.list(Some(&under));
                    let mut newest = None;
                    while let Some(meta) = listing.next().await {
                        let meta = meta.map_err(|e| s3_err(format!("listing {under}"), e))?;
                        newest = newest.max(Some(meta.last_modified));
                    }
                    let old = newest.is_none_or(|t| {
                        (chrono::Utc::now() - t).to_std().unwrap_or_default() > LEFTOVER_AGE
                    });
                    if old {
                        self.delete_objects(&id).await?;
                        swept.push(id);
                    }
                }
            }
        }
        Ok(swept)
    }
}

fn s3_store(bucket: &str, o: &S3Options) -> Result<AmazonS3, BackupError> {
    nba_registry::s3::client(bucket, o, Duration::from_secs(120)).map_err(refused)
}

fn s3_err(context: String, e: object_store::Error) -> BackupError {
    BackupError::Io {
        context,
        source: os_io(e),
    }
}

fn os_io(e: object_store::Error) -> io::Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. } => {
            io::ErrorKind::AlreadyExists
        }
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e.to_string())
}

/// Where one backup file's bytes go; `finish` makes them durable (fsync, or the upload's
/// completion). Dropped unfinished, nothing of it counts.
pub(crate) trait Sink: Write + Send {
    fn finish(self: Box<Self>) -> io::Result<()>;
}

struct FileSink(BufWriter<File>);

impl Write for FileSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Sink for FileSink {
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.0.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

struct S3Sink {
    rt: tokio::runtime::Handle,
    store: Arc<AmazonS3>,
    key: Key,
    part_bytes: usize,
    buf: Vec<u8>,
    upload: Option<Box<dyn MultipartUpload>>,
    done: bool,
}

impl S3Sink {
    fn send_part(&mut self) -> io::Result<()> {
        let data = std::mem::take(&mut self.buf);
        let upload = match &mut self.upload {
            Some(u) => u,
            None => {
                let u = self
                    .rt
                    .block_on(self.store.put_multipart(&self.key))
                    .map_err(os_io)?;
                self.upload.insert(u)
            }
        };
        self.rt
            .block_on(upload.put_part(PutPayload::from(data)))
            .map_err(os_io)
    }
}

impl Write for S3Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.part_bytes {
            self.send_part()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for S3Sink {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        if self.upload.is_none() {
            let data = PutPayload::from(std::mem::take(&mut self.buf));
            self.rt
                .block_on(self.store.put(&self.key, data))
                .map_err(os_io)?;
        } else {
            if !self.buf.is_empty() {
                self.send_part()?;
            }
            let upload = self.upload.as_mut().expect("an upload was started");
            self.rt.block_on(upload.complete()).map_err(os_io)?;
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for S3Sink {
    fn drop(&mut self) {
        if let (false, Some(mut upload)) = (self.done, self.upload.take()) {
            // Not waited for: a drop must not block; the server expires what is left.
            self.rt.spawn(async move {
                let _ = upload.abort().await;
            });
        }
    }
}

struct S3Source {
    rt: tokio::runtime::Handle,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    current: Bytes,
}

impl Read for S3Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rt.block_on(self.stream.next()) {
                None => return Ok(0),
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(os_io(e)),
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

fn appended_name(path: &Path, tail: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(tail);
    PathBuf::from(s)
}

/// Flushes a folder's entries (a rename or a new file) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
