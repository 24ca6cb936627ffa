//! A real MLflow tracking server on loopback for tests (installed into `.venv-mlflow` by
//! `scripts/setup-mlflow.sh`): SQLite backend store and a proxied artifact folder of its
//! own. `scripts/test.sh` starts one for the whole run and names it in
//! `NBA_MCP_TEST_MLFLOW_URI`; a test run without it starts its own. Tests keep apart by
//! using registered-model names of their own.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MlflowServer {
    pub uri: String,
    child: Option<Child>,
    _dir: Option<crate::TempDir>,
}

impl Drop for MlflowServer {
    fn drop(&mut self) {
        // `mlflow server` runs uvicorn as a child: stop the whole process group.
        if let Some(child) = &mut self.child {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }
}

fn mlflow_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-mlflow/bin/mlflow")
}

impl MlflowServer {
    /// The shared server, or a new one on a free port (ready when this returns).
    pub fn start() -> MlflowServer {
        if let Ok(uri) = std::env::var("NBA_MCP_TEST_MLFLOW_URI") {
            return MlflowServer {
                uri,
                child: None,
                _dir: None,
            };
        }
        let bin = mlflow_bin();
        assert!(
            bin.exists(),
            "{} is missing: run scripts/setup-mlflow.sh (it installs MLflow's server)",
            bin.display()
        );
        let dir = crate::temp_dir("mlflow");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&bin)
            .args(["server", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}/mlflow.db", dir.0.display()))
            .arg("--artifacts-destination")
            .arg(dir.0.join("artifacts"))
            .args(["--serve-artifacts", "--workers", "1"])
            // No background job runner (it forks consumers the registry does not need).
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mlflow server starts");
        let server = MlflowServer {
            uri: format!("http://127.0.0.1:{port}"),
            child: Some(child),
            _dir: Some(dir),
        };
        server.wait_ready(Duration::from_secs(90));
        server
    }

    /// Waits until `/health` answers 200.
    pub fn wait_ready(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let out = Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "--max-time",
                    "2",
                ])
                .arg(format!("{}/health", self.uri))
                .output()
                .expect("curl");
            if out.stdout == b"200" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the MLflow server at {} did not answer /health within {limit:?}",
                self.uri
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}
