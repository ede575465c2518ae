//! Page tokens and sizes (AIP-158). A token is opaque to clients: the
//! position after the last record returned, tagged with what it pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{Error, Result};

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// 0 means the default; larger than the maximum is coerced to the maximum.
pub fn size(page_size: u32) -> i64 {
    match page_size {
        0 => DEFAULT_PAGE_SIZE as i64,
        n => n.min(MAX_PAGE_SIZE) as i64,
    }
}

pub fn token(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// The position a token names; empty token is the start (`start`).
pub fn position(kind: &str, token: &str, start: &str) -> Result<String> {
    if token.is_empty() {
        return Ok(start.to_string());
    }
    let bad = || Error::invalid("page_token", "is not a page token of this listing");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    match s.split_once(':') {
        Some((k, p)) if k == kind => Ok(p.to_string()),
        _ => Err(bad()),
    }
}

/// Sequence-number positions.
pub fn seq_position(kind: &str, token: &str) -> Result<i64> {
    position(kind, token, "0")?
        .parse()
        .map_err(|_| Error::invalid("page_token", "is not a page token of this listing"))
}

/// The next token for a page of `got` records when `limit` were asked for.
pub fn next(kind: &str, got: usize, limit: i64, last: Option<String>) -> String {
    match last {
        Some(p) if got as i64 >= limit => token(kind, &p),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_kind_checked() {
        let t = token("proposals", "42");
        assert_eq!(seq_position("proposals", &t).unwrap(), 42);
        assert!(seq_position("members", &t).is_err());
        assert!(seq_position("proposals", "!!!").is_err());
        assert_eq!(seq_position("proposals", "").unwrap(), 0);
        assert_eq!(size(0), 50);
        assert_eq!(size(10_000), 500);
    }
}
