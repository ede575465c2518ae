//! Local overrides and accountability (DESIGN.md §6): a member's board
//! deviates from the shared priority list for its own municipality, on the
//! record. Set, change, reconfirm and revoke are writes that each add a
//! version to the override's history and an event to the log; the effective
//! list, the accountability report and the cooperation overview are reads,
//! computed by the pure functions of [`effective`] and [`divergence`].

pub mod divergence;
pub mod effective;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::authz;
use super::cooperations::{check_etag, readable};
use super::error::{Error, Result, Violations};
pub use super::model::{Change, Override};
use super::model::{Micros, NewEvent, OverrideKind, OverrideState, PriorityList, Proposal, ProposalStatus};
use super::page;
use super::priorities;
use super::sessions::model::{Ballot, Round};
use super::validate as v;
use super::write::{Ctx, Write};
use crate::begin_write;
use crate::store::{OverrideFilter, Store, StoreTx};

pub const JUSTIFICATION_MIN: usize = 10;
pub const JUSTIFICATION_MAX: usize = 4000;
pub const RESOLUTION_MIN: usize = 6;
pub const RESOLUTION_MAX: usize = 300;
/// Local ranks beyond this are certainly mistakes, not plans.
pub const MAX_LOCAL_RANK: u32 = 10_000;

/// An override as read: the stored record and what it means on the day it
/// is read against the current shared list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideView {
    pub record: Override,
    pub state: OverrideState,
    pub needs_review: bool,
}

impl OverrideView {
    pub fn of(o: Override, list: &PriorityList, as_of: &str) -> Self {
        OverrideView {
            state: effective::state(&o, as_of),
            needs_review: effective::needs_review(&o, list, as_of),
            record: o,
        }
    }

    /// A version as it was recorded: active or revoked, nothing derived.
    fn as_recorded(o: Override) -> Self {
        OverrideView {
            state: if o.revoked {
                OverrideState::Revoked
            } else {
                OverrideState::Active
            },
            needs_review: false,
            record: o,
        }
    }
}

/// A `SetOverride` request as the domain sees it; empty strings and 0 are
/// "not given".
#[derive(Debug, Clone, Default)]
pub struct OverrideSpec {
    pub proposal_id: String,
    pub kind: Option<OverrideKind>,
    pub defer_until: String,
    pub local_rank: u32,
    pub justification: String,
    pub board_resolution: String,
    pub expires_on: String,
}

/// Today's date (UTC) as the service judges expiry and deferral by default.
pub fn today(now: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(now)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Checks a spec on its own; `today` judges the dates. Field names are
/// those of `SetOverrideRequest`.
pub fn validate_spec(s: &OverrideSpec, today: &str) -> Result<()> {
    let mut vs = Violations::default();
    vs.check("spec.proposal_id", v::id(&s.proposal_id));
    match s.kind {
        None => vs.add("spec.kind", "is required"),
        Some(kind) => {
            let dated = kind == OverrideKind::Defer;
            match (dated, s.defer_until.is_empty()) {
                (true, true) => vs.add("spec.defer_until", "is required for DEFER"),
                (true, false) => vs.check("spec.defer_until", future_date(&s.defer_until, today, false)),
                (false, false) => vs.add("spec.defer_until", "applies to DEFER only"),
                (false, true) => {}
            }
            match kind {
                OverrideKind::Rerank if s.local_rank == 0 => {
                    vs.add("spec.local_rank", "is required for RERANK: a position of 1 or more")
                }
                OverrideKind::Rerank | OverrideKind::AdoptLocal if s.local_rank > MAX_LOCAL_RANK => {
                    vs.add("spec.local_rank", format!("must be at most {MAX_LOCAL_RANK}"))
                }
                OverrideKind::OptOut | OverrideKind::Defer if s.local_rank != 0 => {
                    vs.add("spec.local_rank", "applies to RERANK and ADOPT_LOCAL only")
                }
                _ => {}
            }
        }
    }
    vs.check(
        "spec.justification",
        v::meaningful_text(&s.justification, JUSTIFICATION_MIN, JUSTIFICATION_MAX),
    );
    vs.check(
        "spec.board_resolution",
        v::meaningful_text(&s.board_resolution, RESOLUTION_MIN, RESOLUTION_MAX),
    );
    if !s.expires_on.is_empty() {
        vs.check("spec.expires_on", future_date(&s.expires_on, today, true));
    }
    vs.finish()
}

/// An ISO date after `today` (or on it, when `today_ok`).
fn future_date(value: &str, today: &str, today_ok: bool) -> v::Check {
    v::iso_date(value)?;
    match value.cmp(today) {
        std::cmp::Ordering::Greater => Ok(()),
        std::cmp::Ordering::Equal if today_ok => Ok(()),
        _ if today_ok => Err(format!("must not be in the past (today is {today})")),
        _ => Err(format!("must be a date after today ({today})")),
    }
}

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
pub async fn effective_list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    municipality: &str,
    as_of: &str,
) -> Result<EffectiveList> {
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
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let reads = tx.effective_reads(cooperation_id, &municipality, &as_of).await?;
    if !reads.is_member {
        return Err(Error::not_found("member", format!("{cooperation_id}/{municipality}")));
    }
    let list = reads.list.unwrap_or_else(|| PriorityList::empty(cooperation_id));
    let titles: HashMap<&str, &str> = reads.titles.iter().collect();
    let overrides = reads.overrides;
    Ok(effective_view(&list, &overrides, &titles, &municipality, &as_of))
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
/// Computed overviews by cooperation and date, each valid for exactly the
/// state of the log it was computed from. The overview aggregates every
/// member's overrides, so it is worth keeping while nothing changes; whether
/// anything did is read from the same snapshot (the log's last sequence
/// number), so a cached overview is never stale, on one process or many.
#[derive(Default)]
pub struct OverviewCache(std::sync::Mutex<HashMap<OverviewKey, (i64, std::sync::Arc<CooperationOverview>)>>);

/// Cooperation and date.
type OverviewKey = (String, String);

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
    let key = (cooperation_id.to_string(), today.clone());
    if let Some((at, v)) = cache.0.lock().expect("cache lock").get(&key)
        && *at == seq
    {
        return Ok(v.clone());
    }
    let reads = tx.overview_reads(cooperation_id, &today).await?;
    let list = reads.list.unwrap_or_else(|| PriorityList::empty(cooperation_id));
    let titles: HashMap<&str, &str> = reads.titles.iter().collect();
    let deviations = reads.deviations.iter();
    let v = std::sync::Arc::new(overview_view(&list, deviations, &titles, &today));
    let mut c = cache.0.lock().expect("cache lock");
    // Keep one entry per cooperation: yesterday's date is of no further use.
    c.retain(|(coop, _), _| coop != cooperation_id);
    c.insert(key, (seq, v.clone()));
    Ok(v)
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
        }
    };
    CooperationOverview {
        cooperation_id: list.cooperation_id.clone(),
        revision: list.revision,
        items: v.shared.into_iter().map(item).collect(),
        adopted_locally: v.adopted_locally.into_iter().map(item).collect(),
    }
}

/// A named vote: the member's ballot in a closed round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedVote {
    pub round: Round,
    pub ballot: Ballot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub proposal_id: String,
    pub title: String,
    pub vote: String,
    pub round_id: String,
    pub override_kind: OverrideKind,
    pub override_id: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountabilityReport {
    pub cooperation_id: String,
    pub municipality: String,
    /// In the order the rounds were opened.
    pub votes: Vec<NamedVote>,
    /// Every override the member ever set, in force or not, in the order first set.
    pub overrides: Vec<OverrideView>,
    /// Where its overrides in force go against its votes.
    pub divergences: Vec<Divergence>,
}

/// A member's accountability report (the caller's own when `municipality`
/// is empty): its named votes, its overrides and where they diverge.
pub async fn accountability(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    municipality: &str,
) -> Result<AccountabilityReport> {
    let municipality = if municipality.is_empty() {
        ctx.principal.municipality.clone()
    } else {
        v::municipality_code(municipality).map_err(|d| Error::invalid("municipality", d))?;
        municipality.to_string()
    };
    let today = today(ctx.now);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    if tx.get_member(cooperation_id, &municipality).await?.is_none() {
        return Err(Error::not_found("member", format!("{cooperation_id}/{municipality}")));
    }
    let list = priorities::list_at(&mut *tx, cooperation_id, None).await?;
    let votes = tx.member_ballots(cooperation_id, &municipality).await?;
    let filter = OverrideFilter {
        cooperation: cooperation_id,
        municipality: Some(&municipality),
        proposal: None,
        in_force_on: None,
    };
    let overrides: Vec<Override> = tx
        .list_overrides(&filter, 0, i64::MAX)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();

    let in_force: Vec<Override> = overrides
        .iter()
        .filter(|o| effective::in_force(o, &today))
        .cloned()
        .collect();
    let labels: Vec<(String, Vec<String>, crate::domain::tally::BallotContent)> = votes
        .iter()
        .map(|(r, b)| {
            let label = if r.title.trim().is_empty() {
                r.id.clone()
            } else {
                format!("\u{201c}{}\u{201d}", r.title.trim())
            };
            (label, r.candidate_ids(), b.content.to_tally())
        })
        .collect();
    let cast: Vec<divergence::CastVote> = votes
        .iter()
        .zip(&labels)
        .map(|((r, _), (label, candidates, content))| divergence::CastVote {
            round_id: &r.id,
            round: label,
            candidates,
            content,
        })
        .collect();
    let found = divergence::divergences(&cast, &in_force, &list);
    let ids: Vec<&str> = found.iter().map(|d| d.proposal_id).collect();
    let titles: HashMap<String, String> = tx
        .get_proposals(cooperation_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.content.title))
        .collect();
    let divergences = found
        .iter()
        .map(|d| Divergence {
            proposal_id: d.proposal_id.to_string(),
            title: titles.get(d.proposal_id).cloned().unwrap_or_default(),
            vote: d.vote.clone(),
            round_id: d.round_id.to_string(),
            override_kind: d.by.kind,
            override_id: d.by.id.clone(),
            description: d.description.clone(),
        })
        .collect();
    Ok(AccountabilityReport {
        cooperation_id: cooperation_id.to_string(),
        municipality,
        votes: votes
            .into_iter()
            .map(|(round, ballot)| NamedVote { round, ballot })
            .collect(),
        overrides: overrides
            .into_iter()
            .map(|o| OverrideView::of(o, &list, &today))
            .collect(),
        divergences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-06-01";
    const PID: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    fn spec(kind: OverrideKind) -> OverrideSpec {
        OverrideSpec {
            proposal_id: PID.into(),
            kind: Some(kind),
            justification: "Vi afventer udbud af ny ESDH-løsning".into(),
            board_resolution: "Direktionsmøde 2026-05-12, pkt. 4".into(),
            ..Default::default()
        }
    }

    fn fields(r: Result<()>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(Error::Invalid(vs)) => vs.into_iter().map(|v| v.field).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn a_complete_spec_of_each_kind_is_valid() {
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::OptOut), TODAY)),
            Vec::<String>::new()
        );
        let defer = OverrideSpec {
            defer_until: "2026-09-01".into(),
            ..spec(OverrideKind::Defer)
        };
        assert!(validate_spec(&defer, TODAY).is_ok());
        let rerank = OverrideSpec {
            local_rank: 3,
            expires_on: TODAY.into(),
            ..spec(OverrideKind::Rerank)
        };
        assert!(validate_spec(&rerank, TODAY).is_ok());
        assert!(validate_spec(&spec(OverrideKind::AdoptLocal), TODAY).is_ok());
    }

    #[test]
    fn justification_and_resolution_must_carry_meaning() {
        for filler in ["", "   ", "n/a", "x", "xxxxxxxxxxxxxxxxxx", "-"] {
            let s = OverrideSpec {
                justification: filler.into(),
                board_resolution: filler.into(),
                ..spec(OverrideKind::OptOut)
            };
            assert_eq!(
                fields(validate_spec(&s, TODAY)),
                ["spec.justification", "spec.board_resolution"],
                "{filler:?}"
            );
        }
    }

    #[test]
    fn kind_specific_fields() {
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::Defer), TODAY)),
            ["spec.defer_until"]
        );
        let past = OverrideSpec {
            defer_until: TODAY.into(),
            ..spec(OverrideKind::Defer)
        };
        assert_eq!(fields(validate_spec(&past, TODAY)), ["spec.defer_until"]);
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::Rerank), TODAY)),
            ["spec.local_rank"]
        );
        let huge = OverrideSpec {
            local_rank: MAX_LOCAL_RANK + 1,
            ..spec(OverrideKind::Rerank)
        };
        assert_eq!(fields(validate_spec(&huge, TODAY)), ["spec.local_rank"]);
        let stray = OverrideSpec {
            local_rank: 2,
            defer_until: "2027-01-01".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(
            fields(validate_spec(&stray, TODAY)),
            ["spec.defer_until", "spec.local_rank"]
        );
        let no_kind = OverrideSpec {
            kind: None,
            proposal_id: "nope".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(
            fields(validate_spec(&no_kind, TODAY)),
            ["spec.proposal_id", "spec.kind"]
        );
    }

    #[test]
    fn expiry_is_a_date_not_in_the_past() {
        let past = OverrideSpec {
            expires_on: "2026-05-31".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(fields(validate_spec(&past, TODAY)), ["spec.expires_on"]);
        let bad = OverrideSpec {
            expires_on: "31-12-2026".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(fields(validate_spec(&bad, TODAY)), ["spec.expires_on"]);
    }

    #[test]
    fn today_is_the_utc_date() {
        assert_eq!(today(0), "1970-01-01");
        assert_eq!(today(1_780_000_000_000_000), "2026-05-28");
    }
}
