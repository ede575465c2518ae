//! The unit of work every mutation goes through: one write transaction, the
//! idempotency record of its `request_id`, and its events appended to the
//! chain, committed together.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::audit::{GENESIS_HASH, chain_hash};
use super::error::{Error, Result};
use super::model::{Actor, Ballot, Event, Micros, NewEvent};
use crate::auth::Principal;
use crate::store::{IdempotencyRecord, Store, WriteSlot};

/// Who is calling, and the request's identity for idempotent retries.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    /// Client-chosen idempotency key; empty for none.
    pub request_id: String,
    /// Hash of the whole request, so a reused `request_id` with another
    /// request is refused rather than answered with the wrong result; empty
    /// when there is no `request_id`.
    pub fingerprint: String,
    pub now: Micros,
    /// The service acting on its own (closing a round at its deadline), not
    /// on behalf of a caller.
    pub system: bool,
}

/// The actor the service records for what it does by itself.
pub const SYSTEM_SUB: &str = "samprio";
pub const SYSTEM_ROLE: &str = "system";

impl Ctx {
    /// The service itself, acting at `now`. It holds no role a token can
    /// grant, so no authorisation rule lets it act for anyone; operations it
    /// runs check their own conditions instead.
    pub fn system(now: Micros) -> Ctx {
        Ctx {
            principal: Principal {
                sub: SYSTEM_SUB.into(),
                municipality: String::new(),
                roles: vec![],
                issuer: String::new(),
                name: None,
            },
            request_id: String::new(),
            fingerprint: String::new(),
            now,
            system: true,
        }
    }

    pub fn actor(&self) -> Actor {
        if self.system {
            return Actor {
                sub: SYSTEM_SUB.into(),
                municipality: String::new(),
                roles: vec![SYSTEM_ROLE.into()],
                name: String::new(),
            };
        }
        Actor {
            sub: self.principal.sub.clone(),
            municipality: self.principal.municipality.clone(),
            roles: self.principal.roles.iter().map(|r| r.to_string()).collect(),
            name: self.principal.name.clone().unwrap_or_default(),
        }
    }
}

pub fn now_micros() -> Micros {
    chrono::Utc::now().timestamp_micros()
}

/// The date (UTC) of a time: what expiry, deferral and membership dates are
/// judged by when a request names none.
pub fn today(now: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(now)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

pub struct Write<'a> {
    /// This mutation's slot in the current write batch (see `store::batch`).
    pub tx: WriteSlot,
    ctx: &'a Ctx,
    scope: String,
    /// Sequence and hash of the last event this write appended.
    head: Option<(i64, String)>,
}

/// Outcome of starting a mutation: either a fresh unit of work, or the result
/// the same `request_id` produced before.
pub enum Begun<'a, T> {
    Fresh(Write<'a>),
    Replayed(T),
}

impl<'a> Write<'a> {
    pub async fn begin<T: DeserializeOwned>(store: &dyn Store, ctx: &'a Ctx, method: &str) -> Result<Begun<'a, T>> {
        Self::begin_in(store.write().await?, ctx, method).await
    }

    /// Like [`Write::begin`], in a slot without a savepoint: for a write that
    /// only appends rows and ends with [`Write::append_ballot`] (see
    /// `store::appends`). It may read and refuse; once it queues, it commits.
    pub async fn begin_append<T: DeserializeOwned>(
        store: &dyn Store,
        ctx: &'a Ctx,
        method: &str,
    ) -> Result<Begun<'a, T>> {
        Self::begin_in(store.append_write().await?, ctx, method).await
    }

    async fn begin_in<T: DeserializeOwned>(mut tx: WriteSlot, ctx: &'a Ctx, method: &str) -> Result<Begun<'a, T>> {
        let scope = format!("{}|{}|{}", ctx.principal.issuer, ctx.principal.sub, method);
        if !ctx.request_id.is_empty()
            && let Some((fingerprint, response)) = tx.get_idempotent(&scope, &ctx.request_id).await?
        {
            if fingerprint != ctx.fingerprint {
                return Err(Error::invalid("request_id", "was already used for a different request"));
            }
            return Ok(Begun::Replayed(
                serde_json::from_str(&response).map_err(crate::store::StoreError::from)?,
            ));
        }
        Ok(Begun::Fresh(Write {
            tx,
            ctx,
            scope,
            head: None,
        }))
    }

    /// Appends an event to the chain and returns its sequence number.
    pub async fn event(&mut self, e: NewEvent) -> Result<i64> {
        let event = self.next_event(e).await?;
        self.tx.insert_event(&event).await?;
        let seq = event.seq;
        self.head = Some((seq, event.hash));
        Ok(seq)
    }

    /// The event `e` as the next link of the chain, not yet stored.
    async fn next_event(&mut self, e: NewEvent) -> Result<Event> {
        // The transaction knows the head once read: one query per batch.
        let (prev_seq, prev_hash) = self.tx.last_event().await?.unwrap_or((0, GENESIS_HASH.to_string()));
        let seq = prev_seq + 1;
        let actor = self.ctx.actor();
        let payload = e.payload().to_string();
        let hash = chain_hash(
            &prev_hash,
            seq,
            self.ctx.now,
            &actor,
            e.action,
            &e.subject,
            &e.cooperation_id,
            &payload,
        );
        let event = Event {
            seq,
            time: self.ctx.now,
            actor,
            action: e.action.to_string(),
            subject: e.subject,
            cooperation_id: e.cooperation_id,
            payload,
            prev_hash,
            hash,
        };
        Ok(event)
    }

    /// Sequence number and hash of the last event this write appended.
    pub fn head(&self) -> Option<(i64, &str)> {
        self.head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))
    }

    /// Records the result for the `request_id` and returns once the write is
    /// durably committed.
    pub async fn finish<T: Serialize>(mut self, result: T) -> Result<T> {
        if !self.ctx.request_id.is_empty() {
            let response = serde_json::to_string(&result)?;
            self.tx
                .put_idempotent(
                    &self.scope,
                    &self.ctx.request_id,
                    &self.ctx.fingerprint,
                    &response,
                    self.ctx.now,
                )
                .await?;
        }
        self.tx.commit().await?;
        Ok(result)
    }

    /// Queues a checked ballot with its event and the request's idempotency
    /// record, and returns once they are durably committed. The end of a
    /// write begun with [`Write::begin_append`].
    pub async fn append_ballot(mut self, e: NewEvent, ballot: Ballot) -> Result<Ballot> {
        let event = self.next_event(e).await?;
        let idempotency = if self.ctx.request_id.is_empty() {
            None
        } else {
            Some(IdempotencyRecord {
                scope: self.scope.clone(),
                request_id: self.ctx.request_id.clone(),
                fingerprint: self.ctx.fingerprint.clone(),
                response: serde_json::to_string(&ballot)?,
                time: self.ctx.now,
            })
        };
        self.tx.append_ballot(event, ballot.clone(), idempotency);
        self.tx.commit().await?;
        Ok(ballot)
    }
}

/// Starts a mutation, or returns early with the replayed result of an
/// earlier identical request.
/// `begin_write!(append: …)` begins in a slot without a savepoint
/// ([`Write::begin_append`]).
#[macro_export]
macro_rules! begin_write {
    (append: $store:expr, $ctx:expr, $method:expr) => {
        match $crate::domain::write::Write::begin_append($store, $ctx, $method).await? {
            $crate::domain::write::Begun::Fresh(w) => w,
            $crate::domain::write::Begun::Replayed(r) => return Ok(r),
        }
    };
    ($store:expr, $ctx:expr, $method:expr) => {
        match $crate::domain::write::Write::begin($store, $ctx, $method).await? {
            $crate::domain::write::Begun::Fresh(w) => w,
            $crate::domain::write::Begun::Replayed(r) => return Ok(r),
        }
    };
}
