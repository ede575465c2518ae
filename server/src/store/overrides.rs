//! Storage of local overrides and their history.

use async_trait::async_trait;

use super::tx::{DocRow, SeqDocRow, Tx, docs, on_engine, page};
use super::{Page, StoreError, StoreResult, from_doc, one_row, to_doc};
use crate::domain::model::{Ballot, Deviation, Override, OverrideKind, PriorityList, Round};

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

    /// The rows, each of exactly `N` fields; any other row is corrupt.
    fn rows<const N: usize>(&self) -> impl Iterator<Item = StoreResult<[&str; N]>> {
        self.0.split(RECORD).filter(|r| !r.is_empty()).map(|r| {
            let mut fields = r.split(FIELD);
            let mut row = [""; N];
            for f in &mut row {
                *f = fields
                    .next()
                    .ok_or_else(|| corrupt(format!("packed row {r:?} has too few fields")))?;
            }
            match fields.next() {
                None => Ok(row),
                Some(_) => Err(corrupt(format!("packed row {r:?} has more than {N} fields"))),
            }
        })
    }

    /// Each record decoded as a JSON document.
    pub(crate) fn docs<T: serde::de::DeserializeOwned>(&self) -> StoreResult<Vec<T>> {
        self.0.split(RECORD).filter(|r| !r.is_empty()).map(from_doc).collect()
    }
}

/// A stored value this code cannot read.
fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(<serde_json::Error as serde::de::Error>::custom(what))
}

/// `(proposal id, title)` of a cooperation's proposals past their draft.
#[derive(Debug, Clone, Default)]
pub struct Titles(Packed);

impl Titles {
    /// Checks every row once, so that [`iter`](Self::iter) reads them all.
    pub(crate) fn new(p: Packed) -> StoreResult<Self> {
        for row in p.rows::<2>() {
            row?;
        }
        Ok(Titles(p))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        // Every row was checked in `new`.
        self.0.rows::<2>().flatten().map(|[id, title]| (id, title))
    }
}

/// Overrides in force, reduced to what the overview needs; usually grouped
/// by proposal (the order of the index they are read from), though nothing
/// relies on it.
#[derive(Debug, Clone, Default)]
pub struct Deviations(Packed);

impl Deviations {
    /// Checks every row once, so that [`iter`](Self::iter) reads them all.
    pub(crate) fn new(p: Packed) -> StoreResult<Self> {
        for row in p.rows::<5>() {
            Self::decode(row?)?;
        }
        Ok(Deviations(p))
    }

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

    fn decode([proposal_id, municipality, kind, defer_until, local_rank]: [&str; 5]) -> StoreResult<Deviation<'_>> {
        let local_rank: u32 = local_rank
            .parse()
            .map_err(|_| corrupt(format!("deviation of {proposal_id} has local rank {local_rank:?}")))?;
        Ok(Deviation {
            proposal_id,
            municipality,
            kind: kind_of(kind).ok_or_else(|| corrupt(format!("deviation of {proposal_id} has kind {kind:?}")))?,
            defer_until: (!defer_until.is_empty()).then_some(defer_until),
            local_rank: (local_rank > 0).then_some(local_rank),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = Deviation<'_>> {
        // Every row was checked in `new`.
        self.0.rows::<5>().flatten().flat_map(Self::decode)
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

const INSERT_OVERRIDE: &str = "INSERT INTO overrides (id, cooperation_id, municipality, proposal_id, seq, active, \
     version, expires_on, deviation, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const UPDATE_OVERRIDE: &str = "UPDATE overrides SET active = $2, version = $3, expires_on = $4, deviation = $5, \
     doc = $6 WHERE id = $1 AND version = $7";
const INSERT_OVERRIDE_VERSION: &str = "INSERT INTO override_history (override_id, version, doc, cooperation_id, \
     set_time) VALUES ($1, $2, $3, $4, $5)";
const GET_OVERRIDE: &str = "SELECT doc FROM overrides WHERE id = $1";
const GET_UNREVOKED_OVERRIDE: &str =
    "SELECT doc FROM overrides WHERE cooperation_id = $1 AND municipality = $2 AND proposal_id = $3 AND active";
pub(crate) const LIST_OVERRIDES: &str = "SELECT seq, doc FROM overrides WHERE cooperation_id = $1 \
     AND ($2 = '' OR municipality = $2) AND ($3 = '' OR proposal_id = $3) \
     AND ($4 = '' OR (active AND (expires_on = '' OR expires_on >= $4))) \
     AND seq > $5 ORDER BY seq LIMIT $6";
/// Whether `$2` is a member of cooperation `$1`, its shared list, its
/// overrides in force on `$3` (documents packed with record separator `$5`),
/// and the proposal titles (fields packed with `$4`).
const EFFECTIVE_READS: &str = "SELECT \
     (SELECT COUNT(*) FROM members WHERE cooperation_id = $1 AND code = $2) AS members, \
     (SELECT doc FROM priority_lists WHERE cooperation_id = $1 ORDER BY revision DESC LIMIT 1) AS list, \
     (SELECT string_agg(doc, $5 ORDER BY seq) FROM overrides WHERE cooperation_id = $1 \
      AND municipality = $2 AND active AND (expires_on = '' OR expires_on >= $3)) AS overrides, \
     (SELECT string_agg(id || $4 || title, $5) FROM proposals WHERE cooperation_id = $1 AND status <> 'DRAFT') \
      AS titles";
/// Cooperation `$1`'s shared list, its deviations in force on `$2` and the
/// proposal titles, packed with field separator `$3` and record separator `$4`.
const OVERVIEW_READS: &str = "SELECT \
     (SELECT doc FROM priority_lists WHERE cooperation_id = $1 ORDER BY revision DESC LIMIT 1) AS list, \
     (SELECT string_agg(deviation, $4) FROM overrides \
      WHERE cooperation_id = $1 AND active AND (expires_on = '' OR expires_on >= $2)) AS deviations, \
     (SELECT string_agg(id || $3 || title, $4) FROM proposals WHERE cooperation_id = $1 AND status <> 'DRAFT') \
      AS titles";
const MEMBER_BALLOTS: &str = "SELECT r.doc AS round, b.doc AS ballot FROM rounds r JOIN ballots b ON b.round_id = r.id \
     WHERE r.cooperation_id = $1 AND r.state = 'CLOSED' AND b.municipality = $2 AND b.current \
     ORDER BY r.seq";
const OVERRIDE_HISTORY: &str = "SELECT doc FROM override_history WHERE override_id = $1 ORDER BY version";
const OVERRIDE_VERSIONS_BETWEEN: &str = "SELECT doc FROM override_history \
     WHERE cooperation_id = $1 AND set_time >= $2 AND set_time <= $3 \
     ORDER BY set_time, override_id, version";

#[derive(sqlx::FromRow)]
struct EffectiveRow {
    members: i64,
    list: Option<String>,
    overrides: Option<String>,
    titles: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OverviewRow {
    list: Option<String>,
    deviations: Option<String>,
    titles: Option<String>,
}

#[derive(sqlx::FromRow)]
struct VoteRow {
    round: String,
    ballot: String,
}

impl Tx {
    async fn insert_override_version(&mut self, o: &Override, doc: &str) -> StoreResult<()> {
        on_engine!(self, c => sqlx::query(INSERT_OVERRIDE_VERSION)
            .bind(&o.id)
            .bind(o.version as i64)
            .bind(doc)
            .bind(&o.cooperation_id)
            .bind(o.set_time)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }
}

#[async_trait]
impl OverrideTx for Tx {
    #[tracing::instrument(skip_all, fields(id = %o.id))]
    async fn insert_override(&mut self, o: &Override, seq: i64) -> StoreResult<()> {
        let doc = to_doc(o)?;
        on_engine!(self, c => sqlx::query(INSERT_OVERRIDE)
            .bind(&o.id)
            .bind(&o.cooperation_id)
            .bind(&o.municipality)
            .bind(&o.proposal_id)
            .bind(seq)
            .bind(!o.revoked)
            .bind(o.version as i64)
            .bind(o.expires_on.as_deref().unwrap_or(""))
            .bind(Deviations::pack(o))
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        self.insert_override_version(o, &doc).await
    }

    #[tracing::instrument(skip_all, fields(id = %o.id, version = o.version))]
    async fn update_override(&mut self, o: &Override) -> StoreResult<()> {
        let doc = to_doc(o)?;
        let r = on_engine!(self, c => sqlx::query(UPDATE_OVERRIDE)
            .bind(&o.id)
            .bind(!o.revoked)
            .bind(o.version as i64)
            .bind(o.expires_on.as_deref().unwrap_or(""))
            .bind(Deviations::pack(o))
            .bind(&doc)
            .bind(o.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)?;
        self.insert_override_version(o, &doc).await
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get_override(&mut self, id: &str) -> StoreResult<Option<Override>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_OVERRIDE).bind(id).fetch_optional(c).await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation, municipality, proposal))]
    async fn get_unrevoked_override(
        &mut self,
        cooperation: &str,
        municipality: &str,
        proposal: &str,
    ) -> StoreResult<Option<Override>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_UNREVOKED_OVERRIDE)
            .bind(cooperation)
            .bind(municipality)
            .bind(proposal)
            .fetch_optional(c)
            .await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation = f.cooperation, after_seq, limit))]
    async fn list_overrides(
        &mut self,
        f: &OverrideFilter<'_>,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Page<Override>> {
        let rows: Vec<SeqDocRow> = on_engine!(self, c => sqlx::query_as(LIST_OVERRIDES)
            .bind(f.cooperation)
            .bind(f.municipality.unwrap_or(""))
            .bind(f.proposal.unwrap_or(""))
            .bind(f.in_force_on.unwrap_or(""))
            .bind(after_seq)
            .bind(limit)
            .fetch_all(c)
            .await?);
        page(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation, municipality, on))]
    async fn effective_reads(
        &mut self,
        cooperation: &str,
        municipality: &str,
        on: &str,
    ) -> StoreResult<EffectiveReads> {
        let row: EffectiveRow = on_engine!(self, c => sqlx::query_as(EFFECTIVE_READS)
            .bind(cooperation)
            .bind(municipality)
            .bind(on)
            .bind(FIELD)
            .bind(RECORD)
            .fetch_one(c)
            .await?);
        Ok(EffectiveReads {
            is_member: row.members > 0,
            list: row.list.as_deref().map(from_doc).transpose()?,
            overrides: Packed::new(row.overrides).docs()?,
            titles: Titles::new(Packed::new(row.titles))?,
        })
    }

    #[tracing::instrument(skip_all, fields(cooperation, on))]
    async fn overview_reads(&mut self, cooperation: &str, on: &str) -> StoreResult<OverviewReads> {
        let row: OverviewRow = on_engine!(self, c => sqlx::query_as(OVERVIEW_READS)
            .bind(cooperation)
            .bind(on)
            .bind(FIELD)
            .bind(RECORD)
            .fetch_one(c)
            .await?);
        Ok(OverviewReads {
            list: row.list.as_deref().map(from_doc).transpose()?,
            deviations: Deviations::new(Packed::new(row.deviations))?,
            titles: Titles::new(Packed::new(row.titles))?,
        })
    }

    #[tracing::instrument(skip_all, fields(cooperation, municipality))]
    async fn member_ballots(&mut self, cooperation: &str, municipality: &str) -> StoreResult<Vec<(Round, Ballot)>> {
        let rows: Vec<VoteRow> = on_engine!(self, c => sqlx::query_as(MEMBER_BALLOTS)
            .bind(cooperation)
            .bind(municipality)
            .fetch_all(c)
            .await?);
        rows.iter()
            .map(|r| Ok((from_doc(&r.round)?, from_doc(&r.ballot)?)))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn override_history(&mut self, id: &str) -> StoreResult<Vec<Override>> {
        let rows: Vec<DocRow> = on_engine!(self, c => sqlx::query_as(OVERRIDE_HISTORY).bind(id).fetch_all(c).await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation, from, to))]
    async fn override_versions_between(&mut self, cooperation: &str, from: i64, to: i64) -> StoreResult<Vec<Override>> {
        let rows: Vec<DocRow> = on_engine!(self, c => sqlx::query_as(OVERRIDE_VERSIONS_BETWEEN)
            .bind(cooperation)
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await?);
        docs(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_decode_and_what_is_not_a_row_is_corrupt() {
        let good = format!(
            "p1{FIELD}0101{FIELD}DEFER{FIELD}2027-01-01{FIELD}0{RECORD}p1{FIELD}0147{FIELD}RERANK{FIELD}{FIELD}3"
        );
        let d = Deviations::new(Packed::new(Some(good.clone()))).unwrap();
        let rows: Vec<_> = d.iter().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].kind, rows[0].defer_until, rows[0].local_rank),
            (OverrideKind::Defer, Some("2027-01-01"), None)
        );
        assert_eq!((rows[1].municipality, rows[1].local_rank), ("0147", Some(3)));
        assert_eq!(Titles::new(Packed::new(None)).unwrap().iter().count(), 0);

        for bad in [
            format!("{good}{RECORD}junk"),
            format!("{good}{RECORD}p2{FIELD}0101{FIELD}NOPE{FIELD}{FIELD}0"),
            format!("{good}{RECORD}p2{FIELD}0101{FIELD}RERANK{FIELD}{FIELD}x"),
        ] {
            assert!(
                matches!(
                    Deviations::new(Packed::new(Some(bad.clone()))),
                    Err(StoreError::Corrupt(_))
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Titles::new(Packed::new(Some(format!("p1{FIELD}T{FIELD}extra")))),
            Err(StoreError::Corrupt(_))
        ));
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
        let packed = Deviations::new(Packed::new(Some(
            [Deviations::pack(&o), Deviations::pack(&o)].join(RECORD),
        )))
        .unwrap();
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
