use std::path::PathBuf;

/// Why a token was not accepted. Every variant maps to `UNAUTHENTICATED`; the
/// `Display` text is what the client sees, so it names the rule that failed but
/// never key material, configured issuers or other internals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing bearer token")]
    MissingToken,
    #[error("authorization metadata must be `Bearer <token>`")]
    MalformedAuthorization,
    #[error("token too large")]
    TokenTooLarge,
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("token algorithm not allowed for this issuer")]
    AlgorithmNotAllowed,
    #[error("unknown issuer")]
    UnknownIssuer,
    #[error("token has no key id (kid)")]
    MissingKeyId,
    #[error("unknown key id (kid)")]
    UnknownKeyId,
    #[error("invalid token signature")]
    BadSignature,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token audience not accepted")]
    WrongAudience,
    #[error("missing claim `{0}`")]
    MissingClaim(String),
    #[error("invalid claim `{0}`")]
    InvalidClaim(String),
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("issuer may not vouch for municipality {0}")]
    MunicipalityNotAllowed(String),
    #[error("claim `{claim}`: {value:?} is not the CVR number of a Danish municipality")]
    UnknownCvr { claim: String, value: String },
    #[error("the issuer's signing keys are not available")]
    KeysUnavailable,
}

impl From<AuthError> for tonic::Status {
    fn from(e: AuthError) -> Self {
        tonic::Status::unauthenticated(e.to_string())
    }
}

/// A configuration problem found at start-up. Messages name the issuer (or file)
/// so the operator can fix it without guessing.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("auth: audience must not be empty")]
    EmptyAudience,
    #[error("auth: leeway_secs = {0} is above the maximum of {max}", max = super::MAX_LEEWAY_SECS)]
    LeewayTooLarge(u64),
    #[error("auth: no issuers configured and dev mode not enabled")]
    NoIssuers,
    #[error("auth: an issuer has an empty `iss`")]
    EmptyIssuerName,
    #[error("auth: issuer {0:?} is configured more than once")]
    DuplicateIssuer(String),
    #[error(
        "auth: issuer {iss:?} must have exactly one of public_key_pem, public_key_file, jwks_file, discovery (found {found})"
    )]
    KeySource { iss: String, found: usize },
    #[error("auth: issuer {iss:?} lists no municipalities")]
    NoMunicipalities { iss: String },
    #[error("auth: issuer {iss:?}: \"*\" is not allowed in municipalities; list the member codes explicitly")]
    WildcardMunicipality { iss: String },
    #[error("auth: issuer {iss:?}: {code:?} is not a municipality code (3-4 digits, e.g. \"0101\")")]
    InvalidMunicipality { iss: String, code: String },
    #[error("auth: issuer {iss:?}: cannot read {}: {source}", path.display())]
    ReadFile {
        iss: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("auth: issuer {iss:?}: invalid public key: {reason}")]
    InvalidKey { iss: String, reason: String },
    #[error("auth: issuer {iss:?}: invalid JWKS: {reason}")]
    InvalidJwks { iss: String, reason: String },
    #[error("auth: token minter for {iss:?}: invalid private key: {reason}")]
    InvalidPrivateKey { iss: String, reason: String },
    #[error("auth: issuer {iss:?}: claims: {reason}")]
    ClaimMapping { iss: String, reason: String },
    #[error("auth: issuer {iss:?}: discovery needs an https:// issuer URL (http:// only on a loopback address)")]
    DiscoveryUrl { iss: String },
    #[error("auth: dev key {}: {reason}", path.display())]
    DevKey { path: PathBuf, reason: String },
}
