//! Proposals: the list, drafting, editing with the etag, submitting,
//! withdrawing, and the detail page with its history.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::cooperations::etag_of;
use crate::domain::error::FieldViolation;
use crate::domain::model::{Category, Cooperation, Event, Flags, Proposal, ProposalContent, ProposalStatus};
use crate::domain::{Error, authz, cooperations, events, proposals};
use crate::web::Web;
use crate::web::i18n::Texts;
use crate::web::page::{Answer, FormErrors, Member as SignedIn, Page, Posted, render, see_other};

const CATEGORIES: [Category; 6] = [
    Category::NewSystem,
    Category::Replacement,
    Category::SharedProcurement,
    Category::AiUse,
    Category::Infrastructure,
    Category::Other,
];

const STATUSES: [ProposalStatus; 5] = [
    ProposalStatus::Draft,
    ProposalStatus::Submitted,
    ProposalStatus::Adopted,
    ProposalStatus::Rejected,
    ProposalStatus::Withdrawn,
];

#[derive(Template)]
#[template(path = "pages/proposals.html")]
struct ListPage {
    c: Page,
    coop: Cooperation,
    proposals: Vec<Proposal>,
    statuses: [ProposalStatus; 5],
    status: Option<ProposalStatus>,
    may_draft: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

fn parse_status(s: &str) -> Option<ProposalStatus> {
    STATUSES.into_iter().find(|x| x.as_str() == s)
}

/// GET /c/{coop}/proposals?status=
pub async fn list(
    State(web): State<Web>,
    SignedIn(page, viewer): SignedIn,
    Path(coop): Path<String>,
    Query(q): Query<ListQuery>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(|e| page.fail(e))?;
    let status = parse_status(&q.status);
    let (proposals, _) = proposals::list(store, &ctx, &coop, status, 500, "")
        .await
        .map_err(|e| page.fail(e))?;
    let mine = cooperations::get_member(store, &ctx, &coop, &viewer.principal.municipality)
        .await
        .ok();
    let may_draft = authz::draft_proposal(&viewer.principal, &coop, mine.as_ref()).is_ok();
    let title = format!("{} – {}", page.t.proposals, cooperation.name);
    Ok(render(&ListPage {
        c: page.titled(title),
        coop: cooperation,
        proposals,
        statuses: STATUSES,
        status,
        may_draft,
    }))
}

/// The proposal form's fields, as typed (costs stay text until they parse).
#[derive(Default)]
struct Draft {
    title: String,
    summary: String,
    category: String,
    involves_ai: bool,
    personal_data: bool,
    citizen_facing: bool,
    security_critical: bool,
    one_time_cost: String,
    yearly_cost: String,
    linked_systems: String,
}

impl Draft {
    fn of(c: &ProposalContent) -> Draft {
        Draft {
            title: c.title.clone(),
            summary: c.summary.clone(),
            category: c.category.as_str().to_owned(),
            involves_ai: c.flags.involves_ai,
            personal_data: c.flags.personal_data,
            citizen_facing: c.flags.citizen_facing,
            security_critical: c.flags.security_critical,
            one_time_cost: c.one_time_cost_dkk.to_string(),
            yearly_cost: c.yearly_cost_dkk.to_string(),
            linked_systems: c.linked_systems.join("\n"),
        }
    }

    fn posted(f: &crate::web::page::Fields) -> Draft {
        Draft {
            title: f.get("title").to_owned(),
            summary: f.get("summary").to_owned(),
            category: f.get("category").to_owned(),
            involves_ai: f.checked("involves_ai"),
            personal_data: f.checked("personal_data"),
            citizen_facing: f.checked("citizen_facing"),
            security_critical: f.checked("security_critical"),
            one_time_cost: f.get("one_time_cost").to_owned(),
            yearly_cost: f.get("yearly_cost").to_owned(),
            linked_systems: f.get("linked_systems").to_owned(),
        }
    }

    /// The content the domain gets, and the fields that did not even parse.
    fn content(&self, t: &Texts) -> (ProposalContent, FormErrors) {
        let mut errors = FormErrors::default();
        let mut amount = |field: &str, label: &str, text: &str| -> i64 {
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
            if cleaned.is_empty() {
                return 0;
            }
            cleaned.parse::<i64>().unwrap_or_else(|_| {
                errors.add(field, format!("{label}: {}", t.err_not_a_number));
                0
            })
        };
        let one_time_cost_dkk = amount("one_time_cost", t.one_time_cost, &self.one_time_cost);
        let yearly_cost_dkk = amount("yearly_cost", t.yearly_cost, &self.yearly_cost);
        let content = ProposalContent {
            title: self.title.clone(),
            summary: self.summary.clone(),
            category: CATEGORIES
                .into_iter()
                .find(|c| c.as_str() == self.category)
                .unwrap_or(Category::Other),
            flags: Flags {
                involves_ai: self.involves_ai,
                personal_data: self.personal_data,
                citizen_facing: self.citizen_facing,
                security_critical: self.security_critical,
            },
            one_time_cost_dkk,
            yearly_cost_dkk,
            linked_systems: self
                .linked_systems
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        (content, errors)
    }
}

/// The domain's field names mapped to the form's, with the form's label.
fn field_errors(t: &Texts, violations: &[FieldViolation], errors: &mut FormErrors) {
    for v in violations {
        let (field, label) = match v.field.as_str() {
            "content.title" => ("title", t.title),
            "content.summary" => ("summary", t.summary),
            "content.one_time_cost_dkk" => ("one_time_cost", t.one_time_cost),
            "content.yearly_cost_dkk" => ("yearly_cost", t.yearly_cost),
            f if f.starts_with("content.linked_systems") => ("linked_systems", t.linked_systems),
            "reason" => ("reason", t.withdraw_reason),
            _ => ("title", ""),
        };
        if !errors.has(field) {
            let problem = t.field_problem(&v.description);
            errors.add(
                field,
                if label.is_empty() {
                    problem
                } else {
                    format!("{label}: {problem}")
                },
            );
        }
    }
}

#[derive(Template)]
#[template(path = "pages/proposal_form.html")]
struct FormPage {
    c: Page,
    coop: Cooperation,
    /// Editing this proposal; a new draft when `None`.
    editing: Option<Proposal>,
    etag: String,
    draft: Draft,
    errors: FormErrors,
    categories: [Category; 6],
    /// The etag did not match: someone else saved in between.
    conflict: bool,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.editing {
            Some(p) => format!("/proposals/{}/edit", p.id),
            None => format!("/c/{}/proposals", self.coop.id),
        }
    }
}

/// GET /c/{coop}/proposals/new
pub async fn new_form(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let cooperation = cooperations::get(&*web.store, &ctx, &coop)
        .await
        .map_err(|e| page.fail(e))?;
    let title = page.t.new_proposal;
    Ok(render(&FormPage {
        c: page.titled(title),
        coop: cooperation,
        editing: None,
        etag: String::new(),
        draft: Draft {
            category: Category::NewSystem.as_str().to_owned(),
            ..Draft::default()
        },
        errors: FormErrors::default(),
        categories: CATEGORIES,
        conflict: false,
    }))
}

/// POST /c/{coop}/proposals: a new draft.
pub async fn create(State(web): State<Web>, Path(coop): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let draft = Draft::posted(&fields);
    let (content, mut errors) = draft.content(page.t);
    if !errors.is_empty() {
        if let Err(Error::Invalid(vs)) = proposals::validate_content(&content) {
            field_errors(page.t, &vs, &mut errors);
        }
        return Err(form_again(&web, page, &coop, None, draft, errors, false).await);
    }
    match proposals::create(&*web.store, &ctx, &coop, content).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}", p.id))),
        Err(Error::Invalid(vs)) => {
            field_errors(page.t, &vs, &mut errors);
            Err(form_again(&web, page, &coop, None, draft, errors, false).await)
        }
        Err(e) => Err(page.fail(e)),
    }
}

async fn form_again(
    web: &Web,
    page: Page,
    coop: &str,
    editing: Option<Proposal>,
    draft: Draft,
    errors: FormErrors,
    conflict: bool,
) -> Response {
    let ctx = page.ctx();
    let cooperation = match cooperations::get(&*web.store, &ctx, coop).await {
        Ok(c) => c,
        Err(e) => return page.fail(e),
    };
    let title = if editing.is_some() {
        page.t.edit_proposal
    } else {
        page.t.new_proposal
    };
    let etag = editing.as_ref().map(|p| etag_of(p.version)).unwrap_or_default();
    let title = format!("{} {title}", page.t.error_prefix);
    let html = render(&FormPage {
        c: page.titled(title),
        coop: cooperation,
        editing,
        etag,
        draft,
        errors,
        categories: CATEGORIES,
        conflict,
    });
    let status = if conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, html).into_response()
}

#[derive(Template)]
#[template(path = "pages/proposal.html")]
struct DetailPage {
    c: Page,
    coop: Cooperation,
    p: Proposal,
    etag: String,
    history: Vec<Event>,
    may_edit: bool,
    may_withdraw: bool,
}

impl DetailPage {
    fn is_board_level(&self) -> bool {
        self.p.decision_level() == crate::domain::model::DecisionLevel::Board
    }

    fn status_class(&self) -> String {
        self.p.status.as_str().to_ascii_lowercase()
    }
}

/// GET /proposals/{id}
pub async fn detail(State(web): State<Web>, SignedIn(page, viewer): SignedIn, Path(id): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let p = proposals::get(store, &ctx, &id).await.map_err(|e| page.fail(e))?;
    let coop = cooperations::get(store, &ctx, &p.cooperation_id)
        .await
        .map_err(|e| page.fail(e))?;
    let history = history(&web, &page, &p).await.map_err(|e| page.fail(e))?;
    let may_change = authz::edit_proposal(&viewer.principal, &p).is_ok();
    let may_edit = may_change && p.status == ProposalStatus::Draft;
    let may_withdraw = may_change && matches!(p.status, ProposalStatus::Draft | ProposalStatus::Submitted);
    let title = p.content.title.clone();
    Ok(render(&DetailPage {
        c: page.titled(title),
        etag: etag_of(p.version),
        coop,
        p,
        history,
        may_edit,
        may_withdraw,
    }))
}

/// The proposal's events, oldest first.
async fn history(web: &Web, page: &Page, p: &Proposal) -> crate::domain::Result<Vec<Event>> {
    let subject = format!("proposals/{}", p.id);
    events::about(&*web.store, &page.ctx(), &p.cooperation_id, &subject).await
}

/// GET /proposals/{id}/edit
pub async fn edit_form(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let p = proposals::get(store, &ctx, &id).await.map_err(|e| page.fail(e))?;
    let coop = cooperations::get(store, &ctx, &p.cooperation_id)
        .await
        .map_err(|e| page.fail(e))?;
    let title = page.t.edit_proposal;
    Ok(render(&FormPage {
        c: page.titled(title),
        coop,
        etag: etag_of(p.version),
        draft: Draft::of(&p.content),
        editing: Some(p),
        errors: FormErrors::default(),
        categories: CATEGORIES,
        conflict: false,
    }))
}

/// POST /proposals/{id}/edit: saves the draft if nobody saved since the
/// form was shown (its etag); otherwise says so and keeps what was typed.
pub async fn update(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let store = &*web.store;
    let draft = Draft::posted(&fields);
    let (content, mut errors) = draft.content(page.t);
    let current = proposals::get(store, &ctx, &id).await.map_err(|e| page.fail(e))?;
    let coop = current.cooperation_id.clone();
    if !errors.is_empty() {
        if let Err(Error::Invalid(vs)) = proposals::validate_content(&content) {
            field_errors(page.t, &vs, &mut errors);
        }
        // The etag the form was shown with stays: nothing was saved.
        let mut shown = current;
        shown.version = etag_version(fields.get("etag")).unwrap_or(shown.version);
        return Err(form_again(&web, page, &coop, Some(shown), draft, errors, false).await);
    }
    match proposals::update(store, &ctx, &id, content, fields.get("etag")).await {
        Ok(p) => Ok(see_other(&format!("/proposals/{}", p.id))),
        Err(Error::Invalid(vs)) => {
            field_errors(page.t, &vs, &mut errors);
            let mut shown = current;
            shown.version = etag_version(fields.get("etag")).unwrap_or(shown.version);
            Err(form_again(&web, page, &coop, Some(shown), draft, errors, false).await)
        }
        Err(Error::Aborted(_)) => {
            // The form now carries the current etag: saving again is a
            // deliberate choice to replace the other person's version.
            errors.add("title", page.t.err_etag);
            Err(form_again(&web, page, &coop, Some(current), draft, errors, true).await)
        }
        Err(e) => Err(page.fail(e)),
    }
}

fn etag_version(etag: &str) -> Option<u64> {
    etag.trim_matches('"').parse().ok()
}

/// POST /proposals/{id}/submit
pub async fn submit(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    proposals::submit(&*web.store, &ctx, &id, fields.get("etag"))
        .await
        .map_err(|e| page.fail(e))?;
    Ok(see_other(&format!("/proposals/{id}")))
}

/// POST /proposals/{id}/withdraw
pub async fn withdraw(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    proposals::withdraw(&*web.store, &ctx, &id, fields.get("reason").trim())
        .await
        .map_err(|e| page.fail(e))?;
    Ok(see_other(&format!("/proposals/{id}")))
}
