//! Accountability (DESIGN.md §6): the cooperation-wide view of who opts
//! out of, defers or re-ranks each shared priority, and a member's report
//! of its named votes, its overrides and where they diverge.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};

use crate::domain::model::{BallotContent, Cooperation, Member};
use crate::domain::overrides::{self, AccountabilityReport, CooperationOverview, NamedVote, OverrideView};
use crate::domain::{cooperations, proposals};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, render};

#[derive(Template)]
#[template(path = "pages/accountability.html")]
struct MatrixPage {
    c: Page,
    coop: Cooperation,
    members: Vec<Member>,
    overview: Arc<CooperationOverview>,
}

impl MatrixPage {
    /// Municipalities by name, in the order given.
    fn names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.c.municipality(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// GET /c/{coop}/accountability
pub async fn matrix(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let (members, _) = cooperations::list_members(store, &ctx, &coop, false, 500, "")
        .await
        .map_err(fail)?;
    let overview = overrides::overview(store, &ctx, &coop, &web.overviews)
        .await
        .map_err(fail)?;
    let title = format!("{} – {}", page.t.accountability, cooperation.name);
    Ok(render(&MatrixPage {
        c: page.titled(title),
        coop: cooperation,
        members,
        overview,
    }))
}

#[derive(Template)]
#[template(path = "pages/member_report.html")]
struct ReportPage {
    c: Page,
    coop: Cooperation,
    member: Member,
    report: AccountabilityReport,
    titles: HashMap<String, String>,
}

impl ReportPage {
    fn title_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.titles.get(id).map(String::as_str).unwrap_or(id)
    }

    /// A ballot in words, candidates by title: "A: Ja; B: Nej", "1. A, 2. B".
    fn ballot(&self, v: &NamedVote) -> String {
        let t = self.c.t;
        match &v.ballot.content {
            BallotContent::YesNo(choices) => choices
                .iter()
                .map(|ch| format!("{}: {}", self.title_of(&ch.candidate_id), t.choice(ch.choice)))
                .collect::<Vec<_>>()
                .join("; "),
            BallotContent::Approval(ids) => ids
                .iter()
                .map(|id| self.title_of(id).to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            BallotContent::Score(scores) => scores
                .iter()
                .map(|s| format!("{}: {}", self.title_of(&s.candidate_id), s.score))
                .collect::<Vec<_>>()
                .join("; "),
            BallotContent::Ranking(ids) => ids
                .iter()
                .enumerate()
                .map(|(i, id)| format!("{}. {}", i + 1, self.title_of(id)))
                .collect::<Vec<_>>()
                .join(", "),
            BallotContent::Tiers(tiers) => tiers
                .iter()
                .map(|tier| {
                    tier.iter()
                        .map(|id| self.title_of(id).to_owned())
                        .collect::<Vec<_>>()
                        .join(" = ")
                })
                .collect::<Vec<_>>()
                .join(" > "),
        }
    }

    fn what(&self, o: &OverrideView) -> String {
        super::board::describe(&self.c, o)
    }

    fn round_title<'a>(&'a self, round_id: &'a str) -> &'a str {
        self.report
            .votes
            .iter()
            .find(|v| v.round.id == round_id)
            .map(|v| v.round.title.as_str())
            .unwrap_or(round_id)
    }
}

/// GET /c/{coop}/accountability/{code}
pub async fn member_report(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path((coop, code)): Path<(String, String)>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let report = overrides::accountability(store, &ctx, &coop, &code)
        .await
        .map_err(fail)?;
    let member = cooperations::get_member(store, &ctx, &coop, &code)
        .await
        .map_err(fail)?;
    let (all, _) = proposals::list(store, &ctx, &coop, None, 500, "").await.map_err(fail)?;
    let titles = all.into_iter().map(|p| (p.id, p.content.title)).collect();
    let title = format!("{} – {}", page.t.member_report, member.name);
    Ok(render(&ReportPage {
        c: page.titled(title),
        coop: cooperation,
        member,
        report,
        titles,
    }))
}
