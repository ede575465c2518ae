//! Configuration of trusted issuers (DESIGN.md §3).

use std::collections::BTreeMap;
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
    /// Exactly one of `public_key_pem`, `public_key_file`, `jwks_file` and
    /// `discovery` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_file: Option<PathBuf>,
    /// A JWKS document (`{"keys": [...]}`); tokens must name their key with `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<PathBuf>,
    /// OpenID Connect: `iss` is the provider's issuer URL; its keys come from
    /// the `jwks_uri` of `<iss>/.well-known/openid-configuration`, fetched at
    /// start-up, on a schedule and (rate limited) when a token names an
    /// unknown `kid`. The fourth key source, exclusive with the three above.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub discovery: bool,
    /// With `discovery`: how often the keys are refetched anyway, in seconds.
    #[serde(default = "default_jwks_refresh_secs")]
    pub jwks_refresh_secs: u64,
    /// With `discovery`: at most one refetch per this many seconds is caused by
    /// tokens with unknown `kid`s, so a flood of them cannot hammer the provider.
    #[serde(default = "default_jwks_min_refetch_secs")]
    pub jwks_min_refetch_secs: u64,
    /// Member codes this issuer may vouch for. Explicit codes only: there is no
    /// wildcard, so one municipality's identity provider can never act for another
    /// by a configuration slip.
    pub municipalities: Vec<String>,
    /// Which claims carry the municipality, the roles and the name.
    #[serde(default)]
    pub claims: ClaimMapping,
}

impl Default for IssuerConfig {
    /// An issuer with no key source and no municipalities: not valid on its
    /// own, a base for struct update syntax.
    fn default() -> Self {
        IssuerConfig {
            iss: String::new(),
            algorithm: Algorithm::RS256,
            public_key_pem: None,
            public_key_file: None,
            jwks_file: None,
            discovery: false,
            jwks_refresh_secs: default_jwks_refresh_secs(),
            jwks_min_refetch_secs: default_jwks_min_refetch_secs(),
            municipalities: Vec::new(),
            claims: ClaimMapping::default(),
        }
    }
}

/// How an issuer's claims become a [`crate::auth::Principal`] (DESIGN.md §3).
/// The defaults are samprio's own claims (`municipality`, `roles`, `name`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimMapping {
    /// Claim holding a municipality code (`"0101"`); `municipality` unless
    /// `cvr` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// Claim holding the organisation's CVR number, mapped to its municipality
    /// through the built-in register (e.g. `"cvr"`). Exclusive with `municipality`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvr: Option<String>,
    /// Claim holding the roles or groups (a list, or one string); `roles` by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    /// Claim holding the person's display name; `name` by default. Optional in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The provider's role or group names to samprio roles
    /// (`"GG-Samprio-Formand" = ["chair:hovedstaden"]`). When set, values not
    /// in the table are ignored (a group claim lists far more than samprio's
    /// groups) and a missing claim means no roles; when empty, every value must
    /// itself be a samprio role.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub role_map: BTreeMap<String, Vec<String>>,
}

pub const DEFAULT_JWKS_REFRESH_SECS: u64 = 3600;
pub const DEFAULT_JWKS_MIN_REFETCH_SECS: u64 = 60;

fn default_jwks_refresh_secs() -> u64 {
    DEFAULT_JWKS_REFRESH_SECS
}

fn default_jwks_min_refetch_secs() -> u64 {
    DEFAULT_JWKS_MIN_REFETCH_SECS
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
