//! Token verification: one trusted issuer list, pinned algorithms, strict claims.

use std::collections::{HashMap, HashSet};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

use super::config::{AuthConfig, IssuerConfig, MAX_LEEWAY_SECS};
use super::dev::DevKeys;
use super::error::{AuthError, ConfigError};
use super::keys::{self, IssuerKeys};
use super::role::{Principal, Role, is_valid_municipality_code, shorten};

/// Tokens larger than this are refused before any parsing. Real tokens are a
/// few hundred bytes; the bound keeps a hostile header from costing much.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Verifies bearer tokens against the configured issuers. Immutable after
/// construction, so share it in an `Arc`.
#[derive(Debug)]
pub struct Verifier {
    issuers: HashMap<String, Issuer>,
}

#[derive(Debug)]
struct Issuer {
    keys: IssuerKeys,
    vouches_for: Municipalities,
    /// Pins the algorithm and checks `exp`/`nbf`/`aud`/`iss` (with leeway).
    validation: Validation,
}

#[derive(Debug)]
enum Municipalities {
    Only(HashSet<String>),
    /// Only the dev issuer, which is built in code and never from configuration.
    Any,
}

impl Verifier {
    /// Loads every configured issuer's keys; fails if there is none.
    pub fn from_config(cfg: &AuthConfig) -> Result<Self, ConfigError> {
        Self::from_config_with_dev(cfg, None)
    }

    /// Like [`Verifier::from_config`], and also trusts the dev issuer if given.
    /// The dev issuer vouches for every municipality when its `municipalities`
    /// list is empty (the usual case), otherwise only for the listed ones.
    pub fn from_config_with_dev(cfg: &AuthConfig, dev: Option<&DevKeys>) -> Result<Self, ConfigError> {
        if cfg.audience.is_empty() {
            return Err(ConfigError::EmptyAudience);
        }
        if cfg.leeway_secs > MAX_LEEWAY_SECS {
            return Err(ConfigError::LeewayTooLarge(cfg.leeway_secs));
        }
        let mut issuers = HashMap::new();
        let mut add = |issuer: &IssuerConfig, any_municipality: bool| {
            let entry = Issuer::load(cfg, issuer, any_municipality)?;
            match issuers.insert(issuer.iss.clone(), entry) {
                Some(_) => Err(ConfigError::DuplicateIssuer(issuer.iss.clone())),
                None => Ok(()),
            }
        };
        for issuer in &cfg.issuers {
            add(issuer, false)?;
        }
        if let Some(dev) = dev {
            add(&dev.issuer, dev.issuer.municipalities.is_empty())?;
            tracing::warn!(
                issuer = %dev.issuer.iss,
                "DEV MODE: trusting the local dev signing key; anyone with access to the data directory can mint tokens"
            );
        }
        if issuers.is_empty() {
            return Err(ConfigError::NoIssuers);
        }
        Ok(Verifier { issuers })
    }

    /// Verifies a compact JWT (without the `Bearer ` prefix).
    pub fn verify(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        if bearer_token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TokenTooLarge);
        }
        let header = jsonwebtoken::decode_header(bearer_token).map_err(header_error)?;

        // The unverified `iss` only chooses which key and rules to apply; nothing
        // else is read from the payload before its signature has been checked.
        let unverified: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode_claims(bearer_token)
            .map_err(|_| AuthError::Malformed("payload is not a JSON object"))?;
        let iss = required_str(&unverified, "iss")?;
        let issuer = self.issuers.get(iss).ok_or(AuthError::UnknownIssuer)?;

        if !issuer.validation.algorithms.contains(&header.alg) {
            return Err(AuthError::AlgorithmNotAllowed);
        }
        let key: &DecodingKey = match &issuer.keys {
            IssuerKeys::Single(key) => key,
            IssuerKeys::ByKid(keys) => {
                let kid = header.kid.as_deref().ok_or(AuthError::MissingKeyId)?;
                keys.get(kid).ok_or(AuthError::UnknownKeyId)?
            }
        };

        let claims: Map<String, Value> = jsonwebtoken::decode(bearer_token, key, &issuer.validation)
            .map_err(|e| decode_error(iss, e))?
            .claims;

        let sub = required_str(&claims, "sub")?;
        if sub.is_empty() {
            return Err(AuthError::InvalidClaim("sub".into()));
        }
        let municipality = required_str(&claims, "municipality")?;
        if !is_valid_municipality_code(municipality) {
            return Err(AuthError::InvalidClaim("municipality".into()));
        }
        let roles = roles(&claims)?;
        if !issuer.vouches_for.contains(municipality) {
            return Err(AuthError::MunicipalityNotAllowed(municipality.to_owned()));
        }
        Ok(Principal {
            sub: sub.to_owned(),
            municipality: municipality.to_owned(),
            roles,
            issuer: iss.to_owned(),
        })
    }
}

impl Issuer {
    fn load(cfg: &AuthConfig, issuer: &IssuerConfig, any_municipality: bool) -> Result<Self, ConfigError> {
        let iss = &issuer.iss;
        if iss.is_empty() {
            return Err(ConfigError::EmptyIssuerName);
        }
        let vouches_for = if any_municipality {
            Municipalities::Any
        } else {
            if issuer.municipalities.is_empty() {
                return Err(ConfigError::NoMunicipalities { iss: iss.clone() });
            }
            Municipalities::Only(issuer.municipalities.iter().cloned().collect())
        };
        for code in &issuer.municipalities {
            if code.trim() == "*" {
                return Err(ConfigError::WildcardMunicipality { iss: iss.clone() });
            }
            if !is_valid_municipality_code(code) {
                return Err(ConfigError::InvalidMunicipality {
                    iss: iss.clone(),
                    code: code.clone(),
                });
            }
        }
        let keys = keys::load(issuer)?;

        let mut validation = Validation::new(issuer.algorithm.to_jwt());
        validation.leeway = cfg.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_audience(&[&cfg.audience]);
        validation.set_issuer(&[iss]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        Ok(Issuer {
            keys,
            vouches_for,
            validation,
        })
    }
}

impl Municipalities {
    fn contains(&self, code: &str) -> bool {
        match self {
            Municipalities::Only(codes) => codes.contains(code),
            Municipalities::Any => true,
        }
    }
}

fn required_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Err(AuthError::MissingClaim(name.to_owned())),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(AuthError::InvalidClaim(name.to_owned())),
    }
}

fn roles(claims: &Map<String, Value>) -> Result<Vec<Role>, AuthError> {
    let items = match claims.get("roles") {
        None | Some(Value::Null) => return Err(AuthError::MissingClaim("roles".into())),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(AuthError::InvalidClaim("roles".into())),
    };
    let mut roles = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(s) = item else {
            return Err(AuthError::InvalidClaim("roles".into()));
        };
        let role: Role = s.parse().map_err(|_| AuthError::UnknownRole(shorten(s)))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// `decode_header` fails on any `alg` outside jsonwebtoken's list, which is how
/// `none` (and other unsupported algorithms) arrive here: well-formed JSON
/// whose fields do not fit the header type.
fn header_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::Json(json) if json.classify() == serde_json::error::Category::Data => AuthError::AlgorithmNotAllowed,
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => AuthError::Malformed("header is not JSON"),
        ErrorKind::Base64(_) => AuthError::Malformed("header is not base64url"),
        _ => AuthError::Malformed("not a compact JWT"),
    }
}

fn decode_error(iss: &str, e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::UnknownIssuer,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => AuthError::AlgorithmNotAllowed,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::InvalidClaim(claim.clone()),
        ErrorKind::Base64(_) => AuthError::Malformed("not base64url"),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => AuthError::Malformed("payload is not JSON"),
        ErrorKind::InvalidToken => AuthError::Malformed("not a compact JWT"),
        // Keys are checked at start-up, so these mean a bug or a backend change:
        // worth an error log, but to the client it is just a failed signature.
        other => {
            tracing::error!(issuer = iss, error = ?other, "unexpected token verification failure");
            AuthError::BadSignature
        }
    }
}
