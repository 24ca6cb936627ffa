//! The documents' shell commands, executed: every fenced block marked `runbook=NAME` (in
//! README.md, SECURITY.md, OPERATIONS_GUIDE.md, INCIDENT_RESPONSE.md) is run as written, its
//! placeholders filled, by `bash -euo pipefail`, with the built `nba-mcp` first on the PATH and
//! the runbooks' variables (`NBA`, `KEY`, `DATABASE_URL`, `NBA_MCP_STATE_DIR`,
//! `NBA_MCP_BACKUP_DIR`, `NBA_MCP_BACKUP_KEY_FILE`) naming a real site in the situation the
//! runbook is for. The restore and failover runbooks run in the drills (`drills.rs`), the
//! README's and SECURITY.md's blocks in `docs.rs`, the other runbooks here. A shell block
//! neither run nor marked `not-run="REASON"`, or a block no test names, fails
//! [`every_runbook_block_is_run_by_a_test`].

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::backup_cli::{get, tool};
use crate::drills::Site;
use crate::support::CLEAN;
use nba_testkit::poll_until;

/// The documents whose shell blocks are checked: every ```sh (bash, shell, console) block in
/// them is marked `runbook=NAME` (run by a test) or `not-run="REASON"`.
pub(crate) const DOCS: &[(&str, &str)] = &[
    ("README.md", include_str!("../../../../README.md")),
    ("SECURITY.md", include_str!("../../../../SECURITY.md")),
    (
        "OPERATIONS_GUIDE.md",
        include_str!("../../../../OPERATIONS_GUIDE.md"),
    ),
    (
        "INCIDENT_RESPONSE.md",
        include_str!("../../../../INCIDENT_RESPONSE.md"),
    ),
];

const SHELLS: &[&str] = &["sh", "bash", "shell", "console"];

/// One shell block of a document.
struct Block {
    /// `DOC:LINE` of its opening fence.
    at: String,
    /// Its `runbook=` name.
    name: Option<String>,
    /// Its `not-run=` reason.
    reason: Option<String>,
    /// The script, its common indentation removed.
    script: String,
}

/// Every shell block of the documents.
fn shell_blocks() -> Vec<Block> {
    let mut out = Vec::new();
    for (doc, text) in DOCS {
        let mut open: Option<(Block, Vec<&str>)> = None;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            match &mut open {
                None => {
                    let Some(info) = t.strip_prefix("```") else {
                        continue;
                    };
                    let (lang, rest) = info.split_once(' ').unwrap_or((info, ""));
                    if !SHELLS.contains(&lang) {
                        continue;
                    }
                    let rest = rest.trim();
                    let block = Block {
                        at: format!("{doc}:{}", n + 1),
                        name: rest.strip_prefix("runbook=").map(|n| n.trim().to_string()),
                        reason: rest
                            .strip_prefix("not-run=")
                            .map(|r| r.trim().trim_matches('"').to_string()),
                        script: String::new(),
                    };
                    open = Some((block, Vec::new()));
                }
                Some((_, lines)) if t != "```" => lines.push(line),
                Some(_) => {
                    let (mut block, lines) = open.take().unwrap();
                    let indent = lines
                        .iter()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| l.len() - l.trim_start().len())
                        .min()
                        .unwrap_or(0);
                    let script: Vec<&str> = lines
                        .iter()
                        .map(|l| l.get(indent..).unwrap_or(""))
                        .collect();
                    block.script = script.join("\n");
                    out.push(block);
                }
            }
        }
        assert!(open.is_none(), "a shell block of {doc} is not closed");
    }
    out
}

/// The `runbook=` blocks by name.
fn blocks() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for b in shell_blocks() {
        if let Some(name) = b.name {
            assert!(
                out.insert(name.clone(), b.script).is_none(),
                "runbook block {name} appears twice (again at {})",
                b.at
            );
        }
    }
    out
}

/// What a runbook block runs against.
pub(crate) struct On<'a> {
    pub site: &'a Site,
    /// The server's address (`host:port`), if one is running.
    pub addr: Option<&'a str>,
    pub key: &'a str,
    pub dest: &'a str,
}

/// Runs runbook block `name` against `on`; its stdout and stderr. Panics, showing both,
/// when a command in it fails.
pub(crate) fn run(name: &str, on: &On) -> String {
    run_with(name, on, &[], None)
}

/// [`run`] with the block's placeholders replaced (`fill`: text -> value, in order) and in
/// folder `cwd` (default the test's).
pub(crate) fn run_with(
    name: &str,
    on: &On,
    fill: &[(&str, &str)],
    cwd: Option<&std::path::Path>,
) -> String {
    let mut script = blocks()
        .remove(name)
        .unwrap_or_else(|| panic!("no document has a block runbook={name}"));
    for (from, to) in fill {
        assert!(script.contains(from), "runbook={name} has no {from}");
        script = script.replace(from, to);
    }
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_nba-mcp"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("bash");
    for v in CLEAN {
        c.env_remove(v);
    }
    if let Some(dir) = cwd {
        c.current_dir(dir);
    }
    c.args(["-euo", "pipefail", "-c", &script])
        .env("PATH", path)
        .env("DATABASE_URL", &on.site.db)
        .env("NBA_MCP_STATE_DIR", &on.site.dir.0)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "warn")
        .env("LOG_FORMAT", "pretty")
        .env(
            "NBA",
            format!("http://{}", on.addr.unwrap_or("127.0.0.1:9")),
        )
        .env("KEY", on.key)
        .env("NBA_MCP_BACKUP_DIR", on.dest)
        .env("NBA_MCP_BACKUP_KEY_FILE", on.site.key_file());
    let out = c.output().expect("bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "runbook={name} failed ({}):\n{script}\n---\n{text}",
        out.status
    );
    eprintln!("runbook={name}:\n{text}");
    text
}

/// Every shell block of the documents is run by a test or says why not; every `runbook=`
/// block is named by a test of this crate, and every name a test runs is in a document.
#[test]
fn every_runbook_block_is_run_by_a_test() {
    let unmarked: Vec<String> = shell_blocks()
        .into_iter()
        .filter(|b| b.name.is_none() && b.reason.as_deref().is_none_or(str::is_empty))
        .map(|b| b.at)
        .collect();
    assert!(
        unmarked.is_empty(),
        "shell blocks neither runbook=NAME nor not-run=\"REASON\": {unmarked:?}"
    );
    let tests = [
        include_str!("drills.rs"),
        include_str!("runbooks.rs"),
        include_str!("docs.rs"),
    ]
    .concat();
    let names = blocks();
    assert!(names.len() >= 10, "{:?}", names.keys());
    for name in names.keys() {
        assert!(
            tests.contains(&format!("\"{name}\"")),
            "no test runs runbook={name}"
        );
    }
    for (i, m) in tests
        .match_indices("run(\"")
        .chain(tests.match_indices("run_with(\""))
    {
        let rest = &tests[i + m.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(
            names.contains_key(name),
            "tests run runbook={name}, which the guide lacks"
        );
    }
}

fn health(addr: &str, key: &str, component: &str) -> Value {
    serde_json::from_str(&get(addr, key, &format!("/health/{component}"))).unwrap_or_default()
}

/// Backup stale, database maintenance and cache management on a serving SQLite site: the
/// check beside the server; a failed scheduled backup fixed by hand; the optimize with the
/// server stopped; a hand-made SQL change whose cached answer goes away after the flush.
#[test]
fn maintenance_backup_and_cache_runbooks_work_as_written() {
    let site = Site::sqlite("runbook_maint");
    let dest = site.dir.0.join("backups").display().to_string();
    let key = site.admin_and_backup_key();
    // A destination that cannot be written: the scheduled backup fails.
    let blocked = site.dir.0.join("blocked");
    std::fs::write(&blocked, "a file, not a folder").unwrap();
    let blocked = blocked.join("backups").display().to_string();
    let server = site.serve(&blocked);
    let addr = server.addr.clone();
    let on = On {
        site: &site,
        addr: Some(&addr),
        key: &key,
        dest: &dest,
    };
    poll_until(
        Duration::from_secs(30),
        "the failed backup reported",
        || (health(&addr, &key, "backup")["status"] == "degraded").then_some(()),
    );
    let said = run("backup-stale/check", &on);
    assert!(said.contains("failed"), "{said}");
    let said = run("backup-stale/fix", &on);
    assert!(said.contains("verifies"), "{said}");

    let said = run("maintenance/check", &on);
    assert!(
        said.contains("database OK") && said.contains("audit log OK"),
        "{said}"
    );

    // A cached answer, then a change made by hand in SQL: the cache answers the old one
    // until the flush.
    let season = super::cli::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    site.ok(&["ingest", "fivethirtyeight", &season.display().to_string()]);
    let games = || {
        let (status, a) = tool(
            &addr,
            &key,
            "get_games",
            r#"{"season":"2021-22","limit":1}"#,
        );
        assert_eq!(status, 200, "{a}");
        a.to_string()
    };
    // The server reads the data version at most once a second, on a request: past that, the
    // next answer is computed from the loaded season and cached under the new version.
    std::thread::sleep(Duration::from_millis(1500));
    let before = games();
    assert!(before.contains("2022-06"), "{before}");
    let inspected = run("cache/inspect", &on);
    assert!(
        inspected.contains("nba_mcp_cache_requests_total"),
        "{inspected}"
    );
    // The season's last game (an unplayed game 7 in the file) given a result by hand.
    site.sql(
        "UPDATE games SET home_score = 101, away_score = 99 \
         WHERE id = (SELECT id FROM games ORDER BY date DESC, id DESC LIMIT 1)",
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        games(),
        before,
        "a hand-made change is not seen before the flush"
    );
    run("cache/flush", &on);
    poll_until(Duration::from_secs(10), "the flushed answer", || {
        (games() != before).then_some(())
    });
    let status = site.ok(&["status"]);
    assert!(status.contains("cache-flush"), "{status}");

    super::drills::stop(server);
    let said = run("maintenance/optimize", &On { addr: None, ..on });
    assert!(said.contains("optimized the sqlite database"), "{said}");
    assert!(said.contains("database OK"), "{said}");
}

/// Model rollback and model restore on a serving site with two trained versions: the
/// rollback is served without a restart; an artifact damaged in the model store shows in the
/// `model` health component and is written back from the newest backup while the server
/// keeps serving.
#[test]
fn model_rollback_and_model_restore_runbooks_work_as_written() {
    let site = Site::sqlite("runbook_models");
    let dest = site.dir.0.join("backups").display().to_string();
    let key = site.admin_and_backup_key();
    let data = super::cli::data_dir().join("fivethirtyeight");
    for year in ["2021", "2022"] {
        let file = data.join(format!("nba_elo_latest_{year}.csv"));
        site.ok(&["ingest", "fivethirtyeight", &file.display().to_string()]);
    }
    // `train` prints the new model as JSON.
    let version = |said: String| -> String {
        let m: Value = serde_json::from_str(&said).unwrap_or_else(|e| panic!("{e}: {said}"));
        format!(
            "{}@{}",
            m["name"].as_str().unwrap(),
            m["version"].as_str().unwrap()
        )
    };
    let first = version(site.ok(&[
        "train",
        "--seasons",
        "2021-2022",
        "--alias",
        "champion",
        "--json",
    ]));
    let second = version(site.ok(&[
        "train",
        "--seasons",
        "2022",
        "--alias",
        "champion",
        "--json",
    ]));
    assert_ne!(first, second);
    site.ok(&[
        "backup",
        "create",
        "--to",
        &dest,
        "--key-file",
        &site.key_file(),
    ]);

    let server = site.serve(&dest);
    let addr = server.addr.clone();
    let on = On {
        site: &site,
        addr: Some(&addr),
        key: &key,
        dest: &dest,
    };
    let serving = |v: &str| {
        let v = v.to_string();
        let (addr, key) = (&addr, &key);
        move || {
            let h = health(addr, key, "model");
            (h["status"] == "healthy"
                && h["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("serving {v} ")))
            .then_some(h)
        }
    };
    poll_until(
        Duration::from_secs(60),
        "the newest model served",
        serving(&second),
    );

    let said = run("model-rollback/rollback", &on);
    assert!(said.contains(&first), "{said}");
    poll_until(
        Duration::from_secs(20),
        "the rolled-back model served",
        serving(&first),
    );
    let said = run("model-rollback/serving", &on);
    assert!(said.contains(&format!("serving {first}")), "{said}");

    // The deployment runbook: a canary of the other version, its metrics, a step forward
    // and a stop; the alias never moves.
    let said = run_with(
        "model-deploy/canary",
        &on,
        &[("nba-logit@<version>", &second)],
        None,
    );
    assert!(
        said.contains("running") && said.contains(&second) && said.contains("passed"),
        "{said}"
    );
    let said = run("model-deploy/metrics", &on);
    assert!(
        said.contains("nba_mcp_rollout_share_basis_points 500"),
        "{said}"
    );
    let said = run("model-deploy/advance", &on);
    assert!(said.contains("advanced") && said.contains("10 %"), "{said}");
    let said = run("model-deploy/stop", &on);
    assert!(
        said.contains("stopped") && said.contains("p99 above the SLO"),
        "{said}"
    );
    assert!(health(&addr, &key, "model")["message"]
        .as_str()
        .unwrap_or("")
        .contains(&format!("serving {first} ")));
    // The command line reads the same roll-outs, and starts one the server then serves.
    let said = site.ok(&["rollout", "status"]);
    assert!(
        said.contains("stopped") && said.contains("p99 above the SLO"),
        "{said}"
    );
    let said = site.ok(&["rollout", "start", &second, "--mode", "shadow"]);
    assert!(
        said.contains("\"shadow\"") && said.contains("running"),
        "{said}"
    );
    poll_until(
        Duration::from_secs(20),
        "the server serves the shadow",
        || {
            let h = health(&addr, &key, "rollout");
            h["message"]
                .as_str()
                .is_some_and(|m| m.contains("running: shadow"))
                .then_some(h)
        },
    );
    let said = site.ok(&["rollout", "stop", "--reason", "checked"]);
    assert!(said.contains("stopped by cli: checked"), "{said}");

    // The served artifact damaged in the model store: the health check says so, the loaded
    // copy keeps serving.
    let (name, ver) = first.split_once('@').unwrap();
    let artifact = site.dir.0.join(format!("models/{name}/{ver}.json"));
    assert!(artifact.is_file(), "{}", artifact.display());
    std::fs::write(&artifact, b"{\"damaged\": true}").unwrap();
    poll_until(
        Duration::from_secs(20),
        "the damaged artifact noticed",
        || (health(&addr, &key, "model")["status"] == "unhealthy").then_some(()),
    );
    let predict = r#"{"home":"BOS","away":"LAL","date":"2022-06-01"}"#;
    let (status, answer) = tool(&addr, &key, "predict_game", predict);
    assert_eq!(status, 200, "the loaded model keeps serving: {answer}");

    let said = run("model-restore/restore", &on);
    assert!(said.contains("1 restored"), "{said}");
    poll_until(
        Duration::from_secs(20),
        "the restored artifact verified",
        serving(&first),
    );
    let (status, answer) = tool(&addr, &key, "predict_game", predict);
    assert_eq!(status, 200, "{answer}");
    super::drills::stop(server);
}
