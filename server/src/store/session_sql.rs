//! The SQL of sessions, rounds, ballots and minutes, shared by both engines; see `core_sql.rs`.

macro_rules! impl_session_tx {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::SessionTx for $tx {}
    };
}
