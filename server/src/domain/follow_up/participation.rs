//! Who is expected to implement what (DESIGN.md §13), as a pure function of
//! the shared list, the members and the overrides in force on a date:
//!
//! * every current member takes part in every shared priority,
//! * except a member with an `OPT_OUT` in force, which is not expected to;
//! * a `DEFER` shifts the member's start to the end of its deferral;
//! * a `RERANK` changes the member's order, not its part;
//! * an `ADOPT_LOCAL` makes a proposal the cooperation did not adopt that
//!   member's own priority: a record for that member only.

use std::collections::HashMap;

use crate::domain::model::{Member, Override, OverrideKind, PriorityList};
use crate::domain::overrides::effective;

pub use crate::domain::model::follow_up::Participation;

/// A member expected to keep a record of a priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant<'a> {
    pub member: &'a Member,
    pub participation: Participation,
    /// For a deferral: the date from which the member takes part.
    pub deferred_until: Option<&'a str>,
    /// The override that shapes its part, if any (`DEFER`, `RERANK`, `ADOPT_LOCAL`).
    pub by: Option<&'a Override>,
}

/// A priority followed up: on the shared list, or adopted locally by some members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed<'a> {
    pub proposal_id: &'a str,
    /// `None` for a proposal only adopted locally.
    pub shared_rank: Option<u32>,
    pub participants: Vec<Participant<'a>>,
    /// Members that opted out, with the override that says why.
    pub opted_out: Vec<(&'a Member, &'a Override)>,
    /// Every override in force on this proposal (the deviations).
    pub overrides: Vec<&'a Override>,
}

/// A member counts on `as_of` unless it left the cooperation by then.
pub fn member_on(m: &Member, as_of: &str) -> bool {
    m.left_on.as_deref().is_none_or(|left| left > as_of)
}

/// Every followed priority on `as_of`: the shared list in rank order, then
/// the local adoptions in the order first set. `overrides` are the
/// cooperation's overrides; those not in force on `as_of` are ignored.
pub fn followed<'a>(
    list: &'a PriorityList,
    members: &'a [Member],
    overrides: &'a [Override],
    as_of: &str,
) -> Vec<Followed<'a>> {
    let current: Vec<&Member> = members.iter().filter(|m| member_on(m, as_of)).collect();
    let mut by_proposal: HashMap<&str, Vec<&Override>> = HashMap::new();
    for o in overrides.iter().filter(|o| effective::in_force(o, as_of)) {
        by_proposal.entry(o.proposal_id.as_str()).or_default().push(o);
    }
    let of = |m: &Member, os: &[&'a Override]| os.iter().copied().find(|o| o.municipality == m.code);

    let mut out = Vec::new();
    for (i, pid) in list.items.iter().enumerate() {
        let os = by_proposal.remove(pid.as_str()).unwrap_or_default();
        let mut f = Followed {
            proposal_id: pid,
            shared_rank: Some(i as u32 + 1),
            participants: vec![],
            opted_out: vec![],
            overrides: vec![],
        };
        for m in &current {
            match of(m, &os) {
                Some(o) if o.kind == OverrideKind::OptOut => f.opted_out.push((m, o)),
                Some(o) if o.kind == OverrideKind::Defer => f.participants.push(Participant {
                    member: m,
                    participation: Participation::Deferred,
                    deferred_until: o.defer_until.as_deref(),
                    by: Some(o),
                }),
                by => f.participants.push(Participant {
                    member: m,
                    participation: Participation::TakingPart,
                    deferred_until: None,
                    by,
                }),
            }
        }
        f.overrides = os
            .into_iter()
            .filter(|o| current.iter().any(|m| m.code == o.municipality))
            .collect();
        out.push(f);
    }
    // What is left are overrides of proposals not on the list: local adoptions.
    let mut local: Vec<(&str, Vec<&Override>)> = by_proposal
        .into_iter()
        .map(|(p, os)| {
            let os: Vec<&Override> = os.into_iter().filter(|o| o.kind == OverrideKind::AdoptLocal).collect();
            (p, os)
        })
        .filter(|(_, os)| !os.is_empty())
        .collect();
    local.sort_by_key(|(_, os)| os.iter().map(|o| (o.set_time, o.id.clone())).min());
    for (pid, os) in local {
        let participants: Vec<Participant> = current
            .iter()
            .filter_map(|m| {
                of(m, &os).map(|o| Participant {
                    member: m,
                    participation: Participation::LocalAdoption,
                    deferred_until: None,
                    by: Some(o),
                })
            })
            .collect();
        if participants.is_empty() {
            continue;
        }
        out.push(Followed {
            proposal_id: pid,
            shared_rank: None,
            overrides: participants.iter().filter_map(|p| p.by).collect(),
            participants,
            opted_out: vec![],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Actor, Change};

    fn member(code: &str, left: Option<&str>) -> Member {
        Member {
            cooperation_id: "c".into(),
            code: code.into(),
            name: format!("M{code}"),
            population: 1000,
            population_date: None,
            custom_weight: None,
            joined_on: "2026-01-01".into(),
            left_on: left.map(str::to_string),
            version: 1,
        }
    }

    fn o(municipality: &str, proposal: &str, kind: OverrideKind, defer_until: Option<&str>) -> Override {
        Override {
            id: format!("o-{municipality}-{proposal}"),
            cooperation_id: "c".into(),
            municipality: municipality.into(),
            proposal_id: proposal.into(),
            kind,
            defer_until: defer_until.map(str::to_string),
            local_rank: None,
            justification: "j".into(),
            board_resolution: "r".into(),
            set_by: Actor {
                sub: "s".into(),
                municipality: municipality.into(),
                roles: vec![],
                name: String::new(),
            },
            set_time: 1,
            expires_on: None,
            list_revision: 1,
            shared_rank_at_set: None,
            revoked: false,
            version: 1,
            change: Change::Set,
        }
    }

    #[test]
    fn opt_outs_are_not_expected_deferrals_start_later_local_adoptions_are_their_members_own() {
        let list = PriorityList {
            cooperation_id: "c".into(),
            revision: 1,
            items: vec!["A".into(), "B".into()],
            update_time: 0,
            cause: String::new(),
        };
        let members = vec![
            member("0101", None),
            member("0147", None),
            member("0151", Some("2026-06-01")),
        ];
        let mut revoked = o("0147", "B", OverrideKind::OptOut, None);
        revoked.revoked = true;
        let overrides = vec![
            o("0101", "A", OverrideKind::OptOut, None),
            o("0147", "A", OverrideKind::Defer, Some("2027-01-01")),
            revoked,
            o("0147", "L", OverrideKind::AdoptLocal, None),
        ];
        let f = followed(&list, &members, &overrides, "2026-12-01");
        type Shape<'a> = (&'a str, Vec<(&'a str, Participation)>, Vec<&'a str>);
        let shape: Vec<Shape> = f
            .iter()
            .map(|f| {
                (
                    f.proposal_id,
                    f.participants
                        .iter()
                        .map(|p| (p.member.code.as_str(), p.participation))
                        .collect(),
                    f.opted_out.iter().map(|(m, _)| m.code.as_str()).collect(),
                )
            })
            .collect();
        use Participation::*;
        assert_eq!(
            shape,
            [
                ("A", vec![("0147", Deferred)], vec!["0101"]),
                ("B", vec![("0101", TakingPart), ("0147", TakingPart)], vec![]),
                ("L", vec![("0147", LocalAdoption)], vec![]),
            ],
            "0151 left before the date; a revoked opt-out does not count"
        );
        assert_eq!(f[0].participants[0].deferred_until, Some("2027-01-01"));
        assert_eq!(f[0].overrides.len(), 2);
        let before_leaving = followed(&list, &members, &overrides, "2026-05-01");
        assert_eq!(before_leaving[1].participants.len(), 3);
    }
}
