//! The start page (the viewer's cooperations) and a cooperation's home:
//! members, sessions, and the shared list at its latest revision.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};

use crate::domain::model::{Cooperation, Member, PriorityList, Proposal};
use crate::domain::sessions::model::Session;
use crate::domain::{authz, cooperations, priorities, sessions};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, render};

#[derive(Template)]
#[template(path = "pages/cooperations.html")]
struct Index {
    c: Page,
    cooperations: Vec<Cooperation>,
}

/// GET /: the cooperations the viewer may read.
pub async fn index(State(web): State<Web>, SignedIn(page, _): SignedIn) -> Answer {
    let ctx = page.ctx();
    let (cooperations, _) = cooperations::list(&*web.store, &ctx, 500, "")
        .await
        .map_err(|e| page.fail(e))?;
    let title = page.t.cooperations;
    Ok(render(&Index {
        c: page.titled(title),
        cooperations,
    }))
}

#[derive(Template)]
#[template(path = "pages/cooperation.html")]
struct Home {
    c: Page,
    coop: Cooperation,
    members: Vec<Member>,
    sessions: Vec<Session>,
    list: PriorityList,
    adopted: HashMap<String, Proposal>,
    may_draft: bool,
    is_chair: bool,
}

impl Home {
    fn member_count(&self) -> i64 {
        self.members.len() as i64
    }

    fn title_of<'a>(&'a self, proposal_id: &'a str) -> &'a str {
        self.adopted
            .get(proposal_id)
            .map(|p| p.content.title.as_str())
            .unwrap_or(proposal_id)
    }

    fn sponsor_of(&self, proposal_id: &str) -> String {
        self.adopted
            .get(proposal_id)
            .map(|p| self.c.municipality(&p.sponsor))
            .unwrap_or_default()
    }
}

/// GET /c/{coop}
pub async fn home(State(web): State<Web>, SignedIn(page, viewer): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let (members, _) = cooperations::list_members(store, &ctx, &coop, false, 500, "")
        .await
        .map_err(fail)?;
    let (mut sessions, _) = sessions::list(store, &ctx, &coop, 100, "").await.map_err(fail)?;
    sessions.sort_by_key(|s| std::cmp::Reverse(s.scheduled_time));
    let (list, adopted) = priorities::get(store, &ctx, &coop, 0).await.map_err(fail)?;
    let mine = members.iter().find(|m| m.code == viewer.principal.municipality);
    let may_draft = authz::draft_proposal(&viewer.principal, &coop, mine).is_ok();
    let is_chair = authz::chair(&viewer.principal, &coop).is_ok();
    let title = cooperation.name.clone();
    Ok(render(&Home {
        is_chair,
        c: page.titled(title),
        coop: cooperation,
        members,
        sessions,
        list,
        adopted,
        may_draft,
    }))
}
