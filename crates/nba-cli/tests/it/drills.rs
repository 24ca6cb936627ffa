//! Disaster drills as tests, each measuring its recovery: the times and the loss window are
//! written to `<CARGO_TARGET_TMPDIR>/drills/<drill>.json` (and printed) for the runbooks and
//! the checklist's RTO 1 hour / RPO 5 minutes.
//!
//! Every drill runs a server with scheduled backups and a journal every second, makes audited
//! calls after the start-up backup, waits for the journal segment holding them, then fails
//! something and recovers with the runbook's commands (OPERATIONS_GUIDE.md, "Restore from
//! backup" and "Region failover"): the recovered server accepts the same keys, its audit log
//! holds the calls made after the backup, and its audit chain verifies.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::backup_cli::{call, get, tool};
use crate::hostile::cluster::Cluster;
use crate::runbooks::{run, On};
use crate::support::{Served, Temp, NBA_MCP};
use nba_testkit::poll_until;

/// Calls made after the start-up backup; the journal must bring every one back.
const CALLS: usize = 10;

/// One site: a database and a state folder (models, keys) of its own.
pub(crate) struct Site {
    pub db: String,
    pub dir: Temp,
}

impl Site {
    pub(crate) fn sqlite(tag: &str) -> Site {
        let dir = Temp::new(tag);
        Site {
            db: format!("sqlite://{}/nba.db", dir.0.display()),
            dir,
        }
    }

    pub(crate) fn on(db: String, tag: &str) -> Site {
        Site {
            db,
            dir: Temp::new(tag),
        }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = NBA_MCP.command(&self.db, &self.dir.0);
        c.args(args).env("NBA_MCP_AUTO_LOAD", "false");
        c
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn key_file(&self) -> String {
        self.dir.0.join("backup.key").display().to_string()
    }

    /// An admin `op` with an API key, and a backup key file: the API key.
    pub(crate) fn admin_and_backup_key(&self) -> String {
        self.ok(&["users", "add", "op", "--role", "admin"]);
        let key = self.ok(&["keys", "create", "op"]).trim().to_string();
        self.ok(&["backup", "keygen", "--out", &self.key_file()]);
        key
    }

    /// `serve` with backups to `dest` (start-up backup, then hourly) and a journal every
    /// second.
    pub(crate) fn serve(&self, dest: &str) -> Served {
        let key_file = self.key_file();
        NBA_MCP.serve(
            &self.db,
            &self.dir.0,
            &[
                ("NBA_MCP_AUTO_LOAD", "false"),
                ("NBA_MCP_BACKUP_DIR", dest),
                ("NBA_MCP_BACKUP_KEY_FILE", key_file.as_str()),
                ("NBA_MCP_BACKUP_INTERVAL_S", "3600"),
                ("NBA_MCP_BACKUP_JOURNAL_S", "1"),
                ("NBA_MCP_HEALTH_INTERVAL_S", "1"),
                ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
            ],
        )
    }

    /// `f` on the site's database, opened directly (not through the binary).
    fn with_store<T, Fut>(&self, f: impl FnOnce(nba_store::Store) -> Fut) -> T
    where
        Fut: std::future::Future<Output = T>,
    {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let options = nba_store::StoreOptions::new(self.db.clone());
            let store = nba_store::Store::open(&options).await.unwrap();
            let out = f(store.clone()).await;
            store.close().await;
            out
        })
    }

    /// Runs one SQL statement on the site's database.
    pub(crate) fn sql(&self, stmt: &str) {
        self.with_store(|store| async move {
            sqlx::query(stmt).execute(store.pool()).await.unwrap();
        })
    }

    /// The time of the newest audit entry in the site's database.
    fn newest_audit_ts(&self) -> String {
        self.with_store(|store| async move {
            sqlx::query_scalar("SELECT ts FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_one(store.pool())
                .await
                .unwrap()
        })
    }

    /// Runs runbook block `name` (no server running); its output and how long it took.
    fn runbook(&self, name: &str, dest: &str) -> (String, Duration) {
        let started = Instant::now();
        let said = run(
            name,
            &On {
                site: self,
                addr: None,
                key: "",
                dest,
            },
        );
        (said, started.elapsed())
    }
}

/// What `backup restore` printed about the journal: segments, rows and the time the logs
/// reach (`N journal segments (M log rows, up to T)`).
fn journal_report(said: &str) -> Value {
    let i = said
        .find(" journal segments (")
        .expect("the restore's report");
    let segments: u64 = said[..i].rsplit(' ').next().unwrap().parse().unwrap();
    let rest = &said[i + " journal segments (".len()..];
    let rows: u64 = rest.split(' ').next().unwrap().parse().unwrap();
    let to = rest.split("up to ").nth(1).unwrap();
    let to = &to[..to.find(')').unwrap()];
    assert!(segments >= 1, "{said}");
    json!({"journal_segments": segments, "journal_rows": rows, "recovered_to": to})
}

/// Waits for the start-up backup, makes [`CALLS`] audited calls, and waits for the journal
/// segment after them. When the backup was taken.
fn backed_up_and_journaled(s: &Served, key: &str) -> DateTime<Utc> {
    let backup_at = poll_until(Duration::from_secs(60), "the start-up backup", || {
        let (_, list) = tool(&s.addr, key, "backup_list", "{}");
        (list["total"] == 1 && list["running"].is_null()).then(|| {
            list["backups"][0]["created_at"]
                .as_str()
                .unwrap()
                .to_string()
        })
    });
    for _ in 0..CALLS {
        assert_eq!(call(&s.addr, key), "200");
    }
    let worked = Utc::now().timestamp();
    poll_until(
        Duration::from_secs(30),
        "a journal segment after the work",
        || {
            let metrics = get(&s.addr, key, "/metrics");
            let line = metrics
                .lines()
                .find(|l| l.starts_with("nba_mcp_backup_journal_last_timestamp_seconds "))?;
            let at: f64 = line.split(' ').nth(1)?.parse().ok()?;
            (at as i64 > worked).then_some(())
        },
    );
    DateTime::parse_from_rfc3339(&backup_at)
        .unwrap()
        .with_timezone(&Utc)
}

/// Polls until the database component is unhealthy and `/ready` answers 503: the message.
fn detect_lost_database(s: &Served, key: &str) -> String {
    let message = poll_until(
        Duration::from_secs(15),
        "the lost database detected",
        || {
            let h: Value = serde_json::from_str(&get(&s.addr, key, "/health")).ok()?;
            let db = &h["components"]["database"];
            (db["status"] == "unhealthy").then(|| db["message"].as_str().unwrap_or("").to_string())
        },
    );
    let ready = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(s.url("/ready"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ready.stdout),
        "503",
        "/ready takes it out"
    );
    message
}

/// The restore runbook's first step against the failing server: its output.
fn confirm(site: &Site, s: &Served, key: &str, dest: &str) -> String {
    run(
        "restore/confirm",
        &On {
            site,
            addr: Some(&s.addr),
            key,
            dest,
        },
    )
}

/// Stops a server with SIGTERM and waits for it to exit: how long that took.
pub(crate) fn stop(mut s: Served) -> Duration {
    let started = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status();
    let _ = s.child.wait();
    started.elapsed()
}

/// Waits until the recovered server answers `key`, runs runbook block `serving` against it;
/// checks that its audit log holds the calls made after the backup and that its chain
/// verifies; stops it.
fn serves_again(site: &Site, s: Served, key: &str, serving: &str, dest: &str) {
    poll_until(Duration::from_secs(30), "serving again", || {
        (call(&s.addr, key) == "200").then_some(())
    });
    run(
        serving,
        &On {
            site,
            addr: Some(&s.addr),
            key,
            dest,
        },
    );
    let (_, audit) = tool(&s.addr, key, "audit_log", "{\"limit\": 100}");
    assert_eq!(audit["chain_ok"], true, "{audit}");
    let kept = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == "compute_metrics")
        .count();
    assert!(
        kept >= CALLS,
        "the calls after the backup came back from the journal: {audit}"
    );
    stop(s);
    let verify = site.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");
}

/// The runbook's recovery on `site` (no server running): block `restore`, then a server
/// started and checked with block `serving`. The journal report, how long the restore block
/// took, and the time from `failed` to serving again (the RTO).
fn recover(
    site: &Site,
    dest: &str,
    key: &str,
    (restore, serving): (&str, &str),
    failed: Instant,
) -> (Value, Duration, Duration) {
    let (said, took) = site.runbook(restore, dest);
    let restored = journal_report(&said);
    let server = site.serve(dest);
    serves_again(site, server, key, serving, dest);
    (restored, took, failed.elapsed())
}

/// Writes the drill's numbers (`extra` beside the RTO and the loss window, from the time the
/// recovered store reaches, `recovered_to`, to the failure) and checks them against the
/// checklist's RTO and RPO.
fn report(drill: &str, rto: Duration, failed_at: DateTime<Utc>, recovered_to: &str, extra: Value) {
    let recovered_to = DateTime::parse_from_rfc3339(recovered_to)
        .unwrap()
        .with_timezone(&Utc);
    let loss = (failed_at - recovered_to).to_std().unwrap_or_default();
    let mut numbers = json!({
        "rto_s": rto.as_secs_f64(),
        "loss_window_s": loss.as_secs_f64(),
    });
    numbers
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("drills");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string_pretty(&numbers).unwrap();
    std::fs::write(dir.join(format!("{drill}.json")), &text).unwrap();
    eprintln!("drill {drill}: {text}");
    assert!(rto < Duration::from_secs(3600), "RTO {rto:?}");
    assert!(loss < Duration::from_secs(300), "loss window {loss:?}");
}

/// [`report`] for a drill recovered from a backup and its journal (`restored`, from
/// [`journal_report`]).
fn report_restore(
    drill: &str,
    rto: Duration,
    failed_at: DateTime<Utc>,
    restored: &Value,
    extra: Value,
) {
    let mut extra = extra;
    extra.as_object_mut().unwrap().extend([
        (
            "journal_segments".to_string(),
            restored["journal_segments"].clone(),
        ),
        ("journal_rows".to_string(), restored["journal_rows"].clone()),
        ("backup_interval_s".to_string(), json!(3600)),
        ("journal_s".to_string(), json!(1)),
    ]);
    report(
        drill,
        rto,
        failed_at,
        restored["recovered_to"].as_str().unwrap(),
        extra,
    )
}

/// The SQLite file is deleted while the server serves: the health check notices (the
/// database component unhealthy, `/ready` 503), the server is stopped, the newest backup is
/// restored with its journal, and the server serves again. Measured: time to detect, time
/// to serve again (RTO), and the loss window (from the last journal segment to the failure).
#[test]
fn database_lost_while_serving_is_detected_and_restored_from_the_newest_backup() {
    let site = Site::sqlite("drill_db_lost");
    let dest = site.dir.0.join("backups").display().to_string();
    let key = site.admin_and_backup_key();
    let server = site.serve(&dest);
    let backup_at = backed_up_and_journaled(&server, &key);

    let failed = Instant::now();
    let failed_at = Utc::now();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(site.dir.0.join(format!("nba.db{suffix}")));
    }
    let message = detect_lost_database(&server, &key);
    let detected = failed.elapsed();
    assert!(message.contains("is gone"), "{message}");
    let said = confirm(&site, &server, &key, &dest);
    assert!(said.contains("is gone"), "{said}");

    stop(server);
    let (restored, restore_took, rto) = recover(
        &site,
        &dest,
        &key,
        ("restore/restore", "restore/serving"),
        failed,
    );
    report_restore(
        "database_lost",
        rto,
        failed_at,
        &restored,
        json!({
            "detected_s": detected.as_secs_f64(),
            "restore_runbook_s": restore_took.as_secs_f64(),
            "since_backup_s": (failed_at - backup_at).num_milliseconds() as f64 / 1000.0,
            "note": "SQLite file deleted -> serving again (detection, stop, restore with journal, start); loss window: last journal segment -> failure",
        }),
    );
}

/// The whole PostgreSQL cluster is lost while the server serves (stopped without a shutdown,
/// its data folder deleted; a throwaway cluster this test creates on its own port): the
/// health check notices, a new empty cluster is provisioned in its place, the newest backup
/// is restored into it (restore creates the database), and the server serves again.
#[test]
fn postgres_cluster_lost_while_serving_is_rebuilt_from_the_newest_backup() {
    let cluster = Cluster::start();
    cluster.sql("CREATE DATABASE nba");
    let site = Site::on(cluster.url_of("nba"), "drill_pg_lost");
    let dest = site.dir.0.join("backups").display().to_string();
    let key = site.admin_and_backup_key();
    let server = site.serve(&dest);
    let backup_at = backed_up_and_journaled(&server, &key);

    let failed = Instant::now();
    let failed_at = Utc::now();
    cluster.lose();
    detect_lost_database(&server, &key);
    let detected = failed.elapsed();
    confirm(&site, &server, &key, &dest);

    let stopped = stop(server);
    let provision = Instant::now();
    cluster.rebuild();
    let provisioned = provision.elapsed();
    let (restored, restore_took, rto) = recover(
        &site,
        &dest,
        &key,
        ("restore/restore", "restore/serving"),
        failed,
    );
    report_restore(
        "postgres_cluster_lost",
        rto,
        failed_at,
        &restored,
        json!({
            "detected_s": detected.as_secs_f64(),
            "stop_s": stopped.as_secs_f64(),
            "provision_s": provisioned.as_secs_f64(),
            "restore_runbook_s": restore_took.as_secs_f64(),
            "since_backup_s": (failed_at - backup_at).num_milliseconds() as f64 / 1000.0,
            "note": "cluster lost -> serving again (detection, stop, initdb of a new cluster, restore with journal, start); loss window: last journal segment -> failure",
        }),
    );
}

/// "Region" failover: the primary (its own store and state folder) backs up and journals to
/// the S3 API (a real S3 server on loopback, standing in for storage outside the region) and
/// is killed with SIGKILL, its folder deleted. A standby site, holding only the backup key,
/// restores the newest backup with its journal from the object store into its own store
/// and serves: the same client keys work, the calls made after the backup are there.
/// Measured: failure -> the standby serving.
#[test]
fn a_standby_restored_from_the_object_store_takes_over_when_the_primary_region_is_lost() {
    let s3 = nba_testkit::s3::S3Server::start();
    // The commands this test runs inherit these (each test is a process of its own).
    for (k, v) in s3.env() {
        std::env::set_var(k, v);
    }
    let dest = format!("s3://{}/nba/primary", s3.bucket("failover"));
    let primary = Site::sqlite("drill_primary");
    let key = primary.admin_and_backup_key();
    let standby = Site::sqlite("drill_standby");
    // The backup key is the one secret the standby region holds in advance.
    std::fs::copy(primary.key_file(), standby.key_file()).unwrap();
    let mut server = primary.serve(&dest);
    let backup_at = backed_up_and_journaled(&server, &key);

    let failed = Instant::now();
    let failed_at = Utc::now();
    server.child.kill().unwrap();
    let _ = server.child.wait();
    drop(primary);
    assert!(
        Command::new("curl")
            .args(["-s", "--max-time", "2", &server.url("/live")])
            .status()
            .map(|s| !s.success())
            .unwrap(),
        "the primary is gone"
    );
    let detected = failed.elapsed();

    let (restored, restore_took, rto) = recover(
        &standby,
        &dest,
        &key,
        ("failover/restore", "failover/serving"),
        failed,
    );
    report_restore(
        "region_failover",
        rto,
        failed_at,
        &restored,
        json!({
            "detected_s": detected.as_secs_f64(),
            "restore_runbook_s": restore_took.as_secs_f64(),
            "since_backup_s": (failed_at - backup_at).num_milliseconds() as f64 / 1000.0,
            "destination": "S3 API (moto on loopback)",
            "note": "primary killed (SIGKILL, folder deleted) -> standby restored from the object store with the journal and serving; loss window: last journal segment -> failure",
        }),
    );
}

/// A warm standby: the PostgreSQL cluster has a streaming replica (pg_basebackup -R, on its
/// own port; both throwaway clusters of this test). The primary cluster is lost while the
/// server serves; the replica is promoted with the runbook's commands and the server,
/// pointed at it, serves again with every call the replica had received. Measured: failure
/// -> serving on the promoted replica, and the loss window (newest audit entry on the
/// replica -> failure).
#[test]
fn a_postgres_streaming_replica_is_promoted_when_the_primary_cluster_is_lost() {
    let primary = Cluster::start();
    primary.sql("CREATE DATABASE nba");
    let replica = Cluster::replica_of(&primary);
    let site = Site::on(primary.url_of("nba"), "drill_replica");
    let dest = site.dir.0.join("backups").display().to_string();
    let key = site.admin_and_backup_key();
    let server = site.serve(&dest);
    backed_up_and_journaled(&server, &key);

    let failed = Instant::now();
    let failed_at = Utc::now();
    primary.lose();
    detect_lost_database(&server, &key);
    let detected = failed.elapsed();
    stop(server);

    // The same host, its database URL now the replica's.
    let standby = Site {
        db: replica.url_of("nba"),
        dir: site.dir,
    };
    let (said, promote_took) = standby.runbook("replica/promote", &dest);
    assert!(
        said.contains("database OK") && said.contains("audit log OK"),
        "{said}"
    );
    let newest = standby.newest_audit_ts();
    let server = standby.serve(&dest);
    serves_again(&standby, server, &key, "restore/serving", &dest);
    let rto = failed.elapsed();
    report(
        "postgres_replica_promoted",
        rto,
        failed_at,
        &newest,
        json!({
            "detected_s": detected.as_secs_f64(),
            "promote_runbook_s": promote_took.as_secs_f64(),
            "replication": "asynchronous streaming (pg_basebackup -R)",
            "note": "primary cluster lost -> replica promoted (pg_promote) and serving; loss window: newest audit entry on the replica -> failure",
        }),
    );
}
