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
//! The state, the PKCE verifier, the `nonce` and where to go afterwards wait
//! in a short-lived HttpOnly cookie between the two requests. The ID token
//! that comes back with the code must be signed by the issuer for this client
//! and carry that same nonce, so a code and ID token minted for another
//! sign-in (a replayed or injected response) are refused.
//!
//! Access tokens are short-lived. When the provider also issues a refresh
//! token (the configured scope asks for `offline_access`), it waits in its
//! own HttpOnly cookie, and [`keep_fresh`] trades it for a new access token
//! the first time a request arrives with an expired one; without a refresh
//! token, the person is sent to sign in again with a message saying why.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::Digest;
use tokio::sync::OnceCell;

use super::page::{Answer, Page};
use super::signin::{self, REFRESH_COOKIE, SESSION_COOKIE, SESSION_HOURS};
use super::{SignIn, Web};
use crate::auth::AuthError;
use crate::config::ConsoleOidcConfig;

/// The cookie that carries the flow's state from `/login/oidc` to the callback.
const FLOW_COOKIE: &str = "samprio_oidc";
/// How long a person may take at the provider.
const FLOW_SECS: u64 = 600;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A page and its live stream may both arrive with the same expired token:
/// the refresh done for the first is handed to the others this long, so a
/// provider that rotates refresh tokens never sees one used twice.
const RECENT_REFRESH: Duration = Duration::from_secs(60);

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
    recent: Recent,
}

/// Refreshes of the last [`RECENT_REFRESH`], by a hash of the expired
/// access token they replaced and the refresh token they spent. The lock
/// also makes one refresh at a time.
#[derive(Default)]
struct Recent(tokio::sync::Mutex<HashMap<String, (Tokens, Instant)>>);

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent(..)")
    }
}

/// What a refresh brings: a new access token, and a new refresh token if
/// the provider rotates them.
#[derive(Clone)]
struct Tokens {
    access_token: String,
    refresh_token: Option<String>,
}

/// Why the token endpoint gave no tokens.
enum TokenError {
    /// It answered with a refusal (a spent code, a revoked refresh token).
    Refused(String),
    /// It could not be reached or did not answer with JSON.
    Unavailable(String),
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
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

/// Whether `scope` asks for a refresh token.
fn wants_refresh(scope: &str) -> bool {
    scope.split_whitespace().any(|s| s == "offline_access")
}

impl OidcClient {
    /// A client for `cfg`, answering at `public_url` (the console's address
    /// as browsers reach it).
    pub fn new(cfg: &ConsoleOidcConfig, public_url: &str) -> Result<OidcClient, String> {
        if !cfg.scope.split_whitespace().any(|s| s == "openid") {
            return Err(format!(
                "console.oidc.scope {:?} must include \"openid\": the console checks the ID token",
                cfg.scope
            ));
        }
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
            recent: Recent::default(),
        })
    }

    /// A request to the token endpoint: `form` plus the client's
    /// credentials (its secret, for a confidential client) and resource.
    async fn token_request(&self, mut form: Vec<(&str, &str)>) -> Result<TokenResponse, TokenError> {
        let endpoints = self.endpoints().await.map_err(TokenError::Unavailable)?;
        form.push(("client_id", &self.client_id));
        if let Some(s) = &self.client_secret {
            form.push(("client_secret", s));
        }
        if let Some(r) = &self.resource {
            form.push(("resource", r));
        }
        let response = self
            .http
            .post(&endpoints.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| TokenError::Unavailable(format!("token endpoint: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(TokenError::Refused(format!(
                "{status}: {}",
                body.chars().take(300).collect::<String>()
            )));
        }
        response
            .json()
            .await
            .map_err(|e| TokenError::Unavailable(format!("token response: {e}")))
    }

    /// A new access token for `refresh_token`, in place of the `expired`
    /// one, or the one a request a moment ago already got in its place.
    async fn refresh(&self, expired: &str, refresh_token: &str) -> Result<Tokens, String> {
        let key = hex::encode(sha2::Sha256::digest(format!("{expired} {refresh_token}").as_bytes()));
        let mut recent = self.recent.0.lock().await;
        recent.retain(|_, (_, at)| at.elapsed() < RECENT_REFRESH);
        if let Some((tokens, _)) = recent.get(&key) {
            return Ok(tokens.clone());
        }
        let t = self
            .token_request(vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)])
            .await
            .map_err(|e| match e {
                TokenError::Refused(why) => format!("the refresh was refused: {why}"),
                TokenError::Unavailable(why) => why,
            })?;
        let tokens = Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
        };
        recent.insert(key, (tokens.clone(), Instant::now()));
        Ok(tokens)
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

/// What waits in the flow cookie between `/login/oidc` and the callback.
#[derive(Debug, PartialEq, Eq)]
struct Flow<'a> {
    state: &'a str,
    verifier: &'a str,
    nonce: &'a str,
    /// The page to return to.
    next: String,
}

/// The flow cookie's value: its parts in base64url, joined by dots.
fn flow_value(state: &str, verifier: &str, nonce: &str, next: &str) -> String {
    format!("{state}.{verifier}.{nonce}.{}", URL_SAFE_NO_PAD.encode(next))
}

fn parse_flow(value: &str) -> Option<Flow<'_>> {
    let mut parts = value.splitn(4, '.');
    let (state, verifier, nonce, next) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
    Some(Flow {
        state,
        verifier,
        nonce,
        next: signin::safe_next(Some(&next)),
    })
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
    let nonce = random_b64(24);
    let mut url = reqwest::Url::parse(&endpoints.authorization_endpoint)
        .map_err(|e| unavailable(&page, &format!("authorization_endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", &client.scope)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    if let Some(r) = &client.resource {
        url.query_pairs_mut().append_pair("resource", r);
    }
    if wants_refresh(&client.scope) {
        // OpenID Connect Core §11: offline access is granted only with consent.
        url.query_pairs_mut().append_pair("prompt", "consent");
    }
    let next = signin::safe_next(Some(&q.next));
    let mut r = Redirect::to(url.as_str()).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        signin::set_cookie(
            &web,
            FLOW_COOKIE,
            &flow_value(&state, &verifier, &nonce, &next),
            FLOW_SECS,
        ),
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
    let Some(flow) = signin::cookie(&headers, FLOW_COOKIE).and_then(parse_flow) else {
        return Err(refused(&page));
    };
    if q.state.is_empty() || q.state != flow.state || q.code.is_empty() {
        return Err(refused(&page));
    }
    let token = client
        .token_request(vec![
            ("grant_type", "authorization_code"),
            ("code", q.code.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("code_verifier", flow.verifier),
        ])
        .await
        .map_err(|e| match e {
            TokenError::Refused(why) => {
                tracing::info!(reason = %why, "web console: the code exchange was refused");
                refused(&page)
            }
            TokenError::Unavailable(why) => unavailable(&page, &why),
        })?;
    // The ID token says whom the provider signed in, for this client and
    // this sign-in: its nonce is the one sent from here.
    let Some(id_token) = &token.id_token else {
        tracing::info!("web console: the provider sent no ID token");
        return Err(refused(&page));
    };
    match web.verifier.verify_id_token(id_token, &client.client_id) {
        Ok(claims) if claims.get("nonce").and_then(|n| n.as_str()) == Some(flow.nonce) => {}
        Ok(_) => {
            tracing::warn!("web console: the ID token's nonce is not this sign-in's");
            return Err(refused(&page));
        }
        Err(e) => {
            tracing::info!(error = %e, "web console: the provider's ID token is not accepted");
            return Err(refused(&page));
        }
    }
    if let Err(e) = web.verifier.verify(&token.access_token) {
        tracing::info!(error = %e, "web console: the provider's token is not accepted");
        return Err(refused(&page));
    }
    // The cookie outlives the access token inside it, so an expired session
    // is refreshed, or at least known to have expired, rather than gone.
    let mut r = Redirect::to(&flow.next).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        signin::set_cookie(&web, SESSION_COOKIE, &token.access_token, SESSION_HOURS * 3600),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        match &token.refresh_token {
            Some(t) => signin::set_cookie(&web, REFRESH_COOKIE, t, SESSION_HOURS * 3600),
            None => signin::set_cookie(&web, REFRESH_COOKIE, "", 0),
        },
    );
    r.headers_mut()
        .append(header::SET_COOKIE, signin::set_cookie(&web, FLOW_COOKIE, "", 0));
    Ok(r)
}

/// Set on a request whose session [`keep_fresh`] just refreshed: the access
/// token it replaced, which keyed the CSRF tokens of the forms the browser
/// still shows.
#[derive(Clone)]
pub struct RefreshedFrom(pub String);

/// Middleware: a request whose session holds an expired access token gets
/// a fresh one by the refresh token, if the provider issued one, and goes
/// on with it (the browser gets the new cookies with the answer). Without a
/// refresh token, or when the provider refuses it, the person is sent to
/// sign in again, told that the session expired, and comes back after.
pub async fn keep_fresh(State(web): State<Web>, mut request: Request, next: Next) -> Response {
    let SignIn::Oidc(client) = &web.sign_in else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path.starts_with("/static/") || path.starts_with("/login") {
        return next.run(request).await;
    }
    let Some(expired) = signin::cookie(request.headers(), SESSION_COOKIE)
        .filter(|t| !t.is_empty() && matches!(web.verifier.verify(t), Err(AuthError::Expired)))
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let refresh_token = signin::cookie(request.headers(), REFRESH_COOKIE)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let fresh = match refresh_token {
        None => Err("the provider issued no refresh token".to_owned()),
        Some(r) => match client.refresh(&expired, &r).await {
            Ok(tokens) => match web.verifier.verify(&tokens.access_token) {
                Ok(_) => Ok(tokens),
                Err(e) => Err(format!("the refreshed token is not accepted: {e}")),
            },
            Err(e) => Err(e),
        },
    };
    match fresh {
        Ok(tokens) => {
            let refresh_token = tokens.refresh_token.as_deref();
            replace_cookies(request.headers_mut(), &tokens.access_token, refresh_token);
            request.extensions_mut().insert(RefreshedFrom(expired));
            let mut response = next.run(request).await;
            // Unless the answer sets the session itself (signing out).
            let h = response.headers_mut();
            let sets = |name: &str| {
                h.get_all(header::SET_COOKIE)
                    .iter()
                    .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()))
            };
            let (session_set, refresh_set) = (sets(SESSION_COOKIE), sets(REFRESH_COOKIE));
            if !session_set {
                h.append(
                    header::SET_COOKIE,
                    signin::set_cookie(&web, SESSION_COOKIE, &tokens.access_token, SESSION_HOURS * 3600),
                );
            }
            if let Some(t) = refresh_token
                && !refresh_set
            {
                h.append(
                    header::SET_COOKIE,
                    signin::set_cookie(&web, REFRESH_COOKIE, t, SESSION_HOURS * 3600),
                );
            }
            response
        }
        Err(why) => {
            tracing::info!(reason = %why, "web console: the session expired and was not refreshed");
            let back = if request.method() == Method::GET {
                request
                    .uri()
                    .path_and_query()
                    .map_or("/".to_owned(), |p| p.as_str().to_owned())
            } else {
                "/".to_owned()
            };
            let to = format!(
                "/login?expired=1&next={}",
                signin::encode_next(&signin::safe_next(Some(&back)))
            );
            let mut r = Redirect::to(&to).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, signin::set_cookie(&web, SESSION_COOKIE, "", 0));
            r.headers_mut()
                .append(header::SET_COOKIE, signin::set_cookie(&web, REFRESH_COOKIE, "", 0));
            r
        }
    }
}

/// The request's cookies with the session (and refresh token) replaced, so
/// the handlers see the refreshed session.
fn replace_cookies(headers: &mut HeaderMap, access_token: &str, refresh_token: Option<&str>) {
    let mut pairs: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(k, _)| k);
            name != SESSION_COOKIE && (refresh_token.is_none() || name != REFRESH_COOKIE)
        })
        .map(str::to_owned)
        .collect();
    pairs.push(format!("{SESSION_COOKIE}={access_token}"));
    if let Some(t) = refresh_token {
        pairs.push(format!("{REFRESH_COOKIE}={t}"));
    }
    headers.remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&pairs.join("; ")) {
        headers.insert(header::COOKIE, v);
    }
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
        let v = flow_value("st", "ver", "non", "/c/x?y=1");
        assert_eq!(
            parse_flow(&v),
            Some(Flow {
                state: "st",
                verifier: "ver",
                nonce: "non",
                next: "/c/x?y=1".to_owned()
            })
        );
        let away = flow_value("st", "ver", "non", "//evil.example/");
        assert_eq!(parse_flow(&away).map(|f| f.next), Some("/".to_owned()));
        assert_eq!(parse_flow("garbage"), None);
    }

    #[test]
    fn a_refreshed_session_replaces_only_its_own_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("samprio_lang=en; samprio_session=old; samprio_refresh=r1"),
        );
        replace_cookies(&mut h, "new", Some("r2"));
        assert_eq!(
            h.get(header::COOKIE).unwrap(),
            "samprio_lang=en; samprio_session=new; samprio_refresh=r2"
        );
        replace_cookies(&mut h, "newer", None);
        assert_eq!(
            h.get(header::COOKIE).unwrap(),
            "samprio_lang=en; samprio_refresh=r2; samprio_session=newer"
        );
    }

    #[test]
    fn the_scope_must_ask_for_an_id_token() {
        let cfg = |scope: &str| ConsoleOidcConfig {
            issuer: "https://login.example.dk".into(),
            client_id: "samprio-console".into(),
            client_secret: None,
            scope: scope.into(),
            resource: None,
        };
        assert!(OidcClient::new(&cfg("openid offline_access"), "http://127.0.0.1:8080").is_ok());
        let e = OidcClient::new(&cfg("samprio"), "http://127.0.0.1:8080").unwrap_err();
        assert!(e.contains("openid"), "{e}");
    }

    #[test]
    fn only_offline_access_asks_for_a_refresh_token() {
        assert!(wants_refresh("openid offline_access samprio"));
        assert!(!wants_refresh("openid samprio"));
    }
}
