//! The object-store registry against a real S3 API server on loopback (moto): artifacts
//! round-trip under their content hash, aliases and their history live in one document
//! updated by conditional puts (two registries promoting at once lose nothing), a changed or
//! missing blob is refused by checksum while the alias keeps serving what it pointed at, and
//! an unreachable server fails in bounded time naming the bucket.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nba_model::artifact::sha256_hex;
use nba_registry::s3::{S3Options, S3Url};
use nba_registry::{ModelRef, ModelRegistry, ObjectRegistry, CHAMPION};
use nba_testkit::s3::S3Server;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::{league, train};

/// A registry in a fresh bucket, and a raw client of that bucket to look and tamper with.
fn registry(server: &S3Server, tag: &str) -> (ObjectRegistry, Arc<dyn ObjectStore>, S3Url) {
    let bucket = server.bucket(tag);
    let spec = format!("s3://{bucket}/nba/models");
    let registry = ObjectRegistry::s3(&spec, &server.options()).unwrap();
    let raw: Arc<dyn ObjectStore> = Arc::new(
        nba_registry::s3::client(&bucket, &server.options(), Duration::from_secs(10)).unwrap(),
    );
    (registry, raw, S3Url::parse(&spec).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_round_trip_under_their_hash_and_damage_is_refused() {
    let server = S3Server::start();
    let (registry, raw, url) = registry(&server, "reg");
    assert!(registry.location().starts_with("s3://reg"));
    assert!(registry.list().await.unwrap().is_empty());
    assert!(registry.aliases().await.unwrap().is_empty());
    assert_eq!(
        registry.resolve(CHAMPION).await.unwrap_err().code(),
        "model_not_found"
    );

    let games = league(2010..=2013);
    let a = train(&games, (2010, 2012));
    let shown = registry.save(&a).await.unwrap();
    assert!(shown.ends_with(&format!("nba/models/models/test-model/{}.json", a.version)));
    // The blob is named by the SHA-256 of its bytes; saving again is a no-op, not an error.
    let text = a.to_file_string();
    let blob = url.key(&format!(
        "blobs/sha256/{}.json",
        sha256_hex(text.as_bytes())
    ));
    let stored = raw.get(&blob).await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.as_ref(), text.as_bytes());
    registry.save(&a).await.unwrap();

    registry
        .set_alias(CHAMPION, &ModelRef::of(&a))
        .await
        .unwrap();
    assert_eq!(registry.resolve(CHAMPION).await.unwrap(), a);
    assert_eq!(registry.list().await.unwrap(), vec![ModelRef::of(&a)]);

    let b = train(&games, (2011, 2013));
    registry.save(&b).await.unwrap();
    registry
        .set_alias(CHAMPION, &ModelRef::of(&b))
        .await
        .unwrap();
    registry
        .set_alias(CHAMPION, &ModelRef::of(&b))
        .await
        .unwrap();
    let history = registry.alias_history(CHAMPION).await.unwrap();
    assert_eq!(history.len(), 2, "setting the same target again is no move");
    assert_eq!(history[1].previous, Some(ModelRef::of(&a)));
    registry
        .set_alias(CHAMPION, &ModelRef::of(&a))
        .await
        .unwrap();

    // b's blob changed in the bucket: refused by its hash; the champion (a) still loads,
    // and the alias cannot be pointed at the damaged version.
    let b_text = b.to_file_string();
    let b_blob = url.key(&format!(
        "blobs/sha256/{}.json",
        sha256_hex(b_text.as_bytes())
    ));
    let coef = format!(
        "{}",
        b.parameters.linear().unwrap().logistic.coefficients[0]
    );
    let bad = b_text.replacen(&coef, &format!("{coef}1"), 1);
    raw.put(&b_blob, PutPayload::from(bad.into_bytes()))
        .await
        .unwrap();
    let err = registry.load(&ModelRef::of(&b)).await.unwrap_err();
    assert_eq!(err.code(), "artifact_checksum", "{err}");
    assert!(err.to_string().contains("blobs/sha256"), "{err}");
    assert!(registry
        .set_alias(CHAMPION, &ModelRef::of(&b))
        .await
        .is_err());
    assert_eq!(registry.resolve(CHAMPION).await.unwrap(), a);

    // A blob gone: the version says which object is missing.
    raw.delete(&b_blob).await.unwrap();
    let err = registry.load(&ModelRef::of(&b)).await.unwrap_err();
    assert_eq!(err.code(), "artifact_corrupt", "{err}");
    assert!(err.to_string().contains("missing"), "{err}");

    // A version entry pointing at another model's blob is caught too.
    let a_entry = raw
        .get(&url.key(&format!("models/test-model/{}.json", a.version)))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    raw.put(
        &url.key("models/test-model/swapped.json"),
        PutPayload::from(a_entry.to_vec()),
    )
    .await
    .unwrap();
    let err = registry
        .load(&ModelRef::new("test-model", "swapped"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "artifact_corrupt", "{err}");

    assert_eq!(
        registry
            .load(&ModelRef::new("../etc", "x"))
            .await
            .unwrap_err()
            .code(),
        "invalid_model_name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_registries_promoting_at_once_lose_no_change() {
    let server = S3Server::start();
    let (first, _, _) = registry(&server, "race");
    let bucket_spec = first.location();
    let second = ObjectRegistry::s3(&bucket_spec, &server.options()).unwrap();
    let games = league(2010..=2012);
    let a = train(&games, (2010, 2012));
    first.save(&a).await.unwrap();
    let model = ModelRef::of(&a);
    // Sixteen aliases set at once through two clients of one bucket (two instances).
    let mut tasks = Vec::new();
    for i in 0..16 {
        let r = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let model = model.clone();
        tasks.push(tokio::spawn(async move {
            r.set_alias(&format!("slot-{i}"), &model).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let aliases = second.aliases().await.unwrap();
    assert_eq!(aliases.len(), 16, "{aliases:?}");
    for i in 0..16 {
        assert_eq!(
            first
                .alias_history(&format!("slot-{i}"))
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_fails_in_bounded_time_naming_the_bucket() {
    let options = S3Server::unreachable();
    let registry = ObjectRegistry::s3("s3://nowhere-bucket/m", &options).unwrap();
    let started = Instant::now();
    let err = registry.aliases().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), "model_registry", "{err}");
    assert!(err.to_string().contains("s3://nowhere-bucket/m"), "{err}");
}

#[test]
fn a_model_store_setting_names_a_folder_or_a_bucket() {
    let o = S3Options::default();
    assert!(nba_registry::open("/var/lib/nba-mcp", &o)
        .unwrap()
        .location()
        .starts_with("folder "));
    let err = nba_registry::open("gs://bucket/x", &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("'gs://' is not a model store"), "{err}");
    let err = nba_registry::open("s3://Bad_Bucket", &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bucket name"), "{err}");
}
