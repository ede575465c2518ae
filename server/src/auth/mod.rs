//! Authentication (DESIGN.md §3): bearer JWTs from trusted issuers become a
//! [`Principal`] in the request extensions.
//!
//! Only *who* is calling is decided here. *What* they may do (roles, decision
//! level, own municipality) is the domain layer's business; this module only
//! guarantees that every role in a `Principal` is a known one and that its
//! municipality is one its issuer may vouch for.
//!
//! Wiring:
//! ```ignore
//! let verifier = Arc::new(Verifier::from_config_with_dev(&cfg.auth, dev.as_ref())?);
//! let svc = auth::Authenticated::new(service, verifier); // or auth::interceptor(verifier)
//! // in a handler:
//! let who = auth::principal(&request)?;
//! ```

mod config;
mod dev;
mod error;
mod keys;
mod layer;
mod minter;
mod oidc;
mod role;
mod verifier;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use config::{
    Algorithm, AuthConfig, ClaimMapping, DEFAULT_AUDIENCE, DEFAULT_JWKS_MIN_REFETCH_SECS, DEFAULT_JWKS_REFRESH_SECS,
    DEFAULT_LEEWAY_SECS, IssuerConfig, MAX_LEEWAY_SECS,
};
pub use dev::{DEV_ISSUER, DEV_KEY_FILE, DevKeys, DevServerHint, default_dev_name};
pub use error::{AuthError, ConfigError};
pub use layer::Authenticated;
pub use minter::TokenMinter;
pub use role::{Principal, Role, RoleParseError, is_valid_municipality_code};
pub use verifier::{MAX_TOKEN_BYTES, Verifier};

/// Where the verified caller of one request is left for whoever wrapped the
/// request: the access log names the caller through it. Put into the request
/// extensions before authentication; [`Authenticated`] fills it.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<std::sync::OnceLock<Principal>>);

impl CallerSlot {
    pub fn get(&self) -> Option<&Principal> {
        self.0.get()
    }

    pub(crate) fn fill(&self, principal: &Principal) {
        let _ = self.0.set(principal.clone());
    }
}

/// A tonic interceptor that authenticates every request: it reads
/// `authorization: Bearer <jwt>`, verifies it and stores the [`Principal`] in the
/// request extensions. Failures become `UNAUTHENTICATED` with the reason.
/// Mount it only on the samprio services, not on health and reflection.
pub fn interceptor(
    verifier: Arc<Verifier>,
) -> impl FnMut(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> + Clone + Send + Sync + 'static {
    move |mut request: tonic::Request<()>| match authenticate(&verifier, &request) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            Ok(request)
        }
        Err(e) => {
            tracing::debug!(error = %e, "request not authenticated");
            Err(e.into())
        }
    }
}

fn authenticate<T>(verifier: &Verifier, request: &tonic::Request<T>) -> Result<Principal, AuthError> {
    let value = request.metadata().get("authorization").ok_or(AuthError::MissingToken)?;
    let value = value.to_str().map_err(|_| AuthError::MalformedAuthorization)?;
    let token = bearer_token(value).ok_or(AuthError::MalformedAuthorization)?;
    verifier.verify(token)
}

/// The token of a `Bearer` credential (scheme case-insensitive, RFC 6750).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim_start();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ')).then_some(token)
}

/// The caller, as put into the request by [`interceptor`]. `UNAUTHENTICATED` if
/// the interceptor did not run for this request.
pub fn principal<T>(req: &tonic::Request<T>) -> Result<&Principal, tonic::Status> {
    req.extensions()
        .get::<Principal>()
        .ok_or_else(|| tonic::Status::unauthenticated("not authenticated"))
}
