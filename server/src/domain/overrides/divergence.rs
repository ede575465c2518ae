//! Where a member's local choices diverge from its own votes (DESIGN.md §6):
//! pure functions of its named ballots, its overrides and the shared list.
//!
//! A ballot either supports a candidate, opposes it, or neither:
//!
//! | method | supports | opposes |
//! | --- | --- | --- |
//! | `YES_NO` | YES | NO |
//! | `APPROVAL` | approved | not approved |
//! | `SCORE` | 4 or 5 | 0 or 1 |
//! | `BORDA`, `SCHULZE` | more candidates ranked below it than above | more above than below |
//!
//! and a local choice diverges from a supporting vote when it opts out,
//! defers, or re-ranks the item lower than the shared list; from an opposing
//! vote when it adopts the proposal locally or re-ranks it higher.

use super::Override;
use crate::domain::model::{OverrideKind, PriorityList};
use crate::domain::tally::{BallotContent, Choice, MAX_SCORE};

/// One named ballot of the member in a closed round.
#[derive(Debug, Clone, Copy)]
pub struct CastVote<'a> {
    pub round_id: &'a str,
    /// The round as people name it (its title, or its id).
    pub round: &'a str,
    /// The round's candidates, in candidate order.
    pub candidates: &'a [String],
    pub content: &'a BallotContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    Supports,
    Opposes,
    Neither,
}

/// What a ballot says about one candidate, and a short description of it
/// ("YES", "ranked 1 of 5", …). `None` if the proposal was not a candidate.
pub fn stance(vote: &CastVote, proposal: &str) -> Option<(Stance, String)> {
    if !vote.candidates.iter().any(|c| c == proposal) {
        return None;
    }
    let n = vote.candidates.len();
    Some(match vote.content {
        BallotContent::YesNo(choices) => match choices.iter().find(|(c, _)| c == proposal).map(|(_, ch)| *ch) {
            Some(Choice::Yes) => (Stance::Supports, "voted YES".into()),
            Some(Choice::No) => (Stance::Opposes, "voted NO".into()),
            Some(Choice::Abstain) | None => (Stance::Neither, "abstained".into()),
        },
        BallotContent::Approval(approved) => {
            if approved.iter().any(|c| c == proposal) {
                (Stance::Supports, "approved it".into())
            } else {
                (Stance::Opposes, "did not approve it".into())
            }
        }
        BallotContent::Score(scores) => {
            let s = scores.iter().find(|(c, _)| c == proposal).map(|(_, s)| *s).unwrap_or(0);
            let stance = match s {
                4.. => Stance::Supports,
                0 | 1 => Stance::Opposes,
                _ => Stance::Neither,
            };
            (stance, format!("scored it {s} of {MAX_SCORE}"))
        }
        BallotContent::Borda(ranking) => {
            let ranked: Vec<&String> = ranking.iter().filter(|c| vote.candidates.contains(c)).collect();
            match ranked.iter().position(|c| *c == proposal) {
                Some(i) => (
                    by_position(i, n.saturating_sub(i + 1)),
                    format!("ranked it {} of {n}", i + 1),
                ),
                None => (by_position(ranked.len(), 0), format!("left it unranked of {n}")),
            }
        }
        BallotContent::Schulze(tiers) => {
            let mut above = 0;
            let mut found = None;
            for tier in tiers {
                let size = tier.iter().filter(|c| vote.candidates.contains(c)).count();
                if tier.iter().any(|c| c == proposal) {
                    found = Some(size.saturating_sub(1));
                    break;
                }
                above += size;
            }
            match found {
                Some(tied) => {
                    let below = n.saturating_sub(above + 1 + tied);
                    let text = if tied == 0 {
                        format!("ranked it {} of {n}", above + 1)
                    } else {
                        format!("ranked it {} of {n}, tied with {tied} other(s)", above + 1)
                    };
                    (by_position(above, below), text)
                }
                None => (by_position(above, 0), format!("left it unranked of {n}")),
            }
        }
    })
}

fn by_position(above: usize, below: usize) -> Stance {
    match above.cmp(&below) {
        std::cmp::Ordering::Less => Stance::Supports,
        std::cmp::Ordering::Greater => Stance::Opposes,
        std::cmp::Ordering::Equal => Stance::Neither,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence<'a> {
    pub proposal_id: &'a str,
    /// What the member voted, e.g. "voted YES in round Budget 2027".
    pub vote: String,
    pub round_id: &'a str,
    pub by: &'a Override,
    pub description: String,
}

/// Every (override, vote) pair where the override goes against the vote, in
/// the order of `overrides` and then of `votes`. `overrides` should be the
/// member's overrides in force; `list` is the current shared list, whose rank
/// a `RERANK` is compared with.
pub fn divergences<'a>(votes: &[CastVote<'a>], overrides: &'a [Override], list: &PriorityList) -> Vec<Divergence<'a>> {
    let mut out = Vec::new();
    for o in overrides {
        let shared_rank = list.rank_of(&o.proposal_id);
        for v in votes {
            let Some((stance, said)) = stance(v, &o.proposal_id) else {
                continue;
            };
            let vote = format!("{said} in round {}", v.round);
            let then = match (o.kind, stance) {
                (OverrideKind::OptOut, Stance::Supports) => "then opted out locally".to_string(),
                (OverrideKind::Defer, Stance::Supports) => format!(
                    "then deferred it locally until {}",
                    o.defer_until.as_deref().unwrap_or("a later date")
                ),
                (OverrideKind::Rerank, s) => match (shared_rank, o.local_rank) {
                    (Some(shared), Some(local)) if s == Stance::Supports && local > shared => {
                        format!("then moved it down locally from shared rank {shared} to {local}")
                    }
                    (Some(shared), Some(local)) if s == Stance::Opposes && local < shared => {
                        format!("then moved it up locally from shared rank {shared} to {local}")
                    }
                    _ => continue,
                },
                (OverrideKind::AdoptLocal, Stance::Opposes) => "then adopted it locally".to_string(),
                _ => continue,
            };
            out.push(Divergence {
                proposal_id: &o.proposal_id,
                description: format!("{vote}, {then}"),
                vote,
                round_id: v.round_id,
                by: o,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Actor;
    use crate::domain::overrides::Change;

    fn ids(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn ov(proposal: &str, kind: OverrideKind, local_rank: Option<u32>) -> Override {
        Override {
            id: format!("o-{proposal}"),
            cooperation_id: "c".into(),
            municipality: "0101".into(),
            proposal_id: proposal.into(),
            kind,
            defer_until: (kind == OverrideKind::Defer).then(|| "2027-01-01".to_string()),
            local_rank,
            justification: "because".into(),
            board_resolution: "Direktionsmøde".into(),
            set_by: Actor {
                sub: "s".into(),
                municipality: "0101".into(),
                roles: vec!["board".into()],
                name: String::new(),
            },
            set_time: 0,
            expires_on: None,
            list_revision: 1,
            shared_rank_at_set: None,
            revoked: false,
            version: 1,
            change: Change::Set,
        }
    }

    fn shared(items: &[&str]) -> PriorityList {
        PriorityList {
            cooperation_id: "c".into(),
            revision: 2,
            items: ids(items),
            update_time: 0,
            cause: String::new(),
        }
    }

    fn vote<'a>(candidates: &'a [String], content: &'a BallotContent) -> CastVote<'a> {
        CastVote {
            round_id: "r1",
            round: "Budget 2027",
            candidates,
            content,
        }
    }

    #[test]
    fn stances_per_method() {
        let c = ids(&["a", "b", "c", "d", "e"]);
        let yn = BallotContent::YesNo(vec![("a".into(), Choice::Yes), ("b".into(), Choice::No)]);
        assert_eq!(stance(&vote(&c, &yn), "a").unwrap().0, Stance::Supports);
        assert_eq!(stance(&vote(&c, &yn), "b").unwrap().0, Stance::Opposes);
        assert_eq!(
            stance(&vote(&c, &yn), "c").unwrap().0,
            Stance::Neither,
            "left out is abstain"
        );
        assert_eq!(stance(&vote(&c, &yn), "zz"), None, "not a candidate");

        let ap = BallotContent::Approval(ids(&["c"]));
        assert_eq!(stance(&vote(&c, &ap), "c").unwrap().0, Stance::Supports);
        assert_eq!(stance(&vote(&c, &ap), "a").unwrap().0, Stance::Opposes);

        let sc = BallotContent::Score(vec![("a".into(), 5), ("b".into(), 3), ("c".into(), 1)]);
        assert_eq!(
            stance(&vote(&c, &sc), "a").unwrap(),
            (Stance::Supports, "scored it 5 of 5".into())
        );
        assert_eq!(stance(&vote(&c, &sc), "b").unwrap().0, Stance::Neither);
        assert_eq!(
            stance(&vote(&c, &sc), "d").unwrap().0,
            Stance::Opposes,
            "left out scores 0"
        );

        let bo = BallotContent::Borda(ids(&["e", "d", "c"]));
        assert_eq!(
            stance(&vote(&c, &bo), "e").unwrap(),
            (Stance::Supports, "ranked it 1 of 5".into())
        );
        assert_eq!(
            stance(&vote(&c, &bo), "c").unwrap().0,
            Stance::Neither,
            "the middle of five"
        );
        assert_eq!(stance(&vote(&c, &bo), "a").unwrap().0, Stance::Opposes, "unranked");

        let sz = BallotContent::Schulze(vec![ids(&["b", "c"]), ids(&["a"])]);
        assert_eq!(
            stance(&vote(&c, &sz), "c").unwrap(),
            (Stance::Supports, "ranked it 1 of 5, tied with 1 other(s)".into())
        );
        assert_eq!(
            stance(&vote(&c, &sz), "a").unwrap().0,
            Stance::Neither,
            "two above, two below"
        );
        assert_eq!(stance(&vote(&c, &sz), "e").unwrap().0, Stance::Opposes);
    }

    #[test]
    fn voted_yes_then_opted_out() {
        let c = ids(&["a", "b"]);
        let yn = BallotContent::YesNo(vec![("a".into(), Choice::Yes), ("b".into(), Choice::Yes)]);
        let os = [ov("a", OverrideKind::OptOut, None)];
        let d = divergences(&[vote(&c, &yn)], &os, &shared(&["a", "b"]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].proposal_id, "a");
        assert_eq!(d[0].vote, "voted YES in round Budget 2027");
        assert_eq!(
            d[0].description,
            "voted YES in round Budget 2027, then opted out locally"
        );
        assert_eq!(d[0].by.kind, OverrideKind::OptOut);
    }

    #[test]
    fn opting_out_after_voting_no_is_consistent() {
        let c = ids(&["a"]);
        let yn = BallotContent::YesNo(vec![("a".into(), Choice::No)]);
        let os = [ov("a", OverrideKind::OptOut, None)];
        assert!(divergences(&[vote(&c, &yn)], &os, &shared(&["a"])).is_empty());
    }

    #[test]
    fn ranked_first_then_deferred() {
        let c = ids(&["a", "b", "c"]);
        let bo = BallotContent::Borda(ids(&["a", "b", "c"]));
        let os = [ov("a", OverrideKind::Defer, None)];
        let d = divergences(&[vote(&c, &bo)], &os, &shared(&["a", "b", "c"]));
        assert_eq!(
            d[0].description,
            "ranked it 1 of 3 in round Budget 2027, then deferred it locally until 2027-01-01"
        );
    }

    #[test]
    fn voted_no_then_adopted_locally() {
        let c = ids(&["x"]);
        let yn = BallotContent::YesNo(vec![("x".into(), Choice::No)]);
        let os = [ov("x", OverrideKind::AdoptLocal, None)];
        let d = divergences(&[vote(&c, &yn)], &os, &shared(&[]));
        assert_eq!(
            d[0].description,
            "voted NO in round Budget 2027, then adopted it locally"
        );
    }

    #[test]
    fn rerank_diverges_only_against_the_direction_of_the_vote() {
        let c = ids(&["a", "b", "c", "d"]);
        let bo = BallotContent::Borda(ids(&["a", "b", "c", "d"]));
        let list = shared(&["b", "a", "c", "d"]);
        let down = [ov("a", OverrideKind::Rerank, Some(4))];
        let d = divergences(&[vote(&c, &bo)], &down, &list);
        assert_eq!(
            d[0].description,
            "ranked it 1 of 4 in round Budget 2027, then moved it down locally from shared rank 2 to 4"
        );
        let up = [ov("a", OverrideKind::Rerank, Some(1))];
        assert!(divergences(&[vote(&c, &bo)], &up, &list).is_empty());
        let low_up = [ov("d", OverrideKind::Rerank, Some(1))];
        let d = divergences(&[vote(&c, &bo)], &low_up, &list);
        assert_eq!(
            d[0].description,
            "ranked it 4 of 4 in round Budget 2027, then moved it up locally from shared rank 4 to 1"
        );
    }

    #[test]
    fn one_divergence_per_vote_it_goes_against() {
        let c = ids(&["a"]);
        let yes = BallotContent::YesNo(vec![("a".into(), Choice::Yes)]);
        let approve = BallotContent::Approval(ids(&["a"]));
        let votes = [
            vote(&c, &yes),
            CastVote {
                round_id: "r2",
                round: "r2",
                ..vote(&c, &approve)
            },
        ];
        let os = [ov("a", OverrideKind::OptOut, None)];
        let d = divergences(&votes, &os, &shared(&["a"]));
        assert_eq!(d.iter().map(|d| d.round_id).collect::<Vec<_>>(), ["r1", "r2"]);
    }
}
