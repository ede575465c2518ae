//! The records of follow-up (DESIGN.md §13): a member's implementation of a
//! priority it takes part in, every version as stored and logged.

use serde::{Deserialize, Serialize};

use super::{Actor, ImplementationStatus, Micros};

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
