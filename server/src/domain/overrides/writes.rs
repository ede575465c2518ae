//! Setting, changing, reconfirming and revoking an override: each a write
//! that adds a version to the override's history and an event to the log.

use super::{
    JUSTIFICATION_MAX, JUSTIFICATION_MIN, OverrideSpec, OverrideView, RESOLUTION_MAX, RESOLUTION_MIN, effective,
    non_empty, validate_spec,
};
use crate::begin_write;
use crate::domain::authz;
use crate::domain::error::{Error, Result, Violations};
use crate::domain::etag::check_etag;
use crate::domain::model::{Change, NewEvent, Override, OverrideKind, OverrideState, Proposal, ProposalStatus};
use crate::domain::priorities;
use crate::domain::validate as v;
use crate::domain::write::{Ctx, Write, today};
use crate::store::{Store, StoreTx};

fn event(o: &Override) -> Result<NewEvent> {
    Ok(NewEvent::new(
        o.change.action(),
        format!("overrides/{}", o.id),
        o.cooperation_id.clone(),
        o,
    )?)
}

async fn proposal_of(tx: &mut dyn StoreTx, cooperation_id: &str, id: &str) -> Result<Proposal> {
    tx.get_proposal(id)
        .await?
        .filter(|p| p.cooperation_id == cooperation_id)
        .ok_or_else(|| Error::not_found("proposal", id))
}

/// Loads an override for a change by its member's board.
async fn load_for_change(w: &mut Write<'_>, ctx: &Ctx, id: &str) -> Result<(Override, Proposal)> {
    v::id(id).map_err(|d| Error::invalid("id", d))?;
    let o =
        w.tx.get_override(id)
            .await?
            .ok_or_else(|| Error::not_found("override", id))?;
    let me = w.tx.get_member(&o.cooperation_id, &ctx.principal.municipality).await?;
    let p = proposal_of(&mut *w.tx, &o.cooperation_id, &o.proposal_id).await?;
    authz::override_for(&ctx.principal, &o.municipality, me.as_ref(), p.decision_level())?;
    Ok((o, p))
}

/// Sets the caller's municipality's override of a proposal, or changes the
/// one it has (a new version; `etag`, when given, must name the current one).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id))]
pub async fn set(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    spec: OverrideSpec,
    etag: &str,
) -> Result<OverrideView> {
    let today = today(ctx.now);
    if cooperation_id.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    validate_spec(&spec, &today)?;
    let kind = spec.kind.ok_or_else(|| Error::invalid("spec.kind", "is required"))?;
    let municipality = ctx.principal.municipality.clone();

    let mut w = begin_write!(store, ctx, "SetOverride");
    if w.tx.get_cooperation(cooperation_id).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation_id));
    }
    let me = w.tx.get_member(cooperation_id, &municipality).await?;
    let proposal = proposal_of(&mut *w.tx, cooperation_id, &spec.proposal_id).await?;
    authz::override_for(&ctx.principal, &municipality, me.as_ref(), proposal.decision_level())?;

    let list = priorities::list_at(&mut *w.tx, cooperation_id, None).await?;
    let rank = list.rank_of(&proposal.id);
    match (kind, rank) {
        (OverrideKind::AdoptLocal, Some(r)) => {
            return Err(Error::precondition(format!(
                "proposal {} is on the shared list (rank {r}); ADOPT_LOCAL is for proposals the cooperation did not adopt",
                proposal.id
            )));
        }
        (OverrideKind::AdoptLocal, None)
            if !matches!(proposal.status, ProposalStatus::Submitted | ProposalStatus::Rejected) =>
        {
            return Err(Error::precondition(format!(
                "proposal {} is {}; only submitted or rejected proposals can be adopted locally",
                proposal.id, proposal.status
            )));
        }
        (OverrideKind::AdoptLocal, None) => {}
        (_, None) => {
            return Err(Error::precondition(format!(
                "proposal {} is not on the shared list (revision {}); {kind} applies to shared priorities only",
                proposal.id, list.revision
            )));
        }
        (_, Some(_)) => {}
    }

    let existing =
        w.tx.get_unrevoked_override(cooperation_id, &municipality, &proposal.id)
            .await?;
    let (id, version, change) = match &existing {
        Some(old) => {
            check_etag(etag, old.version as u64)?;
            (old.id.clone(), old.version + 1, Change::Changed)
        }
        None if !etag.is_empty() => {
            return Err(Error::Aborted(format!(
                "municipality {municipality} has no override of proposal {} to change; it was revoked or never set",
                proposal.id
            )));
        }
        None => (uuid::Uuid::now_v7().to_string(), 1, Change::Set),
    };
    let o = Override {
        id,
        cooperation_id: cooperation_id.to_string(),
        municipality,
        proposal_id: proposal.id.clone(),
        kind,
        defer_until: non_empty(&spec.defer_until),
        local_rank: (spec.local_rank > 0).then_some(spec.local_rank),
        justification: spec.justification.trim().to_string(),
        board_resolution: spec.board_resolution.trim().to_string(),
        set_by: ctx.actor(),
        set_time: ctx.now,
        expires_on: non_empty(&spec.expires_on),
        list_revision: list.revision,
        shared_rank_at_set: rank,
        revoked: false,
        version,
        change,
    };
    let seq = w.event(event(&o)?).await?;
    if existing.is_some() {
        w.tx.update_override(&o).await?;
    } else {
        w.tx.insert_override(&o, seq).await?;
    }
    let view = OverrideView::of(o, &list, &today);
    w.finish(view).await
}

/// Revokes an override; the revocation carries its own justification and
/// board resolution.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn revoke(
    store: &dyn Store,
    ctx: &Ctx,
    id: &str,
    justification: &str,
    board_resolution: &str,
) -> Result<OverrideView> {
    let mut vs = Violations::default();
    vs.check("id", v::id(id));
    vs.check(
        "justification",
        v::meaningful_text(justification, JUSTIFICATION_MIN, JUSTIFICATION_MAX),
    );
    vs.check(
        "board_resolution",
        v::meaningful_text(board_resolution, RESOLUTION_MIN, RESOLUTION_MAX),
    );
    vs.finish()?;
    let today = today(ctx.now);
    let mut w = begin_write!(store, ctx, "RevokeOverride");
    let (mut o, _) = load_for_change(&mut w, ctx, id).await?;
    if o.revoked {
        return Err(Error::precondition(format!("override {id} is already revoked")));
    }
    let list = priorities::list_at(&mut *w.tx, &o.cooperation_id, None).await?;
    o.revoked = true;
    o.justification = justification.trim().to_string();
    o.board_resolution = board_resolution.trim().to_string();
    o.set_by = ctx.actor();
    o.set_time = ctx.now;
    o.version += 1;
    o.change = Change::Revoked;
    w.event(event(&o)?).await?;
    w.tx.update_override(&o).await?;
    let view = OverrideView::of(o, &list, &today);
    w.finish(view).await
}

/// Confirms an override flagged `needs_review` against the current list: it
/// records the current revision and shared rank, which clears the flag.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn reconfirm(store: &dyn Store, ctx: &Ctx, id: &str, board_resolution: &str) -> Result<OverrideView> {
    let mut vs = Violations::default();
    vs.check("id", v::id(id));
    vs.check(
        "board_resolution",
        v::meaningful_text(board_resolution, RESOLUTION_MIN, RESOLUTION_MAX),
    );
    vs.finish()?;
    let today = today(ctx.now);
    let mut w = begin_write!(store, ctx, "ReconfirmOverride");
    let (mut o, _) = load_for_change(&mut w, ctx, id).await?;
    match effective::state(&o, &today) {
        OverrideState::Active => {}
        OverrideState::Revoked => return Err(Error::precondition(format!("override {id} is revoked"))),
        OverrideState::Expired => {
            return Err(Error::precondition(format!(
                "override {id} expired on {}; set it again instead",
                o.expires_on.as_deref().unwrap_or_default()
            )));
        }
    }
    let list = priorities::list_at(&mut *w.tx, &o.cooperation_id, None).await?;
    if !effective::needs_review(&o, &list, &today) {
        return Err(Error::precondition(format!(
            "override {id} does not need review: the proposal's shared rank is unchanged since revision {}",
            o.list_revision
        )));
    }
    o.list_revision = list.revision;
    o.shared_rank_at_set = list.rank_of(&o.proposal_id);
    o.board_resolution = board_resolution.trim().to_string();
    o.set_by = ctx.actor();
    o.set_time = ctx.now;
    o.version += 1;
    o.change = Change::Reconfirmed;
    w.event(event(&o)?).await?;
    w.tx.update_override(&o).await?;
    let view = OverrideView::of(o, &list, &today);
    w.finish(view).await
}
