//! Who is looking: the session cookie, CSRF tokens, and signing in and out.
//!
//! The cookie carries a signed token (in dev mode, one the dev key minted),
//! verified on every request by the same [`Verifier`](crate::auth::Verifier)
//! as gRPC into the same [`Principal`], so a session is valid on every server
//! process that trusts the issuer and nothing is kept in memory. The CSRF
//! token of a form is an HMAC keyed with the session's token, which a page
//! from another site can neither read nor compute.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::i18n::Lang;
use super::page::{Answer, FormErrors, Page, render};
use super::{SignIn, Web};
use crate::auth::{Principal, Role};
use crate::domain::register::{self, Municipality};

pub(super) const SESSION_COOKIE: &str = "samprio_session";
/// Before sign-in there is no session to key the CSRF token with: a random
/// value in this cookie keys the sign-in form's token instead.
const SIGN_IN_COOKIE: &str = "samprio_signin";
/// The provider's refresh token, when it issued one (see [`super::oidc`]).
pub(super) const REFRESH_COOKIE: &str = "samprio_refresh";
const LANG_COOKIE: &str = "samprio_lang";
pub(super) const SESSION_HOURS: u64 = 12;

/// A signed-in person: the verified principal and the token it came from.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub principal: Principal,
    pub token: String,
}

pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The viewer of a request, if its session cookie holds a token the
/// verifier accepts now.
pub fn viewer(headers: &HeaderMap, web: &Web) -> Option<Viewer> {
    let token = cookie(headers, SESSION_COOKIE)?;
    match web.verifier.verify(token) {
        Ok(principal) => Some(Viewer {
            principal,
            token: token.to_owned(),
        }),
        Err(e) => {
            tracing::debug!(error = %e, "web console: session cookie not accepted");
            None
        }
    }
}

/// The language: the switch's cookie, else the browser's preference, else Danish.
pub fn language(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_else(|| {
            Lang::negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

fn mac(key: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    m.update(b"samprio console form v1");
    m
}

/// The CSRF token of every form shown to the holder of `key` (the session's
/// token, or before sign-in the sign-in cookie).
pub fn csrf_token(key: &str) -> String {
    hex::encode(mac(key).finalize().into_bytes())
}

/// Whether a posted token is the one `key` gives, compared in constant time.
pub fn csrf_matches(key: &str, posted: &str) -> bool {
    match hex::decode(posted) {
        Ok(bytes) if !posted.is_empty() => mac(key).verify_slice(&bytes).is_ok(),
        _ => false,
    }
}

/// `next` as a query value: everything but unreserved characters escaped.
pub fn encode_next(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in or switching language: only a path on this
/// site, never another origin.
pub(super) fn safe_next(next: Option<&String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.clone(),
        _ => "/".into(),
    }
}

pub(super) fn set_cookie(web: &Web, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if web.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie values are tokens and hex, valid in a header")
}

#[derive(Template)]
#[template(path = "pages/sign_in.html")]
struct SignInPage {
    c: Page,
    csrf: String,
    next: String,
    /// Dev mode: the register, by name.
    municipalities: Vec<&'static Municipality>,
    /// With an OpenID Connect provider: where its sign-in starts.
    oidc_href: Option<String>,
    /// Why the person is here again (an expired session).
    notice: Option<&'static str>,
    errors: FormErrors,
    chosen: String,
    roles: Vec<String>,
    chair_of: String,
    secretariat_of: String,
    name: String,
}

impl SignInPage {
    fn has_role(&self, r: &str) -> bool {
        self.roles.iter().any(|x| x == r)
    }
}

fn by_name() -> Vec<&'static Municipality> {
    let mut all: Vec<_> = register::all().iter().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// GET /login: in dev mode, pick a municipality and roles.
pub async fn form(
    State(web): State<Web>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let existing = cookie(&headers, SIGN_IN_COOKIE).map(str::to_owned);
    let nonce = existing.clone().unwrap_or_else(random_hex);
    let title = page.t.sign_in;
    let html = render(&SignInPage {
        csrf: csrf_token(&nonce),
        next: safe_next(q.get("next")),
        municipalities: if web.dev_mode() { by_name() } else { vec![] },
        oidc_href: matches!(web.sign_in, SignIn::Oidc(_))
            .then(|| format!("/login/oidc?next={}", encode_next(&safe_next(q.get("next"))))),
        notice: q.contains_key("expired").then_some(page.t.session_expired),
        errors: FormErrors::default(),
        chosen: String::new(),
        roles: vec![],
        chair_of: String::new(),
        secretariat_of: String::new(),
        name: String::new(),
        c: page.titled(title),
    });
    with_sign_in_cookie(&web, html, existing.is_none().then_some(nonce))
}

/// POST /login: dev mode mints a token for the chosen municipality and roles
/// and keeps it in the session cookie.
pub async fn submit(
    State(web): State<Web>,
    page: Page,
    headers: HeaderMap,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Answer {
    let fields = super::page::Fields(pairs);
    let nonce = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if nonce.is_empty() || !csrf_matches(nonce, fields.get("csrf")) {
        return Err(page.refuse_form());
    }
    let SignIn::Dev(keys) = &web.sign_in else {
        return Err(page.message(
            StatusCode::NOT_FOUND,
            page.t.sign_in,
            page.t.sign_in_unavailable.to_owned(),
        ));
    };
    let t = page.t;
    let mut errors = FormErrors::default();
    let code = fields.get("municipality").to_owned();
    if register::by_code(&code).is_none() {
        errors.add("municipality", t.err_choose_municipality);
    }
    let mut roles = Vec::new();
    for r in fields.all("role") {
        match r.parse::<Role>() {
            Ok(role) => roles.push(role),
            Err(_) => errors.add("role-board", t.err_choose_role),
        }
    }
    for (field, make) in [
        ("chair_of", Role::Chair as fn(String) -> Role),
        ("secretariat_of", Role::Secretariat as fn(String) -> Role),
    ] {
        let coop = fields.get(field).trim();
        if coop.is_empty() {
            continue;
        }
        match crate::domain::validate::slug(coop) {
            Ok(()) => roles.push(make(coop.to_owned())),
            Err(_) => errors.add(field, t.err_cooperation_id),
        }
    }
    if roles.is_empty() && !errors.has("role-board") {
        errors.add("role-board", t.err_choose_role);
    }
    let name = fields.get("name").trim().chars().take(80).collect::<String>();
    if !errors.is_empty() {
        let title = t.sign_in;
        let html = render(&SignInPage {
            csrf: csrf_token(nonce),
            next: safe_next(Some(&fields.get("next").to_owned())),
            municipalities: by_name(),
            oidc_href: None,
            notice: None,
            errors,
            chosen: code,
            roles: fields.all("role").into_iter().map(str::to_owned).collect(),
            chair_of: fields.get("chair_of").to_owned(),
            secretariat_of: fields.get("secretariat_of").to_owned(),
            name,
            c: page.titled(title),
        });
        return Err((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    let sub = if name.is_empty() {
        format!("dev-{code}")
    } else {
        name.clone()
    };
    let name = if name.is_empty() {
        crate::auth::default_dev_name(&code)
    } else {
        name
    };
    let token = keys.minter.mint_named(
        &sub,
        Some(&name),
        &code,
        &roles,
        Duration::from_secs(SESSION_HOURS * 3600),
    );
    let mut r = Redirect::to(&safe_next(Some(&fields.get("next").to_owned()))).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&web, SESSION_COOKIE, &token, SESSION_HOURS * 3600),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&web, SIGN_IN_COOKIE, "", 0));
    Ok(r)
}

/// POST /logout: forgets the session cookie.
pub async fn sign_out(State(web): State<Web>, posted: super::page::Posted) -> Response {
    let _ = posted;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&web, SESSION_COOKIE, "", 0));
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&web, REFRESH_COOKIE, "", 0));
    r
}

/// GET /lang/{code}?next=: remembers the language and goes back.
pub async fn switch_language(
    State(web): State<Web>,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_code(&code).unwrap_or(Lang::Da);
    let mut r = Redirect::to(&safe_next(q.get("next"))).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&web, LANG_COOKIE, lang.code(), 365 * 24 * 3600),
    );
    r
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    hex::encode(b)
}

fn with_sign_in_cookie(web: &Web, mut r: Response, nonce: Option<String>) -> Response {
    if let Some(n) = nonce {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(web, SIGN_IN_COOKIE, &n, 3600));
    }
    r
}
