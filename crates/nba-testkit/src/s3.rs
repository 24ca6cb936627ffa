//! A real S3 API server on loopback for tests: moto's `moto_server` (installed into
//! `.venv-mcp` by `scripts/setup-python.sh`). `scripts/test.sh` starts one for the whole run
//! and names it in `NBA_MCP_TEST_S3_ENDPOINT`; a test run without it starts its own. Each test
//! takes a bucket of its own.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The smallest upload part the server accepts (S3's own minimum is 5 MiB).
pub const PART_MIN: usize = 64 * 1024;

pub struct S3Server {
    pub endpoint: String,
    child: Option<Child>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn moto_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-mcp/bin/moto_server")
}

impl S3Server {
    /// The shared server, or a new one on a free port (ready when this returns).
    pub fn start() -> S3Server {
        if let Ok(endpoint) = std::env::var("NBA_MCP_TEST_S3_ENDPOINT") {
            return S3Server {
                endpoint,
                child: None,
            };
        }
        let bin = moto_server();
        assert!(
            bin.exists(),
            "{} is missing: run scripts/setup-python.sh (it installs moto's S3 server)",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // Small upload parts, so tests reach multipart uploads with little data.
            .env("S3_UPLOAD_PART_MIN_SIZE", PART_MIN.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Sends one unsigned request (moto checks no signatures) for `path` (`bucket/key`),
    /// with `body` as a PUT when given; returns the HTTP status.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> u16 {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "-o", "/dev/null", "-w", "%{http_code}"])
            .args(["--max-time", "10", "-X", method]);
        if let Some(body) = body {
            cmd.args(["--data-binary", body]);
        }
        let out = cmd
            .arg(format!("{}/{path}", self.endpoint))
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
    }

    /// Creates a new bucket and returns its name.
    pub fn bucket(&self, tag: &str) -> String {
        let name = crate::unique(tag).replace('_', "-").to_ascii_lowercase();
        let name: String = name.chars().take(63).collect();
        assert_eq!(
            self.request("PUT", &name, None),
            200,
            "creating bucket {name}"
        );
        name
    }

    /// Client options that reach this server, with upload parts of [`PART_MIN`] (so larger
    /// files go up as multipart uploads).
    pub fn options(&self) -> nba_registry::s3::S3Options {
        nba_registry::s3::S3Options {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            part_bytes: Some(PART_MIN),
        }
    }

    /// Options naming a loopback port nothing listens on.
    pub fn unreachable() -> nba_registry::s3::S3Options {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        nba_registry::s3::S3Options {
            endpoint: Some(format!("http://127.0.0.1:{port}")),
            region: Some("us-east-1".into()),
            access_key_id: Some("x".into()),
            secret_access_key: Some("y".into()),
            part_bytes: None,
        }
    }

    /// Options that reach this server (moto accepts any credentials).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ]
    }
}
