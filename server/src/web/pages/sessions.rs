//! Sessions: the chair schedules one with an agenda, opens it, members check
//! in, the chair closes it. The session page shows agenda, attendance and
//! rounds with their turnout.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};

use crate::domain::model::{Cooperation, Member, ProposalStatus, SessionState};
use crate::domain::sessions::model::Session;
use crate::domain::sessions::rounds::{self, RoundView};
use crate::domain::sessions::{self, NewSession};
use crate::domain::{Error, authz, cooperations, proposals};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, Posted, see_other};

#[derive(Template)]
#[template(path = "pages/session.html")]
struct SessionPage {
    c: Page,
    coop: Cooperation,
    s: Session,
    live: SessionLive,
    is_chair: bool,
    may_check_in: bool,
    /// The last event's sequence when the page was read: live updates follow from there.
    after_seq: i64,
}

impl SessionPage {
    fn title_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.live.titles.get(id).map(String::as_str).unwrap_or(id)
    }

    fn is_scheduled(&self) -> bool {
        self.s.state == SessionState::Scheduled
    }

    fn is_open(&self) -> bool {
        self.s.state == SessionState::Open
    }
}

/// The part of the session page that changes during the meeting: rounds
/// with their turnout, and attendance. Served alone at
/// `/sessions/{id}/live` for the page's script to swap in.
#[derive(Template)]
#[template(path = "fragments/session_live.html")]
pub struct SessionLive {
    c: Page,
    s: Session,
    titles: HashMap<String, String>,
    members: Vec<Member>,
    rounds: Vec<RoundView>,
}

impl SessionLive {
    async fn load(web: &Web, page: &Page, s: Session) -> Result<SessionLive, Error> {
        let ctx = page.ctx();
        let store = &*web.store;
        let (members, _) = cooperations::list_members(store, &ctx, &s.cooperation_id, false, 500, "").await?;
        let (rounds, _) = rounds::list(store, &ctx, &s.id, 100, "").await?;
        let titles = proposals::of_ids(store, &ctx, &s.cooperation_id, &s.agenda)
            .await?
            .into_iter()
            .map(|p| (p.id, p.content.title))
            .collect();
        Ok(SessionLive {
            c: page.clone(),
            s,
            titles,
            members,
            rounds,
        })
    }

    fn round_title(&self, r: &RoundView) -> String {
        super::rounds::round_title(self.c.t, &r.round.title, r.round.method)
    }

    fn present(&self) -> i64 {
        self.s.attendance.len() as i64
    }

    fn member_count(&self) -> i64 {
        self.members.len() as i64
    }

    fn checked_in(&self, code: &str) -> bool {
        self.s.has_checked_in(code)
    }

    fn check_in_time(&self, code: &str) -> i64 {
        self.s
            .attendance
            .iter()
            .find(|a| a.municipality == code)
            .map(|a| a.check_in_time)
            .unwrap_or_default()
    }

    fn voted(&self, r: &RoundView) -> i64 {
        r.voted.len() as i64
    }

    fn eligible(&self, r: &RoundView) -> i64 {
        r.round.weights.len() as i64
    }

    /// What a screen reader hears when the live part changes: attendance,
    /// and the turnout of the newest open round.
    fn announce(&self) -> String {
        let t = self.c.t;
        let mut text = format!(
            "{} {} {} {}.",
            self.c.num(&self.present()),
            t.of,
            self.c.num(&self.member_count()),
            t.present
        );
        if let Some(r) = self.rounds.iter().rev().find(|r| r.round.is_open()) {
            text.push_str(&format!(
                " {}: {} {} {} {}.",
                self.round_title(r),
                self.c.num(&self.voted(r)),
                t.of,
                self.c.num(&self.eligible(r)),
                t.members_voted
            ));
        }
        text
    }
}

/// GET /sessions/{id}
pub async fn show(State(web): State<Web>, SignedIn(page, viewer): SignedIn, Path(id): Path<String>) -> Answer {
    let after_seq = *web.store.subscribe().borrow();
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let s = sessions::get(store, &ctx, &id).await.map_err(fail)?;
    let coop = cooperations::get(store, &ctx, &s.cooperation_id).await.map_err(fail)?;
    let live = SessionLive::load(&web, &page, s.clone()).await.map_err(fail)?;
    let mine = live.members.iter().find(|m| m.code == viewer.principal.municipality);
    let is_chair = authz::chair(&viewer.principal, &s.cooperation_id).is_ok();
    let may_check_in = s.state != SessionState::Closed
        && !s.has_checked_in(&viewer.principal.municipality)
        && authz::check_in(&viewer.principal, &s.cooperation_id, mine).is_ok();
    let title = s.title.clone();
    Ok(crate::web::page::render(&SessionPage {
        c: page.titled(title),
        coop,
        s,
        live,
        is_chair,
        may_check_in,
        after_seq,
    }))
}

/// GET /sessions/{id}/live: the live part of the session page alone.
pub async fn live(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(id): Path<String>) -> Answer {
    let s = sessions::get(&*web.store, &page.ctx(), &id)
        .await
        .map_err(|e| page.fail(e))?;
    let live = SessionLive::load(&web, &page, s).await.map_err(|e| page.fail(e))?;
    Ok(crate::web::page::render(&live))
}

#[derive(Template)]
#[template(path = "pages/session_new.html")]
struct NewSessionPage {
    c: Page,
    coop: Cooperation,
    submitted: Vec<crate::domain::model::Proposal>,
    errors: crate::web::page::FormErrors,
    title: String,
}

/// GET /c/{coop}/sessions/new: the chair schedules a session.
pub async fn new_form(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(|e| page.fail(e))?;
    let (submitted, _) = proposals::list(store, &ctx, &coop, Some(ProposalStatus::Submitted), 500, "")
        .await
        .map_err(|e| page.fail(e))?;
    let t = page.t.new_session;
    Ok(crate::web::page::render(&NewSessionPage {
        c: page.titled(t),
        coop: cooperation,
        submitted,
        errors: Default::default(),
        title: String::new(),
    }))
}

/// POST /c/{coop}/sessions
pub async fn create(State(web): State<Web>, Path(coop): Path<String>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let store = &*web.store;
    let req = NewSession {
        cooperation_id: coop.clone(),
        title: fields.get("title").trim().to_owned(),
        scheduled_time: None,
        agenda: fields.all("agenda").into_iter().map(str::to_owned).collect(),
        kind: Default::default(),
    };
    match sessions::create(store, &ctx, req).await {
        Ok(s) => Ok(see_other(&format!("/sessions/{}", s.id))),
        Err(Error::Invalid(vs)) => {
            let mut errors = crate::web::page::FormErrors::default();
            for v in vs {
                let field = if v.field.starts_with("agenda") {
                    "agenda"
                } else {
                    "title"
                };
                let label = if field == "agenda" { page.t.agenda } else { page.t.title };
                errors.add(field, format!("{label}: {}", page.t.field_problem(&v.description)));
            }
            let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(|e| page.fail(e))?;
            let (submitted, _) = proposals::list(store, &ctx, &coop, Some(ProposalStatus::Submitted), 500, "")
                .await
                .map_err(|e| page.fail(e))?;
            let t = page.t.new_session;
            let title = fields.get("title").to_owned();
            Err(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                crate::web::page::render(&NewSessionPage {
                    c: page.titled(t),
                    coop: cooperation,
                    submitted,
                    errors,
                    title,
                }),
            )))
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// POST /sessions/{id}/open
pub async fn open(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let ctx = posted.page.ctx();
    sessions::open(&*web.store, &ctx, &id)
        .await
        .map_err(|e| posted.page.fail(e))?;
    Ok(see_other(&format!("/sessions/{id}")))
}

/// POST /sessions/{id}/check-in
pub async fn check_in(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let ctx = posted.page.ctx();
    sessions::check_in(&*web.store, &ctx, &id)
        .await
        .map_err(|e| posted.page.fail(e))?;
    Ok(see_other(&format!("/sessions/{id}")))
}

/// POST /sessions/{id}/close
pub async fn close(State(web): State<Web>, Path(id): Path<String>, posted: Posted) -> Answer {
    let ctx = posted.page.ctx();
    sessions::close(&*web.store, &ctx, &id, web.stale_after_days)
        .await
        .map_err(|e| posted.page.fail(e))?;
    Ok(see_other(&format!("/sessions/{id}")))
}
