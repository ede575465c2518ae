//! The records of joint steering-group sessions (DESIGN.md §4–§5): sessions,
//! their rounds, ballots and results, as the domain and the store see them.

use serde::{Deserialize, Serialize};

use super::minutes::{MinutesApproval, MinutesRecord, Provenance};
use super::{
    Actor, Choice, DecisionLevel, Method, Micros, RoundState, SessionKind, SessionState, Threshold, Weighting,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub municipality: String,
    pub checked_in_by: String,
    pub check_in_time: Micros,
    /// Recorded when the session closed: the member did not check in but
    /// cast a ballot, and so took part by voting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_voting: bool,
    /// Display name of who checked in; empty when the token carried none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub checked_in_by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub cooperation_id: String,
    pub title: String,
    pub scheduled_time: Micros,
    /// Proposal ids, in agenda order.
    pub agenda: Vec<String>,
    pub state: SessionState,
    pub attendance: Vec<Attendance>,
    pub created_by: String,
    pub create_time: Micros,
    pub open_time: Option<Micros>,
    pub close_time: Option<Micros>,
    pub version: u64,
    /// Who opened and who closed the session: the chair the minutes name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_by: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<Actor>,
    /// The minute-taker the chair named; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub minute_taker: String,
    /// The chair's decision notes per agenda item and for "Eventuelt".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<ItemNote>,
    /// Set when a later session approved this session's minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_approval: Option<MinutesApproval>,
    #[serde(default)]
    pub kind: SessionKind,
}

/// The item a note is about: a proposal on the agenda, or "Eventuelt" (any
/// other business) when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemNote {
    pub item: String,
    pub text: String,
    pub by: Actor,
    pub time: Micros,
}

impl Session {
    pub fn has_checked_in(&self, municipality: &str) -> bool {
        self.attendance.iter().any(|a| a.municipality == municipality)
    }
}

/// A candidate as frozen when its round opened: the tie-break key travels
/// with it, so a tally can be repeated from the round record alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundCandidate {
    pub proposal_id: String,
    pub submit_seq: i64,
}

/// A member's weight in a round, snapshotted when the round opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberWeight {
    pub municipality: String,
    pub weight: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub id: String,
    pub session_id: String,
    pub cooperation_id: String,
    pub title: String,
    pub method: Method,
    pub candidates: Vec<RoundCandidate>,
    pub weighting: Weighting,
    pub quorum_bp: u32,
    /// `YES_NO` rounds only.
    pub threshold: Option<Threshold>,
    pub deadline: Option<Micros>,
    /// Adoption budget (DKK of one-time cost), ranking rounds only.
    pub budget_dkk: Option<i64>,
    pub state: RoundState,
    /// Board-level when any candidate is.
    pub decision_level: DecisionLevel,
    /// The current members and their weights when the round opened.
    pub weights: Vec<MemberWeight>,
    pub total_weight: u64,
    pub opened_by: Actor,
    pub open_time: Micros,
    pub closed_by: Option<Actor>,
    pub close_time: Option<Micros>,
    pub cancel_reason: Option<String>,
    pub result: Option<RoundResult>,
    pub version: u64,
}

impl Round {
    pub fn candidate_ids(&self) -> Vec<String> {
        self.candidates.iter().map(|c| c.proposal_id.clone()).collect()
    }

    /// The member's weight in this round; `None` if it was not a member
    /// when the round opened.
    pub fn weight_of(&self, municipality: &str) -> Option<u64> {
        self.weights
            .iter()
            .find(|w| w.municipality == municipality)
            .map(|w| w.weight)
    }

    pub fn is_open(&self) -> bool {
        self.state == RoundState::Open
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateResult {
    pub proposal_id: String,
    pub position: u32,
    pub score: u64,
    pub yes_weight: u64,
    pub no_weight: u64,
    pub abstain_weight: u64,
    /// Adopted by this round (YES_NO, or a ranking round's budget).
    pub adopted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreak {
    pub proposal_ids: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundResult {
    pub quorum_met: bool,
    pub cast_weight: u64,
    pub total_weight: u64,
    /// Result order (candidate order for YES_NO).
    pub candidates: Vec<CandidateResult>,
    pub tie_breaks: Vec<TieBreak>,
    pub inputs_hash: String,
    pub adopted: Vec<String>,
    /// YES_NO: candidates the round rejected.
    pub rejected: Vec<String>,
    pub skipped_for_budget: Vec<String>,
    /// The list revision this round made; 0 if the list did not change.
    pub list_revision: u64,
    /// Why nothing was decided, when nothing was.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YesNoChoice {
    pub candidate_id: String,
    pub choice: Choice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateScore {
    pub candidate_id: String,
    pub score: u32,
}

/// What a ballot says, one kind per method; stored and logged as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotContent {
    YesNo(Vec<YesNoChoice>),
    Approval(Vec<String>),
    Score(Vec<CandidateScore>),
    /// A strict ranking, best first (BORDA).
    Ranking(Vec<String>),
    /// Tiers of tied candidates, best first (SCHULZE).
    Tiers(Vec<Vec<String>>),
}

/// A ballot as stored: one row per version; replacing a ballot adds a version
/// and clears `current` on the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    pub round_id: String,
    pub municipality: String,
    pub cast_by: String,
    /// Display name of who cast it; empty when the token carried none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cast_by_name: String,
    /// The role the vote was cast in (`board` or `digital_lead`).
    pub role: String,
    pub cast_time: Micros,
    pub content: BallotContent,
    pub version: u32,
    pub current: bool,
    pub weight: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    pub session_id: String,
    /// The Danish Markdown rendered when the session closed.
    pub markdown: String,
    pub create_time: Micros,
    /// The facts every rendering is made from; `None` for minutes stored
    /// before the record was kept (they have only their Markdown).
    pub record: Option<MinutesRecord>,
    pub provenance: Option<Provenance>,
}
