//! Disaster drills as tests, each measuring its recovery: the times and the loss window are
//! written to `<CARGO_TARGET_TMPDIR>/drills/<drill>.json` (and printed) for the runbooks and
//! the checklist's RTO 1 hour / RPO 5 minutes.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::access_cli::{serve, Temp};
use super::backup_cli::{call, get, tool};

fn report(drill: &str, numbers: &Value) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("drills");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string_pretty(numbers).unwrap();
    std::fs::write(dir.join(format!("{drill}.json")), &text).unwrap();
    eprintln!("drill {drill}: {text}");
}

/// Polls `f` every 100 ms until it gives a value, for at most `limit`.
fn within<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The SQLite file is deleted while the server serves (with scheduled backups on): the
/// health check notices (the database component unhealthy, `/ready` 503), the server is
/// stopped, the newest backup is restored with the CLI runbook's commands, and the server
/// serves again with the same accounts and keys and an audit chain that verifies. Measured:
/// time to detect, time to serve again (RTO), and the loss window (from the newest backup
/// to the failure) with the audit entries lost in it.
#[test]
fn database_lost_while_serving_is_detected_and_restored_from_the_newest_backup() {
    let t = Temp::new("drill_db_lost");
    let dir = t.0.join("backups").display().to_string();
    let key_file = t.0.join("backup.key").display().to_string();
    t.ok(&["users", "add", "op", "--role", "admin"]);
    let key = t.ok(&["keys", "create", "op"]).trim().to_string();
    t.ok(&["backup", "keygen", "--out", &key_file]);
    let env = [
        ("NBA_MCP_BACKUP_DIR", dir.as_str()),
        ("NBA_MCP_BACKUP_KEY_FILE", key_file.as_str()),
        ("NBA_MCP_BACKUP_INTERVAL_S", "3600"),
        ("NBA_MCP_HEALTH_INTERVAL_S", "1"),
        ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
    ];
    let (mut server, addr, _) = serve(&t, &env);
    let backup_at = within(Duration::from_secs(60), "the start-up backup", || {
        let (_, list) = tool(&addr, &key, "backup_list", "{}");
        (list["total"] == 1 && list["running"].is_null()).then(|| {
            list["backups"][0]["created_at"]
                .as_str()
                .unwrap()
                .to_string()
        })
    });
    let backup_at = chrono::DateTime::parse_from_rfc3339(&backup_at).unwrap();
    // Work after the backup: this is what the drill loses.
    for _ in 0..10 {
        assert_eq!(call(&addr, &key), "200");
    }

    let failed = Instant::now();
    let failed_at = chrono::Utc::now();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(t.0.join(format!("nba.db{suffix}")));
    }
    let message = within(Duration::from_secs(15), "the lost file detected", || {
        let h: Value = serde_json::from_str(&get(&addr, &key, "/health")).ok()?;
        let db = &h["components"]["database"];
        (db["status"] == "unhealthy").then(|| db["message"].as_str().unwrap_or("").to_string())
    });
    let detected = failed.elapsed();
    assert!(message.contains("is gone"), "{message}");
    let ready = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("http://{addr}/ready"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ready.stdout),
        "503",
        "/ready takes it out"
    );

    // The runbook: stop the server, restore the newest backup, start again.
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let listed: Vec<Value> =
        serde_json::from_str(&t.ok(&["backup", "list", "--from", &dir, "--json"])).unwrap();
    let id = listed.last().unwrap()["id"].as_str().unwrap().to_string();
    let restore_started = Instant::now();
    t.ok(&[
        "backup",
        "restore",
        &id,
        "--from",
        &dir,
        "--key-file",
        &key_file,
    ]);
    let restore_took = restore_started.elapsed();
    let (server, addr, _) = serve(&t, &env);
    within(Duration::from_secs(30), "serving again", || {
        (call(&addr, &key) == "200").then_some(())
    });
    let rto = failed.elapsed();
    let (_, audit) = tool(&addr, &key, "audit_log", "{\"limit\": 1}");
    assert_eq!(audit["chain_ok"], true, "{audit}");
    super::backup_cli::stop(server);
    let verify = t.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");

    let loss = (failed_at - backup_at.with_timezone(&chrono::Utc))
        .to_std()
        .unwrap_or_default();
    report(
        "database_lost",
        &json!({
            "detected_s": detected.as_secs_f64(),
            "restore_s": restore_took.as_secs_f64(),
            "rto_s": rto.as_secs_f64(),
            "loss_window_s": loss.as_secs_f64(),
            "backup_interval_s": 3600,
            "note": "RTO: file deleted -> serving again (detection, stop, restore, start); loss window: newest backup -> failure (bounded by the backup interval)",
        }),
    );
    assert!(rto < Duration::from_secs(3600), "RTO {rto:?}");
}
