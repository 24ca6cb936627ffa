//! A PostgreSQL cluster of the test's own (initdb on a free port, run as the postgres user
//! when the test runs as root), stopped and removed on drop; and the audit log as the CLI
//! exports it.

use std::path::PathBuf;
use std::process::Command;

use crate::support::command;

/// A PostgreSQL cluster of this test's own, on a free port; stopped and removed on drop.
pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
}

pub fn pg_bin(name: &str) -> String {
    let base = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).max());
    match base {
        Some(b) => b.join("bin").join(name).display().to_string(),
        None => name.to_string(),
    }
}

pub fn as_postgres(args: &[&str]) -> std::process::Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]);
        c
    } else {
        Command::new(args[0])
    };
    let rest = if is_root() { args } else { &args[1..] };
    cmd.args(rest).output().expect("run a PostgreSQL tool")
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    pub fn start() -> Cluster {
        let c = Cluster::unstarted();
        c.init();
        c.up();
        c
    }

    /// A folder (owned by the postgres user when running as root) and a free port.
    fn unstarted() -> Cluster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("nba_pg_{}_{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            Command::new("chown")
                .args(["-R", "postgres", &dir.display().to_string()])
                .status()
                .unwrap();
        }
        Cluster { dir, port }
    }

    /// A streaming replica of `primary` (pg_basebackup -R: a hot standby following it),
    /// running on a port of its own.
    pub fn replica_of(primary: &Cluster) -> Cluster {
        let c = Cluster::unstarted();
        let data = c.dir.join("data").display().to_string();
        let out = as_postgres(&[
            &pg_bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            &primary.port.to_string(),
            "-U",
            "postgres",
            "-D",
            &data,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ]);
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        c.up();
        c
    }

    fn init(&self) {
        let data = self.dir.join("data").display().to_string();
        let out = as_postgres(&[
            &pg_bin("initdb"),
            "-D",
            &data,
            "-U",
            "postgres",
            "-A",
            "trust",
        ]);
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The cluster lost: stopped without a shutdown and its data folder deleted.
    pub fn lose(&self) {
        self.down();
        std::fs::remove_dir_all(self.dir.join("data")).unwrap();
    }

    /// A new, empty cluster in place of a lost one (same port), running.
    pub fn rebuild(&self) {
        self.init();
        self.up();
    }

    /// Runs one SQL statement as `postgres` on the cluster's `postgres` database.
    pub fn sql(&self, stmt: &str) {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"])
            .args(["-c", stmt])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{stmt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL of database `db` on this cluster.
    pub fn url_of(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn up(&self) {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("log").display().to_string();
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        let out = as_postgres(&[
            &pg_bin("pg_ctl"),
            "-D",
            &data,
            "-l",
            &log,
            "-o",
            &opts,
            "-w",
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn down(&self) {
        let data = self.dir.join("data").display().to_string();
        let out = as_postgres(&[
            &pg_bin("pg_ctl"),
            "-D",
            &data,
            "-m",
            "immediate",
            "-w",
            "stop",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self) -> String {
        self.url_of("postgres")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = as_postgres(&[&pg_bin("pg_ctl"), "-D", &data, "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn audit_rows(db: &str, state: &std::path::Path) -> Vec<serde_json::Value> {
    let out = command(db, state)
        .args(["audit", "export"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
