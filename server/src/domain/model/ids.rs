//! Values checked once at the edge and trusted afterwards: a municipality
//! code, a cooperation id, an ISO date and an id the server issued. Each
//! `parse` is the one place its rule is written; the field checks of
//! `domain::validate`, the token checks of `auth` and the date comparisons of
//! the rules all go through them.
//!
//! Parsing is strict where later code relies on the text: an [`IsoDate`] is
//! always `YYYY-MM-DD` with zero padding, so its text sorts as the date does
//! (dates are compared as strings throughout the store).

use std::fmt;

use chrono::NaiveDate;

/// A Danish municipality code: 3–4 digits, e.g. `"0101"` (København) or
/// `"851"` (Aalborg as Danmarks Statistik writes it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(value: &str) -> Result<Self, String> {
        if (3..=4).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err("must be a municipality code of 3-4 digits, such as \"0101\"".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A cooperation's id: 2–63 characters of `a-z`, `0-9` and `-`, starting
/// with a letter and not ending with `-` (it appears in URLs and role names
/// such as `chair:fynske-kommuner`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CooperationId(String);

impl CooperationId {
    pub fn parse(value: &str) -> Result<Self, String> {
        let ok = (2..=63).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && !value.ends_with('-')
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err("must be 2-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A calendar date written `YYYY-MM-DD`, zero-padded, so that its text
/// orders as the date does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoDate(NaiveDate);

impl IsoDate {
    pub fn parse(value: &str) -> Result<Self, String> {
        let shaped = value.len() == 10
            && value.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        let date = shaped
            .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
            .flatten();
        date.map(Self).ok_or_else(|| "must be a date as YYYY-MM-DD".into())
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl From<NaiveDate> for IsoDate {
    fn from(date: NaiveDate) -> Self {
        Self(date)
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// An id the server issued (a UUID); anything else cannot name a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId(uuid::Uuid);

impl RecordId {
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.is_empty() {
            return Err("is required".into());
        }
        uuid::Uuid::parse_str(value)
            .map(Self)
            .map_err(|_| "is not a valid id".into())
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipality_codes() {
        for ok in ["0101", "851", "0147"] {
            assert_eq!(MunicipalityCode::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "12", "01011", "01a1", " 101", "１０１"] {
            assert!(MunicipalityCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cooperation_ids() {
        for ok in ["fynske-kommuner", "ab", "k2"] {
            assert_eq!(CooperationId::parse(ok).unwrap().as_str(), ok);
        }
        let long = "a".repeat(64);
        for bad in ["a", "-ab", "ab-", "Ab", "2ab", "a_b", "æø", long.as_str()] {
            assert!(CooperationId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn iso_dates_are_strict_so_their_text_sorts() {
        assert_eq!(IsoDate::parse("2026-01-05").unwrap().to_string(), "2026-01-05");
        // chrono alone accepts unpadded dates; as text they would sort wrongly.
        assert!(NaiveDate::parse_from_str("2026-1-5", "%Y-%m-%d").is_ok());
        for bad in [
            "2026-1-5",
            "2026-01-5",
            "26-01-05",
            "2026-02-30",
            "2026/01/05",
            " 2026-01-05",
            "+2026-01-0",
        ] {
            assert!(IsoDate::parse(bad).is_err(), "{bad:?}");
        }
        let (a, b) = (
            IsoDate::parse("2026-09-30").unwrap(),
            IsoDate::parse("2026-10-01").unwrap(),
        );
        assert!(a < b && a.to_string() < b.to_string());
    }

    #[test]
    fn record_ids() {
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(RecordId::parse(&id).unwrap().to_string(), id);
        assert_eq!(RecordId::parse("").unwrap_err(), "is required");
        assert!(RecordId::parse("dev-0147").is_err());
    }
}
