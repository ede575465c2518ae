//! Storage of sessions, rounds, ballots and minutes.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::domain::model::{Ballot, Minutes, Round, Session};

#[async_trait]
pub trait SessionTx: Send {
    // Sessions.
    async fn insert_session(&mut self, s: &Session, seq: i64) -> StoreResult<()>;
    /// Stores `s`, whose `version` is one more than the stored one.
    async fn update_session(&mut self, s: &Session) -> StoreResult<()>;
    async fn get_session(&mut self, id: &str) -> StoreResult<Option<Session>>;
    async fn list_sessions(&mut self, cooperation: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Session>>;

    // Rounds.
    async fn insert_round(&mut self, r: &Round, seq: i64) -> StoreResult<()>;
    /// Stores `r`, whose `version` is one more than the stored one.
    async fn update_round(&mut self, r: &Round) -> StoreResult<()>;
    async fn get_round(&mut self, id: &str) -> StoreResult<Option<Round>>;
    /// Rounds of a session in the order they were opened.
    async fn list_rounds(&mut self, session: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Round>>;
    /// Open rounds of a cooperation, oldest first.
    async fn list_open_rounds(&mut self, cooperation: &str) -> StoreResult<Vec<Round>>;
    /// Ids of open rounds whose deadline is at or before `now`, earliest first.
    async fn due_rounds(&mut self, now: i64, limit: i64) -> StoreResult<Vec<String>>;

    // Ballots.
    /// The member's current ballot in a round.
    async fn current_ballot(&mut self, round: &str, municipality: &str) -> StoreResult<Option<Ballot>>;
    /// Adds a ballot version as the current one; the caller has retired the
    /// previous current ballot. The schema refuses a second current ballot.
    async fn insert_ballot(&mut self, b: &Ballot) -> StoreResult<()>;
    /// Marks the member's current ballot as replaced.
    async fn retire_ballot(&mut self, round: &str, municipality: &str, version: u32) -> StoreResult<()>;
    /// Ballots of a round by municipality, then version: the current ones, or
    /// every version.
    async fn list_ballots(&mut self, round: &str, include_history: bool) -> StoreResult<Vec<Ballot>>;

    // Minutes.
    async fn insert_minutes(&mut self, m: &Minutes) -> StoreResult<()>;
    async fn get_minutes(&mut self, session: &str) -> StoreResult<Option<Minutes>>;
}
