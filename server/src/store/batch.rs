//! Group commit. Every mutation runs in a *slot* of a shared write
//! transaction, inside its own savepoint; the transaction commits when no
//! other mutation is waiting for it (or when the batch is full), and every
//! slot in it is acknowledged only after that commit. Under load, many
//! mutations share one durable commit (one fsync on SQLite, one WAL flush on
//! PostgreSQL); alone, a mutation commits at once, as it would without
//! batching. A slot that fails or is abandoned is rolled back to its
//! savepoint without touching the others.
//!
//! A caller may be cancelled at any await (a client gives up, a deadline
//! passes). What touches the shared transaction between the slots (beginning
//! it, a slot's savepoint, its release, the commit) therefore runs in a task
//! of its own that finishes whatever happens to the caller: otherwise a write
//! cancelled mid-way could leave the others in its batch waiting for a commit
//! that never comes, holding the write lock, or be told of a later commit
//! after its own rows were rolled back.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};
use tracing::Instrument;

use async_trait::async_trait;

use super::{StoreError, StoreResult, StoreTx};

/// Most mutations that share one commit.
const MAX_BATCH: usize = 256;

/// A slot's outcome: the commit's error, and whether it was the database
/// being unavailable (so the slot can answer UNAVAILABLE, not INTERNAL).
type Ack = oneshot::Sender<Result<(), (bool, String)>>;

#[derive(Default)]
struct Batch {
    tx: Option<Box<dyn StoreTx>>,
    /// A slot was abandoned inside its savepoint: roll it back before reuse.
    abandoned: bool,
    members: usize,
    acks: Vec<Ack>,
}

/// How an engine starts the shared transaction of a batch. Only the write
/// queue calls it: every write goes through a slot, so none can bypass group
/// commit by accident.
#[async_trait]
pub(super) trait BeginWrite: Send + Sync {
    /// A transaction that may write. Writers are serialised (one writer on
    /// SQLite; a transaction-scoped advisory lock on PostgreSQL), which keeps
    /// the event log one unbroken hash chain across processes.
    async fn begin_write(&self) -> StoreResult<Box<dyn StoreTx>>;
}

/// The write queue of one store.
#[derive(Clone)]
pub struct WriteQueue {
    engine: Arc<dyn BeginWrite>,
    batch: Arc<Mutex<Batch>>,
    waiting: Arc<AtomicUsize>,
    /// Told whenever a write starts waiting for the batch.
    arrived: Arc<Notify>,
    /// Whether to begin the next batch's transaction while the current one
    /// commits, once a write arrives for it (PostgreSQL: its advisory lock is
    /// granted the moment the commit ends, so the next batch starts without
    /// the round trips of beginning). Not on SQLite, whose one writer
    /// connection the commit holds.
    pipelined: bool,
    /// When beginning a transaction last failed because the database was
    /// unavailable: for a moment after, writes fail at once instead of each
    /// queueing for its own connection timeout.
    down_since: Arc<std::sync::Mutex<Option<(Instant, String)>>>,
}

/// How long one failure to reach the database answers for later writes.
const FAIL_FAST_FOR: Duration = Duration::from_secs(1);

/// Counts a mutation as waiting for the batch until it gets its slot (or is
/// cancelled while waiting).
struct Waiting {
    queue: WriteQueue,
    /// Set once the slot was handed out.
    served: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let left = self.queue.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
        if !self.served && left == 0 {
            // Cancelled while waiting, and nobody else waits: whoever left the
            // batch to the waiters (slots awaiting their commit, an abandoned
            // savepoint) counted on us to end it.
            let queue = self.queue.clone();
            spawn(async move {
                let mut batch = queue.batch.clone().lock_owned().await;
                if queue.waiting.load(Ordering::SeqCst) == 0 && batch.tx.is_some() {
                    finish(&mut batch, &queue).await;
                }
            });
        }
    }
}

/// Runs a clean-up task on the current runtime; without one (the process is
/// shutting down) the batch's transaction simply rolls back with it.
fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(task);
    }
}

/// Runs `step` (work on the shared transaction) in a task of its own, in the
/// caller's span, so that it finishes even if the caller is cancelled; `what`
/// names it should the task itself fail.
async fn to_the_end<T: Send + 'static>(
    what: &str,
    step: impl std::future::Future<Output = T> + Send + 'static,
) -> StoreResult<T> {
    tokio::spawn(step.instrument(tracing::Span::current()))
        .await
        .map_err(|e| StoreError::Commit(format!("{what} failed: {e}")))
}

/// Ends a batch that nobody else will come to: commits the slots in it.
async fn finish(batch: &mut Batch, queue: &WriteQueue) {
    if let Err(e) = flush(batch, queue).await {
        tracing::error!(error = %e, "committing a write batch failed");
    }
}

impl WriteQueue {
    pub(super) fn new(engine: Arc<dyn BeginWrite>, pipelined: bool) -> Self {
        WriteQueue {
            engine,
            batch: Default::default(),
            waiting: Default::default(),
            arrived: Default::default(),
            pipelined,
            down_since: Default::default(),
        }
    }

    /// A slot in the current batch, inside a fresh savepoint, or (for a
    /// write that cannot fail once begun, see `appends`) without one.
    pub(super) async fn slot(&self, savepoint: bool) -> StoreResult<WriteSlot> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.arrived.notify_waiters();
        let mut waiting = Waiting {
            queue: self.clone(),
            served: false,
        };
        // The span shows how long a write waited for its turn in a batch.
        let batch = self
            .batch
            .clone()
            .lock_owned()
            .instrument(tracing::debug_span!("write_batch_wait"))
            .await;
        waiting.served = true;
        drop(waiting);
        // Runs to its end even if the caller is cancelled meanwhile: a
        // transaction begun or a savepoint taken then belongs to a slot, which
        // is dropped as an abandoned one, so whoever waits for the batch to
        // commit is not left waiting.
        to_the_end("preparing a write", self.clone().open_slot(batch, savepoint)).await?
    }

    /// Readies the batch for a slot: see [`prepare`].
    async fn open_slot(self, mut batch: OwnedMutexGuard<Batch>, savepoint: bool) -> StoreResult<WriteSlot> {
        if batch.tx.is_none()
            && let Some((at, e)) = &*self.down_since.lock().expect("not poisoned")
            && at.elapsed() < FAIL_FAST_FOR
        {
            return Err(StoreError::Unavailable(e.clone()));
        }
        if let Err(e) = prepare(&mut batch, &*self.engine, savepoint).await {
            if e.is_unavailable() {
                *self.down_since.lock().expect("not poisoned") = Some((Instant::now(), e.to_string()));
            }
            abort(&mut batch, &e);
            return Err(e);
        }
        Ok(WriteSlot {
            batch: Some(batch),
            queue: self,
            savepoint,
        })
    }
}

async fn prepare(batch: &mut Batch, engine: &dyn BeginWrite, savepoint: bool) -> StoreResult<()> {
    if batch.abandoned {
        batch.abandoned = false;
        if let Some(tx) = batch.tx.as_mut() {
            tx.rollback_to_savepoint().await?;
        }
    }
    if batch.tx.is_none() {
        batch.tx = Some(engine.begin_write().await?);
    }
    if !savepoint {
        return Ok(());
    }
    batch.tx.as_mut().expect("just begun").savepoint().await
}

/// Commits the batch and acknowledges every slot in it.
async fn flush(batch: &mut Batch, queue: &WriteQueue) -> StoreResult<()> {
    if batch.abandoned {
        batch.abandoned = false;
        if let Some(tx) = batch.tx.as_mut()
            && let Err(e) = tx.rollback_to_savepoint().await
        {
            abort(batch, &e);
            return Err(e);
        }
    }
    let result = match batch.tx.take() {
        Some(tx) => {
            let (result, next) = commit_and_begin_next(tx, queue).await;
            batch.tx = next;
            result
        }
        None => Ok(()),
    };
    let shared = result
        .as_ref()
        .map(|_| ())
        .map_err(|e| (e.is_unavailable(), e.to_string()));
    if result.is_ok() && batch.members > 0 {
        crate::metrics::METRICS.batch_size.observe(batch.members as f64);
    }
    batch.members = 0;
    for ack in batch.acks.drain(..) {
        let _ = ack.send(shared.clone());
    }
    result
}

/// Commits `tx`; if the queue pipelines and a write arrives meanwhile,
/// begins the next batch's transaction alongside, which the caller keeps
/// (whether or not the commit succeeded: it began on its own connection). A
/// next transaction that fails to begin is left to the next write to retry.
async fn commit_and_begin_next(
    tx: Box<dyn StoreTx>,
    queue: &WriteQueue,
) -> (StoreResult<()>, Option<Box<dyn StoreTx>>) {
    if !queue.pipelined {
        return (tx.commit().await, None);
    }
    let arrived = queue.arrived.notified();
    tokio::pin!(arrived);
    arrived.as_mut().enable();
    let commit = tx.commit();
    tokio::pin!(commit);
    if queue.waiting.load(Ordering::SeqCst) == 0 {
        tokio::select! {
            biased;
            result = &mut commit => return (result, None),
            () = &mut arrived => {}
        }
    }
    let (result, next) = tokio::join!(commit, queue.engine.begin_write());
    if next.is_ok() {
        crate::metrics::METRICS.batches_begun_during_commit.inc();
    }
    (result, next.ok())
}

/// Gives up the whole batch (its transaction rolls back on drop) and tells
/// every slot that was waiting for it.
fn abort(batch: &mut Batch, e: &StoreError) {
    batch.tx = None;
    batch.abandoned = false;
    batch.members = 0;
    for ack in batch.acks.drain(..) {
        let _ = ack.send(Err((
            e.is_unavailable(),
            format!("the batch this write was part of failed: {e}"),
        )));
    }
}

/// One mutation's share of a batch: the transaction, inside its savepoint.
pub struct WriteSlot {
    batch: Option<OwnedMutexGuard<Batch>>,
    queue: WriteQueue,
    /// Whether the slot's writes are inside a savepoint of their own.
    savepoint: bool,
}

impl WriteSlot {
    /// Keeps this slot's writes and returns once they are durably committed.
    /// Once called, the commit goes on even if the caller is cancelled: a
    /// batch is committed, or failed, as a whole, and the other slots in it
    /// are told either way.
    pub async fn commit(mut self) -> StoreResult<()> {
        let batch = self.batch.take().expect("slot is live");
        let keep = self.queue.clone().keep(batch, self.savepoint);
        let done = match to_the_end("committing a write", keep).await? {
            Kept::Committed(result) => return result,
            Kept::Queued(done) => done,
        };
        match done.instrument(tracing::debug_span!("write_batch_commit_wait")).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((true, e))) => Err(StoreError::Unavailable(e)),
            Ok(Err((false, e))) => Err(StoreError::Commit(e)),
            Err(_) => Err(StoreError::Commit("the batch was dropped before it committed".into())),
        }
    }
}

/// What became of a slot's writes once it was done.
enum Kept {
    /// It committed the batch itself, with this outcome.
    Committed(StoreResult<()>),
    /// It left the batch to a write waiting for it, and hears here of the
    /// commit.
    Queued(oneshot::Receiver<Result<(), (bool, String)>>),
}

impl WriteQueue {
    /// Ends a slot whose writes are to be kept.
    async fn keep(self, mut batch: OwnedMutexGuard<Batch>, savepoint: bool) -> Kept {
        if savepoint
            && let Err(e) = batch
                .tx
                .as_mut()
                .expect("slot has a transaction")
                .release_savepoint()
                .await
        {
            abort(&mut batch, &e);
            return Kept::Committed(Err(e));
        }
        batch.members += 1;
        if self.waiting.load(Ordering::SeqCst) == 0 || batch.members >= MAX_BATCH {
            return Kept::Committed(flush(&mut batch, &self).await);
        }
        // Someone is waiting for the batch: the last of them commits it.
        let (ack, done) = oneshot::channel();
        batch.acks.push(ack);
        Kept::Queued(done)
    }
}

impl Drop for WriteSlot {
    fn drop(&mut self) {
        let Some(mut batch) = self.batch.take() else { return };
        // Abandoned (an error, a retried request answered from the record, or
        // the request was cancelled): its writes are rolled back before the
        // transaction is used again. A slot without a savepoint has queued
        // nothing when it is abandoned (it queues its rows last, then commits).
        if self.savepoint {
            batch.abandoned = true;
        }
        if self.queue.waiting.load(Ordering::SeqCst) == 0 {
            // Nobody else will come to commit the others in this batch, or to
            // end its transaction, which holds the write lock other processes
            // (PostgreSQL) or connections (SQLite) wait for.
            let queue = self.queue.clone();
            spawn(async move {
                let mut batch = batch;
                finish(&mut batch, &queue).await;
            });
        }
    }
}

impl Deref for WriteSlot {
    type Target = dyn StoreTx;

    fn deref(&self) -> &Self::Target {
        &**self.batch.as_ref().and_then(|b| b.tx.as_ref()).expect("slot is live")
    }
}

impl DerefMut for WriteSlot {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut **self.batch.as_mut().and_then(|b| b.tx.as_mut()).expect("slot is live")
    }
}
