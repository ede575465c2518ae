//! Follow-up (DESIGN.md §13): from an adopted priority to a delivered
//! system. Each member taking part in a priority keeps an implementation
//! record (status, progress, milestones, notes); the priority's progress,
//! what is overdue and the follow-up report are computed from the records,
//! the shared list and the overrides by the pure functions of
//! [`participation`] and [`progress`].
//!
//! Who is expected to keep a record is derived when it is read, not stored:
//! the shared list and the overrides change after adoption, and a stored
//! expectation would have to follow every change on both engines. Records
//! are stored only when a member reports; until then it reads as
//! "not started", version 0.

/// The follow-up section of a follow-up session's minutes.
pub mod minutes;
pub mod participation;
pub mod progress;
mod reads;
pub mod report;
mod writes;

use super::error::{Result, Violations};
use super::model::{ImplementationStatus, Milestone};

pub use super::model::follow_up::ImplementationView;
use super::validate as v;

pub use self::participation::Participation;
pub use self::progress::Progress;
pub use self::reads::{ListQuery, get, list};
pub use self::report::{FollowUpReport, report};
pub use self::writes::{RecordKey, update};

pub const MAX_MILESTONES: usize = 50;
pub const MILESTONE_TITLE_MAX: usize = 200;
pub const NOTES_MAX: usize = 4000;
/// Members that have not updated in this many days are flagged, unless the
/// server's configuration says otherwise.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 30;

/// An `UpdateImplementation` request as the domain sees it: the whole new
/// state of the record.
#[derive(Debug, Clone, Default)]
pub struct ImplementationSpec {
    pub status: Option<ImplementationStatus>,
    pub progress_percent: u32,
    pub milestones: Vec<Milestone>,
    pub notes: String,
}

/// Checks a spec on its own; `today` judges the done dates, which cannot
/// lie ahead. Field names are those of `UpdateImplementationRequest`.
pub fn validate_spec(s: &ImplementationSpec, today: &str) -> Result<()> {
    let mut vs = Violations::default();
    match s.status {
        None => vs.add("status", "is required"),
        Some(ImplementationStatus::Done) if s.progress_percent != 100 => {
            vs.add("progress_percent", "must be 100 when the status is DONE")
        }
        Some(ImplementationStatus::NotStarted) if s.progress_percent != 0 => {
            vs.add("progress_percent", "must be 0 when the status is NOT_STARTED")
        }
        _ => {}
    }
    if s.progress_percent > 100 {
        vs.add("progress_percent", "must be between 0 and 100");
    }
    if s.milestones.len() > MAX_MILESTONES {
        vs.add(
            "milestones",
            format!(
                "has {} entries; at most {MAX_MILESTONES} are allowed",
                s.milestones.len()
            ),
        );
    } else {
        for (i, m) in s.milestones.iter().enumerate() {
            vs.check(
                &format!("milestones[{i}].title"),
                v::required_text(&m.title, MILESTONE_TITLE_MAX),
            );
            vs.check(&format!("milestones[{i}].due_on"), v::iso_date(&m.due_on));
            if let Some(d) = &m.done_on {
                let done = v::iso_date(d).and_then(|()| {
                    if d.as_str() > today {
                        Err(format!("must not be in the future (today is {today})"))
                    } else {
                        Ok(())
                    }
                });
                vs.check(&format!("milestones[{i}].done_on"), done);
            }
        }
    }
    vs.check("notes", v::max_len(&s.notes, NOTES_MAX));
    vs.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Error;

    fn fields(r: Result<()>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(Error::Invalid(vs)) => vs.into_iter().map(|v| v.field).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    const TODAY: &str = "2027-03-01";

    fn milestone(title: &str, due: &str, done: Option<&str>) -> Milestone {
        Milestone {
            title: title.into(),
            due_on: due.into(),
            done_on: done.map(str::to_string),
        }
    }

    #[test]
    fn a_spec_names_every_bad_field() {
        let ok = ImplementationSpec {
            status: Some(ImplementationStatus::InProgress),
            progress_percent: 40,
            milestones: vec![milestone("Udbud", "2027-03-01", Some("2027-02-20"))],
            notes: "Kontrakt underskrevet".into(),
        };
        assert_eq!(fields(validate_spec(&ok, TODAY)), Vec::<String>::new());
        let bad = ImplementationSpec {
            status: None,
            progress_percent: 101,
            milestones: vec![milestone(" ", "2027-13-01", Some("soon"))],
            notes: "a\u{0}b".into(),
        };
        assert_eq!(
            fields(validate_spec(&bad, TODAY)),
            [
                "status",
                "progress_percent",
                "milestones[0].title",
                "milestones[0].due_on",
                "milestones[0].done_on",
                "notes"
            ]
        );
        let done_early = ImplementationSpec {
            status: Some(ImplementationStatus::Done),
            progress_percent: 90,
            ..Default::default()
        };
        assert_eq!(fields(validate_spec(&done_early, TODAY)), ["progress_percent"]);
        let done_ahead = ImplementationSpec {
            milestones: vec![milestone("Go-live", "2027-06-01", Some("2027-03-02"))],
            ..ok
        };
        assert_eq!(fields(validate_spec(&done_ahead, TODAY)), ["milestones[0].done_on"]);
    }

    #[test]
    fn a_milestone_is_overdue_when_due_before_the_day_and_not_done() {
        let m = milestone("Go-live", "2027-03-01", None);
        assert!(!m.is_overdue("2027-03-01"), "due today is not yet overdue");
        assert!(m.is_overdue("2027-03-02"));
        assert!(!milestone("Go-live", "2027-03-01", Some("2027-03-05")).is_overdue("2027-04-01"));
    }
}
