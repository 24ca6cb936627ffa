//! Model use-cases: the store's games as model inputs (the same for serving, training and
//! evaluation), training an artifact into the registry, and walk-forward evaluation. The
//! numerics are `nba-model`; where artifacts live is `nba-registry`.

use chrono::NaiveDate;
use nba_model::evaluate::{self, Benchmark, Evaluation};
use nba_model::{onnx, train, Artifact, FeatureConfig, GameInput, ModelRef, TrainConfig};
use nba_registry::ModelRegistry;
use nba_store::{GameRecord, Store};

use crate::AppError;

/// Every game in the store (finished and scheduled), in date order.
pub(crate) async fn store_games(store: &Store) -> Result<Vec<GameRecord>, AppError> {
    let mut rows: Vec<GameRecord> = Vec::new();
    for season in store.seasons().await? {
        rows.extend(store.season_games(season).await?);
    }
    // Seasons come in order and each in date order; a stable sort keeps that within a day.
    rows.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(rows)
}

/// A stored game as the model sees it.
pub(crate) fn game_input(r: &GameRecord) -> Result<GameInput, AppError> {
    Ok(GameInput {
        date: NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
            .map_err(|e| AppError::Internal(format!("game {}: bad date: {e}", r.id)))?,
        season: r.season,
        stage: r
            .stage
            .parse()
            .map_err(|e| AppError::Internal(format!("game {}: {e}", r.id)))?,
        neutral: r.neutral,
        home_id: r.home_id,
        away_id: r.away_id,
        home_score: r.home_score,
        away_score: r.away_score,
    })
}

/// Every game in the store in date order, with 538's published probabilities beside it.
pub async fn load_games(store: &Store) -> Result<(Vec<GameInput>, Vec<Benchmark>), AppError> {
    let rows = store_games(store).await?;
    let games = rows.iter().map(game_input).collect::<Result<Vec<_>, _>>()?;
    let bench = rows
        .iter()
        .map(|r| Benchmark {
            fte_elo: r.fte_elo_prob_home,
            fte_main: r.fte_main_prob_home,
        })
        .collect();
    Ok((games, bench))
}

/// Parses `2016-2022` (end years), `2022`, or one season written `2021-22`.
pub fn parse_seasons(text: &str) -> Result<(i64, i64), AppError> {
    let bad = || {
        AppError::InvalidArgument(format!(
            "seasons: '{text}' is not like 2016-2022, 2022 or 2021-22"
        ))
    };
    let t = text.trim();
    let (a, b) = match t.split_once('-') {
        None => {
            let y: i64 = t.parse().map_err(|_| bad())?;
            (y, y)
        }
        Some((a, b)) => {
            let a: i64 = a.parse().map_err(|_| bad())?;
            match b.len() {
                2 => {
                    let b: i64 = b.parse().map_err(|_| bad())?;
                    if (a + 1) % 100 != b {
                        return Err(AppError::InvalidArgument(format!(
                            "seasons: '{text}' is not one season (2021-22 is)"
                        )));
                    }
                    (a + 1, a + 1)
                }
                4 => (a, b.parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            }
        }
    };
    if !(1947..=2100).contains(&a) || b < a || b > 2100 {
        return Err(AppError::InvalidArgument(format!(
            "seasons: '{text}' must run forward within 1947..2100 (seasons by end year)"
        )));
    }
    Ok((a, b))
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// First and last season, by end year.
    pub seasons: (i64, i64),
    pub name: String,
    /// Default: `<first>-<last>.<hash of data and settings>`.
    pub version: Option<String>,
    /// Point this alias at the new model (e.g. `champion`).
    pub alias: Option<String>,
}

/// A trained model: the artifact and where the registry put it.
pub struct Trained {
    pub artifact: Artifact,
    pub location: String,
}

impl Trained {
    /// A JSON summary for people and scripts.
    pub fn summary(&self) -> serde_json::Value {
        let a = &self.artifact;
        serde_json::json!({
            "name": a.name,
            "version": a.version,
            "path": self.location,
            "sha256": a.content_sha256(),
            "kind": a.parameters.kind(),
            "training": a.training,
            "metrics": a.metrics,
        })
    }
}

/// Fits a model on the store's games of `request.seasons`, saves it in the registry and
/// points the alias at it, if asked. Training runs on the blocking pool.
pub async fn train(
    store: &Store,
    registry: &dyn ModelRegistry,
    request: &TrainRequest,
) -> Result<Trained, AppError> {
    let (games, _) = load_games(store).await?;
    let r = request.clone();
    let artifact = tokio::task::spawn_blocking(move || {
        train::train_artifact(
            &games,
            r.seasons,
            &r.name,
            r.version.as_deref(),
            FeatureConfig::default(),
            &TrainConfig::default(),
        )
    })
    .await
    .map_err(|e| AppError::Internal(format!("training task failed: {e}")))??;
    let location = registry.save(&artifact).await?;
    if let Some(alias) = &request.alias {
        registry.set_alias(alias, &ModelRef::of(&artifact)).await?;
    }
    Ok(Trained { artifact, location })
}

/// The features of every finished game of `seasons` (each computed from the games before
/// its date only, as the server computes them) with the contract a model trained on them
/// must carry: `nba-mcp models export-features` writes them for training elsewhere.
pub async fn export_features(
    store: &Store,
    seasons: (i64, i64),
) -> Result<(Vec<(GameInput, train::Example)>, onnx::ExportContract), AppError> {
    let (games, _) = load_games(store).await?;
    let (rows, contract) = tokio::task::spawn_blocking(move || {
        onnx::export(&games, seasons, FeatureConfig::default())
    })
    .await
    .map_err(|e| AppError::Internal(format!("export task failed: {e}")))?;
    if rows.is_empty() {
        return Err(AppError::InvalidArgument(format!(
            "seasons {}-{} have no finished games in the store",
            seasons.0, seasons.1
        )));
    }
    Ok((rows, contract))
}

/// What to import as an ONNX model.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub name: String,
    /// Default: `onnx.<12 hex of the file's SHA-256>`.
    pub version: Option<String>,
    /// Point this alias at it (audited as `models:promote`).
    pub alias: Option<String>,
    /// Where the bytes came from, for the audit log.
    pub source: String,
}

/// An imported model, where it went, and whether the store's games still hash as they did
/// when its training features were exported.
pub struct ImportedModel {
    pub trained: Trained,
    pub data_matches_export: bool,
}

/// Checks an ONNX model against its contract (see `nba_model::onnx`), scores it on the
/// seasons it was trained on, stores it as an artifact and optionally points an alias at
/// it. Needs `models:train` (and `models:deploy` for an alias); audited as `models:import`.
pub async fn import_onnx(
    store: &Store,
    registry: &dyn ModelRegistry,
    actor: &crate::Caller,
    bytes: Vec<u8>,
    request: &ImportRequest,
) -> Result<ImportedModel, AppError> {
    crate::admin::authorize(actor, nba_auth::Permission::ModelsTrain)?;
    if request.alias.is_some() {
        crate::admin::authorize(actor, nba_auth::Permission::ModelsDeploy)?;
    }
    let (games, _) = load_games(store).await?;
    let r = request.clone();
    let imported = tokio::task::spawn_blocking(move || {
        onnx::import(&bytes, &r.name, r.version.as_deref(), &games)
    })
    .await
    .map_err(|e| AppError::Internal(format!("import task failed: {e}")))??;
    let artifact = imported.artifact;
    let location = registry.save(&artifact).await?;
    let model = ModelRef::of(&artifact);
    crate::admin::audit(
        store,
        actor,
        "models:import",
        &format!("{model} from {}", request.source),
    )
    .await?;
    if let Some(alias) = &request.alias {
        let from = registry.aliases().await?.remove(alias);
        move_alias(store, registry, actor, "models:promote", alias, from, model).await?;
    }
    Ok(ImportedModel {
        trained: Trained { artifact, location },
        data_matches_export: imported.data_matches_export,
    })
}

/// Predicts every regular-season game of `seasons` walk-forward (each season from a model
/// fitted on the seasons before it), beside 538's published forecasts.
pub async fn evaluate(store: &Store, (first, last): (i64, i64)) -> Result<Evaluation, AppError> {
    let (games, bench) = load_games(store).await?;
    let seasons: Vec<i64> = (first..=last).collect();
    tokio::task::spawn_blocking(move || {
        evaluate::walk_forward(
            &games,
            &bench,
            &seasons,
            FeatureConfig::default(),
            &TrainConfig::default(),
        )
    })
    .await
    .map_err(|e| AppError::Internal(format!("evaluation task failed: {e}")))?
    .map_err(AppError::from)
}

/// On a store with games and a registry whose `champion` alias points nowhere: trains a
/// model on every season and makes it the champion. Returns it, if it trained one.
pub async fn ensure_champion(
    store: &Store,
    registry: &dyn ModelRegistry,
) -> Result<Option<Trained>, AppError> {
    let has_champion = registry
        .aliases()
        .await
        .map(|a| a.contains_key(nba_registry::CHAMPION))
        .unwrap_or(false);
    if has_champion {
        return Ok(None);
    }
    let seasons = store.seasons().await?;
    let (Some(first), Some(last)) = (seasons.first(), seasons.last()) else {
        return Ok(None);
    };
    tracing::warn!(
        "no champion model in {}: training one on {first}-{last}",
        registry.location()
    );
    let request = TrainRequest {
        seasons: (*first, *last),
        name: "nba-logit".into(),
        version: None,
        alias: Some(nba_registry::CHAMPION.into()),
    };
    train(store, registry, &request).await.map(Some)
}

/// A move of an alias made by `promote` or `rollback`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AliasMove {
    pub alias: String,
    pub from: Option<ModelRef>,
    pub to: ModelRef,
}

impl std::fmt::Display for AliasMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            Some(from) => write!(f, "{}: {from} -> {}", self.alias, self.to),
            None => write!(f, "{}: (none) -> {}", self.alias, self.to),
        }
    }
}

/// Points `alias` at the stored model `spec` names (`name@version`, or another alias),
/// which must load cleanly; needs `models:deploy`, audited as `models:promote`. A running
/// server serves it at its next model refresh.
pub async fn promote(
    store: &Store,
    registry: &dyn ModelRegistry,
    actor: &crate::Caller,
    alias: &str,
    spec: &str,
) -> Result<AliasMove, AppError> {
    crate::admin::authorize(actor, nba_auth::Permission::ModelsDeploy)?;
    let to = registry.resolve_ref(spec).await?;
    let from = registry.aliases().await?.remove(alias);
    move_alias(store, registry, actor, "models:promote", alias, from, to).await
}

/// Undoes the latest move of `alias`: points it back at what it pointed at before (from the
/// registry's alias history); needs `models:deploy`, audited as `models:rollback`.
pub async fn rollback(
    store: &Store,
    registry: &dyn ModelRegistry,
    actor: &crate::Caller,
    alias: &str,
) -> Result<AliasMove, AppError> {
    crate::admin::authorize(actor, nba_auth::Permission::ModelsDeploy)?;
    let current = registry.aliases().await?.remove(alias).ok_or_else(|| {
        AppError::NotFound(format!(
            "alias '{alias}' points at no model; nothing to roll back"
        ))
    })?;
    let history = registry.alias_history(alias).await?;
    let last = history.iter().rev().find(|c| c.model == current);
    let Some(to) = last.and_then(|c| c.previous.clone()) else {
        return Err(AppError::InvalidArgument(format!(
            "alias '{alias}' has no earlier model in the history of {} to roll back to (it points at {current})",
            registry.location()
        )));
    };
    move_alias(
        store,
        registry,
        actor,
        "models:rollback",
        alias,
        Some(current),
        to,
    )
    .await
}

async fn move_alias(
    store: &Store,
    registry: &dyn ModelRegistry,
    actor: &crate::Caller,
    action: &str,
    alias: &str,
    from: Option<ModelRef>,
    to: ModelRef,
) -> Result<AliasMove, AppError> {
    registry.set_alias(alias, &to).await?;
    let moved = AliasMove {
        alias: alias.to_string(),
        from,
        to,
    };
    crate::admin::audit(store, actor, action, &moved.to_string()).await?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons_parse_as_end_years() {
        assert_eq!(parse_seasons("2016-2022").unwrap(), (2016, 2022));
        assert_eq!(parse_seasons("2022").unwrap(), (2022, 2022));
        assert_eq!(parse_seasons("2021-22").unwrap(), (2022, 2022));
        assert_eq!(parse_seasons("1999-00").unwrap(), (2000, 2000));
        assert!(parse_seasons("2021-23").is_err());
        assert!(parse_seasons("2022-2016").is_err());
        assert!(parse_seasons("soon").is_err());
    }
}
