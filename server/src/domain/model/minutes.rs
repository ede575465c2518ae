//! The minutes of a session as a record (DESIGN.md §4): what happened, fixed
//! when the session closes and stored with it, so that every language and
//! format renders the same facts, and the minutes read the same however late
//! they are fetched.

use serde::{Deserialize, Serialize};

use super::{BallotContent, Category, DecisionLevel, Method, Micros, ProposalStatus, RoundState, Threshold, Weighting};

/// A person who acted, as the minutes name them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Display name; the subject id when the token carried no name.
    pub name: String,
    pub sub: String,
    /// Member code the person acted for, and the member's name.
    pub municipality: String,
    pub municipality_name: String,
    /// The role the person acted in (`board`, `digital_lead`, `chair`, …).
    pub role: String,
}

/// A member as the minutes name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    pub code: String,
    pub name: String,
}

/// How a member took part in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    CheckedIn,
    /// It did not check in but cast a ballot, and so took part.
    ByVoting,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub member: MemberRef,
    pub presence: Presence,
    /// Who checked it in or cast its first ballot, and when.
    pub by: Person,
    pub time: Micros,
}

/// A note the chair wrote for an agenda item (or for "Eventuelt").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub text: String,
    pub by: Person,
    pub time: Micros,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub proposal_id: String,
    pub title: String,
    pub summary: String,
    pub category: Category,
    pub sponsor: MemberRef,
    pub one_time_cost_dkk: i64,
    pub yearly_cost_dkk: i64,
    /// Why it is a board-level matter; both false for a delegated one.
    pub involves_ai: bool,
    pub personal_data: bool,
    pub linked_systems: Vec<String>,
    /// The portfolio systems `linked_systems` names, as they stood when the
    /// session closed; a deleted system or free text has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<LinkedSystem>,
    /// The proposal's status when the session closed.
    pub status: ProposalStatus,
    /// Numbers of the rounds it was a candidate in.
    pub rounds: Vec<u32>,
    pub note: Option<NoteRecord>,
}

/// A portfolio system an agenda item links, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedSystem {
    /// The entry of `linked_systems` it answers: `0101:s-…`.
    pub reference: String,
    pub name: String,
    /// Empty when unknown.
    pub vendor: String,
    /// The member whose portfolio it is in.
    pub owner: MemberRef,
    /// Other members running the same system (the same KITOS system, or the
    /// same name and vendor).
    pub also_run_by: Vec<MemberRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateRef {
    pub proposal_id: String,
    pub title: String,
}

/// A named ballot as the minutes list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotLine {
    pub member: MemberRef,
    pub weight: u64,
    pub by: Person,
    pub cast_time: Micros,
    pub content: BallotContent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Adopted,
    Rejected,
    SkippedForBudget,
    /// Ranked by a ranking round, without a budget decision.
    Ranked,
    NotDecided,
}

/// A candidate's result: weights and head counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateOutcome {
    pub proposal_id: String,
    pub position: u32,
    pub score: u64,
    pub yes_weight: u64,
    pub no_weight: u64,
    pub abstain_weight: u64,
    /// Members voting YES, NO or abstaining (a candidate left out of a
    /// `YES_NO` ballot counts as abstaining); `absent`: members without a
    /// ballot in the round.
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub absent: u32,
    /// Members approving it (`APPROVAL`).
    pub approvals: u32,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreakLine {
    pub proposal_ids: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    pub quorum_met: bool,
    pub cast_weight: u64,
    pub total_weight: u64,
    /// Result order (candidate order for `YES_NO`).
    pub candidates: Vec<CandidateOutcome>,
    pub tie_breaks: Vec<TieBreakLine>,
    /// Nobody voted.
    pub no_ballots: bool,
    pub list_revision: u64,
    pub inputs_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub number: u32,
    pub round_id: String,
    pub title: String,
    pub method: Method,
    pub threshold: Option<Threshold>,
    pub weighting: Weighting,
    /// The date of the population counts a `POPULATION` round weighs by,
    /// when all members' counts share one.
    pub population_date: Option<String>,
    pub quorum_bp: u32,
    pub budget_dkk: Option<i64>,
    pub decision_level: DecisionLevel,
    pub total_weight: u64,
    pub opened_by: Person,
    pub open_time: Micros,
    pub state: RoundState,
    pub close_time: Option<Micros>,
    /// Closed by the service at its deadline.
    pub closed_at_deadline: bool,
    pub closed_by: Option<Person>,
    pub cancel_reason: Option<String>,
    pub candidates: Vec<CandidateRef>,
    pub ballots: Vec<BallotLine>,
    pub not_voted: Vec<MemberRef>,
    /// Ballots replaced before the round closed (kept in history).
    pub replaced: usize,
    pub result: Option<ResultRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideLine {
    pub member: MemberRef,
    pub proposal_id: String,
    pub title: String,
    /// `OPT_OUT`, `DEFER`, `RERANK` or `ADOPT_LOCAL`.
    pub kind: String,
    /// `set`, `changed`, `reconfirmed` or `revoked`.
    pub change: String,
    pub defer_until: Option<String>,
    pub local_rank: Option<u32>,
    pub justification: String,
    pub board_resolution: String,
    pub by: Person,
    pub time: Micros,
}

/// The facts of a session's minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesRecord {
    pub cooperation_id: String,
    pub cooperation_name: String,
    pub session_id: String,
    pub title: String,
    pub scheduled_time: Micros,
    pub open_time: Option<Micros>,
    pub close_time: Option<Micros>,
    pub chair: Option<Person>,
    pub minute_taker: String,
    pub participants: Vec<Participant>,
    pub absent: Vec<MemberRef>,
    pub agenda: Vec<AgendaItem>,
    /// The chair's note under "Eventuelt".
    pub any_other_business: Option<NoteRecord>,
    pub rounds: Vec<RoundRecord>,
    pub overrides: Vec<OverrideLine>,
    pub list_revision: u64,
    pub list: Vec<CandidateRef>,
    /// A follow-up session's report as it stood when the session closed
    /// (DESIGN.md §13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<super::follow_up::FollowUpReport>,
}

/// Where in the event log the minutes come from: the session's `closed`
/// event, whose payload carries the SHA-256 of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub seq: i64,
    pub hash: String,
    pub record_sha256: String,
}

/// A later session's approval of the minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesApproval {
    pub by: super::Actor,
    pub time: Micros,
    pub session_id: String,
    pub session_title: String,
    /// The approval's event.
    pub seq: i64,
}
