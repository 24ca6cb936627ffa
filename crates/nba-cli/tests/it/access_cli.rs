//! End-to-end tests of the access commands of the `nba-mcp` binary (`roles`, `users`,
//! `keys`, `audit`), each on its own SQLite database in a temp folder, with no data loaded.
//! The audit tests tamper with the database file directly, as an intruder would.

use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nba-mcp")
}

pub(super) struct Temp(pub(super) PathBuf);
impl Temp {
    pub(super) fn new(tag: &str) -> Temp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p =
            std::env::temp_dir().join(format!("nba_access_{tag}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }

    fn db(&self) -> String {
        format!("sqlite://{}/nba.db", self.0.display())
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(bin())
            .args(args)
            .env("DATABASE_URL", self.db())
            .env("NBA_MCP_STATE_DIR", &self.0)
            .env("NBA_MCP_MODEL_STORE", &self.0)
            .env("NBA_MCP_AUTO_LOAD", "false")
            .env("LOG_LEVEL", "warn")
            .env_remove("NBA_MCP_DATA_DIR")
            .env_remove("NBA_MCP_API_KEY")
            .env_remove("NBA_MCP_API_KEY_FILE")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .output()
            .expect("run nba-mcp")
    }

    /// Runs a command that must succeed; returns its stdout.
    pub(super) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// Runs a command that must fail; returns stdout and stderr together.
    pub(super) fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} should fail but printed {}",
            stdout(&out)
        );
        format!("{}{}", stdout(&out), stderr(&out))
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON on stdout")
    }

    /// Runs one SQL statement on the database file, bypassing the binary.
    fn sql(&self, stmt: &str) {
        let url = self.db();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(stmt).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        });
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn is_key(s: &str) -> bool {
    s.len() == 48
        && s.starts_with("nba_mcp_")
        && s["nba_mcp_".len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp"))
        .unwrap()
        .with_timezone(&Utc)
}

/// The keys of `who` as `keys list --json` shows them.
fn keys_of(t: &Temp, who: &str) -> Vec<Value> {
    t.json(&["keys", "list", who, "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn key_by_id(t: &Temp, id: &str) -> Value {
    t.json(&["keys", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap_or_else(|| panic!("key {id} not listed"))
        .clone()
}

#[test]
fn roles_prints_the_matrix() {
    let t = Temp::new("roles");
    let out = t.ok(&["roles"]);
    for word in [
        "viewer",
        "data_scientist",
        "ml_engineer",
        "admin",
        "sql:query",
        "users:manage",
    ] {
        assert!(out.contains(word), "{word} missing from:\n{out}");
    }
    let sql = out.lines().find(|l| l.starts_with("sql:query")).unwrap();
    assert!(sql.contains('-') && sql.contains("yes"), "{sql}");
}

#[test]
fn users_add_list_disable_and_set_role() {
    let t = Temp::new("users");
    let alice = t.ok(&["users", "add", "alice", "--role", "viewer"]);
    let alice = alice.trim();
    assert!(
        alice.starts_with("usr_") && alice.len() == 20,
        "id: {alice:?}"
    );
    let bot = t.ok(&[
        "users",
        "add",
        "ci-bot@example.com",
        "--role",
        "ml_engineer",
        "--service",
    ]);
    let bot = bot.trim();
    assert!(bot.starts_with("svc_"), "id: {bot:?}");

    // A duplicate name fails and names the clash.
    let dup = t.fails(&["users", "add", "alice", "--role", "admin"]);
    assert!(
        dup.contains("alice") && dup.contains("already exists"),
        "{dup}"
    );
    // Bad names name the rule; bad roles name the valid ones.
    for bad in ["two words", "a/b", "", &"x".repeat(65)] {
        let e = t.fails(&["users", "add", bad, "--role", "viewer"]);
        assert!(e.contains("1 to 64 characters"), "{bad:?}: {e}");
    }
    let e = t.fails(&["users", "add", "bob", "--role", "root"]);
    for r in ["viewer", "data_scientist", "ml_engineer", "admin"] {
        assert!(e.contains(r), "{r} missing from: {e}");
    }

    let table = t.ok(&["users", "list"]);
    assert!(table.lines().next().unwrap().contains("ROLE"), "{table}");
    assert!(table.contains(alice) && table.contains("ci-bot@example.com"));
    let list = t.json(&["users", "list", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let a = list.iter().find(|p| p["name"] == "alice").unwrap();
    assert_eq!(
        (&a["id"], &a["kind"], &a["role"], &a["disabled_at"]),
        (
            &Value::from(alice),
            &Value::from("user"),
            &Value::from("viewer"),
            &Value::Null
        )
    );
    time(&a["created_at"]);
    let b = list.iter().find(|p| p["id"] == bot).unwrap();
    assert_eq!(
        (&b["kind"], &b["role"]),
        (&"service".into(), &"ml_engineer".into())
    );

    // set-role and disable take a name or an id.
    t.ok(&["users", "set-role", "alice", "data_scientist"]);
    t.ok(&["users", "disable", bot]);
    let again = t.ok(&["users", "disable", "ci-bot@example.com"]);
    assert!(again.contains("already disabled"), "{again}");
    let e = t.fails(&["users", "disable", "nobody"]);
    assert!(e.contains("nobody"), "{e}");
    let e = t.fails(&["users", "set-role", "alice", "superuser"]);
    assert!(e.contains("ml_engineer"), "{e}");
    let list = t.json(&["users", "list", "--json"]);
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == alice)
        .unwrap()
        .clone();
    let b = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == bot)
        .unwrap()
        .clone();
    assert_eq!(a["role"], "data_scientist");
    assert_eq!(a["disabled_at"], Value::Null);
    time(&b["disabled_at"]);

    // A disabled account gets no keys.
    let e = t.fails(&["keys", "create", "ci-bot@example.com"]);
    assert!(e.contains("disabled"), "{e}");
}

#[test]
fn keys_create_prints_only_the_key_and_never_lists_it() {
    let t = Temp::new("keys");
    let alice = t.ok(&["users", "add", "alice", "--role", "viewer"]);
    let out = t.run(&["keys", "create", "alice", "--label", "laptop"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "stdout must hold the key only: {printed:?}");
    assert!(printed.ends_with('\n'));
    let key = lines[0];
    assert!(is_key(key), "{key:?}");
    let note = stderr(&out);
    assert!(
        note.contains("alice") && note.contains("viewer") && note.contains("shown once"),
        "{note}"
    );
    assert!(!note.contains(key), "the note must not repeat the key");

    // --json: one object with the key and its context.
    let j = t.json(&["keys", "create", "alice", "--json", "--expires-in", "12h"]);
    let key2 = j["key"].as_str().unwrap();
    assert!(is_key(key2) && key2 != key);
    assert_eq!(j["principal"], "alice");
    assert_eq!(j["principal_id"], alice.trim());
    assert_eq!(j["role"], "viewer");
    assert!(j["key_id"].as_str().unwrap().starts_with("key_"));
    let left = time(&j["expires_at"]) - Utc::now();
    assert!(
        left > chrono::Duration::hours(11) && left <= chrono::Duration::hours(12),
        "{left}"
    );

    // Listings never show a key nor its hash.
    let hashes = [nba_auth::keys::hash(key), nba_auth::keys::hash(key2)];
    for args in [
        &["keys", "list"][..],
        &["keys", "list", "--json"],
        &["keys", "list", "alice"],
        &["users", "list", "--json"],
    ] {
        let out = t.ok(args);
        for secret in [key, key2, hashes[0].as_str(), hashes[1].as_str()] {
            assert!(!out.contains(secret), "{args:?} shows a secret:\n{out}");
        }
    }
    let listed = keys_of(&t, "alice");
    assert_eq!(listed.len(), 2);
    let first = listed
        .iter()
        .find(|k| k["prefix"] == key[..12])
        .expect("the key is listed by its prefix");
    assert_eq!(first["label"], "laptop");
    assert_eq!(first["expires_at"], Value::Null, "default: no expiry");
    assert_eq!(first["principal"], "alice");
    assert_eq!(first["revoked_at"], Value::Null);
    assert!(first["id"].as_str().unwrap().starts_with("key_"));
    let table = t.ok(&["keys", "list", "alice"]);
    assert!(
        table.contains("laptop") && table.contains(&key[..12]),
        "{table}"
    );

    let e = t.fails(&["keys", "create", "nobody"]);
    assert!(e.contains("nobody"), "{e}");
    let e = t.fails(&["keys", "list", "nobody"]);
    assert!(e.contains("nobody"), "{e}");
}

#[test]
fn expiry_options_are_checked() {
    let t = Temp::new("expiry");
    t.ok(&["users", "add", "alice", "--role", "viewer"]);
    for (bad, why) in [
        ("0d", "zero"),
        ("-5d", "negative"),
        ("5y", "unknown unit"),
        ("12", "no unit"),
        ("1.5h", "unknown unit"),
        ("h", "not a duration"),
    ] {
        let e = t.fails(&["keys", "create", "alice", "--expires-in", bad]);
        assert!(e.contains(why), "{bad}: {e}");
    }
    let e = t.fails(&[
        "keys",
        "create",
        "alice",
        "--expires-in",
        "1d",
        "--expires-at",
        "2099-01-01T00:00:00Z",
    ]);
    assert!(e.contains("cannot be used with"), "{e}");
    let e = t.fails(&[
        "keys",
        "create",
        "alice",
        "--expires-at",
        "2020-01-01T00:00:00Z",
    ]);
    assert!(e.contains("not in the future"), "{e}");
    let e = t.fails(&["keys", "create", "alice", "--expires-at", "next tuesday"]);
    assert!(e.contains("RFC 3339"), "{e}");
    assert!(
        keys_of(&t, "alice").is_empty(),
        "no key made by a failed command"
    );

    for (d, secs) in [("90d", 90 * 86_400), ("12h", 12 * 3_600), ("30m", 30 * 60)] {
        let j = t.json(&["keys", "create", "alice", "--expires-in", d, "--json"]);
        let left = (time(&j["expires_at"]) - Utc::now()).num_seconds();
        assert!((secs - 60..=secs).contains(&left), "{d}: {left}s");
    }
    let j = t.json(&[
        "keys",
        "create",
        "alice",
        "--expires-at",
        "2099-01-01T01:00:00+01:00",
        "--json",
    ]);
    assert_eq!(j["expires_at"], "2099-01-01T00:00:00Z");
}

#[test]
fn revoke_and_rotate() {
    let t = Temp::new("rotate");
    t.ok(&["users", "add", "alice", "--role", "data_scientist"]);
    let first = t.json(&[
        "keys",
        "create",
        "alice",
        "--label",
        "ci",
        "--expires-in",
        "30d",
        "--json",
    ]);
    let first_id = first["key_id"].as_str().unwrap().to_string();

    // Unknown ids are named.
    for cmd in ["revoke", "rotate"] {
        let e = t.fails(&["keys", cmd, "key_0000000000000000"]);
        assert!(e.contains("key_0000000000000000"), "{cmd}: {e}");
    }

    // Rotation without grace: a new key, same owner and label, the old one revoked now.
    let out = t.run(&["keys", "rotate", &first_id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "{printed:?}");
    assert!(is_key(lines[0]) && lines[0] != first["key"].as_str().unwrap());
    assert!(stderr(&out).contains("shown once"), "{}", stderr(&out));
    let old = key_by_id(&t, &first_id);
    time(&old["revoked_at"]);
    let keys = keys_of(&t, "alice");
    assert_eq!(keys.len(), 2);
    let second = keys.iter().find(|k| k["id"] != first_id.as_str()).unwrap();
    assert_eq!(second["label"], "ci");
    assert_eq!(second["revoked_at"], Value::Null);
    // The new key keeps the old one's lifetime (30 days) by default.
    let left = (time(&second["expires_at"]) - Utc::now()).num_seconds();
    assert!((30 * 86_400 - 60..=30 * 86_400).contains(&left), "{left}");
    let second_id = second["id"].as_str().unwrap().to_string();

    // A revoked key cannot be rotated; revoking it again says so and succeeds.
    let e = t.fails(&["keys", "rotate", &first_id]);
    assert!(e.contains("revoked"), "{e}");
    let again = t.ok(&["keys", "revoke", &first_id]);
    assert!(again.contains("already revoked"), "{again}");

    // Rotation with grace: the old key keeps working until now + grace.
    let j = t.json(&[
        "keys",
        "rotate",
        &second_id,
        "--grace",
        "24h",
        "--expires-in",
        "7d",
        "--json",
    ]);
    assert!(is_key(j["key"].as_str().unwrap()));
    assert_eq!(j["principal"], "alice");
    assert_eq!(j["role"], "data_scientist");
    let left = (time(&j["expires_at"]) - Utc::now()).num_seconds();
    assert!((7 * 86_400 - 60..=7 * 86_400).contains(&left), "{left}");
    let old = key_by_id(&t, &second_id);
    assert_eq!(old["revoked_at"], Value::Null);
    let grace = (time(&old["expires_at"]) - Utc::now()).num_seconds();
    assert!((86_400 - 60..=86_400).contains(&grace), "{grace}");
    let e = t.fails(&["keys", "rotate", &second_id, "--grace", "0h"]);
    assert!(e.contains("zero"), "{e}");

    // Plain revoke.
    let third_id = j["key_id"].as_str().unwrap().to_string();
    let out = t.ok(&["keys", "revoke", &third_id]);
    assert!(out.contains("revoked") && !out.contains("already"), "{out}");
    time(&key_by_id(&t, &third_id)["revoked_at"]);
}

#[test]
fn audit_verify_catches_edits_and_deletions() {
    let t = Temp::new("audit");
    let ok = t.ok(&["audit", "verify"]);
    assert!(ok.contains("audit log OK: 0 entries"), "{ok}");

    let alice = t.ok(&["users", "add", "alice", "--role", "viewer"]);
    let alice = alice.trim().to_string();
    let key = t.ok(&["keys", "create", "alice"]);
    let key = key.trim().to_string();
    let key_id = keys_of(&t, "alice")[0]["id"].as_str().unwrap().to_string();
    t.ok(&["users", "set-role", "alice", "ml_engineer"]);
    t.ok(&["keys", "rotate", &key_id]);
    t.ok(&["users", "disable", &alice]);
    // Changes that change nothing add no entry.
    t.ok(&["users", "disable", "alice"]);
    t.ok(&["keys", "revoke", &key_id]);

    let ok = t.ok(&["audit", "verify"]);
    assert!(ok.contains("audit log OK: 5 entries, head seq 5"), "{ok}");

    // Export: one JSON record per line, ids as targets, no names, keys or hashes of keys.
    let export = t.ok(&["audit", "export"]);
    let records: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(records.len(), 5);
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "users:add",
            "keys:create",
            "users:set-role",
            "keys:rotate",
            "users:disable"
        ]
    );
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], i as i64 + 1);
        assert_eq!(
            (&r["principal"], &r["role"], &r["outcome"], &r["transport"]),
            (&"cli".into(), &"admin".into(), &"ok".into(), &"cli".into())
        );
        for f in ["ts", "target", "request_id", "prev_hash", "hash"] {
            assert!(r[f].is_string(), "{f} in {r}");
        }
        assert_eq!(r["request_id"].as_str().unwrap().len(), 36, "a uuid");
    }
    assert_eq!(records[0]["target"], alice.as_str());
    assert_eq!(records[1]["target"], key_id.as_str());
    assert!(records[3]["target"].as_str().unwrap().contains(&key_id));
    for secret in ["alice", key.as_str(), nba_auth::keys::hash(&key).as_str()] {
        assert!(!export.contains(secret), "the audit log holds {secret}");
    }
    let file = t.0.join("audit.jsonl");
    t.ok(&[
        "audit",
        "export",
        "--after-seq",
        "3",
        "--out",
        file.to_str().unwrap(),
    ]);
    let tail = std::fs::read_to_string(&file).unwrap();
    let seqs: Vec<i64> = tail
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [4, 5]);

    // An edited row is named, and verify fails.
    t.sql("UPDATE audit_log SET outcome = 'denied' WHERE seq = 2");
    let e = t.fails(&["audit", "verify"]);
    assert!(e.contains("row 2 was edited"), "{e}");
    t.sql("UPDATE audit_log SET outcome = 'ok' WHERE seq = 2");
    t.ok(&["audit", "verify"]);

    // So is a deleted one.
    t.sql("DELETE FROM audit_log WHERE seq = 3");
    let e = t.fails(&["audit", "verify"]);
    assert!(e.contains("row 3 was deleted"), "{e}");
    let n = t.ok(&["audit", "export"]).lines().count();
    assert_eq!(n, 4);
    // A broken chain exits with status 1.
    assert_eq!(t.run(&["audit", "verify"]).status.code(), Some(1));
}

/// `serve` on `t`'s store on a free loopback port (access control on, nothing loaded at
/// start), with `env` added: the child, its address and what it printed before listening.
pub(super) fn serve(t: &Temp, env: &[(&str, &str)]) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut server = Command::new(bin())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", t.db())
        .env("NBA_MCP_STATE_DIR", &t.0)
        .env("NBA_MCP_MODEL_STORE", &t.0)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "warn")
        .env_remove("NBA_MCP_DATA_DIR")
        .env_remove("ENABLE_RBAC")
        .env_remove("NBA_MCP_ENABLE_RBAC")
        .env_remove("NBA_MCP_OAUTH_ISSUER")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let mut before = String::new();
    let addr = loop {
        let line = lines.next().expect("serve exited early").unwrap();
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on http://".len()..].trim().to_string();
        }
        before.push_str(&line);
        before.push('\n');
    };
    std::thread::spawn(move || for _ in lines {});
    (server, addr, before)
}

/// A served request is audited, and a clean shutdown (SIGTERM) writes every queued audit
/// entry before the process exits: the log then holds one entry per call and verifies.
#[test]
fn audit_entries_survive_a_clean_shutdown() {
    let t = Temp::new("shutdown");
    t.ok(&["users", "add", "ana", "--role", "viewer"]);
    let key = t.ok(&["keys", "create", "ana"]).trim().to_string();
    let (server, addr, before) = serve(&t, &[("NBA_MCP_RATE_LIMIT_PER_S", "0")]);
    assert!(
        !before.contains("no accounts yet"),
        "there is one: {before}"
    );
    const CALLS: usize = 40;
    for i in 0..CALLS {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .args(["-H", &format!("Authorization: Bearer {key}")])
            .args(["-H", "content-type: application/json"])
            .args([
                "--data",
                &format!("{{\"player\": {{\"pts\": {i}, \"fga\": 10}}}}"),
            ])
            .arg(format!("http://{addr}/v1/tools/compute_metrics"))
            .output()
            .expect("curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200", "call {i}");
    }
    super::backup_cli::stop(server);

    let verify = t.ok(&["audit", "verify"]);
    assert!(verify.contains("audit log OK"), "{verify}");
    let export = t.ok(&["audit", "export"]);
    let key_id = keys_of(&t, "ana")[0]["id"].as_str().unwrap().to_string();
    let calls = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["action"] == "tools/call" && r["target"] == "compute_metrics")
        .inspect(|r| {
            assert_eq!(r["outcome"], "ok");
            assert_eq!(r["role"], "viewer");
            assert_eq!(r["transport"], "http");
            assert!(r["principal"].as_str().unwrap().starts_with("usr_"));
            // The entry names the key used (its id, never the secret).
            assert_eq!(r["credential"], format!("key:{key_id}"));
        })
        .count();
    assert_eq!(calls, CALLS, "{export}");
    assert!(!export.contains(&key), "the key is never in the audit log");
}

/// A server started with no account yet says at start-up how to make the first key, and a
/// request without one is told the same.
#[test]
fn a_server_without_accounts_says_how_to_make_the_first_key() {
    let t = Temp::new("no_accounts");
    let (mut server, addr, before) = serve(&t, &[]);
    let told = before.contains("no accounts yet") && before.contains("nba-mcp keys create");
    let out = Command::new("curl")
        .args(["-s", &format!("http://{addr}/v1/tools")])
        .output()
        .expect("curl");
    let _ = server.kill();
    let _ = server.wait();
    assert!(told, "the start-up log names the command that makes a key");
    let body = String::from_utf8_lossy(&out.stdout);
    assert!(body.contains("nba-mcp keys create"), "{body}");
}
