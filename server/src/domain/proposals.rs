//! Proposals: drafts edited by their sponsor, submitted (content frozen),
//! withdrawn before a decision. Sessions decide the rest.

use super::authz;
use super::cooperations::readable;
use super::error::{Error, Result, Violations};
use super::etag::check_etag;
use super::model::portfolio::SystemRef;
use super::model::{NewEvent, Proposal, ProposalContent, ProposalStatus};
use super::page;
use super::read_model::Views;
use super::validate as v;
use super::write::{Ctx, Write};
use crate::begin_write;
use crate::kept_or_begin;
use crate::store::{Store, StoreTx};

/// A shared procurement may link one system of each of 98 members, and more.
pub const MAX_LINKED_SYSTEMS: usize = 500;

pub fn validate_content(c: &ProposalContent) -> Result<()> {
    let mut vs = Violations::default();
    vs.check("content.title", v::required_text(&c.title, 200));
    vs.check("content.summary", v::max_len(&c.summary, 10_000));
    vs.check(
        "content.one_time_cost_dkk",
        v::bounded(c.one_time_cost_dkk, v::MAX_COST_DKK),
    );
    vs.check(
        "content.yearly_cost_dkk",
        v::bounded(c.yearly_cost_dkk, v::MAX_COST_DKK),
    );
    if c.linked_systems.len() > MAX_LINKED_SYSTEMS {
        vs.add(
            "content.linked_systems",
            format!("at most {MAX_LINKED_SYSTEMS} systems may be linked"),
        );
    }
    for (i, s) in c.linked_systems.iter().enumerate() {
        vs.check(&format!("content.linked_systems[{i}]"), v::required_text(s, 200));
    }
    vs.finish()
}

fn event(action: &'static str, p: &Proposal, payload: impl serde::Serialize) -> Result<NewEvent> {
    Ok(NewEvent::new(
        action,
        format!("proposals/{}", p.id),
        p.cooperation_id.clone(),
        &payload,
    )?)
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id))]
pub async fn create(store: &dyn Store, ctx: &Ctx, cooperation_id: &str, content: ProposalContent) -> Result<Proposal> {
    if cooperation_id.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    validate_content(&content)?;
    let mut w = begin_write!(store, ctx, "CreateProposal");
    let p = insert_draft(&mut w, ctx, cooperation_id, content).await?;
    w.finish(p).await
}

/// Drafts a proposal of the caller's municipality in the write `w`, with
/// its links to portfolio systems.
pub(crate) async fn insert_draft(
    w: &mut Write<'_>,
    ctx: &Ctx,
    cooperation_id: &str,
    content: ProposalContent,
) -> Result<Proposal> {
    if w.tx.get_cooperation(cooperation_id).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation_id));
    }
    let me = w.tx.get_member(cooperation_id, &ctx.principal.municipality).await?;
    authz::draft_proposal(&ctx.principal, cooperation_id, me.as_ref())?;
    let p = Proposal {
        id: uuid::Uuid::now_v7().to_string(),
        cooperation_id: cooperation_id.to_string(),
        content: trimmed(content),
        sponsor: ctx.principal.municipality.clone(),
        status: ProposalStatus::Draft,
        created_by: ctx.principal.sub.clone(),
        create_time: ctx.now,
        update_time: ctx.now,
        submit_time: None,
        submit_seq: None,
        decide_time: None,
        version: 1,
    };
    let seq = w.event(event("proposal.created", &p, &p)?).await?;
    w.tx.insert_proposal(&p, seq).await?;
    link_systems(w, &p).await?;
    Ok(p)
}

/// Records which portfolio systems the proposal links: the entries of
/// `linked_systems` written `CODE:ID` (free text stays free text). Each
/// must name a system of a member of the cooperation.
async fn link_systems(w: &mut Write<'_>, p: &Proposal) -> Result<()> {
    let mut refs = Vec::new();
    let mut vs = Violations::default();
    for (i, entry) in p.content.linked_systems.iter().enumerate() {
        let Some(r) = SystemRef::parse(entry) else { continue };
        let field = format!("content.linked_systems[{i}]");
        if w.tx.get_member(&p.cooperation_id, &r.municipality).await?.is_none() {
            vs.add(field, format!("{} is not a member of this cooperation", r.municipality));
        } else if w.tx.get_system(&r.municipality, &r.system_id).await?.is_none() {
            vs.add(
                field,
                format!("{}'s portfolio has no system {}", r.municipality, r.system_id),
            );
        } else {
            refs.push(r);
        }
    }
    vs.finish()?;
    refs.sort();
    refs.dedup();
    w.tx.set_proposal_systems(&p.id, &refs).await?;
    Ok(())
}

fn trimmed(mut c: ProposalContent) -> ProposalContent {
    c.title = c.title.trim().to_string();
    c.linked_systems = c.linked_systems.iter().map(|s| s.trim().to_string()).collect();
    c
}

async fn load_for_edit(w: &mut super::write::Write<'_>, ctx: &Ctx, id: &str) -> Result<Proposal> {
    v::id(id).map_err(|d| Error::invalid("id", d))?;
    let p =
        w.tx.get_proposal(id)
            .await?
            .ok_or_else(|| Error::not_found("proposal", id))?;
    authz::edit_proposal(&ctx.principal, &p)?;
    Ok(p)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(store: &dyn Store, ctx: &Ctx, id: &str, content: ProposalContent, etag: &str) -> Result<Proposal> {
    validate_content(&content)?;
    let mut w = begin_write!(store, ctx, "UpdateProposal");
    let mut p = load_for_edit(&mut w, ctx, id).await?;
    if p.status != ProposalStatus::Draft {
        return Err(Error::precondition(format!(
            "proposal {id} is {}; only drafts can be edited",
            p.status
        )));
    }
    check_etag(etag, p.version)?;
    p.content = trimmed(content);
    p.version += 1;
    p.update_time = ctx.now;
    w.event(event("proposal.updated", &p, &p.content)?).await?;
    w.tx.update_proposal(&p).await?;
    link_systems(&mut w, &p).await?;
    w.finish(p).await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn submit(store: &dyn Store, ctx: &Ctx, id: &str, etag: &str) -> Result<Proposal> {
    let mut w = begin_write!(store, ctx, "SubmitProposal");
    let mut p = load_for_edit(&mut w, ctx, id).await?;
    if p.status != ProposalStatus::Draft {
        return Err(Error::precondition(format!(
            "proposal {id} is {}; only drafts can be submitted",
            p.status
        )));
    }
    check_etag(etag, p.version)?;
    let seq = w
        .event(event(
            "proposal.submitted",
            &p,
            serde_json::json!({ "version": p.version + 1 }),
        )?)
        .await?;
    p.status = ProposalStatus::Submitted;
    p.submit_time = Some(ctx.now);
    p.submit_seq = Some(seq);
    p.update_time = ctx.now;
    p.version += 1;
    w.tx.update_proposal(&p).await?;
    w.finish(p).await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn withdraw(store: &dyn Store, ctx: &Ctx, id: &str, reason: &str) -> Result<Proposal> {
    v::max_len(reason, 2000).map_err(|d| Error::invalid("reason", d))?;
    let mut w = begin_write!(store, ctx, "WithdrawProposal");
    let mut p = load_for_edit(&mut w, ctx, id).await?;
    if !matches!(p.status, ProposalStatus::Draft | ProposalStatus::Submitted) {
        return Err(Error::precondition(format!(
            "proposal {id} is {}; it can no longer be withdrawn",
            p.status
        )));
    }
    if let Some(round) =
        super::sessions::rounds::open_round_with_candidate(&mut *w.tx, &p.cooperation_id, &p.id).await?
    {
        return Err(Error::precondition(format!(
            "proposal {id} is a candidate in open round {round}; it can be withdrawn once that round is closed or cancelled"
        )));
    }
    p.status = ProposalStatus::Withdrawn;
    p.update_time = ctx.now;
    p.version += 1;
    w.event(event(
        "proposal.withdrawn",
        &p,
        serde_json::json!({ "reason": reason }),
    )?)
    .await?;
    w.tx.update_proposal(&p).await?;
    w.finish(p).await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Proposal> {
    v::id(id).map_err(|d| Error::invalid("id", d))?;
    let mut tx = store.begin_read().await?;
    let p = tx
        .get_proposal(id)
        .await?
        .ok_or_else(|| Error::not_found("proposal", id))?;
    readable(&mut *tx, ctx, &p.cooperation_id).await?;
    Ok(p)
}

/// Some proposals of a cooperation, by id, in one read: for pages that
/// name an agenda's or a round's proposals. Ids that are not the
/// cooperation's are left out.
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, n = ids.len()))]
pub async fn of_ids(store: &dyn Store, ctx: &Ctx, cooperation_id: &str, ids: &[String]) -> Result<Vec<Proposal>> {
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(tx.get_proposals(cooperation_id, &ids).await?)
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, status = ?status))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    status: Option<ProposalStatus>,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Proposal>, String)> {
    let after = page::seq_position("proposals", page_token)?;
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    page_of(&mut *tx, cooperation_id, status, after, limit).await
}

async fn page_of(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    status: Option<ProposalStatus>,
    after: i64,
    limit: i64,
) -> Result<(Vec<Proposal>, String)> {
    let rows = tx.list_proposals(cooperation_id, status, after, limit).await?;
    let next = page::next("proposals", rows.len(), limit, rows.last().map(|(s, _)| s.to_string()));
    Ok((rows.into_iter().map(|(_, p)| p).collect(), next))
}

/// [`list`] made into what is sent (`build`), kept in `pages` while the
/// cooperation's log has not moved (every change to a proposal is an event
/// in it; see `read_model::lookup`).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, status = ?status))]
pub async fn list_view<T>(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    status: Option<ProposalStatus>,
    (page_size, page_token): (u32, &str),
    pages: &Views<T>,
    build: impl FnOnce(Vec<Proposal>, String) -> T,
) -> Result<std::sync::Arc<T>> {
    let after = page::seq_position("proposals", page_token)?;
    let limit = page::size(page_size);
    let (after_key, limit_key) = (after.to_string(), limit.to_string());
    let key = [
        cooperation_id,
        status.map_or("", ProposalStatus::as_str),
        after_key.as_str(),
        limit_key.as_str(),
    ];
    let (mut tx, head) = kept_or_begin!(store, ctx, pages, &key);
    let (proposals, next) = page_of(&mut *tx, cooperation_id, status, after, limit).await?;
    Ok(pages.keep(&key, head, build(proposals, next)))
}
