//! SQLite, the embedded default: one file, WAL, one writer.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::watch;

use super::batch::{BeginWrite, WriteQueue, WriteSlot};
use super::tx::{Conn, Tx};
use super::{Store, StoreResult, StoreTx};

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    committed: Arc<watch::Sender<i64>>,
    queue: WriteQueue,
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
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts.read_only(true))
            .await?;
        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&writer)
            .await?;
        Ok(Self {
            writer,
            reader,
            committed: Arc::new(watch::Sender::new(last)),
            queue: Default::default(),
        })
    }
}

#[async_trait]
impl BeginWrite for SqliteStore {
    async fn begin_write(&self) -> StoreResult<Box<dyn StoreTx>> {
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(Tx::new(Conn::Sqlite(tx), self.committed.clone())))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn write(&self) -> StoreResult<WriteSlot> {
        self.queue.slot(self).await
    }

    async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>> {
        let tx = self.reader.begin().await?;
        Ok(Box::new(Tx::new(Conn::Sqlite(tx), self.committed.clone())))
    }

    fn subscribe(&self) -> watch::Receiver<i64> {
        self.committed.subscribe()
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }
}
