//! Token verification: one trusted issuer list, pinned algorithms, strict claims.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};

use super::config::{AuthConfig, ClaimMapping, IssuerConfig, MAX_LEEWAY_SECS};
use super::dev::DevKeys;
use super::error::{AuthError, ConfigError};
use super::keys::{self, IssuerKeys};
use super::oidc::RemoteKeys;
use super::role::{Principal, Role, is_valid_municipality_code, shorten};

/// Tokens larger than this are refused before any parsing. Real tokens are a
/// few hundred bytes; the bound keeps a hostile header from costing much.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token verified at most this long ago is taken from memory (never past
/// its `exp`): a client makes many calls with one token, and checking its
/// signature again (about 50 µs for EdDSA, more for RSA) would be a large
/// part of a read answered from memory. It is also how long a key taken out
/// of an OpenID Connect provider's key set may still vouch for a token
/// verified with it.
const KEEP_VERIFIED_SECS: u64 = 60;

/// Verified tokens kept at most; when full, the expired go (all, if none has).
const MAX_VERIFIED: usize = 10_000;

/// Verifies bearer tokens against the configured issuers. Its issuers are
/// immutable after construction, so share it in an `Arc`.
#[derive(Debug)]
pub struct Verifier {
    issuers: HashMap<String, Issuer>,
    verified: Verified,
}

/// Tokens verified recently, each with what it proved, until when (unix
/// seconds) that may be reused, and the generation of its issuer's keys it
/// was verified with (`IssuerKeys::generation`).
#[derive(Debug, Default)]
struct Verified(Mutex<HashMap<Box<str>, KeptToken>>);

#[derive(Debug)]
struct KeptToken {
    principal: Principal,
    /// Unix seconds; reused only before then.
    until: u64,
    /// `IssuerKeys::generation` when it was verified.
    generation: u64,
}

impl Verified {
    /// The principal kept for `token` and the key generation it was verified with.
    fn get(&self, token: &str, now: u64) -> Option<(Principal, u64)> {
        let kept = self.0.lock().expect("verified tokens lock");
        kept.get(token)
            .filter(|k| now < k.until)
            .map(|k| (k.principal.clone(), k.generation))
    }

    /// Keeps `p` for `token` until its `exp` or for `KEEP_VERIFIED_SECS`,
    /// whichever comes first.
    fn put(&self, token: &str, p: &Principal, generation: u64, exp: u64, now: u64) {
        let until = exp.min(now.saturating_add(KEEP_VERIFIED_SECS));
        if until <= now {
            return;
        }
        let mut kept = self.0.lock().expect("verified tokens lock");
        if kept.len() >= MAX_VERIFIED {
            kept.retain(|_, k| now < k.until);
            if kept.len() >= MAX_VERIFIED {
                kept.clear();
            }
        }
        kept.insert(
            token.into(),
            KeptToken {
                principal: p.clone(),
                until,
                generation,
            },
        );
    }
}

/// A token whose signature and claims have been checked.
struct Decoded<'a> {
    iss: String,
    issuer: &'a Issuer,
    /// The generation of the issuer's keys, read before its key was.
    generation: u64,
    claims: Map<String, Value>,
}

#[derive(Debug)]
struct Issuer {
    keys: IssuerKeys,
    vouches_for: Municipalities,
    mapping: Mapping,
    /// Pins the algorithm and checks `exp`/`nbf`/`aud`/`iss` (with leeway).
    validation: Validation,
}

/// An issuer's [`ClaimMapping`], checked and resolved.
#[derive(Debug)]
struct Mapping {
    municipality: MunicipalityClaim,
    roles: String,
    name: String,
    /// Provider names to samprio roles; `None`: values are samprio roles.
    role_map: Option<HashMap<String, Vec<Role>>>,
}

#[derive(Debug)]
enum MunicipalityClaim {
    Code(String),
    Cvr(String),
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
        Ok(Verifier {
            issuers,
            verified: Verified::default(),
        })
    }

    /// Verifies a compact JWT (without the `Bearer ` prefix). A token
    /// verified in the last minute, not yet expired, with its issuer's keys
    /// unchanged since, is answered from memory.
    pub fn verify(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        let now = jsonwebtoken::get_current_timestamp();
        if let Some((p, generation)) = self.verified.get(bearer_token, now)
            && self.issuers.get(&p.issuer).map(|i| i.keys.generation()) == Some(generation)
        {
            return Ok(p);
        }
        let (p, generation, exp) = self.verify_signed(bearer_token)?;
        if let Some(exp) = exp {
            self.verified.put(bearer_token, &p, generation, exp, now);
        }
        Ok(p)
    }

    /// The principal of a token whose signature and claims have been
    /// checked, the generation of the issuer's keys it was checked with,
    /// and its `exp`.
    fn verify_signed(&self, bearer_token: &str) -> Result<(Principal, u64, Option<u64>), AuthError> {
        let Decoded {
            iss,
            issuer,
            generation,
            claims,
        } = self.decode(bearer_token, None)?;
        let sub = required_str(&claims, "sub")?;
        if sub.is_empty() {
            return Err(AuthError::InvalidClaim("sub".into()));
        }
        let municipality = issuer.mapping.municipality(&claims)?;
        let roles = issuer.mapping.roles(&claims)?;
        if !issuer.vouches_for.contains(&municipality) {
            return Err(AuthError::MunicipalityNotAllowed(municipality));
        }
        let exp = claims.get("exp").and_then(Value::as_u64);
        let p = Principal {
            sub: sub.to_owned(),
            municipality,
            roles,
            issuer: iss,
            name: issuer.mapping.name(&claims),
        };
        Ok((p, generation, exp))
    }

    /// Verifies an OpenID Connect ID token the console received for
    /// `client_id`: signed by a trusted issuer's key with its pinned
    /// algorithm, in date, and for that client (its `aud`), not for samprio's
    /// API. Returns its claims, for the caller to check the `nonce`.
    pub fn verify_id_token(&self, id_token: &str, client_id: &str) -> Result<Map<String, Value>, AuthError> {
        self.decode(id_token, Some(client_id)).map(|d| d.claims)
    }

    /// The issuer, the generation of its keys (read before the key) and the
    /// verified claims of a token; `audience` replaces the configured
    /// audience.
    fn decode(&self, bearer_token: &str, audience: Option<&str>) -> Result<Decoded<'_>, AuthError> {
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
        let generation = issuer.keys.generation();
        let remote_key;
        let key: &DecodingKey = match &issuer.keys {
            IssuerKeys::Single(key) => key,
            IssuerKeys::ByKid(keys) => {
                let kid = header.kid.as_deref().ok_or(AuthError::MissingKeyId)?;
                keys.get(kid).ok_or(AuthError::UnknownKeyId)?
            }
            IssuerKeys::Remote(keys) => {
                let kid = header.kid.as_deref().ok_or(AuthError::MissingKeyId)?;
                remote_key = keys.get(kid).ok_or(AuthError::UnknownKeyId)?;
                &remote_key
            }
        };

        let other;
        let validation = match audience {
            Some(aud) => {
                let mut v = issuer.validation.clone();
                v.set_audience(&[aud]);
                other = v;
                &other
            }
            None => &issuer.validation,
        };
        let claims: Map<String, Value> = jsonwebtoken::decode(bearer_token, key, validation)
            .map_err(|e| decode_error(iss, e))?
            .claims;
        Ok(Decoded {
            iss: iss.to_owned(),
            issuer,
            generation,
            claims,
        })
    }

    /// Like [`Verifier::verify`], but a token whose `kid` an OpenID Connect
    /// issuer's cached keys lack first makes the verifier refetch that
    /// issuer's keys (rate limited), so tokens signed with a rotated-in key
    /// work from the first call.
    pub async fn verify_fetching_keys(&self, bearer_token: &str) -> Result<Principal, AuthError> {
        match self.verify(bearer_token) {
            Err(AuthError::UnknownKeyId) => {}
            other => return other,
        }
        let Some((remote, kid)) = self.remote_keys_for(bearer_token) else {
            return Err(AuthError::UnknownKeyId);
        };
        if remote.refetch_for_unknown_kid(&kid).await {
            self.verify(bearer_token)
        } else {
            Err(AuthError::UnknownKeyId)
        }
    }

    fn remote_keys_for(&self, bearer_token: &str) -> Option<(Arc<RemoteKeys>, String)> {
        let kid = jsonwebtoken::decode_header(bearer_token).ok()?.kid?;
        let unverified: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode_claims(bearer_token).ok()?;
        let iss = unverified.get("iss")?.as_str()?;
        match &self.issuers.get(iss)?.keys {
            IssuerKeys::Remote(remote) => Some((remote.clone(), kid)),
            _ => None,
        }
    }

    /// Fetches every OpenID Connect issuer's keys once (a provider that does
    /// not answer is logged, not fatal) and returns the tasks that keep them
    /// fresh, to be spawned for as long as the server runs.
    pub async fn fetch_remote_keys(&self) -> Vec<impl std::future::Future<Output = ()> + Send + 'static> {
        let remotes: Vec<Arc<RemoteKeys>> = self
            .issuers
            .values()
            .filter_map(|issuer| match &issuer.keys {
                IssuerKeys::Remote(remote) => Some(remote.clone()),
                _ => None,
            })
            .collect();
        futures::future::join_all(remotes.iter().map(|r| r.refresh())).await;
        remotes.into_iter().map(RemoteKeys::refresh_on_schedule).collect()
    }

    /// OpenID Connect issuers whose provider did not answer the last fetch,
    /// with the reason.
    pub fn unreachable_issuers(&self) -> Vec<(String, String)> {
        self.issuers
            .values()
            .filter_map(|issuer| match &issuer.keys {
                IssuerKeys::Remote(remote) => remote.last_error().map(|e| (remote.issuer().to_owned(), e)),
                _ => None,
            })
            .collect()
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
        let mapping = Mapping::load(iss, &issuer.claims)?;

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
            mapping,
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

impl Mapping {
    fn load(iss: &str, cfg: &ClaimMapping) -> Result<Self, ConfigError> {
        let err = |reason: String| ConfigError::ClaimMapping {
            iss: iss.to_owned(),
            reason,
        };
        let claim_name = |value: &Option<String>, key: &str, default: &str| match value {
            Some(name) if name.trim().is_empty() => Err(err(format!("`{key}` names no claim"))),
            Some(name) => Ok(name.clone()),
            None => Ok(default.to_owned()),
        };
        let municipality = match (&cfg.municipality, &cfg.cvr) {
            (Some(_), Some(_)) => return Err(err("set `municipality` or `cvr`, not both".into())),
            (None, Some(_)) => MunicipalityClaim::Cvr(claim_name(&cfg.cvr, "cvr", "cvr")?),
            (_, None) => MunicipalityClaim::Code(claim_name(&cfg.municipality, "municipality", "municipality")?),
        };
        let role_map = if cfg.role_map.is_empty() {
            None
        } else {
            let mut map = HashMap::new();
            for (from, to) in &cfg.role_map {
                let roles = to
                    .iter()
                    .map(|r| r.parse::<Role>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| err(format!("role_map {from:?}: {e}")))?;
                map.insert(from.clone(), roles);
            }
            Some(map)
        };
        Ok(Mapping {
            municipality,
            roles: claim_name(&cfg.roles, "roles", "roles")?,
            name: claim_name(&cfg.name, "name", "name")?,
            role_map,
        })
    }

    fn municipality(&self, claims: &Map<String, Value>) -> Result<String, AuthError> {
        match &self.municipality {
            MunicipalityClaim::Code(claim) => {
                let code = required_str(claims, claim)?;
                if !is_valid_municipality_code(code) {
                    return Err(AuthError::InvalidClaim(claim.clone()));
                }
                Ok(code.to_owned())
            }
            MunicipalityClaim::Cvr(claim) => {
                let cvr = match claims.get(claim) {
                    None | Some(Value::Null) => return Err(AuthError::MissingClaim(claim.clone())),
                    Some(Value::String(s)) => s.trim().to_owned(),
                    Some(Value::Number(n)) => n.to_string(),
                    Some(_) => return Err(AuthError::InvalidClaim(claim.clone())),
                };
                crate::domain::register::by_cvr(&cvr)
                    .map(|m| m.code.clone())
                    .ok_or_else(|| AuthError::UnknownCvr {
                        claim: claim.clone(),
                        value: shorten(&cvr),
                    })
            }
        }
    }

    fn roles(&self, claims: &Map<String, Value>) -> Result<Vec<Role>, AuthError> {
        let claim = &self.roles;
        let invalid = || AuthError::InvalidClaim(claim.clone());
        let values: Vec<&str> = match (claims.get(claim), &self.role_map) {
            (None | Some(Value::Null), Some(_)) => vec![],
            (None | Some(Value::Null), None) => return Err(AuthError::MissingClaim(claim.clone())),
            (Some(Value::Array(items)), _) => items
                .iter()
                .map(|v| v.as_str().ok_or_else(invalid))
                .collect::<Result<_, _>>()?,
            // Some providers send a single group or role as a plain string.
            (Some(Value::String(s)), Some(_)) => vec![s.as_str()],
            (Some(_), _) => return Err(invalid()),
        };
        let mut roles = Vec::with_capacity(values.len());
        let mut add = |role: Role| {
            if !roles.contains(&role) {
                roles.push(role);
            }
        };
        match &self.role_map {
            Some(map) => {
                for mapped in values.iter().filter_map(|v| map.get(*v)) {
                    mapped.iter().cloned().for_each(&mut add);
                }
            }
            None => {
                for s in values {
                    add(s.parse().map_err(|_| AuthError::UnknownRole(shorten(s)))?);
                }
            }
        }
        Ok(roles)
    }

    fn name(&self, claims: &Map<String, Value>) -> Option<String> {
        let name = claims.get(&self.name)?.as_str()?.trim();
        (!name.is_empty()).then(|| shorten_name(name))
    }
}

/// Display names longer than this are cut; real ones are far shorter.
const MAX_NAME_CHARS: usize = 200;

fn shorten_name(s: &str) -> String {
    match s.char_indices().nth(MAX_NAME_CHARS) {
        Some((cut, _)) => s[..cut].to_owned(),
        None => s.to_owned(),
    }
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

#[cfg(test)]
mod kept_tokens {
    use super::*;

    fn principal() -> Principal {
        Principal {
            sub: "anna".into(),
            municipality: "0101".into(),
            roles: vec![Role::Observer],
            issuer: "https://idp.example".into(),
            name: Some("Anna".into()),
        }
    }

    #[test]
    fn a_token_is_kept_until_its_exp_and_at_most_a_minute() {
        let v = Verified::default();
        v.put("short", &principal(), 3, 1_000, 990);
        assert_eq!(v.get("short", 999), Some((principal(), 3)));
        assert_eq!(
            v.get("short", 1_000),
            None,
            "expired: verified again, with the issuer's leeway"
        );
        v.put("long", &principal(), 3, 100_000, 1_000);
        assert_eq!(v.get("long", 1_059), Some((principal(), 3)));
        assert_eq!(v.get("long", 1_060), None, "kept one minute");
        v.put("past", &principal(), 3, 900, 1_000);
        assert_eq!(v.get("past", 1_000), None, "an expired token is not kept");
        assert_eq!(v.get("other", 1_000), None);
    }

    #[test]
    fn a_full_memory_lets_the_expired_go_first() {
        let v = Verified::default();
        for i in 0..MAX_VERIFIED {
            v.put(
                &format!("t{i}"),
                &principal(),
                0,
                if i == 0 { 1_010 } else { 2_000 },
                1_000,
            );
        }
        v.put("new", &principal(), 0, 2_000, 1_020);
        let kept = v.0.lock().unwrap();
        assert_eq!(kept.len(), MAX_VERIFIED, "t0 went, new came");
        assert!(kept.contains_key("new") && !kept.contains_key("t0"));
    }
}
