//! Follow-up records and the report, between the domain and the contract.

use samprio_proto::v1 as pb;

use super::overrides::kind_pb;
use super::sessions::method_pb;
use super::{actor, enum_value, etag, ts};
use crate::domain::Error;
use crate::domain::follow_up::{self as f, ImplementationView, Participation};
use crate::domain::model::{ImplementationStatus, Milestone};

pub fn status(field: &str, v: i32) -> Result<Option<ImplementationStatus>, Error> {
    use pb::ImplementationStatus as P;
    Ok(match enum_value::<P>(field, v)? {
        P::Unspecified => None,
        P::NotStarted => Some(ImplementationStatus::NotStarted),
        P::InProgress => Some(ImplementationStatus::InProgress),
        P::Done => Some(ImplementationStatus::Done),
        P::Blocked => Some(ImplementationStatus::Blocked),
        P::Cancelled => Some(ImplementationStatus::Cancelled),
    })
}

pub fn status_pb(s: ImplementationStatus) -> pb::ImplementationStatus {
    use pb::ImplementationStatus as P;
    match s {
        ImplementationStatus::NotStarted => P::NotStarted,
        ImplementationStatus::InProgress => P::InProgress,
        ImplementationStatus::Done => P::Done,
        ImplementationStatus::Blocked => P::Blocked,
        ImplementationStatus::Cancelled => P::Cancelled,
    }
}

pub fn participation_pb(p: Participation) -> pb::Participation {
    match p {
        Participation::TakingPart => pb::Participation::TakingPart,
        Participation::Deferred => pb::Participation::Deferred,
        Participation::LocalAdoption => pb::Participation::LocalAdoption,
    }
}

/// The request's record state; the domain validates the values.
pub fn spec(r: &pb::UpdateImplementationRequest) -> Result<f::ImplementationSpec, Error> {
    Ok(f::ImplementationSpec {
        status: status("status", r.status)?,
        progress_percent: r.progress_percent,
        milestones: r
            .milestones
            .iter()
            .map(|m| Milestone {
                title: m.title.clone(),
                due_on: m.due_on.clone(),
                done_on: (!m.done_on.is_empty()).then(|| m.done_on.clone()),
            })
            .collect(),
        notes: r.notes.clone(),
    })
}

fn milestone(m: &Milestone, as_of: &str) -> pb::Milestone {
    pb::Milestone {
        title: m.title.clone(),
        due_on: m.due_on.clone(),
        done_on: m.done_on.clone().unwrap_or_default(),
        overdue: m.is_overdue(as_of),
    }
}

pub fn implementation(v: ImplementationView) -> pb::Implementation {
    let r = v.record;
    pb::Implementation {
        overdue_milestones: r.overdue(&v.as_of).count() as u32,
        milestones: r.milestones.iter().map(|m| milestone(m, &v.as_of)).collect(),
        cooperation_id: r.cooperation_id,
        proposal_id: r.proposal_id,
        municipality: r.municipality,
        status: status_pb(r.status) as i32,
        progress_percent: r.progress_percent,
        notes: r.notes,
        updated_by: r.updated_by.map(actor),
        update_time: (r.version > 0).then(|| ts(r.update_time)).flatten(),
        version: r.version,
        etag: etag(u64::from(r.version)),
        member_name: v.member_name,
        population: v.population,
        participation: participation_pb(v.participation) as i32,
        starts_on: v.starts_on.unwrap_or_default(),
        stale: v.stale,
        last_update_on: v.last_update_on.unwrap_or_default(),
        days_since_update: v.days_since_update.unwrap_or_default(),
        as_of: v.as_of,
    }
}

pub fn report(r: f::FollowUpReport) -> pb::FollowUpReport {
    let as_of = r.as_of.clone();
    pb::FollowUpReport {
        cooperation_id: r.cooperation_id,
        cooperation_name: r.cooperation_name,
        as_of: r.as_of,
        since: r.since.unwrap_or_default(),
        stale_after_days: r.stale_after_days,
        list_revision: r.list_revision,
        priorities: r
            .priorities
            .into_iter()
            .map(|p| pb::PriorityFollowUp {
                proposal_id: p.proposal_id,
                title: p.title,
                shared_rank: p.shared_rank.unwrap_or(0),
                decision: p.decision.map(|d| pb::FollowUpDecision {
                    round_id: d.round_id,
                    round_title: d.round_title,
                    session_id: d.session_id,
                    session_title: d.session_title,
                    method: method_pb(d.method) as i32,
                    decide_time: ts(d.decide_time),
                    summary: d.summary,
                }),
                adopted_on: p.adopted_on,
                progress_bp: p.progress.plain_bp,
                weighted_progress_bp: p.progress.weighted_bp,
                members_taking_part: p.progress.members,
                members_done: p.progress.done,
                members: p.members.into_iter().map(implementation).collect(),
                deviations: p
                    .deviations
                    .into_iter()
                    .map(|d| pb::FollowUpDeviation {
                        municipality: d.municipality,
                        member_name: d.member_name,
                        kind: kind_pb(d.kind) as i32,
                        effect: d.effect,
                        justification: d.justification,
                        board_resolution: d.board_resolution,
                        override_id: d.override_id,
                    })
                    .collect(),
            })
            .collect(),
        overdue: r
            .overdue
            .into_iter()
            .map(|o| pb::OverdueItem {
                proposal_id: o.proposal_id,
                title: o.title,
                municipality: o.municipality,
                member_name: o.member_name,
                milestone: o.milestone.as_ref().map(|m| milestone(m, &as_of)),
                last_update_on: o.last_update_on.unwrap_or_default(),
                days_since_update: o.days_since_update.unwrap_or_default(),
            })
            .collect(),
        changes: r
            .changes
            .into_iter()
            .map(|c| pb::FollowUpChange {
                time: ts(c.time),
                municipality: c.municipality,
                member_name: c.member_name,
                proposal_id: c.proposal_id,
                title: c.title,
                description: c.description,
                actor: c.actor.map(actor),
            })
            .collect(),
    }
}
