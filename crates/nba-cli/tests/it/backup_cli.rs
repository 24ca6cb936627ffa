//! `nba-mcp backup` end to end: a backup taken while the server serves, a restore refused
//! while it runs, and after it stops a restore that brings back accounts, keys and the
//! audit chain so the same key works again.

use std::process::Command;

use std::time::Duration;

use nba_testkit::poll_until;

use super::access_cli::{serve, Temp};

pub(super) fn call(addr: &str, key: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args(["-H", "content-type: application/json"])
        .args(["--data", "{\"player\": {\"pts\": 20, \"fga\": 10}}"])
        .arg(format!("http://{addr}/v1/tools/compute_metrics"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn restore(t: &Temp, id: &str, out: &str, key_file: &str, replace: bool, ok: bool) -> String {
    let mut args = vec![
        "backup",
        "restore",
        id,
        "--from",
        out,
        "--key-file",
        key_file,
    ];
    if replace {
        args.push("--replace");
    }
    if ok {
        t.ok(&args)
    } else {
        t.fails(&args)
    }
}

/// Stops a server with SIGTERM; it must exit cleanly.
pub(super) fn stop(mut server: std::process::Child) {
    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(server.wait().unwrap().success());
}

#[test]
fn a_backup_taken_while_serving_restores_accounts_keys_and_the_audit_chain() {
    let t = Temp::new("backup");
    let out = t.0.join("backups").display().to_string();
    let key_file = t.0.join("backup.key").display().to_string();
    t.ok(&["users", "add", "ana", "--role", "viewer"]);
    let key = t.ok(&["keys", "create", "ana"]).trim().to_string();
    let said = t.ok(&["backup", "keygen", "--out", &key_file]);
    assert!(said.contains("fingerprint"), "{said}");
    let e = t.fails(&["backup", "keygen", "--out", &key_file]);
    assert!(e.contains("exists"), "keygen never overwrites a key: {e}");
    let e = t.fails(&["backup", "create", "--to", &out]);
    assert!(
        e.contains("--key-file") && e.contains("--no-encryption"),
        "{e}"
    );

    let (server, addr, _) = serve(&t, &[("NBA_MCP_RATE_LIMIT_PER_S", "0")]);
    for i in 0..10 {
        assert_eq!(call(&addr, &key), "200", "call {i}");
    }
    // Taken under load: requests keep being served and audited meanwhile.
    let load = {
        let (addr, key) = (addr.clone(), key.clone());
        std::thread::spawn(move || (0..30).all(|_| call(&addr, &key) == "200"))
    };
    let made = t.ok(&[
        "backup",
        "create",
        "--to",
        &out,
        "--key-file",
        &key_file,
        "--json",
    ]);
    assert!(load.join().unwrap(), "requests failed during the backup");
    let manifest: serde_json::Value = serde_json::from_str(&made).unwrap();
    let id = manifest["id"].as_str().unwrap().to_string();
    assert!(manifest["key_fingerprint"].is_string());
    assert!(
        !made.contains(std::fs::read_to_string(&key_file).unwrap().trim()),
        "the key is never in the manifest"
    );
    let listed = t.ok(&["backup", "list", "--from", &out]);
    assert!(listed.contains(&id), "{listed}");
    let verified = t.ok(&[
        "backup",
        "verify",
        &id,
        "--from",
        &out,
        "--key-file",
        &key_file,
    ]);
    assert!(verified.contains("verifies"), "{verified}");

    let e = restore(&t, &id, &out, &key_file, false, false);
    assert!(e.contains("holds data") && e.contains("--replace"), "{e}");
    let e = restore(&t, &id, &out, &key_file, true, false);
    assert!(
        e.contains("in use"),
        "a running server's store is not replaced: {e}"
    );
    stop(server);

    // Another account made after the backup is gone after the restore.
    t.ok(&["users", "add", "late", "--role", "viewer"]);
    let done = restore(&t, &id, &out, &key_file, true, true);
    assert!(
        done.contains("restored backup") && done.contains("kept as"),
        "{done}"
    );
    let users = t.ok(&["users", "list"]);
    assert!(users.contains("ana") && !users.contains("late"), "{users}");
    let verify = t.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");

    let (server, addr, _) = serve(&t, &[("NBA_MCP_RATE_LIMIT_PER_S", "0")]);
    assert_eq!(call(&addr, &key), "200", "the restored key works");
    stop(server);
    let verify = t.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");
}

/// `nba-mcp` over the database at `url` (state and models in `t`), not yet run.
fn nba(t: &Temp, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nba-mcp"));
    c.args(args)
        .env("DATABASE_URL", url)
        .env("NBA_MCP_STATE_DIR", &t.0)
        .env("NBA_MCP_MODEL_STORE", &t.0)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "error")
        .env_remove("NBA_MCP_BACKUP_KEY_FILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

/// Starts `args`, kills it with SIGKILL after `after`; whether it had finished by then.
fn killed_after(mut c: Command, after: std::time::Duration) -> bool {
    let mut child = c.spawn().expect("start nba-mcp");
    std::thread::sleep(after);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    finished
}

/// kill -9 at several points of a backup and of a restore: no half-written backup is ever
/// listed, the restore target is either absent or whole, and the next run succeeds.
#[test]
fn killed_backups_and_restores_leave_nothing_half_written() {
    let t = Temp::new("backup_kill");
    let db = format!("sqlite://{}/nba.db", t.0.display());
    t.ok(&["users", "add", "ana", "--role", "viewer"]);
    const ROWS: i64 = 200_000;
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = nba_store::Store::open(&nba_store::StoreOptions::new(db.clone()))
            .await
            .unwrap();
        sqlx::query(&format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS}) \
             INSERT INTO prediction_log (created_at, request_id, model_name, model_version, game_date, \
             home_id, away_id, neutral, features, prob_home, margin) \
             SELECT '2026-01-01T00:00:00Z', 'r' || x, 'm', '1', '2026-01-02', 1, 2, 0, \
             '{{\"x\":' || x || '}}', 0.5, 1.0 FROM c"
        ))
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
    });
    let out = t.0.join("backups").display().to_string();
    let listed = || -> Vec<serde_json::Value> {
        let o = nba(&t, &db, &["backup", "list", "--from", &out, "--json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).unwrap()
    };
    let mut interrupted = 0;
    for ms in [30, 150, 400, 900] {
        let c = nba(
            &t,
            &db,
            &["backup", "create", "--to", &out, "--no-encryption"],
        );
        if !killed_after(c, std::time::Duration::from_millis(ms)) {
            interrupted += 1;
        }
        for m in listed() {
            let id = m["id"].as_str().unwrap();
            let v = nba(&t, &db, &["backup", "verify", id, "--from", &out])
                .output()
                .unwrap();
            assert!(
                v.status.success(),
                "a listed backup verifies after kill -9 at {ms} ms"
            );
        }
    }
    assert!(
        interrupted > 0,
        "no backup was interrupted: the store is too small for this test"
    );
    let made = nba(
        &t,
        &db,
        &[
            "backup",
            "create",
            "--to",
            &out,
            "--no-encryption",
            "--json",
        ],
    )
    .output()
    .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = serde_json::from_slice::<serde_json::Value>(&made.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let target = t.0.join("restored.db");
    let url = format!("sqlite://{}", target.display());
    let mut interrupted = 0;
    for ms in [30, 150, 400, 900, 1500] {
        let c = nba(&t, &url, &["backup", "restore", &id, "--from", &out]);
        let finished = killed_after(c, std::time::Duration::from_millis(ms));
        if finished {
            break;
        }
        interrupted += 1;
        if target.exists() {
            // Killed after the switch: the store there must be whole (checked below).
            break;
        }
    }
    assert!(interrupted > 0, "no restore was interrupted");
    if !target.exists() {
        let r = nba(&t, &url, &["backup", "restore", &id, "--from", &out])
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let status = nba(&t, &url, &["status"]).output().unwrap();
    assert!(status.status.success());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = nba_store::Store::open(&nba_store::StoreOptions::new(url.clone()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prediction_log")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, ROWS);
        store.close().await;
    });
}

pub(super) fn get(addr: &str, key: &str, path: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {key}")])
        .arg(format!("http://{addr}{path}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// With NBA_MCP_BACKUP_DIR the server takes a backup at start-up (none is newer than the
/// interval), reports it in `/health` and `/metrics`, and the backup verifies.
#[test]
fn the_server_takes_scheduled_backups_and_reports_them() {
    let t = Temp::new("backup_sched");
    let dir = t.0.join("scheduled").display().to_string();
    scheduled(&t, &dir);
}

/// The same with the backups on the S3 API (a real S3 server on loopback), and the whole
/// CLI cycle there: list, verify, restore into a fresh store.
#[test]
fn scheduled_backups_go_to_s3_and_restore_from_there() {
    let s3 = nba_testkit::s3::S3Server::start();
    // The commands this test runs inherit these (each test is a process of its own).
    for (k, v) in s3.env() {
        std::env::set_var(k, v);
    }
    let t = Temp::new("backup_s3");
    let dest = format!("s3://{}/nba/scheduled", s3.bucket("sched"));
    let (id, key_file) = scheduled(&t, &dest);
    let fresh = Temp::new("backup_s3_restore");
    let out = fresh.ok(&[
        "backup",
        "restore",
        &id,
        "--from",
        &dest,
        "--key-file",
        &key_file,
        "--json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["id"], id.as_str(), "{r}");
    let users = fresh.ok(&["users", "list"]);
    assert!(
        users.contains("op"),
        "the restored store has the account: {users}"
    );
    let verify = fresh.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");
}

/// An admin `op` with a key, and a backup key file in `t`: (API key, key file).
pub(super) fn admin_and_backup_key(t: &Temp) -> (String, String) {
    let key_file = t.0.join("backup.key").display().to_string();
    t.ok(&["users", "add", "op", "--role", "admin"]);
    let key = t.ok(&["keys", "create", "op"]).trim().to_string();
    t.ok(&["backup", "keygen", "--out", &key_file]);
    (key, key_file)
}

/// Runs a server with scheduled backups to `dir`; returns the backup's id and key file.
fn scheduled(t: &Temp, dir: &str) -> (String, String) {
    let dir = dir.to_string();
    let (key, key_file) = admin_and_backup_key(t);
    let env = [
        ("NBA_MCP_BACKUP_DIR", dir.as_str()),
        ("NBA_MCP_BACKUP_KEY_FILE", key_file.as_str()),
        ("NBA_MCP_BACKUP_INTERVAL_S", "3600"),
        ("NBA_MCP_HEALTH_INTERVAL_S", "1"),
    ];
    let (server, addr, _) = serve(t, &env);
    let health = poll_until(
        Duration::from_secs(60),
        "a scheduled backup reported",
        || {
            let h: serde_json::Value =
                serde_json::from_str(&get(&addr, &key, "/health")).unwrap_or_default();
            h["components"]["backup"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("newest good backup"))
                .then_some(h)
        },
    );
    assert_eq!(
        health["components"]["backup"]["status"], "healthy",
        "{health}"
    );
    let metrics = get(&addr, &key, "/metrics");
    let last = metrics
        .lines()
        .find(|l| l.starts_with("nba_mcp_backup_last_success_timestamp_seconds "))
        .unwrap_or_else(|| panic!("no backup metric in:\n{metrics}"));
    let at: f64 = last.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(at > 1.7e9, "{last}");
    assert!(
        metrics.contains("nba_mcp_backup_runs_total{outcome=\"ok\"} 1"),
        "{metrics}"
    );
    stop(server);
    let listed = t.ok(&["backup", "list", "--from", &dir, "--json"]);
    let all: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(
        all.len(),
        1,
        "one backup at start-up, the next an interval later"
    );
    let id = all[0]["id"].as_str().unwrap().to_string();
    t.ok(&[
        "backup",
        "verify",
        &id,
        "--from",
        &dir,
        "--key-file",
        &key_file,
    ]);
    // A destination without a key is refused at start-up, saying why.
    let db = format!("sqlite://{}/nba.db", t.0.display());
    let e = nba(t, &db, &["config", "check"])
        .env("NBA_MCP_BACKUP_DIR", &dir)
        .output()
        .unwrap();
    assert!(!e.status.success());
    let e = String::from_utf8_lossy(&e.stderr);
    assert!(e.contains("NBA_MCP_BACKUP_KEY_FILE"), "{e}");
    (id, key_file)
}

/// POSTs `args` to tool `name` over the HTTP API; the status and the JSON answer.
pub(super) fn tool(addr: &str, key: &str, name: &str, args: &str) -> (u16, serde_json::Value) {
    let out = Command::new("curl")
        .args([
            "-s",
            "-w",
            "\n%{http_code}",
            "-X",
            "POST",
            "--max-time",
            "60",
        ])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args(["-H", "content-type: application/json", "--data", args])
        .arg(format!("http://{addr}/v1/tools/{name}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (
        status.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

/// The admin backup tools over the HTTP API: list (the start-up backup), create, verify (a
/// whole backup, a damaged one, a bad id, an unknown one); a viewer is refused; every call is
/// in the audit log.
#[test]
fn admins_take_list_and_verify_backups_through_the_api() {
    let t = Temp::new("backup_tools");
    let dir = t.0.join("backups");
    let (admin, key_file) = admin_and_backup_key(&t);
    t.ok(&["users", "add", "val", "--role", "viewer"]);
    let viewer = t.ok(&["keys", "create", "val"]).trim().to_string();
    let dir_s = dir.display().to_string();
    let env = [
        ("NBA_MCP_BACKUP_DIR", dir_s.as_str()),
        ("NBA_MCP_BACKUP_KEY_FILE", key_file.as_str()),
        ("NBA_MCP_BACKUP_INTERVAL_S", "3600"),
    ];
    let (server, addr, _) = serve(&t, &env);
    // The start-up backup, then nothing running.
    let first = poll_until(Duration::from_secs(60), "the start-up backup", || {
        let (status, list) = tool(&addr, &admin, "backup_list", "{}");
        assert_eq!(status, 200, "{list}");
        (list["total"] == 1 && list["running"].is_null()).then(|| {
            assert_eq!(list["last_run"]["by"], "schedule", "{list}");
            assert_eq!(list["destination"], dir_s.as_str(), "{list}");
            list["backups"][0]["id"].as_str().unwrap().to_string()
        })
    });

    let (status, made) = tool(&addr, &admin, "backup_create", "{}");
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["status"], "done", "{made}");
    assert_eq!(made["backup"]["encrypted"], true, "{made}");
    let id = made["backup"]["id"].as_str().unwrap().to_string();
    let (_, list) = tool(&addr, &admin, "backup_list", "{\"limit\": 1}");
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["backups"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        list["backups"][0]["id"],
        id.as_str(),
        "newest first: {list}"
    );
    let by = list["last_run"]["by"].as_str().unwrap_or("");
    assert!(by.starts_with("usr_"), "the admin's id: {list}");

    let (status, v) = tool(
        &addr,
        &admin,
        "backup_verify",
        &format!("{{\"id\": \"{id}\"}}"),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["rows"].as_u64().unwrap() > 0, "{v}");

    // A damaged file: the backup does not verify, and the answer says which file.
    let games = std::fs::read_dir(dir.join(&first).join("tables"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("audit_log"))
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&games).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&games, bytes).unwrap();
    let (status, v) = tool(
        &addr,
        &admin,
        "backup_verify",
        &format!("{{\"id\": \"{first}\"}}"),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["ok"], false, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("audit_log"), "{v}");

    let (status, e) = tool(&addr, &admin, "backup_verify", "{\"id\": \"../../etc\"}");
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("not a backup id"), "{e}");
    let (status, e) = tool(
        &addr,
        &admin,
        "backup_verify",
        "{\"id\": \"nba-20200101T000000000Z-00000000\"}",
    );
    assert_eq!(status, 404, "{e}");
    let (status, e) = tool(&addr, &admin, "backup_list", "{\"limit\": 0}");
    assert_eq!(status, 400, "{e}");
    for name in ["backup_list", "backup_create"] {
        let (status, e) = tool(&addr, &viewer, name, "{}");
        assert_eq!(status, 403, "{name}: {e}");
        assert!(e.to_string().contains("backups:manage"), "{e}");
    }
    let (_, audit) = tool(&addr, &admin, "audit_log", "{\"limit\": 50}");
    let entries = audit["entries"].as_array().unwrap();
    let seen = |target: &str, outcome: &str| {
        entries.iter().any(|e| {
            e["target"] == target && e["outcome"].as_str().unwrap_or("").starts_with(outcome)
        })
    };
    assert!(seen("backup_create", "ok"), "{audit}");
    assert!(seen("backup_verify", "ok"), "{audit}");
    assert!(seen("backup_list", "denied"), "{audit}");
    stop(server);
}

/// Backups made by earlier releases (`tests/fixtures/backup-<commit>/`, written by
/// `scripts/make-backup-fixture.sh` with that commit's binary: the demo league, two accounts,
/// an audit log, logged predictions and a trained champion) verify and restore with this
/// build into a fresh store: the same accounts, the admin's key works, the audit chain
/// verifies, every table has the backup's row count, and the model serves.
#[test]
fn backups_made_by_earlier_releases_restore() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let dir = entry.unwrap().path();
        if !dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("backup-")
        {
            continue;
        }
        seen += 1;
        let from = dir.display().to_string();
        let key_file = dir.join("backup.key").display().to_string();
        let api_key = std::fs::read_to_string(dir.join("api.key")).unwrap();
        let t = Temp::new("backup_compat");
        let listed: Vec<serde_json::Value> =
            serde_json::from_str(&t.ok(&["backup", "list", "--from", &from, "--json"])).unwrap();
        assert_eq!(listed.len(), 1, "{from}: {listed:?}");
        let manifest = &listed[0];
        let verified = t.ok(&[
            "backup",
            "verify",
            "latest",
            "--from",
            &from,
            "--key-file",
            &key_file,
        ]);
        assert!(verified.contains("verifies"), "{from}: {verified}");
        let restored: serde_json::Value = serde_json::from_str(&t.ok(&[
            "backup",
            "restore",
            "latest",
            "--from",
            &from,
            "--key-file",
            &key_file,
            "--json",
        ]))
        .unwrap();
        assert_eq!(restored["id"], manifest["id"], "{restored}");
        assert_eq!(restored["schema_from"], manifest["schema_version"]);
        assert!(restored["models"].as_u64().unwrap() >= 1, "{restored}");
        let users = t.ok(&["users", "list"]);
        assert!(users.contains("ana") && users.contains("op"), "{users}");
        let verify = t.ok(&["audit", "verify"]);
        assert!(verify.contains("audit log OK"), "{verify}");
        let check: serde_json::Value =
            serde_json::from_str(&t.ok(&["db", "check", "--json"])).unwrap();
        for table in manifest["tables"].as_array().unwrap() {
            let name = table["name"].as_str().unwrap();
            let rows = check["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["table"] == name)
                .map(|t| t["rows"].clone());
            assert_eq!(rows, Some(table["rows"].clone()), "{from}: rows of {name}");
        }
        let (server, addr, _) = serve(&t, &[("NBA_MCP_RATE_LIMIT_PER_S", "0")]);
        let (status, answer) = tool(
            &addr,
            api_key.trim(),
            "predict_game",
            r#"{"home":"BOS","away":"LAL","date":"2026-04-10"}"#,
        );
        assert_eq!(
            status, 200,
            "{from}: the restored key and model serve: {answer}"
        );
        stop(server);
    }
    assert!(seen >= 1, "no backup fixtures in {}", fixtures.display());
}
