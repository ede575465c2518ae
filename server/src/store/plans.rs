//! The list reads whose query plans are tested on both engines
//! (`tests/tests/query_plans.rs`): each must be a range of an index in the
//! order it returns, never a scan of the table or a sort of everything that
//! matches, so a page costs the same however many records there are.

use super::{cooperations, overrides, proposals, sessions, tx};

/// A read, with SQL literals to put in for its parameters (`$1`, `$2`, …).
pub struct ListRead {
    pub name: &'static str,
    pub sql: &'static str,
    pub args: &'static [&'static str],
    /// The index SQLite must use, where more than one would do.
    pub sqlite_index: Option<&'static str>,
}

pub const LIST_READS: &[ListRead] = &[
    ListRead {
        name: "ListProposals",
        sql: proposals::LIST_PROPOSALS,
        args: &["'coop'", "0", "100"],
        sqlite_index: Some("proposals_by_coop_seq"),
    },
    ListRead {
        name: "ListProposals by status",
        sql: proposals::LIST_PROPOSALS_WITH_STATUS,
        args: &["'coop'", "'SUBMITTED'", "0", "100"],
        sqlite_index: Some("proposals_by_coop"),
    },
    ListRead {
        name: "ListEvents (whole log)",
        sql: tx::LIST_EVENTS,
        args: &["0", "100"],
        sqlite_index: None,
    },
    ListRead {
        name: "ListEvents",
        sql: tx::LIST_COOPERATION_EVENTS,
        args: &["'coop'", "0", "100"],
        sqlite_index: Some("events_by_coop"),
    },
    ListRead {
        name: "ListCooperations",
        sql: cooperations::LIST_COOPERATIONS,
        args: &["0", "100"],
        sqlite_index: None,
    },
    ListRead {
        name: "ListMembers",
        sql: cooperations::LIST_MEMBERS,
        args: &["'coop'", "FALSE", "''", "100"],
        sqlite_index: None,
    },
    ListRead {
        name: "ListSessions",
        sql: sessions::LIST_SESSIONS,
        args: &["'coop'", "0", "100"],
        sqlite_index: Some("sessions_by_coop"),
    },
    ListRead {
        name: "ListRounds",
        sql: sessions::LIST_ROUNDS,
        args: &["'session'", "0", "100"],
        sqlite_index: Some("rounds_by_session"),
    },
    ListRead {
        name: "ListBallots",
        sql: sessions::LIST_BALLOTS,
        args: &["'round'", "TRUE"],
        sqlite_index: None,
    },
    ListRead {
        name: "ListOverrides",
        sql: overrides::LIST_OVERRIDES,
        args: &["'coop'", "''", "''", "''", "0", "100"],
        sqlite_index: Some("overrides_by_coop"),
    },
    ListRead {
        name: "GetPriorityList",
        sql: proposals::GET_PRIORITY_LIST,
        args: &["'coop'", "-1"],
        sqlite_index: None,
    },
    ListRead {
        name: "CastBallot's current-ballot lookup",
        sql: sessions::CURRENT_BALLOT,
        args: &["'round'", "'0101'"],
        sqlite_index: Some("ballots_one_current"),
    },
];

impl ListRead {
    /// The statement with its parameters replaced by the sample literals.
    pub fn with_args(&self) -> String {
        let mut sql = self.sql.to_string();
        // Highest first, so `$1` does not eat the start of `$10`.
        for (i, a) in self.args.iter().enumerate().rev() {
            sql = sql.replace(&format!("${}", i + 1), a);
        }
        sql
    }
}
