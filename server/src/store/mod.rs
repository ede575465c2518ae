//! Storage: one `Store` trait, two engines (SQLite embedded, PostgreSQL for
//! scale-out). Every write runs in one transaction that also appends its events,
//! so a change and its record are stored together or not at all.
//!
//! Both engines run the same SQL (sqlx binds `$1` on SQLite too): one
//! transaction type, [`tx::Tx`], runs each statement on whichever engine it
//! is on, so the engines cannot drift apart. The statements and row types of
//! each aggregate live in its own file (`cooperations.rs`, `proposals.rs`,
//! `sessions.rs`, `overrides.rs`, `portfolio.rs`, `follow_up.rs`; the event log in `tx.rs`). What differs per
//! engine — connecting, how a write transaction starts, how other processes
//! hear of new events — lives in `sqlite.rs` and `postgres.rs`.

use async_trait::async_trait;

use crate::domain::model::{Event, Member};

mod appends;
mod batch;
pub mod cooperations;
pub mod follow_up;
pub mod overrides;
pub mod plans;
pub mod portfolio;
pub mod postgres;
pub mod proposals;
pub mod sessions;
pub mod sqlite;
pub mod tx;

pub use appends::{AppendTx, BallotContext, IdempotencyRecord};
pub use batch::WriteSlot;
pub use cooperations::CooperationTx;
pub use follow_up::FollowUpTx;
pub use overrides::{OverrideFilter, OverrideTx};
pub use portfolio::{PortfolioTx, SystemFilter};
pub use proposals::ProposalTx;
pub use sessions::SessionTx;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint {0} violated")]
    Unique(String),
    #[error("foreign key violated: {0}")]
    ForeignKey(String),
    /// A conditional update found another version than expected.
    #[error("the record changed concurrently")]
    Conflict,
    #[error("stored record does not decode: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("commit failed: {0}")]
    Commit(String),
    /// The database cannot take the request now: unreachable, busy past the
    /// busy timeout, or out of disk. The same request may succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            return StoreError::Unavailable(e.to_string());
        }
        if let sqlx::Error::Database(db) = &e {
            let name = db.constraint().unwrap_or_default().to_string();
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Unique(if name.is_empty() {
                        db.message().to_string()
                    } else {
                        name
                    });
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::ForeignKey(db.message().to_string());
                }
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}

/// Errors that say the database cannot serve now rather than that the
/// request or the server is wrong.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite (primary result code of an extended one): BUSY, LOCKED,
            // IOERR, FULL, CANTOPEN.
            if let Ok(n) = code.parse::<i64>() {
                return matches!(n & 0xff, 5 | 6 | 10 | 13 | 14);
            }
            // PostgreSQL SQLSTATE: connection exceptions, insufficient
            // resources (disk full, too many connections), operator
            // intervention (shutdown, cannot connect now).
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
        }
        _ => false,
    }
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A cooperation as a caller reaches it (see [`Store::access`]).
#[derive(Debug, Clone)]
pub struct Access {
    /// The caller's municipality's membership, current or past.
    pub member: Option<Member>,
    /// The sequence number of the cooperation's last event (0 for none).
    pub head: i64,
}

/// The row of [`ACCESS`].
#[derive(sqlx::FromRow)]
pub(crate) struct AccessRow {
    member: Option<String>,
    head: i64,
}

pub(crate) const ACCESS: &str = "SELECT \
     (SELECT m.doc FROM members m WHERE m.cooperation_id = c.id AND m.code = $2) AS member, \
     (SELECT COALESCE(MAX(e.seq), 0) FROM events e WHERE e.cooperation_id = c.id) AS head \
     FROM cooperations c WHERE c.id = $1";

impl AccessRow {
    pub(crate) fn decode(self) -> StoreResult<Access> {
        Ok(Access {
            member: self.member.as_deref().map(from_doc).transpose()?,
            head: self.head,
        })
    }
}

/// A page of records keyed by their sequence number.
pub type Page<T> = Vec<(i64, T)>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The one way to write: a slot in the current write batch, inside its
    /// own savepoint (see `batch`). Its writes are kept once
    /// [`WriteSlot::commit`] returns, and rolled back if it is dropped.
    async fn write(&self) -> StoreResult<WriteSlot>;
    /// A slot without a savepoint, for a ballot that has passed its checks
    /// and only appends rows (see `appends`): it must not fail once it has
    /// queued them, since nothing could undo its share alone.
    async fn append_write(&self) -> StoreResult<WriteSlot>;
    /// A read-only transaction over a consistent snapshot.
    async fn begin_read(&self) -> StoreResult<Box<dyn StoreTx>>;
    /// The membership of `municipality` in the cooperation and the sequence
    /// number of the cooperation's last event, read by one statement outside
    /// any transaction: what a read answered from a kept view needs, at the
    /// cost of one round trip. `None` if there is no such cooperation.
    async fn access(&self, cooperation: &str, municipality: &str) -> StoreResult<Option<Access>>;
    /// The highest event sequence number known to be committed; changes as
    /// events are committed by this process or (PostgreSQL) by any process.
    fn subscribe(&self) -> tokio::sync::watch::Receiver<i64>;
    fn engine(&self) -> &'static str;
    /// Connections of the pool(s), for the metrics.
    fn pool_state(&self) -> PoolState;
    /// The concrete store, for tests that reach below the trait.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Connections of a store's pool(s).
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolState {
    /// Open connections.
    pub size: u32,
    /// Open and not in use.
    pub idle: u32,
    /// The most the pool(s) may open.
    pub max: u32,
}

/// A transaction: the event log here, each aggregate in its own trait, all
/// implemented by [`tx::Tx`] for both engines.
pub trait StoreTx:
    CoreTx + CooperationTx + ProposalTx + SessionTx + OverrideTx + PortfolioTx + FollowUpTx + AppendTx
{
}

impl<T: CoreTx + CooperationTx + ProposalTx + SessionTx + OverrideTx + PortfolioTx + FollowUpTx + AppendTx> StoreTx
    for T
{
}

#[async_trait]
pub trait CoreTx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    /// Savepoints of a batched write (see `batch`); not nested.
    async fn savepoint(&mut self) -> StoreResult<()>;
    async fn release_savepoint(&mut self) -> StoreResult<()>;
    /// Undoes everything since the savepoint, and ends it.
    async fn rollback_to_savepoint(&mut self) -> StoreResult<()>;

    // Idempotency records.
    async fn get_idempotent(&mut self, scope: &str, request_id: &str) -> StoreResult<Option<(String, String)>>;
    async fn put_idempotent(
        &mut self,
        scope: &str,
        request_id: &str,
        fingerprint: &str,
        response: &str,
        now: i64,
    ) -> StoreResult<()>;

    // The event log.
    async fn last_event(&mut self) -> StoreResult<Option<(i64, String)>>;
    /// The sequence number of the cooperation's last event, 0 if none: every
    /// change to a cooperation writes one of its events, so this is what a
    /// view of the cooperation computed in the same snapshot is valid for.
    async fn cooperation_head(&mut self, cooperation: &str) -> StoreResult<i64>;
    async fn insert_event(&mut self, event: &Event) -> StoreResult<()>;
    /// Events after `after_seq` in order, of one cooperation or of all.
    async fn list_events(&mut self, cooperation: Option<&str>, after_seq: i64, limit: i64) -> StoreResult<Vec<Event>>;
    /// The first `limit` events about one record (`proposals/<id>`), in order.
    async fn subject_events(&mut self, subject: &str, limit: i64) -> StoreResult<Vec<Event>>;
}

pub(crate) fn to_doc<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    Ok(serde_json::to_string(v)?)
}

pub(crate) fn from_doc<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    Ok(serde_json::from_str(s)?)
}

/// Opens the store a database URL names: `sqlite:` (or a path) or `postgres:`.
pub async fn connect(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(std::sync::Arc::new(PgStore::connect(url).await?))
    } else {
        Ok(std::sync::Arc::new(SqliteStore::connect(url).await?))
    }
}

/// What a transaction knows of the event chain: its head (last sequence
/// number and hash, once read or written in this transaction: a write
/// transaction holds the write lock and a read transaction reads one
/// snapshot, so it cannot move underneath) and the last event it wrote.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    head: Option<(i64, String)>,
    written: Option<i64>,
}

pub(crate) fn one_row(affected: u64) -> StoreResult<()> {
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}
