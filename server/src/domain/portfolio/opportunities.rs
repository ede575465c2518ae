//! Shared opportunities (DESIGN.md §12): where the members of a cooperation
//! overlap, so that they could buy, replace or run something together: the
//! same system, the same vendor or the same function (ESDH, økonomi) in at
//! least N members, counting by default only members whose contract ends
//! within the next 24 months ("6 of 9 members' ESDH contracts end in
//! 2027–2028"). A pure function of the members' systems.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::PortfolioSystem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Overlap {
    /// The same system (by name).
    System,
    Vendor,
    /// The same kind of system (KITOS's business type).
    Function,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Members that must overlap; at least 2.
    pub min_members: usize,
    /// Count only members whose contract ends within this many months from
    /// `today`; `None` counts every member that runs it.
    pub window_months: Option<u32>,
    pub today: NaiveDate,
}

impl Params {
    pub const DEFAULT_MIN_MEMBERS: usize = 2;
    pub const DEFAULT_WINDOW_MONTHS: u32 = 24;

    pub fn new(today: NaiveDate) -> Params {
        Params {
            min_members: Self::DEFAULT_MIN_MEMBERS,
            window_months: Some(Self::DEFAULT_WINDOW_MONTHS),
            today,
        }
    }
}

/// One member's part in an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberPart {
    pub municipality: String,
    /// Ids of its systems in the group.
    pub system_ids: Vec<String>,
    /// The earliest contract end among them, if known.
    pub contract_end: Option<String>,
    pub yearly_cost_dkk: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opportunity {
    pub overlap: Overlap,
    /// The system's, vendor's or function's name as the first member (by
    /// code) writes it.
    pub label: String,
    /// The members it covers, by code.
    pub members: Vec<MemberPart>,
    /// Members that run it at all (covered or not: outside the window).
    pub running: usize,
    /// Yearly cost of the covered members' systems.
    pub yearly_cost_dkk: i64,
    /// The span of the covered contract ends, if any are known.
    pub first_end: Option<String>,
    pub last_end: Option<String>,
}

impl Opportunity {
    /// "6 of 9 members' ESDH contracts end in 2027–2028".
    pub fn headline(&self, cooperation_members: usize) -> String {
        let what = format!("{} ", self.label);
        let years = |d: &Option<String>| d.as_ref().map(|d| d[..4].to_string());
        match (years(&self.first_end), years(&self.last_end)) {
            (Some(a), Some(b)) if a == b => format!(
                "{} of {cooperation_members} members' {what}contracts end in {a}",
                self.members.len()
            ),
            (Some(a), Some(b)) => format!(
                "{} of {cooperation_members} members' {what}contracts end in {a}–{b}",
                self.members.len()
            ),
            _ => format!(
                "{} of {cooperation_members} members run {}",
                self.members.len(),
                self.label
            ),
        }
    }
}

/// Lower-case, single spaces, and for vendors without the company form:
/// `KMD A/S` and `kmd` are one vendor.
pub(crate) fn key(overlap: Overlap, s: &str) -> String {
    let mut k = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if overlap == Overlap::Vendor {
        for suffix in [" a/s", " aps", " as", " i/s", " p/s"] {
            if let Some(stripped) = k.strip_suffix(suffix) {
                k = stripped.to_string();
                break;
            }
        }
    }
    k
}

/// `YYYY-MM-DD` without the cost of a format parser.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

struct Group<'a> {
    overlap: Overlap,
    /// (municipality, spelling) of the first member by code.
    label: (&'a str, &'a str),
    /// Indices into the prepared systems.
    entries: Vec<u32>,
}

/// The cooperation's opportunities, best first: by members covered, then
/// by yearly cost covered, then overlap kind and label. Systems not in use
/// are left out.
pub fn find<'a>(systems: impl IntoIterator<Item = &'a PortfolioSystem>, p: &Params) -> Vec<Opportunity> {
    let horizon = p
        .window_months
        .map(|m| p.today.checked_add_months(Months::new(m)).unwrap_or(NaiveDate::MAX));
    // Each system once: its contract end and whether it counts.
    let prepared: Vec<(&PortfolioSystem, Option<NaiveDate>, bool)> = systems
        .into_iter()
        .filter(|s| s.in_use())
        .map(|s| {
            let end = s.contract_end.as_deref().and_then(iso_date);
            let counts = match horizon {
                None => true,
                Some(h) => end.is_some_and(|d| d >= p.today && d <= h),
            };
            (s, end, counts)
        })
        .collect();

    // Spellings repeat across members: normalise each distinct one once.
    let mut by_spelling: HashMap<(Overlap, &str), usize> = HashMap::new();
    let mut by_key: HashMap<(Overlap, String), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for (i, (s, _, _)) in prepared.iter().enumerate() {
        for (overlap, text) in [
            (Overlap::System, s.name.as_str()),
            (Overlap::Vendor, s.vendor.as_str()),
            (Overlap::Function, s.function.as_str()),
        ] {
            let g = match by_spelling.get(&(overlap, text)) {
                Some(&g) => g,
                None => {
                    let k = key(overlap, text);
                    let g = if k.is_empty() {
                        usize::MAX
                    } else {
                        *by_key.entry((overlap, k)).or_insert_with(|| {
                            groups.push(Group {
                                overlap,
                                label: (&s.municipality, text.trim()),
                                entries: Vec::new(),
                            });
                            groups.len() - 1
                        })
                    };
                    by_spelling.insert((overlap, text), g);
                    g
                }
            };
            if g == usize::MAX {
                continue;
            }
            let group = &mut groups[g];
            if s.municipality.as_str() < group.label.0 {
                group.label = (&s.municipality, text.trim());
            }
            group.entries.push(i as u32);
        }
    }

    let min = p.min_members.max(2);
    let mut out = Vec::new();
    for mut g in groups {
        if g.entries.len() < min {
            continue;
        }
        g.entries.sort_by(|a, b| {
            prepared[*a as usize]
                .0
                .municipality
                .cmp(&prepared[*b as usize].0.municipality)
                .then(a.cmp(b))
        });
        let mut running = 0;
        let mut members = Vec::new();
        for chunk in g
            .entries
            .chunk_by(|a, b| prepared[*a as usize].0.municipality == prepared[*b as usize].0.municipality)
        {
            running += 1;
            let covered: Vec<&(&PortfolioSystem, Option<NaiveDate>, bool)> = chunk
                .iter()
                .map(|i| &prepared[*i as usize])
                .filter(|(_, _, counts)| *counts)
                .collect();
            if covered.is_empty() {
                continue;
            }
            members.push(MemberPart {
                municipality: covered[0].0.municipality.clone(),
                system_ids: covered.iter().map(|(s, _, _)| s.id.clone()).collect(),
                contract_end: covered
                    .iter()
                    .filter_map(|(_, end, _)| *end)
                    .min()
                    .map(|d| d.format("%Y-%m-%d").to_string()),
                yearly_cost_dkk: covered
                    .iter()
                    .map(|(s, _, _)| s.yearly_cost_dkk.unwrap_or(0))
                    .fold(0i64, i64::saturating_add),
            });
        }
        if running < min || members.len() < min {
            continue;
        }
        let ends: Vec<&String> = members.iter().filter_map(|m| m.contract_end.as_ref()).collect();
        out.push(Opportunity {
            overlap: g.overlap,
            label: g.label.1.to_string(),
            running,
            yearly_cost_dkk: members.iter().map(|m| m.yearly_cost_dkk).fold(0, i64::saturating_add),
            first_end: ends.iter().min().map(|s| s.to_string()),
            last_end: ends.iter().max().map(|s| s.to_string()),
            members,
        });
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(b.yearly_cost_dkk.cmp(&a.yearly_cost_dkk))
            .then(a.overlap.cmp(&b.overlap))
            .then(a.label.cmp(&b.label))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::super::Lifecycle;
    use super::*;

    fn sys(code: &str, name: &str, vendor: &str, function: &str, end: Option<&str>, cost: i64) -> PortfolioSystem {
        PortfolioSystem {
            vendor: vendor.into(),
            function: function.into(),
            contract_end: end.map(str::to_string),
            yearly_cost_dkk: Some(cost),
            lifecycle: Lifecycle::Operational,
            ..PortfolioSystem::named(code, name)
        }
    }

    /// Four members. ESDH: three run SBSYS (Fujitsu), one runs Acadre
    /// (Formpipe); three ESDH contracts end within 24 months of
    /// 2026-11-29, Acadre's in 2030. Økonomi: everyone runs KMD Opus, but
    /// only two contracts end in the window. One retired system and one
    /// member-only system never count.
    fn case() -> Vec<PortfolioSystem> {
        let mut retired = sys("0147", "Gammel ESDH", "Fujitsu A/S", "ESDH", Some("2027-01-01"), 999);
        retired.lifecycle = Lifecycle::NotInUse;
        vec![
            sys("0101", "SBSYS", "Fujitsu A/S", "ESDH", Some("2027-03-31"), 900_000),
            sys("0147", "SBSYS", "Fujitsu", "ESDH", Some("2028-06-30"), 400_000),
            sys("0151", "sbsys", "FUJITSU A/S", "ESDH", Some("2027-12-31"), 300_000),
            sys("0153", "Acadre", "Formpipe", "ESDH", Some("2030-01-01"), 250_000),
            sys("0101", "KMD Opus", "KMD A/S", "Økonomi", Some("2027-06-30"), 2_000_000),
            sys("0147", "KMD Opus", "KMD A/S", "Økonomi", Some("2031-06-30"), 500_000),
            sys("0151", "KMD Opus", "KMD A/S", "Økonomi", None, 400_000),
            sys("0153", "KMD Opus", "KMD", "Økonomi", Some("2028-11-29"), 300_000),
            sys(
                "0153",
                "Lokalt bookingsystem",
                "Lille leverandør ApS",
                "Booking",
                Some("2027-01-01"),
                50_000,
            ),
            retired,
        ]
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn the_known_answer_of_the_hand_made_case() {
        let found = find(&case(), &Params::new(today()));
        let summary: Vec<(Overlap, &str, usize, i64)> = found
            .iter()
            .map(|o| (o.overlap, o.label.as_str(), o.members.len(), o.yearly_cost_dkk))
            .collect();
        assert_eq!(
            summary,
            [
                (Overlap::System, "SBSYS", 3, 1_600_000),
                (Overlap::Vendor, "Fujitsu A/S", 3, 1_600_000),
                (Overlap::Function, "ESDH", 3, 1_600_000),
                (Overlap::System, "KMD Opus", 2, 2_300_000),
                (Overlap::Vendor, "KMD A/S", 2, 2_300_000),
                (Overlap::Function, "Økonomi", 2, 2_300_000),
            ]
        );
        let esdh = &found[2];
        assert_eq!(esdh.running, 4, "Acadre runs ESDH too, its contract ends later");
        assert_eq!(
            esdh.members.iter().map(|m| m.municipality.as_str()).collect::<Vec<_>>(),
            ["0101", "0147", "0151"]
        );
        assert_eq!(esdh.headline(4), "3 of 4 members' ESDH contracts end in 2027–2028");
        assert_eq!(found[3].first_end.as_deref(), Some("2027-06-30"));
        assert_eq!(
            found[3].last_end.as_deref(),
            Some("2028-11-29"),
            "the window's last day counts"
        );
    }

    #[test]
    fn without_a_window_every_running_member_counts() {
        let p = Params {
            window_months: None,
            min_members: 4,
            ..Params::new(today())
        };
        let found = find(&case(), &p);
        let labels: Vec<&str> = found.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["KMD Opus", "KMD A/S", "Økonomi", "ESDH"]);
        assert_eq!(found[0].yearly_cost_dkk, 3_200_000);
        assert_eq!(found[3].yearly_cost_dkk, 1_850_000);
        assert_eq!(
            found[0].headline(4),
            "4 of 4 members' KMD Opus contracts end in 2027–2031"
        );
    }

    #[test]
    fn one_member_alone_is_no_opportunity() {
        let p = Params {
            min_members: 1,
            ..Params::new(today())
        };
        assert!(find(&case(), &p).iter().all(|o| o.members.len() >= 2));
        assert!(find(&case()[8..9], &p).is_empty());
    }
}
