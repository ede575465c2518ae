//! Updating a member's implementation record: a write that stores a new
//! version and adds an event to the log.

use super::report::Inputs;
use super::{ImplementationSpec, ImplementationView, validate_spec};
use crate::begin_write;
use crate::domain::authz;
use crate::domain::error::{Error, Result};
use crate::domain::etag::check_etag;
use crate::domain::model::{Implementation, NewEvent, OverrideKind};
use crate::domain::overrides::effective;
use crate::domain::validate as v;
use crate::domain::write::{Ctx, today};
use crate::store::{OverrideFilter, Store, StoreTx};

/// The event action of every update.
pub const ACTION: &str = "follow_up.updated";

/// Which record an update is for.
#[derive(Debug, Clone, Default)]
pub struct RecordKey {
    pub cooperation_id: String,
    pub proposal_id: String,
    /// Empty for the caller's own municipality.
    pub municipality: String,
}

/// Sets the whole state of a member's record of a priority. `etag`, when
/// given, must name the current version (`"0"` before the first report).
#[tracing::instrument(skip_all, fields(cooperation_id = %key.cooperation_id, proposal_id = %key.proposal_id))]
pub async fn update(
    store: &dyn Store,
    ctx: &Ctx,
    key: &RecordKey,
    spec: ImplementationSpec,
    etag: &str,
    stale_after_days: u32,
) -> Result<ImplementationView> {
    let (cooperation_id, proposal_id, municipality) = (
        key.cooperation_id.as_str(),
        key.proposal_id.as_str(),
        key.municipality.as_str(),
    );
    if cooperation_id.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    v::id(proposal_id).map_err(|d| Error::invalid("proposal_id", d))?;
    let municipality = if municipality.is_empty() {
        ctx.principal.municipality.clone()
    } else {
        v::municipality_code(municipality).map_err(|d| Error::invalid("municipality", d))?;
        municipality.to_string()
    };
    let today = today(ctx.now);
    validate_spec(&spec, &today)?;
    let status = spec.status.ok_or_else(|| Error::invalid("status", "is required"))?;

    let mut w = begin_write!(store, ctx, "UpdateImplementation");
    if w.tx.get_cooperation(cooperation_id).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation_id));
    }
    let member = w.tx.get_member(cooperation_id, &municipality).await?;
    authz::keep_implementation(&ctx.principal, &municipality, member.as_ref())?;
    let proposal =
        w.tx.get_proposal(proposal_id)
            .await?
            .filter(|p| p.cooperation_id == cooperation_id)
            .ok_or_else(|| Error::not_found("proposal", proposal_id))?;

    let inputs = Inputs::load(&mut *w.tx, cooperation_id, &today).await?;
    let followed = inputs.followed();
    let Some((f, p)) = followed.iter().filter(|f| f.proposal_id == proposal.id).find_map(|f| {
        f.participants
            .iter()
            .find(|p| p.member.code == municipality)
            .map(|p| (f, p))
    }) else {
        let why = not_taking_part_message(&mut *w.tx, cooperation_id, &proposal.id, &municipality, &today).await?;
        return Err(Error::precondition(why));
    };

    let old =
        w.tx.get_implementation(cooperation_id, &proposal.id, &municipality)
            .await?;
    let version = old.as_ref().map_or(0, |o| o.version);
    check_etag(etag, u64::from(version))?;
    let record = Implementation {
        cooperation_id: cooperation_id.to_string(),
        proposal_id: proposal.id.clone(),
        municipality: municipality.clone(),
        status,
        progress_percent: spec.progress_percent,
        milestones: spec
            .milestones
            .into_iter()
            .map(|mut m| {
                m.title = m.title.trim().to_string();
                m
            })
            .collect(),
        notes: spec.notes.trim().to_string(),
        updated_by: Some(ctx.actor()),
        update_time: ctx.now,
        version: version + 1,
    };
    w.event(NewEvent::new(
        ACTION,
        format!("implementations/{}/{}", record.proposal_id, record.municipality),
        cooperation_id,
        &record,
    )?)
    .await?;
    w.tx.put_implementation(&record).await?;
    let adopted_on = inputs.adopted_on(f);
    let view = inputs.view(
        p,
        &adopted_on,
        Some(&record),
        cooperation_id,
        &proposal.id,
        stale_after_days,
    );
    w.finish(view).await
}

/// Why a current member keeps no record of a proposal on `today`.
pub(super) async fn not_taking_part_message(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    proposal_id: &str,
    municipality: &str,
    today: &str,
) -> Result<String> {
    let filter = OverrideFilter {
        cooperation: cooperation_id,
        municipality: Some(municipality),
        proposal: Some(proposal_id),
        in_force_on: Some(today),
    };
    let opted_out = tx
        .list_overrides(&filter, 0, 10)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .find(|o| o.kind == OverrideKind::OptOut && effective::in_force(o, today));
    Ok(match opted_out {
        Some(o) => format!(
            "municipality {municipality} opted out of proposal {proposal_id} ({}: {}); it keeps no implementation record",
            o.board_resolution, o.justification
        ),
        None => format!(
            "proposal {proposal_id} is neither on the shared list nor adopted locally by {municipality}; \
             there is nothing to follow up"
        ),
    })
}
