//! The SQL of local overrides and their history, shared by both engines; see `core_sql.rs`.

macro_rules! impl_override_tx {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::OverrideTx for $tx {}
    };
}
