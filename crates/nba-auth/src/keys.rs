//! API keys: `nba_mcp_` followed by 40 random letters and digits (238 bits). The key is shown
//! once; the store keeps only its SHA-256. A slow hash adds nothing for keys this random, and
//! the lookup by hash stays one index probe.

use rand::Rng;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

pub const KEY_PREFIX: &str = "nba_mcp_";
const RANDOM_LEN: usize = 40;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A freshly made key: the secret (show once, never store) and what the store keeps.
pub struct NewKey {
    pub secret: SecretString,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    /// First characters, for people to tell keys apart in listings (`nba_mcp_AbCd`).
    pub display_prefix: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("secret", &"[REDACTED]")
            .field("display_prefix", &self.display_prefix)
            .finish()
    }
}

pub fn generate() -> NewKey {
    let mut rng = rand::rngs::OsRng;
    let random: String = (0..RANDOM_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    let key = format!("{KEY_PREFIX}{random}");
    NewKey {
        hash: hash(&key),
        display_prefix: key[..KEY_PREFIX.len() + 4].to_string(),
        secret: SecretString::from(key),
    }
}

pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `s` has the shape of one of our keys (prefix, length, alphabet).
pub fn check_format(s: &str) -> Result<(), String> {
    let Some(rest) = s.strip_prefix(KEY_PREFIX) else {
        return Err(format!("an API key starts with '{KEY_PREFIX}'"));
    };
    if rest.len() != RANDOM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "an API key is '{KEY_PREFIX}' followed by {RANDOM_LEN} letters and digits"
        ));
    }
    Ok(())
}

/// A new opaque id such as `usr_3f9a0c2e71d4b8a6`.
pub fn new_id(prefix: &str) -> String {
    let bytes: [u8; 8] = rand::rngs::OsRng.gen();
    format!("{prefix}_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn keys_are_well_formed_distinct_and_hashed() {
        let a = generate();
        let b = generate();
        let (ka, kb) = (a.secret.expose_secret(), b.secret.expose_secret());
        assert_ne!(ka, kb);
        check_format(ka).unwrap();
        assert_eq!(a.hash, hash(ka));
        assert_eq!(a.hash.len(), 64);
        assert!(ka.starts_with(&a.display_prefix));
        assert!(
            !format!("{a:?}").contains(ka),
            "Debug must not show the key"
        );
    }

    #[test]
    fn bad_formats_are_named() {
        assert!(check_format("sk_live_abc")
            .unwrap_err()
            .contains("starts with"));
        assert!(check_format("nba_mcp_short").unwrap_err().contains("40"));
        let mut k = generate().secret.expose_secret().to_string();
        k.pop();
        k.push('!');
        assert!(check_format(&k).is_err());
    }
}
