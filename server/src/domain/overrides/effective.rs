//! What overrides mean for a list (DESIGN.md §6), as pure functions of the
//! shared list, the overrides and the date they are judged at.
//!
//! Dates are ISO `YYYY-MM-DD` strings, validated on the way in; at that fixed
//! width their string order is their calendar order.
//!
//! `needs_review` and the `EXPIRED` state are derived here at read time rather
//! than stored: they depend on the current list and on the date, and a stored
//! flag would have to be kept in step with every list revision on both
//! engines. Derived, it cannot drift.

use std::collections::{BTreeMap, HashMap};

use super::Override;
pub use crate::domain::model::Deviation;
use crate::domain::model::{OverrideKind, OverrideState, PriorityList};

/// The state of an override on `as_of`: revoked, past its expiry date (it
/// applies through `expires_on` itself), or active.
pub fn state(o: &Override, as_of: &str) -> OverrideState {
    if o.revoked {
        OverrideState::Revoked
    } else if o.expires_on.as_deref().is_some_and(|e| as_of > e) {
        OverrideState::Expired
    } else {
        OverrideState::Active
    }
}

pub fn in_force(o: &Override, as_of: &str) -> bool {
    state(o, as_of) == OverrideState::Active
}

/// An override in force whose proposal's shared rank is no longer the one it
/// was made (or last reconfirmed) against. A locally adopted proposal that
/// the cooperation later adopts is flagged too: its rank went from none to
/// some.
pub fn needs_review(o: &Override, list: &PriorityList, as_of: &str) -> bool {
    in_force(o, as_of) && list.rank_of(&o.proposal_id) != o.shared_rank_at_set
}

/// Whether a `DEFER` still holds the item back on `as_of` (from
/// `defer_until` on, the member takes part).
pub fn defers(o: &Override, as_of: &str) -> bool {
    Deviation::of(o).defers(as_of)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    /// 1-based position in the member's effective list.
    pub local_rank: u32,
    /// `None` for a locally adopted proposal not on the shared list.
    pub shared_rank: Option<u32>,
    pub proposal_id: &'a str,
    /// The override that places this item (`RERANK`, `ADOPT_LOCAL`).
    pub by: Option<&'a Override>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetApart<'a> {
    pub shared_rank: u32,
    pub proposal_id: &'a str,
    /// The `OPT_OUT` or the still-running `DEFER`.
    pub by: &'a Override,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effective<'a> {
    pub items: Vec<Item<'a>>,
    /// Opted-out and deferred items, in shared order.
    pub set_apart: Vec<SetApart<'a>>,
}

/// One member's effective list on `as_of`: the shared list with the member's
/// overrides in force applied.
///
/// * `OPT_OUT`, and `DEFER` until a later date, set the item apart.
/// * `RERANK` pins the item at its local rank; `ADOPT_LOCAL` inserts a
///   proposal that is not on the shared list, at its local rank or, without
///   one, after everything else. Should the cooperation later adopt that
///   proposal, it simply sits at its shared rank unless a local rank pins it.
/// * Everything else keeps its shared order and fills the positions the
///   pinned items leave free. Two items pinned at the same rank take
///   consecutive positions, the better shared rank first; a rank beyond the
///   end of the list places the item last.
///
/// `overrides` are the member's overrides; those not in force on `as_of`
/// (revoked, expired) are ignored, as are shared-list kinds for proposals no
/// longer on the list.
pub fn effective<'a>(list: &'a PriorityList, overrides: &'a [Override], as_of: &str) -> Effective<'a> {
    let by_proposal: HashMap<&str, &Override> = overrides
        .iter()
        .filter(|o| in_force(o, as_of))
        .map(|o| (o.proposal_id.as_str(), o))
        .collect();

    let mut set_apart = Vec::new();
    let mut flowing: Vec<(u32, &str)> = Vec::with_capacity(list.items.len());
    // (local rank, shared rank or MAX, proposal) → pinned item.
    let mut pinned: BTreeMap<(u32, u32, &str), Item<'a>> = BTreeMap::new();
    for (i, id) in list.items.iter().enumerate() {
        let rank = i as u32 + 1;
        match by_proposal.get(id.as_str()) {
            Some(o) if o.kind == OverrideKind::OptOut || defers(o, as_of) => set_apart.push(SetApart {
                shared_rank: rank,
                proposal_id: id,
                by: o,
            }),
            Some(o) if matches!(o.kind, OverrideKind::Rerank | OverrideKind::AdoptLocal) && o.local_rank.is_some() => {
                let at = o.local_rank.unwrap_or(u32::MAX).max(1);
                pinned.insert(
                    (at, rank, id),
                    Item {
                        local_rank: 0,
                        shared_rank: Some(rank),
                        proposal_id: id,
                        by: Some(o),
                    },
                );
            }
            _ => flowing.push((rank, id)),
        }
    }

    // Locally adopted proposals that are not on the shared list.
    let mut appended = Vec::new();
    let on_list: std::collections::HashSet<&str> = list.items.iter().map(String::as_str).collect();
    let mut local: Vec<&Override> = by_proposal
        .values()
        .copied()
        .filter(|o| o.kind == OverrideKind::AdoptLocal && !on_list.contains(o.proposal_id.as_str()))
        .collect();
    local.sort_by(|a, b| {
        (a.local_rank.is_none(), a.local_rank, &a.proposal_id).cmp(&(
            b.local_rank.is_none(),
            b.local_rank,
            &b.proposal_id,
        ))
    });
    for o in local {
        let item = Item {
            local_rank: 0,
            shared_rank: None,
            proposal_id: &o.proposal_id,
            by: Some(o),
        };
        match o.local_rank {
            Some(at) => {
                pinned.insert((at.max(1), u32::MAX, &o.proposal_id), item);
            }
            None => appended.push(item),
        }
    }

    let mut items = Vec::with_capacity(flowing.len() + pinned.len() + appended.len());
    let mut flowing = flowing.into_iter().peekable();
    let mut pinned = pinned.into_iter().peekable();
    loop {
        let pos = items.len() as u32 + 1;
        let next = match pinned.peek() {
            Some(((at, _, _), _)) if *at <= pos || flowing.peek().is_none() => pinned.next().map(|(_, item)| item),
            _ => flowing.next().map(|(rank, id)| Item {
                local_rank: 0,
                shared_rank: Some(rank),
                proposal_id: id,
                by: None,
            }),
        };
        match next {
            Some(item) => items.push(item),
            None => break,
        }
    }
    items.extend(appended);
    for (i, item) in items.iter_mut().enumerate() {
        item.local_rank = i as u32 + 1;
    }
    Effective { items, set_apart }
}

/// Who deviates from one proposal, by kind; municipality codes in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deviations<'a> {
    pub opt_out: Vec<&'a str>,
    pub defer: Vec<&'a str>,
    pub rerank: Vec<&'a str>,
    pub adopt_local: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewRow<'a> {
    /// `None` for a proposal adopted only locally.
    pub shared_rank: Option<u32>,
    pub proposal_id: &'a str,
    pub who: Deviations<'a>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview<'a> {
    /// Every shared priority, in shared order, with who deviates from it.
    pub shared: Vec<OverviewRow<'a>>,
    /// Proposals not on the shared list that members adopted locally.
    pub adopted_locally: Vec<OverviewRow<'a>>,
}

/// The cooperation-wide view on `as_of`: for each shared priority, which
/// members opt out, defer (a deferral still running) or re-rank it; and the
/// proposals members pursue locally. `deviations` are those of overrides in
/// force on `as_of`; grouped by proposal, they are placed with one lookup per
/// proposal.
pub fn overview<'a>(
    list: &'a PriorityList,
    deviations: impl IntoIterator<Item = Deviation<'a>>,
    as_of: &str,
) -> Overview<'a> {
    let index: HashMap<&str, usize> = list.items.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut shared: Vec<OverviewRow<'a>> = list
        .items
        .iter()
        .enumerate()
        .map(|(i, id)| OverviewRow {
            shared_rank: Some(i as u32 + 1),
            proposal_id: id,
            who: Deviations::default(),
        })
        .collect();
    let mut local: BTreeMap<&str, Deviations<'a>> = BTreeMap::new();
    let mut last: Option<(&str, Option<usize>)> = None;
    for d in deviations {
        let at = match last {
            Some((p, at)) if p == d.proposal_id => at,
            _ => index.get(d.proposal_id).copied(),
        };
        last = Some((d.proposal_id, at));
        let m = d.municipality;
        match at {
            Some(i) => {
                let who = &mut shared[i].who;
                match d.kind {
                    OverrideKind::OptOut => who.opt_out.push(m),
                    OverrideKind::Defer if d.defers(as_of) => who.defer.push(m),
                    OverrideKind::Defer => {}
                    OverrideKind::Rerank => who.rerank.push(m),
                    OverrideKind::AdoptLocal if d.local_rank.is_some() => who.rerank.push(m),
                    OverrideKind::AdoptLocal => {}
                }
            }
            None if d.kind == OverrideKind::AdoptLocal => local.entry(d.proposal_id).or_default().adopt_local.push(m),
            None => {}
        }
    }
    let sort = |who: &mut Deviations| {
        who.opt_out.sort_unstable();
        who.defer.sort_unstable();
        who.rerank.sort_unstable();
        who.adopt_local.sort_unstable();
    };
    for row in &mut shared {
        sort(&mut row.who);
    }
    let adopted_locally = local
        .into_iter()
        .map(|(proposal_id, mut who)| {
            sort(&mut who);
            OverviewRow {
                shared_rank: None,
                proposal_id,
                who,
            }
        })
        .collect();
    Overview {
        shared,
        adopted_locally,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Actor;
    use crate::domain::overrides::Change;

    fn list(items: &[&str]) -> PriorityList {
        PriorityList {
            cooperation_id: "c".into(),
            revision: 7,
            items: items.iter().map(|s| s.to_string()).collect(),
            update_time: 0,
            cause: String::new(),
        }
    }

    fn ov(municipality: &str, proposal: &str, kind: OverrideKind) -> Override {
        Override {
            id: format!("{municipality}-{proposal}"),
            cooperation_id: "c".into(),
            municipality: municipality.into(),
            proposal_id: proposal.into(),
            kind,
            defer_until: None,
            local_rank: None,
            justification: "because".into(),
            board_resolution: "Direktionsmøde".into(),
            set_by: Actor {
                sub: "s".into(),
                municipality: municipality.into(),
                roles: vec!["board".into()],
                name: String::new(),
            },
            set_time: 0,
            expires_on: None,
            list_revision: 7,
            shared_rank_at_set: None,
            revoked: false,
            version: 1,
            change: Change::Set,
        }
    }

    fn rerank(proposal: &str, at: u32) -> Override {
        Override {
            local_rank: Some(at),
            ..ov("0101", proposal, OverrideKind::Rerank)
        }
    }

    fn adopt(proposal: &str, at: Option<u32>) -> Override {
        Override {
            local_rank: at,
            ..ov("0101", proposal, OverrideKind::AdoptLocal)
        }
    }

    fn defer(proposal: &str, until: &str) -> Override {
        Override {
            defer_until: Some(until.into()),
            ..ov("0101", proposal, OverrideKind::Defer)
        }
    }

    /// (proposal, local rank, shared rank) of the items, and the set-apart ids.
    type Shape<'a> = (Vec<(&'a str, u32, Option<u32>)>, Vec<&'a str>);

    fn shape<'a>(e: &Effective<'a>) -> Shape<'a> {
        (
            e.items
                .iter()
                .map(|i| (i.proposal_id, i.local_rank, i.shared_rank))
                .collect(),
            e.set_apart.iter().map(|s| s.proposal_id).collect(),
        )
    }

    fn order<'a>(e: &Effective<'a>) -> Vec<&'a str> {
        e.items.iter().map(|i| i.proposal_id).collect()
    }

    const TODAY: &str = "2026-06-01";

    #[test]
    fn without_overrides_the_effective_list_is_the_shared_list() {
        let l = list(&["a", "b", "c"]);
        let e = effective(&l, &[], TODAY);
        assert_eq!(
            shape(&e),
            (vec![("a", 1, Some(1)), ("b", 2, Some(2)), ("c", 3, Some(3))], vec![])
        );
        assert!(e.items.iter().all(|i| i.by.is_none()));
    }

    #[test]
    fn opt_out_sets_the_item_apart_and_closes_the_gap() {
        let l = list(&["a", "b", "c"]);
        let os = [ov("0101", "b", OverrideKind::OptOut)];
        let e = effective(&l, &os, TODAY);
        assert_eq!(shape(&e), (vec![("a", 1, Some(1)), ("c", 2, Some(3))], vec!["b"]));
        assert_eq!(e.set_apart[0].shared_rank, 2);
        assert_eq!(e.set_apart[0].by.kind, OverrideKind::OptOut);
    }

    #[test]
    fn defer_holds_the_item_back_until_its_date() {
        let l = list(&["a", "b", "c"]);
        let os = [defer("a", "2026-09-01")];
        assert_eq!(order(&effective(&l, &os, "2026-08-31")), ["b", "c"]);
        assert_eq!(effective(&l, &os, "2026-08-31").set_apart[0].proposal_id, "a");
        let from = effective(&l, &os, "2026-09-01");
        assert_eq!(order(&from), ["a", "b", "c"]);
        assert!(from.set_apart.is_empty());
        assert!(from.items[0].by.is_none(), "an ended deferral makes no difference");
    }

    #[test]
    fn rerank_pins_the_item_at_its_local_position() {
        let l = list(&["a", "b", "c", "d", "e"]);
        let down = [rerank("a", 4)];
        let e = effective(&l, &down, TODAY);
        assert_eq!(order(&e), ["b", "c", "d", "a", "e"]);
        assert_eq!(e.items[3].local_rank, 4);
        assert_eq!(e.items[3].shared_rank, Some(1));
        assert_eq!(e.items[3].by.unwrap().kind, OverrideKind::Rerank);

        let up = [rerank("e", 1)];
        assert_eq!(order(&effective(&l, &up, TODAY)), ["e", "a", "b", "c", "d"]);
    }

    #[test]
    fn rerank_beyond_the_end_places_the_item_last_and_ties_keep_shared_order() {
        let l = list(&["a", "b", "c"]);
        let os = [rerank("a", 99)];
        assert_eq!(order(&effective(&l, &os, TODAY)), ["b", "c", "a"]);
        let tie = [rerank("c", 1), rerank("b", 1)];
        assert_eq!(order(&effective(&l, &tie, TODAY)), ["b", "c", "a"]);
    }

    #[test]
    fn rerank_counts_positions_after_items_are_set_apart() {
        let l = list(&["a", "b", "c", "d"]);
        let os = [ov("0101", "a", OverrideKind::OptOut), rerank("d", 2)];
        let e = effective(&l, &os, TODAY);
        assert_eq!(
            shape(&e),
            (vec![("b", 1, Some(2)), ("d", 2, Some(4)), ("c", 3, Some(3))], vec!["a"])
        );
    }

    #[test]
    fn adopt_local_inserts_a_proposal_not_on_the_shared_list() {
        let l = list(&["a", "b"]);
        let os = [adopt("x", Some(1)), adopt("y", None)];
        let e = effective(&l, &os, TODAY);
        assert_eq!(
            shape(&e),
            (
                vec![("x", 1, None), ("a", 2, Some(1)), ("b", 3, Some(2)), ("y", 4, None)],
                vec![]
            )
        );
        assert_eq!(e.items[0].by.unwrap().kind, OverrideKind::AdoptLocal);
    }

    #[test]
    fn a_locally_adopted_proposal_later_adopted_by_all_sits_at_its_shared_rank() {
        let l = list(&["a", "x", "b"]);
        let os = [adopt("x", None)];
        let e = effective(&l, &os, TODAY);
        assert_eq!(order(&e), ["a", "x", "b"]);
        assert_eq!(e.items[1].shared_rank, Some(2));
    }

    #[test]
    fn revoked_and_expired_overrides_no_longer_apply() {
        let l = list(&["a", "b"]);
        let revoked = Override {
            revoked: true,
            ..ov("0101", "a", OverrideKind::OptOut)
        };
        let expiring = Override {
            expires_on: Some("2026-06-30".into()),
            ..ov("0101", "b", OverrideKind::OptOut)
        };
        let os = [revoked, expiring];
        assert_eq!(
            shape(&effective(&l, &os, "2026-06-30")).1,
            vec!["b"],
            "applies on its expiry day"
        );
        assert_eq!(order(&effective(&l, &os, "2026-07-01")), ["a", "b"]);
        assert_eq!(state(&os[0], TODAY), OverrideState::Revoked);
        assert_eq!(state(&os[1], "2026-06-30"), OverrideState::Active);
        assert_eq!(state(&os[1], "2026-07-01"), OverrideState::Expired);
    }

    #[test]
    fn every_item_appears_exactly_once() {
        let items: Vec<String> = (0..50).map(|i| format!("p{i:02}")).collect();
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        let l = list(&refs);
        let mut os = Vec::new();
        for (i, id) in items.iter().enumerate() {
            match i % 7 {
                0 => os.push(ov("0101", id, OverrideKind::OptOut)),
                1 => os.push(rerank(id, (i as u32 * 13) % 60 + 1)),
                2 => os.push(defer(id, "2027-01-01")),
                _ => {}
            }
        }
        os.push(adopt("zz1", Some(3)));
        os.push(adopt("zz2", None));
        let e = effective(&l, &os, TODAY);
        let mut seen: Vec<&str> = e
            .items
            .iter()
            .map(|i| i.proposal_id)
            .chain(e.set_apart.iter().map(|s| s.proposal_id))
            .collect();
        seen.sort_unstable();
        let mut want: Vec<&str> = refs.clone();
        want.extend(["zz1", "zz2"]);
        want.sort_unstable();
        assert_eq!(seen, want);
        let ranks: Vec<u32> = e.items.iter().map(|i| i.local_rank).collect();
        assert_eq!(ranks, (1..=e.items.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn needs_review_when_the_shared_rank_moved_since() {
        let before = list(&["a", "b", "c"]);
        let o = Override {
            shared_rank_at_set: before.rank_of("b"),
            ..ov("0101", "b", OverrideKind::OptOut)
        };
        assert!(!needs_review(&o, &before, TODAY));
        let after = PriorityList {
            revision: 8,
            ..list(&["b", "a", "c"])
        };
        assert!(needs_review(&o, &after, TODAY));
        let untouched = PriorityList {
            revision: 9,
            ..list(&["c", "b", "a"])
        };
        assert!(!needs_review(&o, &untouched, TODAY), "same rank, other revision");
        let revoked = Override { revoked: true, ..o };
        assert!(!needs_review(&revoked, &after, TODAY));
    }

    #[test]
    fn a_local_adoption_needs_review_once_the_cooperation_adopts_it() {
        let o = adopt("x", None);
        assert!(!needs_review(&o, &list(&["a"]), TODAY));
        assert!(needs_review(&o, &list(&["a", "x"]), TODAY));
    }

    #[test]
    fn overview_lists_who_deviates_from_each_shared_priority() {
        let l = list(&["a", "b", "c"]);
        let os = [
            ov("0147", "a", OverrideKind::OptOut),
            ov("0101", "a", OverrideKind::OptOut),
            Override {
                defer_until: Some("2027-01-01".into()),
                ..ov("0151", "b", OverrideKind::Defer)
            },
            Override {
                defer_until: Some("2026-01-01".into()),
                ..ov("0153", "b", OverrideKind::Defer)
            },
            Override {
                local_rank: Some(1),
                ..ov("0151", "c", OverrideKind::Rerank)
            },
            Override {
                revoked: true,
                ..ov("0155", "c", OverrideKind::OptOut)
            },
            ov("0155", "x", OverrideKind::AdoptLocal),
            ov("0101", "x", OverrideKind::AdoptLocal),
        ];
        let v = overview(&l, os.iter().filter(|o| in_force(o, TODAY)).map(Deviation::of), TODAY);
        assert_eq!(v.shared.len(), 3);
        assert_eq!(v.shared[0].who.opt_out, ["0101", "0147"]);
        assert_eq!(
            v.shared[1].who.defer,
            ["0151"],
            "a deferral that has ended is not listed"
        );
        assert_eq!(v.shared[2].who.rerank, ["0151"]);
        assert!(v.shared[2].who.opt_out.is_empty(), "revoked overrides are not listed");
        assert_eq!(v.adopted_locally.len(), 1);
        assert_eq!(v.adopted_locally[0].proposal_id, "x");
        assert_eq!(v.adopted_locally[0].who.adopt_local, ["0101", "0155"]);
    }
}
