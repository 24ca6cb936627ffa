//! Test helpers: an `App` over a fresh SQLite file in its own temp folder, and rmcp clients
//! connected to the MCP handler through an in-memory duplex pipe, in either protocol era.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use nba_app::App;
use nba_mcp::NbaMcpServer;
use nba_store::{Store, StoreOptions};
use rmcp::model::ProtocolVersion;
use rmcp::service::{ClientLifecycleMode, RunningService};
use rmcp::{ClientServiceExt, RoleClient, ServiceExt};

/// A temp folder removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "nba-mcp-{label}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Opens (creating and migrating) an SQLite store in `dir`.
pub async fn open_store(dir: &TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("nba.db").display());
    Store::open(&StoreOptions::new(url))
        .await
        .expect("open SQLite store")
}

/// An app over an empty, migrated store.
pub async fn empty_app() -> (App, TempDir) {
    let dir = TempDir::new("empty");
    let store = open_store(&dir).await;
    let app = App::new(store).await.expect("build App");
    (app, dir)
}

pub type Client = RunningService<RoleClient, ()>;

/// Connects an rmcp client with the 2025-11-25 `initialize` handshake.
pub async fn legacy_client(app: App) -> Client {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = NbaMcpServer::for_stdio(
            app,
            nba_app::Caller::local(nba_app::nba_auth::Role::Admin, nba_app::Transport::McpStdio),
        )
        .serve(server_io)
        .await
        {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("initialize handshake")
}

/// Connects an rmcp client with the stateless 2026-07-28 lifecycle (`server/discover`).
pub async fn modern_client(app: App) -> Client {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = NbaMcpServer::for_stdio(
            app,
            nba_app::Caller::local(nba_app::nba_auth::Role::Admin, nba_app::Transport::McpStdio),
        )
        .serve(server_io)
        .await
        {
            let _ = running.waiting().await;
        }
    });
    ().serve_with_lifecycle(
        client_io,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    )
    .await
    .expect("server/discover")
}

/// The folder of the shared real data: `NBA_MCP_DATA_DIR`, else `<workspace>/../shared/data`.
/// Panics with instructions when it is missing: tests that check NBA facts need it.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data")
                .to_path_buf()
        });
    assert!(
        dir.join("fivethirtyeight/games_1947_2022.csv.gz").is_file(),
        "real NBA data not found in {}: set NBA_MCP_DATA_DIR to the shared data folder \
         (the one holding fivethirtyeight/games_1947_2022.csv.gz)",
        dir.display()
    );
    dir
}

/// Connects an rmcp client (2025-11-25 handshake) to a stdio-style server whose configured
/// principal is a local client with `role`.
pub async fn client_as(app: App, role: nba_app::nba_auth::Role) -> Client {
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let caller = nba_app::Caller::local(role, nba_app::Transport::McpStdio);
        if let Ok(running) = NbaMcpServer::for_stdio(app, caller).serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("initialize handshake")
}
