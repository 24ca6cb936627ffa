//! The MLflow registry against a real MLflow tracking server on loopback: saving logs a run
//! (parameters, metrics) in the `nba-mcp` experiment and registers a version whose artifact
//! went through the artifact proxy; aliases are MLflow aliases and their moves are kept, so a
//! rollback target is known; an artifact changed behind MLflow's back is refused by our own
//! SHA-256 while the alias keeps serving what it had; an unreachable server fails in bounded
//! time naming it.

use std::process::Command;
use std::time::{Duration, Instant};

use nba_model::train::train_artifact;
use nba_model::{Artifact, FeatureConfig, TrainConfig};
use nba_registry::{MlflowRegistry, ModelRef, ModelRegistry};
use nba_testkit::mlflow::MlflowServer;
use serde_json::Value;

use crate::league;

/// A model under a registered-model name of this test's own (the server may be shared).
fn trained(name: &str, seasons: (i64, i64)) -> Artifact {
    train_artifact(
        &league(2010..=2013),
        seasons,
        name,
        None,
        FeatureConfig::default(),
        &TrainConfig::default(),
    )
    .expect("training")
}

fn get(server: &MlflowServer, path: &str) -> Value {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10"])
        .arg(format!("{}/api/2.0/mlflow/{path}", server.uri))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_round_trip_through_mlflow_and_a_changed_artifact_is_refused() {
    let server = MlflowServer::start();
    let name = nba_testkit::unique("nba-logit").replace('_', "-");
    let registry = MlflowRegistry::new(&server.uri).unwrap();
    // Aliases are global across the registry: one of this test's own, since the server may
    // be shared with tests that move `champion`.
    let champion = name.clone() + "-champion";
    let champion = champion.as_str();
    assert!(registry.location().starts_with("MLflow http://127.0.0.1:"));

    let a = trained(&name, (2010, 2012));
    let shown = registry.save(&a).await.unwrap();
    assert!(shown.contains(&format!("models:/{name}/1")), "{shown}");
    let b = trained(&name, (2011, 2013));
    registry.save(&b).await.unwrap();
    let (ra, rb) = (ModelRef::of(&a), ModelRef::of(&b));
    let mine = |all: Vec<ModelRef>| {
        all.into_iter()
            .filter(|m| m.name == name)
            .collect::<Vec<_>>()
    };
    let mut expected = vec![ra.clone(), rb.clone()];
    expected.sort();
    assert_eq!(mine(registry.list().await.unwrap()), expected);
    assert_eq!(registry.load(&ra).await.unwrap(), a);

    // What MLflow itself shows: the version's tags and the run's params and metrics.
    let mv = get(
        &server,
        &format!("model-versions/get?name={name}&version=1"),
    );
    let tags = mv["model_version"]["tags"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["key"] == "nba_mcp.version" && t["value"] == a.version.as_str()),
        "{mv}"
    );
    let run_id = mv["model_version"]["run_id"].as_str().unwrap();
    let run = get(&server, &format!("runs/get?run_id={run_id}"));
    assert_eq!(run["run"]["info"]["status"], "FINISHED", "{run}");
    let metrics = run["run"]["data"]["metrics"].as_array().unwrap();
    assert!(metrics.iter().any(|m| m["key"] == "train.brier"), "{run}");
    let params = run["run"]["data"]["params"].as_array().unwrap();
    assert!(
        params
            .iter()
            .any(|p| p["key"] == "version" && p["value"] == a.version.as_str()),
        "{run}"
    );

    // Aliases are MLflow's; each move is kept with what it replaced.
    registry.set_alias(champion, &ra).await.unwrap();
    registry.set_alias(champion, &rb).await.unwrap();
    assert_eq!(registry.resolve(champion).await.unwrap(), b);
    let rm = get(&server, &format!("registered-models/get?name={name}"));
    let aliases = rm["registered_model"]["aliases"].as_array().unwrap();
    assert!(
        aliases
            .iter()
            .any(|x| x["alias"] == champion && x["version"] == "2"),
        "{rm}"
    );
    let history = registry.alias_history(champion).await.unwrap();
    let last = history
        .iter()
        .rev()
        .find(|c| c.model == rb)
        .expect("the move is kept");
    assert_eq!(last.previous, Some(ra.clone()));
    registry.set_alias(champion, &ra).await.unwrap();
    // Another instance (a client of its own) follows moves: the first lookup walks the
    // registry, the next ones ask the registered model the alias was seen on.
    let other = MlflowRegistry::new(&server.uri).unwrap();
    assert_eq!(other.resolve_ref(champion).await.unwrap(), ra);
    registry.set_alias(champion, &rb).await.unwrap();
    assert_eq!(other.resolve_ref(champion).await.unwrap(), rb);
    registry.set_alias(champion, &ra).await.unwrap();
    assert_eq!(other.resolve_ref(champion).await.unwrap(), ra);

    // b's artifact replaced through the proxy (the registry checks no source): refused by
    // its SHA-256; it cannot become the champion, and the champion still loads.
    let source = get(
        &server,
        &format!("model-versions/get?name={name}&version=2"),
    )["model_version"]["source"]
        .as_str()
        .unwrap()
        .to_string();
    let path = source
        .strip_prefix("mlflow-artifacts:")
        .unwrap()
        .trim_start_matches('/');
    let coef = format!(
        "{}",
        b.parameters.linear().unwrap().logistic.coefficients[0]
    );
    let bad = b.to_file_string().replacen(&coef, &format!("{coef}1"), 1);
    let put = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "--data-binary",
            &bad,
        ])
        .arg(format!(
            "{}/api/2.0/mlflow-artifacts/artifacts/{path}/artifact.json",
            server.uri
        ))
        .output()
        .unwrap();
    assert_eq!(put.stdout, b"200");
    let err = registry.load(&rb).await.unwrap_err();
    assert_eq!(err.code(), "artifact_checksum", "{err}");
    assert!(registry.set_alias(champion, &rb).await.is_err());
    assert_eq!(registry.resolve(champion).await.unwrap(), a);
    assert_eq!(
        registry
            .load(&ModelRef::new(&name, "nope"))
            .await
            .unwrap_err()
            .code(),
        "model_not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_mlflow_fails_in_bounded_time_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let registry = MlflowRegistry::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let started = Instant::now();
    let err = registry.aliases().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), "model_registry", "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(MlflowRegistry::new("ftp://x").is_err());
    // Credentials in the URL are used for the calls and never shown.
    let with_password = format!("http://ops:s3cret-pass@127.0.0.1:{port}");
    let registry = MlflowRegistry::new(&with_password).unwrap();
    assert!(
        !registry.location().contains("s3cret"),
        "{}",
        registry.location()
    );
    let err = registry.list().await.unwrap_err().to_string();
    assert!(!err.contains("s3cret"), "{err}");
}
