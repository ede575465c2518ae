//! PostgreSQL, for scale-out: several stateless server processes on one
//! database. Writers take one transaction-scoped advisory lock, so the event
//! log stays a single hash chain however many processes append; new events
//! are announced with NOTIFY, which PostgreSQL delivers only on commit.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::watch;

use super::batch::{BeginWrite, WriteQueue, WriteSlot};
use super::tx::{Conn, Shared};
use super::{Store, StoreResult, StoreTx};

/// Key of the advisory lock that serialises writers.
const WRITE_LOCK: i64 = 0x5a4d_5052_494f; // "SAMPRIO"-ish, any constant will do
/// A pooled connection idle for this long is tested before it is used.
const TEST_IDLE_AFTER: Duration = Duration::from_secs(1);
/// Where committed events are announced (see `tx.rs`).
pub(super) const CHANNEL: &str = "samprio_events";

pub struct PgStore {
    pool: PgPool,
    writer: Arc<Writer>,
    queue: WriteQueue,
}

/// Begins the write queue's transactions.
struct Writer {
    pool: PgPool,
    shared: Shared,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        // Notices such as "relation _sqlx_migrations already exists,
        // skipping" at every start are not worth an operator's attention.
        let opts = sqlx::postgres::PgConnectOptions::from_str(url)?.options([("client_min_messages", "warning")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // While the database is unreachable a call answers UNAVAILABLE
            // after this, not after a minute (DESIGN.md §8).
            .acquire_timeout(Duration::from_secs(3))
            // sqlx pings a connection on every acquire by default: a round
            // trip before each statement or transaction. A connection in use
            // moments ago is not tested again (the pool pings it anyway when
            // it is released); one that has sat idle, as through an outage of
            // the database, is, and is replaced if it no longer answers.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= TEST_IDLE_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await?;
        // Concurrent first starts of several processes must not race the migrations.
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(WRITE_LOCK + 1)
            .execute(&mut *conn)
            .await?;
        let migrated = sqlx::migrate!("../migrations/postgres").run(&mut *conn).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(WRITE_LOCK + 1)
            .execute(&mut *conn)
            .await?;
        drop(conn);
        migrated?;
        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events")
            .fetch_one(&pool)
            .await?;
        let shared = Shared::new(last);
        tokio::spawn(listen(pool.clone(), shared.committed.clone()));
        let writer = Arc::new(Writer {
            pool: pool.clone(),
            shared,
        });
        Ok(Self {
            pool,
            queue: WriteQueue::new(writer.clone(), true),
            writer,
        })
    }
}

/// Follows NOTIFYs from every process; reconnects after errors and then
/// re-reads the highest sequence, so a missed notification only delays.
async fn listen(pool: PgPool, committed: Arc<watch::Sender<i64>>) {
    // Ends when the store (the only other holder of `committed`) is dropped.
    while Arc::strong_count(&committed) > 1 {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "event listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if let Ok((last,)) = sqlx::query_as::<_, (i64,)>("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events")
            .fetch_one(&pool)
            .await
        {
            advance(&committed, last);
        }
        loop {
            match listener.recv().await {
                Ok(n) => {
                    if let Ok(seq) = n.payload().parse::<i64>() {
                        advance(&committed, seq);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
                    break;
                }
            }
        }
    }
}

fn advance(committed: &watch::Sender<i64>, seq: i64) {
    committed.send_if_modified(|cur| {
        if seq > *cur {
            *cur = seq;
            true
        } else {
            false
        }
    });
}

#[async_trait]
impl BeginWrite for Writer {
    async fn begin_write(&self) -> StoreResult<Box<dyn StoreTx>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(self.shared.tx(Conn::Postgres(tx)))
    }
}

#[async_trait]
impl Store for PgStore {
    async fn write(&self) -> StoreResult<WriteSlot> {
        self.queue.slot(true).await
    }

    async fn append_write(&self) -> StoreResult<WriteSlot> {
        self.queue.slot(false).await
    }

    async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>> {
        let tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        Ok(self.writer.shared.tx(Conn::Postgres(tx)))
    }

    async fn access(&self, cooperation: &str, municipality: &str) -> StoreResult<Option<super::Access>> {
        let row: Option<super::AccessRow> = sqlx::query_as(super::ACCESS)
            .bind(cooperation)
            .bind(municipality)
            .fetch_optional(&self.pool)
            .await?;
        row.map(super::AccessRow::decode).transpose()
    }

    fn subscribe(&self) -> watch::Receiver<i64> {
        self.writer.shared.committed.subscribe()
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn pool_state(&self) -> super::PoolState {
        super::PoolState {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }
}
