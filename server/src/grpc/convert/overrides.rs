//! Conversions of overrides, effective lists and accountability between the
//! wire types of `samprio.v1` and the domain.

use samprio_proto::v1 as pb;

use super::sessions as sc;
use super::{actor, enum_value, etag, ts};
use crate::domain::Error;
use crate::domain::model as m;
use crate::domain::overrides as o;

pub fn kind(field: &str, v: i32) -> Result<Option<m::OverrideKind>, Error> {
    Ok(match enum_value::<pb::OverrideKind>(field, v)? {
        pb::OverrideKind::Unspecified => None,
        pb::OverrideKind::OptOut => Some(m::OverrideKind::OptOut),
        pb::OverrideKind::Defer => Some(m::OverrideKind::Defer),
        pb::OverrideKind::Rerank => Some(m::OverrideKind::Rerank),
        pb::OverrideKind::AdoptLocal => Some(m::OverrideKind::AdoptLocal),
    })
}

pub fn kind_pb(k: m::OverrideKind) -> pb::OverrideKind {
    match k {
        m::OverrideKind::OptOut => pb::OverrideKind::OptOut,
        m::OverrideKind::Defer => pb::OverrideKind::Defer,
        m::OverrideKind::Rerank => pb::OverrideKind::Rerank,
        m::OverrideKind::AdoptLocal => pb::OverrideKind::AdoptLocal,
    }
}

fn state_pb(s: m::OverrideState) -> pb::OverrideState {
    match s {
        m::OverrideState::Active => pb::OverrideState::Active,
        m::OverrideState::Revoked => pb::OverrideState::Revoked,
        m::OverrideState::Expired => pb::OverrideState::Expired,
    }
}

/// The request's spec; a missing spec or kind is reported by the domain's
/// validation together with the other fields.
pub fn spec(s: Option<pb::OverrideSpec>) -> Result<o::OverrideSpec, Error> {
    let s = s.ok_or_else(|| Error::invalid("spec", "is required"))?;
    Ok(o::OverrideSpec {
        kind: kind("spec.kind", s.kind)?,
        proposal_id: s.proposal_id,
        defer_until: s.defer_until,
        local_rank: s.local_rank,
        justification: s.justification,
        board_resolution: s.board_resolution,
        expires_on: s.expires_on,
    })
}

pub fn override_(v: o::OverrideView) -> pb::Override {
    let r = v.record;
    pb::Override {
        id: r.id,
        cooperation_id: r.cooperation_id,
        municipality: r.municipality,
        proposal_id: r.proposal_id,
        kind: kind_pb(r.kind) as i32,
        defer_until: r.defer_until.unwrap_or_default(),
        local_rank: r.local_rank.unwrap_or(0),
        justification: r.justification,
        board_resolution: r.board_resolution,
        set_by: Some(actor(r.set_by)),
        set_time: ts(r.set_time),
        expires_on: r.expires_on.unwrap_or_default(),
        list_revision: r.list_revision,
        shared_rank_at_set: r.shared_rank_at_set.unwrap_or(0),
        needs_review: v.needs_review,
        state: state_pb(v.state) as i32,
        version: r.version,
        etag: etag(r.version as u64),
    }
}

pub fn effective_list(l: o::EffectiveList) -> pb::EffectiveList {
    pb::EffectiveList {
        cooperation_id: l.cooperation_id,
        municipality: l.municipality,
        revision: l.revision,
        items: l
            .items
            .into_iter()
            .map(|i| pb::EffectiveItem {
                local_rank: i.local_rank,
                shared_rank: i.shared_rank.unwrap_or(0),
                proposal_id: i.proposal_id,
                title: i.title,
                r#override: i.by.map(override_),
            })
            .collect(),
        set_apart: l
            .set_apart
            .into_iter()
            .map(|s| pb::SetApartItem {
                shared_rank: s.shared_rank,
                proposal_id: s.proposal_id,
                title: s.title,
                kind: kind_pb(s.by.record.kind) as i32,
                defer_until: s.by.record.defer_until.clone().unwrap_or_default(),
                justification: s.by.record.justification.clone(),
                r#override: Some(override_(s.by)),
            })
            .collect(),
        as_of: l.as_of,
    }
}

fn overview_item(i: o::OverviewItem) -> pb::OverviewItem {
    pb::OverviewItem {
        shared_rank: i.shared_rank.unwrap_or(0),
        proposal_id: i.proposal_id,
        title: i.title,
        opt_out: i.opt_out,
        defer: i.defer,
        rerank: i.rerank,
        adopt_local: i.adopt_local,
        delivered: i.delivered,
    }
}

pub fn overview(v: o::CooperationOverview) -> pb::CooperationOverview {
    pb::CooperationOverview {
        cooperation_id: v.cooperation_id,
        revision: v.revision,
        items: v.items.into_iter().map(overview_item).collect(),
        adopted_locally: v.adopted_locally.into_iter().map(overview_item).collect(),
    }
}

pub fn accountability(r: o::AccountabilityReport) -> pb::AccountabilityReport {
    pb::AccountabilityReport {
        cooperation_id: r.cooperation_id,
        municipality: r.municipality,
        votes: r
            .votes
            .into_iter()
            .map(|v| pb::NamedVote {
                round_id: v.round.id,
                session_id: v.round.session_id,
                method: sc::method_pb(v.round.method) as i32,
                // Named votes come from closed rounds only: public acts.
                ballot: Some(sc::ballot(v.ballot, true)),
                result: v.round.result.map(sc::result),
            })
            .collect(),
        overrides: r.overrides.into_iter().map(override_).collect(),
        divergences: r
            .divergences
            .into_iter()
            .map(|d| pb::Divergence {
                proposal_id: d.proposal_id,
                title: d.title,
                vote: d.vote,
                override_kind: kind_pb(d.override_kind) as i32,
                override_id: d.override_id,
                description: d.description,
            })
            .collect(),
        deliveries: r
            .deliveries
            .into_iter()
            .map(|d| pb::Delivery {
                proposal_id: d.proposal_id,
                title: d.title,
                shared_rank: d.shared_rank.unwrap_or(0),
                vote: d.vote,
                participation: match d.took_part {
                    o::TookPart::Yes(p) => super::follow_up::participation_pb(p),
                    o::TookPart::OptedOut => pb::Participation::OptedOut,
                } as i32,
                justification: d.justification,
                board_resolution: d.board_resolution,
                status: super::follow_up::status_pb(d.status) as i32,
                progress_percent: d.progress_percent,
                delivered: d.delivered,
            })
            .collect(),
    }
}
