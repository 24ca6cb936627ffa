//! Restoring model artifacts alone: the model store repaired from a backup while the
//! database (and the servers) stay as they are.

use std::time::Instant;

use nba_registry::ModelRegistry;
use serde::Serialize;

use crate::dest::Destination;
use crate::manifest::read_manifest;
use crate::verify::checked_artifact;
use crate::{BackupError, BackupKey};

/// What a models-only restore did.
#[derive(Debug, Clone, Serialize)]
pub struct ModelsReport {
    pub id: String,
    /// Artifacts written back (missing or damaged in the model store), as `name@version`.
    pub restored: Vec<String>,
    /// Artifacts the model store already held, whole and identical.
    pub unchanged: Vec<String>,
    /// Aliases set because the model store had none of that name.
    pub aliases_set: Vec<String>,
    pub seconds: f64,
}

/// Restores backup `id`'s model artifacts into `models` and leaves the store alone: every
/// artifact is checked against the backup's checksums first; one missing or damaged in the
/// model store is written back (atomically, so servers may keep running), an identical one
/// is left, a different one under the same name and version is refused unless `replace`.
/// Aliases the model store lacks are set; existing ones are left as they are.
pub async fn restore_models(
    dest: &Destination,
    id: &str,
    key: Option<&BackupKey>,
    models: &dyn ModelRegistry,
    replace: bool,
) -> Result<ModelsReport, BackupError> {
    let started = Instant::now();
    let manifest = read_manifest(dest, id).await?;
    manifest.check(key)?;
    let key = manifest.key_for(key);
    let mut report = ModelsReport {
        id: manifest.id.clone(),
        restored: Vec::new(),
        unchanged: Vec::new(),
        aliases_set: Vec::new(),
        seconds: 0.0,
    };
    let mut to_save = Vec::new();
    for entry in &manifest.models {
        let a = checked_artifact(&manifest, dest, entry, key).await?;
        match models.load(&nba_model::ModelRef::of(&a)).await {
            Ok(existing) if existing.content_sha256() == a.content_sha256() => {
                report.unchanged.push(entry.model.clone());
            }
            Ok(_) if !replace => {
                return Err(BackupError::Refused(format!(
                    "the model store already holds a different {}; pass --replace to overwrite it",
                    entry.model
                )))
            }
            // Missing, damaged (its checksum fails), or to be replaced.
            _ => to_save.push(a),
        }
    }
    for a in &to_save {
        models.save(a).await?;
        report.restored.push(nba_model::ModelRef::of(a).to_string());
    }
    let current = models.aliases().await.unwrap_or_default();
    for (alias, model) in &manifest.aliases {
        if !current.contains_key(alias) {
            let (name, version) = model.split_once('@').unwrap_or((model, ""));
            models
                .set_alias(alias, &nba_model::ModelRef::new(name, version))
                .await?;
            report.aliases_set.push(alias.clone());
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
