//! Reading overrides: one, a cooperation's, an override's history, a
//! member's effective list and the cooperation overview.

use std::collections::HashMap;

use super::overview_cache::OverviewCache;
use super::{OverrideView, effective};
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result, Violations};
use crate::domain::model::{Implementation, ImplementationStatus, Micros, Override, PriorityList};
use crate::domain::page;
use crate::domain::priorities;
use crate::domain::read_model::Views;
use crate::domain::validate as v;
use crate::domain::write::{Ctx, today};
use crate::kept_or_begin;
use crate::store::{OverrideFilter, Store, StoreTx};

/// Loads an override for reading: anyone who may read its cooperation.
async fn readable_override(tx: &mut dyn StoreTx, ctx: &Ctx, id: &str) -> Result<Override> {
    v::id(id).map_err(|d| Error::invalid("id", d))?;
    let o = tx
        .get_override(id)
        .await?
        .ok_or_else(|| Error::not_found("override", id))?;
    readable(tx, ctx, &o.cooperation_id).await?;
    Ok(o)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<OverrideView> {
    let mut tx = store.begin_read().await?;
    let o = readable_override(&mut *tx, ctx, id).await?;
    let list = priorities::list_at(&mut *tx, &o.cooperation_id, None).await?;
    Ok(OverrideView::of(o, &list, &today(ctx.now)))
}

pub struct ListQuery {
    pub cooperation_id: String,
    pub municipality: String,
    pub proposal_id: String,
    pub include_inactive: bool,
    pub page_size: u32,
    pub page_token: String,
}

/// Overrides of a cooperation in the order they were first set: those in
/// force today, or with `include_inactive` also revoked and expired ones.
#[tracing::instrument(skip_all, fields(cooperation_id = %q.cooperation_id))]
pub async fn list(store: &dyn Store, ctx: &Ctx, q: ListQuery) -> Result<(Vec<OverrideView>, String)> {
    let mut vs = Violations::default();
    if !q.municipality.is_empty() {
        vs.check("municipality", v::municipality_code(&q.municipality));
    }
    if !q.proposal_id.is_empty() {
        vs.check("proposal_id", v::id(&q.proposal_id));
    }
    vs.finish()?;
    let after = page::seq_position("overrides", &q.page_token)?;
    let limit = page::size(q.page_size);
    let today = today(ctx.now);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, &q.cooperation_id).await?;
    let filter = OverrideFilter {
        cooperation: &q.cooperation_id,
        municipality: non_empty_ref(&q.municipality),
        proposal: non_empty_ref(&q.proposal_id),
        in_force_on: (!q.include_inactive).then_some(today.as_str()),
    };
    let rows = tx.list_overrides(&filter, after, limit).await?;
    let next = page::next("overrides", rows.len(), limit, rows.last().map(|(s, _)| s.to_string()));
    let list = priorities::list_at(&mut *tx, &q.cooperation_id, None).await?;
    Ok((
        rows.into_iter()
            .map(|(_, o)| OverrideView::of(o, &list, &today))
            .collect(),
        next,
    ))
}

fn non_empty_ref(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Every version of an override, oldest first, as recorded; the last one is
/// the override as it stands today.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn history(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Vec<OverrideView>> {
    let mut tx = store.begin_read().await?;
    let current = readable_override(&mut *tx, ctx, id).await?;
    let list = priorities::list_at(&mut *tx, &current.cooperation_id, None).await?;
    let mut versions: Vec<OverrideView> = tx
        .override_history(id)
        .await?
        .into_iter()
        .filter(|o| o.version < current.version)
        .map(OverrideView::as_recorded)
        .collect();
    versions.push(OverrideView::of(current, &list, &today(ctx.now)));
    Ok(versions)
}

/// The versions of overrides recorded in a cooperation between two times
/// (inclusive), in order: what the minutes of a session list.
pub async fn recorded_between(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    from: Micros,
    to: Micros,
) -> Result<Vec<Override>> {
    Ok(tx.override_versions_between(cooperation_id, from, to).await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveItem {
    pub local_rank: u32,
    pub shared_rank: Option<u32>,
    pub proposal_id: String,
    pub title: String,
    pub by: Option<OverrideView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetApartItem {
    pub shared_rank: u32,
    pub proposal_id: String,
    pub title: String,
    pub by: OverrideView,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveList {
    pub cooperation_id: String,
    pub municipality: String,
    pub revision: u64,
    pub as_of: String,
    pub items: Vec<EffectiveItem>,
    pub set_apart: Vec<SetApartItem>,
}

/// A member's effective list on `as_of` (today if empty).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, municipality = %municipality))]
pub async fn effective_list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    municipality: &str,
    as_of: &str,
) -> Result<EffectiveList> {
    let (municipality, as_of) = effective_args(ctx, municipality, as_of)?;
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    compute_effective(&mut *tx, cooperation_id, &municipality, &as_of).await
}

/// [`effective_list`] made into what is sent (`build`), kept in `views`
/// while the cooperation's log has not moved: computed once per revision,
/// never stale (see `read_model::lookup`).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, municipality = %municipality))]
pub async fn effective_list_view<T>(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    municipality: &str,
    as_of: &str,
    views: &Views<T>,
    build: impl FnOnce(EffectiveList) -> T,
) -> Result<std::sync::Arc<T>> {
    let (municipality, as_of) = effective_args(ctx, municipality, as_of)?;
    let key = [cooperation_id, municipality.as_str(), as_of.as_str()];
    let (mut tx, head) = kept_or_begin!(store, ctx, views, &key);
    let list = compute_effective(&mut *tx, cooperation_id, &municipality, &as_of).await?;
    Ok(views.keep(&key, head, build(list)))
}

/// The member (the caller's municipality when empty) and the date (today
/// when empty), checked.
fn effective_args(ctx: &Ctx, municipality: &str, as_of: &str) -> Result<(String, String)> {
    let as_of = if as_of.is_empty() {
        today(ctx.now)
    } else {
        v::iso_date(as_of).map_err(|d| Error::invalid("as_of", d))?;
        as_of.to_string()
    };
    let municipality = if municipality.is_empty() {
        ctx.principal.municipality.clone()
    } else {
        v::municipality_code(municipality).map_err(|d| Error::invalid("municipality", d))?;
        municipality.to_string()
    };
    Ok((municipality, as_of))
}

async fn compute_effective(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    municipality: &str,
    as_of: &str,
) -> Result<EffectiveList> {
    let reads = tx.effective_reads(cooperation_id, municipality, as_of).await?;
    if !reads.is_member {
        return Err(Error::not_found("member", format!("{cooperation_id}/{municipality}")));
    }
    let list = reads.list.unwrap_or_else(|| PriorityList::empty(cooperation_id));
    let titles: HashMap<&str, &str> = reads.titles.iter().collect();
    let overrides = reads.overrides;
    Ok(effective_view(&list, &overrides, &titles, municipality, as_of))
}

/// The effective list with titles and override views; public for the benchmark.
pub fn effective_view(
    list: &PriorityList,
    overrides: &[Override],
    titles: &HashMap<&str, &str>,
    municipality: &str,
    as_of: &str,
) -> EffectiveList {
    let e = effective::effective(list, overrides, as_of);
    let title = |id: &str| titles.get(id).copied().unwrap_or_default().to_string();
    let view = |o: &Override| OverrideView::of(o.clone(), list, as_of);
    EffectiveList {
        cooperation_id: list.cooperation_id.clone(),
        municipality: municipality.to_string(),
        revision: list.revision,
        as_of: as_of.to_string(),
        items: e
            .items
            .iter()
            .map(|i| EffectiveItem {
                local_rank: i.local_rank,
                shared_rank: i.shared_rank,
                proposal_id: i.proposal_id.to_string(),
                title: title(i.proposal_id),
                by: i.by.map(view),
            })
            .collect(),
        set_apart: e
            .set_apart
            .iter()
            .map(|s| SetApartItem {
                shared_rank: s.shared_rank,
                proposal_id: s.proposal_id.to_string(),
                title: title(s.proposal_id),
                by: view(s.by),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverviewItem {
    pub shared_rank: Option<u32>,
    pub proposal_id: String,
    pub title: String,
    pub opt_out: Vec<String>,
    pub defer: Vec<String>,
    pub rerank: Vec<String>,
    pub adopt_local: Vec<String>,
    /// Members whose implementation record says DONE (follow-up).
    pub delivered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CooperationOverview {
    pub cooperation_id: String,
    pub revision: u64,
    pub items: Vec<OverviewItem>,
    pub adopted_locally: Vec<OverviewItem>,
}

/// For each shared priority, which members opt out, defer or re-rank it
/// today; and what members pursue locally.
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id))]
pub async fn overview(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    cache: &OverviewCache,
) -> Result<std::sync::Arc<CooperationOverview>> {
    let today = today(ctx.now);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let seq = tx.last_event().await?.map_or(0, |(seq, _)| seq);
    if let Some(v) = cache.get(cooperation_id, &today, seq) {
        return Ok(v);
    }
    let reads = tx.overview_reads(cooperation_id, &today).await?;
    let list = reads.list.unwrap_or_else(|| PriorityList::empty(cooperation_id));
    let titles: HashMap<&str, &str> = reads.titles.iter().collect();
    let deviations = reads.deviations.iter();
    let mut v = overview_view(&list, deviations, &titles, &today);
    mark_delivered(&mut v, &tx.list_implementations(cooperation_id).await?);
    let v = std::sync::Arc::new(v);
    cache.put(cooperation_id, &today, seq, v.clone());
    Ok(v)
}

/// The delivery column of the overview: members whose record of an item
/// says DONE, unless they opted out of it since.
fn mark_delivered(v: &mut CooperationOverview, records: &[Implementation]) {
    let mut done: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in records.iter().filter(|r| r.status == ImplementationStatus::Done) {
        done.entry(r.proposal_id.as_str()).or_default().push(&r.municipality);
    }
    for item in v.items.iter_mut().chain(v.adopted_locally.iter_mut()) {
        if let Some(codes) = done.get(item.proposal_id.as_str()) {
            item.delivered = codes
                .iter()
                .filter(|c| !item.opt_out.iter().any(|o| o == *c))
                .map(|c| c.to_string())
                .collect();
        }
    }
}

/// The overview with titles; public for the benchmark.
pub fn overview_view<'a>(
    list: &'a PriorityList,
    deviations: impl IntoIterator<Item = effective::Deviation<'a>>,
    titles: &HashMap<&str, &str>,
    as_of: &str,
) -> CooperationOverview {
    let v = effective::overview(list, deviations, as_of);
    let item = |r: effective::OverviewRow| {
        let codes = |xs: Vec<&str>| xs.into_iter().map(str::to_string).collect::<Vec<_>>();
        OverviewItem {
            shared_rank: r.shared_rank,
            title: titles.get(r.proposal_id).copied().unwrap_or_default().to_string(),
            proposal_id: r.proposal_id.to_string(),
            opt_out: codes(r.who.opt_out),
            defer: codes(r.who.defer),
            rerank: codes(r.who.rerank),
            adopt_local: codes(r.who.adopt_local),
            delivered: vec![],
        }
    };
    CooperationOverview {
        cooperation_id: list.cooperation_id.clone(),
        revision: list.revision,
        items: v.shared.into_iter().map(item).collect(),
        adopted_locally: v.adopted_locally.into_iter().map(item).collect(),
    }
}
