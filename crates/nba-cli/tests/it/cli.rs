//! End-to-end tests of the `nba-mcp` binary's commands: ingestion (idempotence, all or
//! nothing on a corrupted file, --skip-invalid), configuration errors and redaction, the
//! demo league on an empty store (served to an API key made with `nba-mcp keys create`), and
//! access control at the edges: the 401 challenge and RFC 9728 metadata, ENABLE_RBAC=false
//! (loopback only, loudly), and a bad NBA_MCP_API_KEY stopping `nba-mcp mcp`. Each test has
//! its own SQLite database in a temp folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nba-mcp")
}

pub(crate) fn data_dir() -> PathBuf {
    let dir = std::env::var("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    assert!(
        dir.is_dir(),
        "real NBA data folder {} is missing: set NBA_MCP_DATA_DIR",
        dir.display()
    );
    dir
}

struct Temp(PathBuf);
impl Temp {
    fn new(tag: &str) -> Temp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("nba_cli_{tag}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
    fn db(&self) -> String {
        format!("sqlite://{}/nba.db", self.0.display())
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The environment every command here gets: access control on with its defaults, no
/// stdio key, whatever the environment of the test run says.
fn clean_access_env(cmd: &mut Command) -> &mut Command {
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
        "NBA_MCP_BIND",
        "NBA_MCP_TLS_CERT",
        "NBA_MCP_TLS_KEY",
        "NBA_MCP_ALLOW_PLAIN_HTTP",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(db: &str, args: &[&str]) -> Output {
    run_env(db, args, &[])
}

fn run_env(db: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    clean_access_env(&mut cmd)
        .args(args)
        .env("DATABASE_URL", db)
        .env(
            "NBA_MCP_STATE_DIR",
            db.trim_start_matches("sqlite://")
                .trim_end_matches("/nba.db"),
        )
        .env("LOG_LEVEL", "warn")
        .env_remove("NBA_MCP_DATA_DIR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run nba-mcp")
}

/// `nba-mcp users add NAME --role ROLE` and `nba-mcp keys create NAME`: the key (the one
/// line `keys create` prints).
fn make_key(db: &str, name: &str, role: &str) -> String {
    let out = run(db, &["users", "add", name, "--role", role]);
    assert!(
        out.status.success(),
        "users add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(db, &["keys", "create", name, "--label", "cli-test"]);
    let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && key.starts_with("nba_mcp_") && !key.contains('\n'),
        "keys create printed {key:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    key
}

/// An HTTP answer: status, headers (names lower-cased) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request with curl (the test needs no HTTP client crate); `key` goes in
/// `Authorization: Bearer`; a JSON `body` makes it a POST.
fn http(url: &str, key: Option<&str>, body: Option<&str>) -> Answer {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-i", "--max-time", "30", url]);
    if let Some(key) = key {
        cmd.args(["-H", &format!("Authorization: Bearer {key}")]);
    }
    if let Some(body) = body {
        cmd.args(["-XPOST", "-H", "content-type: application/json", "-d", body]);
    }
    let out = cmd.output().expect("curl");
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

fn summary(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON summary on stdout")
}

fn games_file() -> PathBuf {
    data_dir().join("fivethirtyeight/games_1947_2022.csv.gz")
}

/// A plain-text copy of the 538 games file with line `bad_line` given a non-numeric score.
fn corrupted_copy(dir: &Path, bad_line: usize) -> PathBuf {
    let mut text = String::new();
    gunzip(&games_file(), &mut text);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[bad_line - 1].split(',').map(String::from).collect();
    cells[6] = "1O2".into(); // score1
    lines[bad_line - 1] = cells.join(",");
    let path = dir.join("games_corrupted.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(lines.join("\n").as_bytes()).unwrap();
    path
}

/// Decompresses with the system `gzip`, so the test needs no extra crate.
fn gunzip(path: &Path, out: &mut String) {
    let o = Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .expect("gzip");
    *out = String::from_utf8(o.stdout).unwrap();
}

#[test]
fn ingest_is_idempotent_and_all_or_nothing() {
    let t = Temp::new("ingest");
    let db = t.db();
    let first = summary(&run(
        &db,
        &[
            "ingest",
            "fivethirtyeight",
            games_file().to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(first["inserted"], 67_894);
    // Without --json: the same summary in a sentence.
    let said = run(
        &db,
        &["ingest", "fivethirtyeight", games_file().to_str().unwrap()],
    );
    let said = String::from_utf8_lossy(&said.stdout).to_string();
    assert!(
        said.contains(
            "67894 rows read: 0 inserted, 0 updated, 67894 unchanged, 0 skipped; 0 games new"
        ),
        "{said}"
    );
    let second = summary(&run(
        &db,
        &[
            "ingest",
            "fivethirtyeight",
            games_file().to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(
        (second["inserted"].as_u64(), second["unchanged"].as_u64()),
        (Some(0), Some(67_894))
    );

    // A corrupted copy fails with its line number and column, and changes nothing.
    let bad = corrupted_copy(&t.0, 1000);
    let out = run(&db, &["ingest", "fivethirtyeight", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("games_corrupted.csv:1000:") && err.contains("score1"),
        "{err}"
    );
    let status = run(&db, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["counts"]["games"], 67894, "{status}");

    // --skip-invalid loads the rest and lists the bad row.
    let skip = run(
        &db,
        &[
            "ingest",
            "fivethirtyeight",
            bad.to_str().unwrap(),
            "--skip-invalid",
            "--json",
        ],
    );
    let s = summary(&skip);
    assert_eq!(s["skipped"], 1);
    assert!(s["skipped_rows"][0].as_str().unwrap().contains(":1000:"));
    let human = run(
        &db,
        &[
            "ingest",
            "fivethirtyeight",
            bad.to_str().unwrap(),
            "--skip-invalid",
        ],
    );
    let said = String::from_utf8_lossy(&human.stdout);
    assert!(
        said.contains("skipped:") && said.contains(":1000:"),
        "{said}"
    );
}

#[test]
fn unknown_format_and_missing_file_are_clear_errors() {
    let t = Temp::new("errors");
    let out = run(&t.db(), &["ingest", "espn", "x.csv"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("espn") && err.contains("fivethirtyeight"),
        "{err}"
    );
    let out = run(&t.db(), &["ingest", "teams", "/nonexistent/teams.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/teams.csv"));
}

#[test]
fn config_check_redacts_and_names_bad_keys() {
    let out = Command::new(bin())
        .args(["config", "check"])
        .env("DATABASE_URL", "postgres://nba:hunter2@db.example:5432/nba")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("db.example") && !text.contains("hunter2"),
        "{text}"
    );
    let out = Command::new(bin())
        .args(["config", "check"])
        .env("NBA_MCP_BIND", "everywhere")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NBA_MCP_BIND"));
}

#[test]
fn empty_store_serves_a_labelled_demo_league() {
    let t = Temp::new("demo");
    // An account before any data: the store stays empty of games, so `serve` loads the demo.
    let key = make_key(&t.db(), "demo-viewer", "viewer");
    let server = crate::support::serve(&t.db(), &t.0, &[]);
    let url = server.url("/v1/tools/get_standings");
    let body = r#"{"season":"2025-26"}"#;
    let denied = http(&url, None, Some(body));
    assert_eq!(denied.status, 401, "{}", denied.body);
    let answer = http(&url, Some(&key), Some(body));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    assert_eq!(v["data_source"], "demo (simulated)", "{}", answer.body);
    assert_eq!(v["conferences"].as_array().map(Vec::len), Some(2));
}

/// Runs a command that must end by itself within `deadline` (a server that should have
/// refused to start would not): its output, or a panic naming what it printed.
fn output_within(mut cmd: Command, deadline: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nba-mcp");
    let end = Instant::now() + deadline;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{cmd:?} was still running after {deadline:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

fn command(t: &Temp, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin());
    clean_access_env(&mut cmd)
        .args(args)
        .env("DATABASE_URL", t.db())
        .env("NBA_MCP_STATE_DIR", &t.0)
        .env("NBA_MCP_MODEL_STORE", &t.0)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "warn")
        .env("LOG_FORMAT", "pretty")
        .env_remove("NBA_MCP_DATA_DIR")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .envs(env.iter().copied());
    cmd
}

/// Without a key every guarded route answers 401 with the RFC 9728 challenge pointing at
/// the protected resource metadata of /mcp; a wrong key adds `error="invalid_token"`;
/// probes, the OpenAPI document and the dashboard page stay public; the key opens the rest.
#[test]
fn no_key_is_401_with_a_resource_metadata_challenge() {
    let t = Temp::new("unauth");
    let key = make_key(&t.db(), "ops-viewer", "viewer");
    let server = crate::support::serve(&t.db(), &t.0, &[("NBA_MCP_AUTO_LOAD", "false")]);
    let metadata = format!(
        "resource_metadata=\"http://{}/.well-known/oauth-protected-resource/mcp\"",
        server.addr
    );
    let initialize = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    for (path, body) in [
        ("/v1/tools/get_standings", Some(r#"{"season":"2015-16"}"#)),
        ("/v1/tools", None),
        ("/metrics", None),
        ("/v1/alerts", None),
        ("/v1/ops/summary", None),
        ("/mcp", Some(initialize)),
    ] {
        let a = http(&server.url(path), None, body);
        assert_eq!(a.status, 401, "{path} without a key: {}", a.body);
        let challenge = a
            .header("www-authenticate")
            .unwrap_or_else(|| panic!("{path}: 401 without WWW-Authenticate"));
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains(&metadata),
            "{path}: WWW-Authenticate {challenge}"
        );
        assert_eq!(a.json()["error"]["code"], "unauthenticated", "{path}");
    }
    let wrong = format!("nba_mcp_{}", "Z".repeat(40));
    let a = http(&server.url("/metrics"), Some(&wrong), None);
    assert_eq!(a.status, 401, "{}", a.body);
    let challenge = a.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.contains(&metadata) && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
    assert!(
        !a.body.contains(&wrong),
        "the answer repeats the key: {}",
        a.body
    );
    for path in [
        "/live",
        "/ready",
        "/health",
        "/v1/openapi.json",
        "/dashboard",
    ] {
        let a = http(&server.url(path), None, None);
        assert_eq!(a.status, 200, "{path} is public: {}", a.body);
    }
    let a = http(&server.url("/v1/ops/summary"), Some(&key), None);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json()["totals"].is_object(), "{}", a.body);
    // A viewer lacks sql:query: 403 with the step-up challenge naming the scope.
    let a = http(
        &server.url("/v1/tools/query_sql"),
        Some(&key),
        Some(r#"{"sql":"SELECT 1"}"#),
    );
    assert_eq!(a.status, 403, "{}", a.body);
    let challenge = a.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains("scope=\"sql:query\""),
        "{challenge}"
    );
}

/// RFC 9728: the metadata of the MCP endpoint names it as the resource; the root form names
/// the server.
#[test]
fn protected_resource_metadata_names_the_mcp_endpoint() {
    let t = Temp::new("prm");
    let server = crate::support::serve(&t.db(), &t.0, &[("NBA_MCP_AUTO_LOAD", "false")]);
    let a = http(
        &server.url("/.well-known/oauth-protected-resource/mcp"),
        None,
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        a.headers
    );
    let doc = a.json();
    let resource = doc["resource"].as_str().unwrap_or("");
    assert!(resource.ends_with("/mcp"), "resource {resource}");
    assert_eq!(resource, server.url("/mcp"));
    assert_eq!(
        doc["bearer_methods_supported"],
        serde_json::json!(["header"])
    );
    let scopes = doc["scopes_supported"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for scope in ["data:read", "sql:query", "users:manage"] {
        assert!(scopes.iter().any(|s| s == scope), "{scope} in {doc}");
    }
    let root = http(
        &server.url("/.well-known/oauth-protected-resource"),
        None,
        None,
    )
    .json();
    assert_eq!(root["resource"], server.url(""), "{root}");
}

/// ENABLE_RBAC=false on loopback: served without keys, every caller an anonymous admin,
/// and the server says so on stderr before it listens, even with the log level at error.
#[test]
fn rbac_disabled_serves_loopback_and_warns_loudly() {
    let t = Temp::new("norbac");
    let server = crate::support::serve(
        &t.db(),
        &t.0,
        &[
            ("ENABLE_RBAC", "false"),
            ("NBA_MCP_AUTO_LOAD", "false"),
            ("LOG_LEVEL", "error"),
        ],
    );
    let warning = server
        .said
        .iter()
        .find(|l| l.starts_with("WARNING: RBAC IS DISABLED"))
        .unwrap_or_else(|| panic!("no warning on stderr:\n{}", server.said.join("\n")));
    assert!(warning.contains("ENABLE_RBAC=false"), "{warning}");
    assert!(warning.contains("anonymous admin"), "{warning}");
    let a = http(&server.url("/v1/tools/whoami"), None, Some("{}"));
    assert_eq!(a.status, 200, "{}", a.body);
    let me = a.json();
    assert_eq!(me["rbac_enabled"], false, "{me}");
    assert_eq!(me["auth_method"], "rbac_disabled", "{me}");
    assert_eq!(me["role"], "admin", "{me}");
    let a = http(&server.url("/v1/ops/summary"), None, None);
    assert_eq!(a.status, 200, "{}", a.body);
}

/// ENABLE_RBAC=false anywhere but loopback: `serve` refuses to start, naming the setting.
#[test]
fn rbac_disabled_refuses_a_non_loopback_bind() {
    let t = Temp::new("norbac_public");
    for extra in [&[][..], &[("NBA_MCP_ALLOW_PLAIN_HTTP", "true")][..]] {
        let mut env = vec![("ENABLE_RBAC", "false")];
        env.extend_from_slice(extra);
        let out = output_within(
            command(&t, &["serve", "--bind", "0.0.0.0:0"], &env),
            Duration::from_secs(60),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "served with {env:?}: {err}");
        assert!(err.contains("ENABLE_RBAC"), "{env:?}: {err}");
        assert!(!err.contains("listening"), "{env:?}: {err}");
    }
}

/// ENABLE_RBAC=false on a public address is refused with TLS too: a certificate does not
/// make an unauthenticated admin endpoint safe to expose.
#[test]
fn rbac_disabled_refuses_a_non_loopback_bind_with_tls_too() {
    let t = Temp::new("norbac_tls");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
    let (cert, key) = (t.0.join("c.pem"), t.0.join("k.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let out = output_within(
        command(
            &t,
            &[
                "serve",
                "--bind",
                "0.0.0.0:0",
                "--tls-cert",
                cert.to_str().unwrap(),
                "--tls-key",
                key.to_str().unwrap(),
            ],
            &[("ENABLE_RBAC", "false")],
        ),
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("ENABLE_RBAC"),
        "{err}"
    );
}

/// `nba-mcp mcp` runs as the principal of NBA_MCP_API_KEY: an unknown, malformed or revoked
/// key stops it at once with a message naming the variable (and never the key); a valid one
/// serves (and ends when stdin closes).
#[test]
fn mcp_stops_on_a_bad_api_key() {
    let t = Temp::new("stdio_key");
    let good = make_key(&t.db(), "stdio-analyst", "data_scientist");
    let out = run(&t.db(), &["keys", "create", "stdio-analyst", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let revoked = created["key"].as_str().expect("key").to_string();
    let key_id = created["key_id"].as_str().expect("key_id");
    let out = run(&t.db(), &["keys", "revoke", key_id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unknown = format!("nba_mcp_{}", "Q".repeat(40));
    for (what, key, says) in [
        ("unknown", unknown.as_str(), "not valid"),
        ("malformed", "not-a-key", "NBA_MCP_API_KEY"),
        ("revoked", revoked.as_str(), "revoked"),
    ] {
        let out = output_within(
            command(&t, &["mcp"], &[("NBA_MCP_API_KEY", key)]),
            Duration::from_secs(60),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what} key: mcp exited 0: {err}");
        assert!(
            err.contains("NBA_MCP_API_KEY") && err.contains(says),
            "{what} key: {err}"
        );
        assert!(
            !err.contains(key),
            "{what} key: the message shows the key: {err}"
        );
        assert!(out.stdout.is_empty(), "{what} key: stdout {:?}", out.stdout);
    }
    let out = output_within(
        command(&t, &["mcp"], &[("NBA_MCP_API_KEY", &good)]),
        Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "a valid key: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A user error (a file that does not exist) is one message with its causes and exit code 1,
/// without a stack trace even when `RUST_BACKTRACE=1` is set (as many Rust users have it).
#[test]
fn a_user_error_is_a_message_without_a_backtrace() {
    let t = Temp::new("user_error");
    let out = run_env(
        &t.db(),
        &["ingest", "fivethirtyeight", "no_such_file.csv.gz"],
        &[("RUST_BACKTRACE", "1")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(last.starts_with("nba-mcp: error: "), "{stderr}");
    assert!(last.contains("no_such_file.csv.gz"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
}

/// `models` on a store with no model: `list` says how to train one, `rollback` and
/// `promote` fail naming what is missing, and nothing is written.
#[test]
fn models_commands_on_an_empty_model_store_say_what_is_missing() {
    let t = Temp::new("models_empty");
    let list = run(&t.db(), &["models", "list"]);
    assert!(list.status.success());
    assert!(String::from_utf8_lossy(&list.stdout).is_empty());
    assert!(String::from_utf8_lossy(&list.stderr).contains("nba-mcp train"));
    let back = run(&t.db(), &["models", "rollback"]);
    assert_eq!(back.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&back.stderr);
    assert!(
        stderr.contains("alias 'champion' points at no model"),
        "{stderr}"
    );
    let promote = run(&t.db(), &["models", "promote", "nba-logit@nope"]);
    assert_eq!(promote.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&promote.stderr);
    assert!(stderr.contains("nba-logit@nope"), "{stderr}");
    assert!(!t.0.join("aliases.json").exists());
}

/// `completions SHELL` prints a completion script naming the subcommands, without reading
/// any configuration or store; an unknown shell is refused with the valid ones listed.
#[test]
fn completions_are_printed_for_each_shell_without_a_store() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(bin())
            .args(["completions", shell])
            .env("DATABASE_URL", "not a url")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["nba-mcp", "backup", "completions", "--json"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let out = Command::new(bin())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("tcsh") && e.contains("bash"), "{e}");
}

/// `reset` lists the loaded data and removes nothing without `--yes`; with it the data is
/// gone, the accounts stay, the audit log records it, and the store takes new data.
#[test]
fn reset_lists_then_removes_the_loaded_data_only_with_yes() {
    let t = Temp::new("reset");
    let file = data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    let file = file.display().to_string();
    assert!(run(&t.db(), &["ingest", "fivethirtyeight", &file])
        .status
        .success());
    assert!(run(&t.db(), &["users", "add", "ana", "--role", "viewer"])
        .status
        .success());
    let listed = run(&t.db(), &["reset"]);
    assert_eq!(listed.status.code(), Some(1));
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(
        out.contains("holds real data") && out.contains("games"),
        "{out}"
    );
    let e = String::from_utf8_lossy(&listed.stderr);
    assert!(e.contains("nothing removed") && e.contains("--yes"), "{e}");

    let done = run(&t.db(), &["reset", "--yes"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(out.contains("removed the real data"), "{out}");
    let check: serde_json::Value =
        serde_json::from_slice(&run(&t.db(), &["db", "check", "--json"]).stdout).unwrap();
    let rows = |table: &str| {
        check["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap()["rows"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(rows("games"), 0);
    assert_eq!(rows("ingest_runs"), 0);
    assert_eq!(rows("principals"), 1, "the account stays");
    let audit = String::from_utf8_lossy(&run(&t.db(), &["audit", "export"]).stdout).to_string();
    assert!(audit.contains("data:reset"), "{audit}");
    assert!(run(&t.db(), &["ingest", "fivethirtyeight", &file])
        .status
        .success());
}

/// `mcp` started with a relative state folder (as a desktop host's configuration may give
/// it) warns on stderr where that resolves, and still serves (stdin at EOF ends it).
#[test]
fn mcp_with_a_relative_state_folder_warns_where_it_resolves() {
    let t = Temp::new("relative_state");
    let mut cmd = Command::new(bin());
    clean_access_env(&mut cmd)
        .arg("mcp")
        .current_dir(&t.0)
        .env("NBA_MCP_STATE_DIR", "state")
        .env("DATABASE_URL", "sqlite://state/nba.db")
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("mcp did not end at EOF on stdin");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut said = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
    let resolved = t.0.join("state").display().to_string();
    assert!(
        said.contains("is the relative path state") && said.contains(&resolved),
        "{said}"
    );
}
