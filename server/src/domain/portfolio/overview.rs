//! The portfolio overview (DESIGN.md §12), the board's portfolio follow-up
//! view: systems by TIME class, AI systems, systems with personal data and
//! contracts ending by year, per member and for the whole cooperation. Only
//! systems in use are counted; retired ones are counted apart.

use std::collections::BTreeMap;

use super::{AiUse, PortfolioSystem, TimeClass};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// Systems in use.
    pub systems: usize,
    /// Systems no longer in use (lifecycle `NOT_IN_USE`).
    pub retired: usize,
    /// By TIME class; systems without one under `None`.
    pub by_time_class: BTreeMap<Option<TimeClass>, usize>,
    pub ai_yes: usize,
    pub ai_undecided: usize,
    pub personal_data: usize,
    /// Contracts ending, by calendar year.
    pub contracts_ending_by_year: BTreeMap<i32, usize>,
    /// Systems whose contract end is unknown.
    pub contract_end_unknown: usize,
    /// Sum of the known yearly costs.
    pub yearly_cost_dkk: i64,
}

/// The overview of some systems (one member's, or a whole cooperation's).
pub fn overview<'a>(systems: impl IntoIterator<Item = &'a PortfolioSystem>) -> Overview {
    let mut o = Overview::default();
    for s in systems {
        if !s.in_use() {
            o.retired += 1;
            continue;
        }
        o.systems += 1;
        *o.by_time_class.entry(s.time_class).or_default() += 1;
        match s.ai {
            AiUse::Yes => o.ai_yes += 1,
            AiUse::Undecided => o.ai_undecided += 1,
            AiUse::No => {}
        }
        if s.personal_data {
            o.personal_data += 1;
        }
        match s
            .contract_end
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse().ok())
        {
            Some(year) => *o.contracts_ending_by_year.entry(year).or_default() += 1,
            None => o.contract_end_unknown += 1,
        }
        o.yearly_cost_dkk = o.yearly_cost_dkk.saturating_add(s.yearly_cost_dkk.unwrap_or(0));
    }
    o
}

/// The cooperation's overview and each member's, by municipality code.
pub fn by_member(systems: &[PortfolioSystem]) -> (Overview, BTreeMap<String, Overview>) {
    let mut groups: BTreeMap<&str, Vec<&PortfolioSystem>> = BTreeMap::new();
    for s in systems {
        groups.entry(&s.municipality).or_default().push(s);
    }
    let members = groups
        .into_iter()
        .map(|(code, list)| (code.to_string(), overview(list)))
        .collect();
    (overview(systems), members)
}

#[cfg(test)]
mod tests {
    use super::super::Lifecycle;
    use super::*;

    #[test]
    fn counts_of_a_hand_made_portfolio() {
        let mk = |code: &str,
                  name: &str,
                  time: Option<TimeClass>,
                  ai: AiUse,
                  pd: bool,
                  end: Option<&str>,
                  cost: Option<i64>| {
            PortfolioSystem {
                time_class: time,
                ai,
                personal_data: pd,
                contract_end: end.map(str::to_string),
                yearly_cost_dkk: cost,
                lifecycle: Lifecycle::Operational,
                ..PortfolioSystem::named(code, name)
            }
        };
        let mut retired = mk(
            "0147",
            "Gammel",
            Some(TimeClass::Eliminate),
            AiUse::Yes,
            true,
            None,
            Some(5),
        );
        retired.lifecycle = Lifecycle::NotInUse;
        let systems = vec![
            mk(
                "0101",
                "SBSYS",
                Some(TimeClass::Migrate),
                AiUse::No,
                true,
                Some("2027-03-31"),
                Some(900_000),
            ),
            mk(
                "0101",
                "Chatbot",
                Some(TimeClass::Invest),
                AiUse::Yes,
                true,
                Some("2027-12-31"),
                Some(100_000),
            ),
            mk("0101", "Intranet", None, AiUse::Undecided, false, None, None),
            mk(
                "0147",
                "SBSYS",
                Some(TimeClass::Migrate),
                AiUse::No,
                true,
                Some("2028-06-30"),
                Some(400_000),
            ),
            retired,
        ];
        let (all, members) = by_member(&systems);
        assert_eq!((all.systems, all.retired), (4, 1));
        assert_eq!(all.by_time_class[&Some(TimeClass::Migrate)], 2);
        assert_eq!(all.by_time_class[&Some(TimeClass::Invest)], 1);
        assert_eq!(all.by_time_class[&None], 1);
        assert!(!all.by_time_class.contains_key(&Some(TimeClass::Eliminate)));
        assert_eq!((all.ai_yes, all.ai_undecided, all.personal_data), (1, 1, 3));
        assert_eq!(all.contracts_ending_by_year, BTreeMap::from([(2027, 2), (2028, 1)]));
        assert_eq!(all.contract_end_unknown, 1);
        assert_eq!(all.yearly_cost_dkk, 1_400_000);
        assert_eq!(members["0101"].systems, 3);
        assert_eq!((members["0147"].systems, members["0147"].retired), (1, 1));
    }
}
