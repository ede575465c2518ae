//! What every page knows (language, who is signed in, how to write numbers
//! and times) and how a handler's failure becomes a page.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::Web;
use super::format;
use super::i18n::{Lang, Texts};
use super::signin::{self, Viewer};
use crate::domain::Error;
use crate::domain::model::Micros;
use crate::domain::register;
use crate::domain::write::{Ctx, now_micros};

/// A handler's answer: a page or a redirect, or the page that explains why not.
pub type Answer = Result<Response, Response>;

/// The request as every page sees it; templates reach it as `c`.
#[derive(Clone)]
pub struct Page {
    pub lang: Lang,
    pub t: &'static Texts,
    pub viewer: Option<Viewer>,
    pub dev: bool,
    /// The path and query of this request, for the language switch.
    pub path: String,
    pub title: String,
}

impl FromRequestParts<Web> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let lang = signin::language(&parts.headers);
        Ok(Page {
            lang,
            t: lang.texts(),
            viewer: signin::viewer(&parts.headers, web),
            dev: web.dev_mode(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            title: String::new(),
        })
    }
}

/// A page for someone signed in: `viewer` is there. Anyone else is sent to
/// sign in, and comes back here afterwards.
pub struct Member(pub Page, pub Viewer);

impl FromRequestParts<Web> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let Ok(mut page) = Page::from_request_parts(parts, web).await;
        match page.viewer.take() {
            Some(v) => {
                page.viewer = Some(v.clone());
                Ok(Member(page, v))
            }
            None => Err(Redirect::to(&format!("/login?next={}", signin::encode_next(&page.path))).into_response()),
        }
    }
}

/// A form posted by someone signed in, with its CSRF token checked. A post
/// without a session or without the right token is refused with 403 before
/// any handler runs.
pub struct Posted {
    pub page: Page,
    pub viewer: Viewer,
    pub fields: Fields,
}

impl FromRequest<Web> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, web: &Web) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(page) = Page::from_request_parts(&mut parts, web).await;
        let refreshed_from = parts.extensions.get::<super::oidc::RefreshedFrom>().cloned();
        let req = Request::from_parts(parts, body);
        let fields = match axum::Form::<Vec<(String, String)>>::from_request(req, web).await {
            Ok(axum::Form(pairs)) => Fields(pairs),
            Err(_) => Fields(vec![]),
        };
        let Some(viewer) = page.viewer.clone() else {
            return Err(page.refuse_form());
        };
        // A form shown before the session was refreshed carries the token
        // of the session it replaced: the same browser's, so it counts.
        let posted = fields.get("csrf");
        let matches = signin::csrf_matches(&viewer.token, posted)
            || refreshed_from.is_some_and(|old| signin::csrf_matches(&old.0, posted));
        if !matches {
            return Err(page.refuse_form());
        }
        Ok(Posted { page, viewer, fields })
    }
}

/// The fields of a posted form, in order; a name may repeat (checkboxes).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

/// One message of a form's error summary, linked to the field it is about.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The form field's id (and name).
    pub field: String,
    pub message: String,
}

/// A form's errors, GOV.UK-style: a summary at the top, each message again
/// beside its field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for a field, if it has one (empty otherwise).
    pub fn of(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
            .unwrap_or("")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}

impl Page {
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The caller's context for a domain operation.
    pub fn ctx(&self) -> Ctx {
        let principal = self
            .viewer
            .as_ref()
            .map(|v| v.principal.clone())
            .expect("ctx is only asked for on pages of a signed-in viewer");
        Ctx {
            principal,
            request_id: String::new(),
            fingerprint: String::new(),
            now: now_micros(),
            system: false,
        }
    }

    pub fn csrf(&self) -> String {
        self.viewer
            .as_ref()
            .map(|v| signin::csrf_token(&v.token))
            .unwrap_or_default()
    }

    pub fn kr(&self, n: &i64) -> String {
        format::kroner(self.lang, *n)
    }

    pub fn num(&self, n: &i64) -> String {
        format::number(self.lang, *n)
    }

    pub fn time(&self, micros: &Micros) -> String {
        format::time(self.lang, *micros)
    }

    pub fn machine_time(&self, micros: &Micros) -> String {
        format::machine_time(*micros)
    }

    pub fn date(&self, iso: &str) -> String {
        format::date(self.lang, iso)
    }

    pub fn percent_bp(&self, bp: &u32) -> String {
        format::basis_points(self.lang, *bp)
    }

    /// `part` of `whole` as a percentage, like every percentage people read.
    pub fn share(&self, part: u64, whole: u64) -> String {
        format::share(self.lang, part, whole)
    }

    /// A whole percent (0–100), such as a member's progress.
    pub fn percent(&self, p: &u32) -> String {
        format::basis_points(self.lang, p.saturating_mul(100))
    }

    /// A municipality's name from the register; its code if unknown.
    pub fn municipality(&self, code: &str) -> String {
        register::by_code(code)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| code.to_owned())
    }

    /// The signed-in viewer's municipality, by name.
    pub fn viewer_municipality(&self) -> String {
        self.viewer
            .as_ref()
            .map(|v| self.municipality(&v.principal.municipality))
            .unwrap_or_default()
    }

    pub fn viewer_name(&self) -> &str {
        self.viewer.as_ref().map(|v| v.principal.sub.as_str()).unwrap_or("")
    }

    /// The language switch: the other language, back to this page.
    pub fn switch_href(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().code(),
            signin::encode_next(&self.path)
        )
    }

    /// The page that explains a domain error. Invalid input is normally shown
    /// on its form instead; here it only arrives from links.
    pub fn fail(&self, e: Error) -> Response {
        let t = self.t;
        let (status, title, body) = match &e {
            Error::PermissionDenied(_) => (StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden_body.to_owned()),
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body.to_owned()),
            Error::Invalid(_) => (StatusCode::BAD_REQUEST, t.not_found_title, e.to_string()),
            Error::FailedPrecondition(m) | Error::Aborted(m) | Error::AlreadyExists(m) => {
                (StatusCode::CONFLICT, t.conflict_title, m.clone())
            }
            Error::Upstream(m) => (StatusCode::SERVICE_UNAVAILABLE, t.internal_title, m.clone()),
            Error::Store(s) if s.is_unavailable() => {
                tracing::warn!(error = %e, "web console: database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    t.internal_title,
                    t.internal_body.to_owned(),
                )
            }
            Error::Store(_) | Error::Encode(_) => {
                tracing::error!(error = %e, "web console: internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t.internal_title,
                    t.internal_body.to_owned(),
                )
            }
        };
        self.message(status, title, body)
    }

    /// 403 for a form without a session or without its CSRF token.
    pub fn refuse_form(&self) -> Response {
        self.message(StatusCode::FORBIDDEN, self.t.csrf_title, self.t.csrf_body.to_owned())
    }

    pub fn message(&self, status: StatusCode, title: &str, body: String) -> Response {
        let page = MessagePage {
            c: self.clone_for(title),
            body,
        };
        (status, render(&page)).into_response()
    }

    fn clone_for(&self, title: &str) -> Page {
        Page {
            lang: self.lang,
            t: self.t,
            viewer: self.viewer.clone(),
            dev: self.dev,
            path: self.path.clone(),
            title: title.to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage {
    c: Page,
    body: String,
}

/// A template as an HTML response; a template that fails to render is a bug,
/// logged and answered with 500.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "web console: template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// After a successful POST: 303 to the page that shows the result.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
