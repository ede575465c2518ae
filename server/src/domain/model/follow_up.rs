//! The records of follow-up (DESIGN.md §13): a member's implementation of a
//! priority it takes part in, every version as stored and logged; and the
//! follow-up report computed from them, which a follow-up session's minutes
//! keep as it stood when the session closed.

use serde::{Deserialize, Serialize};

use super::{Actor, CandidateResult, Change, ImplementationStatus, Method, Micros, OverrideKind, Threshold, Weighting};

/// A step of an implementation with its due date, and the date it was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub title: String,
    /// ISO date.
    pub due_on: String,
    /// ISO date; `None` while not done.
    pub done_on: Option<String>,
}

impl Milestone {
    /// Not done, and due before `as_of` (an ISO date).
    pub fn is_overdue(&self, as_of: &str) -> bool {
        self.done_on.is_none() && self.due_on.as_str() < as_of
    }
}

/// One version of a member's implementation record of one proposal. The
/// member's digital lead (or board) keeps it; each update stores a new
/// version. A member taking part that has never reported has no stored
/// record: it reads as [`Implementation::not_started`], version 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implementation {
    pub cooperation_id: String,
    pub proposal_id: String,
    pub municipality: String,
    pub status: ImplementationStatus,
    /// 0–100.
    pub progress_percent: u32,
    pub milestones: Vec<Milestone>,
    pub notes: String,
    /// Who recorded this version and when; `None` for version 0.
    pub updated_by: Option<Actor>,
    pub update_time: Micros,
    pub version: u32,
}

impl Implementation {
    /// The record of a member that has not reported yet.
    pub fn not_started(cooperation_id: &str, proposal_id: &str, municipality: &str) -> Self {
        Implementation {
            cooperation_id: cooperation_id.to_string(),
            proposal_id: proposal_id.to_string(),
            municipality: municipality.to_string(),
            status: ImplementationStatus::NotStarted,
            progress_percent: 0,
            milestones: vec![],
            notes: String::new(),
            updated_by: None,
            update_time: 0,
            version: 0,
        }
    }

    /// Its milestones past due on `as_of`.
    pub fn overdue<'a>(&'a self, as_of: &'a str) -> impl Iterator<Item = &'a Milestone> + 'a {
        self.milestones.iter().filter(move |m| m.is_overdue(as_of))
    }
}

/// Overall progress of a priority, in basis points of a percent (4250 is
/// 42,50 %), both plain (each member alike) and weighted by population.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub plain_bp: u32,
    pub weighted_bp: u32,
    /// Members counted: those taking part.
    pub members: u32,
    pub done: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Participation {
    TakingPart,
    /// Taking part from `starts_on`, the end of the member's deferral.
    Deferred,
    /// The member's own priority (`ADOPT_LOCAL`), not the cooperation's.
    LocalAdoption,
}

impl Participation {
    pub fn as_str(self) -> &'static str {
        match self {
            Participation::TakingPart => "TAKING_PART",
            Participation::Deferred => "DEFERRED",
            Participation::LocalAdoption => "LOCAL_ADOPTION",
        }
    }
}

/// A member's record as read: the stored version (or version 0) and what it
/// means on the day it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplementationView {
    pub record: Implementation,
    pub member_name: String,
    pub population: i64,
    pub participation: Participation,
    /// The date from which the member is expected to work on it: the
    /// priority's adoption, or the end of its deferral.
    pub starts_on: Option<String>,
    /// Not updated for longer than the configured number of days.
    pub stale: bool,
    /// The date of its last update, or of its start when it never reported.
    pub last_update_on: Option<String>,
    pub days_since_update: Option<u32>,
    pub as_of: String,
}

impl ImplementationView {
    pub fn overdue(&self) -> impl Iterator<Item = &Milestone> {
        self.record.overdue(&self.as_of)
    }
}

/// The decision that put a priority on the shared list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub round_id: String,
    pub round_title: String,
    pub session_id: String,
    pub session_title: String,
    pub method: Method,
    pub threshold: Option<Threshold>,
    pub weighting: Weighting,
    pub total_weight: u64,
    pub budget_dkk: Option<i64>,
    /// The proposal's line of the round's result: its weights (`YES_NO`) or
    /// its position and score.
    pub result: Option<CandidateResult>,
    pub decide_time: Micros,
    /// The result in a few words for the API, e.g. "adopted: YES 4, NO 1,
    /// ABSTAIN 0 of weight 5 (EQUAL)"; people read it from `result`.
    pub summary: String,
}

/// A member deviating from a priority, with the board's reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationNote {
    pub municipality: String,
    pub member_name: String,
    pub kind: OverrideKind,
    /// `DEFER`: the ISO date the member takes part from.
    pub defer_until: Option<String>,
    /// `RERANK`, `ADOPT_LOCAL`: the member's local position.
    pub local_rank: Option<u32>,
    /// The effect in a few words for the API, e.g. "DEFER until 2027-01-01".
    pub effect: String,
    pub justification: String,
    pub board_resolution: String,
    pub override_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityFollowUp {
    pub proposal_id: String,
    pub title: String,
    /// `None` for a proposal only adopted locally.
    pub shared_rank: Option<u32>,
    pub decision: Option<Decision>,
    /// The date it became a priority: on the shared list, or adopted locally.
    pub adopted_on: String,
    pub progress: Progress,
    /// The members taking part, in code order.
    pub members: Vec<ImplementationView>,
    pub deviations: Vec<DeviationNote>,
}

/// Something late: a milestone past due, or a member silent too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueItem {
    pub proposal_id: String,
    pub title: String,
    pub municipality: String,
    pub member_name: String,
    /// The milestone past due; `None` when the member is silent.
    pub milestone: Option<Milestone>,
    pub last_update_on: Option<String>,
    pub days_since_update: Option<u32>,
}

/// A change recorded between the previous report and this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChange {
    pub time: Micros,
    pub municipality: String,
    pub member_name: String,
    pub proposal_id: String,
    pub title: String,
    /// What changed in a few words for the API, from [`ChangeDetail`].
    pub description: String,
    pub detail: ChangeDetail,
    pub actor: Option<Actor>,
}

/// What a change between two reports did, for people to read in their own
/// language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeDetail {
    /// A member updated its implementation record.
    Record {
        /// Before and after, when the status changed.
        status: Option<(ImplementationStatus, ImplementationStatus)>,
        /// Before and after, when the progress changed.
        progress: Option<(u32, u32)>,
        milestones: Vec<MilestoneChange>,
        notes_changed: bool,
    },
    /// A member's board set, changed, reconfirmed or revoked an override.
    Override {
        kind: OverrideKind,
        defer_until: Option<String>,
        local_rank: Option<u32>,
        change: Change,
        board_resolution: String,
        justification: String,
    },
    /// The shared list got a new revision.
    ListRevision { revision: u64, priorities: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MilestoneChange {
    Added { title: String, due_on: String },
    Done { title: String, done_on: String },
    Moved { title: String, from: String, to: String },
    Removed { title: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpReport {
    pub cooperation_id: String,
    pub cooperation_name: String,
    pub as_of: String,
    /// The date of the previous report; changes are those after it.
    pub since: Option<String>,
    pub stale_after_days: u32,
    pub list_revision: u64,
    pub priorities: Vec<PriorityFollowUp>,
    pub overdue: Vec<OverdueItem>,
    pub changes: Vec<ReportChange>,
}
