//! End to end: the built `nba-mcp` binary, with its own SQLite database loaded through
//! `nba-mcp ingest`, its own champion model made by `nba-mcp train` and its own accounts and
//! API keys made by `nba-mcp users add` / `nba-mcp keys create`, driven by the official MCP
//! Python SDK (`tests/e2e/mcp_client.py`) over stdio (the server runs as the principal of
//! `NBA_MCP_API_KEY`) and over Streamable HTTP (`nba-mcp serve --bind 127.0.0.1:0`, the key
//! sent as `Authorization: Bearer`), in both protocol eras (legacy `initialize` handshake and
//! stateless 2026-07-28). As an admin the client sees and calls all 26 tools; a viewer sees
//! only its 19 and is refused the others; without a key the SDK gets 401 and fails at once.
//!
//! Needs `.venv-mcp` (run `scripts/setup-python.sh`) and the shared data folder
//! (`NBA_MCP_DATA_DIR`, default `../shared/data`). Every wait has a deadline; no sleeps.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nba-mcp");
/// Loading the three files takes ~10 s in a debug build; generous for a loaded CI machine.
const INGEST_DEADLINE: Duration = Duration::from_secs(240);
/// Training on 2004-05 to 2015-16 takes a few seconds in a debug build.
const TRAIN_DEADLINE: Duration = Duration::from_secs(240);
/// The champion model's training seasons (end years).
const TRAIN_SEASONS: &str = "2005-2016";
const SERVER_START_DEADLINE: Duration = Duration::from_secs(60);
/// The Python client bounds itself (`--timeout`); this is the backstop.
const CLIENT_DEADLINE: Duration = Duration::from_secs(180);
const CLIENT_TIMEOUT_S: &str = "150";

/// The season (and stage) whose player box scores the client asks for; loaded below.
const PLAYER_SEASON: &str = "2015-16";
const PLAYER_STAGE: &str = "playoffs";

/// The six scenarios share one database; the last one to finish removes it.
const SCENARIOS: usize = 6;
static FINISHED: AtomicUsize = AtomicUsize::new(0);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let python = repo_root().join(".venv-mcp/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/setup-python.sh (it installs the official MCP Python SDK \
         into .venv-mcp)",
        python.display()
    );
    python
}

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    assert!(
        dir.join("fivethirtyeight/games_1947_2022.csv.gz").is_file(),
        "real NBA data not found in {}: set NBA_MCP_DATA_DIR to the shared data folder",
        dir.display()
    );
    dir
}

/// The loaded database and the model store (the same folder), made once per test process,
/// with an admin's and a viewer's API key.
struct Prepared {
    dir: PathBuf,
    url: String,
    admin_key: String,
    viewer_key: String,
}

/// The admin account `prepared()` makes (list_accounts must show it).
const ADMIN: &str = "e2e-admin";
const VIEWER: &str = "e2e-viewer";

/// The tools an admin sees, in catalog order: a viewer sees the first 19.
const TOOLS: [&str; 33] = [
    "list_teams",
    "find_team",
    "search_players",
    "get_games",
    "get_game",
    "get_standings",
    "get_team_stats",
    "get_player_stats",
    "get_leaders",
    "head_to_head",
    "predict_game",
    "predict_games",
    "get_power_rankings",
    "simulate_season",
    "system_health",
    "list_alerts",
    "drift_report",
    "compute_metrics",
    "whoami",
    "query_sql",
    "audit_log",
    "list_accounts",
    "revoke_api_key",
    "backup_create",
    "backup_list",
    "backup_verify",
    "list_models",
    "promote_model",
    "rollback_model",
    "start_rollout",
    "rollout_status",
    "advance_rollout",
    "stop_rollout",
];
/// What a viewer (data:read, predictions:read, health:read) may call: all but the last seven.
const VIEWER_TOOLS: usize = 19;

static PREPARED: OnceLock<Prepared> = OnceLock::new();

fn prepared() -> &'static Prepared {
    PREPARED.get_or_init(|| {
        let data = data_dir();
        remove_stale_databases();
        let dir = std::env::temp_dir().join(format!("{DB_PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let url = format!("sqlite://{}", dir.join("nba.db").display());
        for (format, file) in [
            ("fivethirtyeight", "fivethirtyeight/games_1947_2022.csv.gz"),
            ("players", "nba_api/players.csv"),
            (
                "nba-stats-player-logs",
                "nba_stats/playoffs_player_box_2011_2022.csv.gz",
            ),
        ] {
            let mut cmd = Command::new(BIN);
            cmd.arg("ingest").arg(format).arg(data.join(file));
            server_env(&mut cmd, &url, &dir);
            let out = run(cmd, INGEST_DEADLINE);
            assert!(
                out.success,
                "nba-mcp ingest {format} {file} failed:\n{}",
                out.stderr
            );
        }
        // The champion the servers load (they never train: NBA_MCP_AUTO_LOAD=false).
        let mut cmd = Command::new(BIN);
        cmd.args(["train", "--seasons", TRAIN_SEASONS, "--alias", "champion"]);
        server_env(&mut cmd, &url, &dir);
        let out = run(cmd, TRAIN_DEADLINE);
        assert!(
            out.success,
            "nba-mcp train --seasons {TRAIN_SEASONS} --alias champion failed:\n{}",
            out.stderr
        );
        assert!(
            dir.join("aliases.json").is_file(),
            "nba-mcp train wrote no aliases.json in {}:\n{}",
            dir.display(),
            out.stderr
        );
        let admin_key = account_key(&url, &dir, ADMIN, "admin");
        let viewer_key = account_key(&url, &dir, VIEWER, "viewer");
        Prepared {
            dir,
            url,
            admin_key,
            viewer_key,
        }
    })
}

/// `nba-mcp users add NAME --role ROLE`, then `nba-mcp keys create NAME`: the key, the only
/// line `keys create` prints on stdout.
fn account_key(url: &str, dir: &Path, name: &str, role: &str) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["users", "add", name, "--role", role]);
    server_env(&mut cmd, url, dir);
    let out = run(cmd, Duration::from_secs(60));
    assert!(
        out.success && out.stdout.trim().starts_with("usr_"),
        "nba-mcp users add {name} --role {role} failed:\n{}{}",
        out.stdout,
        out.stderr
    );
    let mut cmd = Command::new(BIN);
    cmd.args([
        "keys",
        "create",
        name,
        "--label",
        "e2e",
        "--expires-in",
        "1d",
    ]);
    server_env(&mut cmd, url, dir);
    let out = run(cmd, Duration::from_secs(60));
    let key = out.stdout.trim().to_string();
    assert!(
        out.success && key.starts_with("nba_mcp_") && !key.contains('\n'),
        "nba-mcp keys create {name} printed no key line:\nstdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    key
}

const DB_PREFIX: &str = "nba-mcp-e2e-";

/// A run that executed only some scenarios leaves its database behind; the next run removes
/// those whose process is gone.
fn remove_stale_databases() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DB_PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Removes the shared database after the last scenario, even when a scenario panics.
struct ScenarioDone;

impl Drop for ScenarioDone {
    fn drop(&mut self) {
        // cargo nextest runs each test in its own process: that process's one scenario is
        // its last.
        let alone = std::env::var("NEXTEST_EXECUTION_MODE").as_deref() == Ok("process-per-test");
        if FINISHED.fetch_add(1, Ordering::SeqCst) + 1 == SCENARIOS || alone {
            if let Some(prepared) = PREPARED.get() {
                let _ = std::fs::remove_dir_all(&prepared.dir);
            }
        }
    }
}

/// The server's environment: our database and model store, nothing loaded or trained on
/// start, readable logs, access control on with its defaults and no stdio key (whatever the
/// environment of the test run says).
fn server_env(cmd: &mut Command, url: &str, state_dir: &Path) {
    cmd.env("DATABASE_URL", url)
        .env("NBA_MCP_STATE_DIR", state_dir)
        .env("NBA_MCP_MODEL_STORE", state_dir)
        .env_remove("NBA_MCP_MODEL")
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_FORMAT", "pretty")
        .env("LOG_LEVEL", "warn")
        .env_remove("RUST_LOG")
        .env_remove("NBA_MCP_BIND")
        .env_remove("NBA_MCP_DATA_DIR");
    for var in [
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
    ] {
        cmd.env_remove(var);
    }
}

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs a command to completion within `deadline`, killing it past the deadline. The pipes
/// are drained by threads; their end (EOF) is what we wait for, with a timeout.
fn run(mut cmd: Command, deadline: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let (tx, rx) = mpsc::channel();
    for (name, mut pipe) in [
        (
            "stdout",
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        ),
        ("stderr", Box::new(child.stderr.take().unwrap())),
    ] {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            let _ = tx.send((name, text));
        });
    }
    let end = Instant::now() + deadline;
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for _ in 0..2 {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(("stdout", text)) => stdout = text,
            Ok((_, text)) => stderr = text,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} did not finish within {deadline:?}\nstderr so far:\n{stderr}");
            }
        }
    }
    let status = child.wait().expect("wait for child");
    Output {
        success: status.success(),
        stdout,
        stderr,
    }
}

/// `nba-mcp serve` on a free port; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(prepared: &Prepared) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--bind", "127.0.0.1:0"]);
        server_env(&mut cmd, &prepared.url, &prepared.dir);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nba-mcp serve");
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line.clone()).is_err() {
                    // Nobody listens any more; keep draining so the server never blocks.
                    eprintln!("[server] {line}");
                }
            }
        });
        let end = Instant::now() + SERVER_START_DEADLINE;
        let mut seen = Vec::new();
        let addr = loop {
            match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let addr: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                            .collect();
                        break addr;
                    }
                    seen.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let why = match e {
                        RecvTimeoutError::Timeout => "did not report its address in time",
                        RecvTimeoutError::Disconnected => "exited before listening",
                    };
                    panic!("nba-mcp serve {why}; stderr:\n{}", seen.join("\n"));
                }
            }
        };
        Server {
            child,
            url: format!("http://{addr}/mcp"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the client expects of the key it holds (`--expect` of `mcp_client.py`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Admin,
    Viewer,
    /// No key at all: HTTP 401.
    Unauthorized,
}

impl Expect {
    fn arg(self) -> &'static str {
        match self {
            Expect::Admin => "admin",
            Expect::Viewer => "viewer",
            Expect::Unauthorized => "unauthorized",
        }
    }

    fn key(self, prepared: &Prepared) -> Option<&str> {
        match self {
            Expect::Admin => Some(&prepared.admin_key),
            Expect::Viewer => Some(&prepared.viewer_key),
            Expect::Unauthorized => None,
        }
    }
}

/// Runs the Python client; `target` is `--url URL` or `-- nba-mcp mcp`. The key goes in
/// `NBA_MCP_API_KEY`: the client sends it as a bearer token over HTTP and passes its
/// environment to the stdio server, which runs as the key's principal.
fn python_client(mode: &str, target: &[&str], prepared: &Prepared, expect: Expect) -> Value {
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("tests/e2e/mcp_client.py"))
        .args(["--mode", mode, "--timeout", CLIENT_TIMEOUT_S])
        .args(["--expect", expect.arg(), "--bearer-env", "NBA_MCP_API_KEY"])
        .args([
            "--player-season",
            PLAYER_SEASON,
            "--player-stage",
            PLAYER_STAGE,
        ])
        .args(target);
    // For stdio, the client starts the server and passes this environment on.
    server_env(&mut cmd, &prepared.url, &prepared.dir);
    if let Some(key) = expect.key(prepared) {
        cmd.env("NBA_MCP_API_KEY", key);
    }
    let out = run(cmd, CLIENT_DEADLINE);
    let summary: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mcp_client.py printed no JSON summary ({e}); stdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    });
    assert!(
        out.success && summary["ok"] == true,
        "MCP Python SDK, mode {mode}, {expect:?}, {target:?}: failures {}\nsummary: {summary:#}\nstderr:\n{}",
        summary["failures"],
        out.stderr
    );
    for key in [&prepared.admin_key, &prepared.viewer_key] {
        assert!(
            !out.stdout.contains(key.as_str()) && !out.stderr.contains(key.as_str()),
            "an API key shows in the client's output (server errors or results)"
        );
    }
    summary
}

fn scenario(mode: &str, http: bool) {
    let _done = ScenarioDone;
    python(); // fail fast, before loading data, when the SDK is missing
    let prepared = prepared();
    let summary = if http {
        let server = Server::start(prepared);
        python_client(mode, &["--url", &server.url], prepared, Expect::Admin)
    } else {
        python_client(mode, &["--", BIN, "mcp"], prepared, Expect::Admin)
    };
    let expected = if mode == "legacy" { "2025-11-25" } else { mode };
    assert_eq!(summary["protocol_version"], expected, "{summary:#}");
    assert_eq!(
        summary["tools"],
        serde_json::json!(TOOLS.to_vec()),
        "{summary:#}"
    );
    for tool in TOOLS {
        assert!(
            summary["calls"].get(tool).is_some(),
            "{tool} was not called as expected: {summary:#}"
        );
    }
    assert_eq!(summary["gsw_2015_16_record"], serde_json::json!([73, 9]));
    // Game 7 of the 2016 Finals, predicted from the games before it.
    assert_eq!(
        summary["predict_game"]["data_through"], "2016-06-16",
        "{summary:#}"
    );
    assert!(
        ["healthy", "degraded", "unhealthy"]
            .contains(&summary["health_status"].as_str().unwrap_or("")),
        "{summary:#}"
    );
    // The access tools, as the admin whose key the client holds.
    assert_eq!(summary["whoami"]["role"], "admin", "{summary:#}");
    assert_eq!(summary["whoami"]["auth_method"], "api_key", "{summary:#}");
    assert_eq!(summary["admin_account"]["name"], ADMIN, "{summary:#}");
    // 1230 regular-season games in 2015-16, and the play-offs.
    let games = summary["games_2016"].as_u64().unwrap_or(0);
    assert!(
        games >= 1230,
        "query_sql counted {games} games: {summary:#}"
    );
    assert_eq!(summary["audit"]["chain_ok"], true, "{summary:#}");
    assert!(
        summary["revoke_unknown_key_message"]
            .as_str()
            .is_some_and(|m| m.contains("no API key") && m.contains("key_doesnotexist")),
        "{summary:#}"
    );
}

#[test]
fn python_sdk_stdio_legacy() {
    scenario("legacy", false);
}

#[test]
fn python_sdk_stdio_2026_07_28() {
    scenario("2026-07-28", false);
}

#[test]
fn python_sdk_http_legacy() {
    scenario("legacy", true);
}

#[test]
fn python_sdk_http_2026_07_28() {
    scenario("2026-07-28", true);
}

/// No key: the SDK's first POST gets 401 with the RFC 9728 challenge, and the client fails
/// at once (no hang, no tools).
#[test]
fn python_sdk_http_without_a_key_gets_401() {
    let _done = ScenarioDone;
    python();
    let prepared = prepared();
    let server = Server::start(prepared);
    let started = Instant::now();
    let summary = python_client(
        "legacy",
        &["--url", &server.url, "--request-timeout", "20"],
        prepared,
        Expect::Unauthorized,
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the client took {:?} to fail",
        started.elapsed()
    );
    let statuses: Vec<&Value> = summary["responses"]
        .as_array()
        .map(|r| r.iter().map(|x| &x["status"]).collect())
        .unwrap_or_default();
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| *s == 401),
        "{summary:#}"
    );
    let challenge = summary["www_authenticate"].as_str().unwrap_or("");
    let base = server.url.trim_end_matches("/mcp");
    assert!(
        challenge.starts_with("Bearer ")
            && challenge.contains(&format!(
                "resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\""
            )),
        "{challenge}"
    );
    assert!(summary["error"].is_array(), "the SDK raised: {summary:#}");
}

/// A viewer's key: tools/list shows the viewer's tools only, and query_sql, audit_log,
/// list_accounts and revoke_api_key are refused with the permission they need.
#[test]
fn python_sdk_http_viewer_sees_only_its_tools() {
    let _done = ScenarioDone;
    python();
    let prepared = prepared();
    let server = Server::start(prepared);
    let summary = python_client(
        "2026-07-28",
        &["--url", &server.url],
        prepared,
        Expect::Viewer,
    );
    assert_eq!(
        summary["tools"],
        serde_json::json!(TOOLS[..VIEWER_TOOLS]),
        "{summary:#}"
    );
    assert_eq!(summary["whoami"]["role"], "viewer", "{summary:#}");
    for (tool, permission) in [
        ("query_sql", "sql:query"),
        ("audit_log", "audit:read"),
        ("list_accounts", "users:manage"),
        ("revoke_api_key", "users:manage"),
    ] {
        let message = summary["refused"][tool].as_str().unwrap_or("");
        assert!(
            message.contains("forbidden") && message.contains(permission),
            "{tool}: {message}\n{summary:#}"
        );
    }
    assert_eq!(summary["gsw_2015_16_record"], serde_json::json!([73, 9]));
}
