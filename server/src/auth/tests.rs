use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::*;

const RSA_PRIVATE: &str = include_str!("testdata/rsa2048_private.pem");
const RSA_PUBLIC: &str = include_str!("testdata/rsa2048_public.pem");
const RSA_PUBLIC_PKCS1: &str = include_str!("testdata/rsa2048_public_pkcs1.pem");
const RSA_1024_PUBLIC: &str = include_str!("testdata/rsa1024_public.pem");

/// base64url of `{"alg":"none","typ":"JWT"}`.
const NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
/// base64url of `{"alg":"ES512","typ":"JWT"}` (an algorithm jsonwebtoken lacks).
const ES512_HEADER: &str = "eyJhbGciOiJFUzUxMiIsInR5cCI6IkpXVCJ9";

const HOUR: Duration = Duration::from_secs(3600);

struct KeyPair {
    alg: Algorithm,
    private: String,
    public: String,
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).unwrap();
    b
}

fn ed_keys() -> KeyPair {
    let secret = random32();
    let key = ed25519_dalek::SigningKey::from_bytes(&secret);
    KeyPair {
        alg: Algorithm::EdDSA,
        private: super::dev::ed25519_private_pem(&secret).unwrap(),
        public: key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn ec_keys() -> KeyPair {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let key = p256::SecretKey::from_slice(&random32()).unwrap();
    KeyPair {
        alg: Algorithm::ES256,
        private: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public: key.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn rsa_keys() -> KeyPair {
    KeyPair {
        alg: Algorithm::RS256,
        private: RSA_PRIVATE.to_owned(),
        public: RSA_PUBLIC.to_owned(),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn issuer(iss: &str, keys: &KeyPair, municipalities: &[&str]) -> IssuerConfig {
    IssuerConfig {
        iss: iss.to_owned(),
        algorithm: keys.alg,
        public_key_pem: Some(keys.public.clone()),
        public_key_file: None,
        jwks_file: None,
        municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
        ..IssuerConfig::default()
    }
}

fn config(issuers: Vec<IssuerConfig>) -> AuthConfig {
    AuthConfig {
        issuers,
        ..AuthConfig::default()
    }
}

fn minter(iss: &str, keys: &KeyPair) -> TokenMinter {
    TokenMinter::new(iss, "samprio", keys.alg, keys.private.as_bytes(), None).unwrap()
}

/// One issuer `idp-0101` vouching for 0101 only, its verifier and its minter.
fn setup(keys: &KeyPair) -> (Verifier, TokenMinter) {
    let verifier = Verifier::from_config(&config(vec![issuer("idp-0101", keys, &["0101"])])).unwrap();
    (verifier, minter("idp-0101", keys))
}

fn valid_claims() -> Value {
    json!({
        "iss": "idp-0101",
        "aud": "samprio",
        "sub": "alice",
        "municipality": "0101",
        "roles": ["board", "chair:fynsamarbejdet"],
        "exp": now() + 3600,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

/// The payload segment of a compact JWT.
fn payload_of(token: &str) -> &str {
    token.split('.').nth(1).unwrap()
}

// ---------------------------------------------------------------- happy paths

#[test]
fn valid_tokens_of_each_algorithm_are_accepted() {
    for keys in [ed_keys(), ec_keys(), rsa_keys()] {
        let (verifier, minter) = setup(&keys);
        let token = minter.mint("alice", "0101", &[Role::Board, Role::DigitalLead], HOUR);
        let principal = verifier
            .verify(&token)
            .unwrap_or_else(|e| panic!("{:?}: {e}", keys.alg));
        assert_eq!(
            principal,
            Principal {
                sub: "alice".into(),
                municipality: "0101".into(),
                roles: vec![Role::Board, Role::DigitalLead],
                issuer: "idp-0101".into(),
                name: None,
            }
        );
    }
}

#[test]
fn rsa_pkcs1_public_key_and_key_file_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idp.pem");
    std::fs::write(&path, RSA_PUBLIC_PKCS1).unwrap();
    let mut cfg = issuer("idp-0101", &rsa_keys(), &["0101"]);
    cfg.public_key_pem = None;
    cfg.public_key_file = Some(path);
    let verifier = Verifier::from_config(&config(vec![cfg])).unwrap();
    let token = minter("idp-0101", &rsa_keys()).mint("alice", "0101", &[Role::Observer], HOUR);
    assert_eq!(verifier.verify(&token).unwrap().roles, vec![Role::Observer]);
}

#[test]
fn duplicate_roles_are_collapsed_and_principal_helpers_work() {
    let (verifier, minter) = setup(&ed_keys());
    let token = minter.mint_claims(&with(
        valid_claims(),
        "roles",
        json!(["board", "secretariat:syd", "board", "chair:nord"]),
    ));
    let p = verifier.verify(&token).unwrap();
    assert_eq!(
        p.roles,
        vec![Role::Board, Role::Secretariat("syd".into()), Role::Chair("nord".into())]
    );
    assert!(p.has_role(&Role::Board));
    assert!(!p.has_role(&Role::Operator));
    assert!(p.is_chair_of("nord") && !p.is_chair_of("syd"));
    assert!(p.is_secretariat_of("syd") && !p.is_secretariat_of("nord"));
}

#[test]
fn empty_roles_array_is_a_principal_without_roles() {
    let (verifier, minter) = setup(&ed_keys());
    let token = minter.mint_claims(&with(valid_claims(), "roles", json!([])));
    assert!(verifier.verify(&token).unwrap().roles.is_empty());
}

#[test]
fn audience_array_containing_ours_is_accepted() {
    // RFC 7519 §4.1.3 allows `aud` to be an array; identity providers use it.
    let (verifier, minter) = setup(&ed_keys());
    let token = minter.mint_claims(&with(valid_claims(), "aud", json!(["other", "samprio"])));
    assert!(verifier.verify(&token).is_ok());
}

// ---------------------------------------------------------------------- JWKS

fn jwk(kid: &str, keys: &KeyPair) -> Value {
    let pem = keys.private.as_bytes();
    let enc = match keys.alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem),
    }
    .unwrap();
    let mut jwk = Jwk::from_encoding_key(&enc, keys.alg.to_jwt()).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

fn jwks_issuer(dir: &Path, keys: &[(&str, &KeyPair)], alg: Algorithm) -> IssuerConfig {
    let set: Vec<Value> = keys.iter().map(|(kid, k)| jwk(kid, k)).collect();
    write_jwks(dir, &json!({ "keys": set }), alg)
}

fn write_jwks(dir: &Path, set: &Value, alg: Algorithm) -> IssuerConfig {
    let path = dir.join("jwks.json");
    std::fs::write(&path, serde_json::to_vec(set).unwrap()).unwrap();
    IssuerConfig {
        iss: "idp-0101".into(),
        algorithm: alg,
        public_key_pem: None,
        public_key_file: None,
        jwks_file: Some(path),
        municipalities: vec!["0101".into()],
        ..IssuerConfig::default()
    }
}

fn kid_minter(keys: &KeyPair, kid: Option<&str>) -> TokenMinter {
    TokenMinter::new(
        "idp-0101",
        "samprio",
        keys.alg,
        keys.private.as_bytes(),
        kid.map(str::to_owned),
    )
    .unwrap()
}

#[test]
fn jwks_selects_key_by_kid() {
    // Only one fixed RSA key: it still exercises the kid lookup.
    let sets = [vec![ed_keys(), ed_keys()], vec![ec_keys(), ec_keys()], vec![rsa_keys()]];
    for set in &sets {
        let alg = set[0].alg;
        let kids = ["k1", "k2"];
        let named: Vec<(&str, &KeyPair)> = kids.into_iter().zip(set).collect();
        let dir = tempfile::tempdir().unwrap();
        let verifier = Verifier::from_config(&config(vec![jwks_issuer(dir.path(), &named, alg)])).unwrap();
        for (kid, k) in &named {
            let token = kid_minter(k, Some(kid)).mint("alice", "0101", &[Role::Board], HOUR);
            assert!(verifier.verify(&token).is_ok(), "{alg:?} kid {kid}");
        }
        let unknown = kid_minter(&set[0], Some("k9")).mint("alice", "0101", &[Role::Board], HOUR);
        assert_eq!(verifier.verify(&unknown), Err(AuthError::UnknownKeyId));
        let missing = kid_minter(&set[0], None).mint("alice", "0101", &[Role::Board], HOUR);
        assert_eq!(verifier.verify(&missing), Err(AuthError::MissingKeyId));
        if let [_, second] = set.as_slice() {
            // The kid names a key, but the token was signed by the other one.
            let crossed = kid_minter(second, Some("k1")).mint("alice", "0101", &[], HOUR);
            assert_eq!(verifier.verify(&crossed), Err(AuthError::BadSignature));
        }
    }
}

#[test]
fn jwks_skips_keys_it_cannot_use_and_rejects_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    let good = ed_keys();
    let mut set = json!({ "keys": [jwk("k1", &good)] });
    // An encryption key and an RSA key are skipped, not fatal.
    let mut enc = set["keys"][0].clone();
    enc["kid"] = json!("enc");
    enc["use"] = json!("enc");
    let rsa = json!({"kty": "RSA", "kid": "r1", "n": "AQAB", "e": "AQAB"});
    set["keys"].as_array_mut().unwrap().extend([enc, rsa]);
    let cfg = write_jwks(dir.path(), &set, Algorithm::EdDSA);
    let verifier = Verifier::from_config(&config(vec![cfg])).unwrap();
    let token = kid_minter(&good, Some("enc")).mint("alice", "0101", &[], HOUR);
    assert_eq!(verifier.verify(&token), Err(AuthError::UnknownKeyId));

    // A truncated Ed25519 key must be a config error (jsonwebtoken would panic
    // slicing it when the first token arrives).
    let short = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "s", "x": "AAAA"}]});
    let err = Verifier::from_config(&config(vec![write_jwks(dir.path(), &short, Algorithm::EdDSA)])).unwrap_err();
    assert!(matches!(err, ConfigError::InvalidJwks { .. }), "{err}");
    assert!(err.to_string().contains("idp-0101"), "{err}");

    let dup = json!({"keys": [set["keys"][0], set["keys"][0]]});
    let err = Verifier::from_config(&config(vec![write_jwks(dir.path(), &dup, Algorithm::EdDSA)])).unwrap_err();
    assert!(err.to_string().contains("more than once"), "{err}");

    let mut no_kid = set.clone();
    no_kid["keys"][0].as_object_mut().unwrap().remove("kid");
    let err = Verifier::from_config(&config(vec![write_jwks(dir.path(), &no_kid, Algorithm::EdDSA)])).unwrap_err();
    assert!(err.to_string().contains("no kid"), "{err}");

    let only_unusable = json!({"keys": [set["keys"][2]]});
    let err =
        Verifier::from_config(&config(vec![write_jwks(dir.path(), &only_unusable, Algorithm::EdDSA)])).unwrap_err();
    assert!(err.to_string().contains("no Ed25519 signing key"), "{err}");

    let not_json = dir.path().join("bad.json");
    std::fs::write(&not_json, "{").unwrap();
    let mut cfg = write_jwks(dir.path(), &set, Algorithm::EdDSA);
    cfg.jwks_file = Some(not_json);
    assert!(matches!(
        Verifier::from_config(&config(vec![cfg])),
        Err(ConfigError::InvalidJwks { .. })
    ));
}

// --------------------------------------------------------------- interceptor

fn request_with(auth: Option<&str>) -> tonic::Request<()> {
    let mut req = tonic::Request::new(());
    if let Some(value) = auth {
        req.metadata_mut().insert("authorization", value.parse().unwrap());
    }
    req
}

#[test]
fn interceptor_puts_principal_into_extensions() {
    let (verifier, minter) = setup(&ed_keys());
    let mut intercept = interceptor(Arc::new(verifier));
    let token = minter.mint("alice", "0101", &[Role::Board], HOUR);
    for header in [format!("Bearer {token}"), format!("bearer  {token}")] {
        let req = intercept(request_with(Some(&header))).unwrap();
        let p = principal(&req).unwrap();
        assert_eq!((p.sub.as_str(), p.municipality.as_str()), ("alice", "0101"));
    }
}

#[test]
fn interceptor_rejects_missing_or_malformed_authorization() {
    let (verifier, minter) = setup(&ed_keys());
    let mut intercept = interceptor(Arc::new(verifier));
    let status = intercept(request_with(None)).unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert_eq!(status.message(), "missing bearer token");

    let token = minter.mint("alice", "0101", &[Role::Board], HOUR);
    for bad in [
        format!("Basic {token}"),
        token.clone(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {token} extra"),
    ] {
        let status = intercept(request_with(Some(&bad))).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{bad}");
        assert_eq!(status.message(), "authorization metadata must be `Bearer <token>`");
    }
    let status = intercept(request_with(Some("Bearer not-a-jwt"))).unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert!(status.message().starts_with("malformed token"));
}

#[test]
fn interceptor_reports_the_reason_without_leaking() {
    let (verifier, minter) = setup(&ed_keys());
    let mut intercept = interceptor(Arc::new(verifier));
    let expired = minter.mint_claims(&with(valid_claims(), "exp", json!(now() - 3600)));
    let status = intercept(request_with(Some(&format!("Bearer {expired}")))).unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert_eq!(status.message(), "token expired");

    let other = minter.mint("alice", "0102", &[Role::Board], HOUR);
    let status = intercept(request_with(Some(&format!("Bearer {other}")))).unwrap_err();
    assert_eq!(status.message(), "issuer may not vouch for municipality 0102");
}

#[test]
fn principal_without_interceptor_is_unauthenticated() {
    let status = principal(&tonic::Request::new(())).unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
}

#[test]
fn verifier_and_interceptor_are_shareable() {
    fn assert_shareable<T: Send + Sync + 'static>(_: &T) {}
    fn assert_clone<T: Clone>(_: &T) {}
    let (verifier, _) = setup(&ed_keys());
    assert_shareable(&verifier);
    let intercept = interceptor(Arc::new(verifier));
    assert_shareable(&intercept);
    assert_clone(&intercept);
}

// ---------------------------------------------------- signatures & algorithms

#[test]
fn token_signed_by_another_key_is_rejected() {
    for (keys, other) in [(ed_keys(), ed_keys()), (ec_keys(), ec_keys())] {
        let (verifier, _) = setup(&keys);
        let token = minter("idp-0101", &other).mint("alice", "0101", &[Role::Board], HOUR);
        assert_eq!(verifier.verify(&token), Err(AuthError::BadSignature));
    }
}

#[test]
fn tampered_payload_or_signature_is_rejected() {
    for keys in [ed_keys(), ec_keys(), rsa_keys()] {
        let (verifier, minter) = setup(&keys);
        let token = minter.mint("alice", "0101", &[Role::Observer], HOUR);
        let promoted = minter.mint("alice", "0101", &[Role::Operator], HOUR);
        let parts: Vec<&str> = token.split('.').collect();
        // Someone else's payload under this token's signature.
        let swapped = format!("{}.{}.{}", parts[0], payload_of(&promoted), parts[2]);
        assert_eq!(verifier.verify(&swapped), Err(AuthError::BadSignature));
        // A flipped signature character (the first one: no base64 padding bits).
        let mut sig = parts[2].to_owned();
        let first = if sig.starts_with('A') { "B" } else { "A" };
        sig.replace_range(0..1, first);
        let flipped = format!("{}.{}.{sig}", parts[0], parts[1]);
        assert_eq!(
            verifier.verify(&flipped),
            Err(AuthError::BadSignature),
            "{:?}",
            keys.alg
        );
        let stripped = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(verifier.verify(&stripped), Err(AuthError::BadSignature));
    }
}

#[test]
fn alg_none_is_rejected() {
    let (verifier, minter) = setup(&ed_keys());
    let token = minter.mint("alice", "0101", &[Role::Operator], HOUR);
    let signature = token.rsplit('.').next().unwrap();
    for forged in [
        format!("{NONE_HEADER}.{}.", payload_of(&token)),
        format!("{NONE_HEADER}.{}.{signature}", payload_of(&token)),
        format!("{ES512_HEADER}.{}.{signature}", payload_of(&token)),
    ] {
        assert_eq!(verifier.verify(&forged), Err(AuthError::AlgorithmNotAllowed));
    }
}

#[test]
fn algorithm_other_than_the_issuers_is_rejected() {
    // An ES256 token (valid signature, right iss) presented to an EdDSA issuer.
    let ed = ed_keys();
    let ec = ec_keys();
    let (verifier, _) = setup(&ed);
    let es_token = minter("idp-0101", &ec).mint("alice", "0101", &[Role::Board], HOUR);
    assert_eq!(verifier.verify(&es_token), Err(AuthError::AlgorithmNotAllowed));

    // The classic confusion attack: HS256 with the issuer's public key as secret.
    for keys in [ed, ec, rsa_keys()] {
        let (verifier, _) = setup(&keys);
        let hs = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &valid_claims(),
            &EncodingKey::from_secret(keys.public.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verifier.verify(&hs),
            Err(AuthError::AlgorithmNotAllowed),
            "{:?}",
            keys.alg
        );
    }
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let (verifier, _) = setup(&ed_keys());
    let valid_payload = payload_of(&minter("idp-0101", &ed_keys()).mint("a", "0101", &[], HOUR)).to_owned();
    for garbage in [
        String::new(),
        "abc".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        "...".into(),
        "!!!.???.***".into(),
        format!("eyJhbGciOiJFZERTQSI.{valid_payload}.sig"), // truncated header JSON
        format!("{NONE_HEADER}.WzEsMl0."),                  // payload is an array
        format!("{NONE_HEADER}.%%%."),
        "ÆØÅ.æøå.x".into(),
    ] {
        let result = verifier.verify(&garbage);
        assert!(
            matches!(result, Err(AuthError::Malformed(_) | AuthError::AlgorithmNotAllowed)),
            "{garbage:?} gave {result:?}"
        );
    }
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(verifier.verify(&huge), Err(AuthError::TokenTooLarge));
}

// -------------------------------------------------------------------- claims

#[test]
fn expiry_honours_the_leeway() {
    let (verifier, minter) = setup(&ed_keys());
    let leeway = DEFAULT_LEEWAY_SECS;
    let within = minter.mint_claims(&with(valid_claims(), "exp", json!(now() - leeway / 2)));
    assert!(verifier.verify(&within).is_ok());
    let beyond = minter.mint_claims(&with(valid_claims(), "exp", json!(now() - leeway - 5)));
    assert_eq!(verifier.verify(&beyond), Err(AuthError::Expired));

    let nbf_within = minter.mint_claims(&with(valid_claims(), "nbf", json!(now() + leeway / 2)));
    assert!(verifier.verify(&nbf_within).is_ok());
    let nbf_beyond = minter.mint_claims(&with(valid_claims(), "nbf", json!(now() + leeway + 60)));
    assert_eq!(verifier.verify(&nbf_beyond), Err(AuthError::NotYetValid));
}

#[test]
fn configured_leeway_is_used() {
    let keys = ed_keys();
    let mut cfg = config(vec![issuer("idp-0101", &keys, &["0101"])]);
    cfg.leeway_secs = 0;
    let verifier = Verifier::from_config(&cfg).unwrap();
    let token = minter("idp-0101", &keys).mint_claims(&with(valid_claims(), "exp", json!(now() - 10)));
    assert_eq!(verifier.verify(&token), Err(AuthError::Expired));
}

#[test]
fn wrong_audience_is_rejected() {
    let (verifier, minter) = setup(&ed_keys());
    for aud in [json!("other"), json!(["a", "b"]), json!("")] {
        let token = minter.mint_claims(&with(valid_claims(), "aud", aud));
        assert_eq!(verifier.verify(&token), Err(AuthError::WrongAudience));
    }
    let wrong_minter = TokenMinter::new("idp-0101", "not-samprio", Algorithm::EdDSA, b"", None).err();
    assert!(wrong_minter.is_some(), "empty private key must be refused");
}

#[test]
fn unknown_issuer_is_rejected() {
    let keys = ed_keys();
    let (verifier, _) = setup(&keys);
    let token = minter("idp-9999", &keys).mint("alice", "0101", &[Role::Board], HOUR);
    assert_eq!(verifier.verify(&token), Err(AuthError::UnknownIssuer));
    let token = minter("idp-0101", &keys).mint_claims(&with(valid_claims(), "iss", json!(["idp-0101"])));
    assert_eq!(verifier.verify(&token), Err(AuthError::InvalidClaim("iss".into())));
}

#[test]
fn issuer_cannot_act_for_another_municipality() {
    let a = ed_keys();
    let b = ec_keys();
    let verifier = Verifier::from_config(&config(vec![
        issuer("idp-0101", &a, &["0101"]),
        issuer("broker", &b, &["0102", "0103"]),
    ]))
    .unwrap();
    let token = minter("idp-0101", &a).mint("alice", "0102", &[Role::Board], HOUR);
    let err = verifier.verify(&token).unwrap_err();
    assert_eq!(err, AuthError::MunicipalityNotAllowed("0102".into()));
    assert_eq!(err.to_string(), "issuer may not vouch for municipality 0102");
    for m in ["0102", "0103"] {
        let token = minter("broker", &b).mint("bob", m, &[Role::DigitalLead], HOUR);
        assert_eq!(verifier.verify(&token).unwrap().issuer, "broker");
    }
    // The broker's key cannot be used to speak as idp-0101 either.
    let token = minter("idp-0101", &b).mint("bob", "0101", &[Role::Board], HOUR);
    assert_eq!(verifier.verify(&token), Err(AuthError::AlgorithmNotAllowed));
}

#[test]
fn each_required_claim_is_required() {
    let (verifier, minter) = setup(&ed_keys());
    for claim in ["iss", "aud", "sub", "exp", "municipality", "roles"] {
        let token = minter.mint_claims(&without(valid_claims(), claim));
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::MissingClaim(claim.into())),
            "{claim}"
        );
        let token = minter.mint_claims(&with(valid_claims(), claim, Value::Null));
        assert!(verifier.verify(&token).is_err(), "{claim}: null");
    }
}

#[test]
fn claims_of_the_wrong_shape_are_rejected() {
    let (verifier, minter) = setup(&ed_keys());
    let cases = [
        ("sub", json!(""), "sub"),
        ("sub", json!(42), "sub"),
        ("municipality", json!(""), "municipality"),
        ("municipality", json!("01x1"), "municipality"),
        ("municipality", json!("12345"), "municipality"),
        ("municipality", json!("01"), "municipality"),
        ("municipality", json!(" 0101"), "municipality"),
        ("municipality", json!(101), "municipality"),
        ("roles", json!("board"), "roles"),
        ("roles", json!([1]), "roles"),
        ("roles", json!({"board": true}), "roles"),
        ("exp", json!("tomorrow"), "exp"),
    ];
    for (claim, value, reported) in cases {
        let token = minter.mint_claims(&with(valid_claims(), claim, value.clone()));
        let result = verifier.verify(&token);
        assert!(
            matches!(
                &result,
                Err(AuthError::InvalidClaim(c) | AuthError::MissingClaim(c)) if c == reported
            ),
            "{claim}={value}: {result:?}"
        );
    }
}

#[test]
fn three_digit_municipality_codes_are_accepted() {
    let keys = ed_keys();
    let verifier = Verifier::from_config(&config(vec![issuer("idp", &keys, &["101"])])).unwrap();
    let token = minter("idp", &keys).mint("alice", "101", &[Role::Observer], HOUR);
    assert_eq!(verifier.verify(&token).unwrap().municipality, "101");
}

#[test]
fn unknown_roles_are_rejected_not_dropped() {
    let (verifier, minter) = setup(&ed_keys());
    for role in ["admin", "Board", "chair:", "chair", "secretariat:a b", "board "] {
        let token = minter.mint_claims(&with(valid_claims(), "roles", json!(["observer", role])));
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::UnknownRole(role.into())),
            "{role:?}"
        );
    }
    let long = "x".repeat(1000);
    let token = minter.mint_claims(&with(valid_claims(), "roles", json!([long])));
    let Err(AuthError::UnknownRole(echoed)) = verifier.verify(&token) else {
        panic!("expected UnknownRole");
    };
    assert!(echoed.len() < 100, "role echoed in full: {}", echoed.len());
}

// --------------------------------------------------------------------- roles

#[test]
fn roles_round_trip_through_strings_and_serde() {
    let roles = [
        (Role::Board, "board"),
        (Role::DigitalLead, "digital_lead"),
        (Role::Observer, "observer"),
        (Role::Chair("fyn-2030".into()), "chair:fyn-2030"),
        (Role::Secretariat("sjaelland".into()), "secretariat:sjaelland"),
        (Role::Operator, "operator"),
    ];
    for (role, text) in roles {
        assert_eq!(role.to_string(), text);
        assert_eq!(text.parse::<Role>(), Ok(role.clone()));
        let json = serde_json::to_value(&role).unwrap();
        assert_eq!(json, json!(text));
        assert_eq!(serde_json::from_value::<Role>(json).unwrap(), role);
    }
    assert_eq!(Role::Chair("x".into()).cooperation(), Some("x"));
    assert_eq!(Role::Board.cooperation(), None);
    assert!("chair:a:b".parse::<Role>().is_err());
    assert!("secretariat:".parse::<Role>().is_err());
    assert!(serde_json::from_value::<Role>(json!("root")).is_err());
}

// ------------------------------------------------------------------- config

#[test]
fn config_parses_with_defaults_and_rejects_unknown_fields() {
    let cfg: AuthConfig = serde_json::from_value(json!({
        "issuers": [{
            "iss": "idp-0101",
            "algorithm": "EdDSA",
            "public_key_file": "/etc/samprio/idp-0101.pem",
            "municipalities": ["0101"]
        }]
    }))
    .unwrap();
    assert_eq!(cfg.audience, "samprio");
    assert_eq!(cfg.leeway_secs, 30);
    assert_eq!(cfg.issuers[0].algorithm, Algorithm::EdDSA);
    for alg in ["EdDSA", "ES256", "RS256"] {
        assert!(serde_json::from_value::<Algorithm>(json!(alg)).is_ok());
    }
    for alg in ["HS256", "none", "eddsa", "ES384"] {
        assert!(serde_json::from_value::<Algorithm>(json!(alg)).is_err(), "{alg}");
    }
    let typo = serde_json::from_value::<AuthConfig>(json!({"audiance": "x"}));
    assert!(typo.is_err());
    let no_municipalities =
        serde_json::from_value::<IssuerConfig>(json!({"iss": "x", "algorithm": "EdDSA", "public_key_pem": "k"}));
    assert!(no_municipalities.is_err());
}

fn config_error(issuers: Vec<IssuerConfig>) -> ConfigError {
    Verifier::from_config(&config(issuers)).unwrap_err()
}

#[test]
fn config_mistakes_are_clear_errors_naming_the_issuer() {
    let ed = ed_keys();
    let wildcard = issuer("idp-0101", &ed, &["0101", "*"]);
    assert!(matches!(
        config_error(vec![wildcard]),
        ConfigError::WildcardMunicipality { .. }
    ));
    let bad_code = issuer("idp-0101", &ed, &["Odense"]);
    assert!(matches!(
        config_error(vec![bad_code]),
        ConfigError::InvalidMunicipality { .. }
    ));
    assert!(matches!(
        config_error(vec![issuer("idp-0101", &ed, &[])]),
        ConfigError::NoMunicipalities { .. }
    ));

    let mut none = issuer("idp-0101", &ed, &["0101"]);
    none.public_key_pem = None;
    assert!(matches!(
        config_error(vec![none]),
        ConfigError::KeySource { found: 0, .. }
    ));
    let mut two = issuer("idp-0101", &ed, &["0101"]);
    two.jwks_file = Some("/x".into());
    assert!(matches!(
        config_error(vec![two]),
        ConfigError::KeySource { found: 2, .. }
    ));

    let mut missing_file = issuer("idp-0101", &ed, &["0101"]);
    missing_file.public_key_pem = None;
    missing_file.public_key_file = Some("/nonexistent/idp.pem".into());
    let err = config_error(vec![missing_file]);
    assert!(matches!(err, ConfigError::ReadFile { .. }));
    assert!(err.to_string().contains("idp-0101") && err.to_string().contains("/nonexistent/idp.pem"));

    let dup = vec![issuer("idp", &ed, &["0101"]), issuer("idp", &ed, &["0102"])];
    assert!(matches!(config_error(dup), ConfigError::DuplicateIssuer(_)));
    assert!(matches!(config_error(vec![]), ConfigError::NoIssuers));
    assert!(matches!(
        config_error(vec![issuer("", &ed, &["0101"])]),
        ConfigError::EmptyIssuerName
    ));

    let mut cfg = config(vec![issuer("idp", &ed, &["0101"])]);
    cfg.leeway_secs = 3600;
    assert!(matches!(
        Verifier::from_config(&cfg),
        Err(ConfigError::LeewayTooLarge(3600))
    ));
    cfg.leeway_secs = 30;
    cfg.audience.clear();
    assert!(matches!(Verifier::from_config(&cfg), Err(ConfigError::EmptyAudience)));
}

#[test]
fn bad_keys_are_refused_at_load() {
    let ed = ed_keys();
    let ec = ec_keys();
    let cases: Vec<(&str, Algorithm, String)> = vec![
        ("private key", Algorithm::EdDSA, ed.private.clone()),
        ("EC key for EdDSA", Algorithm::EdDSA, ec.public.clone()),
        ("Ed key for ES256", Algorithm::ES256, ed.public.clone()),
        ("RSA key for ES256", Algorithm::ES256, RSA_PUBLIC.into()),
        ("EC key for RS256", Algorithm::RS256, ec.public.clone()),
        ("1024-bit RSA", Algorithm::RS256, RSA_1024_PUBLIC.into()),
        ("not PEM", Algorithm::EdDSA, "hello".into()),
        ("empty", Algorithm::ES256, String::new()),
    ];
    for (what, alg, pem) in cases {
        let cfg = IssuerConfig {
            iss: "idp-0101".into(),
            algorithm: alg,
            public_key_pem: Some(pem),
            public_key_file: None,
            jwks_file: None,
            municipalities: vec!["0101".into()],
            ..IssuerConfig::default()
        };
        let err = config_error(vec![cfg]);
        assert!(matches!(err, ConfigError::InvalidKey { .. }), "{what}: {err:?}");
        assert!(err.to_string().contains("\"idp-0101\""), "{what}: {err}");
    }
}

#[test]
fn minter_refuses_keys_of_the_wrong_kind() {
    let ed = ed_keys();
    assert!(TokenMinter::new("i", "samprio", Algorithm::ES256, ed.private.as_bytes(), None).is_err());
    assert!(TokenMinter::new("i", "samprio", Algorithm::EdDSA, ed.public.as_bytes(), None).is_err());
    assert!(TokenMinter::new("i", "samprio", Algorithm::RS256, ed.private.as_bytes(), None).is_err());
    assert_eq!(
        TokenMinter::new("i", "samprio", Algorithm::EdDSA, ed.private.as_bytes(), None)
            .unwrap()
            .issuer(),
        "i"
    );
}

// ------------------------------------------------------------------ dev mode

#[test]
fn dev_key_is_created_private_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = DevKeys::load_or_create(&data, "samprio", vec![]).unwrap();
    let path = data.join(DEV_KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let token = first.minter.mint("dev", "0101", &[Role::Board, Role::Operator], HOUR);
    drop(first);

    let second = DevKeys::load_or_create(&data, "samprio", vec![]).unwrap();
    assert_eq!(second.issuer.iss, DEV_ISSUER);
    let verifier = Verifier::from_config_with_dev(&AuthConfig::default(), Some(&second)).unwrap();
    let p = verifier.verify(&token).unwrap();
    assert_eq!(p.issuer, DEV_ISSUER);
    assert_eq!(p.roles, vec![Role::Board, Role::Operator]);
    // An empty list means the dev issuer vouches for any municipality.
    let elsewhere = second.minter.mint("dev", "0851", &[Role::Board], HOUR);
    assert_eq!(verifier.verify(&elsewhere).unwrap().municipality, "0851");
    let leftovers: Vec<_> = std::fs::read_dir(&data).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "temporary files left behind");
}

#[test]
fn dev_issuer_can_be_limited_and_coexists_with_configured_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let dev = DevKeys::load_or_create(dir.path(), "samprio", vec!["0101".into()]).unwrap();
    let keys = ed_keys();
    let cfg = config(vec![issuer("idp-0102", &keys, &["0102"])]);
    let verifier = Verifier::from_config_with_dev(&cfg, Some(&dev)).unwrap();
    assert!(
        verifier
            .verify(&dev.minter.mint("dev", "0101", &[Role::Board], HOUR))
            .is_ok()
    );
    assert_eq!(
        verifier.verify(&dev.minter.mint("dev", "0102", &[Role::Board], HOUR)),
        Err(AuthError::MunicipalityNotAllowed("0102".into()))
    );
    assert!(
        verifier
            .verify(&minter("idp-0102", &keys).mint("x", "0102", &[], HOUR))
            .is_ok()
    );

    // Without the dev keys, dev tokens are unknown.
    let plain = Verifier::from_config(&cfg).unwrap();
    assert_eq!(
        plain.verify(&dev.minter.mint("dev", "0101", &[], HOUR)),
        Err(AuthError::UnknownIssuer)
    );
    // A configured issuer may not take the dev issuer's name.
    let clash = config(vec![issuer(DEV_ISSUER, &keys, &["0101"])]);
    assert!(matches!(
        Verifier::from_config_with_dev(&clash, Some(&dev)),
        Err(ConfigError::DuplicateIssuer(_))
    ));
    // An empty list is not a wildcard for configured issuers.
    let mut as_config = dev.issuer.clone();
    as_config.municipalities.clear();
    assert!(matches!(
        Verifier::from_config(&config(vec![as_config])),
        Err(ConfigError::NoMunicipalities { .. })
    ));
}

#[test]
fn corrupt_dev_key_is_an_error_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DEV_KEY_FILE), "garbage").unwrap();
    let err = DevKeys::load_or_create(dir.path(), "samprio", vec![]).unwrap_err();
    assert!(matches!(err, ConfigError::DevKey { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(DEV_KEY_FILE)).unwrap(),
        "garbage"
    );
    let bad_code = DevKeys::load_or_create(dir.path(), "samprio", vec!["*".into()]);
    assert!(bad_code.is_err());
}

#[test]
fn dev_token_never_makes_a_second_key() {
    let dir = tempfile::tempdir().unwrap();
    let err = DevKeys::load(dir.path(), "samprio").unwrap_err();
    let msg = err.to_string();
    // Names where it looked (absolutely) and how to point it elsewhere.
    assert!(
        msg.contains(&dir.path().join(DEV_KEY_FILE).display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("SAMPRIO_DATA_DIR"), "{msg}");
    assert!(!dir.path().join(DEV_KEY_FILE).exists(), "dev-token created a key");

    let server = DevKeys::load_or_create(dir.path(), "samprio", vec![]).unwrap();
    let token = DevKeys::load(dir.path(), "samprio")
        .unwrap()
        .minter
        .mint("dev", "0101", &[Role::Board], HOUR);
    let verifier = Verifier::from_config_with_dev(&AuthConfig::default(), Some(&server)).unwrap();
    assert_eq!(verifier.verify(&token).unwrap().municipality, "0101");
}

#[test]
fn dev_server_hint_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state/samprio/dev-server.json");
    assert_eq!(DevServerHint::read(&file), None);
    let hint = DevServerHint {
        data_dir: dir.path().join("srv"),
        audience: "aud".into(),
    };
    hint.record(&file);
    assert_eq!(DevServerHint::read(&file), Some(hint));
}

// ------------------------------------------------------------- claim mapping

/// A broker vouching for Aarhus (0751) and Odense (0461), sending `cvr`,
/// `groups` and `name` as Danish municipal brokers do.
fn broker(keys: &KeyPair) -> Verifier {
    let mut cfg = issuer("broker", keys, &["0751", "0461"]);
    cfg.claims = ClaimMapping {
        cvr: Some("cvr".into()),
        roles: Some("groups".into()),
        role_map: [
            ("GG-Samprio-Direktion", vec!["board"]),
            ("GG-Samprio-Digitalisering", vec!["digital_lead", "observer"]),
            ("GG-Samprio-Formand-Midt", vec!["chair:midtjylland"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
        .collect(),
        ..ClaimMapping::default()
    };
    Verifier::from_config(&config(vec![cfg])).unwrap()
}

fn broker_claims(cvr: Value, groups: Value) -> Value {
    json!({
        "iss": "broker", "aud": "samprio", "sub": "a1b2", "exp": now() + 600,
        "cvr": cvr, "groups": groups, "name": "Aase Østergård",
    })
}

#[test]
fn cvr_and_groups_are_mapped_and_the_name_is_kept() {
    let keys = ed_keys();
    let verifier = broker(&keys);
    let m = minter("broker", &keys);
    let token = m.mint_claims(&broker_claims(
        json!("55133018"),
        json!([
            "Alle medarbejdere",
            "GG-Samprio-Formand-Midt",
            "GG-Samprio-Direktion",
            "GG-Samprio-Direktion"
        ]),
    ));
    let p = verifier.verify(&token).unwrap();
    assert_eq!(p.municipality, "0751", "Aarhus's CVR");
    assert_eq!(p.roles, vec![Role::Chair("midtjylland".into()), Role::Board]);
    assert_eq!(p.name.as_deref(), Some("Aase Østergård"));
    assert!(p.is_chair_of("midtjylland"));

    // One group as a plain string, a CVR as a number, no name.
    let single = without(
        broker_claims(json!(35209115), json!("GG-Samprio-Digitalisering")),
        "name",
    );
    let p = verifier.verify(&m.mint_claims(&single)).unwrap();
    assert_eq!(p.municipality, "0461", "Odense's CVR");
    assert_eq!(p.roles, vec![Role::DigitalLead, Role::Observer]);
    assert_eq!(p.name, None);

    // No samprio group, or no group claim at all: signed in, but no roles.
    let none = verifier
        .verify(&m.mint_claims(&broker_claims(json!("55133018"), json!(["Alle medarbejdere"]))))
        .unwrap();
    assert!(none.roles.is_empty());
    let absent = without(broker_claims(json!("55133018"), json!([])), "groups");
    assert!(verifier.verify(&m.mint_claims(&absent)).unwrap().roles.is_empty());
}

#[test]
fn the_issuers_municipality_binding_holds_after_cvr_mapping() {
    let keys = ed_keys();
    let verifier = broker(&keys);
    let m = minter("broker", &keys);
    let groups = json!(["GG-Samprio-Direktion"]);
    // København's CVR: a real municipality, but not one this broker vouches for.
    assert_eq!(
        verifier.verify(&m.mint_claims(&broker_claims(json!("64942212"), groups.clone()))),
        Err(AuthError::MunicipalityNotAllowed("0101".into()))
    );
    // Not a municipality's CVR at all.
    assert_eq!(
        verifier.verify(&m.mint_claims(&broker_claims(json!("12345678"), groups.clone()))),
        Err(AuthError::UnknownCvr {
            claim: "cvr".into(),
            value: "12345678".into()
        })
    );
    assert_eq!(
        verifier.verify(&m.mint_claims(&without(broker_claims(json!("1"), groups.clone()), "cvr"))),
        Err(AuthError::MissingClaim("cvr".into()))
    );
    // A `municipality` claim is not read when the issuer maps `cvr`.
    let sneaky = with(broker_claims(json!("64942212"), groups), "municipality", json!("0751"));
    assert_eq!(
        verifier.verify(&m.mint_claims(&sneaky)),
        Err(AuthError::MunicipalityNotAllowed("0101".into()))
    );
}

#[test]
fn without_a_role_map_every_value_must_be_a_samprio_role() {
    let keys = ed_keys();
    let mut cfg = issuer("idp-0101", &keys, &["0101"]);
    cfg.claims.roles = Some("groups".into());
    let verifier = Verifier::from_config(&config(vec![cfg])).unwrap();
    let m = minter("idp-0101", &keys);
    let claims = without(valid_claims(), "roles");
    let ok = with(claims.clone(), "groups", json!(["board"]));
    assert_eq!(verifier.verify(&m.mint_claims(&ok)).unwrap().roles, vec![Role::Board]);
    let unknown = with(claims.clone(), "groups", json!(["Alle medarbejdere"]));
    assert_eq!(
        verifier.verify(&m.mint_claims(&unknown)),
        Err(AuthError::UnknownRole("Alle medarbejdere".into()))
    );
    let one_string = with(claims.clone(), "groups", json!("board"));
    assert_eq!(
        verifier.verify(&m.mint_claims(&one_string)),
        Err(AuthError::InvalidClaim("groups".into()))
    );
    assert_eq!(
        verifier.verify(&m.mint_claims(&claims)),
        Err(AuthError::MissingClaim("groups".into()))
    );
}

#[test]
fn claim_mapping_mistakes_are_start_up_errors() {
    let keys = ed_keys();
    let cases: Vec<(&str, ClaimMapping)> = vec![
        (
            "both municipality and cvr",
            ClaimMapping {
                municipality: Some("municipality".into()),
                cvr: Some("cvr".into()),
                ..ClaimMapping::default()
            },
        ),
        (
            "an unknown samprio role",
            ClaimMapping {
                role_map: [("G".to_owned(), vec!["chairman".to_owned()])].into_iter().collect(),
                ..ClaimMapping::default()
            },
        ),
        (
            "an empty claim name",
            ClaimMapping {
                roles: Some(" ".into()),
                ..ClaimMapping::default()
            },
        ),
    ];
    for (what, claims) in cases {
        let mut cfg = issuer("idp-0101", &keys, &["0101"]);
        cfg.claims = claims;
        let err = config_error(vec![cfg]);
        assert!(matches!(err, ConfigError::ClaimMapping { .. }), "{what}: {err:?}");
        assert!(err.to_string().contains("\"idp-0101\""), "{what}: {err}");
    }
}

#[test]
fn claim_mapping_reads_from_toml() {
    use figment::providers::{Format, Toml};
    let cfg: AuthConfig = figment::Figment::from(Toml::string(
        r#"
        [[issuers]]
        iss = "https://broker.example.dk"
        algorithm = "RS256"
        discovery = true
        municipalities = ["0751"]
        [issuers.claims]
        cvr = "cvr"
        roles = "groups"
        [issuers.claims.role_map]
        "GG-Samprio-Formand" = ["chair:midtjylland"]
        "#,
    ))
    .extract()
    .unwrap();
    let issuer = &cfg.issuers[0];
    assert!(issuer.discovery);
    assert_eq!(issuer.jwks_refresh_secs, DEFAULT_JWKS_REFRESH_SECS);
    assert_eq!(issuer.claims.cvr.as_deref(), Some("cvr"));
    assert_eq!(issuer.claims.role_map["GG-Samprio-Formand"], vec!["chair:midtjylland"]);
    // Discovery is a key source of its own, and wants https.
    let mut both = issuer.clone();
    both.public_key_pem = Some("x".into());
    assert!(matches!(
        config_error(vec![both]),
        ConfigError::KeySource { found: 2, .. }
    ));
    let mut plain = issuer.clone();
    plain.iss = "http://broker.example.dk".into();
    assert!(matches!(config_error(vec![plain]), ConfigError::DiscoveryUrl { .. }));
}
