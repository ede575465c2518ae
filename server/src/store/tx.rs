//! The one transaction type of both engines. It holds the engine's sqlx
//! transaction in an enum, and every statement is written once and run on
//! whichever engine the transaction is on by [`on_engine!`], a `match` with
//! the same expression in both arms. The methods are ordinary code: the SQL
//! text is a named `const` beside them, rows decode into
//! `#[derive(sqlx::FromRow)]` structs, and a compiler error points into the
//! method, not into a macro.
//!
//! This file holds the transaction itself and the event log; the records of
//! each aggregate are stored by its own file (`cooperations.rs`,
//! `proposals.rs`, `sessions.rs`, `overrides.rs`).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use super::appends::{Appends, KeptReads};
use super::postgres::CHANNEL;
use super::{Chain, CoreTx, StoreResult, from_doc, to_doc};
use crate::domain::model::Event;

/// The engine's transaction.
pub(super) enum Conn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs one expression on the transaction's connection, whichever engine it
/// is on: `on_engine!(self, c => sqlx::query(..).execute(c).await?.rows_affected())`. The
/// expression is compiled once per engine, so both run the same SQL.
macro_rules! on_engine {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::store::tx::Conn::Sqlite(tx) => {
                let $c = &mut **tx;
                $body
            }
            $crate::store::tx::Conn::Postgres(tx) => {
                let $c = &mut **tx;
                $body
            }
        }
    };
}

pub(super) use on_engine;

/// A transaction of either engine, read-only or write.
pub struct Tx {
    pub(super) conn: Conn,
    pub(super) chain: Chain,
    chain_at_savepoint: Chain,
    committed: Arc<watch::Sender<i64>>,
    /// Ballots queued by slots without a savepoint (see `appends`).
    pub(super) appends: Appends,
    /// Municipalities whose portfolio revision the current slot has moved:
    /// once per slot is enough (an import writes hundreds of systems).
    /// Forgotten at every savepoint, so a rolled-back slot's move is never
    /// counted for the next.
    pub(super) revised: std::collections::HashSet<String>,
    /// What the store's last batch of ballots read (see `appends`).
    pub(super) kept_reads: KeptReads,
    /// The last event already announced to other processes (PostgreSQL).
    pub(super) announced: Option<i64>,
}

/// What every transaction of one store shares: where commits are announced
/// in this process, and the reads a batch of ballots passes to the next.
pub(super) struct Shared {
    pub(super) committed: Arc<watch::Sender<i64>>,
    pub(super) kept_reads: KeptReads,
}

impl Shared {
    /// Committed up to event `last`.
    pub(super) fn new(last: i64) -> Self {
        Shared {
            committed: Arc::new(watch::Sender::new(last)),
            kept_reads: Default::default(),
        }
    }

    /// A transaction of this store on `conn`.
    pub(super) fn tx(&self, conn: Conn) -> Box<dyn super::StoreTx> {
        Box::new(Tx {
            conn,
            chain: Chain::default(),
            chain_at_savepoint: Chain::default(),
            committed: self.committed.clone(),
            appends: Appends::default(),
            revised: Default::default(),
            kept_reads: self.kept_reads.clone(),
            announced: None,
        })
    }
}

impl Tx {
    /// At a slot's savepoint, or its rollback: what earlier slots read, or
    /// the portfolio revisions they moved, no longer count for the next.
    fn forget_slot(&mut self) {
        self.forget_reads();
        self.revised.clear();
    }
}

/// PostgreSQL: tells every process of the transaction's last event; it is
/// delivered only if the transaction commits.
const NOTIFY: &str = "SELECT pg_notify($1, $2)";

const SAVEPOINT: &str = "SAVEPOINT slot";
const RELEASE_SAVEPOINT: &str = "RELEASE SAVEPOINT slot";
const ROLLBACK_TO_SAVEPOINT: &str = "ROLLBACK TO SAVEPOINT slot";

const GET_IDEMPOTENT: &str = "SELECT fingerprint, response FROM idempotency WHERE scope = $1 AND request_id = $2";
const PUT_IDEMPOTENT: &str =
    "INSERT INTO idempotency (scope, request_id, fingerprint, response, create_time) VALUES ($1, $2, $3, $4, $5)";

const LAST_EVENT: &str = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
/// The end of one range of `events_by_coop`.
const COOPERATION_HEAD: &str = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE cooperation_id = $1";
const INSERT_EVENT: &str = "INSERT INTO events (seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// The whole log after `$1` (its primary key), and one cooperation's after
/// `$2` (a range of `events_by_coop`).
pub(crate) const LIST_EVENTS: &str = "SELECT seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash \
     FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
pub(crate) const LIST_COOPERATION_EVENTS: &str = "SELECT seq, time, actor, action, subject, cooperation_id, payload, \
     prev_hash, hash FROM events WHERE cooperation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const SUBJECT_EVENTS: &str = "SELECT seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash FROM events \
     WHERE subject = $1 ORDER BY seq LIMIT $2";

#[derive(sqlx::FromRow)]
struct IdempotencyRow {
    fingerprint: String,
    response: String,
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    hash: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    time: i64,
    actor: String,
    action: String,
    subject: String,
    cooperation_id: String,
    payload: String,
    prev_hash: String,
    hash: String,
}

impl EventRow {
    fn decode(self) -> StoreResult<Event> {
        Ok(Event {
            seq: self.seq,
            time: self.time,
            actor: from_doc(&self.actor)?,
            action: self.action,
            subject: self.subject,
            cooperation_id: self.cooperation_id,
            payload: self.payload,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// A row that is one JSON document.
#[derive(sqlx::FromRow)]
pub(super) struct DocRow {
    pub doc: String,
}

impl DocRow {
    pub fn decode<T: serde::de::DeserializeOwned>(self) -> StoreResult<T> {
        from_doc(&self.doc)
    }
}

/// A JSON document with the sequence number that orders its listing.
#[derive(sqlx::FromRow)]
pub(super) struct SeqDocRow {
    pub seq: i64,
    pub doc: String,
}

impl SeqDocRow {
    pub fn decode<T: serde::de::DeserializeOwned>(self) -> StoreResult<(i64, T)> {
        Ok((self.seq, from_doc(&self.doc)?))
    }
}

/// Decodes every document row of a read.
pub(super) fn docs<T: serde::de::DeserializeOwned>(rows: Vec<DocRow>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(DocRow::decode).collect()
}

/// Decodes every row of a page.
pub(super) fn page<T: serde::de::DeserializeOwned>(rows: Vec<SeqDocRow>) -> StoreResult<Vec<(i64, T)>> {
    rows.into_iter().map(SeqDocRow::decode).collect()
}

#[async_trait]
impl CoreTx for Tx {
    #[tracing::instrument(skip_all)]
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let mut this = *self;
        this.flush_appends().await?;
        let keep = this.reads_to_keep();
        let written = this.chain.written;
        if let (Some(seq), Conn::Postgres(tx)) = (written, &mut this.conn)
            && this.announced != Some(seq)
        {
            sqlx::query(NOTIFY)
                .bind(CHANNEL)
                .bind(seq.to_string())
                .execute(&mut **tx)
                .await?;
        }
        match this.conn {
            Conn::Sqlite(tx) => tx.commit().await?,
            Conn::Postgres(tx) => tx.commit().await?,
        }
        if let Some(kept) = keep {
            this.kept_reads.keep(kept);
        }
        if let Some(seq) = written {
            this.committed.send_if_modified(|cur| {
                if seq > *cur {
                    *cur = seq;
                    true
                } else {
                    false
                }
            });
        }
        Ok(())
    }

    async fn savepoint(&mut self) -> StoreResult<()> {
        // Outside any savepoint: the queued ballots belong to earlier slots.
        self.flush_appends().await?;
        self.forget_slot();
        on_engine!(self, c => sqlx::query(SAVEPOINT).execute(c).await?.rows_affected());
        self.chain_at_savepoint = self.chain.clone();
        Ok(())
    }

    async fn release_savepoint(&mut self) -> StoreResult<()> {
        on_engine!(self, c => sqlx::query(RELEASE_SAVEPOINT).execute(c).await?.rows_affected());
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> StoreResult<()> {
        on_engine!(self, c => sqlx::query(ROLLBACK_TO_SAVEPOINT).execute(c).await?.rows_affected());
        on_engine!(self, c => sqlx::query(RELEASE_SAVEPOINT).execute(c).await?.rows_affected());
        self.chain = self.chain_at_savepoint.clone();
        self.forget_slot();
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn get_idempotent(&mut self, scope: &str, request_id: &str) -> StoreResult<Option<(String, String)>> {
        if let Some(queued) = self.appends.idempotent(scope, request_id) {
            return Ok(Some(queued));
        }
        let row: Option<IdempotencyRow> = on_engine!(self, c => sqlx::query_as(GET_IDEMPOTENT)
            .bind(scope)
            .bind(request_id)
            .fetch_optional(c)
            .await?);
        Ok(row.map(|r| (r.fingerprint, r.response)))
    }

    #[tracing::instrument(skip_all)]
    async fn put_idempotent(
        &mut self,
        scope: &str,
        request_id: &str,
        fingerprint: &str,
        response: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_engine!(self, c => sqlx::query(PUT_IDEMPOTENT)
            .bind(scope)
            .bind(request_id)
            .bind(fingerprint)
            .bind(response)
            .bind(now)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    async fn cooperation_head(&mut self, cooperation: &str) -> StoreResult<i64> {
        Ok(on_engine!(self, c => sqlx::query_scalar::<_, i64>(COOPERATION_HEAD)
            .bind(cooperation)
            .fetch_one(c)
            .await?))
    }

    async fn last_event(&mut self) -> StoreResult<Option<(i64, String)>> {
        if let Some(head) = &self.chain.head {
            return Ok(Some(head.clone()));
        }
        let row: Option<HeadRow> = on_engine!(self, c => sqlx::query_as(LAST_EVENT).fetch_optional(c).await?);
        let head = row.map(|r| (r.seq, r.hash));
        self.chain.head = head.clone();
        Ok(head)
    }

    #[tracing::instrument(skip_all, fields(seq = e.seq, action = %e.action))]
    async fn insert_event(&mut self, e: &Event) -> StoreResult<()> {
        let actor = to_doc(&e.actor)?;
        on_engine!(self, c => sqlx::query(INSERT_EVENT)
            .bind(e.seq)
            .bind(e.time)
            .bind(&actor)
            .bind(&e.action)
            .bind(&e.subject)
            .bind(&e.cooperation_id)
            .bind(&e.payload)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .execute(c)
            .await?
            .rows_affected());
        self.chain = Chain {
            head: Some((e.seq, e.hash.clone())),
            written: Some(e.seq),
        };
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(cooperation, after_seq, limit))]
    async fn list_events(&mut self, cooperation: Option<&str>, after_seq: i64, limit: i64) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = match cooperation {
            Some(coop) => on_engine!(self, c => sqlx::query_as(LIST_COOPERATION_EVENTS)
                .bind(coop)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(c)
                .await?),
            None => on_engine!(self, c => sqlx::query_as(LIST_EVENTS)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(c)
                .await?),
        };
        rows.into_iter().map(EventRow::decode).collect()
    }

    #[tracing::instrument(skip_all, fields(subject, limit))]
    async fn subject_events(&mut self, subject: &str, limit: i64) -> StoreResult<Vec<Event>> {
        let rows: Vec<EventRow> = on_engine!(self, c => sqlx::query_as(SUBJECT_EVENTS)
            .bind(subject)
            .bind(limit)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(EventRow::decode).collect()
    }
}
