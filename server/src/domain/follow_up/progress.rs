//! A priority's progress from its members' records, and what is late: pure
//! functions of the records and the date they are judged at.

use chrono::NaiveDate;

pub use crate::domain::model::follow_up::Progress;
use crate::domain::model::{ImplementationStatus, Micros};

/// The progress of members' `(progress_percent, population, status)`,
/// rounded half up. Populations are bounded (see `cooperations`), so the
/// sums fit in `u128` with room to spare. With no member, or no population
/// at all, the weighted figure is 0.
pub fn progress(parts: &[(u32, i64, ImplementationStatus)]) -> Progress {
    let n = parts.len() as u128;
    let sum: u128 = parts.iter().map(|(p, _, _)| u128::from(*p)).sum();
    let weight: u128 = parts.iter().map(|(_, pop, _)| (*pop).max(0) as u128).sum();
    let weighted: u128 = parts
        .iter()
        .map(|(p, pop, _)| u128::from(*p) * (*pop).max(0) as u128)
        .sum();
    let ratio = |num: u128, den: u128| (num * 100 + den / 2).checked_div(den).unwrap_or(0) as u32;
    Progress {
        plain_bp: ratio(sum, n),
        weighted_bp: ratio(weighted, weight),
        members: parts.len() as u32,
        done: parts
            .iter()
            .filter(|(_, _, s)| *s == ImplementationStatus::Done)
            .count() as u32,
    }
}

/// The UTC date of a time, as the record judges dates.
pub fn date_of(t: Micros) -> String {
    crate::domain::write::today(t)
}

/// Whole days from `from` to `to` (ISO dates); 0 if `to` is not later or a
/// date does not parse.
pub fn days_between(from: &str, to: &str) -> u32 {
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => (b - a).num_days().max(0) as u32,
        _ => 0,
    }
}

/// The first microsecond after the (UTC) day `date`: what "as it stood on
/// `date`" includes is everything before it.
pub fn end_of_day(date: &str) -> Micros {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros())
        .unwrap_or(Micros::MAX)
}

/// The date a member's silence is counted from: its last update, or, never
/// having reported since it started, its start; and the days from it to `as_of`.
pub fn quiet_since(last_update: Option<&str>, starts_on: &str, as_of: &str) -> (String, u32) {
    let from = match last_update {
        Some(u) if u > starts_on => u,
        _ => starts_on,
    };
    (from.to_string(), days_between(from, as_of))
}

/// Whether a member has gone quiet: still working on it (neither done nor
/// cancelled), started by `as_of`, and silent for more than `stale_after_days`.
pub fn is_stale(
    status: ImplementationStatus,
    starts_on: &str,
    days_since: u32,
    as_of: &str,
    stale_after_days: u32,
) -> bool {
    !matches!(status, ImplementationStatus::Done | ImplementationStatus::Cancelled)
        && starts_on <= as_of
        && days_since > stale_after_days
}

#[cfg(test)]
mod tests {
    use super::*;
    use ImplementationStatus::*;

    #[test]
    fn plain_and_population_weighted_progress_on_a_hand_computed_case() {
        // Plain: (100 + 50 + 0) / 3 = 50 %. Weighted:
        // (100·600 + 50·300 + 0·100) / 1000 = 75 %.
        let p = progress(&[(100, 600, Done), (50, 300, InProgress), (0, 100, NotStarted)]);
        assert_eq!((p.plain_bp, p.weighted_bp, p.members, p.done), (5000, 7500, 3, 1));
        // (10 + 20 + 25) / 3 = 18,333… → 18,33 %; (10·1 + 20·1 + 25·2) / 4 = 20 %.
        let q = progress(&[(10, 1, InProgress), (20, 1, InProgress), (25, 2, InProgress)]);
        assert_eq!((q.plain_bp, q.weighted_bp), (1833, 2000));
        // 2/3 % rounds half up: 66,67 %.
        assert_eq!(
            progress(&[(1, 0, InProgress), (1, 0, InProgress), (0, 0, NotStarted)]).plain_bp,
            67
        );
        assert_eq!(progress(&[]), Progress::default());
        assert_eq!(
            progress(&[(40, 0, InProgress)]).weighted_bp,
            0,
            "no population, no weighted figure"
        );
    }

    #[test]
    fn the_largest_populations_do_not_overflow() {
        let p = progress(&[(100, i64::MAX, Done), (100, i64::MAX, Done)]);
        assert_eq!(p.weighted_bp, 10_000);
    }

    #[test]
    fn quiet_members_are_counted_from_their_last_update_or_their_start() {
        assert_eq!(days_between("2026-12-01", "2027-01-01"), 31);
        assert_eq!(days_between("2027-01-01", "2026-12-01"), 0);
        assert_eq!(
            quiet_since(Some("2026-11-01"), "2026-10-01", "2026-12-15"),
            ("2026-11-01".to_string(), 44)
        );
        assert_eq!(
            quiet_since(None, "2027-01-01", "2027-01-10"),
            ("2027-01-01".to_string(), 9),
            "a deferral shifts the start the silence is counted from"
        );
        assert!(is_stale(InProgress, "2026-10-01", 31, "2026-12-15", 30));
        assert!(!is_stale(InProgress, "2026-10-01", 30, "2026-12-15", 30));
        assert!(!is_stale(Done, "2026-10-01", 300, "2026-12-15", 30));
        assert!(
            !is_stale(NotStarted, "2027-01-01", 300, "2026-12-15", 30),
            "not started yet"
        );
    }

    #[test]
    fn a_day_ends_at_the_next_midnight_utc() {
        assert_eq!(end_of_day("1970-01-01"), 86_400_000_000);
        assert_eq!(date_of(end_of_day("2026-12-06") - 1), "2026-12-06");
    }
}
