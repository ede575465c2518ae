//! Ballots written the fast way. A ballot that passed its checks can no
//! longer fail, so its slot of a write batch (see `batch`) takes no savepoint
//! and runs no statement of its own: the round, its cooperation, the member
//! and the current ballot versions are read once for a run of ballot slots,
//! and the rows of the run (events, ballots, retired versions, idempotency
//! records) are written together, one multi-row statement per table (on
//! PostgreSQL the retired versions and the events share one), before the next
//! slot that takes a savepoint or the batch's commit. Nothing is
//! acknowledged before that commit, as for every other write.
//!
//! What was read stays valid while only ballots are written: every other
//! mutation runs in a slot with a savepoint, and starting one forgets it.
//! It is also kept from one batch to the next (see [`KeptReads`]): a batch
//! takes it over only if the log's head is still the one its last batch
//! committed, so a write of any process in between (every change to a
//! round, a cooperation or a member appends an event) makes it read again.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::postgres::CHANNEL;
use super::tx::{Conn, Tx, on_engine};
use super::{Chain, CooperationTx, CoreTx, SessionTx, StoreError, StoreResult, to_doc};
use crate::domain::model::{Ballot, Cooperation, Event, Member, Round};

/// What a ballot is checked against, as the batch's transaction sees it.
#[derive(Debug, Clone)]
pub struct BallotContext {
    pub round: Arc<Round>,
    pub cooperation: Arc<Cooperation>,
    /// The caller's membership (a departed member is still here).
    pub member: Option<Member>,
    /// The version of the member's current ballot in the round, if any.
    pub current_version: Option<u32>,
}

/// The idempotency record of a request, written with its rows.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub scope: String,
    pub request_id: String,
    pub fingerprint: String,
    pub response: String,
    pub time: i64,
}

#[async_trait]
pub trait AppendTx: Send {
    /// The round `round_id` with what a ballot of `municipality` is checked
    /// against; `None` if there is no such round.
    async fn ballot_context(&mut self, round_id: &str, municipality: &str) -> StoreResult<Option<BallotContext>>;
    /// Queues a ballot (replacing the member's current one, if any), its
    /// event, and the request's idempotency record. Only a slot without a
    /// savepoint may call this, after every check has passed.
    fn append_ballot(&mut self, event: Event, ballot: Ballot, idempotency: Option<IdempotencyRecord>);
}

/// A round as the current run of ballot slots knows it.
#[derive(Clone)]
struct KnownRound {
    round: Arc<Round>,
    cooperation: Arc<Cooperation>,
    members: HashMap<String, Option<Member>>,
    /// Current ballot versions, by municipality.
    current: HashMap<String, u32>,
}

/// The reads and queued rows of a run of ballot slots.
#[derive(Default)]
pub(super) struct Appends {
    rounds: HashMap<String, KnownRound>,
    events: Vec<Event>,
    ballots: Vec<Ballot>,
    /// Stored current ballots to retire: (round, municipality, version).
    retire: Vec<(String, String, u32)>,
    idempotency: Vec<IdempotencyRecord>,
}

/// Most rounds a batch passes on to the next.
const KEEP_ROUNDS: usize = 64;

/// What the last batch of ballots read, for the next batch of this process.
/// A batch takes it (so a batch that fails leaves nothing behind) and gives it
/// back when it commits, with the log's head it committed.
#[derive(Clone, Default)]
pub(super) struct KeptReads(Arc<std::sync::Mutex<Option<Kept>>>);

pub(super) struct Kept {
    /// The log's head (sequence, hash) when the reads were last valid.
    head: (i64, String),
    rounds: HashMap<String, KnownRound>,
}

impl KeptReads {
    /// The kept reads, if the log's head is still `head`.
    fn take_at(&self, head: &(i64, String)) -> Option<HashMap<String, KnownRound>> {
        let kept = self.0.lock().expect("not poisoned").take()?;
        (kept.head == *head).then_some(kept.rounds)
    }

    /// Passes `kept` on to the next batch; call only once its batch committed.
    pub(super) fn keep(&self, kept: Kept) {
        *self.0.lock().expect("not poisoned") = (kept.rounds.len() <= KEEP_ROUNDS).then_some(kept);
    }

    /// Forgets them: a write of this process may change what they hold.
    pub(super) fn forget(&self) {
        self.0.lock().expect("not poisoned").take();
    }
}

impl Appends {
    pub(super) fn idempotent(&self, scope: &str, request_id: &str) -> Option<(String, String)> {
        self.idempotency
            .iter()
            .find(|r| r.scope == scope && r.request_id == request_id)
            .map(|r| (r.fingerprint.clone(), r.response.clone()))
    }

    fn is_empty(&self) -> bool {
        self.events.is_empty() && self.ballots.is_empty() && self.retire.is_empty() && self.idempotency.is_empty()
    }
}

/// `UPDATE` statement retiring stored current ballots, by (round,
/// municipality, version): a version that is no longer current is not
/// counted, which the caller reports as a conflict.
fn push_retire<'a, DB: sqlx::Database>(q: &mut QueryBuilder<'a, DB>, retire: &'a [(String, String, u32)])
where
    &'a String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    q.push("UPDATE ballots SET current = FALSE WHERE current AND (round_id, municipality, version) IN (");
    let mut sep = q.separated(", ");
    for (round, municipality, version) in retire {
        sep.push("(")
            .push_bind_unseparated(round)
            .push_unseparated(", ")
            .push_bind_unseparated(municipality)
            .push_unseparated(", ")
            .push_bind_unseparated(i64::from(*version))
            .push_unseparated(")");
    }
    q.push(")");
}

/// The current ballot versions of a round.
const CURRENT_VERSIONS: &str = "SELECT municipality, version FROM ballots WHERE round_id = $1 AND current";

#[derive(sqlx::FromRow)]
struct VersionRow {
    municipality: String,
    version: i64,
}

impl Tx {
    /// Forgets what the run of ballot slots read: a slot with a savepoint may
    /// change any of it.
    pub(super) fn forget_reads(&mut self) {
        self.appends.rounds.clear();
        self.kept_reads.forget();
    }

    /// What this batch read, valid at the head it is about to commit, for
    /// the next batch: give it to [`KeptReads::keep`] once the commit
    /// succeeded.
    pub(super) fn reads_to_keep(&mut self) -> Option<Kept> {
        if self.appends.rounds.is_empty() {
            return None;
        }
        let head = self.chain.head.clone()?;
        let rounds = std::mem::take(&mut self.appends.rounds);
        Some(Kept { head, rounds })
    }

    /// Writes the queued rows, one statement per table.
    pub(super) async fn flush_appends(&mut self) -> StoreResult<()> {
        if self.appends.is_empty() {
            return Ok(());
        }
        let Appends {
            events,
            ballots,
            retire,
            idempotency,
            rounds,
        } = std::mem::take(&mut self.appends);
        // The reads stay valid: the rows written are the ones they counted.
        self.appends.rounds = rounds;
        // PostgreSQL: one statement retires the replaced ballots, writes the
        // events and announces the run's last event to the other processes
        // (delivered only if the batch commits), sparing the batch two round
        // trips inside the write lock. SQLite has no UPDATE inside WITH, and
        // its statements cost no round trip.
        let postgres = matches!(self.conn, Conn::Postgres(_));
        let retire_with_events = postgres && !events.is_empty();
        if !retire.is_empty() && !retire_with_events {
            let affected = on_engine!(self, c => {
                let mut q = QueryBuilder::new("");
                push_retire(&mut q, &retire);
                q.build().execute(c).await?.rows_affected()
            });
            if affected != retire.len() as u64 {
                return Err(StoreError::Conflict);
            }
        }
        if !events.is_empty() {
            let actors = events
                .iter()
                .map(|e| to_doc(&e.actor))
                .collect::<StoreResult<Vec<_>>>()?;
            let last = events.last().map(|e| e.seq).expect("not empty");
            // PostgreSQL: how many replaced versions the statement retired.
            let retired: Option<u64> = on_engine!(self, c => {
                let mut q = QueryBuilder::new("");
                if postgres {
                    q.push("WITH ");
                    if !retire.is_empty() {
                        q.push("retired AS (");
                        push_retire(&mut q, &retire);
                        q.push(" RETURNING 1), ");
                    }
                    q.push("inserted AS (");
                }
                q.push("INSERT INTO events (seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash) ");
                q.push_values(events.iter().zip(&actors), |mut row, (e, actor)| {
                    row.push_bind(e.seq)
                        .push_bind(e.time)
                        .push_bind(actor)
                        .push_bind(&e.action)
                        .push_bind(&e.subject)
                        .push_bind(&e.cooperation_id)
                        .push_bind(&e.payload)
                        .push_bind(&e.prev_hash)
                        .push_bind(&e.hash);
                });
                if postgres {
                    q.push(" RETURNING seq) SELECT ");
                    q.push(if retire.is_empty() { "0::BIGINT" } else { "(SELECT count(*) FROM retired)" });
                    q.push(", pg_notify(")
                        .push_bind(CHANNEL)
                        .push(", ")
                        .push_bind(last.to_string())
                        .push(")::TEXT FROM inserted LIMIT 1");
                    let (retired, _): (i64, String) = q.build_query_as().fetch_one(c).await?;
                    Some(retired as u64)
                } else {
                    q.build().execute(c).await?;
                    None
                }
            });
            if retired.is_some_and(|n| n != retire.len() as u64) {
                return Err(StoreError::Conflict);
            }
            self.announced = postgres.then_some(last);
        }
        if !ballots.is_empty() {
            let docs = ballots.iter().map(to_doc).collect::<StoreResult<Vec<_>>>()?;
            on_engine!(self, c => {
                let mut q = QueryBuilder::new("INSERT INTO ballots (round_id, municipality, version, current, doc) ");
                q.push_values(ballots.iter().zip(&docs), |mut row, (b, doc)| {
                    row.push_bind(&b.round_id)
                        .push_bind(&b.municipality)
                        .push_bind(i64::from(b.version))
                        .push_bind(b.current)
                        .push_bind(doc);
                });
                q.build().execute(c).await?.rows_affected()
            });
        }
        if !idempotency.is_empty() {
            on_engine!(self, c => {
                let mut q =
                    QueryBuilder::new("INSERT INTO idempotency (scope, request_id, fingerprint, response, create_time) ");
                q.push_values(&idempotency, |mut row, r| {
                    row.push_bind(&r.scope)
                        .push_bind(&r.request_id)
                        .push_bind(&r.fingerprint)
                        .push_bind(&r.response)
                        .push_bind(r.time);
                });
                q.build().execute(c).await?.rows_affected()
            });
        }
        Ok(())
    }

    async fn known_round(&mut self, round_id: &str) -> StoreResult<Option<&mut KnownRound>> {
        if self.appends.rounds.is_empty()
            && let Some(head) = self.last_event().await?
            && let Some(rounds) = self.kept_reads.take_at(&head)
        {
            self.appends.rounds = rounds;
        }
        if !self.appends.rounds.contains_key(round_id) {
            let Some(round) = self.get_round(round_id).await? else {
                return Ok(None);
            };
            let Some(cooperation) = self.get_cooperation(&round.cooperation_id).await? else {
                return Err(StoreError::ForeignKey(format!(
                    "round {round_id} names cooperation {}, which is not stored",
                    round.cooperation_id
                )));
            };
            let rows: Vec<VersionRow> =
                on_engine!(self, c => sqlx::query_as(CURRENT_VERSIONS).bind(round_id).fetch_all(c).await?);
            let current = rows.into_iter().map(|r| (r.municipality, r.version as u32)).collect();
            self.appends.rounds.insert(
                round_id.to_string(),
                KnownRound {
                    round: Arc::new(round),
                    cooperation: Arc::new(cooperation),
                    members: HashMap::new(),
                    current,
                },
            );
        }
        Ok(self.appends.rounds.get_mut(round_id))
    }
}

#[async_trait]
impl AppendTx for Tx {
    async fn ballot_context(&mut self, round_id: &str, municipality: &str) -> StoreResult<Option<BallotContext>> {
        let Some(known) = self.known_round(round_id).await? else {
            return Ok(None);
        };
        let cooperation = known.cooperation.id.clone();
        if !known.members.contains_key(municipality) {
            let member = self.get_member(&cooperation, municipality).await?;
            if let Some(known) = self.appends.rounds.get_mut(round_id) {
                known.members.insert(municipality.to_string(), member);
            }
        }
        let known = &self.appends.rounds[round_id];
        Ok(Some(BallotContext {
            round: known.round.clone(),
            cooperation: known.cooperation.clone(),
            member: known.members[municipality].clone(),
            current_version: known.current.get(municipality).copied(),
        }))
    }

    fn append_ballot(&mut self, event: Event, ballot: Ballot, idempotency: Option<IdempotencyRecord>) {
        if let Some(known) = self.appends.rounds.get_mut(&ballot.round_id) {
            known.current.insert(ballot.municipality.clone(), ballot.version);
        }
        // Versions count up from 1: a later version replaces the one before,
        // queued in this run or stored before it.
        if ballot.version > 1 {
            match self
                .appends
                .ballots
                .iter_mut()
                .find(|b| b.round_id == ballot.round_id && b.municipality == ballot.municipality && b.current)
            {
                Some(queued) => queued.current = false,
                None => {
                    self.appends
                        .retire
                        .push((ballot.round_id.clone(), ballot.municipality.clone(), ballot.version - 1))
                }
            }
        }
        self.chain = Chain {
            head: Some((event.seq, event.hash.clone())),
            written: Some(event.seq),
        };
        self.appends.events.push(event);
        self.appends.ballots.push(ballot);
        self.appends.idempotency.extend(idempotency);
    }
}
