//! The records of the cooperation model (DESIGN.md §4–§7), as the domain sees
//! them and the store keeps them. Times are microseconds since the Unix
//! epoch; dates are ISO strings.
//!
//! This module is the bottom layer: it depends on nothing else of the domain,
//! so the store can import the records without importing any rule.

pub mod follow_up;
pub mod ids;
pub mod minutes;
pub mod overrides;
pub mod portfolio;
pub mod sessions;

pub use follow_up::{Implementation, Milestone};
pub use ids::{CooperationId, IsoDate, MunicipalityCode, RecordId};

pub use overrides::{Change, Deviation, Override};
pub use sessions::{
    Attendance, Ballot, BallotContent, CandidateResult, CandidateScore, ItemNote, MemberWeight, Minutes, Round,
    RoundCandidate, RoundResult, Session, TieBreak, YesNoChoice,
};

use serde::{Deserialize, Serialize};

pub type Micros = i64;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(Weighting { Equal = "EQUAL", Population = "POPULATION", Custom = "CUSTOM" });
str_enum!(
    /// Board-level matters may only be decided and overridden by the board.
    DecisionLevel { Delegated = "DELEGATED", Board = "BOARD" }
);
str_enum!(Category {
    NewSystem = "NEW_SYSTEM",
    Replacement = "REPLACEMENT",
    SharedProcurement = "SHARED_PROCUREMENT",
    AiUse = "AI_USE",
    Infrastructure = "INFRASTRUCTURE",
    Other = "OTHER",
});
str_enum!(ProposalStatus {
    Draft = "DRAFT",
    Submitted = "SUBMITTED",
    Adopted = "ADOPTED",
    Rejected = "REJECTED",
    Withdrawn = "WITHDRAWN",
});
str_enum!(SessionState { Scheduled = "SCHEDULED", Open = "OPEN", Closed = "CLOSED" });
str_enum!(
    /// A follow-up session's agenda is the follow-up report, and its minutes
    /// carry the report as it stood when it closed (DESIGN.md §13).
    SessionKind { Regular = "REGULAR", FollowUp = "FOLLOW_UP" }
);

// `str_enum!` cannot mark a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for SessionKind {
    /// Sessions stored before kinds existed were regular ones.
    fn default() -> Self {
        SessionKind::Regular
    }
}
str_enum!(RoundState { Open = "OPEN", Closed = "CLOSED", Cancelled = "CANCELLED" });
str_enum!(Method {
    YesNo = "YES_NO",
    Approval = "APPROVAL",
    Score = "SCORE",
    Borda = "BORDA",
    Schulze = "SCHULZE",
});
str_enum!(Threshold {
    SimpleMajority = "SIMPLE_MAJORITY",
    TwoThirds = "TWO_THIRDS",
    Unanimous = "UNANIMOUS",
});
str_enum!(Choice { Yes = "YES", No = "NO", Abstain = "ABSTAIN" });
str_enum!(OverrideKind {
    OptOut = "OPT_OUT",
    Defer = "DEFER",
    Rerank = "RERANK",
    AdoptLocal = "ADOPT_LOCAL",
});
str_enum!(OverrideState { Active = "ACTIVE", Revoked = "REVOKED", Expired = "EXPIRED" });
str_enum!(
    /// Where a member stands with a priority it takes part in (DESIGN.md §13).
    ImplementationStatus {
        NotStarted = "NOT_STARTED",
        InProgress = "IN_PROGRESS",
        Done = "DONE",
        Blocked = "BLOCKED",
        Cancelled = "CANCELLED",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub default_weighting: Weighting,
    pub default_quorum_bp: u32,
    pub allow_delegated_voting: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cooperation {
    pub id: String,
    pub name: String,
    pub rules: Rules,
    pub create_time: Micros,
    pub update_time: Micros,
    pub version: u64,
    /// Filled in on reads: current members.
    #[serde(default)]
    pub member_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub cooperation_id: String,
    pub code: String,
    pub name: String,
    pub population: i64,
    /// ISO date of the population count, when known (the register's date
    /// for a population taken from it). Members stored before it existed
    /// read as unknown.
    #[serde(default)]
    pub population_date: Option<String>,
    pub custom_weight: Option<i64>,
    pub joined_on: String,
    pub left_on: Option<String>,
    pub version: u64,
}

impl Member {
    pub fn is_current(&self) -> bool {
        self.left_on.is_none()
    }

    /// The member's weight under a weighting; never negative.
    pub fn weight(&self, weighting: Weighting) -> u64 {
        let w = match weighting {
            Weighting::Equal => 1,
            Weighting::Population => self.population,
            Weighting::Custom => self.custom_weight.unwrap_or(0),
        };
        w.max(0) as u64
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub involves_ai: bool,
    pub personal_data: bool,
    pub citizen_facing: bool,
    pub security_critical: bool,
}

impl Flags {
    /// DESIGN.md §3: AI or personal data make a proposal a board-level matter.
    pub fn decision_level(&self) -> DecisionLevel {
        if self.involves_ai || self.personal_data {
            DecisionLevel::Board
        } else {
            DecisionLevel::Delegated
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalContent {
    pub title: String,
    pub summary: String,
    pub category: Category,
    pub flags: Flags,
    pub one_time_cost_dkk: i64,
    pub yearly_cost_dkk: i64,
    pub linked_systems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub cooperation_id: String,
    pub content: ProposalContent,
    pub sponsor: String,
    pub status: ProposalStatus,
    pub created_by: String,
    pub create_time: Micros,
    pub update_time: Micros,
    pub submit_time: Option<Micros>,
    /// Event sequence number of the submission: the tie-break key.
    pub submit_seq: Option<i64>,
    pub decide_time: Option<Micros>,
    pub version: u64,
}

impl Proposal {
    pub fn decision_level(&self) -> DecisionLevel {
        self.content.flags.decision_level()
    }
}

/// Who did something, as recorded in the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub sub: String,
    pub municipality: String,
    pub roles: Vec<String>,
    /// The person's display name from the token, so minutes can name people;
    /// empty when the token carried none (and in events recorded before
    /// names were kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl Actor {
    /// The name to show for the actor: the display name, else the subject.
    pub fn display(&self) -> &str {
        if self.name.is_empty() { &self.sub } else { &self.name }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub time: Micros,
    pub actor: Actor,
    pub action: String,
    pub subject: String,
    pub cooperation_id: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// An event before it is sequenced and chained. Its payload is encoded when
/// the event is made, so a payload that cannot be encoded is an error of the
/// operation, never a `null` in the hash-chained log.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: &'static str,
    pub subject: String,
    pub cooperation_id: String,
    payload: String,
}

impl NewEvent {
    pub fn new<P: Serialize + ?Sized>(
        action: &'static str,
        subject: impl Into<String>,
        cooperation_id: impl Into<String>,
        payload: &P,
    ) -> Result<Self, serde_json::Error> {
        // Through a JSON value, whose object keys are ordered: the form every
        // payload in the log has had.
        let payload = serde_json::to_value(payload)?.to_string();
        Ok(NewEvent {
            action,
            subject: subject.into(),
            cooperation_id: cooperation_id.into(),
            payload,
        })
    }

    /// The payload as the log stores it: JSON text.
    pub fn payload(&self) -> &str {
        &self.payload
    }
}

/// A revision of the cooperation's shared priority list: adopted proposals,
/// best first (rank = index + 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityList {
    pub cooperation_id: String,
    pub revision: u64,
    pub items: Vec<String>,
    pub update_time: Micros,
    /// What made this revision, e.g. `rounds/<id>`.
    pub cause: String,
}

impl PriorityList {
    /// Revision 0: the empty list every cooperation starts with.
    pub fn empty(cooperation_id: &str) -> Self {
        PriorityList {
            cooperation_id: cooperation_id.to_string(),
            revision: 0,
            items: vec![],
            update_time: 0,
            cause: String::new(),
        }
    }

    /// 1-based rank of a proposal, if it is on the list.
    pub fn rank_of(&self, proposal_id: &str) -> Option<u32> {
        self.items.iter().position(|p| p == proposal_id).map(|i| i as u32 + 1)
    }
}
