//! Driving a built binary: scratch folders, the binary with a clean environment, keys made
//! through its own CLI, a running server on port 0, curl requests and raw
//! sockets, the server's RSS. [`Binary`] names the executable (`env!("CARGO_BIN_EXE_...")`
//! of the test crate that builds it).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The executable under test.
#[derive(Debug, Clone, Copy)]
pub struct Binary(pub &'static str);

impl Binary {
    /// The binary with a clean environment (no keys, RBAC settings, binds or data folder
    /// from the caller's shell) over `db` and `state`.
    pub fn command(self, db: &str, state: &std::path::Path) -> Command {
        command(self.0, db, state)
    }

    /// A user named `name` with `role` and a key for it, made with the binary's own CLI.
    pub fn make_key(self, db: &str, state: &std::path::Path, name: &str, role: &str) -> String {
        make_key(self.0, db, state, name, role)
    }

    /// `serve` on 127.0.0.1:0 with `env`, once it says where it listens.
    pub fn serve(self, db: &str, state: &std::path::Path, env: &[(&str, &str)]) -> Served {
        Served::start(self.0, db, state, env)
    }
}

pub struct Temp(pub PathBuf);
impl Temp {
    pub fn new(tag: &str) -> Temp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("nba_bin_{tag}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const CLEAN: &[&str] = &[
    "NBA_MCP_API_KEY",
    "NBA_MCP_API_KEY_FILE",
    "ENABLE_RBAC",
    "NBA_MCP_ENABLE_RBAC",
    "NBA_MCP_STDIO_ROLE",
    "NBA_MCP_RATE_LIMIT_PER_S",
    "NBA_MCP_RATE_LIMIT_BURST",
    "NBA_MCP_OAUTH_ISSUER",
    "NBA_MCP_OAUTH_JWKS_FILE",
    "NBA_MCP_RESOURCE_URL",
    "NBA_MCP_BIND",
    "NBA_MCP_TLS_CERT",
    "NBA_MCP_TLS_KEY",
    "NBA_MCP_DATA_DIR",
    "NBA_MCP_ALLOW_PLAIN_HTTP",
    "NBA_MCP_MODEL_STORE",
    "MLFLOW_TRACKING_URI",
    "S3_BUCKET",
];

fn command(bin: &str, db: &str, state: &std::path::Path) -> Command {
    let mut cmd = Command::new(bin);
    for v in CLEAN {
        cmd.env_remove(v);
    }
    cmd.env("DATABASE_URL", db)
        .env("NBA_MCP_STATE_DIR", state)
        .env("LOG_LEVEL", "warn")
        .env("LOG_FORMAT", "pretty")
        .stdin(Stdio::null());
    cmd
}

fn make_key(bin: &str, db: &str, state: &std::path::Path, name: &str, role: &str) -> String {
    let out = command(bin, db, state)
        .args(["users", "add", name, "--role", role])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = command(bin, db, state)
        .args(["keys", "create", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub struct Served {
    pub child: Child,
    pub addr: String,
    /// What the server wrote to stderr before it listened.
    pub said: Vec<String>,
}

impl Served {
    fn start(bin: &str, db: &str, state: &std::path::Path, env: &[(&str, &str)]) -> Served {
        let mut cmd = command(bin, db, state);
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start nba-mcp serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut seen = Vec::new();
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(i) = line.find("listening on http://") {
                        let addr = line[i + 20..]
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                            .collect();
                        return Served {
                            child,
                            addr,
                            said: seen,
                        };
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("serve did not start:\n{}", seen.join("\n"));
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        s
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
    pub elapsed: Duration,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

pub fn curl(url: &str, key: Option<&str>, body: Option<&str>, extra: &[&str]) -> Answer {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-i", "--max-time", "30", url]);
    if let Some(key) = key {
        cmd.args(["-H", &format!("Authorization: Bearer {key}")]);
    }
    if let Some(body) = body {
        cmd.args(["-XPOST", "-H", "content-type: application/json", "-d", body]);
    }
    cmd.args(extra);
    let started = Instant::now();
    let out = cmd.output().expect("curl");
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        headers: head.to_string(),
        body: body.to_string(),
        elapsed,
    }
}

/// Reads until the server closes the connection (or 15 s pass); returns what came and when.
pub fn until_closed(mut s: TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
