//! Taking a backup.

use std::time::Instant;

use nba_registry::ModelRegistry;
use nba_store::Store;

use crate::dest::Destination;
use crate::files::{stored_name, write_file};
use crate::manifest::{Manifest, ModelEntry, TableEntry, FORMAT};
use crate::{io_err, BackupError, BackupKey};

/// A new backup id: `nba-<UTC time>-<8 random hex digits>`, sorting by time.
fn new_id() -> String {
    let mut suffix = [0u8; 4];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix)
        .expect("system random source");
    format!(
        "nba-{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ"),
        crate::crypto::hex(&suffix)
    )
}

/// Takes a backup of `store` and `models` into `dest` (a folder is created if needed),
/// encrypted under `key` unless none is given. The store keeps serving meanwhile: tables
/// are read in one consistent snapshot. The backup is listed only once it is whole.
pub async fn create(
    store: &Store,
    models: &dyn ModelRegistry,
    dest: &Destination,
    key: Option<&BackupKey>,
) -> Result<Manifest, BackupError> {
    let started = Instant::now();
    let id = new_id();
    dest.begin(&id).await?;
    let result = async {
        let manifest = write_all(store, models, dest, &id, key, started).await?;
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
        dest.commit(&id, text.as_bytes()).await?;
        Ok(manifest)
    }
    .await;
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            dest.abandon(&id).await;
            return Err(e);
        }
    };
    tracing::info!(
        backup = id,
        tables = manifest.tables.len(),
        rows = manifest.rows(),
        bytes = manifest.bytes,
        seconds = manifest.seconds,
        "backup written"
    );
    Ok(manifest)
}

async fn write_all(
    store: &Store,
    models: &dyn ModelRegistry,
    dest: &Destination,
    id: &str,
    key: Option<&BackupKey>,
    started: Instant,
) -> Result<Manifest, BackupError> {
    let mut snapshot = store.snapshot().await?;
    let mut tables = Vec::new();
    let shapes: Vec<String> = snapshot.tables().iter().map(|t| t.name.clone()).collect();
    for table in shapes {
        let rel = stored_name(&format!("tables/{table}.jsonl"), key.is_some());
        let aad = format!("{id}/{rel}");
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let (dest_w, id_w, key_owned) = (dest.clone(), id.to_string(), key.cloned());
        let rel_w = rel.clone();
        let writer = tokio::task::spawn_blocking(move || {
            write_file(
                &dest_w,
                &id_w,
                &rel_w,
                &aad,
                key_owned.as_ref(),
                std::iter::from_fn(|| rx.blocking_recv()),
            )
        });
        let dumped = snapshot.dump(&table, Some(&tx)).await;
        drop(tx);
        let file = writer
            .await
            .map_err(|e| BackupError::Refused(format!("backup writer failed: {e}")))?
            .map_err(io_err(format!("writing {rel}")))?;
        tables.push(TableEntry {
            digest: dumped?,
            file,
        });
    }
    let mut high_water = std::collections::BTreeMap::new();
    for (table, key) in crate::journal::TABLES {
        if snapshot.tables().iter().any(|t| t.name == *table) {
            let max = snapshot.max_key(table, key).await?.unwrap_or(0);
            high_water.insert(table.to_string(), max);
        }
    }
    let audit_head = snapshot.audit_head().await?;
    let backend = snapshot.backend().as_str().to_string();
    let schema_version = snapshot.schema_version();
    snapshot.finish().await?;

    let mut model_entries = Vec::new();
    for model in models.list().await? {
        let artifact = models.load(&model).await?;
        let text = artifact.to_file_string();
        let rel = stored_name(&format!("models/{model}.json"), key.is_some());
        let aad = format!("{id}/{rel}");
        let (dest_w, id_w, key_owned, rel_w) =
            (dest.clone(), id.to_string(), key.cloned(), rel.clone());
        let file = tokio::task::spawn_blocking(move || {
            write_file(
                &dest_w,
                &id_w,
                &rel_w,
                &aad,
                key_owned.as_ref(),
                std::iter::once(text.into_bytes()),
            )
        })
        .await
        .map_err(|e| BackupError::Refused(format!("backup writer failed: {e}")))?
        .map_err(io_err(format!("writing {rel}")))?;
        model_entries.push(ModelEntry {
            model: model.to_string(),
            content_sha256: artifact.content_sha256(),
            file,
        });
    }
    let aliases = models
        .aliases()
        .await?
        .into_iter()
        .map(|(a, m)| (a, m.to_string()))
        .collect();

    let bytes = tables.iter().map(|t| t.file.bytes).sum::<u64>()
        + model_entries.iter().map(|m| m.file.bytes).sum::<u64>();
    let mut manifest = Manifest {
        format: FORMAT.into(),
        id: id.into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        written_by: format!("nba-mcp {}", env!("CARGO_PKG_VERSION")),
        backend,
        schema_version,
        key_fingerprint: key.map(BackupKey::fingerprint),
        tables,
        audit_head,
        models: model_entries,
        aliases,
        high_water,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        mac: None,
    };
    if let Some(key) = key {
        manifest.mac = Some(key.mac(&manifest.signed_bytes()));
    }
    Ok(manifest)
}
