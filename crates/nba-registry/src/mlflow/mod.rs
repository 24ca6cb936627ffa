//! The MLflow backend: models in an MLflow tracking server's model registry, reached over its
//! REST API (`MLFLOW_TRACKING_URI`). Saving a model logs a run in the experiment `nba-mcp`
//! (parameters, metrics, tags), uploads the artifact through the server's artifact proxy
//! (`--serve-artifacts`), registers a model version whose source is that upload, and tags the
//! version with our version string and the SHA-256 of the artifact's bytes. Aliases are the
//! registered model's aliases; their moves are kept in a registered-model tag (MLflow keeps
//! no alias history), so `rollback` works here too.
//!
//! MLflow resolves `models:/name@alias` only in its Python client, checks no source, and its
//! proxy's ETags are not content hashes: we read the alias, then the version's source, and
//! verify our own SHA-256 on every load, so a changed artifact is refused, never served.

use std::collections::BTreeMap;
use std::time::Duration;

use nba_model::{artifact::sha256_hex, Artifact, ModelError};
use reqwest13 as reqwest;
use serde_json::{json, Value};

use crate::object::MAX_OBJECT_BYTES;
use crate::{check_name, AliasChange, BoxFuture, ModelRef, ModelRegistry};

mod foreign;

/// The experiment runs are logged in.
pub const EXPERIMENT: &str = "nba-mcp";
/// Model-version tag holding our version string (MLflow numbers versions itself).
const VERSION_TAG: &str = "nba_mcp.version";
/// Model-version tag holding the SHA-256 of the artifact file.
const SHA_TAG: &str = "nba_mcp.sha256";
/// Registered-model tag holding the alias moves (JSON), newest last.
const HISTORY_TAG: &str = "nba_mcp.alias_history";
/// Longest history tag written (MLflow limits tag values; older moves are dropped).
const HISTORY_MAX_CHARS: usize = 4000;
/// Pages of a search read at most (of 1000 results each).
const MAX_PAGES: usize = 20;

/// A model registry on an MLflow tracking server.
#[derive(Clone)]
pub struct MlflowRegistry {
    base: reqwest::Url,
    http: reqwest::Client,
    auth: Auth,
    /// The registered model each alias was last found on: serving's poll asks that one
    /// first (one call) instead of walking every registered model.
    seen: std::sync::Arc<std::sync::Mutex<BTreeMap<String, String>>>,
}

#[derive(Clone)]
enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
}

impl std::fmt::Debug for MlflowRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MlflowRegistry({})", self.base)
    }
}

/// One registered model version, as the registry needs it.
struct Version {
    number: String,
    source: String,
    tags: BTreeMap<String, String>,
}

fn registry_err(s: impl Into<String>) -> ModelError {
    ModelError::Registry(s.into())
}

fn tags_of(v: &Value) -> BTreeMap<String, String> {
    v["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| Some((t["key"].as_str()?.into(), t["value"].as_str()?.into())))
                .collect()
        })
        .unwrap_or_default()
}

impl MlflowRegistry {
    /// The tracking server at `uri` (`http://` or `https://`). Credentials come from
    /// `MLFLOW_TRACKING_TOKEN` (a bearer token) or `MLFLOW_TRACKING_USERNAME` and
    /// `MLFLOW_TRACKING_PASSWORD`, as MLflow's own clients read them.
    pub fn new(uri: &str) -> Result<MlflowRegistry, ModelError> {
        // The URI is not echoed: it may hold a password.
        let mut base = reqwest::Url::parse(uri.trim_end_matches('/'))
            .map_err(|e| registry_err(format!("the MLflow tracking URI is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(registry_err(format!(
                "MLflow tracking URI '{uri}': only http:// and https:// servers are supported"
            )));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| registry_err(format!("MLflow client: {e}")))?;
        // Credentials in the URL (`https://user:pass@host`) are used, then dropped from it,
        // so messages and logs never show them.
        let in_url = (!base.username().is_empty()).then(|| {
            (
                base.username().to_string(),
                base.password().unwrap_or("").to_string(),
            )
        });
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let auth = match (
            std::env::var("MLFLOW_TRACKING_TOKEN"),
            std::env::var("MLFLOW_TRACKING_USERNAME"),
            in_url,
        ) {
            (Ok(token), _, _) => Auth::Bearer(token),
            (_, Ok(user), _) => Auth::Basic(
                user,
                std::env::var("MLFLOW_TRACKING_PASSWORD").unwrap_or_default(),
            ),
            (_, _, Some((user, password))) => Auth::Basic(user, password),
            _ => Auth::None,
        };
        Ok(MlflowRegistry {
            base,
            http,
            auth,
            seen: Default::default(),
        })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        }
    }

    /// Reads a response body, at most [`MAX_OBJECT_BYTES`].
    async fn body(&self, mut resp: reqwest::Response, what: &str) -> Result<Vec<u8>, ModelError> {
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| registry_err(format!("{}: {what}: {e}", self.base)))?
        {
            out.extend_from_slice(&chunk);
            if out.len() as u64 > MAX_OBJECT_BYTES {
                return Err(registry_err(format!(
                    "{}: {what}: answer larger than {MAX_OBJECT_BYTES} bytes",
                    self.base
                )));
            }
        }
        Ok(out)
    }

    /// One REST call: JSON in (for POST/PATCH/DELETE) and out. MLflow's errors come back
    /// as `Err((error_code, message))` inside the outer result, so callers can accept some.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Result<Value, (String, String)>, ModelError> {
        let url = self.url(&format!("api/2.0/mlflow/{path}"), query);
        let mut req = self.authed(self.http.request(method.clone(), url));
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let what = format!("{method} {path}");
        let resp = req
            .send()
            .await
            .map_err(|e| registry_err(format!("{}: {what}: {e}", self.base)))?;
        let status = resp.status();
        let bytes = self.body(resp, &what).await?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(Ok(value));
        }
        let code = value["error_code"].as_str().unwrap_or("").to_string();
        let message = value["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(300).collect());
        Ok(Err((
            if code.is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                code
            },
            message,
        )))
    }

    /// A call whose every MLflow error is a registry error naming it.
    async fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Value, ModelError> {
        self.call(method, path, query, body)
            .await?
            .map_err(|(code, message)| {
                registry_err(format!("{}: {path}: {code}: {message}", self.base))
            })
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ModelError> {
        self.ok(reqwest::Method::GET, path, query, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, ModelError> {
        self.ok(reqwest::Method::POST, path, &[], Some(body)).await
    }

    async fn experiment_id(&self) -> Result<String, ModelError> {
        let found = self
            .call(
                reqwest::Method::GET,
                "experiments/get-by-name",
                &[("experiment_name", EXPERIMENT)],
                None,
            )
            .await?;
        if let Ok(v) = found {
            if let Some(id) = v["experiment"]["experiment_id"].as_str() {
                return Ok(id.to_string());
            }
        }
        match self
            .call(
                reqwest::Method::POST,
                "experiments/create",
                &[],
                Some(json!({ "name": EXPERIMENT })),
            )
            .await?
        {
            Ok(v) => Ok(v["experiment_id"].as_str().unwrap_or_default().to_string()),
            // Created by another instance meanwhile.
            Err((code, _)) if code == "RESOURCE_ALREADY_EXISTS" => {
                let v = self
                    .get(
                        "experiments/get-by-name",
                        &[("experiment_name", EXPERIMENT)],
                    )
                    .await?;
                Ok(v["experiment"]["experiment_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string())
            }
            Err((code, message)) => Err(registry_err(format!(
                "{}: creating experiment {EXPERIMENT}: {code}: {message}",
                self.base
            ))),
        }
    }

    /// The artifact proxy URL of `uri` (`mlflow-artifacts:/...`).
    fn proxied(&self, uri: &str) -> Result<reqwest::Url, ModelError> {
        let path = uri
            .strip_prefix("mlflow-artifacts:")
            .map(|p| p.trim_start_matches('/'))
            .ok_or_else(|| {
                registry_err(format!(
                    "{}: artifact location '{uri}' is not served by the tracking server; start \
                     it with --serve-artifacts (and no --default-artifact-root) so models go \
                     through its artifact proxy",
                    self.base
                ))
            })?;
        if path.split('/').any(|seg| seg == "..") {
            return Err(registry_err(format!(
                "artifact location '{uri}' escapes its root"
            )));
        }
        Ok(self.url(&format!("api/2.0/mlflow-artifacts/artifacts/{path}"), &[]))
    }

    /// Every version of registered model `name` (newest first).
    async fn versions(&self, name: &str) -> Result<Vec<Version>, ModelError> {
        let filter = format!("name='{}'", name.replace('\'', ""));
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("filter", filter.as_str()), ("max_results", "1000")];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let v = self.get("model-versions/search", &query).await?;
            for mv in v["model_versions"].as_array().into_iter().flatten() {
                out.push(Version {
                    number: mv["version"].as_str().unwrap_or_default().to_string(),
                    source: mv["source"].as_str().unwrap_or_default().to_string(),
                    tags: tags_of(mv),
                });
            }
            match v["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = t.to_string(),
                _ => break,
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.number.parse::<u64>().unwrap_or(0)));
        Ok(out)
    }

    /// The newest MLflow version registered for `model`.
    async fn find(&self, model: &ModelRef) -> Result<Version, ModelError> {
        check_name(&model.name)?;
        check_name(&model.version)?;
        self.versions(&model.name)
            .await?
            .into_iter()
            .find(|v| v.tags.get(VERSION_TAG) == Some(&model.version))
            .ok_or_else(|| ModelError::NotFound(model.to_string()))
    }

    /// Every registered model: name, aliases (alias -> MLflow version) and tags.
    async fn registered(
        &self,
    ) -> Result<Vec<(String, Vec<(String, String)>, BTreeMap<String, String>)>, ModelError> {
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("max_results", "1000")];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let v = self.get("registered-models/search", &query).await?;
            for rm in v["registered_models"].as_array().into_iter().flatten() {
                let name = rm["name"].as_str().unwrap_or_default().to_string();
                let aliases = rm["aliases"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| {
                        Some((
                            a["alias"].as_str()?.to_string(),
                            a["version"].as_str()?.to_string(),
                        ))
                    })
                    .collect();
                out.push((name, aliases, tags_of(rm)));
            }
            match v["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = t.to_string(),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn save_now(&self, artifact: &Artifact) -> Result<String, ModelError> {
        let model = ModelRef::of(artifact);
        check_name(&model.name)?;
        check_name(&model.version)?;
        let text = artifact.to_file_string();
        let sha256 = sha256_hex(text.as_bytes());
        let experiment = self.experiment_id().await?;
        let now = chrono::Utc::now().timestamp_millis();
        let run = self
            .post(
                "runs/create",
                json!({
                    "experiment_id": experiment,
                    "run_name": model.to_string(),
                    "start_time": now,
                    "tags": [
                        {"key": "nba_mcp.model", "value": model.to_string()},
                        {"key": "mlflow.source.name", "value": "nba-mcp train"},
                    ],
                }),
            )
            .await?;
        let run_id = run["run"]["info"]["run_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let artifact_uri = run["run"]["info"]["artifact_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let summary = serde_json::to_value(artifact).unwrap_or(Value::Null);
        let mut params = vec![
            json!({"key": "name", "value": model.name}),
            json!({"key": "version", "value": model.version}),
            json!({"key": "features", "value": artifact.features.join(",")}),
        ];
        if let Some(training) = summary["training"].as_object() {
            for (k, v) in training {
                if v.is_number() || v.is_string() || v.is_boolean() {
                    let value = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    params.push(json!({"key": format!("training.{k}"), "value": value}));
                }
            }
        }
        let mut metrics = Vec::new();
        for (set, step) in [("train", 0), ("validation", 1)] {
            if let Some(m) = summary["metrics"][set].as_object() {
                for (k, v) in m {
                    if let Some(x) = v.as_f64() {
                        metrics.push(json!({"key": format!("{set}.{k}"), "value": x, "timestamp": now, "step": step}));
                    }
                }
            }
        }
        self.post(
            "runs/log-batch",
            json!({"run_id": run_id, "params": params, "metrics": metrics}),
        )
        .await?;
        let source = format!("{}/model", artifact_uri.trim_end_matches('/'));
        let upload = self.proxied(&format!("{source}/artifact.json"))?;
        let resp = self
            .authed(self.http.put(upload))
            .header("content-type", "application/json")
            .body(text.clone())
            .send()
            .await
            .map_err(|e| registry_err(format!("{}: uploading the artifact: {e}", self.base)))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = self
                .body(resp, "uploading the artifact")
                .await
                .unwrap_or_default();
            return Err(registry_err(format!(
                "{}: uploading the artifact: HTTP {}: {}",
                self.base,
                status.as_u16(),
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )));
        }
        self.post(
            "runs/update",
            json!({"run_id": run_id, "status": "FINISHED", "end_time": chrono::Utc::now().timestamp_millis()}),
        )
        .await?;
        match self
            .call(
                reqwest::Method::POST,
                "registered-models/create",
                &[],
                Some(json!({"name": model.name})),
            )
            .await?
        {
            Ok(_) => {}
            Err((code, _)) if code == "RESOURCE_ALREADY_EXISTS" => {}
            Err((code, message)) => {
                return Err(registry_err(format!(
                    "{}: registering {}: {code}: {message}",
                    self.base, model.name
                )))
            }
        }
        let mv = self
            .post(
                "model-versions/create",
                json!({
                    "name": model.name,
                    "source": source,
                    "run_id": run_id,
                    "tags": [
                        {"key": VERSION_TAG, "value": model.version},
                        {"key": SHA_TAG, "value": sha256},
                    ],
                }),
            )
            .await?;
        let number = mv["model_version"]["version"].as_str().unwrap_or("?");
        Ok(format!(
            "{} models:/{}/{number} (run {run_id})",
            self.base, model.name
        ))
    }

    async fn load_now(&self, model: &ModelRef) -> Result<Artifact, ModelError> {
        let version = self.find(model).await?;
        let shown = std::path::PathBuf::from(format!(
            "{} models:/{}/{}",
            self.base, model.name, version.number
        ));
        let expected = version
            .tags
            .get(SHA_TAG)
            .cloned()
            .ok_or_else(|| ModelError::Corrupt {
                path: shown.clone(),
                message: format!(
                    "the version has no {SHA_TAG} tag, so its artifact cannot be verified"
                ),
            })?;
        let url = self.proxied(&format!(
            "{}/artifact.json",
            version.source.trim_end_matches('/')
        ))?;
        let resp = self
            .authed(self.http.get(url))
            .send()
            .await
            .map_err(|e| registry_err(format!("{}: downloading {model}: {e}", self.base)))?;
        if !resp.status().is_success() {
            return Err(ModelError::Corrupt {
                path: shown,
                message: format!(
                    "its artifact {}/artifact.json could not be read (HTTP {})",
                    version.source,
                    resp.status().as_u16()
                ),
            });
        }
        let bytes = self.body(resp, "downloading the artifact").await?;
        let actual = sha256_hex(&bytes);
        if actual != expected {
            return Err(ModelError::Checksum {
                path: shown,
                expected,
                actual,
            });
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| ModelError::Corrupt {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let artifact = Artifact::from_file_str(&shown, text)?;
        if ModelRef::of(&artifact) != *model {
            return Err(ModelError::Corrupt {
                path: shown,
                message: format!("it holds an artifact of {}", ModelRef::of(&artifact)),
            });
        }
        Ok(artifact)
    }

    async fn aliases_now(&self) -> Result<BTreeMap<String, ModelRef>, ModelError> {
        let mut out = BTreeMap::new();
        for (name, aliases, _) in self.registered().await? {
            if aliases.is_empty() {
                continue;
            }
            let versions = self.versions(&name).await?;
            for (alias, number) in aliases {
                if let Some(v) = versions.iter().find(|v| v.number == number) {
                    if let Some(ours) = v.tags.get(VERSION_TAG) {
                        out.insert(alias, ModelRef::new(name.clone(), ours.clone()));
                    }
                }
            }
        }
        Ok(out)
    }

    /// What `alias` points at, asking the registered model it was last seen on first (one
    /// call), and walking the registry only when that misses.
    async fn alias_target(&self, alias: &str) -> Result<ModelRef, ModelError> {
        let last = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(alias)
            .cloned();
        if let Some(name) = last {
            let got = self
                .call(
                    reqwest::Method::GET,
                    "registered-models/alias",
                    &[("name", &name), ("alias", alias)],
                    None,
                )
                .await?;
            if let Ok(v) = got {
                if let Some(ours) = tags_of(&v["model_version"]).get(VERSION_TAG) {
                    return Ok(ModelRef::new(name, ours.clone()));
                }
            }
        }
        let found = self
            .aliases_now()
            .await?
            .remove(alias)
            .ok_or_else(|| ModelError::NotFound(format!("alias '{alias}'")))?;
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(alias.to_string(), found.name.clone());
        Ok(found)
    }

    async fn history_now(&self) -> Result<Vec<AliasChange>, ModelError> {
        let mut all: Vec<AliasChange> = Vec::new();
        for (_, _, tags) in self.registered().await? {
            if let Some(text) = tags.get(HISTORY_TAG) {
                all.extend(serde_json::from_str::<Vec<AliasChange>>(text).unwrap_or_default());
            }
        }
        all.sort_by(|a, b| a.at.cmp(&b.at));
        Ok(all)
    }

    async fn set_alias_now(&self, alias: &str, model: &ModelRef) -> Result<(), ModelError> {
        check_name(alias)?;
        self.load_now(model).await?;
        let version = self.find(model).await?;
        let registered = self.registered().await?;
        let previous = self.aliases_now().await?.remove(alias);
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(alias.to_string(), model.name.clone());
        if previous.as_ref() == Some(model) {
            return Ok(());
        }
        // An alias names one model across the registry: leave no copy on another name.
        for (name, aliases, _) in &registered {
            if name != &model.name && aliases.iter().any(|(a, _)| a == alias) {
                self.ok(
                    reqwest::Method::DELETE,
                    "registered-models/alias",
                    &[],
                    Some(json!({"name": name, "alias": alias})),
                )
                .await?;
            }
        }
        self.post(
            "registered-models/alias",
            json!({"name": model.name, "alias": alias, "version": version.number}),
        )
        .await?;
        let mut history: Vec<AliasChange> = registered
            .iter()
            .find(|(name, _, _)| name == &model.name)
            .and_then(|(_, _, tags)| tags.get(HISTORY_TAG))
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        history.push(AliasChange {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            alias: alias.to_string(),
            model: model.clone(),
            previous,
        });
        let mut text = serde_json::to_string(&history).expect("history serialises");
        while text.len() > HISTORY_MAX_CHARS && history.len() > 1 {
            history.remove(0);
            text = serde_json::to_string(&history).expect("history serialises");
        }
        self.post(
            "registered-models/set-tag",
            json!({"name": model.name, "key": HISTORY_TAG, "value": text}),
        )
        .await?;
        Ok(())
    }

    async fn list_now(&self) -> Result<Vec<ModelRef>, ModelError> {
        let mut out = Vec::new();
        for (name, _, _) in self.registered().await? {
            for v in self.versions(&name).await? {
                if let Some(ours) = v.tags.get(VERSION_TAG) {
                    out.push(ModelRef::new(name.clone(), ours.clone()));
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

impl ModelRegistry for MlflowRegistry {
    fn location(&self) -> String {
        format!("MLflow {}", self.base)
    }

    fn save<'a>(&'a self, artifact: &'a Artifact) -> BoxFuture<'a, Result<String, ModelError>> {
        Box::pin(self.save_now(artifact))
    }

    fn load<'a>(&'a self, model: &'a ModelRef) -> BoxFuture<'a, Result<Artifact, ModelError>> {
        Box::pin(self.load_now(model))
    }

    fn aliases(&self) -> BoxFuture<'_, Result<BTreeMap<String, ModelRef>, ModelError>> {
        Box::pin(self.aliases_now())
    }

    fn set_alias<'a>(
        &'a self,
        alias: &'a str,
        model: &'a ModelRef,
    ) -> BoxFuture<'a, Result<(), ModelError>> {
        Box::pin(self.set_alias_now(alias, model))
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<ModelRef>, ModelError>> {
        Box::pin(self.list_now())
    }

    /// An alias costs one call when it is where it was last seen (serving polls this).
    fn resolve_ref<'a>(&'a self, spec: &'a str) -> BoxFuture<'a, Result<ModelRef, ModelError>> {
        Box::pin(async move {
            match spec.split_once('@') {
                Some((name, version)) => Ok(ModelRef::new(name, version)),
                None => self.alias_target(spec).await,
            }
        })
    }

    fn alias_history<'a>(
        &'a self,
        alias: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AliasChange>, ModelError>> {
        Box::pin(async move {
            Ok(self
                .history_now()
                .await?
                .into_iter()
                .filter(|c| c.alias == alias)
                .collect())
        })
    }
}
