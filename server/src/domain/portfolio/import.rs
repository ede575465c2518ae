//! What an import changes in a portfolio, as a pure function: the same
//! current portfolio and the same incoming rows always give the same plan,
//! and applying a plan and importing again gives a plan that changes
//! nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::PortfolioSystem;

/// How complete the incoming rows are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every system the source knows: an imported system (one with a KITOS
    /// usage uuid) that is missing from the rows was removed at the source.
    /// Systems entered by hand are never removed by an import.
    Full,
    /// Only what changed since the last import (KITOS `changedSinceGtEq`);
    /// removals come from the source's delta feed, by id.
    Delta { removed_ids: BTreeSet<String> },
}

/// The outcome of comparing incoming rows with the current portfolio.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub added: Vec<PortfolioSystem>,
    /// (before, after)
    pub changed: Vec<(PortfolioSystem, PortfolioSystem)>,
    pub removed: Vec<PortfolioSystem>,
    pub unchanged: Vec<PortfolioSystem>,
}

impl ImportPlan {
    /// Nothing to write: the portfolio already matches the source.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// "3 added, 1 changed, 1 removed, 295 unchanged".
    pub fn summary(&self) -> String {
        format!(
            "{} added, {} changed, {} removed, {} unchanged",
            self.added.len(),
            self.changed.len(),
            self.removed.len(),
            self.unchanged.len()
        )
    }

    /// The portfolio after the plan is applied, ordered by id.
    pub fn result(&self) -> Vec<PortfolioSystem> {
        let mut out: Vec<PortfolioSystem> = self
            .added
            .iter()
            .chain(self.changed.iter().map(|(_, after)| after))
            .chain(self.unchanged.iter())
            .cloned()
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

/// Compares `incoming` rows with the `current` portfolio of one
/// municipality. Rows match current systems by id. A field the source does
/// not know (the TIME class, which KITOS does not keep) keeps the member's
/// value. When a source lists the same id twice, the last row wins.
pub fn plan(current: &[PortfolioSystem], incoming: Vec<PortfolioSystem>, scope: &Scope) -> ImportPlan {
    let mut rows: BTreeMap<String, PortfolioSystem> = BTreeMap::new();
    for r in incoming {
        rows.insert(r.id.clone(), r);
    }
    let mut plan = ImportPlan::default();
    for cur in current {
        match rows.remove(&cur.id) {
            Some(mut new) => {
                if new.time_class.is_none() {
                    new.time_class = cur.time_class;
                }
                if &new == cur {
                    plan.unchanged.push(cur.clone());
                } else {
                    plan.changed.push((cur.clone(), new));
                }
            }
            None => {
                let gone = match scope {
                    Scope::Full => cur.kitos_usage_uuid.is_some(),
                    Scope::Delta { removed_ids } => removed_ids.contains(&cur.id),
                };
                if gone {
                    plan.removed.push(cur.clone());
                } else {
                    plan.unchanged.push(cur.clone());
                }
            }
        }
    }
    plan.added = rows.into_values().collect();
    plan.changed.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    plan.removed.sort_by(|a, b| a.id.cmp(&b.id));
    plan.unchanged.sort_by(|a, b| a.id.cmp(&b.id));
    plan
}

#[cfg(test)]
mod tests {
    use super::super::{AiUse, TimeClass};
    use super::*;

    fn kitos(id: &str, name: &str) -> PortfolioSystem {
        PortfolioSystem {
            id: id.into(),
            kitos_usage_uuid: Some(id.into()),
            ..PortfolioSystem::named("0101", name)
        }
    }

    #[test]
    fn added_changed_removed_unchanged() {
        let mut by_hand = PortfolioSystem::named("0101", "Regneark over vikarer");
        by_hand.time_class = Some(TimeClass::Eliminate);
        let mut esdh = kitos("u1", "SBSYS");
        esdh.time_class = Some(TimeClass::Invest);
        let current = vec![
            esdh.clone(),
            kitos("u2", "KMD Opus"),
            kitos("u3", "Gammelt system"),
            by_hand.clone(),
        ];

        let mut esdh_now = kitos("u1", "SBSYS");
        esdh_now.ai = AiUse::Yes;
        let incoming = vec![esdh_now, kitos("u2", "KMD Opus"), kitos("u4", "Aula")];
        let p = plan(&current, incoming.clone(), &Scope::Full);

        assert_eq!(p.summary(), "1 added, 1 changed, 1 removed, 2 unchanged");
        assert_eq!(p.added[0].name, "Aula");
        let (before, after) = &p.changed[0];
        assert_eq!((before.ai, after.ai), (AiUse::Undecided, AiUse::Yes));
        assert_eq!(after.time_class, Some(TimeClass::Invest), "KITOS keeps no TIME class");
        assert_eq!(p.removed[0].name, "Gammelt system");
        assert!(p.unchanged.contains(&by_hand), "hand-entered systems stay");

        let again = plan(&p.result(), incoming, &Scope::Full);
        assert!(again.is_noop(), "{}", again.summary());
        assert_eq!(again.unchanged.len(), 4);
    }

    #[test]
    fn a_delta_removes_only_what_the_feed_names() {
        let current = vec![kitos("u1", "A"), kitos("u2", "B"), kitos("u3", "C")];
        let scope = Scope::Delta {
            removed_ids: ["u3".to_string(), "u9".to_string()].into(),
        };
        let mut b = kitos("u2", "B");
        b.vendor = "Netcompany".into();
        let p = plan(&current, vec![b], &scope);
        assert_eq!(p.summary(), "0 added, 1 changed, 1 removed, 1 unchanged");
        assert_eq!(p.removed[0].id, "u3");
        assert_eq!(p.unchanged[0].id, "u1");
    }

    #[test]
    fn the_last_row_for_an_id_wins() {
        let p = plan(&[], vec![kitos("u1", "Old"), kitos("u1", "New")], &Scope::Full);
        assert_eq!(p.added.len(), 1);
        assert_eq!(p.added[0].name, "New");
    }
}
