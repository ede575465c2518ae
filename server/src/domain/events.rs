//! Reading the record: paging, verifying the chain, following it live.

use super::audit::{self, GENESIS_HASH};
use super::authz;
use super::cooperations::readable;
use super::error::Result;
use super::model::Event;
use super::page;
use super::read_model::Views;
use super::write::Ctx;
use crate::kept_or_begin;
use crate::store::{Store, StoreTx};

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, after_seq))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    after_seq: u64,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Event>, String)> {
    let (after, limit) = position(after_seq, page_size, page_token)?;
    let mut tx = store.begin_read().await?;
    let filter = if cooperation_id.is_empty() {
        authz::read_whole_log(&ctx.principal)?;
        None
    } else {
        readable(&mut *tx, ctx, cooperation_id).await?;
        Some(cooperation_id)
    };
    page_of(&mut *tx, filter, after, limit).await
}

/// Where a page of events starts (after this sequence number) and how many
/// it holds at most.
fn position(after_seq: u64, page_size: u32, page_token: &str) -> Result<(i64, i64)> {
    let from_token = page::seq_position("events", page_token)?;
    // The edge checks (`grpc::edge`) refuse an after_seq above i64::MAX.
    let after = from_token.max(i64::try_from(after_seq).unwrap_or(i64::MAX));
    Ok((after, page::size(page_size)))
}

async fn page_of(
    tx: &mut dyn StoreTx,
    cooperation: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<(Vec<Event>, String)> {
    let events = tx.list_events(cooperation, after, limit).await?;
    let next = page::next("events", events.len(), limit, events.last().map(|e| e.seq.to_string()));
    Ok((events, next))
}

/// The most events a record's history shows; a proposal or override that
/// changed more often than this shows its first ones.
pub const HISTORY_MAX: i64 = 1000;

/// The events about one record (`subject`, e.g. `proposals/<id>`) of a
/// cooperation the caller may read, oldest first: one indexed read, not a
/// walk through the log.
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, subject = %subject))]
pub async fn about(store: &dyn Store, ctx: &Ctx, cooperation_id: &str, subject: &str) -> Result<Vec<Event>> {
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let events = tx.subject_events(subject, HISTORY_MAX).await?;
    Ok(events
        .into_iter()
        .filter(|e| e.cooperation_id == cooperation_id)
        .collect())
}

pub struct ChainReport {
    pub checked: u64,
    pub first_bad: Option<audit::Break>,
    /// The head of the chain as far as it verified: sequence and hash (0
    /// and the genesis hash for an empty log).
    pub head_seq: i64,
    pub head_hash: String,
}

/// Recomputes the whole chain in pages.
#[tracing::instrument(skip_all)]
pub async fn verify_chain(store: &dyn Store) -> Result<ChainReport> {
    const PAGE: i64 = 1000;
    let mut tx = store.begin_read().await?;
    let (mut seq, mut hash) = (0i64, GENESIS_HASH.to_string());
    let mut checked = 0u64;
    loop {
        let events = tx.list_events(None, seq, PAGE).await?;
        if let Err(b) = audit::verify_run(seq, &hash, &events) {
            // Sequence numbers are dense, so the events before the break verified.
            checked += (b.seq - 1 - seq).max(0) as u64;
            return Ok(ChainReport {
                checked,
                first_bad: Some(b),
                head_seq: seq,
                head_hash: hash,
            });
        }
        checked += events.len() as u64;
        match events.last() {
            Some(last) => {
                seq = last.seq;
                hash = last.hash.clone();
            }
            None => {
                return Ok(ChainReport {
                    checked,
                    first_bad: None,
                    head_seq: seq,
                    head_hash: hash,
                });
            }
        }
        if (events.len() as i64) < PAGE {
            return Ok(ChainReport {
                checked,
                first_bad: None,
                head_seq: seq,
                head_hash: hash,
            });
        }
    }
}

/// Applies the reader's view to events: ballot contents of rounds that are
/// still open are hidden everywhere but the stored log (DESIGN.md §7). The
/// flag says whether an event's payload was redacted.
#[tracing::instrument(skip_all)]
pub async fn redact(store: &dyn Store, events: Vec<Event>) -> Result<Vec<(Event, bool)>> {
    if !events.iter().any(|e| ballot_round(e).is_some()) {
        return Ok(events.into_iter().map(|e| (e, false)).collect());
    }
    let mut tx = store.begin_read().await?;
    redact_in(&mut *tx, events).await
}

/// [`redact`] in the transaction `tx`.
pub async fn redact_in(tx: &mut dyn StoreTx, events: Vec<Event>) -> Result<Vec<(Event, bool)>> {
    let mut out = Vec::with_capacity(events.len());
    for mut e in events {
        let mut redacted = false;
        if let Some(round_id) = ballot_round(&e)
            && tx.round_is_open(round_id).await?
        {
            e.payload = redacted_ballot(&e.payload);
            redacted = true;
        }
        out.push((e, redacted));
    }
    Ok(out)
}

/// The round of a cast ballot's event.
fn ballot_round(e: &Event) -> Option<&str> {
    let round_id = e.subject.strip_prefix("rounds/")?.split('/').next()?;
    (e.action == BALLOT_CAST).then_some(round_id)
}

/// A page of one cooperation's events ([`list`]), its ballots redacted
/// ([`redact`]), made into what is sent (`build`) and kept in `pages` while
/// the cooperation's log has not moved: a round's closing, which reveals its
/// ballots, is an event in it (see `read_model::lookup`).
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, after_seq))]
pub async fn list_view<T>(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    after_seq: u64,
    (page_size, page_token): (u32, &str),
    pages: &Views<T>,
    build: impl FnOnce(Vec<(Event, bool)>, String) -> T,
) -> Result<std::sync::Arc<T>> {
    let (after, limit) = position(after_seq, page_size, page_token)?;
    let (after_key, limit_key) = (after.to_string(), limit.to_string());
    let key = [cooperation_id, after_key.as_str(), limit_key.as_str()];
    let (mut tx, head) = kept_or_begin!(store, ctx, pages, &key);
    let (events, next) = page_of(&mut *tx, Some(cooperation_id), after, limit).await?;
    let events = redact_in(&mut *tx, events).await?;
    Ok(pages.keep(&key, head, build(events, next)))
}

/// The action of a cast ballot, whose payload carries its content.
pub const BALLOT_CAST: &str = "ballot.cast";

/// A ballot event without its content: who voted stays visible, not what.
fn redacted_ballot(payload: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("content");
    }
    v.to_string()
}
