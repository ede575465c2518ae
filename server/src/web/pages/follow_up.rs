//! Follow-up (DESIGN.md §13): the follow-up report of a cooperation, and the
//! form with which a member's digital lead (or board) reports where it
//! stands. The rules and the arithmetic are the domain's; this page shows
//! them and posts the form.

use askama::Template;
use axum::extract::{Path, State};

use crate::auth::Role;
use crate::domain::follow_up::{
    self, FollowUpReport, ImplementationSpec, ImplementationView, Participation, RecordKey,
};
use crate::domain::model::{Cooperation, ImplementationStatus, Milestone};
use crate::domain::{Error, cooperations};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, Posted, render, see_other};

const STATUSES: [ImplementationStatus; 5] = [
    ImplementationStatus::NotStarted,
    ImplementationStatus::InProgress,
    ImplementationStatus::Done,
    ImplementationStatus::Blocked,
    ImplementationStatus::Cancelled,
];

#[derive(Template)]
#[template(path = "pages/follow_up.html")]
struct FollowUpPage {
    c: Page,
    coop: Cooperation,
    r: FollowUpReport,
    /// The viewer's municipality, when it may report (digital lead or board).
    reporter: Option<String>,
    statuses: [ImplementationStatus; 5],
}

impl FollowUpPage {
    /// The viewer's own record of a priority, if it may report on it.
    fn own<'a>(&self, members: &'a [ImplementationView]) -> Option<&'a ImplementationView> {
        let me = self.reporter.as_deref()?;
        members.iter().find(|m| m.record.municipality == me)
    }

    fn status_name(&self, s: &ImplementationStatus) -> &'static str {
        self.c.t.implementation_status(*s)
    }

    fn deferred(&self, m: &ImplementationView) -> bool {
        m.participation == Participation::Deferred
    }

    fn starts_on(&self, m: &ImplementationView) -> String {
        m.starts_on.clone().unwrap_or_default()
    }

    fn last_update(&self, m: &ImplementationView) -> String {
        if m.record.version == 0 {
            self.c.t.never.to_string()
        } else {
            self.c.time(&m.record.update_time)
        }
    }

    fn silent_days(&self, m: &ImplementationView) -> i64 {
        i64::from(m.days_since_update.unwrap_or_default())
    }

    fn milestone_text(&self, ms: &Milestone, as_of: &str) -> String {
        let state = match &ms.done_on {
            Some(d) => format!("✓ {}", self.c.date(d)),
            None if ms.is_overdue(as_of) => format!("{}!", self.c.t.overdue),
            None => String::new(),
        };
        format!("{} ({} {}) {state}", ms.title, self.c.t.due_on, self.c.date(&ms.due_on))
    }

    fn overdue_text(&self, ms: &Option<Milestone>, days: &Option<u32>) -> String {
        match ms {
            Some(m) => format!("{} ({} {})", m.title, self.c.t.due_on, self.c.date(&m.due_on)),
            None => format!("{} {} d.", self.c.t.silent, days.unwrap_or_default()),
        }
    }
}

/// GET /c/{coop}/follow-up
pub async fn show(State(web): State<Web>, SignedIn(page, viewer): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let r = follow_up::report(store, &ctx, &coop, "", "", web.stale_after_days)
        .await
        .map_err(fail)?;
    let p = &viewer.principal;
    let reporter = (p.has_role(&Role::DigitalLead) || p.has_role(&Role::Board)).then(|| p.municipality.clone());
    let title = page.t.follow_up;
    Ok(render(&FollowUpPage {
        c: page.titled(title),
        coop: cooperation,
        r,
        reporter,
        statuses: STATUSES,
    }))
}

/// POST /c/{coop}/follow-up/{proposal}: the viewer's municipality reports.
/// Milestones are kept; a new one is added when its title is given.
pub async fn update(State(web): State<Web>, Path((coop, proposal)): Path<(String, String)>, posted: Posted) -> Answer {
    let Posted { page, fields, .. } = posted;
    let ctx = page.ctx();
    let store = &*web.store;
    let current = follow_up::get(store, &ctx, &coop, &proposal, "", web.stale_after_days)
        .await
        .map_err(|e| page.fail(e))?;
    let status = STATUSES.into_iter().find(|s| s.as_str() == fields.get("status"));
    let progress = fields.get("progress").trim();
    let progress_percent = progress.parse::<u32>().map_err(|_| {
        page.fail(Error::invalid(
            "progress_percent",
            "must be a whole number from 0 to 100",
        ))
    })?;
    let mut milestones = current.record.milestones;
    let title = fields.get("milestone_title").trim();
    if !title.is_empty() {
        milestones.push(Milestone {
            title: title.to_owned(),
            due_on: fields.get("milestone_due").trim().to_owned(),
            done_on: None,
        });
    }
    let spec = ImplementationSpec {
        status,
        progress_percent,
        milestones,
        notes: fields.get("notes").to_owned(),
    };
    let key = RecordKey {
        cooperation_id: coop.clone(),
        proposal_id: proposal,
        municipality: String::new(),
    };
    follow_up::update(store, &ctx, &key, spec, fields.get("etag"), web.stale_after_days)
        .await
        .map_err(|e| page.fail(e))?;
    Ok(see_other(&format!("/c/{coop}/follow-up")))
}
