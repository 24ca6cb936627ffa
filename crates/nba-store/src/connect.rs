//! Opening the database: picks the backend from the URL, sizes the pool, runs migrations.

use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyPoolOptions};

use crate::{migrate, Store, StoreError};

/// Which engine a `Store` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::InvalidUrl(format!(
                "'{}' must start with sqlite:// or postgres://",
                redact_url(url)
            )))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// Defaults: 100 for PostgreSQL, 8 for SQLite (one writer at a time anyway).
    pub max_connections: Option<u32>,
    pub acquire_timeout: Duration,
    /// Migrate only up to this schema version (a restore builds the schema a backup was
    /// taken at, loads it, then migrates on); none: to this build's latest.
    pub migrate_to: Option<i64>,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> StoreOptions {
        StoreOptions {
            url: url.into(),
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
            migrate_to: None,
        }
    }
}

/// Hides the password part of a database URL for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Opens (creating an SQLite file if needed) and migrates the database.
    pub async fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(&options.url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_with_options(&options.url)?,
            Backend::Postgres => options.url.clone(),
        };
        let max = options.max_connections.unwrap_or(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 100,
        });
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(0)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let file = match backend {
            Backend::Sqlite => FileId::of(&url).map(std::sync::Arc::new),
            Backend::Postgres => None,
        };
        let store = Store {
            pool,
            backend,
            file,
        };
        migrate::run(&store, options.migrate_to).await?;
        Ok(store)
    }

    /// Applies every migration not applied yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrate::run(self, None).await
    }
}

/// Adds create-if-missing to an SQLite URL and makes sure its folder exists.
/// An SQLite database file by path and identity (device, inode). Deleting or replacing the
/// file under a running server leaves its connections on the old inode: everything written
/// after that is lost when they close, so the health check says so.
#[derive(Debug)]
pub(crate) struct FileId {
    path: std::path::PathBuf,
    id: (u64, u64),
}

impl FileId {
    fn of(url: &str) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let rest = url.trim_start_matches("sqlite://");
        let path = rest.split('?').next().unwrap_or("");
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        let m = std::fs::metadata(path).ok()?;
        Some(FileId {
            path: path.into(),
            id: (m.dev(), m.ino()),
        })
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Whether the path still names the file that was opened; the error says what changed.
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(&self.path) {
            Ok(m) if (m.dev(), m.ino()) == self.id => Ok(()),
            Ok(_) => Err(StoreError::FileLost(format!(
                "the database file {} was replaced while the server had it open; what is \
                 written now goes to the old file: stop the server and start it again",
                self.path.display()
            ))),
            Err(e) => Err(StoreError::FileLost(format!(
                "the database file {} is gone ({e}) while the server had it open; what is \
                 written now is lost when the server stops: restore it from a backup \
                 (`nba-mcp backup restore`) and restart",
                self.path.display()
            ))),
        }
    }
}

fn sqlite_url_with_options(url: &str) -> Result<String, StoreError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(StoreError::InvalidUrl(format!("'{url}' names no file")));
    }
    if path != ":memory:" {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::InvalidUrl(format!("cannot create folder {}: {e}", dir.display()))
                })?;
            }
        }
    }
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc".into());
    }
    Ok(format!("sqlite://{}?{}", path, params.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://a.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
