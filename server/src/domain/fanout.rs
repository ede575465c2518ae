//! Live fan-out of the event log to `Watch` streams (DESIGN.md §10).
//!
//! One task per process follows the log: woken by the store's commit signal
//! (this process's commits, and on PostgreSQL other processes' through
//! LISTEN/NOTIFY), it reads the new events once, redacts them once and
//! converts them once, then publishes them on a broadcast channel that every
//! live watcher shares. No watcher reads the database while it is live.
//!
//! A watcher first replays the log from its `after_seq` out of the database
//! (in pages, so memory stays bounded), having subscribed to the broadcast
//! before it starts: whatever the follower publishes after that arrives on
//! the broadcast, whatever it published before is already in the database.
//! Sequence numbers drop the overlap. A watcher that falls more than the
//! broadcast's capacity behind (a slow client) replays from the database
//! again and rejoins, so nothing is ever skipped.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::cooperations::readable;
use super::error::Result;
use super::events::redact;
use super::model::Event;
use super::write::Ctx;
use crate::store::Store;

/// Batches the broadcast keeps for watchers that are behind.
const CAPACITY: usize = 1024;
/// Events per database read, when replaying and when following.
const PAGE: i64 = 200;
/// Events a watcher's stream buffers before it waits for its client.
const STREAM_BUFFER: usize = 256;
/// A safety net: the follower reads the log at least this often even
/// without a commit signal.
const POLL: Duration = Duration::from_secs(5);

/// An event as watchers receive it: converted once, shared by all.
#[derive(Debug)]
pub struct Live<T> {
    pub seq: i64,
    pub cooperation_id: String,
    pub item: T,
}

/// The process's fan-out of committed events, converted by `convert`
/// (event, whether its payload was redacted) into what streams send.
pub struct Fanout<T> {
    store: Arc<dyn Store>,
    convert: fn(Event, bool) -> T,
    sender: OnceLock<broadcast::Sender<Arc<[Live<T>]>>>,
}

impl<T: Clone + Send + Sync + 'static> Fanout<T> {
    pub fn new(store: Arc<dyn Store>, convert: fn(Event, bool) -> T) -> Arc<Self> {
        Arc::new(Fanout {
            store,
            convert,
            sender: OnceLock::new(),
        })
    }

    /// The broadcast, starting the follower on first use.
    async fn subscribe(self: &Arc<Self>) -> Result<broadcast::Receiver<Arc<[Live<T>]>>> {
        if let Some(s) = self.sender.get() {
            return Ok(s.subscribe());
        }
        // Where the follower starts: the log's head now. Watchers replay
        // everything before it from the database.
        let head = {
            let mut tx = self.store.begin_read().await?;
            tx.last_event().await?.map(|(seq, _)| seq).unwrap_or(0)
        };
        let (tx, _) = broadcast::channel(CAPACITY);
        match self.sender.set(tx.clone()) {
            Ok(()) => {
                let rx = tx.subscribe();
                tokio::spawn(follow(Arc::downgrade(&self.store), self.convert, tx, head));
                Ok(rx)
            }
            // Another watcher started it meanwhile.
            Err(_) => Ok(self.sender.get().expect("set").subscribe()),
        }
    }

    /// Replays the cooperation's events after `after_seq`, then follows new
    /// ones as they are committed. The caller's right to read the
    /// cooperation is checked first.
    pub async fn watch(
        self: &Arc<Self>,
        ctx: &Ctx,
        cooperation_id: String,
        after_seq: i64,
    ) -> Result<impl futures::Stream<Item = Result<T>> + Send + 'static> {
        {
            let mut tx = self.store.begin_read().await?;
            readable(&mut *tx, ctx, &cooperation_id).await?;
        }
        let mut live = self.subscribe().await?;
        let (out, rx) = mpsc::channel(STREAM_BUFFER);
        let this = self.clone();
        tokio::spawn(async move {
            let mut last = after_seq;
            loop {
                // From the database until it has nothing newer.
                loop {
                    match this.page(&cooperation_id, last).await {
                        Ok(items) if items.is_empty() => break,
                        Ok(items) => {
                            for (seq, item) in items {
                                last = seq;
                                if out.send(Ok(item)).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Err(e) => {
                            let _ = out.send(Err(e)).await;
                            return;
                        }
                    }
                }
                // Then from the broadcast, until it leaves us behind.
                loop {
                    let batch = tokio::select! {
                        _ = out.closed() => return,
                        b = live.recv() => b,
                    };
                    match batch {
                        Ok(batch) => {
                            for e in batch.iter() {
                                if e.seq <= last || e.cooperation_id != cooperation_id {
                                    continue;
                                }
                                last = e.seq;
                                if out.send(Ok(e.item.clone())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        // Too slow: the receiver now points at the oldest
                        // batch kept; catch up from the database first.
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        });
        Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
    }

    /// One page of the cooperation's events after `after`, redacted and converted.
    async fn page(&self, cooperation_id: &str, after: i64) -> Result<Vec<(i64, T)>> {
        let mut tx = self.store.begin_read().await?;
        let events = tx.list_events(Some(cooperation_id), after, PAGE).await?;
        drop(tx);
        Ok(redact(&*self.store, events)
            .await?
            .into_iter()
            .map(|(e, red)| (e.seq, (self.convert)(e, red)))
            .collect())
    }
}

/// Reads the log after `last` whenever something was committed, and
/// publishes it; ends with the store (the server's shutdown).
async fn follow<T: Send + Sync + 'static>(
    store: std::sync::Weak<dyn Store>,
    convert: fn(Event, bool) -> T,
    sender: broadcast::Sender<Arc<[Live<T>]>>,
    mut last: i64,
) {
    let Some(mut committed) = store.upgrade().map(|s| s.subscribe()) else {
        return;
    };
    loop {
        let Some(store) = store.upgrade() else {
            return;
        };
        let read = async {
            let mut tx = store.begin_read().await?;
            let events = tx.list_events(None, last, PAGE).await?;
            drop(tx);
            redact(&*store, events).await
        }
        .await;
        drop(store);
        match read {
            Ok(events) if events.is_empty() => {
                tokio::select! {
                    changed = committed.changed() => if changed.is_err() { return },
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
            Ok(events) => {
                let batch: Arc<[Live<T>]> = events
                    .into_iter()
                    .map(|(e, red)| Live {
                        seq: e.seq,
                        cooperation_id: e.cooperation_id.clone(),
                        item: convert(e, red),
                    })
                    .collect();
                last = batch.last().map(|e| e.seq).unwrap_or(last);
                // No receiver is fine: watchers that come later replay
                // from the database.
                let _ = sender.send(batch);
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the log for watchers failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
