//! What the tally engine is given for a round: the stored records of
//! [`model`](crate::domain::model) in the tally's own terms. The records stay
//! free of rules; this is where sessions meet the tally.

use crate::domain::model::{BallotContent, Choice, Method, Round, Threshold};
use crate::domain::tally;

impl Round {
    /// The rules the tally engine applies to this round.
    pub fn tally_rules(&self) -> tally::Rules {
        tally::Rules {
            method: tally_method(self.method),
            threshold: tally_threshold(self.threshold.unwrap_or(Threshold::SimpleMajority)),
            quorum_bp: self.quorum_bp,
            total_weight: self.total_weight,
        }
    }

    pub fn tally_candidates(&self) -> Vec<tally::Candidate> {
        self.candidates
            .iter()
            .map(|c| tally::Candidate {
                id: c.proposal_id.clone(),
                submitted_seq: c.submit_seq,
            })
            .collect()
    }
}

impl BallotContent {
    /// The tally engine's form. Scores above 255 become 255, which
    /// validation then refuses as out of range.
    pub fn to_tally(&self) -> tally::BallotContent {
        match self {
            BallotContent::YesNo(cs) => tally::BallotContent::YesNo(
                cs.iter()
                    .map(|c| (c.candidate_id.clone(), tally_choice(c.choice)))
                    .collect(),
            ),
            BallotContent::Approval(ids) => tally::BallotContent::Approval(ids.clone()),
            BallotContent::Score(ss) => tally::BallotContent::Score(
                ss.iter()
                    .map(|s| (s.candidate_id.clone(), u8::try_from(s.score).unwrap_or(u8::MAX)))
                    .collect(),
            ),
            BallotContent::Ranking(ids) => tally::BallotContent::Borda(ids.clone()),
            BallotContent::Tiers(tiers) => tally::BallotContent::Schulze(tiers.clone()),
        }
    }
}

pub fn tally_method(m: Method) -> tally::Method {
    match m {
        Method::YesNo => tally::Method::YesNo,
        Method::Approval => tally::Method::Approval,
        Method::Score => tally::Method::Score,
        Method::Borda => tally::Method::Borda,
        Method::Schulze => tally::Method::Schulze,
    }
}

pub fn tally_threshold(t: Threshold) -> tally::Threshold {
    match t {
        Threshold::SimpleMajority => tally::Threshold::SimpleMajority,
        Threshold::TwoThirds => tally::Threshold::TwoThirds,
        Threshold::Unanimous => tally::Threshold::Unanimous,
    }
}

pub fn tally_choice(c: Choice) -> tally::Choice {
    match c {
        Choice::Yes => tally::Choice::Yes,
        Choice::No => tally::Choice::No,
        Choice::Abstain => tally::Choice::Abstain,
    }
}
