//! Storage of proposals and of the shared priority list.

use async_trait::async_trait;

use super::tx::{DocRow, SeqDocRow, Tx, docs, on_engine, page};
use super::{Page, StoreResult, one_row, to_doc};
use crate::domain::model::{PriorityList, Proposal, ProposalStatus};

#[async_trait]
pub trait ProposalTx: Send {
    async fn insert_proposal(&mut self, p: &Proposal, seq: i64) -> StoreResult<()>;
    async fn update_proposal(&mut self, p: &Proposal) -> StoreResult<()>;
    async fn get_proposal(&mut self, id: &str) -> StoreResult<Option<Proposal>>;
    /// Those of `ids` that are proposals of the cooperation, in one read;
    /// in no particular order.
    async fn get_proposals(&mut self, cooperation: &str, ids: &[&str]) -> StoreResult<Vec<Proposal>>;
    async fn list_proposals(
        &mut self,
        cooperation: &str,
        status: Option<ProposalStatus>,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Page<Proposal>>;

    /// The list at `revision`, or the latest when `None`; `None` if the
    /// cooperation has no list yet (revision 0, empty).
    async fn get_priority_list(
        &mut self,
        cooperation: &str,
        revision: Option<u64>,
    ) -> StoreResult<Option<PriorityList>>;
    async fn insert_priority_list(&mut self, list: &PriorityList) -> StoreResult<()>;
}

const INSERT_PROPOSAL: &str = "INSERT INTO proposals (id, cooperation_id, sponsor, seq, status, version, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const UPDATE_PROPOSAL: &str = "UPDATE proposals SET status = $2, version = $3, doc = $4 WHERE id = $1 AND version = $5";
const GET_PROPOSAL: &str = "SELECT doc FROM proposals WHERE id = $1";
/// `$2` is the ids, each between two commas (ids are UUIDs, so neither `%`
/// nor `_` occurs in them): one statement for any number of ids, with the
/// same text on both engines.
const GET_PROPOSALS: &str = "SELECT doc FROM proposals WHERE cooperation_id = $1 AND $2 LIKE '%,' || id || ',%'";
/// A page of the cooperation's proposals in sequence order: a range of the
/// index `proposals_by_coop_seq` (migration 0007), so its cost is the page's,
/// whatever the total.
pub(crate) const LIST_PROPOSALS: &str = "SELECT seq, doc FROM proposals \
     WHERE cooperation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
/// The same with one status: a range of `proposals_by_coop`.
pub(crate) const LIST_PROPOSALS_WITH_STATUS: &str = "SELECT seq, doc FROM proposals \
     WHERE cooperation_id = $1 AND status = $2 AND seq > $3 ORDER BY seq LIMIT $4";

pub(crate) const GET_PRIORITY_LIST: &str = "SELECT doc FROM priority_lists WHERE cooperation_id = $1 AND ($2 < 0 OR revision = $2) \
     ORDER BY revision DESC LIMIT 1";
const INSERT_PRIORITY_LIST: &str = "INSERT INTO priority_lists (cooperation_id, revision, doc) VALUES ($1, $2, $3)";

#[async_trait]
impl ProposalTx for Tx {
    #[tracing::instrument(skip_all, fields(id = %p.id))]
    async fn insert_proposal(&mut self, p: &Proposal, seq: i64) -> StoreResult<()> {
        let doc = to_doc(p)?;
        on_engine!(self, c => sqlx::query(INSERT_PROPOSAL)
            .bind(&p.id)
            .bind(&p.cooperation_id)
            .bind(&p.sponsor)
            .bind(seq)
            .bind(p.status.as_str())
            .bind(p.version as i64)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %p.id))]
    async fn update_proposal(&mut self, p: &Proposal) -> StoreResult<()> {
        let doc = to_doc(p)?;
        let r = on_engine!(self, c => sqlx::query(UPDATE_PROPOSAL)
            .bind(&p.id)
            .bind(p.status.as_str())
            .bind(p.version as i64)
            .bind(&doc)
            .bind(p.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get_proposal(&mut self, id: &str) -> StoreResult<Option<Proposal>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_PROPOSAL).bind(id).fetch_optional(c).await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation, ids = ids.len()))]
    async fn get_proposals(&mut self, cooperation: &str, ids: &[&str]) -> StoreResult<Vec<Proposal>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = format!(",{},", ids.join(","));
        let rows: Vec<DocRow> = on_engine!(self, c => sqlx::query_as(GET_PROPOSALS)
            .bind(cooperation)
            .bind(&wanted)
            .fetch_all(c)
            .await?);
        let proposals: Vec<Proposal> = docs(rows)?;
        // Exactly the ids asked for, whatever else a pattern could match.
        Ok(proposals.into_iter().filter(|p| ids.contains(&p.id.as_str())).collect())
    }

    #[tracing::instrument(skip_all, fields(cooperation, after_seq, limit))]
    async fn list_proposals(
        &mut self,
        cooperation: &str,
        status: Option<ProposalStatus>,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Page<Proposal>> {
        // Two statements rather than `($2 = '' OR status = $2)`, which no
        // index matches: SQLite then reads every proposal of the cooperation
        // and sorts them for each page.
        let rows: Vec<SeqDocRow> = match status {
            Some(status) => on_engine!(self, c => sqlx::query_as(LIST_PROPOSALS_WITH_STATUS)
                .bind(cooperation)
                .bind(status.as_str())
                .bind(after_seq)
                .bind(limit)
                .fetch_all(c)
                .await?),
            None => on_engine!(self, c => sqlx::query_as(LIST_PROPOSALS)
                .bind(cooperation)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(c)
                .await?),
        };
        page(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation, revision))]
    async fn get_priority_list(
        &mut self,
        cooperation: &str,
        revision: Option<u64>,
    ) -> StoreResult<Option<PriorityList>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_PRIORITY_LIST)
            .bind(cooperation)
            .bind(revision.map(|r| r as i64).unwrap_or(-1))
            .fetch_optional(c)
            .await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation = %l.cooperation_id, revision = l.revision))]
    async fn insert_priority_list(&mut self, l: &PriorityList) -> StoreResult<()> {
        let doc = to_doc(l)?;
        on_engine!(self, c => sqlx::query(INSERT_PRIORITY_LIST)
            .bind(&l.cooperation_id)
            .bind(l.revision as i64)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }
}
