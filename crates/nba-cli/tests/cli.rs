//! End-to-end tests of the `nba-mcp` binary's commands: ingestion (idempotence, all or
//! nothing on a corrupted file, --skip-invalid), configuration errors and redaction, and the
//! demo league on an empty store. Each test has its own SQLite database in a temp folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nba-mcp")
}

fn data_dir() -> PathBuf {
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

fn run(db: &str, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("DATABASE_URL", db)
        .env(
            "NBA_MCP_STATE_DIR",
            db.trim_start_matches("sqlite://")
                .trim_end_matches("/nba.db"),
        )
        .env("LOG_LEVEL", "warn")
        .env_remove("NBA_MCP_DATA_DIR")
        .output()
        .expect("run nba-mcp")
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
        &["ingest", "fivethirtyeight", games_file().to_str().unwrap()],
    ));
    assert_eq!(first["inserted"], 67_894);
    let second = summary(&run(
        &db,
        &["ingest", "fivethirtyeight", games_file().to_str().unwrap()],
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
    let status = run(&db, &["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("\"games\": 67894"), "{text}");

    // --skip-invalid loads the rest and lists the bad row.
    let skip = run(
        &db,
        &[
            "ingest",
            "fivethirtyeight",
            bad.to_str().unwrap(),
            "--skip-invalid",
        ],
    );
    let s = summary(&skip);
    assert_eq!(s["skipped"], 1);
    assert!(s["skipped_rows"][0].as_str().unwrap().contains(":1000:"));
    assert!(String::from_utf8_lossy(&skip.stderr).contains("skipped:"));
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
    let mut child = Command::new(bin())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", t.db())
        .env("NBA_MCP_STATE_DIR", &t.0)
        .env("LOG_LEVEL", "warn")
        .env_remove("NBA_MCP_DATA_DIR")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(i) = line.find("listening on http://") {
                let addr: String = line[i + 20..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server address");
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let out = Command::new("curl")
            .args([
                "-s",
                "-XPOST",
                &format!("http://{addr}/v1/tools/get_standings"),
                "-H",
                "content-type: application/json",
                "-d",
                r#"{"season":"2025-26"}"#,
            ])
            .output()
            .unwrap();
        if out.status.success() && !out.stdout.is_empty() {
            break String::from_utf8(out.stdout).unwrap();
        }
        assert!(Instant::now() < deadline, "server did not answer");
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}"));
    assert_eq!(v["data_source"], "demo (simulated)", "{body}");
    assert_eq!(v["conferences"].as_array().map(Vec::len), Some(2));
}
