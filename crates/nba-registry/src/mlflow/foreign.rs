//! Models registered on MLflow by someone else (`mlflow.onnx.log_model` from Python, say):
//! one file of a registered version, found through its source.

use nba_model::ModelError;

use super::{registry_err, MlflowRegistry};

impl MlflowRegistry {
    /// Downloads `file` of a model registered by anyone (`mlflow.onnx.log_model` from
    /// Python, say): `uri` is `models:/NAME/VERSION` or `models:/NAME@ALIAS`. The version's
    /// source may be a logged model (`models:/m-...`, MLflow 3), a run (`runs:/ID/path`) or
    /// an artifact location. Returns the bytes and what they were read from.
    pub async fn fetch_registered_file(
        &self,
        uri: &str,
        file: &str,
    ) -> Result<(Vec<u8>, String), ModelError> {
        let bad = || {
            registry_err(format!(
                "'{uri}' is not a registered model: give models:/NAME/VERSION or models:/NAME@ALIAS"
            ))
        };
        let rest = uri.strip_prefix("models:/").ok_or_else(bad)?;
        let mv = if let Some((name, alias)) = rest.split_once('@') {
            self.get(
                "registered-models/alias",
                &[("name", name), ("alias", alias)],
            )
            .await?
        } else {
            let (name, version) = rest.split_once('/').ok_or_else(bad)?;
            self.get(
                "model-versions/get",
                &[("name", name), ("version", version)],
            )
            .await?
        };
        let mv = &mv["model_version"];
        let source = mv["source"].as_str().unwrap_or_default().to_string();
        let location = if let Some(id) = source.strip_prefix("models:/") {
            let lm = self.get(&format!("logged-models/{id}"), &[]).await?;
            lm["model"]["info"]["artifact_uri"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else if let Some(run_path) = source.strip_prefix("runs:/") {
            let (run_id, path) = run_path.split_once('/').unwrap_or((run_path, ""));
            let run = self.get("runs/get", &[("run_id", run_id)]).await?;
            let root = run["run"]["info"]["artifact_uri"]
                .as_str()
                .unwrap_or_default();
            format!("{}/{path}", root.trim_end_matches('/'))
        } else {
            source.clone()
        };
        let shown = format!(
            "{} models:/{}/{} ({location}/{file})",
            self.base,
            mv["name"].as_str().unwrap_or_default(),
            mv["version"].as_str().unwrap_or_default()
        );
        let url = self.proxied(&format!("{}/{file}", location.trim_end_matches('/')))?;
        let resp = self
            .authed(self.http.get(url))
            .send()
            .await
            .map_err(|e| registry_err(format!("{shown}: {e}")))?;
        if !resp.status().is_success() {
            return Err(registry_err(format!(
                "{shown}: HTTP {} (is {file} among the version's artifacts?)",
                resp.status().as_u16()
            )));
        }
        Ok((
            self.body(resp, &format!("downloading {file}")).await?,
            shown,
        ))
    }
}
