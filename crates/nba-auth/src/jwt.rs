//! OAuth 2.1 access tokens (JWTs) validated as an MCP resource server: signature against the
//! configured JWKS (asymmetric algorithms only), issuer, audience = this server's resource
//! URL, expiry and not-before, then the `scope` claim mapped onto permissions.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::{AuthMethod, Permission, Principal, PrincipalKind, Role};

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_S: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwtError {
    #[error("the JWKS is not valid: {0}")]
    BadJwks(String),
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(String),
    #[error("the token's algorithm {0:?} is not accepted (asymmetric signatures only)")]
    Algorithm(String),
    #[error("the token was signed by a key this server does not trust (kid {0:?})")]
    UnknownKey(Option<String>),
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    #[error("the token is for another audience; this server is {0}")]
    WrongAudience(String),
    #[error("the token lacks the claim '{0}'")]
    MissingClaim(String),
}

impl JwtError {
    /// A stable reason for logs and the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            JwtError::BadJwks(_) => "bad_jwks",
            JwtError::Malformed(_) => "malformed_jwt",
            JwtError::Algorithm(_) => "jwt_algorithm",
            JwtError::UnknownKey(_) => "unknown_signing_key",
            JwtError::BadSignature => "bad_signature",
            JwtError::Expired => "expired",
            JwtError::NotYetValid => "not_yet_valid",
            JwtError::WrongIssuer => "wrong_issuer",
            JwtError::WrongAudience(_) => "wrong_audience",
            JwtError::MissingClaim(_) => "missing_claim",
        }
    }
}

struct TrustedKey {
    kid: Option<String>,
    alg: Option<Algorithm>,
    key: DecodingKey,
}

/// Validates access tokens for one issuer and one audience.
pub struct JwtValidator {
    issuer: String,
    audience: String,
    keys: Vec<TrustedKey>,
}

impl std::fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtValidator")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("keys", &self.keys.len())
            .finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    /// Some issuers (Azure AD, Okta) send scopes as an array under `scp`.
    #[serde(default)]
    scp: Option<ScopeList>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeList {
    Text(String),
    List(Vec<String>),
}

impl JwtValidator {
    /// `jwks` is the issuer's JSON Web Key Set document (`{"keys": [...]}`).
    pub fn new(issuer: &str, audience: &str, jwks: &str) -> Result<JwtValidator, JwtError> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| JwtError::BadJwks(e.to_string()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            keys.push(trusted(jwk)?);
        }
        if keys.is_empty() {
            return Err(JwtError::BadJwks("it has no keys".into()));
        }
        Ok(JwtValidator {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            keys,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Checks the token and returns its principal (permissions from its scopes).
    pub fn validate(&self, token: &str) -> Result<Principal, JwtError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| JwtError::Malformed(e.to_string()))?;
        if !asymmetric(header.alg) {
            return Err(JwtError::Algorithm(format!("{:?}", header.alg)));
        }
        let key = match &header.kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
        .ok_or_else(|| JwtError::UnknownKey(header.kid.clone()))?;
        if key.alg.is_some_and(|a| a != header.alg) {
            return Err(JwtError::Algorithm(format!("{:?}", header.alg)));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_S;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| self.map_error(e))?;
        let claims = data.claims;
        let sub = claims
            .sub
            .ok_or_else(|| JwtError::MissingClaim("sub".into()))?;
        let scopes: Vec<String> = match (claims.scope, claims.scp) {
            (Some(s), _) | (None, Some(ScopeList::Text(s))) => {
                s.split_whitespace().map(str::to_string).collect()
            }
            (None, Some(ScopeList::List(l))) => l,
            (None, None) => Vec::new(),
        };
        let mut permissions: Vec<Permission> =
            scopes.iter().filter_map(|s| s.parse().ok()).collect();
        permissions.sort();
        permissions.dedup();
        Ok(Principal {
            id: subject_id(&self.issuer, &sub),
            kind: PrincipalKind::External,
            role: Role::covered_by(&permissions),
            permissions,
            method: AuthMethod::Jwt {
                issuer: self.issuer.clone(),
            },
        })
    }

    fn map_error(&self, e: jsonwebtoken::errors::Error) -> JwtError {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => JwtError::Expired,
            K::ImmatureSignature => JwtError::NotYetValid,
            K::InvalidIssuer => JwtError::WrongIssuer,
            K::InvalidAudience => JwtError::WrongAudience(self.audience.clone()),
            K::InvalidSignature => JwtError::BadSignature,
            K::MissingRequiredClaim(c) => JwtError::MissingClaim(c.clone()),
            K::InvalidAlgorithm => JwtError::Algorithm("mismatch".into()),
            _ => JwtError::Malformed(e.to_string()),
        }
    }
}

/// An opaque, stable id for an OAuth subject: the subject itself may be an e-mail address.
fn subject_id(issuer: &str, sub: &str) -> String {
    let digest = Sha256::digest(format!("{issuer}\n{sub}").as_bytes());
    format!("jwt_{}", &hex::encode(digest)[..16])
}

fn asymmetric(alg: Algorithm) -> bool {
    !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

fn trusted(jwk: &Jwk) -> Result<TrustedKey, JwtError> {
    if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
        return Err(JwtError::BadJwks(
            "symmetric (oct) keys are not accepted".into(),
        ));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| JwtError::BadJwks(e.to_string()))?;
    let alg = match jwk.common.key_algorithm {
        Some(a) => Some(a.to_string().parse::<Algorithm>().map_err(|_| {
            JwtError::BadJwks(format!("key algorithm {a:?} is not for signatures"))
        })?),
        None => None,
    };
    Ok(TrustedKey {
        kid: jwk.common.key_id.clone(),
        alg,
        key,
    })
}
