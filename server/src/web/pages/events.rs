//! The record (DESIGN.md §7): a cooperation's event log a page at a time,
//! with the same redaction as `ListEvents`, and the verification of the
//! whole hash chain in plain words.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::domain::model::{Cooperation, Event};
use crate::domain::{cooperations, events};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, render};

/// Events on one page of the log.
const PAGE_SIZE: u32 = 50;

/// An event as the log page shows it.
struct Row {
    e: Event,
    redacted: bool,
}

#[derive(Template)]
#[template(path = "pages/events.html")]
struct LogPage {
    c: Page,
    coop: Cooperation,
    rows: Vec<Row>,
    /// The sequence number the next page starts after, if there is one.
    next: Option<i64>,
    first_page: bool,
}

impl LogPage {
    /// Where the console shows the record an event is about, if it does.
    fn link(&self, subject: &str) -> Option<String> {
        let (kind, rest) = subject.split_once('/')?;
        let id = rest.split('/').next().unwrap_or(rest);
        match kind {
            "proposals" => Some(format!("/proposals/{id}")),
            "sessions" => Some(format!("/sessions/{id}")),
            "overrides" => Some(format!("/overrides/{id}")),
            _ => None,
        }
    }

    fn short(&self, hash: &str) -> String {
        hash.chars().take(16).collect()
    }
}

#[derive(Deserialize)]
pub struct After {
    #[serde(default)]
    after: u64,
}

/// GET /c/{coop}/events?after=
pub async fn log(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path(coop): Path<String>,
    Query(q): Query<After>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let after = q.after.min(i64::MAX as u64);
    let (listed, next) = events::list(store, &ctx, &coop, after, PAGE_SIZE, "")
        .await
        .map_err(fail)?;
    let last = listed.last().map(|e| e.seq);
    let rows = events::redact(store, listed)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(e, redacted)| Row { e, redacted })
        .collect();
    let title = format!("{} – {}", page.t.event_log, cooperation.name);
    Ok(render(&LogPage {
        c: page.titled(title),
        coop: cooperation,
        rows,
        next: if next.is_empty() { None } else { last },
        first_page: after == 0,
    }))
}

#[derive(Template)]
#[template(path = "pages/verify.html")]
struct VerifyPage {
    c: Page,
    coop: Cooperation,
    report: events::ChainReport,
}

impl VerifyPage {
    fn checked(&self) -> i64 {
        i64::try_from(self.report.checked).unwrap_or(i64::MAX)
    }
}

/// GET /c/{coop}/events/verify: recomputes the whole chain (`VerifyChain`).
pub async fn verify(State(web): State<Web>, SignedIn(page, _): SignedIn, Path(coop): Path<String>) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(|e| page.fail(e))?;
    let report = events::verify_chain(store).await.map_err(|e| page.fail(e))?;
    let title = format!("{} – {}", page.t.verify_chain, cooperation.name);
    Ok(render(&VerifyPage {
        c: page.titled(title),
        coop: cooperation,
        report,
    }))
}
