//! The follow-up report of a cooperation on a date (DESIGN.md §13): what was
//! decided and when, where each member stands, what is overdue, where
//! members deviate and why, and what changed since the previous report.
//! Like a budget follow-up, it reads the record as it stood on the date.

use std::collections::HashMap;

use super::ImplementationView;
use super::participation::{self, Followed, Participant, Participation};
use super::progress::{self, date_of, end_of_day};
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result};
use crate::domain::model::{
    Change, Implementation, Member, Method, Micros, Override, PriorityList, Proposal, Round, SessionKind,
};
use crate::domain::validate as v;
use crate::domain::write::{Ctx, today};
use crate::store::{OverrideFilter, Store, StoreTx};

pub use crate::domain::model::follow_up::{
    ChangeDetail, Decision, DeviationNote, FollowUpReport, MilestoneChange, OverdueItem, PriorityFollowUp, ReportChange,
};

/// Everything a report or a member's record is computed from, as it stood
/// at the end of `as_of`.
pub(crate) struct Inputs {
    pub members: Vec<Member>,
    pub list: PriorityList,
    pub revisions: Vec<PriorityList>,
    pub overrides: Vec<Override>,
    /// Every version of every record up to the end of `as_of`, in the order recorded.
    pub versions: Vec<Implementation>,
    pub as_of: String,
}

impl Inputs {
    pub async fn load(tx: &mut dyn StoreTx, cooperation_id: &str, as_of: &str) -> Result<Inputs> {
        let until = end_of_day(as_of);
        let members = tx.list_members(cooperation_id, true, "", i64::MAX).await?;
        let revisions = tx.priority_list_revisions(cooperation_id).await?;
        let list = revisions
            .iter()
            .rev()
            .find(|l| l.update_time < until)
            .cloned()
            .unwrap_or_else(|| PriorityList::empty(cooperation_id));
        let filter = OverrideFilter {
            cooperation: cooperation_id,
            ..Default::default()
        };
        let overrides = tx
            .list_overrides(&filter, 0, i64::MAX)
            .await?
            .into_iter()
            .map(|(_, o)| o)
            .filter(|o| o.set_time < until)
            .collect();
        let versions = tx.implementation_versions_until(cooperation_id, until - 1).await?;
        Ok(Inputs {
            members,
            list,
            revisions,
            overrides,
            versions,
            as_of: as_of.to_string(),
        })
    }

    pub fn followed(&self) -> Vec<Followed<'_>> {
        participation::followed(&self.list, &self.members, &self.overrides, &self.as_of)
    }

    /// The latest version of each record on the date.
    pub fn records(&self) -> HashMap<(&str, &str), &Implementation> {
        let mut out = HashMap::new();
        for i in &self.versions {
            out.insert((i.proposal_id.as_str(), i.municipality.as_str()), i);
        }
        out
    }

    /// The date a proposal first appeared on the shared list, if it did.
    pub fn listed_on(&self, proposal_id: &str) -> Option<String> {
        self.revisions
            .iter()
            .find(|l| l.items.iter().any(|p| p == proposal_id))
            .map(|l| date_of(l.update_time))
    }

    /// The date a followed priority became one: listed, or adopted locally
    /// by the participant's override.
    pub fn adopted_on(&self, f: &Followed<'_>) -> String {
        match f.shared_rank {
            Some(_) => self.listed_on(f.proposal_id),
            None => f.overrides.iter().map(|o| date_of(o.set_time)).min(),
        }
        .unwrap_or_else(|| self.as_of.clone())
    }

    /// A participant's record as read on the date.
    pub fn view(
        &self,
        p: &Participant<'_>,
        adopted_on: &str,
        record: Option<&Implementation>,
        cooperation_id: &str,
        proposal_id: &str,
        stale_after_days: u32,
    ) -> ImplementationView {
        let record = record
            .cloned()
            .unwrap_or_else(|| Implementation::not_started(cooperation_id, proposal_id, &p.member.code));
        let starts_on = match (p.participation, p.deferred_until) {
            (Participation::Deferred, Some(d)) if d > adopted_on => d.to_string(),
            _ => adopted_on.to_string(),
        };
        let last = (record.version > 0).then(|| date_of(record.update_time));
        let (from, days) = progress::quiet_since(last.as_deref(), &starts_on, &self.as_of);
        let started = starts_on.as_str() <= self.as_of.as_str();
        ImplementationView {
            stale: progress::is_stale(record.status, &starts_on, days, &self.as_of, stale_after_days),
            member_name: p.member.name.clone(),
            population: p.member.population,
            participation: p.participation,
            last_update_on: started.then_some(from),
            days_since_update: started.then_some(days),
            starts_on: Some(starts_on),
            record,
            as_of: self.as_of.clone(),
        }
    }
}

/// A date given in a request, or today.
pub(super) fn date_or_today(field: &str, value: &str, ctx: &Ctx) -> Result<String> {
    if value.is_empty() {
        return Ok(today(ctx.now));
    }
    v::iso_date(value).map_err(|d| Error::invalid(field, d))?;
    Ok(value.to_string())
}

/// Where the changes of a report start: the previous report's date, and
/// the time after which a change counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since {
    pub date: String,
    pub from: Micros,
}

/// The last follow-up session of the cooperation closed before `before`
/// (other than `except`): the previous report.
async fn previous_follow_up(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    before: Micros,
    except: &str,
) -> Result<Option<Since>> {
    let last = tx
        .list_sessions(cooperation_id, 0, i64::MAX)
        .await?
        .into_iter()
        .filter_map(|(_, s)| {
            let t = s.close_time?;
            (s.kind == SessionKind::FollowUp && s.id != except && t < before).then_some(t)
        })
        .max();
    Ok(last.map(|t| Since {
        date: date_of(t),
        from: t + 1,
    }))
}

/// The report that goes into a closing follow-up session's minutes: as of
/// the day it closes, with the changes since the previous follow-up session.
pub async fn at_session_close(
    tx: &mut dyn StoreTx,
    session: &crate::domain::model::Session,
    stale_after_days: u32,
) -> Result<FollowUpReport> {
    let closed = session.close_time.unwrap_or_default();
    let since = previous_follow_up(tx, &session.cooperation_id, closed, &session.id).await?;
    build(tx, &session.cooperation_id, &date_of(closed), since, stale_after_days).await
}

/// The follow-up report of a cooperation on `as_of` (today if empty), with
/// the changes after the day `since`; if empty, those since the last
/// follow-up session closed by then (none if there was none).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id))]
pub async fn report(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    as_of: &str,
    since: &str,
    stale_after_days: u32,
) -> Result<FollowUpReport> {
    let as_of = date_or_today("as_of", as_of, ctx)?;
    let since = if since.is_empty() {
        None
    } else {
        v::iso_date(since).map_err(|d| Error::invalid("since", d))?;
        if since >= as_of.as_str() {
            return Err(Error::invalid("since", format!("must be before as_of ({as_of})")));
        }
        Some(Since {
            date: since.to_string(),
            from: end_of_day(since),
        })
    };
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let since = match since {
        Some(s) => Some(s),
        None => previous_follow_up(&mut *tx, cooperation_id, end_of_day(&as_of), "").await?,
    };
    build(&mut *tx, cooperation_id, &as_of, since, stale_after_days).await
}

/// The report, inside a transaction that has checked the caller may read it
/// (or that closes a follow-up session).
pub async fn build(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    as_of: &str,
    since: Option<Since>,
    stale_after_days: u32,
) -> Result<FollowUpReport> {
    let cooperation = tx
        .get_cooperation(cooperation_id)
        .await?
        .ok_or_else(|| Error::not_found("cooperation", cooperation_id))?;
    let inputs = Inputs::load(tx, cooperation_id, as_of).await?;
    let followed = inputs.followed();
    let ids: Vec<&str> = followed.iter().map(|f| f.proposal_id).collect();
    let proposals: HashMap<String, Proposal> = tx
        .get_proposals(cooperation_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let title = |id: &str| proposals.get(id).map(|p| p.content.title.clone()).unwrap_or_default();
    let names: HashMap<&str, &str> = inputs
        .members
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let name = |code: &str| names.get(code).copied().unwrap_or(code).to_string();

    let rounds = tx.deciding_rounds(cooperation_id).await?;
    let mut session_titles: HashMap<String, String> = HashMap::new();
    for r in &rounds {
        if !session_titles.contains_key(&r.session_id)
            && let Some(s) = tx.get_session(&r.session_id).await?
        {
            session_titles.insert(s.id, s.title);
        }
    }
    let until = end_of_day(as_of);
    let decision_of = |pid: &str| -> Option<Decision> {
        let r = rounds.iter().find(|r| {
            r.close_time.is_some_and(|t| t < until)
                && r.result
                    .as_ref()
                    .is_some_and(|res| res.adopted.iter().any(|a| a == pid))
        })?;
        Some(Decision {
            round_id: r.id.clone(),
            round_title: r.title.clone(),
            session_id: r.session_id.clone(),
            session_title: session_titles.get(&r.session_id).cloned().unwrap_or_default(),
            method: r.method,
            threshold: r.threshold,
            weighting: r.weighting,
            total_weight: r.total_weight,
            budget_dkk: r.budget_dkk,
            result: r
                .result
                .as_ref()
                .and_then(|res| res.candidates.iter().find(|c| c.proposal_id == pid).cloned()),
            decide_time: r.close_time.unwrap_or_default(),
            summary: summary(r, pid),
        })
    };

    let records = inputs.records();
    let mut priorities = Vec::new();
    let mut overdue = Vec::new();
    for f in &followed {
        let adopted_on = inputs.adopted_on(f);
        let members: Vec<ImplementationView> = f
            .participants
            .iter()
            .map(|p| {
                let rec = records.get(&(f.proposal_id, p.member.code.as_str())).copied();
                inputs.view(p, &adopted_on, rec, cooperation_id, f.proposal_id, stale_after_days)
            })
            .collect();
        let parts: Vec<_> = members
            .iter()
            .map(|m| (m.record.progress_percent, m.population, m.record.status))
            .collect();
        for m in &members {
            for ms in m.overdue() {
                overdue.push(OverdueItem {
                    proposal_id: f.proposal_id.to_string(),
                    title: title(f.proposal_id),
                    municipality: m.record.municipality.clone(),
                    member_name: m.member_name.clone(),
                    milestone: Some(ms.clone()),
                    last_update_on: m.last_update_on.clone(),
                    days_since_update: m.days_since_update,
                });
            }
            if m.stale {
                overdue.push(OverdueItem {
                    proposal_id: f.proposal_id.to_string(),
                    title: title(f.proposal_id),
                    municipality: m.record.municipality.clone(),
                    member_name: m.member_name.clone(),
                    milestone: None,
                    last_update_on: m.last_update_on.clone(),
                    days_since_update: m.days_since_update,
                });
            }
        }
        priorities.push(PriorityFollowUp {
            proposal_id: f.proposal_id.to_string(),
            title: title(f.proposal_id),
            shared_rank: f.shared_rank,
            decision: f.shared_rank.and_then(|_| decision_of(f.proposal_id)),
            adopted_on,
            progress: progress::progress(&parts),
            members,
            deviations: f
                .overrides
                .iter()
                .map(|o| DeviationNote {
                    municipality: o.municipality.clone(),
                    member_name: name(&o.municipality),
                    kind: o.kind,
                    defer_until: o.defer_until.clone(),
                    local_rank: o.local_rank,
                    effect: o.effect(),
                    justification: o.justification.clone(),
                    board_resolution: o.board_resolution.clone(),
                    override_id: o.id.clone(),
                })
                .collect(),
        });
    }

    let changes = match &since {
        Some(since) => changes_between(tx, &inputs, cooperation_id, since.from, &title, &name).await?,
        None => vec![],
    };
    Ok(FollowUpReport {
        cooperation_id: cooperation_id.to_string(),
        cooperation_name: cooperation.name,
        as_of: as_of.to_string(),
        since: since.map(|s| s.date),
        stale_after_days,
        list_revision: inputs.list.revision,
        priorities,
        overdue,
        changes,
    })
}

/// A round's result for one proposal, in a few words.
fn summary(r: &Round, pid: &str) -> String {
    let Some(res) = &r.result else {
        return String::new();
    };
    let Some(c) = res.candidates.iter().find(|c| c.proposal_id == pid) else {
        return "adopted".into();
    };
    match r.method {
        Method::YesNo => format!(
            "adopted: YES {}, NO {}, ABSTAIN {} of weight {} ({})",
            c.yes_weight, c.no_weight, c.abstain_weight, res.total_weight, r.weighting
        ),
        _ => format!(
            "adopted at position {} (score {}, {}{})",
            c.position,
            c.score,
            r.method,
            r.budget_dkk.map(|b| format!(", budget {b} DKK")).unwrap_or_default()
        ),
    }
}

/// The changes recorded from `from` up to the end of the report's date:
/// record updates, overrides set, changed or revoked, list revisions.
async fn changes_between(
    tx: &mut dyn StoreTx,
    inputs: &Inputs,
    cooperation_id: &str,
    from: Micros,
    title: &impl Fn(&str) -> String,
    name: &impl Fn(&str) -> String,
) -> Result<Vec<ReportChange>> {
    let until = end_of_day(&inputs.as_of);
    let mut out = Vec::new();
    let mut previous: HashMap<(&str, &str), &Implementation> = HashMap::new();
    let change = |time, municipality: &str, proposal_id: &str, detail: ChangeDetail, actor| ReportChange {
        time,
        municipality: municipality.to_string(),
        member_name: if municipality.is_empty() {
            String::new()
        } else {
            name(municipality)
        },
        proposal_id: proposal_id.to_string(),
        title: if proposal_id.is_empty() {
            String::new()
        } else {
            title(proposal_id)
        },
        description: describe(&detail),
        detail,
        actor,
    };
    for i in &inputs.versions {
        let key = (i.proposal_id.as_str(), i.municipality.as_str());
        if i.update_time >= from {
            let detail = record_change(previous.get(&key).copied(), i);
            out.push(change(
                i.update_time,
                &i.municipality,
                &i.proposal_id,
                detail,
                i.updated_by.clone(),
            ));
        }
        previous.insert(key, i);
    }
    for o in tx.override_versions_between(cooperation_id, from, until - 1).await? {
        let detail = ChangeDetail::Override {
            kind: o.kind,
            defer_until: o.defer_until.clone(),
            local_rank: o.local_rank,
            change: o.change,
            board_resolution: o.board_resolution.clone(),
            justification: o.justification.clone(),
        };
        out.push(change(
            o.set_time,
            &o.municipality,
            &o.proposal_id,
            detail,
            Some(o.set_by.clone()),
        ));
    }
    for l in inputs
        .revisions
        .iter()
        .filter(|l| l.update_time >= from && l.update_time < until)
    {
        let detail = ChangeDetail::ListRevision {
            revision: l.revision,
            priorities: l.items.len() as u32,
        };
        out.push(change(l.update_time, "", "", detail, None));
    }
    out.sort_by_key(|c| c.time);
    Ok(out)
}

/// What an update of a record changed.
fn record_change(before: Option<&Implementation>, after: &Implementation) -> ChangeDetail {
    let none = Implementation::not_started(&after.cooperation_id, &after.proposal_id, &after.municipality);
    let b = before.unwrap_or(&none);
    let mut milestones = Vec::new();
    for m in &after.milestones {
        match b.milestones.iter().find(|x| x.title == m.title) {
            None => milestones.push(MilestoneChange::Added {
                title: m.title.clone(),
                due_on: m.due_on.clone(),
            }),
            Some(x) if x.done_on.is_none() && m.done_on.is_some() => milestones.push(MilestoneChange::Done {
                title: m.title.clone(),
                done_on: m.done_on.clone().unwrap_or_default(),
            }),
            Some(x) if x.due_on != m.due_on => milestones.push(MilestoneChange::Moved {
                title: m.title.clone(),
                from: x.due_on.clone(),
                to: m.due_on.clone(),
            }),
            _ => {}
        }
    }
    for x in &b.milestones {
        if !after.milestones.iter().any(|m| m.title == x.title) {
            milestones.push(MilestoneChange::Removed { title: x.title.clone() });
        }
    }
    ChangeDetail::Record {
        status: (b.status != after.status).then_some((b.status, after.status)),
        progress: (b.progress_percent != after.progress_percent)
            .then_some((b.progress_percent, after.progress_percent)),
        milestones,
        notes_changed: b.notes != after.notes,
    }
}

/// A change in a few words for the API, e.g. "status NOT_STARTED →
/// IN_PROGRESS; progress 0 % → 40 %". People read it in the minutes, in
/// their language (`follow_up::minutes`).
fn describe(detail: &ChangeDetail) -> String {
    match detail {
        ChangeDetail::Record {
            status,
            progress,
            milestones,
            notes_changed,
        } => {
            let mut parts = Vec::new();
            if let Some((b, a)) = status {
                parts.push(format!("status {b} → {a}"));
            }
            if let Some((b, a)) = progress {
                parts.push(format!("progress {b} % → {a} %"));
            }
            for m in milestones {
                parts.push(match m {
                    MilestoneChange::Added { title, due_on } => {
                        format!("milestone \u{201c}{title}\u{201d} due {due_on} added")
                    }
                    MilestoneChange::Done { title, done_on } => {
                        format!("milestone \u{201c}{title}\u{201d} done {done_on}")
                    }
                    MilestoneChange::Moved { title, from, to } => {
                        format!("milestone \u{201c}{title}\u{201d} moved from {from} to {to}")
                    }
                    MilestoneChange::Removed { title } => format!("milestone \u{201c}{title}\u{201d} removed"),
                });
            }
            if *notes_changed {
                parts.push("notes updated".into());
            }
            if parts.is_empty() {
                "confirmed unchanged".into()
            } else {
                parts.join("; ")
            }
        }
        ChangeDetail::Override {
            kind,
            defer_until,
            local_rank,
            change,
            board_resolution,
            justification,
        } => {
            let what = match change {
                Change::Set => "set",
                Change::Changed => "changed",
                Change::Reconfirmed => "reconfirmed",
                Change::Revoked => "revoked",
            };
            let effect = crate::domain::model::overrides::effect(*kind, defer_until.as_deref(), *local_rank);
            format!("override {effect} {what} ({board_resolution}): {justification}")
        }
        ChangeDetail::ListRevision { revision, priorities } => {
            format!("shared list revision {revision} ({priorities} priorities)")
        }
    }
}
