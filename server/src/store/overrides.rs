//! Storage of local overrides and their history.

use async_trait::async_trait;

#[async_trait]
pub trait OverrideTx: Send {}
