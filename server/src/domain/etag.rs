//! Entity tags: a record's version as clients see it, and the check of an
//! etag a client sends back with a change (optimistic concurrency).

use super::error::{Error, Result};

/// An empty etag skips the check; any other must name the current version.
pub fn check_etag(etag: &str, version: u64) -> Result<()> {
    if etag.is_empty() || etag == etag_of(version) {
        Ok(())
    } else {
        Err(Error::Aborted(format!(
            "etag {etag} does not match the current version ({}); re-read and try again",
            etag_of(version)
        )))
    }
}

pub fn etag_of(version: u64) -> String {
    format!("\"{version}\"")
}
