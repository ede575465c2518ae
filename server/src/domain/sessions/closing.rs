//! Closing a round (DESIGN.md §5): tally its current ballots, decide its
//! candidates, revise the shared priority list, and record all of it. One
//! function for every way a round closes — by the chair, with its session, or
//! at its deadline — so they cannot disagree.

use std::collections::HashMap;

use super::model::{CandidateResult, Round, RoundResult, TieBreak};
use crate::domain::error::{Error, Result};
use crate::domain::locale::{self, Lang};
use crate::domain::model::{Method, NewEvent, PriorityList, Proposal, ProposalStatus, RoundState};
use crate::domain::priorities;
use crate::domain::priority_list::{self, ListChange};
use crate::domain::tally;
use crate::domain::write::{Ctx, Write};

/// What a round decided, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub result: RoundResult,
    /// The list the round leaves, when it changed it.
    pub list: Option<Vec<String>>,
    pub rejected: Vec<String>,
}

/// Decides a round from its tally, the candidates' proposals and the current
/// list. Pure. A round decides nothing when its quorum is missed or nobody
/// voted; otherwise a `YES_NO` round adopts or rejects each submitted
/// candidate and a ranking round re-ranks and, with a budget, adopts.
pub fn decide(
    round: &Round,
    tallied: &tally::TallyResult,
    ballot_count: usize,
    proposals: &HashMap<String, Proposal>,
    list: &[String],
) -> Decision {
    let mut result = RoundResult {
        quorum_met: tallied.quorum_met,
        cast_weight: tallied.cast_weight,
        total_weight: tallied.total_weight,
        candidates: tallied
            .ranking
            .iter()
            .map(|c| CandidateResult {
                proposal_id: c.candidate_id.clone(),
                position: c.position,
                score: c.score,
                yes_weight: c.yes,
                no_weight: c.no,
                abstain_weight: c.abstain,
                adopted: false,
            })
            .collect(),
        tie_breaks: tallied
            .tie_breaks
            .iter()
            .map(|t| TieBreak {
                proposal_ids: t.candidate_ids.clone(),
                reason: t.reason.clone(),
            })
            .collect(),
        inputs_hash: tallied.inputs_hash.clone(),
        adopted: vec![],
        rejected: vec![],
        skipped_for_budget: vec![],
        list_revision: 0,
        note: String::new(),
    };
    if !tallied.quorum_met {
        result.note = format!(
            "Quorum not met: {} of {} weight cast ({}), {} required. Nothing was decided.",
            tallied.cast_weight,
            tallied.total_weight,
            locale::share(Lang::En, tallied.cast_weight, tallied.total_weight),
            locale::basis_points(Lang::En, round.quorum_bp)
        );
        return Decision {
            result,
            list: None,
            rejected: vec![],
        };
    }
    if ballot_count == 0 {
        result.note = "No ballots were cast. Nothing was decided.".into();
        return Decision {
            result,
            list: None,
            rejected: vec![],
        };
    }

    let submitted = |id: &str| proposals.get(id).is_some_and(|p| p.status == ProposalStatus::Submitted);
    let mut rejected = Vec::new();
    let change: ListChange = if round.method == Method::YesNo {
        let mut adopted = Vec::new();
        for c in tallied.ranking.iter().filter(|c| submitted(&c.candidate_id)) {
            if c.adopted == Some(true) {
                adopted.push(c.candidate_id.clone());
            } else {
                rejected.push(c.candidate_id.clone());
            }
        }
        priority_list::apply_yes_no(list, &adopted)
    } else {
        let order: Vec<String> = tallied.ranking.iter().map(|c| c.candidate_id.clone()).collect();
        let costs: Vec<(String, i64)> = order
            .iter()
            .filter(|id| submitted(id))
            .filter_map(|id| proposals.get(id).map(|p| (id.clone(), p.content.one_time_cost_dkk)))
            .collect();
        priority_list::apply_ranking(list, &order, &costs, round.budget_dkk)
    };
    for c in &mut result.candidates {
        c.adopted = change.adopted.contains(&c.proposal_id);
    }
    result.adopted = change.adopted;
    result.rejected = rejected.clone();
    result.skipped_for_budget = change.skipped_for_budget;
    let list = (change.items.as_slice() != list).then_some(change.items);
    Decision { result, list, rejected }
}

/// Closes an open round inside the caller's write: tallies it, updates the
/// proposals and the shared list, and appends `round.closed`, then
/// `proposal.adopted`/`proposal.rejected` and `priority_list.revised`.
pub async fn close_round(w: &mut Write<'_>, ctx: &Ctx, mut round: Round) -> Result<Round> {
    let ballots = w.tx.list_ballots(&round.id, false).await?;
    let inputs: Vec<tally::Ballot> = ballots
        .iter()
        .map(|b| tally::Ballot {
            member: b.municipality.clone(),
            weight: b.weight,
            content: b.content.to_tally(),
        })
        .collect();
    let tallied = tally::tally(&round.tally_rules(), &round.tally_candidates(), &inputs);

    let ids: Vec<&str> = round.candidates.iter().map(|c| c.proposal_id.as_str()).collect();
    let mut proposals: HashMap<String, Proposal> =
        w.tx.get_proposals(&round.cooperation_id, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
    let current = priorities::list_at(&mut *w.tx, &round.cooperation_id, None).await?;
    let mut decision = decide(&round, &tallied, ballots.len(), &proposals, &current.items);
    let revised = decision.list.take().map(|items| PriorityList {
        cooperation_id: round.cooperation_id.clone(),
        revision: current.revision + 1,
        items,
        update_time: ctx.now,
        cause: format!("rounds/{}", round.id),
    });
    if let Some(l) = &revised {
        decision.result.list_revision = l.revision;
    }

    round.state = RoundState::Closed;
    round.close_time = Some(ctx.now);
    round.closed_by = Some(ctx.actor());
    round.result = Some(decision.result.clone());
    round.version += 1;
    w.event(NewEvent::new(
        "round.closed",
        format!("rounds/{}", round.id),
        round.cooperation_id.clone(),
        &serde_json::json!({
            "session_id": round.session_id,
            "result": decision.result,
        }),
    )?)
    .await?;
    w.tx.update_round(&round).await?;

    let decided = decision
        .result
        .adopted
        .iter()
        .map(|id| (id, ProposalStatus::Adopted, "proposal.adopted"))
        .chain(
            decision
                .rejected
                .iter()
                .map(|id| (id, ProposalStatus::Rejected, "proposal.rejected")),
        );
    for (id, status, action) in decided {
        let mut p = proposals
            .remove(id)
            .ok_or_else(|| Error::not_found("proposal", id.as_str()))?;
        p.status = status;
        p.decide_time = Some(ctx.now);
        p.update_time = ctx.now;
        p.version += 1;
        w.event(NewEvent::new(
            action,
            format!("proposals/{}", p.id),
            p.cooperation_id.clone(),
            &serde_json::json!({ "round_id": round.id }),
        )?)
        .await?;
        w.tx.update_proposal(&p).await?;
    }

    if let Some(l) = revised {
        w.event(NewEvent::new(
            "priority_list.revised",
            format!("cooperations/{}/priority-list", l.cooperation_id),
            l.cooperation_id.clone(),
            &serde_json::json!({
                "revision": l.revision,
                "items": l.items,
                "cause": l.cause,
            }),
        )?)
        .await?;
        w.tx.insert_priority_list(&l).await?;
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Actor, Category, DecisionLevel, Flags, ProposalContent, Threshold, Weighting};
    use crate::domain::sessions::model::{MemberWeight, RoundCandidate};

    fn proposal(id: &str, status: ProposalStatus, cost: i64) -> Proposal {
        Proposal {
            id: id.into(),
            cooperation_id: "c".into(),
            content: ProposalContent {
                title: id.to_uppercase(),
                summary: String::new(),
                category: Category::Other,
                flags: Flags::default(),
                one_time_cost_dkk: cost,
                yearly_cost_dkk: 0,
                linked_systems: vec![],
            },
            sponsor: "0101".into(),
            status,
            created_by: "s".into(),
            create_time: 0,
            update_time: 0,
            submit_time: Some(0),
            submit_seq: Some(1),
            decide_time: None,
            version: 2,
        }
    }

    fn round(method: Method, ids: &[&str], budget: Option<i64>) -> Round {
        Round {
            id: "r".into(),
            session_id: "s".into(),
            cooperation_id: "c".into(),
            title: String::new(),
            method,
            candidates: ids
                .iter()
                .enumerate()
                .map(|(i, id)| RoundCandidate {
                    proposal_id: id.to_string(),
                    submit_seq: i as i64,
                })
                .collect(),
            weighting: Weighting::Equal,
            quorum_bp: 5000,
            threshold: (method == Method::YesNo).then_some(Threshold::SimpleMajority),
            deadline: None,
            budget_dkk: budget,
            state: RoundState::Open,
            decision_level: DecisionLevel::Delegated,
            weights: (1..=4)
                .map(|i| MemberWeight {
                    municipality: format!("m{i}"),
                    weight: 1,
                })
                .collect(),
            total_weight: 4,
            opened_by: Actor {
                sub: "chair".into(),
                municipality: "0101".into(),
                roles: vec![],
                name: String::new(),
            },
            open_time: 0,
            closed_by: None,
            close_time: None,
            cancel_reason: None,
            result: None,
            version: 1,
        }
    }

    fn ballots(contents: Vec<tally::BallotContent>) -> Vec<tally::Ballot> {
        contents
            .into_iter()
            .enumerate()
            .map(|(i, content)| tally::Ballot {
                member: format!("m{}", i + 1),
                weight: 1,
                content,
            })
            .collect()
    }

    fn proposals(ps: Vec<Proposal>) -> HashMap<String, Proposal> {
        ps.into_iter().map(|p| (p.id.clone(), p)).collect()
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn yes_no_adopts_and_rejects_and_appends() {
        use tally::Choice::{No, Yes};
        let r = round(Method::YesNo, &["a", "b"], None);
        let b = ballots(vec![
            tally::BallotContent::YesNo(vec![("a".into(), Yes), ("b".into(), No)]),
            tally::BallotContent::YesNo(vec![("a".into(), Yes), ("b".into(), Yes)]),
            tally::BallotContent::YesNo(vec![("a".into(), No), ("b".into(), No)]),
        ]);
        let t = tally::tally(&r.tally_rules(), &r.tally_candidates(), &b);
        let ps = proposals(vec![
            proposal("a", ProposalStatus::Submitted, 0),
            proposal("b", ProposalStatus::Submitted, 0),
        ]);
        let d = decide(&r, &t, b.len(), &ps, &ids(&["x"]));
        assert_eq!(d.result.adopted, ids(&["a"]));
        assert_eq!(d.rejected, ids(&["b"]));
        assert_eq!(d.list, Some(ids(&["x", "a"])));
        assert!(d.result.candidates[0].adopted);
        assert!(!d.result.candidates[1].adopted);
        assert!(d.result.note.is_empty());
    }

    #[test]
    fn missed_quorum_decides_nothing_and_says_so() {
        let r = round(Method::YesNo, &["a"], None);
        let b = ballots(vec![tally::BallotContent::YesNo(vec![(
            "a".into(),
            tally::Choice::Yes,
        )])]);
        let t = tally::tally(&r.tally_rules(), &r.tally_candidates(), &b);
        let ps = proposals(vec![proposal("a", ProposalStatus::Submitted, 0)]);
        let d = decide(&r, &t, b.len(), &ps, &[]);
        assert!(!d.result.quorum_met);
        assert!(d.result.adopted.is_empty() && d.rejected.is_empty() && d.list.is_none());
        assert_eq!(
            d.result.note,
            "Quorum not met: 1 of 4 weight cast (25%), 50% required. Nothing was decided."
        );
    }

    #[test]
    fn no_ballots_decide_nothing_even_without_a_quorum() {
        let mut r = round(Method::Approval, &["a"], Some(10));
        r.quorum_bp = 0;
        let t = tally::tally(&r.tally_rules(), &r.tally_candidates(), &[]);
        let ps = proposals(vec![proposal("a", ProposalStatus::Submitted, 1)]);
        let d = decide(&r, &t, 0, &ps, &[]);
        assert!(d.result.adopted.is_empty() && d.list.is_none());
        assert!(d.result.note.contains("No ballots"));
    }

    #[test]
    fn ranking_with_budget_adopts_in_order_and_skips_what_does_not_fit() {
        let r = round(Method::Borda, &["a", "b", "c", "on"], Some(1_000));
        let order = || ids(&["a", "b", "on", "c"]);
        let b = ballots(vec![
            tally::BallotContent::Borda(order()),
            tally::BallotContent::Borda(order()),
            tally::BallotContent::Borda(order()),
        ]);
        let t = tally::tally(&r.tally_rules(), &r.tally_candidates(), &b);
        let ps = proposals(vec![
            proposal("a", ProposalStatus::Submitted, 600),
            proposal("b", ProposalStatus::Submitted, 500),
            proposal("c", ProposalStatus::Submitted, 400),
            proposal("on", ProposalStatus::Adopted, 9_999),
        ]);
        let d = decide(&r, &t, b.len(), &ps, &ids(&["x", "on"]));
        assert_eq!(d.result.adopted, ids(&["a", "c"]));
        assert_eq!(d.result.skipped_for_budget, ids(&["b"]));
        assert!(d.rejected.is_empty(), "ranking rounds reject nothing");
        assert_eq!(d.list, Some(ids(&["x", "on", "a", "c"])));
    }

    #[test]
    fn a_rerank_that_changes_nothing_makes_no_revision() {
        let r = round(Method::Approval, &["p", "q"], None);
        let b = ballots(vec![
            tally::BallotContent::Approval(ids(&["p"])),
            tally::BallotContent::Approval(ids(&["p"])),
            tally::BallotContent::Approval(ids(&["p", "q"])),
        ]);
        let t = tally::tally(&r.tally_rules(), &r.tally_candidates(), &b);
        let ps = proposals(vec![
            proposal("p", ProposalStatus::Adopted, 0),
            proposal("q", ProposalStatus::Adopted, 0),
        ]);
        assert_eq!(decide(&r, &t, b.len(), &ps, &ids(&["p", "x", "q"])).list, None);
        assert_eq!(
            decide(&r, &t, b.len(), &ps, &ids(&["q", "x", "p"])).list,
            Some(ids(&["p", "x", "q"]))
        );
    }
}
