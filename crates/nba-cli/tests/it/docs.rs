//! README.md's, SECURITY.md's and OPERATIONS_GUIDE.md's reference commands, run as written
//! (placeholders filled) through the harness of `runbooks.rs`: loading the real data folder,
//! training, evaluating and moving the champion; backups to a folder and to the S3 API;
//! accounts, keys, a call with the new key, and key rotation against a running server.

use serde_json::Value;

use crate::drills::Site;
use crate::runbooks::{run_with, On};

fn on<'a>(site: &'a Site, addr: Option<&'a str>, dest: &'a str) -> On<'a> {
    On {
        site,
        addr,
        key: "",
        dest,
    }
}

/// `train` prints the model as JSON: `name@version`.
fn trained(site: &Site, seasons: &str) -> String {
    let m: Value =
        serde_json::from_str(&site.ok(&["train", "--seasons", seasons, "--json"])).unwrap();
    format!(
        "{}@{}",
        m["name"].as_str().unwrap(),
        m["version"].as_str().unwrap()
    )
}

/// From the workspace folder, as the README is read: `ingest all ../shared/data` and the rest
/// of the load block, then the README's and the guide's model blocks (the champion moved to
/// an earlier version with `promote`, then back with `rollback`).
#[test]
fn the_readme_and_guide_commands_load_train_evaluate_and_move_the_champion() {
    let data = super::cli::data_dir();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert_eq!(
        std::fs::canonicalize(root.join("../shared/data")).ok(),
        std::fs::canonicalize(&data).ok(),
        "the README's commands name ../shared/data beside the workspace"
    );
    let site = Site::sqlite("docs_readme");
    let none = "";
    let said = run_with("readme/load-data", &on(&site, None, none), &[], Some(&root));
    assert!(said.contains("loaded 79 files"), "{said}");
    let status = site.ok(&["status"]);
    assert!(status.contains("store holds real data"), "{status}");
    assert!(
        status.contains("not in this store (no games): 2022-23"),
        "the hole is stated: {status}"
    );

    let earlier = trained(&site, "2022");
    let fill = [("nba-logit@<version>", earlier.as_str())];
    let said = run_with("readme/models", &on(&site, None, none), &fill, Some(&root));
    assert!(said.contains("overall"), "evaluate's table: {said}");
    assert!(said.contains(&earlier), "{said}");
    let said = run_with("guide/models", &on(&site, None, none), &fill, Some(&root));
    assert!(said.contains("champion"), "{said}");
    let list = site.ok(&["models", "list"]);
    assert!(list.contains("1997-2026"), "{list}");
}

/// The guide's backup block on a folder (key made by the block, restore over the store), then
/// its S3 block against a real S3 server on loopback.
#[test]
fn the_guides_backup_commands_work_on_a_folder_and_on_s3() {
    let s3 = nba_testkit::s3::S3Server::start();
    let site = Site::sqlite("docs_backups");
    site.admin_and_backup_key();
    let season = super::cli::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    site.ok(&["ingest", "fivethirtyeight", &season.display().to_string()]);
    let key = site.dir.0.join("etc/backup.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let folder = site.dir.0.join("var-backups").display().to_string();
    let key = key.display().to_string();
    let said = run_with(
        "guide/backups",
        &on(&site, None, ""),
        &[
            ("/etc/nba-mcp/backup.key", &key),
            ("/var/backups/nba-mcp", &folder),
        ],
        None,
    );
    assert!(
        said.contains("verifies") && said.contains("restored backup"),
        "{said}"
    );

    let env = s3.env();
    let get = |k: &str| env.iter().find(|(n, _)| *n == k).unwrap().1.clone();
    let bucket = format!("s3://{}/prod", s3.bucket("docs"));
    let creds = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={}",
        get("AWS_ACCESS_KEY_ID"),
        get("AWS_SECRET_ACCESS_KEY"),
        get("AWS_REGION")
    );
    let endpoint = get("AWS_ENDPOINT_URL");
    let said = run_with(
        "guide/s3",
        &on(&site, None, ""),
        &[
            (
                "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_REGION=eu-west-1",
                &creds,
            ),
            ("https://s3.example.internal", &endpoint),
            ("s3://nba-backups/prod", &bucket),
        ],
        None,
    );
    assert!(said.contains("written to"), "{said}");
}

/// SECURITY.md's quick start against a running server (the new key answers `whoami`), then
/// its rotation block on that key.
#[test]
fn the_security_quick_start_and_key_rotation_work_as_written() {
    let site = Site::sqlite("docs_security");
    site.admin_and_backup_key();
    let server = site.serve(&site.dir.0.join("backups").display().to_string());
    let url = format!("http://{}", server.addr);
    let said = run_with(
        "security/quick-start",
        &on(&site, Some(&server.addr), ""),
        &[("http://127.0.0.1:8080", &url)],
        None,
    );
    assert!(
        said.contains("alice") && said.contains("data_scientist"),
        "{said}"
    );
    assert!(said.contains("audit log OK"), "{said}");

    let keys: Value = serde_json::from_str(&site.ok(&["keys", "list", "alice", "--json"])).unwrap();
    let id = keys[0]["id"].as_str().unwrap().to_string();
    let said = run_with(
        "security/rotate",
        &on(&site, Some(&server.addr), ""),
        &[("key_3f9a...", &id)],
        None,
    );
    assert!(said.contains(&id), "{said}");
    let keys: Value = serde_json::from_str(&site.ok(&["keys", "list", "alice", "--json"])).unwrap();
    let old = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap();
    assert!(
        !old["revoked_at"].is_null(),
        "the old key is revoked: {keys}"
    );
    assert_eq!(
        keys.as_array().unwrap().len(),
        2,
        "and a new one made: {keys}"
    );
    super::drills::stop(server);
}
