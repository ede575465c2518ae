//! Storage of local overrides and their history.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::domain::model::Deviation;
use crate::domain::model::{Ballot, Round};
use crate::domain::model::{Override, OverrideKind, PriorityList};

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
    /// What a member's effective list on an ISO date is computed from.
    async fn effective_reads(&mut self, cooperation: &str, municipality: &str, on: &str)
    -> StoreResult<EffectiveReads>;
    /// What the cooperation overview on an ISO date is computed from.
    async fn overview_reads(&mut self, cooperation: &str, on: &str) -> StoreResult<OverviewReads>;
    /// A member's current ballots in the closed rounds of a cooperation, with
    /// their rounds, in the order the rounds were opened: its named votes.
    async fn member_ballots(&mut self, cooperation: &str, municipality: &str) -> StoreResult<Vec<(Round, Ballot)>>;
    /// Every version of an override, oldest first.
    async fn override_history(&mut self, id: &str) -> StoreResult<Vec<Override>>;
    /// Every version recorded in a cooperation in `[from, to]` (microseconds), in order.
    async fn override_versions_between(&mut self, cooperation: &str, from: i64, to: i64) -> StoreResult<Vec<Override>>;
}

/// The inputs of an effective list, read in one statement: on SQLite each
/// statement is a round trip to the connection's thread, which costs more
/// than most of these reads themselves.
#[derive(Debug, Default)]
pub struct EffectiveReads {
    pub is_member: bool,
    /// The current shared list; `None` before the first revision.
    pub list: Option<PriorityList>,
    /// The member's overrides in force, in the order they were first set.
    pub overrides: Vec<Override>,
    pub titles: Titles,
}

/// The inputs of the cooperation overview, read in one statement.
#[derive(Debug, Default)]
pub struct OverviewReads {
    pub list: Option<PriorityList>,
    pub deviations: Deviations,
    pub titles: Titles,
}

/// Field and record separators of [`Packed`] rows: control characters, which
/// validated text (ids, codes, titles, dates) never contains, and JSON
/// escapes.
pub(crate) const FIELD: &str = "\u{1f}";
pub(crate) const RECORD: &str = "\u{1e}";

/// Rows the database packs into one string with `string_agg`. Reads of a few
/// narrow fields of hundreds or thousands of rows use it: on SQLite every row
/// handed back costs more than the database's work on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed(String);

impl Packed {
    pub(crate) fn new(aggregate: Option<String>) -> Self {
        Packed(aggregate.unwrap_or_default())
    }

    /// The rows of exactly `N` fields (anything else cannot be ours).
    fn rows<const N: usize>(&self) -> impl Iterator<Item = [&str; N]> {
        self.0.split(RECORD).filter(|r| !r.is_empty()).filter_map(|r| {
            let mut fields = r.split(FIELD);
            let mut row = [""; N];
            for f in &mut row {
                *f = fields.next()?;
            }
            fields.next().is_none().then_some(row)
        })
    }

    /// Each record decoded as a JSON document.
    pub(crate) fn docs<T: serde::de::DeserializeOwned>(&self) -> StoreResult<Vec<T>> {
        self.0
            .split(RECORD)
            .filter(|r| !r.is_empty())
            .map(super::from_doc)
            .collect()
    }
}

/// `(proposal id, title)` of a cooperation's proposals past their draft.
#[derive(Debug, Clone, Default)]
pub struct Titles(pub(crate) Packed);

impl Titles {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.rows::<2>().map(|[id, title]| (id, title))
    }
}

/// Overrides in force, reduced to what the overview needs; usually grouped
/// by proposal (the order of the index they are read from), though nothing
/// relies on it.
#[derive(Debug, Clone, Default)]
pub struct Deviations(pub(crate) Packed);

impl Deviations {
    /// The `deviation` column of an override: what [`iter`](Self::iter) reads back.
    pub(crate) fn pack(o: &Override) -> String {
        [
            o.proposal_id.as_str(),
            o.municipality.as_str(),
            o.kind.as_str(),
            o.defer_until.as_deref().unwrap_or(""),
            &o.local_rank.unwrap_or(0).to_string(),
        ]
        .join(FIELD)
    }

    pub fn iter(&self) -> impl Iterator<Item = Deviation<'_>> {
        self.0
            .rows::<5>()
            .filter_map(|[proposal_id, municipality, kind, defer_until, local_rank]| {
                Some(Deviation {
                    proposal_id,
                    municipality,
                    kind: kind_of(kind)?,
                    defer_until: (!defer_until.is_empty()).then_some(defer_until),
                    local_rank: local_rank.parse().ok().filter(|r| *r > 0),
                })
            })
    }
}

fn kind_of(s: &str) -> Option<OverrideKind> {
    [
        OverrideKind::OptOut,
        OverrideKind::Defer,
        OverrideKind::Rerank,
        OverrideKind::AdoptLocal,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_decode_and_skip_what_is_not_a_row() {
        let p = Packed::new(Some(format!(
            "p1{FIELD}0101{FIELD}DEFER{FIELD}2027-01-01{FIELD}0{RECORD}p1{FIELD}0147{FIELD}RERANK{FIELD}{FIELD}3\
             {RECORD}junk{RECORD}p2{FIELD}0101{FIELD}NOPE{FIELD}{FIELD}0"
        )));
        let d = Deviations(p);
        let rows: Vec<_> = d.iter().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].kind, rows[0].defer_until, rows[0].local_rank),
            (OverrideKind::Defer, Some("2027-01-01"), None)
        );
        assert_eq!((rows[1].municipality, rows[1].local_rank), ("0147", Some(3)));
        assert_eq!(Titles(Packed::new(None)).iter().count(), 0);
    }

    #[test]
    fn deviations_pack_what_they_read_back() {
        let o: Override = serde_json::from_value(serde_json::json!({
            "id": "o1", "cooperation_id": "c", "municipality": "0151", "proposal_id": "p9",
            "kind": "ADOPT_LOCAL", "defer_until": null, "local_rank": 4,
            "justification": "j", "board_resolution": "r",
            "set_by": {"sub": "s", "municipality": "0151", "roles": ["board"]}, "set_time": 0,
            "expires_on": null, "list_revision": 1, "shared_rank_at_set": null,
            "revoked": false, "version": 1, "change": "SET"
        }))
        .unwrap();
        let packed = Deviations(Packed::new(Some(
            [Deviations::pack(&o), Deviations::pack(&o)].join(RECORD),
        )));
        let rows: Vec<_> = packed.iter().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].proposal_id,
                rows[0].municipality,
                rows[0].kind,
                rows[0].defer_until,
                rows[0].local_rank
            ),
            ("p9", "0151", OverrideKind::AdoptLocal, None, Some(4))
        );
    }
}
