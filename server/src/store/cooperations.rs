//! Storage of cooperations and their members.

use async_trait::async_trait;

use super::tx::{DocRow, Tx, docs, on_engine};
use super::{Page, StoreResult, from_doc, one_row, to_doc};
use crate::domain::model::{Cooperation, Member};

#[async_trait]
pub trait CooperationTx: Send {
    async fn insert_cooperation(&mut self, c: &Cooperation, seq: i64) -> StoreResult<()>;
    async fn update_cooperation(&mut self, c: &Cooperation) -> StoreResult<()>;
    /// The cooperation without `member_count` (see `count_current_members`).
    async fn get_cooperation(&mut self, id: &str) -> StoreResult<Option<Cooperation>>;
    async fn list_cooperations(&mut self, after_seq: i64, limit: i64) -> StoreResult<Page<Cooperation>>;

    async fn insert_member(&mut self, m: &Member) -> StoreResult<()>;
    async fn update_member(&mut self, m: &Member) -> StoreResult<()>;
    async fn get_member(&mut self, cooperation: &str, code: &str) -> StoreResult<Option<Member>>;
    /// Members ordered by code, after `after_code`.
    async fn list_members(
        &mut self,
        cooperation: &str,
        include_departed: bool,
        after_code: &str,
        limit: i64,
    ) -> StoreResult<Vec<Member>>;
    async fn count_current_members(&mut self, cooperation: &str) -> StoreResult<u32>;
    /// The cooperations `code` is a current member of, by id.
    async fn member_cooperations(&mut self, code: &str) -> StoreResult<Vec<String>>;
}

const INSERT_COOPERATION: &str = "INSERT INTO cooperations (id, seq, version, doc) VALUES ($1, $2, $3, $4)";
const UPDATE_COOPERATION: &str = "UPDATE cooperations SET version = $2, doc = $3 WHERE id = $1 AND version = $4";
const GET_COOPERATION: &str = "SELECT doc FROM cooperations WHERE id = $1";
pub(crate) const LIST_COOPERATIONS: &str = "SELECT c.seq, c.doc, \
     (SELECT COUNT(*) FROM members m WHERE m.cooperation_id = c.id AND NOT m.departed) AS member_count \
     FROM cooperations c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2";

const INSERT_MEMBER: &str =
    "INSERT INTO members (cooperation_id, code, departed, version, doc) VALUES ($1, $2, $3, $4, $5)";
const UPDATE_MEMBER: &str = "UPDATE members SET departed = $3, version = $4, doc = $5 \
     WHERE cooperation_id = $1 AND code = $2 AND version = $6";
const MEMBER_COOPERATIONS: &str =
    "SELECT cooperation_id FROM members WHERE code = $1 AND NOT departed ORDER BY cooperation_id";
const GET_MEMBER: &str = "SELECT doc FROM members WHERE cooperation_id = $1 AND code = $2";
pub(crate) const LIST_MEMBERS: &str = "SELECT doc FROM members WHERE cooperation_id = $1 AND ($2 OR NOT departed) AND code > $3 \
     ORDER BY code LIMIT $4";
const COUNT_CURRENT_MEMBERS: &str = "SELECT COUNT(*) AS n FROM members WHERE cooperation_id = $1 AND NOT departed";

#[derive(sqlx::FromRow)]
struct CooperationRow {
    seq: i64,
    doc: String,
    member_count: i64,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

#[async_trait]
impl CooperationTx for Tx {
    #[tracing::instrument(skip_all, fields(id = %c.id))]
    async fn insert_cooperation(&mut self, c: &Cooperation, seq: i64) -> StoreResult<()> {
        let doc = to_doc(c)?;
        on_engine!(self, conn => sqlx::query(INSERT_COOPERATION)
            .bind(&c.id)
            .bind(seq)
            .bind(c.version as i64)
            .bind(&doc)
            .execute(conn)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %c.id))]
    async fn update_cooperation(&mut self, c: &Cooperation) -> StoreResult<()> {
        let doc = to_doc(c)?;
        let r = on_engine!(self, conn => sqlx::query(UPDATE_COOPERATION)
            .bind(&c.id)
            .bind(c.version as i64)
            .bind(&doc)
            .bind(c.version as i64 - 1)
            .execute(conn)
            .await?
            .rows_affected());
        one_row(r)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get_cooperation(&mut self, id: &str) -> StoreResult<Option<Cooperation>> {
        let row: Option<DocRow> =
            on_engine!(self, c => sqlx::query_as(GET_COOPERATION).bind(id).fetch_optional(c).await?);
        // Without its member count, which write paths never need; the API's
        // reads add it (`count_current_members`).
        row.map(|r| {
            let mut c: Cooperation = r.decode()?;
            c.member_count = 0;
            Ok(c)
        })
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(after_seq, limit))]
    async fn list_cooperations(&mut self, after_seq: i64, limit: i64) -> StoreResult<Page<Cooperation>> {
        let rows: Vec<CooperationRow> = on_engine!(self, c => sqlx::query_as(LIST_COOPERATIONS)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(c)
            .await?);
        rows.into_iter()
            .map(|r| {
                let mut c: Cooperation = from_doc(&r.doc)?;
                c.member_count = r.member_count as u32;
                Ok((r.seq, c))
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(cooperation = %m.cooperation_id, code = %m.code))]
    async fn insert_member(&mut self, m: &Member) -> StoreResult<()> {
        let doc = to_doc(m)?;
        on_engine!(self, c => sqlx::query(INSERT_MEMBER)
            .bind(&m.cooperation_id)
            .bind(&m.code)
            .bind(!m.is_current())
            .bind(m.version as i64)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(cooperation = %m.cooperation_id, code = %m.code))]
    async fn update_member(&mut self, m: &Member) -> StoreResult<()> {
        let doc = to_doc(m)?;
        let r = on_engine!(self, c => sqlx::query(UPDATE_MEMBER)
            .bind(&m.cooperation_id)
            .bind(&m.code)
            .bind(!m.is_current())
            .bind(m.version as i64)
            .bind(&doc)
            .bind(m.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)
    }

    #[tracing::instrument(skip_all, fields(code))]
    async fn member_cooperations(&mut self, code: &str) -> StoreResult<Vec<String>> {
        Ok(
            on_engine!(self, c => sqlx::query_scalar::<_, String>(MEMBER_COOPERATIONS)
            .bind(code)
            .fetch_all(c)
            .await?),
        )
    }

    #[tracing::instrument(skip_all, fields(cooperation, code))]
    async fn get_member(&mut self, cooperation: &str, code: &str) -> StoreResult<Option<Member>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_MEMBER)
            .bind(cooperation)
            .bind(code)
            .fetch_optional(c)
            .await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation, include_departed, after_code, limit))]
    async fn list_members(
        &mut self,
        cooperation: &str,
        include_departed: bool,
        after_code: &str,
        limit: i64,
    ) -> StoreResult<Vec<Member>> {
        let rows: Vec<DocRow> = on_engine!(self, c => sqlx::query_as(LIST_MEMBERS)
            .bind(cooperation)
            .bind(include_departed)
            .bind(after_code)
            .bind(limit)
            .fetch_all(c)
            .await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn count_current_members(&mut self, cooperation: &str) -> StoreResult<u32> {
        let row: CountRow =
            on_engine!(self, c => sqlx::query_as(COUNT_CURRENT_MEMBERS).bind(cooperation).fetch_one(c).await?);
        Ok(row.n as u32)
    }
}
