//! HTTPS for `nba-mcp serve`: reads the PEM certificate chain and private key and builds a
//! rustls server (TLS 1.3 only unless `tls_min_version` is 1.2); `nba_http::serve` runs it.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, SupportedProtocolVersion};

use crate::config::Settings;

const CERT_KEY: &str = "TLS certificate (--tls-cert, NBA_MCP_TLS_CERT)";
const KEY_KEY: &str = "TLS key (--tls-key, NBA_MCP_TLS_KEY)";

/// The rustls server configuration when TLS is configured, `None` for plain HTTP. Every
/// problem with the files is found here, before the store is opened.
pub fn server_config(settings: &Settings) -> Result<Option<Arc<ServerConfig>>> {
    let (cert_path, key_path) = match (&settings.tls_cert, &settings.tls_key) {
        (Some(c), Some(k)) => (c, k),
        (None, None) => return Ok(None),
        _ => bail!("{CERT_KEY} and {KEY_KEY} must be set together"),
    };
    let chain = read_chain(cert_path)?;
    let key = read_key(key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| anyhow!("{KEY_KEY} {}: unusable key: {e}", key_path.display()))?;
    match CertifiedKey::new(chain.clone(), signing_key).keys_match() {
        Ok(()) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => bail!(
            "{KEY_KEY} {} does not match the certificate in {}",
            key_path.display(),
            cert_path.display()
        ),
        Err(e) => bail!(
            "{CERT_KEY} {}: the first certificate is not usable: {e}",
            cert_path.display()
        ),
    }
    let versions: &[&SupportedProtocolVersion] = match settings.tls_min_version.as_str() {
        "1.2" => &[&rustls::version::TLS13, &rustls::version::TLS12],
        _ => &[&rustls::version::TLS13],
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| format!("{CERT_KEY} {}", cert_path.display()))?;
    // The server speaks HTTP/1.1 only (hyper's http1), so that is all it may advertise.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{CERT_KEY}: cannot read {}", path.display()))?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{CERT_KEY} {}: not valid PEM: {e}", path.display()))?;
    if chain.is_empty() {
        bail!(
            "{CERT_KEY} {}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{KEY_KEY}: cannot read {}", path.display()))?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| match e {
        pem::Error::NoItemsFound => anyhow!(
            "{KEY_KEY} {}: no PEM private key in it (expected PKCS#8, PKCS#1 or SEC1: -----BEGIN PRIVATE KEY-----)",
            path.display()
        ),
        e => anyhow!("{KEY_KEY} {}: not valid PEM: {e}", path.display()),
    })
}
