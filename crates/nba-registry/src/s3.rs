//! The S3 API client both the model registry and backups use: `s3://bucket/prefix` names,
//! and an `object_store` S3 client with bounded timeouts and retries. Unset options come
//! from the standard `AWS_*` environment variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, ...); the two keys
//! may also be given as files (`AWS_ACCESS_KEY_ID_FILE`, `AWS_SECRET_ACCESS_KEY_FILE`, as
//! container secrets are mounted).

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{ClientOptions, RetryConfig};

/// How to reach the S3 API; every unset field falls back to the environment.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// An S3-compatible server's URL (none: AWS). `http://` is allowed only here, where it
    /// was asked for explicitly.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Size of one uploaded part (default 8 MiB; S3 requires at least 5 MiB for all but the
    /// last part; tests use less, with a server configured to allow it).
    pub part_bytes: Option<usize>,
}

/// A bucket and a key prefix (no trailing slash; may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl S3Url {
    /// Reads `s3://bucket[/prefix]`; the error says what is wrong with it.
    pub fn parse(spec: &str) -> Result<S3Url, String> {
        let rest = spec
            .trim()
            .strip_prefix("s3://")
            .ok_or_else(|| format!("'{spec}' is not an s3://bucket/prefix URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_end_matches('/');
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(format!(
                "'{bucket}' is not an S3 bucket name (3 to 63 lowercase letters, digits, '-' and '.')"
            ));
        }
        let prefix_ok = prefix.len() <= 512
            && (prefix.is_empty()
                || prefix.split('/').all(|seg| {
                    !seg.is_empty()
                        && seg != "."
                        && seg != ".."
                        && seg
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                }));
        if !prefix_ok {
            return Err(format!(
                "'{prefix}' is not a usable key prefix: segments of letters, digits, '-', '_' and '.', \
                 separated by single '/'"
            ));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The key of `rel` under the prefix.
    pub fn key(&self, rel: &str) -> object_store::path::Path {
        if self.prefix.is_empty() {
            object_store::path::Path::from(rel)
        } else {
            object_store::path::Path::from(format!("{}/{rel}", self.prefix))
        }
    }
}

/// `NAME`, or the trimmed content of the file `NAME_FILE` names.
fn env_or_file(name: &str) -> Result<Option<String>, String> {
    if let Ok(v) = std::env::var(name) {
        return Ok(Some(v));
    }
    let file_var = format!("{name}_FILE");
    match std::env::var(&file_var) {
        Ok(path) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim().to_string()))
            .map_err(|e| format!("{file_var}={path}: {e}")),
        Err(_) => Ok(None),
    }
}

/// An S3 client for `bucket`. Bounded: connecting gives up after 5 s, a request after
/// `request_timeout`, and retries stop after a minute, so an unreachable server fails an
/// operation, never hangs it.
pub fn client(bucket: &str, o: &S3Options, request_timeout: Duration) -> Result<AmazonS3, String> {
    // reqwest's rustls needs a process-wide provider: ring, as the rest of the build uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // (Client options first: they replace any set before, `allow_http` among them.)
    let mut b = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_retry(RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(60),
            ..Default::default()
        })
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(request_timeout),
        );
    let endpoint = o
        .endpoint
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT").ok());
    if let Some(endpoint) = endpoint {
        if endpoint.starts_with("http://") {
            b = b.with_allow_http(true);
        }
        b = b.with_endpoint(endpoint);
    }
    if let Some(r) = &o.region {
        b = b.with_region(r);
    }
    let access = match &o.access_key_id {
        Some(k) => Some(k.clone()),
        None => env_or_file("AWS_ACCESS_KEY_ID")?,
    };
    if let Some(k) = access {
        b = b.with_access_key_id(k);
    }
    let secret = match &o.secret_access_key {
        Some(k) => Some(k.clone()),
        None => env_or_file("AWS_SECRET_ACCESS_KEY")?,
    };
    if let Some(k) = secret {
        b = b.with_secret_access_key(k);
    }
    b.build()
        .map_err(|e| format!("s3://{bucket}: cannot reach the S3 API: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_or_say_what_is_wrong() {
        let u = S3Url::parse("s3://models-bucket/nba/prod/").unwrap();
        assert_eq!(u.bucket, "models-bucket");
        assert_eq!(u.prefix, "nba/prod");
        assert_eq!(u.to_string(), "s3://models-bucket/nba/prod");
        assert_eq!(u.key("aliases.json").as_ref(), "nba/prod/aliases.json");
        let bare = S3Url::parse("s3://abc").unwrap();
        assert_eq!(bare.key("x").as_ref(), "x");
        assert!(S3Url::parse("s3://AB").unwrap_err().contains("bucket name"));
        assert!(S3Url::parse("s3://abc/a//b")
            .unwrap_err()
            .contains("key prefix"));
        assert!(S3Url::parse("s3://abc/../x")
            .unwrap_err()
            .contains("key prefix"));
        assert!(S3Url::parse("/var/models").unwrap_err().contains("s3://"));
    }
}
