//! Configuration of trusted issuers (DESIGN.md §3).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The signature algorithms an issuer can be pinned to. Deliberately a closed set
/// without any HMAC variant: the server only ever holds public keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Algorithm {
    EdDSA,
    ES256,
    RS256,
}

impl Algorithm {
    pub(crate) fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        }
    }
}

/// One trusted identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// Must equal the token's `iss` claim exactly.
    pub iss: String,
    /// Every token from this issuer must carry exactly this `alg`.
    pub algorithm: Algorithm,
    /// Exactly one of `public_key_pem`, `public_key_file` and `jwks_file` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_file: Option<PathBuf>,
    /// A JWKS document (`{"keys": [...]}`); tokens must name their key with `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<PathBuf>,
    /// Member codes this issuer may vouch for. Explicit codes only: there is no
    /// wildcard, so one municipality's identity provider can never act for another
    /// by a configuration slip.
    pub municipalities: Vec<String>,
}

/// The `auth` section of the server configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Required value of the `aud` claim.
    #[serde(default = "default_audience")]
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, at most [`MAX_LEEWAY_SECS`].
    #[serde(default = "default_leeway_secs")]
    pub leeway_secs: u64,
    #[serde(default)]
    pub issuers: Vec<IssuerConfig>,
}

/// A "small" leeway, per DESIGN.md §3; anything larger is almost certainly a
/// units mistake (milliseconds for seconds) and would quietly extend token life.
pub const MAX_LEEWAY_SECS: u64 = 300;

pub const DEFAULT_AUDIENCE: &str = "samprio";
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

fn default_audience() -> String {
    DEFAULT_AUDIENCE.to_owned()
}

fn default_leeway_secs() -> u64 {
    DEFAULT_LEEWAY_SECS
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            audience: default_audience(),
            leeway_secs: default_leeway_secs(),
            issuers: Vec::new(),
        }
    }
}
