//! Signing in to the console with an OpenID Connect provider (DESIGN.md §3,
//! §11): the authorization-code flow with PKCE (RFC 7636).
//!
//! The flow is a handful of HTTP exchanges, written here on the reqwest
//! client the server already has for discovery rather than with a whole OIDC
//! client crate: `/login/oidc` sends the browser to the provider with a PKCE
//! challenge and a `state`; `/login/callback` checks the state, exchanges
//! the code (with the verifier) at the token endpoint, and keeps the access
//! token in the session cookie. That token is a JWT for samprio's audience,
//! so it is verified by the same [`Verifier`](crate::auth::Verifier) with the
//! same claim mapping as a bearer token on gRPC; nothing is kept in memory,
//! and any process that trusts the issuer accepts the session.
//!
//! The state, the PKCE verifier and where to go afterwards wait in a
//! short-lived HttpOnly cookie between the two requests.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::Digest;
use tokio::sync::OnceCell;

use super::page::{Answer, Page};
use super::signin::{self, SESSION_COOKIE, SESSION_HOURS};
use super::{SignIn, Web};
use crate::config::ConsoleOidcConfig;

/// The cookie that carries the flow's state from `/login/oidc` to the callback.
const FLOW_COOKIE: &str = "samprio_oidc";
/// How long a person may take at the provider.
const FLOW_SECS: u64 = 600;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The console as an OpenID Connect client of one provider.
#[derive(Debug)]
pub struct OidcClient {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    scope: String,
    resource: Option<String>,
    redirect_uri: String,
    endpoints: OnceCell<Endpoints>,
    http: reqwest::Client,
}

/// What discovery says about where to send people and codes.
#[derive(Debug, Deserialize)]
struct Endpoints {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OidcClient {
    /// A client for `cfg`, answering at `public_url` (the console's address
    /// as browsers reach it).
    pub fn new(cfg: &ConsoleOidcConfig, public_url: &str) -> Result<OidcClient, String> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("samprio-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(OidcClient {
            issuer: cfg.issuer.trim_end_matches('/').to_owned(),
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone().filter(|s| !s.is_empty()),
            scope: cfg.scope.clone(),
            resource: cfg.resource.clone().filter(|s| !s.is_empty()),
            redirect_uri: format!("{}/login/callback", public_url.trim_end_matches('/')),
            endpoints: OnceCell::new(),
            http,
        })
    }

    /// The provider's endpoints, discovered on first use (the provider may be
    /// down when the server starts) and then kept.
    async fn endpoints(&self) -> Result<&Endpoints, String> {
        self.endpoints
            .get_or_try_init(|| async {
                let url = format!("{}/.well-known/openid-configuration", self.issuer);
                let e: Endpoints = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| format!("{url}: {e}"))?
                    .json()
                    .await
                    .map_err(|e| format!("{url}: {e}"))?;
                if e.issuer.trim_end_matches('/') != self.issuer {
                    return Err(format!("{url} names another issuer: {}", e.issuer));
                }
                Ok(e)
            })
            .await
    }
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    URL_SAFE_NO_PAD.encode(buf)
}

/// The PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The flow cookie's value: state, verifier and the page to return to.
fn flow_value(state: &str, verifier: &str, next: &str) -> String {
    format!("{state}.{verifier}.{}", URL_SAFE_NO_PAD.encode(next))
}

fn parse_flow(value: &str) -> Option<(&str, &str, String)> {
    let mut parts = value.splitn(3, '.');
    let (state, verifier, next) = (parts.next()?, parts.next()?, parts.next()?);
    let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
    Some((state, verifier, signin::safe_next(Some(&next))))
}

fn unavailable(page: &Page, why: &str) -> Response {
    tracing::warn!(reason = %why, "web console: OpenID Connect sign-in failed");
    page.message(
        StatusCode::BAD_GATEWAY,
        page.t.sign_in,
        page.t.sign_in_provider_failed.to_owned(),
    )
}

#[derive(Deserialize)]
pub struct Start {
    #[serde(default)]
    next: String,
}

/// GET /login/oidc?next=: to the provider's sign-in, with a fresh state and
/// PKCE challenge.
pub async fn start(State(web): State<Web>, page: Page, Query(q): Query<Start>) -> Answer {
    let SignIn::Oidc(client) = &web.sign_in else {
        return Err(page.message(
            StatusCode::NOT_FOUND,
            page.t.sign_in,
            page.t.sign_in_unavailable.to_owned(),
        ));
    };
    let endpoints = client.endpoints().await.map_err(|e| unavailable(&page, &e))?;
    let state = random_b64(24);
    let verifier = random_b64(32);
    let mut url = reqwest::Url::parse(&endpoints.authorization_endpoint)
        .map_err(|e| unavailable(&page, &format!("authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", &client.scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    if let Some(r) = &client.resource {
        url.query_pairs_mut().append_pair("resource", r);
    }
    let next = signin::safe_next(Some(&q.next));
    let mut r = Redirect::to(url.as_str()).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        signin::set_cookie(&web, FLOW_COOKIE, &flow_value(&state, &verifier, &next), FLOW_SECS),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

/// GET /login/callback?code=&state=: back from the provider. The code is
/// exchanged for an access token, which becomes the session if the verifier
/// accepts it.
pub async fn callback(State(web): State<Web>, page: Page, headers: HeaderMap, Query(q): Query<Callback>) -> Answer {
    let SignIn::Oidc(client) = &web.sign_in else {
        return Err(page.message(
            StatusCode::NOT_FOUND,
            page.t.sign_in,
            page.t.sign_in_unavailable.to_owned(),
        ));
    };
    let refused = |page: &Page| page.message(StatusCode::FORBIDDEN, page.t.sign_in, page.t.sign_in_refused.to_owned());
    if !q.error.is_empty() {
        tracing::info!(error = %q.error.chars().take(100).collect::<String>(), "web console: the provider refused the sign-in");
        return Err(refused(&page));
    }
    let Some((state, verifier, next)) = signin::cookie(&headers, FLOW_COOKIE).and_then(parse_flow) else {
        return Err(refused(&page));
    };
    if q.state.is_empty() || q.state != state || q.code.is_empty() {
        return Err(refused(&page));
    }
    let endpoints = client.endpoints().await.map_err(|e| unavailable(&page, &e))?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", q.code.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("client_id", client.client_id.as_str()),
        ("code_verifier", verifier),
    ];
    if let Some(s) = &client.client_secret {
        form.push(("client_secret", s));
    }
    if let Some(r) = &client.resource {
        form.push(("resource", r));
    }
    let response = client
        .http
        .post(&endpoints.token_endpoint)
        .form(&form)
        .send()
        .await
        .map_err(|e| unavailable(&page, &format!("token endpoint: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        tracing::info!(%status, body = %body.chars().take(300).collect::<String>(), "web console: the code exchange was refused");
        return Err(refused(&page));
    }
    let token: TokenResponse = response
        .json()
        .await
        .map_err(|e| unavailable(&page, &format!("token response: {e}")))?;
    if let Err(e) = web.verifier.verify(&token.access_token) {
        tracing::info!(error = %e, "web console: the provider's token is not accepted");
        return Err(refused(&page));
    }
    let max_age = token
        .expires_in
        .unwrap_or(SESSION_HOURS * 3600)
        .min(SESSION_HOURS * 3600);
    let mut r = Redirect::to(&next).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        signin::set_cookie(&web, SESSION_COOKIE, &token.access_token, max_age),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, signin::set_cookie(&web, FLOW_COOKIE, "", 0));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_rfc_7636_s256() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_flow_cookie_round_trips_and_keeps_next_on_this_site() {
        let v = flow_value("st", "ver", "/c/x?y=1");
        assert_eq!(parse_flow(&v), Some(("st", "ver", "/c/x?y=1".to_owned())));
        let away = flow_value("st", "ver", "//evil.example/");
        assert_eq!(parse_flow(&away).map(|f| f.2), Some("/".to_owned()));
        assert_eq!(parse_flow("garbage"), None);
    }
}
