//! Conversions between the wire types of `samprio.v1` and the domain model.
//! Decoding checks enum values and names the field of any bad one. The
//! records of sessions and of overrides have their own files.

pub mod follow_up;
pub mod overrides;
pub mod portfolio;
pub mod sessions;

use samprio_proto::pbjson_types::Timestamp;
use samprio_proto::v1 as pb;

use crate::domain::Error;
use crate::domain::model as m;

pub fn ts(micros: m::Micros) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    })
}

pub fn opt_ts(micros: Option<m::Micros>) -> Option<Timestamp> {
    micros.and_then(ts)
}

pub fn micros(field: &str, t: &Timestamp) -> Result<m::Micros, Error> {
    if !(0..1_000_000_000).contains(&t.nanos) {
        return Err(Error::invalid(field, "nanos must be in 0..1e9"));
    }
    t.seconds
        .checked_mul(1_000_000)
        .and_then(|s| s.checked_add(t.nanos as i64 / 1000))
        .filter(|_| (0..=253_402_300_799).contains(&t.seconds))
        .ok_or_else(|| Error::invalid(field, "is out of range"))
}

pub fn etag(version: u64) -> String {
    crate::domain::etag::etag_of(version)
}

/// Decodes a proto enum value: unknown values and (when `required`)
/// UNSPECIFIED are invalid arguments naming the field.
pub fn enum_value<E: TryFrom<i32>>(field: &str, v: i32) -> Result<E, Error> {
    E::try_from(v).map_err(|_| Error::invalid(field, format!("unknown value {v}")))
}

pub fn weighting(field: &str, v: i32, required: bool) -> Result<Option<m::Weighting>, Error> {
    Ok(match enum_value::<pb::Weighting>(field, v)? {
        pb::Weighting::Unspecified if required => return Err(Error::invalid(field, "is required")),
        pb::Weighting::Unspecified => None,
        pb::Weighting::Equal => Some(m::Weighting::Equal),
        pb::Weighting::Population => Some(m::Weighting::Population),
        pb::Weighting::Custom => Some(m::Weighting::Custom),
    })
}

pub fn weighting_pb(w: m::Weighting) -> pb::Weighting {
    match w {
        m::Weighting::Equal => pb::Weighting::Equal,
        m::Weighting::Population => pb::Weighting::Population,
        m::Weighting::Custom => pb::Weighting::Custom,
    }
}

pub fn decision_level_pb(d: m::DecisionLevel) -> pb::DecisionLevel {
    match d {
        m::DecisionLevel::Delegated => pb::DecisionLevel::Delegated,
        m::DecisionLevel::Board => pb::DecisionLevel::Board,
    }
}

pub fn rules(field: &str, r: Option<&pb::CooperationRules>) -> Result<m::Rules, Error> {
    let Some(r) = r else {
        return Ok(m::Rules {
            default_weighting: m::Weighting::Equal,
            default_quorum_bp: 5000,
            allow_delegated_voting: false,
        });
    };
    Ok(m::Rules {
        default_weighting: weighting(&format!("{field}.default_weighting"), r.default_weighting, false)?
            .unwrap_or(m::Weighting::Equal),
        default_quorum_bp: r.default_quorum_bp,
        allow_delegated_voting: r.allow_delegated_voting,
    })
}

pub fn cooperation(c: m::Cooperation) -> pb::Cooperation {
    pb::Cooperation {
        id: c.id,
        name: c.name,
        rules: Some(pb::CooperationRules {
            default_weighting: weighting_pb(c.rules.default_weighting) as i32,
            default_quorum_bp: c.rules.default_quorum_bp,
            allow_delegated_voting: c.rules.allow_delegated_voting,
        }),
        create_time: ts(c.create_time),
        update_time: ts(c.update_time),
        etag: etag(c.version),
        member_count: c.member_count,
    }
}

pub fn member(x: m::Member) -> pb::Member {
    pb::Member {
        etag: etag(x.version),
        cooperation_id: x.cooperation_id,
        code: x.code,
        name: x.name,
        population: x.population,
        population_date: x.population_date.unwrap_or_default(),
        custom_weight: x.custom_weight,
        joined_on: x.joined_on,
        left_on: x.left_on.unwrap_or_default(),
    }
}

pub fn category(field: &str, v: i32) -> Result<m::Category, Error> {
    Ok(match enum_value::<pb::Category>(field, v)? {
        pb::Category::Unspecified => return Err(Error::invalid(field, "is required")),
        pb::Category::NewSystem => m::Category::NewSystem,
        pb::Category::Replacement => m::Category::Replacement,
        pb::Category::SharedProcurement => m::Category::SharedProcurement,
        pb::Category::AiUse => m::Category::AiUse,
        pb::Category::Infrastructure => m::Category::Infrastructure,
        pb::Category::Other => m::Category::Other,
    })
}

fn category_pb(c: m::Category) -> pb::Category {
    match c {
        m::Category::NewSystem => pb::Category::NewSystem,
        m::Category::Replacement => pb::Category::Replacement,
        m::Category::SharedProcurement => pb::Category::SharedProcurement,
        m::Category::AiUse => pb::Category::AiUse,
        m::Category::Infrastructure => pb::Category::Infrastructure,
        m::Category::Other => pb::Category::Other,
    }
}

pub fn proposal_status(field: &str, v: i32) -> Result<Option<m::ProposalStatus>, Error> {
    Ok(match enum_value::<pb::ProposalStatus>(field, v)? {
        pb::ProposalStatus::Unspecified => None,
        pb::ProposalStatus::Draft => Some(m::ProposalStatus::Draft),
        pb::ProposalStatus::Submitted => Some(m::ProposalStatus::Submitted),
        pb::ProposalStatus::Adopted => Some(m::ProposalStatus::Adopted),
        pb::ProposalStatus::Rejected => Some(m::ProposalStatus::Rejected),
        pb::ProposalStatus::Withdrawn => Some(m::ProposalStatus::Withdrawn),
    })
}

fn proposal_status_pb(s: m::ProposalStatus) -> pb::ProposalStatus {
    match s {
        m::ProposalStatus::Draft => pb::ProposalStatus::Draft,
        m::ProposalStatus::Submitted => pb::ProposalStatus::Submitted,
        m::ProposalStatus::Adopted => pb::ProposalStatus::Adopted,
        m::ProposalStatus::Rejected => pb::ProposalStatus::Rejected,
        m::ProposalStatus::Withdrawn => pb::ProposalStatus::Withdrawn,
    }
}

pub fn proposal_content(c: Option<pb::ProposalContent>) -> Result<m::ProposalContent, Error> {
    let c = c.ok_or_else(|| Error::invalid("content", "is required"))?;
    let f = c.flags.unwrap_or_default();
    Ok(m::ProposalContent {
        category: category("content.category", c.category)?,
        title: c.title,
        summary: c.summary,
        flags: m::Flags {
            involves_ai: f.involves_ai,
            personal_data: f.personal_data,
            citizen_facing: f.citizen_facing,
            security_critical: f.security_critical,
        },
        one_time_cost_dkk: c.one_time_cost_dkk,
        yearly_cost_dkk: c.yearly_cost_dkk,
        linked_systems: c.linked_systems,
    })
}

pub fn proposal(p: m::Proposal) -> pb::Proposal {
    let level = p.decision_level();
    let f = &p.content.flags;
    pb::Proposal {
        flags: Some(pb::ProposalFlags {
            involves_ai: f.involves_ai,
            personal_data: f.personal_data,
            citizen_facing: f.citizen_facing,
            security_critical: f.security_critical,
        }),
        category: category_pb(p.content.category) as i32,
        status: proposal_status_pb(p.status) as i32,
        decision_level: decision_level_pb(level) as i32,
        create_time: ts(p.create_time),
        update_time: ts(p.update_time),
        submit_time: opt_ts(p.submit_time),
        decide_time: opt_ts(p.decide_time),
        etag: etag(p.version),
        id: p.id,
        cooperation_id: p.cooperation_id,
        title: p.content.title,
        summary: p.content.summary,
        one_time_cost_dkk: p.content.one_time_cost_dkk,
        yearly_cost_dkk: p.content.yearly_cost_dkk,
        sponsor: p.sponsor,
        linked_systems: p.content.linked_systems,
        created_by: p.created_by,
    }
}

pub fn actor(a: m::Actor) -> pb::Actor {
    pb::Actor {
        sub: a.sub,
        municipality: a.municipality,
        roles: a.roles,
        name: a.name,
    }
}

pub fn event(e: m::Event, redacted: bool) -> pb::Event {
    pb::Event {
        seq: e.seq as u64,
        time: ts(e.time),
        actor: Some(actor(e.actor)),
        action: e.action,
        subject: e.subject,
        cooperation_id: e.cooperation_id,
        payload_json: e.payload,
        hash: e.hash,
        prev_hash: e.prev_hash,
        redacted,
    }
}

pub fn priority_list(
    l: &m::PriorityList,
    proposals: &std::collections::HashMap<String, m::Proposal>,
) -> pb::PriorityList {
    pb::PriorityList {
        cooperation_id: l.cooperation_id.clone(),
        revision: l.revision,
        items: l
            .items
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let p = proposals.get(id);
                pb::PriorityItem {
                    rank: i as u32 + 1,
                    proposal_id: id.clone(),
                    title: p.map(|p| p.content.title.clone()).unwrap_or_default(),
                    decision_level: p.map(|p| decision_level_pb(p.decision_level()) as i32).unwrap_or(0),
                    one_time_cost_dkk: p.map(|p| p.content.one_time_cost_dkk).unwrap_or(0),
                    yearly_cost_dkk: p.map(|p| p.content.yearly_cost_dkk).unwrap_or(0),
                }
            })
            .collect(),
        update_time: if l.revision == 0 { None } else { ts(l.update_time) },
    }
}
