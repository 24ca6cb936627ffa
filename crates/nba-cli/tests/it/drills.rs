//! Disaster drills as tests, each measuring its recovery: the times and the loss window are
//! written to `<CARGO_TARGET_TMPDIR>/drills/<drill>.json` (and printed) for the runbooks and
//! the checklist's RTO 1 hour / RPO 5 minutes.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::access_cli::{serve, Temp};
use super::backup_cli::{admin_and_backup_key, call, get, tool};
use nba_testkit::poll_until;

fn report(drill: &str, numbers: &Value) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("drills");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string_pretty(numbers).unwrap();
    std::fs::write(dir.join(format!("{drill}.json")), &text).unwrap();
    eprintln!("drill {drill}: {text}");
}

/// The SQLite file is deleted while the server serves (with scheduled backups and a journal
/// every second on): the health check notices (the database component unhealthy, `/ready`
/// 503), the server is stopped, the newest backup is restored with its journal by the CLI
/// runbook's commands, and the server serves again with the same accounts and keys, the
/// calls made after the backup in its audit log, and an audit chain that verifies.
/// Measured: time to detect, time to serve again (RTO), and the loss window (from the last
/// journal segment to the failure).
#[test]
fn database_lost_while_serving_is_detected_and_restored_from_the_newest_backup() {
    let t = Temp::new("drill_db_lost");
    let dir = t.0.join("backups").display().to_string();
    let (key, key_file) = admin_and_backup_key(&t);
    let env = [
        ("NBA_MCP_BACKUP_DIR", dir.as_str()),
        ("NBA_MCP_BACKUP_KEY_FILE", key_file.as_str()),
        ("NBA_MCP_BACKUP_INTERVAL_S", "3600"),
        ("NBA_MCP_BACKUP_JOURNAL_S", "1"),
        ("NBA_MCP_HEALTH_INTERVAL_S", "1"),
        ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
    ];
    let (mut server, addr, _) = serve(&t, &env);
    let backup_at = poll_until(Duration::from_secs(60), "the start-up backup", || {
        let (_, list) = tool(&addr, &key, "backup_list", "{}");
        (list["total"] == 1 && list["running"].is_null()).then(|| {
            list["backups"][0]["created_at"]
                .as_str()
                .unwrap()
                .to_string()
        })
    });
    let backup_at = chrono::DateTime::parse_from_rfc3339(&backup_at).unwrap();
    // Work after the backup: the journal saves it.
    for _ in 0..10 {
        assert_eq!(call(&addr, &key), "200");
    }
    let worked = chrono::Utc::now().timestamp();
    poll_until(
        Duration::from_secs(30),
        "a journal segment after the work",
        || {
            let metrics = get(&addr, &key, "/metrics");
            let line = metrics
                .lines()
                .find(|l| l.starts_with("nba_mcp_backup_journal_last_timestamp_seconds "))?;
            let at: f64 = line.split(' ').nth(1)?.parse().ok()?;
            (at as i64 > worked).then_some(())
        },
    );

    let failed = Instant::now();
    let failed_at = chrono::Utc::now();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(t.0.join(format!("nba.db{suffix}")));
    }
    let message = poll_until(Duration::from_secs(15), "the lost file detected", || {
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
    let restored: Value = serde_json::from_str(&t.ok(&[
        "backup",
        "restore",
        &id,
        "--from",
        &dir,
        "--key-file",
        &key_file,
        "--json",
    ]))
    .unwrap();
    let restore_took = restore_started.elapsed();
    assert!(
        restored["journal_segments"].as_u64().unwrap() >= 1,
        "{restored}"
    );
    let recovered_to =
        chrono::DateTime::parse_from_rfc3339(restored["recovered_to"].as_str().unwrap()).unwrap();
    let (server, addr, _) = serve(&t, &env);
    poll_until(Duration::from_secs(30), "serving again", || {
        (call(&addr, &key) == "200").then_some(())
    });
    let rto = failed.elapsed();
    let (_, audit) = tool(&addr, &key, "audit_log", "{\"limit\": 100}");
    assert_eq!(audit["chain_ok"], true, "{audit}");
    let kept = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == "compute_metrics")
        .count();
    assert!(
        kept >= 10,
        "the calls after the backup came back from the journal: {audit}"
    );
    super::backup_cli::stop(server);
    let verify = t.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");

    let loss = (failed_at - recovered_to.with_timezone(&chrono::Utc))
        .to_std()
        .unwrap_or_default();
    let since_backup = (failed_at - backup_at.with_timezone(&chrono::Utc))
        .to_std()
        .unwrap_or_default();
    report(
        "database_lost",
        &json!({
            "detected_s": detected.as_secs_f64(),
            "restore_s": restore_took.as_secs_f64(),
            "rto_s": rto.as_secs_f64(),
            "loss_window_s": loss.as_secs_f64(),
            "since_backup_s": since_backup.as_secs_f64(),
            "journal_segments": restored["journal_segments"],
            "journal_rows": restored["journal_rows"],
            "backup_interval_s": 3600,
            "journal_s": 1,
            "note": "RTO: file deleted -> serving again (detection, stop, restore with journal, start); loss window: last journal segment -> failure",
        }),
    );
    assert!(rto < Duration::from_secs(3600), "RTO {rto:?}");
    assert!(loss < Duration::from_secs(300), "loss window {loss:?}");
}
