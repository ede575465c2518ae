//! Authentication as a wrapper around each samprio service: like
//! [`super::interceptor`], but asynchronous, so that a token signed with an
//! OpenID Connect provider's newly rotated key can wait for the (rate-limited)
//! key refetch instead of failing.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tonic::body::Body;
use tonic::server::NamedService;

use super::error::AuthError;
use super::verifier::Verifier;

/// Wraps a generated tonic service; put it into `Server::add_service` in
/// place of the service. Health and reflection stay unwrapped.
#[derive(Clone)]
pub struct Authenticated<S> {
    inner: S,
    verifier: Arc<Verifier>,
}

impl<S> Authenticated<S> {
    pub fn new(inner: S, verifier: Arc<Verifier>) -> Self {
        Authenticated { inner, verifier }
    }
}

impl<S: NamedService> NamedService for Authenticated<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> tower::Service<http::Request<B>> for Authenticated<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone is the ready one's replacement (tower's usual dance: the
        // service that was polled ready is the one that gets the call).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            match authenticate(&verifier, request.headers()).await {
                Ok(principal) => {
                    if let Some(slot) = request.extensions().get::<super::CallerSlot>() {
                        slot.fill(&principal);
                    }
                    request.extensions_mut().insert(principal);
                    inner.call(request).await
                }
                Err(e) => {
                    tracing::debug!(error = %e, "request not authenticated");
                    Ok(tonic::Status::from(e).into_http())
                }
            }
        })
    }
}

async fn authenticate(verifier: &Verifier, headers: &http::HeaderMap) -> Result<super::Principal, AuthError> {
    let value = headers.get("authorization").ok_or(AuthError::MissingToken)?;
    let value = value.to_str().map_err(|_| AuthError::MalformedAuthorization)?;
    let token = super::bearer_token(value).ok_or(AuthError::MalformedAuthorization)?;
    verifier.verify_fetching_keys(token).await
}
