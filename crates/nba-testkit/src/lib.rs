//! Test support shared by the workspace's integration tests: scratch folders, a real
//! migrated SQLite store of its own, in-process requests to a router, a Prometheus scrape
//! parser, a local HTTP receiver that records what it is sent (webhook targets), a
//! deadline-bounded wait for a condition, and [`binary`]: a built binary driven from
//! outside (keys for each role, a server on port 0, curl). Never linked into the server.

pub mod binary;
pub mod mlflow;
pub mod s3;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use nba_store::{Backend, Store, StoreOptions};
use serde_json::Value;
use tower::ServiceExt;

pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(tag: &str) -> TempDir {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nba-test-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

/// A name no other test process or run uses: `prefix_<pid>_<nanos>_<n>` (letters, digits and
/// `_`, so it is also a valid PostgreSQL database name).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos}_{n}", std::process::id())
}

/// The PostgreSQL server tests use: `NBA_MCP_TEST_PG_URL`, default
/// `postgres://postgres@127.0.0.1:5432` (what `scripts/ensure-postgres.sh` starts).
pub fn postgres_base() -> String {
    std::env::var("NBA_MCP_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Runs `check` on a fresh, migrated store of `backend` (SQLite: a file in a temp folder;
/// PostgreSQL: a new database on [`postgres_base`]) and removes it afterwards, also when
/// the check panics (the panic is then re-raised). Without a reachable PostgreSQL server it
/// fails saying so and how to start one.
pub async fn on_store<F, Fut>(backend: Backend, tag: &str, check: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique(tag));
            let url = format!("sqlite://{}/nba.db", dir.display());
            let store = Store::open(&StoreOptions::new(url))
                .await
                .expect("open a SQLite store");
            let outcome = tokio::spawn(check(store)).await;
            let _ = std::fs::remove_dir_all(dir);
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        Backend::Postgres => {
            let base = postgres_base();
            let name = unique(tag);
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&format!("{base}/postgres"))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "this test needs PostgreSQL, and none answers at {base} ({e}): run \
                         scripts/ensure-postgres.sh, or set NBA_MCP_TEST_PG_URL to a server \
                         where this user may create databases"
                    )
                });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {base}: {e}"));
            let store = Store::open(&StoreOptions::new(format!("{base}/{name}")))
                .await
                .expect("open the PostgreSQL store");
            let outcome = tokio::spawn(check(store)).await;
            let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
            if let Err(e) = outcome {
                std::panic::resume_unwind(e.into_panic());
            }
            dropped.unwrap_or_else(|e| panic!("DROP DATABASE {name}: {e}"));
        }
    }
}

/// One user per role (named after the role) and an API key for each, made through
/// `nba_app::admin` as the CLI makes them: `(role, key)` in the matrix's order.
pub async fn keys_for_each_role(store: &Store) -> Vec<(nba_app::nba_auth::Role, String)> {
    use secrecy::ExposeSecret;
    let cli = nba_app::Caller::cli();
    let mut keys = Vec::new();
    for role in nba_app::nba_auth::Role::ALL {
        let account = nba_app::admin::create_account(store, &cli, role.as_str(), false, role)
            .await
            .expect("create the account");
        let key = nba_app::admin::create_key(store, &cli, &account.id, "test", None)
            .await
            .expect("create the key");
        keys.push((role, key.secret.expose_secret().to_string()));
    }
    keys
}

/// An empty, migrated SQLite store of its own.
pub async fn store() -> (Store, TempDir) {
    let dir = temp_dir("store");
    let url = format!("sqlite://{}", dir.0.join("nba.db").display());
    let store = Store::open(&StoreOptions::new(url))
        .await
        .expect("open store");
    (store, dir)
}

pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

pub async fn get_json(router: &Router, path: &str) -> (StatusCode, Value) {
    let (status, text) = send(router, get(path)).await;
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, value)
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// The value of the series whose line starts with `series` (name and labels as written).
pub fn value(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
        .unwrap_or(0.0)
}

/// What a receiver got: the path it was posted to and the JSON body.
pub type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A local HTTP server on 127.0.0.1:0 that records every POST it accepts.
pub struct Receiver {
    pub url: String,
    pub got: Received,
    /// Requests per path, accepted or not.
    pub attempts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Receiver {
    pub fn received(&self) -> Vec<(String, Value)> {
        self.got.lock().unwrap().clone()
    }

    pub fn attempts(&self, path: &str) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

/// Starts a receiver; the first `failures` requests of each path get `fail_status`.
pub async fn receiver(failures: usize, fail_status: StatusCode) -> Receiver {
    #[derive(Clone)]
    struct S {
        got: Received,
        attempts: Arc<Mutex<HashMap<String, usize>>>,
        failures: usize,
        fail_status: StatusCode,
    }
    async fn hook(
        State(s): State<S>,
        Path(path): Path<String>,
        Json(body): Json<Value>,
    ) -> StatusCode {
        let n = {
            let mut a = s.attempts.lock().unwrap();
            let n = a.entry(path.clone()).or_default();
            *n += 1;
            *n
        };
        if n <= s.failures {
            return s.fail_status;
        }
        s.got.lock().unwrap().push((path, body));
        StatusCode::ACCEPTED
    }
    let got: Received = Arc::default();
    let attempts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let state = S {
        got: got.clone(),
        attempts: attempts.clone(),
        failures,
        fail_status,
    };
    let app = Router::new()
        .route("/{*path}", post(hook))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url: format!("http://{addr}"),
        got,
        attempts,
    }
}

/// Polls `f` every 100 ms (blocking) until it gives a value, for at most `limit`; for tests
/// that drive a process from outside.
pub fn poll_until<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `f` holds, polling, for at most 10 s.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
