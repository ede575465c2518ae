//! Reading members' implementation records: one, or those of a cooperation.

use super::ImplementationView;
use super::report::{Inputs, date_or_today};
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result, Violations};
use crate::domain::validate as v;
use crate::domain::write::Ctx;
use crate::store::Store;

pub struct ListQuery {
    pub cooperation_id: String,
    /// Empty for every priority.
    pub proposal_id: String,
    /// Empty for every member.
    pub municipality: String,
    /// Empty for today.
    pub as_of: String,
}

/// The records of the members taking part in the cooperation's priorities on
/// `as_of`, as they stood then: priorities in list order (local adoptions
/// last), members in code order. Opted-out members have none. Returns the
/// date read at and the records.
#[tracing::instrument(skip_all, fields(cooperation_id = %q.cooperation_id))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    q: ListQuery,
    stale_after_days: u32,
) -> Result<(String, Vec<ImplementationView>)> {
    let mut vs = Violations::default();
    if !q.proposal_id.is_empty() {
        vs.check("proposal_id", v::id(&q.proposal_id));
    }
    if !q.municipality.is_empty() {
        vs.check("municipality", v::municipality_code(&q.municipality));
    }
    vs.finish()?;
    let as_of = date_or_today("as_of", &q.as_of, ctx)?;
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, &q.cooperation_id).await?;
    let inputs = Inputs::load(&mut *tx, &q.cooperation_id, &as_of).await?;
    let records = inputs.records();
    let mut out = Vec::new();
    for f in inputs.followed() {
        if !q.proposal_id.is_empty() && f.proposal_id != q.proposal_id {
            continue;
        }
        let adopted_on = inputs.adopted_on(&f);
        for p in &f.participants {
            if !q.municipality.is_empty() && p.member.code != q.municipality {
                continue;
            }
            let rec = records.get(&(f.proposal_id, p.member.code.as_str())).copied();
            out.push(inputs.view(p, &adopted_on, rec, &q.cooperation_id, f.proposal_id, stale_after_days));
        }
    }
    Ok((as_of, out))
}

/// One member's record of one priority today. A member that does not take
/// part (it opted out, or the proposal is neither a shared priority nor its
/// local adoption) has none: `FAILED_PRECONDITION`, saying why.
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, proposal_id = %proposal_id))]
pub async fn get(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    proposal_id: &str,
    municipality: &str,
    stale_after_days: u32,
) -> Result<ImplementationView> {
    let municipality = if municipality.is_empty() {
        ctx.principal.municipality.clone()
    } else {
        v::municipality_code(municipality).map_err(|d| Error::invalid("municipality", d))?;
        municipality.to_string()
    };
    v::id(proposal_id).map_err(|d| Error::invalid("proposal_id", d))?;
    let q = ListQuery {
        cooperation_id: cooperation_id.to_string(),
        proposal_id: proposal_id.to_string(),
        municipality: municipality.clone(),
        as_of: String::new(),
    };
    let (_, mut found) = list(store, ctx, q, stale_after_days).await?;
    match found.pop() {
        Some(v) => Ok(v),
        None => Err(not_taking_part(store, ctx, cooperation_id, proposal_id, &municipality).await),
    }
}

/// Why a member keeps no record of a proposal, as an error.
pub(super) async fn not_taking_part(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    proposal_id: &str,
    municipality: &str,
) -> Error {
    let why = async {
        let mut tx = store.begin_read().await?;
        if tx.get_member(cooperation_id, municipality).await?.is_none() {
            return Ok::<Error, Error>(Error::not_found("member", format!("{cooperation_id}/{municipality}")));
        }
        let p = tx.get_proposal(proposal_id).await?;
        if p.is_none_or(|p| p.cooperation_id != cooperation_id) {
            return Ok(Error::not_found("proposal", proposal_id));
        }
        Ok(Error::precondition(
            super::writes::not_taking_part_message(
                &mut *tx,
                cooperation_id,
                proposal_id,
                municipality,
                &crate::domain::write::today(ctx.now),
            )
            .await?,
        ))
    };
    why.await.unwrap_or_else(|e| e)
}
