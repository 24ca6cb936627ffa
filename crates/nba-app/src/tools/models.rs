//! Model tools for the people who ship models: list the registry's versions and aliases
//! (`models:train`), and promote or roll back an alias (`models:deploy`, audited). They act
//! on the server's configured model store (a folder, a bucket on the S3 API or MLflow); a
//! move made here is served by this server at once and by every other instance sharing the
//! store within its refresh period. Training stays a CLI command (it runs for seconds to
//! minutes of CPU).

use nba_auth::Permission;
use nba_registry::ModelRegistry;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ops::NoInput;
use super::{Ctx, Tool};
use crate::models::AliasMove;
use crate::{App, AppError};

/// One stored model version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ModelEntry {
    /// `name@version`.
    pub model: String,
    pub name: String,
    pub version: String,
    /// The aliases pointing at it.
    pub aliases: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListModelsOutput {
    /// Where the models are (`folder ...`, `s3://...`, `MLflow http://...`).
    pub store: String,
    /// The alias or `name@version` this server serves.
    pub serving_spec: String,
    /// The version it serves now, if one is loaded.
    pub serving: Option<String>,
    pub models: Vec<ModelEntry>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteModelInput {
    /// The stored model to point the alias at: `name@version` (as `list_models` shows it),
    /// or another alias.
    pub model: String,
    /// The alias to move (default `champion`).
    pub alias: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackModelInput {
    /// The alias to move back (default `champion`).
    pub alias: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AliasMoveOutput {
    pub alias: String,
    /// What the alias pointed at before (none: a new alias).
    pub from: Option<String>,
    pub to: String,
    /// The version this server serves after the move.
    pub serving: Option<String>,
}

impl App {
    pub(crate) fn model_registry(&self) -> Result<std::sync::Arc<dyn ModelRegistry>, AppError> {
        self.inner
            .predictions
            .registry()
            .cloned()
            .ok_or_else(|| AppError::NotFound("this server has no model store configured".into()))
    }

    fn serving(&self) -> Option<String> {
        self.model_info()
            .map(|(name, version, _)| format!("{name}@{version}"))
    }

    /// After a move: serve what the alias points at now, here, without waiting for the
    /// refresh. A failure leaves the old model serving and is reported by health checks.
    async fn moved(&self, m: AliasMove) -> AliasMoveOutput {
        if let Err(e) = self.refresh_models().await {
            tracing::warn!(error = %e, "serving the moved alias failed; the previous model serves");
        }
        AliasMoveOutput {
            alias: m.alias,
            from: m.from.map(|f| f.to_string()),
            to: m.to.to_string(),
            serving: self.serving(),
        }
    }
}

fn alias_of(alias: Option<String>) -> String {
    alias.unwrap_or_else(|| nba_registry::CHAMPION.to_string())
}

/// The `list_models` tool.
pub struct ListModels;

impl Tool for ListModels {
    const NAME: &'static str = "list_models";
    const TITLE: &'static str = "Models";
    const DESCRIPTION: &'static str = "Every model version in the server's model store, with the aliases pointing at each, and the version this server serves.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsTrain);
    type Input = NoInput;
    type Output = ListModelsOutput;

    async fn run(cx: Ctx<'_>, _input: NoInput) -> Result<ListModelsOutput, AppError> {
        let registry = cx.app.model_registry()?;
        let aliases = registry.aliases().await?;
        let models = registry
            .list()
            .await?
            .into_iter()
            .map(|m| ModelEntry {
                aliases: aliases
                    .iter()
                    .filter(|(_, r)| **r == m)
                    .map(|(a, _)| a.clone())
                    .collect(),
                model: m.to_string(),
                name: m.name,
                version: m.version,
            })
            .collect();
        Ok(ListModelsOutput {
            store: registry.location(),
            serving_spec: cx
                .app
                .inner
                .predictions
                .spec()
                .unwrap_or_default()
                .to_string(),
            serving: cx.app.serving(),
            models,
        })
    }
}

/// The `promote_model` tool.
pub struct PromoteModel;

impl Tool for PromoteModel {
    const NAME: &'static str = "promote_model";
    const TITLE: &'static str = "Promote a model";
    const DESCRIPTION: &'static str = "Points an alias (default champion) at a stored model version after checking that it loads cleanly; audited as models:promote. This server serves it at once, other instances on the same model store within seconds. rollback_model undoes it.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsDeploy);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = true;
    type Input = PromoteModelInput;
    type Output = AliasMoveOutput;

    async fn run(cx: Ctx<'_>, input: PromoteModelInput) -> Result<AliasMoveOutput, AppError> {
        let registry = cx.app.model_registry()?;
        let alias = alias_of(input.alias);
        let m = crate::models::promote(
            cx.app.store(),
            registry.as_ref(),
            cx.caller,
            &alias,
            &input.model,
        )
        .await?;
        Ok(cx.app.moved(m).await)
    }
}

/// The `rollback_model` tool.
pub struct RollbackModel;

impl Tool for RollbackModel {
    const NAME: &'static str = "rollback_model";
    const TITLE: &'static str = "Roll a model back";
    const DESCRIPTION: &'static str = "Points an alias (default champion) back at what it pointed at before its latest move; audited as models:rollback. Served here at once, elsewhere within seconds.";
    const PERMISSION: Option<Permission> = Some(Permission::ModelsDeploy);
    const READ_ONLY: bool = false;
    const DESTRUCTIVE: bool = false;
    const IDEMPOTENT: bool = false;
    type Input = RollbackModelInput;
    type Output = AliasMoveOutput;

    async fn run(cx: Ctx<'_>, input: RollbackModelInput) -> Result<AliasMoveOutput, AppError> {
        let registry = cx.app.model_registry()?;
        let alias = alias_of(input.alias);
        let m =
            crate::models::rollback(cx.app.store(), registry.as_ref(), cx.caller, &alias).await?;
        Ok(cx.app.moved(m).await)
    }
}
