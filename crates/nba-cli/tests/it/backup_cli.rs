//! `nba-mcp backup` end to end: a backup taken while the server serves, a restore refused
//! while it runs, and after it stops a restore that brings back accounts, keys and the
//! audit chain so the same key works again.

use std::process::Command;

use super::access_cli::{serve, Temp};

fn call(addr: &str, key: &str) -> String {
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

fn stop(mut server: std::process::Child) {
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
