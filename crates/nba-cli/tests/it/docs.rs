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

/// What the guide's S3 blocks say in place of real credentials and the endpoint: the
/// `AWS_...=...` line for this server, and its URL.
fn s3_fill(s3: &nba_testkit::s3::S3Server) -> (String, String) {
    let env = s3.env();
    let get = |k: &str| env.iter().find(|(n, _)| *n == k).unwrap().1.clone();
    let creds = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={}",
        get("AWS_ACCESS_KEY_ID"),
        get("AWS_SECRET_ACCESS_KEY"),
        get("AWS_REGION")
    );
    (creds, get("AWS_ENDPOINT_URL"))
}

/// The `name@version` a running server answers `/v1/predict` with (none until it answers).
fn served_model(addr: &str, key: &str) -> Option<String> {
    let a = crate::support::curl(
        &format!("http://{addr}/v1/predict"),
        Some(key),
        Some(r#"{"home":"BOS","away":"MIA"}"#),
        &[],
    );
    let v: Value = serde_json::from_str(&a.body).ok()?;
    Some(format!(
        "{}@{}",
        v["model"]["name"].as_str()?,
        v["model"]["version"].as_str()?
    ))
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

    let bucket = format!("s3://{}/prod", s3.bucket("docs"));
    let (creds, endpoint) = s3_fill(&s3);
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

/// The guide's S3 model-store block against a real S3 server on loopback (moto): train into
/// the bucket as the champion, list, show; then two servers on their own stores share that
/// bucket, a promotion from the command line reaches both (the time it took is printed), and
/// a rollback too.
#[test]
fn the_guides_s3_model_store_is_shared_by_two_servers_and_a_promotion_reaches_both() {
    let s3 = nba_testkit::s3::S3Server::start();
    let env = s3.env();
    let store = format!("s3://{}/prod", s3.bucket("models"));
    let (creds, endpoint) = s3_fill(&s3);
    let season = super::cli::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    let sites = [Site::sqlite("s3_models_a"), Site::sqlite("s3_models_b")];
    for site in &sites {
        site.ok(&["ingest", "fivethirtyeight", &season.display().to_string()]);
    }
    let said = run_with(
        "guide/s3-models",
        &on(&sites[0], None, ""),
        &[
            (
                "AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_REGION=eu-west-1",
                &creds,
            ),
            ("https://s3.example.internal", &endpoint),
            ("s3://nba-models/prod", &store),
            ("1997-2026", "2022"),
        ],
        None,
    );
    assert!(said.contains("/prod/models/nba-logit/"), "{said}");
    assert!(
        said.contains("(champion)"),
        "models list shows the alias: {said}"
    );
    // Nothing of the model went to the state folder.
    assert!(!sites[0].dir.0.join("models").exists());

    let mut s3_env: Vec<(&str, String)> = env.clone();
    s3_env.push(("NBA_MCP_MODEL_STORE", store.clone()));
    let with_s3 = |site: &Site, args: &[&str]| {
        let out = site
            .cmd(args)
            .envs(s3_env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first: Value = serde_json::from_str(&with_s3(
        &sites[0],
        &["models", "show", "champion", "--json"],
    ))
    .unwrap();
    let first = first["model"].as_str().unwrap().to_string();

    let mut serve_env: Vec<(&str, &str)> = s3_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    serve_env.extend([
        ("NBA_MCP_AUTO_LOAD", "false"),
        ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
    ]);
    let keys: Vec<String> = sites
        .iter()
        .map(|s| crate::support::make_key(&s.db, &s.dir.0, "op", "admin"))
        .collect();
    let servers: Vec<_> = sites
        .iter()
        .map(|s| crate::support::serve(&s.db, &s.dir.0, &serve_env))
        .collect();
    let served_by = |i: usize| served_model(&servers[i].addr, &keys[i]);
    for i in 0..2 {
        let model =
            nba_testkit::poll_until(std::time::Duration::from_secs(30), "a prediction", || {
                served_by(i)
            });
        assert_eq!(
            model, first,
            "server {i} serves the champion from the bucket"
        );
    }

    // A second version, trained from the other site, promoted: both servers follow.
    with_s3(
        &sites[1],
        &[
            "train",
            "--seasons",
            "2022",
            "--version",
            "second",
            "--json",
        ],
    );
    let started = std::time::Instant::now();
    let moved = with_s3(&sites[1], &["models", "promote", "nba-logit@second"]);
    assert!(
        moved.contains(&format!("champion: {first} -> nba-logit@second")),
        "{moved}"
    );
    let mut took = Vec::new();
    for i in 0..2 {
        nba_testkit::poll_until(
            std::time::Duration::from_secs(30),
            "the promotion served",
            || (served_by(i).as_deref() == Some("nba-logit@second")).then_some(()),
        );
        took.push(started.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        serde_json::json!({"report": "s3_promotion", "instances": 2, "served_by_all_after_s": took})
    );
    let back = with_s3(&sites[0], &["models", "rollback"]);
    assert!(
        back.contains(&format!("champion: nba-logit@second -> {first}")),
        "{back}"
    );
    for i in 0..2 {
        nba_testkit::poll_until(
            std::time::Duration::from_secs(30),
            "the rollback served",
            || (served_by(i).as_deref() == Some(first.as_str())).then_some(()),
        );
    }
}

/// The guide's MLflow block against a real MLflow tracking server on loopback: `train
/// --alias champion` with `MLFLOW_TRACKING_URI` registers the champion there, `promote`
/// moves the MLflow alias to an earlier version, a server started with the same variable
/// serves it, and a rollback is served within seconds.
#[test]
fn the_guides_mlflow_commands_train_promote_and_serve_through_mlflow() {
    let mlflow = nba_testkit::mlflow::MlflowServer::start();
    let site = Site::sqlite("docs_mlflow");
    let season = super::cli::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    site.ok(&["ingest", "fivethirtyeight", &season.display().to_string()]);
    let uri = [("MLFLOW_TRACKING_URI", mlflow.uri.as_str())];
    let with_mlflow = |args: &[&str]| {
        let out = site.cmd(args).envs(uri).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let version = format!("earlier-{}", std::process::id());
    with_mlflow(&[
        "train",
        "--seasons",
        "2022",
        "--version",
        &version,
        "--json",
    ]);
    let earlier = format!("nba-logit@{version}");
    let said = run_with(
        "guide/mlflow",
        &on(&site, None, ""),
        &[
            ("http://mlflow.internal:5000", &mlflow.uri),
            ("1997-2026", "2022"),
            ("nba-logit@<version>", &earlier),
        ],
        None,
    );
    assert!(
        said.contains("models:/nba-logit/"),
        "train names the MLflow version: {said}"
    );
    assert!(said.contains(&format!("-> {earlier}")), "{said}");
    // Nothing of the model went to the state folder.
    assert!(!site.dir.0.join("models").exists());

    let key = crate::support::make_key(&site.db, &site.dir.0, "op", "admin");
    let server = crate::support::serve(
        &site.db,
        &site.dir.0,
        &[
            ("MLFLOW_TRACKING_URI", mlflow.uri.as_str()),
            ("NBA_MCP_AUTO_LOAD", "false"),
            ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
        ],
    );
    let served = || served_model(&server.addr, &key);
    let first = nba_testkit::poll_until(std::time::Duration::from_secs(30), "a prediction", served);
    assert_eq!(first, earlier, "the promoted MLflow alias is served");
    let back = with_mlflow(&["models", "rollback"]);
    assert!(
        back.contains(&format!("champion: {earlier} -> nba-logit@")),
        "{back}"
    );
    let started = std::time::Instant::now();
    nba_testkit::poll_until(
        std::time::Duration::from_secs(30),
        "the rollback served",
        || served().filter(|m| *m != earlier),
    );
    println!(
        "{}",
        serde_json::json!({"report": "mlflow_rollback", "served_after_s": started.elapsed().as_secs_f64()})
    );
}

/// Makes broken copies of an ONNX model (`.venv-mlflow`'s `onnx` package), one per way the
/// contract can be broken, as `dir/NAME.onnx`, and a file that is no model at all.
fn broken_onnx(python: &str, model: &std::path::Path, dir: &std::path::Path) {
    let script = r#"
import sys, onnx
src, out = sys.argv[1], sys.argv[2]
def meta(m, key, value=None):
    kept = [p for p in m.metadata_props if p.key != key]
    del m.metadata_props[:]
    m.metadata_props.extend(kept)
    if value is not None:
        e = m.metadata_props.add()
        e.key, e.value = key, value
def features(m):
    return next(p.value for p in m.metadata_props if p.key == "nba_mcp.features").split(",")
def no_margin(m):
    kept = [o for o in m.graph.output if o.name != "margin"]
    del m.graph.output[:]
    m.graph.output.extend(kept)
variants = {
    "narrow": lambda m: meta(m, "nba_mcp.features", ",".join(features(m)[:3])),
    "unknown": lambda m: meta(m, "nba_mcp.features", ",".join(["vibes"] + features(m)[1:])),
    "no_contract": lambda m: meta(m, "nba_mcp.contract"),
    "no_margin": no_margin,
}
for name, change in variants.items():
    m = onnx.load(src)
    change(m)
    onnx.save(m, f"{out}/{name}.onnx")
open(f"{out}/garbage.onnx", "wb").write(b"\x08\x07 this is not a protobuf of a model " * 40)
"#;
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(model)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "making the broken models: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The guide's bring-your-own-model blocks, run as written against the real data and a real
/// MLflow server: features exported, a scikit-learn model trained, converted and registered on
/// MLflow by the project's script, imported from `models:/NAME@ALIAS` (its in-sample score
/// computed by tract equal to the one scikit-learn printed), promoted and served as
/// `model.kind` `onnx`; models that break the contract are each refused with the reason, and
/// nothing of them is stored.
#[test]
fn the_guides_byom_commands_train_with_sklearn_import_from_mlflow_and_serve_onnx() {
    let mlflow = nba_testkit::mlflow::MlflowServer::start();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv-mlflow/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-mlflow.sh",
        python.display()
    );
    let python = python.display().to_string();
    let script = root
        .join("scripts/byom/train_sklearn.py")
        .display()
        .to_string();
    let site = Site::sqlite("docs_byom");
    let season = super::cli::data_dir().join("fivethirtyeight/nba_elo_latest_2022.csv");
    site.ok(&["ingest", "fivethirtyeight", &season.display().to_string()]);
    let work = &site.dir.0;
    let said = run_with(
        "byom/export",
        &on(&site, None, ""),
        &[("2012-2021", "2022")],
        Some(work),
    );
    assert!(said.contains("wrote 1"), "{said}");
    let header = std::fs::read_to_string(work.join("byom/train.csv")).unwrap();
    assert!(header.starts_with("date,season,"), "{header:.200}");
    assert!(work.join("byom/train.csv.contract.json").exists());

    let registered = format!("nba-byom-{}", std::process::id());
    let said = run_with(
        "byom/train",
        &on(&site, None, ""),
        &[
            (".venv-mlflow/bin/python", &python),
            ("scripts/byom/train_sklearn.py", &script),
            ("http://mlflow.internal:5000", &mlflow.uri),
            ("nba-byom", &registered),
        ],
        Some(work),
    );
    let sklearn: f64 = said
        .lines()
        .find_map(|l| serde_json::from_str::<Value>(l).ok()?["in_sample_brier"].as_f64())
        .unwrap_or_else(|| panic!("the script prints its in-sample Brier: {said}"));
    assert!(said.contains(&format!("models:/{registered}/")), "{said}");

    let said = run_with(
        "byom/import",
        &on(&site, None, ""),
        &[
            ("http://mlflow.internal:5000", &mlflow.uri),
            ("nba-byom", &registered),
        ],
        Some(work),
    );
    assert!(
        said.contains("imported sklearn-logit@v1 (7 features)"),
        "{said}"
    );
    let tract: f64 = said
        .split("Brier ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("import prints the in-sample Brier: {said}"));
    assert!(
        (tract - sklearn).abs() <= 0.0002,
        "tract's in-sample Brier {tract} vs scikit-learn's {sklearn}"
    );
    assert!(said.contains("onnx"), "models show names the kind: {said}");
    println!(
        "{}",
        serde_json::json!({"report": "byom_in_sample_brier", "sklearn": sklearn, "tract": tract})
    );

    // Broken contracts: each refused with its reason, nothing stored.
    broken_onnx(&python, &work.join("byom/model.onnx"), work);
    for (name, reason) in [
        ("narrow", "it must be declared float [N, 3]"),
        ("unknown", "feature 'vibes', which nba-mcp does not compute"),
        ("no_contract", "no metadata entry 'nba_mcp.contract'"),
        ("no_margin", "no output 'margin'"),
        ("garbage", "not an ONNX model"),
    ] {
        let file = work.join(format!("{name}.onnx")).display().to_string();
        let out = site
            .cmd(&["models", "import-onnx", &file, "--name", "broken"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} is refused");
        assert!(err.contains(reason), "{name}: {err}");
    }
    let list = site.ok(&["models", "list"]);
    assert!(!list.contains("broken"), "{list}");

    site.ok(&["models", "promote", "sklearn-logit@v1"]);
    let key = crate::support::make_key(&site.db, work, "op", "admin");
    let server = crate::support::serve(
        &site.db,
        work,
        &[
            ("NBA_MCP_AUTO_LOAD", "false"),
            ("NBA_MCP_RATE_LIMIT_PER_S", "0"),
        ],
    );
    let a = crate::support::curl(
        &format!("http://{}/v1/predict", server.addr),
        Some(&key),
        Some(r#"{"home":"BOS","away":"MIA"}"#),
        &[],
    );
    let v: Value = serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("{}", a.body));
    assert_eq!(v["model"]["kind"], "onnx", "{v}");
    assert_eq!(v["model"]["name"], "sklearn-logit", "{v}");
    let p = v["home_win_probability"].as_f64().unwrap_or(f64::NAN);
    assert!(p > 0.0 && p < 1.0, "{v}");
}
