//! The rules of DESIGN.md §3–§7. Pure parts (authorisation, validation, the
//! tally, the priority list, the hash chain) are plain functions; the
//! operations in `cooperations`, `proposals`, `sessions`, `events` apply them inside one
//! store transaction each.

pub mod audit;
pub mod authz;
pub mod cooperations;
pub mod error;
pub mod etag;
pub mod events;
pub mod fanout;
pub mod follow_up;
pub mod locale;
pub mod model;
pub mod overrides;
pub mod page;
pub mod portfolio;
pub mod priorities;
pub mod priority_list;
pub mod proposals;
pub mod read_model;
pub mod register;
pub mod sessions;
pub mod tally;
pub mod validate;
pub mod write;

pub use error::{Error, Result};
