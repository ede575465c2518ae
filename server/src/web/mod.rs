//! The web console (DESIGN.md §11): the front door for people, beside
//! `grpc/`. Handlers read a form or a path, call the same domain operations
//! under the same authorisation, and render a template; no rule lives here.
//!
//! Layout: [`signin`] (the session cookie, CSRF and the sign-in seam),
//! [`page`] (what every page knows: language, viewer, formats; errors),
//! [`i18n`] (one text catalogue per language), [`format`] (numbers, money,
//! Copenhagen times), [`pages`] (the handlers, one module per area), and the
//! templates in `server/templates/` (layout, components, pages apart).

pub mod format;
pub mod i18n;
pub mod live;
pub mod oidc;
pub mod page;
pub mod pages;
pub mod signin;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::auth::{DevKeys, Verifier};
use crate::domain::overrides::OverviewCache;
use crate::store::Store;

/// What the handlers share.
#[derive(Clone)]
pub struct Web {
    pub store: Arc<dyn Store>,
    pub verifier: Arc<Verifier>,
    pub sign_in: SignIn,
    /// Cookies carry `Secure` when the console is served over TLS.
    pub secure_cookies: bool,
    /// Turns true when the server begins to shut down: live streams end then,
    /// so the graceful shutdown does not wait on open browsers.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Cooperation overviews (the accountability matrix) kept while the log
    /// has not moved.
    pub overviews: Arc<OverviewCache>,
    /// Shared opportunities kept while the cooperation's log has not moved.
    pub opportunities: Arc<crate::domain::portfolio::shared::Kept>,
    /// Follow-up: members silent this many days are flagged.
    pub stale_after_days: u32,
    /// The event log as it grows, shared by every live page (the same
    /// follower as gRPC `Watch`, so no page reads the database per event).
    pub events: Arc<crate::domain::fanout::Fanout<(crate::domain::model::Event, bool)>>,
}

/// How people sign in. Dev mode mints a token with the local dev key; with
/// an OpenID Connect provider configured for the console, the
/// authorization-code flow with PKCE ([`oidc`]) brings back an access token
/// that the verifier maps to a principal as it does bearer tokens.
#[derive(Clone)]
pub enum SignIn {
    Dev(Arc<DevKeys>),
    Oidc(Arc<oidc::OidcClient>),
    /// No sign-in method is available to browsers yet (issuers configured,
    /// no OIDC client).
    Unavailable,
}

impl Web {
    pub fn dev_mode(&self) -> bool {
        matches!(self.sign_in, SignIn::Dev(_))
    }
}

/// Every route of the console.
pub fn router(web: Web) -> Router {
    Router::new()
        .route("/", get(pages::cooperations::index))
        .route("/login", get(signin::form).post(signin::submit))
        .route("/login/oidc", get(oidc::start))
        .route("/login/callback", get(oidc::callback))
        .route("/logout", post(signin::sign_out))
        .route("/lang/{code}", get(signin::switch_language))
        .route("/c/{coop}", get(pages::cooperations::home))
        .route(
            "/c/{coop}/proposals",
            get(pages::proposals::list).post(pages::proposals::create),
        )
        .route("/c/{coop}/proposals/new", get(pages::proposals::new_form))
        .route("/c/{coop}/portfolio", get(pages::portfolio::show))
        .route(
            "/c/{coop}/portfolio/{municipality}/systems",
            post(pages::portfolio::create_system),
        )
        .route(
            "/c/{coop}/portfolio/{municipality}/systems/new",
            get(pages::portfolio::new_system),
        )
        .route(
            "/c/{coop}/portfolio/{municipality}/systems/{id}",
            get(pages::portfolio::edit_system).post(pages::portfolio::update_system),
        )
        .route(
            "/c/{coop}/portfolio/{municipality}/systems/{id}/delete",
            post(pages::portfolio::delete_system),
        )
        .route("/proposals/{id}", get(pages::proposals::detail))
        .route(
            "/proposals/{id}/edit",
            get(pages::proposals::edit_form).post(pages::proposals::update),
        )
        .route("/proposals/{id}/submit", post(pages::proposals::submit))
        .route("/proposals/{id}/withdraw", post(pages::proposals::withdraw))
        .route("/c/{coop}/follow-up", get(pages::follow_up::show))
        .route("/c/{coop}/follow-up/{proposal}", post(pages::follow_up::update))
        .route("/c/{coop}/sessions", post(pages::sessions::create))
        .route("/c/{coop}/sessions/new", get(pages::sessions::new_form))
        .route("/sessions/{id}", get(pages::sessions::show))
        .route("/sessions/{id}/open", post(pages::sessions::open))
        .route("/sessions/{id}/check-in", post(pages::sessions::check_in))
        .route("/sessions/{id}/close", post(pages::sessions::close))
        .route("/sessions/{id}/live", get(pages::sessions::live))
        .route("/sessions/{id}/rounds", post(pages::rounds::open))
        .route("/sessions/{id}/rounds/new", get(pages::rounds::new_form))
        .route("/rounds/{id}", get(pages::rounds::show))
        .route("/rounds/{id}/live", get(pages::rounds::live))
        .route("/rounds/{id}/ballot", post(pages::rounds::cast))
        .route("/rounds/{id}/close", post(pages::rounds::close))
        .route("/rounds/{id}/cancel", post(pages::rounds::cancel))
        .route("/c/{coop}/stream", get(live::stream))
        .route("/c/{coop}/board", get(pages::board::show))
        .route("/c/{coop}/overrides", post(pages::board::set))
        .route("/c/{coop}/overrides/new", get(pages::board::new_form))
        .route("/overrides/{id}", get(pages::board::detail))
        .route("/overrides/{id}/reconfirm", post(pages::board::reconfirm))
        .route("/overrides/{id}/revoke", post(pages::board::revoke))
        .route("/c/{coop}/accountability", get(pages::accountability::matrix))
        .route(
            "/c/{coop}/accountability/{code}",
            get(pages::accountability::member_report),
        )
        .route("/c/{coop}/events", get(pages::events::log))
        .route("/c/{coop}/events/verify", get(pages::events::verify))
        .route("/sessions/{id}/minutes", get(pages::minutes::show))
        .route("/sessions/{id}/minutes.pdf", get(pages::minutes::pdf))
        .route("/sessions/{id}/ballots.csv", get(pages::minutes::ballots_csv))
        .route("/sessions/{id}/results.csv", get(pages::minutes::results_csv))
        .route("/static/app.css", get(stylesheet))
        .route("/static/minutes.css", get(pages::minutes::stylesheet))
        .route("/static/app.js", get(script))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(web.clone(), oidc::keep_fresh))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(web)
}

/// Serves the console on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    web: Web,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(web))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Scripts only from our own origin and never inline; no framing; forms post
/// only back to us.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show who is signed in and may show ballots: never cached.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/app.js"),
    )
}
