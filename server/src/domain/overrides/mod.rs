//! Local overrides and accountability (DESIGN.md §6): a member's board
//! deviates from the shared priority list for its own municipality, on the
//! record. Set, change, reconfirm and revoke are writes that each add a
//! version to the override's history and an event to the log; the effective
//! list, the accountability report and the cooperation overview are reads,
//! computed by the pure functions of [`effective`] and [`divergence`].

mod accountability;
pub mod divergence;
pub mod effective;
mod overview_cache;
mod reads;
mod writes;

use serde::{Deserialize, Serialize};

use super::error::{Result, Violations};
use super::model::{OverrideKind, OverrideState, PriorityList};
use super::validate as v;

pub use self::accountability::{AccountabilityReport, Delivery, Divergence, NamedVote, TookPart, accountability};
pub use self::overview_cache::OverviewCache;
pub use self::reads::{
    CooperationOverview, EffectiveItem, EffectiveList, ListQuery, OverviewItem, SetApartItem, effective_list,
    effective_list_view, effective_view, get, history, list, overview, overview_view, recorded_between,
};
pub use self::writes::{reconfirm, revoke, set};
pub use super::model::{Change, Override};
/// Today's date, as overrides judge expiry and deferral by default.
pub use super::write::today;

pub const JUSTIFICATION_MIN: usize = 10;
pub const JUSTIFICATION_MAX: usize = 4000;
pub const RESOLUTION_MIN: usize = 6;
pub const RESOLUTION_MAX: usize = 300;
/// Local ranks beyond this are certainly mistakes, not plans.
pub const MAX_LOCAL_RANK: u32 = 10_000;

/// An override as read: the stored record and what it means on the day it
/// is read against the current shared list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideView {
    pub record: Override,
    pub state: OverrideState,
    pub needs_review: bool,
}

impl OverrideView {
    pub fn of(o: Override, list: &PriorityList, as_of: &str) -> Self {
        OverrideView {
            state: effective::state(&o, as_of),
            needs_review: effective::needs_review(&o, list, as_of),
            record: o,
        }
    }

    /// A version as it was recorded: active or revoked, nothing derived.
    fn as_recorded(o: Override) -> Self {
        OverrideView {
            state: if o.revoked {
                OverrideState::Revoked
            } else {
                OverrideState::Active
            },
            needs_review: false,
            record: o,
        }
    }
}

/// A `SetOverride` request as the domain sees it; empty strings and 0 are
/// "not given".
#[derive(Debug, Clone, Default)]
pub struct OverrideSpec {
    pub proposal_id: String,
    pub kind: Option<OverrideKind>,
    pub defer_until: String,
    pub local_rank: u32,
    pub justification: String,
    pub board_resolution: String,
    pub expires_on: String,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Checks a spec on its own; `today` judges the dates. Field names are
/// those of `SetOverrideRequest`.
pub fn validate_spec(s: &OverrideSpec, today: &str) -> Result<()> {
    let mut vs = Violations::default();
    vs.check("spec.proposal_id", v::id(&s.proposal_id));
    match s.kind {
        None => vs.add("spec.kind", "is required"),
        Some(kind) => {
            let dated = kind == OverrideKind::Defer;
            match (dated, s.defer_until.is_empty()) {
                (true, true) => vs.add("spec.defer_until", "is required for DEFER"),
                (true, false) => vs.check("spec.defer_until", future_date(&s.defer_until, today, false)),
                (false, false) => vs.add("spec.defer_until", "applies to DEFER only"),
                (false, true) => {}
            }
            match kind {
                OverrideKind::Rerank if s.local_rank == 0 => {
                    vs.add("spec.local_rank", "is required for RERANK: a position of 1 or more")
                }
                OverrideKind::Rerank | OverrideKind::AdoptLocal if s.local_rank > MAX_LOCAL_RANK => {
                    vs.add("spec.local_rank", format!("must be at most {MAX_LOCAL_RANK}"))
                }
                OverrideKind::OptOut | OverrideKind::Defer if s.local_rank != 0 => {
                    vs.add("spec.local_rank", "applies to RERANK and ADOPT_LOCAL only")
                }
                _ => {}
            }
        }
    }
    vs.check(
        "spec.justification",
        v::meaningful_text(&s.justification, JUSTIFICATION_MIN, JUSTIFICATION_MAX),
    );
    vs.check(
        "spec.board_resolution",
        v::meaningful_text(&s.board_resolution, RESOLUTION_MIN, RESOLUTION_MAX),
    );
    if !s.expires_on.is_empty() {
        vs.check("spec.expires_on", future_date(&s.expires_on, today, true));
    }
    vs.finish()
}

/// An ISO date after `today` (or on it, when `today_ok`).
fn future_date(value: &str, today: &str, today_ok: bool) -> v::Check {
    v::iso_date(value)?;
    match value.cmp(today) {
        std::cmp::Ordering::Greater => Ok(()),
        std::cmp::Ordering::Equal if today_ok => Ok(()),
        _ if today_ok => Err(format!("must not be in the past (today is {today})")),
        _ => Err(format!("must be a date after today ({today})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Error;

    const TODAY: &str = "2026-06-01";
    const PID: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    fn spec(kind: OverrideKind) -> OverrideSpec {
        OverrideSpec {
            proposal_id: PID.into(),
            kind: Some(kind),
            justification: "Vi afventer udbud af ny ESDH-løsning".into(),
            board_resolution: "Direktionsmøde 2026-05-12, pkt. 4".into(),
            ..Default::default()
        }
    }

    fn fields(r: Result<()>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(Error::Invalid(vs)) => vs.into_iter().map(|v| v.field).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn a_complete_spec_of_each_kind_is_valid() {
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::OptOut), TODAY)),
            Vec::<String>::new()
        );
        let defer = OverrideSpec {
            defer_until: "2026-09-01".into(),
            ..spec(OverrideKind::Defer)
        };
        assert!(validate_spec(&defer, TODAY).is_ok());
        let rerank = OverrideSpec {
            local_rank: 3,
            expires_on: TODAY.into(),
            ..spec(OverrideKind::Rerank)
        };
        assert!(validate_spec(&rerank, TODAY).is_ok());
        assert!(validate_spec(&spec(OverrideKind::AdoptLocal), TODAY).is_ok());
    }

    #[test]
    fn justification_and_resolution_must_carry_meaning() {
        for filler in ["", "   ", "n/a", "x", "xxxxxxxxxxxxxxxxxx", "-"] {
            let s = OverrideSpec {
                justification: filler.into(),
                board_resolution: filler.into(),
                ..spec(OverrideKind::OptOut)
            };
            assert_eq!(
                fields(validate_spec(&s, TODAY)),
                ["spec.justification", "spec.board_resolution"],
                "{filler:?}"
            );
        }
    }

    #[test]
    fn kind_specific_fields() {
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::Defer), TODAY)),
            ["spec.defer_until"]
        );
        let past = OverrideSpec {
            defer_until: TODAY.into(),
            ..spec(OverrideKind::Defer)
        };
        assert_eq!(fields(validate_spec(&past, TODAY)), ["spec.defer_until"]);
        assert_eq!(
            fields(validate_spec(&spec(OverrideKind::Rerank), TODAY)),
            ["spec.local_rank"]
        );
        let huge = OverrideSpec {
            local_rank: MAX_LOCAL_RANK + 1,
            ..spec(OverrideKind::Rerank)
        };
        assert_eq!(fields(validate_spec(&huge, TODAY)), ["spec.local_rank"]);
        let stray = OverrideSpec {
            local_rank: 2,
            defer_until: "2027-01-01".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(
            fields(validate_spec(&stray, TODAY)),
            ["spec.defer_until", "spec.local_rank"]
        );
        let no_kind = OverrideSpec {
            kind: None,
            proposal_id: "nope".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(
            fields(validate_spec(&no_kind, TODAY)),
            ["spec.proposal_id", "spec.kind"]
        );
    }

    #[test]
    fn expiry_is_a_date_not_in_the_past() {
        let past = OverrideSpec {
            expires_on: "2026-05-31".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(fields(validate_spec(&past, TODAY)), ["spec.expires_on"]);
        let bad = OverrideSpec {
            expires_on: "31-12-2026".into(),
            ..spec(OverrideKind::OptOut)
        };
        assert_eq!(fields(validate_spec(&bad, TODAY)), ["spec.expires_on"]);
    }

    #[test]
    fn today_is_the_utc_date() {
        assert_eq!(today(0), "1970-01-01");
        assert_eq!(today(1_780_000_000_000_000), "2026-05-28");
    }
}
