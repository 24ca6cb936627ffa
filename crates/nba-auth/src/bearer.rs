//! Parsing the `Authorization` header: `Bearer <token>`, where the token is one of our API
//! keys or a JWT. Only the shape is checked here; validity is decided by the key store or
//! the JWT validator.

use thiserror::Error;

use crate::keys::KEY_PREFIX;

/// Longest header value accepted; real JWTs are a few kilobytes at most.
pub const MAX_HEADER_LEN: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    ApiKey(&'a str),
    Jwt(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    #[error(
        "missing Authorization header: send 'Authorization: Bearer <API key or access token>'"
    )]
    Missing,
    #[error(
        "the Authorization header must use the Bearer scheme ('Authorization: Bearer <token>')"
    )]
    NotBearer,
    #[error("the Authorization header is longer than {MAX_HEADER_LEN} bytes")]
    TooLong,
    #[error("the bearer token is malformed: {0}")]
    Malformed(&'static str),
}

/// Parses one `Authorization` header value.
pub fn parse_authorization(header: &[u8]) -> Result<Credential<'_>, CredentialError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(CredentialError::TooLong);
    }
    let text = std::str::from_utf8(header).map_err(|_| CredentialError::Malformed("not UTF-8"))?;
    let text = text.trim();
    if text.eq_ignore_ascii_case("bearer") {
        return Err(CredentialError::Malformed("empty token"));
    }
    let (scheme, token) = text.split_once(' ').ok_or(CredentialError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(CredentialError::NotBearer);
    }
    let token = token.trim_start_matches(' ');
    if token.is_empty() {
        return Err(CredentialError::Malformed("empty token"));
    }
    // RFC 6750 b64token characters only: no spaces, quotes or control characters.
    let b64token = |b: u8| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b);
    if !token.bytes().all(b64token) {
        return Err(CredentialError::Malformed(
            "characters outside the bearer token alphabet",
        ));
    }
    if token.starts_with(KEY_PREFIX) {
        return Ok(Credential::ApiKey(token));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() == 3 && parts[..2].iter().all(|p| !p.is_empty()) {
        return Ok(Credential::Jwt(token));
    }
    Err(CredentialError::Malformed(
        "neither an API key (nba_mcp_...) nor a JWT (header.payload.signature)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_jwts_are_told_apart() {
        let key = format!("{KEY_PREFIX}{}", "a".repeat(40));
        assert_eq!(
            parse_authorization(format!("Bearer {key}").as_bytes()),
            Ok(Credential::ApiKey(&key))
        );
        assert_eq!(
            parse_authorization(b"bearer aaa.bbb.ccc"),
            Ok(Credential::Jwt("aaa.bbb.ccc"))
        );
    }

    #[test]
    fn bad_headers_say_what_is_wrong() {
        assert_eq!(
            parse_authorization(b"Basic dXNlcjpwYXNz"),
            Err(CredentialError::NotBearer)
        );
        assert_eq!(
            parse_authorization(b"Bearerabc"),
            Err(CredentialError::NotBearer)
        );
        assert!(matches!(
            parse_authorization(b"Bearer "),
            Err(CredentialError::Malformed(_))
        ));
        assert!(matches!(
            parse_authorization(b"Bearer a\"b"),
            Err(CredentialError::Malformed(_))
        ));
        assert!(matches!(
            parse_authorization(b"Bearer abc"),
            Err(CredentialError::Malformed(_))
        ));
        assert!(matches!(
            parse_authorization(&[0xff, 0xfe]),
            Err(CredentialError::Malformed(_))
        ));
        assert_eq!(
            parse_authorization(&vec![b'a'; 9000]),
            Err(CredentialError::TooLong)
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_authorization(&bytes);
        }
    }
}
