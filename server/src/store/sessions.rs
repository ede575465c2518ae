//! Storage of sessions, rounds, ballots and minutes.

use async_trait::async_trait;

#[async_trait]
pub trait SessionTx: Send {}
