//! Token minting for dev mode, `samprio-server dev-token` and tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::config::Algorithm;
use super::error::ConfigError;
use super::role::Role;

/// Signs tokens for one issuer. The private key is checked once in
/// [`TokenMinter::new`], so minting itself cannot fail.
pub struct TokenMinter {
    iss: String,
    audience: String,
    header: Header,
    key: EncodingKey,
}

impl std::fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenMinter")
            .field("iss", &self.iss)
            .field("audience", &self.audience)
            .field("alg", &self.header.alg)
            .field("kid", &self.header.kid)
            .finish_non_exhaustive()
    }
}

impl TokenMinter {
    /// `private_key_pem` is a PKCS#8 `PRIVATE KEY` (any of the three algorithms)
    /// or, for RS256, also a PKCS#1 `RSA PRIVATE KEY`.
    pub fn new(
        iss: &str,
        audience: &str,
        alg: Algorithm,
        private_key_pem: &[u8],
        kid: Option<String>,
    ) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidPrivateKey {
            iss: iss.to_owned(),
            reason,
        };
        let key = match alg {
            Algorithm::EdDSA => EncodingKey::from_ed_pem(private_key_pem),
            Algorithm::ES256 => EncodingKey::from_ec_pem(private_key_pem),
            Algorithm::RS256 => EncodingKey::from_rsa_pem(private_key_pem),
        }
        .map_err(|e| invalid(format!("not a PEM private key for {alg:?} ({e})")))?;
        // Sign once now so that a key that parses as PEM but not as a key of this
        // algorithm fails here, not on the first `mint`.
        jsonwebtoken::crypto::sign(b"probe", &key, alg.to_jwt())
            .map_err(|e| invalid(format!("cannot sign with it as {alg:?} ({e})")))?;
        let mut header = Header::new(alg.to_jwt());
        header.kid = kid;
        Ok(TokenMinter {
            iss: iss.to_owned(),
            audience: audience.to_owned(),
            header,
            key,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.iss
    }

    /// A token with all claims samprio requires, valid from now for `ttl`.
    pub fn mint(&self, sub: &str, municipality: &str, roles: &[Role], ttl: Duration) -> String {
        self.mint_named(sub, None, municipality, roles, ttl)
    }

    /// As [`TokenMinter::mint`], with the person's display name in `name`.
    pub fn mint_named(
        &self,
        sub: &str,
        name: Option<&str>,
        municipality: &str,
        roles: &[Role],
        ttl: Duration,
    ) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let roles: Vec<String> = roles.iter().map(Role::to_string).collect();
        let mut claims = json!({
            "iss": self.iss,
            "aud": self.audience,
            "sub": sub,
            "municipality": municipality,
            "roles": roles,
            "iat": now,
            "exp": now.saturating_add(ttl.as_secs()),
        });
        if let (Some(name), Some(map)) = (name, claims.as_object_mut()) {
            map.insert("name".into(), Value::from(name));
        }
        self.mint_claims(&claims)
    }

    /// Signs exactly `claims`, whatever they are (for tests of malformed tokens).
    pub fn mint_claims(&self, claims: &Value) -> String {
        jsonwebtoken::encode(&self.header, claims, &self.key)
            .expect("the key was checked in TokenMinter::new and JSON values always serialize")
    }
}
