//! A board's page (DESIGN.md §6, §11): a member's effective list, its
//! needs-review queue, and setting, reconfirming and revoking its local
//! overrides with justification and board resolution. Everyone who may read
//! the cooperation sees every member's page; only that member's board gets
//! the forms, and the domain refuses anyone else who posts.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::domain::error::FieldViolation;
use crate::domain::model::{
    Cooperation, DecisionLevel, Member, OverrideKind, OverrideState, PriorityList, Proposal, ProposalStatus,
};
use crate::domain::overrides::{self, EffectiveList, ListQuery, OverrideSpec, OverrideView};
use crate::domain::{Error, authz, cooperations, priorities, proposals};
use crate::web::Web;
use crate::web::i18n::Texts;
use crate::web::page::{Answer, FormErrors, Member as SignedIn, Page, Posted, render, see_other};
use crate::web::signin::Viewer;

const KINDS: [OverrideKind; 4] = [
    OverrideKind::OptOut,
    OverrideKind::Defer,
    OverrideKind::Rerank,
    OverrideKind::AdoptLocal,
];

/// Whether the viewer acts as the board of `code` in the cooperation: the
/// same rule the domain applies when it is asked to change an override.
fn may_act(viewer: &Viewer, code: &str, members: &[Member]) -> bool {
    let mine = members.iter().find(|m| m.code == viewer.principal.municipality);
    authz::override_for(&viewer.principal, code, mine, DecisionLevel::Delegated).is_ok()
}

/// An override awaiting review, with the proposal it concerns.
struct Review {
    title: String,
    shared_rank: Option<u32>,
    o: OverrideView,
}

#[derive(Template)]
#[template(path = "pages/board.html")]
struct BoardPage {
    c: Page,
    coop: Cooperation,
    members: Vec<Member>,
    member: Member,
    list: EffectiveList,
    review: Vec<Review>,
    may_act: bool,
}

impl BoardPage {
    fn what(&self, o: &OverrideView) -> String {
        describe(&self.c, o)
    }
}

/// An override in words: "Udskudt til 01.09.2027", "Lokal rang 3".
pub(super) fn describe(c: &Page, o: &OverrideView) -> String {
    let t = c.t;
    let r = &o.record;
    let kind = t.override_kind(r.kind);
    match (r.kind, &r.defer_until, r.local_rank) {
        (OverrideKind::Defer, Some(d), _) => format!("{kind}: {} {}", t.defer_until.to_lowercase(), c.date(d)),
        (OverrideKind::Rerank | OverrideKind::AdoptLocal, _, Some(n)) => {
            format!("{kind}: {} {n}", t.local_rank.to_lowercase())
        }
        _ => kind.to_owned(),
    }
}

#[derive(Deserialize)]
pub struct Whose {
    #[serde(default)]
    m: String,
}

/// GET /c/{coop}/board?m=: a member's effective list (the viewer's own
/// municipality unless another is named).
pub async fn show(
    State(web): State<Web>,
    SignedIn(page, viewer): SignedIn,
    Path(coop): Path<String>,
    Query(q): Query<Whose>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let (members, _) = cooperations::list_members(store, &ctx, &coop, false, 500, "")
        .await
        .map_err(fail)?;
    let code = if !q.m.is_empty() {
        q.m.clone()
    } else if members.iter().any(|m| m.code == viewer.principal.municipality) {
        viewer.principal.municipality.clone()
    } else {
        members.first().map(|m| m.code.clone()).unwrap_or_default()
    };
    let Some(member) = members.iter().find(|m| m.code == code).cloned() else {
        return Err(page.fail(Error::not_found("member", format!("{coop}/{code}"))));
    };
    let list = overrides::effective_list(store, &ctx, &coop, &code, "")
        .await
        .map_err(fail)?;
    let review = list
        .items
        .iter()
        .filter_map(|i| i.by.as_ref().map(|o| (i.title.clone(), i.shared_rank, o)))
        .chain(
            list.set_apart
                .iter()
                .map(|s| (s.title.clone(), Some(s.shared_rank), &s.by)),
        )
        .filter(|(_, _, o)| o.needs_review)
        .map(|(title, shared_rank, o)| Review {
            title,
            shared_rank,
            o: o.clone(),
        })
        .collect();
    let may_act = may_act(&viewer, &code, &members);
    let title = format!("{} – {}", page.t.board_page, member.name);
    Ok(render(&BoardPage {
        c: page.titled(title),
        coop: cooperation,
        members,
        member,
        list,
        review,
        may_act,
    }))
}

/// The override form's fields, as typed.
#[derive(Default)]
struct Typed {
    proposal: String,
    kind: String,
    defer_until: String,
    local_rank: String,
    justification: String,
    board_resolution: String,
    expires_on: String,
    etag: String,
}

impl Typed {
    fn of(o: &OverrideView, etag: String) -> Typed {
        let r = &o.record;
        Typed {
            proposal: r.proposal_id.clone(),
            kind: r.kind.as_str().to_owned(),
            defer_until: r.defer_until.clone().unwrap_or_default(),
            local_rank: r.local_rank.map(|n| n.to_string()).unwrap_or_default(),
            justification: r.justification.clone(),
            board_resolution: r.board_resolution.clone(),
            expires_on: r.expires_on.clone().unwrap_or_default(),
            etag,
        }
    }

    fn posted(f: &crate::web::page::Fields) -> Typed {
        Typed {
            proposal: f.get("proposal").to_owned(),
            kind: f.get("kind").to_owned(),
            defer_until: f.get("defer_until").trim().to_owned(),
            local_rank: f.get("local_rank").trim().to_owned(),
            justification: f.get("justification").to_owned(),
            board_resolution: f.get("board_resolution").to_owned(),
            expires_on: f.get("expires_on").trim().to_owned(),
            etag: f.get("etag").to_owned(),
        }
    }

    /// The spec the domain gets, and the fields that did not even parse.
    fn spec(&self, t: &Texts) -> (OverrideSpec, FormErrors) {
        let mut errors = FormErrors::default();
        let local_rank = if self.local_rank.is_empty() {
            0
        } else {
            self.local_rank.parse::<u32>().unwrap_or_else(|_| {
                errors.add("local_rank", format!("{}: {}", t.local_rank, t.err_not_a_number));
                0
            })
        };
        let spec = OverrideSpec {
            proposal_id: self.proposal.clone(),
            kind: KINDS.into_iter().find(|k| k.as_str() == self.kind),
            defer_until: self.defer_until.clone(),
            local_rank,
            justification: self.justification.clone(),
            board_resolution: self.board_resolution.clone(),
            expires_on: self.expires_on.clone(),
        };
        (spec, errors)
    }
}

/// A proposal the form offers, with its shared rank if it has one.
struct Choice {
    id: String,
    title: String,
    shared_rank: Option<u32>,
}

#[derive(Template)]
#[template(path = "pages/override_form.html")]
struct FormPage {
    c: Page,
    coop: Cooperation,
    choices: Vec<Choice>,
    kinds: [OverrideKind; 4],
    typed: Typed,
    errors: FormErrors,
}

impl FormPage {
    fn chosen(&self, k: &OverrideKind) -> bool {
        self.typed.kind == k.as_str()
    }
}

/// What an override may be set on: the shared list in order, then the
/// proposals a member may adopt locally (submitted or rejected).
fn choices(list: &PriorityList, all: Vec<Proposal>) -> Vec<Choice> {
    let mut by_id: HashMap<String, Proposal> = all.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut out: Vec<Choice> = list
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            by_id.remove(id).map(|p| Choice {
                id: p.id,
                title: p.content.title,
                shared_rank: Some(i as u32 + 1),
            })
        })
        .collect();
    let mut local: Vec<Proposal> = by_id
        .into_values()
        .filter(|p| matches!(p.status, ProposalStatus::Submitted | ProposalStatus::Rejected))
        .collect();
    local.sort_by_key(|p| p.submit_seq);
    out.extend(local.into_iter().map(|p| Choice {
        id: p.id,
        title: p.content.title,
        shared_rank: None,
    }));
    out
}

async fn form_page(
    web: &Web,
    page: Page,
    coop: &str,
    typed: Typed,
    errors: FormErrors,
) -> Result<(Page, Cooperation, Vec<Choice>, Typed, FormErrors), axum::response::Response> {
    let ctx = page.ctx();
    let store = &*web.store;
    let cooperation = match cooperations::get(store, &ctx, coop).await {
        Ok(c) => c,
        Err(e) => return Err(page.fail(e)),
    };
    let list = priorities::get(store, &ctx, coop, 0).await.map(|(l, _)| l);
    let all = proposals::list(store, &ctx, coop, None, 500, "").await.map(|(p, _)| p);
    match (list, all) {
        (Ok(list), Ok(all)) => Ok((page, cooperation, choices(&list, all), typed, errors)),
        (Err(e), _) | (_, Err(e)) => Err(page.fail(e)),
    }
}

fn render_form(
    (page, coop, choices, typed, errors): (Page, Cooperation, Vec<Choice>, Typed, FormErrors),
    status: StatusCode,
) -> axum::response::Response {
    let title = page.t.override_locally;
    let html = render(&FormPage {
        c: page.titled(title),
        coop,
        choices,
        kinds: KINDS,
        typed,
        errors,
    });
    (status, html).into_response()
}

#[derive(Deserialize)]
pub struct ForProposal {
    #[serde(default)]
    proposal: String,
}

/// GET /c/{coop}/overrides/new?proposal=: the board's form to set an
/// override, or to change the one it has of that proposal.
pub async fn new_form(
    State(web): State<Web>,
    SignedIn(page, viewer): SignedIn,
    Path(coop): Path<String>,
    Query(q): Query<ForProposal>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let (members, _) = cooperations::list_members(store, &ctx, &coop, false, 500, "")
        .await
        .map_err(|e| page.fail(e))?;
    let code = viewer.principal.municipality.clone();
    if !may_act(&viewer, &code, &members) {
        let mine = members.iter().find(|m| m.code == code);
        let denied = authz::override_for(&viewer.principal, &code, mine, DecisionLevel::Delegated)
            .err()
            .unwrap_or_else(|| Error::denied("the board role is required"));
        return Err(page.fail(denied));
    }
    let mut typed = Typed {
        proposal: q.proposal.clone(),
        ..Typed::default()
    };
    if !q.proposal.is_empty() {
        let query = ListQuery {
            cooperation_id: coop.clone(),
            municipality: code,
            proposal_id: q.proposal.clone(),
            include_inactive: false,
            page_size: 1,
            page_token: String::new(),
        };
        let (current, _) = overrides::list(store, &ctx, query).await.map_err(|e| page.fail(e))?;
        if let Some(o) = current.first().filter(|o| o.state == OverrideState::Active) {
            typed = Typed::of(o, crate::domain::cooperations::etag_of(u64::from(o.record.version)));
        }
    }
    Ok(render_form(
        form_page(&web, page, &coop, typed, FormErrors::default()).await?,
        StatusCode::OK,
    ))
}

/// The form field a domain violation is about.
fn field_of(v: &FieldViolation) -> &str {
    let f = v.field.strip_prefix("spec.").unwrap_or(&v.field);
    match f {
        "proposal_id" => "proposal",
        "kind" | "defer_until" | "local_rank" | "justification" | "board_resolution" | "expires_on" => f,
        _ => "justification",
    }
}

fn label_of<'a>(t: &'a Texts, field: &str) -> &'a str {
    match field {
        "proposal" => t.proposal,
        "kind" => t.override_kind,
        "defer_until" => t.defer_until,
        "local_rank" => t.local_rank,
        "board_resolution" => t.board_resolution,
        "expires_on" => t.expires_on,
        _ => t.justification,
    }
}

/// POST /c/{coop}/overrides: sets or changes the viewer's municipality's
/// override; a refusal is shown on the form with what was typed.
pub async fn set(State(web): State<Web>, Path(coop): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let typed = Typed::posted(&fields);
    let (spec, mut errors) = typed.spec(page.t);
    if spec.proposal_id.is_empty() {
        errors.add("proposal", format!("{}: {}", page.t.proposal, page.t.err_no_proposal));
    }
    if errors.is_empty() {
        let etag = typed.etag.clone();
        match overrides::set(&*web.store, &ctx, &coop, spec, &etag).await {
            Ok(v) => return Ok(see_other(&format!("/overrides/{}", v.record.id))),
            Err(Error::Invalid(vs)) => {
                for v in &vs {
                    let field = field_of(v);
                    let label = label_of(page.t, field);
                    errors.add(field, format!("{label}: {}", page.t.field_problem(&v.description)));
                }
            }
            Err(Error::FailedPrecondition(m) | Error::Aborted(m)) => errors.add("kind", m),
            Err(e) => return Err(page.fail(e)),
        }
    }
    Err(render_form(
        form_page(&web, page, &coop, typed, errors).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
}

#[derive(Template)]
#[template(path = "pages/override.html")]
struct OverridePage {
    c: Page,
    coop: Cooperation,
    o: OverrideView,
    title: String,
    shared_rank: Option<u32>,
    history: Vec<OverrideView>,
    may_act: bool,
    errors: FormErrors,
    reconfirm_resolution: String,
    revoke_justification: String,
    revoke_resolution: String,
}

impl OverridePage {
    fn what(&self, o: &OverrideView) -> String {
        describe(&self.c, o)
    }

    fn is_active(&self) -> bool {
        self.o.state == OverrideState::Active
    }

    fn rank(&self, r: &Option<u32>) -> String {
        r.map(|n| n.to_string())
            .unwrap_or_else(|| self.c.t.not_on_list.to_owned())
    }
}

/// What the override page's forms had typed, if one was refused.
#[derive(Default)]
struct Retyped {
    errors: FormErrors,
    reconfirm_resolution: String,
    revoke_justification: String,
    revoke_resolution: String,
}

async fn override_page(web: &Web, page: Page, viewer: &Viewer, id: &str, again: Retyped) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let o = overrides::get(store, &ctx, id).await.map_err(fail)?;
    let coop = cooperations::get(store, &ctx, &o.record.cooperation_id)
        .await
        .map_err(fail)?;
    let (members, _) = cooperations::list_members(store, &ctx, &coop.id, false, 500, "")
        .await
        .map_err(fail)?;
    let p = proposals::get(store, &ctx, &o.record.proposal_id).await.map_err(fail)?;
    let (list, _) = priorities::get(store, &ctx, &coop.id, 0).await.map_err(fail)?;
    let history = overrides::history(store, &ctx, id).await.map_err(fail)?;
    let may_act = may_act(viewer, &o.record.municipality, &members);
    let status = if again.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = format!(
        "{} – {} – {}",
        page.t.local_override,
        p.content.title,
        page.municipality(&o.record.municipality)
    );
    let html = render(&OverridePage {
        c: page.titled(title),
        coop,
        shared_rank: list.rank_of(&o.record.proposal_id),
        title: p.content.title,
        o,
        history,
        may_act,
        errors: again.errors,
        reconfirm_resolution: again.reconfirm_resolution,
        revoke_justification: again.revoke_justification,
        revoke_resolution: again.revoke_resolution,
    });
    let response = (status, html).into_response();
    if status == StatusCode::OK {
        Ok(response)
    } else {
        Err(response)
    }
}

/// GET /overrides/{id}: an override, its history, and for its board the
/// forms to reconfirm and revoke it.
pub async fn detail(State(web): State<Web>, SignedIn(page, viewer): SignedIn, Path(id): Path<String>) -> Answer {
    override_page(&web, page, &viewer, &id, Retyped::default()).await
}

/// POST /overrides/{id}/reconfirm
pub async fn reconfirm(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, viewer } = posted;
    let resolution = fields.get("reconfirm_resolution").to_owned();
    match overrides::reconfirm(&*web.store, &page.ctx(), &id, &resolution).await {
        Ok(_) => Ok(see_other(&format!("/overrides/{id}"))),
        Err(Error::Invalid(vs)) => {
            let mut errors = FormErrors::default();
            for v in vs {
                errors.add(
                    "reconfirm_resolution",
                    format!("{}: {}", page.t.board_resolution, page.t.field_problem(&v.description)),
                );
            }
            let again = Retyped {
                errors,
                reconfirm_resolution: resolution,
                ..Retyped::default()
            };
            override_page(&web, page, &viewer, &id, again).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// POST /overrides/{id}/revoke
pub async fn revoke(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, viewer } = posted;
    let justification = fields.get("revoke_justification").to_owned();
    let resolution = fields.get("revoke_resolution").to_owned();
    match overrides::revoke(&*web.store, &page.ctx(), &id, &justification, &resolution).await {
        Ok(_) => Ok(see_other(&format!("/overrides/{id}"))),
        Err(Error::Invalid(vs)) => {
            let mut errors = FormErrors::default();
            for v in vs {
                let (field, label) = if v.field == "board_resolution" {
                    ("revoke_resolution", page.t.board_resolution)
                } else {
                    ("revoke_justification", page.t.justification)
                };
                errors.add(field, format!("{label}: {}", page.t.field_problem(&v.description)));
            }
            let again = Retyped {
                errors,
                revoke_justification: justification,
                revoke_resolution: resolution,
                ..Retyped::default()
            };
            override_page(&web, page, &viewer, &id, again).await
        }
        Err(e) => Err(page.fail(e)),
    }
}
