//! Storage of local overrides and their history.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::domain::overrides::Override;

/// Which overrides a listing returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct OverrideFilter<'a> {
    pub cooperation: &'a str,
    pub municipality: Option<&'a str>,
    pub proposal: Option<&'a str>,
    /// Only overrides in force on this ISO date (not revoked, not past their
    /// expiry); `None` lists every override ever set.
    pub in_force_on: Option<&'a str>,
}

#[async_trait]
pub trait OverrideTx: Send {
    /// Stores a new override (version 1) and the first entry of its history;
    /// `seq` is the sequence number of the event that set it.
    async fn insert_override(&mut self, o: &Override, seq: i64) -> StoreResult<()>;
    /// Stores the next version of an override (`o.version` = stored + 1,
    /// else [`Conflict`](super::StoreError::Conflict)) and appends it to the history.
    async fn update_override(&mut self, o: &Override) -> StoreResult<()>;
    async fn get_override(&mut self, id: &str) -> StoreResult<Option<Override>>;
    /// The member's override for a proposal that has not been revoked (in
    /// force or expired): at most one, by the schema.
    async fn get_unrevoked_override(
        &mut self,
        cooperation: &str,
        municipality: &str,
        proposal: &str,
    ) -> StoreResult<Option<Override>>;
    /// Overrides in the order they were first set, after `after_seq`.
    async fn list_overrides(
        &mut self,
        filter: &OverrideFilter<'_>,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Page<Override>>;
    /// Every version of an override, oldest first.
    async fn override_history(&mut self, id: &str) -> StoreResult<Vec<Override>>;
    /// Every version recorded in a cooperation in `[from, to]` (microseconds), in order.
    async fn override_versions_between(&mut self, cooperation: &str, from: i64, to: i64) -> StoreResult<Vec<Override>>;
}
