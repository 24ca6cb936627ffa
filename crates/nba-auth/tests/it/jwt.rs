//! The JWT validator against tokens signed with the test keys in `fixtures/`.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nba_auth::jwt::{JwtError, JwtValidator};
use nba_auth::{Permission, PrincipalKind, Role};
use serde_json::{json, Value};

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "http://127.0.0.1:8080/mcp";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn validator() -> JwtValidator {
    JwtValidator::new(ISSUER, AUDIENCE, &fixture("jwks.json")).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(scope: &str) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice@example.test", "exp": now() + 600, "iat": now(), "scope": scope})
}

fn sign(claims: &Value, key: &str, kid: Option<&str>, alg: Algorithm) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    let pem = fixture(key);
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn rsa(claims: &Value) -> String {
    sign(claims, "rsa_a.pem", Some("test-rsa-a"), Algorithm::RS256)
}

#[test]
fn a_valid_token_maps_scopes_to_permissions() {
    let p = validator()
        .validate(&rsa(&claims(
            "data:read predictions:read health:read sql:query models:train openid",
        )))
        .unwrap();
    assert_eq!(p.kind, PrincipalKind::External);
    assert_eq!(p.role, Some(Role::DataScientist));
    assert!(p.can(Permission::SqlQuery));
    assert!(!p.can(Permission::ModelsDeploy));
    assert!(
        p.id.starts_with("jwt_") && !p.id.contains("alice"),
        "no personal data in the id"
    );
}

#[test]
fn es256_and_scp_arrays_work() {
    let mut c = claims("");
    c.as_object_mut().unwrap().remove("scope");
    c["scp"] = json!(["data:read"]);
    let token = sign(&c, "ec_a.pem", Some("test-ec-a"), Algorithm::ES256);
    let p = validator().validate(&token).unwrap();
    assert_eq!(p.permissions, vec![Permission::DataRead]);
    assert_eq!(p.role, None);
}

#[test]
fn expired_wrong_audience_wrong_issuer_and_unknown_keys_are_refused() {
    let v = validator();
    let mut c = claims("data:read");
    c["exp"] = json!(now() - 3600);
    assert_eq!(v.validate(&rsa(&c)), Err(JwtError::Expired));

    let mut c = claims("data:read");
    c["aud"] = json!("https://other.example.test/mcp");
    assert!(matches!(
        v.validate(&rsa(&c)),
        Err(JwtError::WrongAudience(_))
    ));

    let mut c = claims("data:read");
    c["iss"] = json!("https://evil.example.test");
    assert_eq!(v.validate(&rsa(&c)), Err(JwtError::WrongIssuer));

    let mut c = claims("data:read");
    c["nbf"] = json!(now() + 3600);
    assert_eq!(v.validate(&rsa(&c)), Err(JwtError::NotYetValid));

    // Signed by a key the JWKS does not hold: with its own kid, and pretending to be ours.
    let c = claims("data:read");
    let unknown = sign(&c, "rsa_b.pem", Some("test-rsa-b"), Algorithm::RS256);
    assert!(matches!(v.validate(&unknown), Err(JwtError::UnknownKey(_))));
    let forged = sign(&c, "rsa_b.pem", Some("test-rsa-a"), Algorithm::RS256);
    assert_eq!(v.validate(&forged), Err(JwtError::BadSignature));

    let mut c = claims("data:read");
    c.as_object_mut().unwrap().remove("exp");
    assert!(matches!(
        v.validate(&rsa(&c)),
        Err(JwtError::MissingClaim(_))
    ));
}

#[test]
fn malformed_tokens_and_symmetric_algorithms_are_refused() {
    let v = validator();
    assert!(matches!(
        v.validate("abc.def.ghi"),
        Err(JwtError::Malformed(_))
    ));
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("data:read"),
        &EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    assert!(matches!(v.validate(&hs), Err(JwtError::Algorithm(_))));
    // alg "none" is not even a header jsonwebtoken will parse.
    let none = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(claims("data:read").to_string().as_bytes())
    );
    assert!(v.validate(&none).is_err());
    // Tampering with the payload breaks the signature.
    let token = rsa(&claims("data:read"));
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = base64url(claims("data:read users:manage").to_string().as_bytes());
    assert_eq!(v.validate(&parts.join(".")), Err(JwtError::BadSignature));
}

#[test]
fn bad_jwks_documents_are_named() {
    assert!(matches!(
        JwtValidator::new(ISSUER, AUDIENCE, "{}"),
        Err(JwtError::BadJwks(_))
    ));
    assert!(matches!(
        JwtValidator::new(ISSUER, AUDIENCE, r#"{"keys": []}"#),
        Err(JwtError::BadJwks(_))
    ));
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
