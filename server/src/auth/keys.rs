//! Loading and checking issuer public keys.
//!
//! Every key is parsed and checked once at start-up, so a bad key is a clear
//! configuration error naming its issuer instead of every token failing later
//! with "invalid signature". jsonwebtoken parses some keys only when verifying
//! (RSA) and slices Ed25519 keys without a length check, so the checks it does
//! not do are done here.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{DecodingKey, DecodingKeyKind};

use super::config::{Algorithm, IssuerConfig};
use super::error::ConfigError;
use super::oidc::RemoteKeys;

/// The verification key(s) of one issuer.
#[derive(Debug)]
pub(crate) enum IssuerKeys {
    /// One key; a `kid` in the token header is ignored.
    Single(DecodingKey),
    /// A JWKS; the token's `kid` selects the key and is mandatory.
    ByKid(HashMap<String, DecodingKey>),
    /// An OpenID Connect provider's JWKS, fetched and refreshed; by `kid`.
    Remote(Arc<RemoteKeys>),
}

impl IssuerKeys {
    /// Moves whenever the keys may have changed (a provider's key set was
    /// fetched again); keys from configuration never change.
    pub(crate) fn generation(&self) -> u64 {
        match self {
            IssuerKeys::Remote(remote) => remote.generation(),
            IssuerKeys::Single(_) | IssuerKeys::ByKid(_) => 0,
        }
    }
}

/// Accepted RSA modulus sizes: 2048 bits is today's floor; the upper bound is
/// what the `rsa` backend will verify with.
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;

pub(crate) fn load(cfg: &IssuerConfig) -> Result<IssuerKeys, ConfigError> {
    let iss = &cfg.iss;
    let found = [
        cfg.public_key_pem.is_some(),
        cfg.public_key_file.is_some(),
        cfg.jwks_file.is_some(),
        cfg.discovery,
    ]
    .into_iter()
    .filter(|set| *set)
    .count();
    if found != 1 {
        return Err(ConfigError::KeySource {
            iss: iss.clone(),
            found,
        });
    }
    let invalid_key = |reason| ConfigError::InvalidKey {
        iss: iss.clone(),
        reason,
    };
    if cfg.discovery {
        return RemoteKeys::new(cfg).map(|keys| IssuerKeys::Remote(Arc::new(keys)));
    }
    if let Some(pem) = &cfg.public_key_pem {
        return public_key_from_pem(cfg.algorithm, pem.as_bytes())
            .map(IssuerKeys::Single)
            .map_err(invalid_key);
    }
    if let Some(path) = &cfg.public_key_file {
        let pem = read(iss, path)?;
        return public_key_from_pem(cfg.algorithm, &pem)
            .map(IssuerKeys::Single)
            .map_err(|reason| invalid_key(format!("{}: {reason}", path.display())));
    }
    let path = cfg.jwks_file.as_ref().expect("exactly one key source is set");
    let json = read(iss, path)?;
    jwks(iss, cfg.algorithm, &json)
        .map(IssuerKeys::ByKid)
        .map_err(|reason| ConfigError::InvalidJwks {
            iss: iss.clone(),
            reason: format!("{}: {reason}", path.display()),
        })
}

fn read(iss: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::ReadFile {
        iss: iss.to_owned(),
        path: path.to_owned(),
        source,
    })
}

fn key_kind(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::EdDSA => "Ed25519",
        Algorithm::ES256 => "P-256 (EC)",
        Algorithm::RS256 => "RSA",
    }
}

pub(crate) fn public_key_from_pem(alg: Algorithm, pem: &[u8]) -> Result<DecodingKey, String> {
    if String::from_utf8_lossy(pem).contains("PRIVATE KEY-----") {
        return Err("found a private key; configure only the public key".to_owned());
    }
    let key = match alg {
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
        Algorithm::RS256 => DecodingKey::from_rsa_pem(pem),
    }
    .map_err(|e| format!("not a PEM {} public key ({e})", key_kind(alg)))?;
    checked(alg, key)
}

pub(crate) fn jwks(iss: &str, alg: Algorithm, json: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let set: JwkSet = serde_json::from_slice(json).map_err(|e| format!("not a JWKS document ({e})"))?;
    let mut keys = HashMap::new();
    for (i, jwk) in set.keys.iter().enumerate() {
        let Some(kid) = jwk.common.key_id.clone().filter(|k| !k.is_empty()) else {
            return Err(format!("key #{i} has no kid"));
        };
        // A JWKS published by an identity provider may also hold encryption keys
        // or keys for other algorithms; they can never verify a token for this
        // issuer (its algorithm is pinned), so they are skipped, not fatal.
        if let Some(skip) = unusable(alg, jwk) {
            tracing::warn!(issuer = iss, kid, "skipping JWKS key: {skip}");
            continue;
        }
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| format!("key {kid:?}: {e}"))
            .and_then(|key| checked(alg, key).map_err(|e| format!("key {kid:?}: {e}")))?;
        if keys.insert(kid.clone(), key).is_some() {
            return Err(format!("kid {kid:?} appears more than once"));
        }
    }
    if keys.is_empty() {
        return Err(format!("no {} signing key in the set", key_kind(alg)));
    }
    Ok(keys)
}

/// Why a JWK cannot serve an issuer pinned to `alg`, if it cannot.
fn unusable(alg: Algorithm, jwk: &Jwk) -> Option<String> {
    if let Some(usage) = &jwk.common.public_key_use
        && *usage != PublicKeyUse::Signature
    {
        return Some("not a signature key (use != \"sig\")".to_owned());
    }
    if let Some(key_alg) = jwk.common.key_algorithm
        && key_alg.to_string() != alg.to_jwt_name()
    {
        return Some(format!("alg {key_alg} is not {}", alg.to_jwt_name()));
    }
    let fits = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => p.curve == EllipticCurve::Ed25519,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::RSA(_), Algorithm::RS256) => true,
        _ => false,
    };
    (!fits).then(|| format!("not a {} key", key_kind(alg)))
}

impl Algorithm {
    fn to_jwt_name(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
        }
    }
}

/// Checks what jsonwebtoken would otherwise only find out (or panic on) when a
/// token arrives, and returns the key in the form used for verification.
fn checked(alg: Algorithm, key: DecodingKey) -> Result<DecodingKey, String> {
    match alg {
        Algorithm::EdDSA => {
            let len = key.try_get_as_bytes().map_err(|e| e.to_string())?.len();
            if len != 32 {
                return Err(format!("Ed25519 public key must be 32 bytes, got {len}"));
            }
            probe(alg, key)
        }
        Algorithm::ES256 => probe(alg, key),
        Algorithm::RS256 => {
            let (n, e) = match key.kind() {
                DecodingKeyKind::SecretOrDer(der) => {
                    let provider = jsonwebtoken::crypto::CryptoProvider::try_get_default()
                        .ok_or("no jsonwebtoken crypto provider")?;
                    (provider.key_utils.rsa_pub_components_from_public_key)(der)
                        .map_err(|e| format!("not an RSA public key ({e})"))?
                }
                DecodingKeyKind::RsaModulusExponent { n, e } => (n.clone(), e.clone()),
            };
            let bits = bit_len(&n);
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                return Err(format!(
                    "RSA modulus is {bits} bits; {RSA_MIN_BITS} to {RSA_MAX_BITS} are accepted"
                ));
            }
            let e_value =
                (bit_len(&e) <= 64).then(|| e.iter().fold(0u64, |acc, b| acc.wrapping_shl(8) | u64::from(*b)));
            if !matches!(e_value, Some(v) if v >= 3 && v % 2 == 1 && v < 1 << 33) {
                return Err("RSA public exponent is out of range".to_owned());
            }
            Ok(DecodingKey::from_rsa_raw_components(&n, &e))
        }
    }
}

/// Builds the verifier once, which parses the key (EC, Ed25519) and rejects an
/// invalid curve point; the dummy signature itself is expected not to match.
fn probe(alg: Algorithm, key: DecodingKey) -> Result<DecodingKey, String> {
    match jsonwebtoken::crypto::verify("", b"", &key, alg.to_jwt()) {
        Ok(_) => Ok(key),
        Err(e) => Err(format!("not a valid {} public key ({e})", key_kind(alg))),
    }
}

fn bit_len(be_bytes: &[u8]) -> usize {
    match be_bytes.iter().position(|b| *b != 0) {
        Some(i) => (be_bytes.len() - i - 1) * 8 + (8 - be_bytes[i].leading_zeros() as usize),
        None => 0,
    }
}
