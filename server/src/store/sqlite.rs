//! SQLite, the embedded default: one file, WAL, one writer.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::watch;

use super::batch::{BeginWrite, WriteQueue, WriteSlot};
use super::tx::{Conn, Shared};
use super::{Store, StoreResult, StoreTx};

pub struct SqliteStore {
    writer: Arc<Writer>,
    reader: SqlitePool,
    queue: WriteQueue,
}

/// Begins the write queue's transactions, on the one writer connection.
struct Writer {
    pool: SqlitePool,
    shared: Shared,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and runs the migrations.
    ///
    /// `synchronous = FULL`: with WAL, `NORMAL` already survives a killed
    /// process, but can lose the last commits on power loss; an acknowledged
    /// ballot is a public act of a municipality, so every commit is synced and
    /// ingest speed comes from batching instead.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let opts = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Another process holding the file: wait this long, then answer
            // UNAVAILABLE (retry later) rather than queue for a minute.
            .busy_timeout(Duration::from_secs(3))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A SQLite connection is a file and a thread of this process:
            // sqlx's ping on every acquire only hands work to that thread and
            // back (one more wake-up per statement), and proves nothing the
            // next statement would not.
            .test_before_acquire(false)
            // A commit that failed (a full disk) can leave sqlx counting a
            // transaction SQLite has already rolled back, and every later
            // BEGIN then fails: such a connection is replaced, not reused, so
            // writes recover by themselves once the disk has room.
            .before_acquire(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(opts.read_only(true))
            .await?;
        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&writer)
            .await?;
        let writer = Arc::new(Writer {
            pool: writer,
            shared: Shared::new(last),
        });
        Ok(Self {
            queue: WriteQueue::new(writer.clone(), false),
            writer,
            reader,
        })
    }
}

impl SqliteStore {
    /// Writes a consistent copy of the database at `url` to `target` with
    /// `VACUUM INTO`, which reads one snapshot: safe while a server writes.
    pub async fn backup(url: &str, target: &std::path::Path) -> StoreResult<()> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let opts = SqliteConnectOptions::from_str(&url)?.busy_timeout(Duration::from_secs(3));
        let mut conn: sqlx::SqliteConnection = sqlx::Connection::connect_with(&opts).await?;
        sqlx::query("VACUUM INTO $1")
            .bind(target.to_string_lossy().into_owned())
            .execute(&mut conn)
            .await?;
        sqlx::Connection::close(conn).await?;
        Ok(())
    }

    /// Caps the database file at `pages` pages on the writer connection, as
    /// a full disk would (tests); a replaced connection has no cap.
    pub async fn set_max_page_count(&self, pages: u64) -> StoreResult<()> {
        sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
            .execute(&self.writer.pool)
            .await?;
        Ok(())
    }

    /// Pages the database file has now.
    pub async fn page_count(&self) -> StoreResult<u64> {
        let (n,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(&self.writer.pool).await?;
        Ok(n as u64)
    }
}

#[async_trait]
impl BeginWrite for Writer {
    async fn begin_write(&self) -> StoreResult<Box<dyn StoreTx>> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(self.shared.tx(Conn::Sqlite(tx)))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn write(&self) -> StoreResult<WriteSlot> {
        self.queue.slot(true).await
    }

    async fn append_write(&self) -> StoreResult<WriteSlot> {
        self.queue.slot(false).await
    }

    async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>> {
        let tx = self.reader.begin().await?;
        Ok(self.writer.shared.tx(Conn::Sqlite(tx)))
    }

    async fn access(&self, cooperation: &str, municipality: &str) -> StoreResult<Option<super::Access>> {
        let row: Option<super::AccessRow> = sqlx::query_as(super::ACCESS)
            .bind(cooperation)
            .bind(municipality)
            .fetch_optional(&self.reader)
            .await?;
        row.map(super::AccessRow::decode).transpose()
    }

    fn subscribe(&self) -> watch::Receiver<i64> {
        self.writer.shared.committed.subscribe()
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn pool_state(&self) -> super::PoolState {
        let pools = [&self.writer.pool, &self.reader];
        super::PoolState {
            size: pools.iter().map(|p| p.size()).sum(),
            idle: pools.iter().map(|p| p.num_idle() as u32).sum(),
            max: pools.iter().map(|p| p.options().get_max_connections()).sum(),
        }
    }
}
