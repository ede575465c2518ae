//! Storage of implementation records (follow-up) and the reads the
//! follow-up report needs beside them.

use async_trait::async_trait;

use super::tx::{DocRow, Tx, docs, on_engine};
use super::{StoreResult, one_row, to_doc};
use crate::domain::model::{Implementation, PriorityList, Round};

#[async_trait]
pub trait FollowUpTx: Send {
    /// Stores a version of an implementation record: version 1 is new, any
    /// later one must follow the stored one (else
    /// [`Conflict`](super::StoreError::Conflict)). Each version is also kept
    /// in the history.
    async fn put_implementation(&mut self, i: &Implementation) -> StoreResult<()>;
    async fn get_implementation(
        &mut self,
        cooperation: &str,
        proposal: &str,
        municipality: &str,
    ) -> StoreResult<Option<Implementation>>;
    /// The current version of every record of a cooperation.
    async fn list_implementations(&mut self, cooperation: &str) -> StoreResult<Vec<Implementation>>;
    /// Every version recorded in a cooperation up to `to` (microseconds,
    /// inclusive), in the order recorded.
    async fn implementation_versions_until(&mut self, cooperation: &str, to: i64) -> StoreResult<Vec<Implementation>>;
    /// Every revision of the cooperation's shared list, oldest first.
    async fn priority_list_revisions(&mut self, cooperation: &str) -> StoreResult<Vec<PriorityList>>;
    /// The cooperation's closed rounds that adopted at least one proposal,
    /// in the order they were opened.
    async fn deciding_rounds(&mut self, cooperation: &str) -> StoreResult<Vec<Round>>;
}

const INSERT_IMPLEMENTATION: &str = "INSERT INTO implementations (cooperation_id, proposal_id, municipality, version, \
     update_time, doc) VALUES ($1, $2, $3, $4, $5, $6)";
const UPDATE_IMPLEMENTATION: &str = "UPDATE implementations SET version = $4, update_time = $5, doc = $6 \
     WHERE cooperation_id = $1 AND proposal_id = $2 AND municipality = $3 AND version = $7";
const INSERT_IMPLEMENTATION_VERSION: &str = "INSERT INTO implementation_history (cooperation_id, proposal_id, \
     municipality, version, update_time, doc) VALUES ($1, $2, $3, $4, $5, $6)";
const GET_IMPLEMENTATION: &str =
    "SELECT doc FROM implementations WHERE cooperation_id = $1 AND proposal_id = $2 AND municipality = $3";
const LIST_IMPLEMENTATIONS: &str =
    "SELECT doc FROM implementations WHERE cooperation_id = $1 ORDER BY proposal_id, municipality";
const IMPLEMENTATION_VERSIONS_UNTIL: &str = "SELECT doc FROM implementation_history \
     WHERE cooperation_id = $1 AND update_time <= $2 ORDER BY update_time, proposal_id, municipality, version";
const PRIORITY_LIST_REVISIONS: &str = "SELECT doc FROM priority_lists WHERE cooperation_id = $1 ORDER BY revision";
/// Rounds are few per cooperation (a handful per session); the adopting ones
/// are told apart from their result document in Rust.
const CLOSED_ROUNDS: &str = "SELECT doc FROM rounds WHERE cooperation_id = $1 AND state = 'CLOSED' ORDER BY seq";

#[async_trait]
impl FollowUpTx for Tx {
    #[tracing::instrument(skip_all, fields(proposal = %i.proposal_id, municipality = %i.municipality, version = i.version))]
    async fn put_implementation(&mut self, i: &Implementation) -> StoreResult<()> {
        let doc = to_doc(i)?;
        let statement = if i.version <= 1 {
            INSERT_IMPLEMENTATION
        } else {
            UPDATE_IMPLEMENTATION
        };
        let r = on_engine!(self, c => sqlx::query(statement)
            .bind(&i.cooperation_id)
            .bind(&i.proposal_id)
            .bind(&i.municipality)
            .bind(i.version as i64)
            .bind(i.update_time)
            .bind(&doc)
            .bind(i.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)?;
        on_engine!(self, c => sqlx::query(INSERT_IMPLEMENTATION_VERSION)
            .bind(&i.cooperation_id)
            .bind(&i.proposal_id)
            .bind(&i.municipality)
            .bind(i.version as i64)
            .bind(i.update_time)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(cooperation, proposal, municipality))]
    async fn get_implementation(
        &mut self,
        cooperation: &str,
        proposal: &str,
        municipality: &str,
    ) -> StoreResult<Option<Implementation>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_IMPLEMENTATION)
            .bind(cooperation)
            .bind(proposal)
            .bind(municipality)
            .fetch_optional(c)
            .await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn list_implementations(&mut self, cooperation: &str) -> StoreResult<Vec<Implementation>> {
        let rows: Vec<DocRow> =
            on_engine!(self, c => sqlx::query_as(LIST_IMPLEMENTATIONS).bind(cooperation).fetch_all(c).await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation, to))]
    async fn implementation_versions_until(&mut self, cooperation: &str, to: i64) -> StoreResult<Vec<Implementation>> {
        let rows: Vec<DocRow> = on_engine!(self, c => sqlx::query_as(IMPLEMENTATION_VERSIONS_UNTIL)
            .bind(cooperation)
            .bind(to)
            .fetch_all(c)
            .await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn priority_list_revisions(&mut self, cooperation: &str) -> StoreResult<Vec<PriorityList>> {
        let rows: Vec<DocRow> =
            on_engine!(self, c => sqlx::query_as(PRIORITY_LIST_REVISIONS).bind(cooperation).fetch_all(c).await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn deciding_rounds(&mut self, cooperation: &str) -> StoreResult<Vec<Round>> {
        let rows: Vec<DocRow> =
            on_engine!(self, c => sqlx::query_as(CLOSED_ROUNDS).bind(cooperation).fetch_all(c).await?);
        let rounds: Vec<Round> = docs(rows)?;
        Ok(rounds
            .into_iter()
            .filter(|r| r.result.as_ref().is_some_and(|res| !res.adopted.is_empty()))
            .collect())
    }
}
