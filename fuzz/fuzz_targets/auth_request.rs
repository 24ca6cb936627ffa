//! Fuzzes what a request's credentials go through before any lookup: the `Authorization`
//! header parser, the API key format check and hash, and the JWT validator (with a fixed
//! trusted key, so every token the fuzzer makes must be refused, and refused without a panic).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nba_auth::bearer::{parse_authorization, Credential};
use nba_auth::jwt::JwtValidator;
use nba_auth::keys;

/// The P-256 public key of RFC 7517, appendix A.1: no one can sign with it here.
const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"1",
  "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
  "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}"#;

fn validator() -> &'static JwtValidator {
    static V: OnceLock<JwtValidator> = OnceLock::new();
    V.get_or_init(|| {
        JwtValidator::new("https://issuer.example", "https://nba.example/mcp", JWKS)
            .expect("the fuzz JWKS is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    match parse_authorization(data) {
        Ok(Credential::ApiKey(key)) => {
            assert!(key.starts_with(keys::KEY_PREFIX));
            let _ = keys::check_format(key);
            assert_eq!(keys::hash(key).len(), 64, "a key hash is hex SHA-256");
        }
        Ok(Credential::Jwt(token)) => {
            assert_eq!(token.split('.').count(), 3);
            let r = validator().validate(token);
            assert!(r.is_err(), "a fuzzed token was accepted: {token:?}");
        }
        Err(_) => {}
    }
    // The validator also sees raw text, in case a caller skips the header parser.
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(validator().validate(text).is_err(), "accepted {text:?}");
    }
});
