//! Reading the shared priority list (DESIGN.md §5). Rounds write it (see
//! `sessions`); overrides read it (see `overrides`).

use std::collections::HashMap;

use super::cooperations::readable;
use super::error::Result;
use super::model::{PriorityList, Proposal, ProposalStatus};
use super::read_model::Views;
use super::write::Ctx;
use crate::kept_or_begin;
use crate::store::{Store, StoreTx};

/// The list at `revision` (latest when `None`), revision 0 being the empty list.
pub async fn list_at(tx: &mut dyn StoreTx, cooperation_id: &str, revision: Option<u64>) -> Result<PriorityList> {
    match tx.get_priority_list(cooperation_id, revision).await? {
        Some(l) => Ok(l),
        None if revision.unwrap_or(0) == 0 => Ok(PriorityList::empty(cooperation_id)),
        None => Err(super::Error::not_found(
            "priority list revision",
            format!("{cooperation_id}@{}", revision.unwrap_or(0)),
        )),
    }
}

/// The adopted proposals of a cooperation by id (everything on any revision
/// of its list is adopted).
pub async fn adopted_proposals(tx: &mut dyn StoreTx, cooperation_id: &str) -> Result<HashMap<String, Proposal>> {
    let rows = tx
        .list_proposals(cooperation_id, Some(ProposalStatus::Adopted), 0, i64::MAX)
        .await?;
    Ok(rows.into_iter().map(|(_, p)| (p.id.clone(), p)).collect())
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, revision))]
pub async fn get(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    revision: u64,
) -> Result<(PriorityList, HashMap<String, Proposal>)> {
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let list = list_at(&mut *tx, cooperation_id, (revision > 0).then_some(revision)).await?;
    let proposals = adopted_proposals(&mut *tx, cooperation_id).await?;
    Ok((list, proposals))
}

/// [`get`] made into what is sent (`build`), kept in `views` while the
/// cooperation's log has not moved (see `read_model`).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, revision))]
pub async fn get_view<T>(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    revision: u64,
    views: &Views<T>,
    build: impl FnOnce(&PriorityList, &HashMap<String, Proposal>) -> T,
) -> Result<std::sync::Arc<T>> {
    let rev = revision.to_string();
    let key = [cooperation_id, rev.as_str()];
    let (mut tx, head) = kept_or_begin!(store, ctx, views, &key);
    let list = list_at(&mut *tx, cooperation_id, (revision > 0).then_some(revision)).await?;
    let proposals = adopted_proposals(&mut *tx, cooperation_id).await?;
    Ok(views.keep(&key, head, build(&list, &proposals)))
}
