//! The records of local overrides (DESIGN.md §6): every version of a
//! member's override, as stored and logged.

use serde::{Deserialize, Serialize};

use super::{Actor, Micros, OverrideKind};

/// What a version of an override records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    Set,
    Changed,
    Reconfirmed,
    Revoked,
}

impl Change {
    /// The event action of this change.
    pub fn action(self) -> &'static str {
        match self {
            Change::Set => "override.set",
            Change::Changed => "override.changed",
            Change::Reconfirmed => "override.reconfirmed",
            Change::Revoked => "override.revoked",
        }
    }
}

/// One version of a member's override of one proposal, as stored. Each
/// change stores a new version under the same id; a revoked override stays
/// revoked, and setting one again for the proposal starts a new id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub id: String,
    pub cooperation_id: String,
    pub municipality: String,
    pub proposal_id: String,
    pub kind: OverrideKind,
    /// `DEFER`: the ISO date from which the member takes part.
    pub defer_until: Option<String>,
    /// `RERANK` (required) and `ADOPT_LOCAL` (optional): 1-based local position.
    pub local_rank: Option<u32>,
    /// Why: of the override, or for a revocation, of the revocation.
    pub justification: String,
    pub board_resolution: String,
    /// Who recorded this version, and when.
    pub set_by: Actor,
    pub set_time: Micros,
    /// ISO date through which the override applies.
    pub expires_on: Option<String>,
    /// The shared list revision this version was made against, and the
    /// proposal's rank on it (`None`: not on the list).
    pub list_revision: u64,
    pub shared_rank_at_set: Option<u32>,
    pub revoked: bool,
    pub version: u32,
    pub change: Change,
}

impl Override {
    /// What it does, in a few words: `OPT_OUT`, `DEFER until 2027-01-01`,
    /// `RERANK to 3`, `ADOPT_LOCAL at 2`.
    pub fn effect(&self) -> String {
        effect(self.kind, self.defer_until.as_deref(), self.local_rank)
    }
}

/// What an override does, in a few words for the API: "DEFER until 2027-01-01".
pub fn effect(kind: OverrideKind, defer_until: Option<&str>, local_rank: Option<u32>) -> String {
    match (kind, defer_until, local_rank) {
        (OverrideKind::Defer, Some(d), _) => format!("DEFER until {d}"),
        (OverrideKind::Rerank, _, Some(r)) => format!("RERANK to {r}"),
        (OverrideKind::AdoptLocal, _, Some(r)) => format!("ADOPT_LOCAL at {r}"),
        (kind, _, _) => kind.to_string(),
    }
}

/// What an override in force does to one proposal: as much of it as the
/// cooperation overview needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deviation<'a> {
    pub proposal_id: &'a str,
    pub municipality: &'a str,
    pub kind: OverrideKind,
    pub defer_until: Option<&'a str>,
    pub local_rank: Option<u32>,
}

impl<'a> Deviation<'a> {
    pub fn of(o: &'a Override) -> Self {
        Deviation {
            proposal_id: &o.proposal_id,
            municipality: &o.municipality,
            kind: o.kind,
            defer_until: o.defer_until.as_deref(),
            local_rank: o.local_rank,
        }
    }

    pub fn defers(&self, as_of: &str) -> bool {
        self.kind == OverrideKind::Defer && self.defer_until.is_some_and(|d| as_of < d)
    }
}
