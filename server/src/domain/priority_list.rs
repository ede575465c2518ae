//! The shared priority list (DESIGN.md §5): how a closed round changes the
//! cooperation's ordered list of adopted proposals. Pure functions; the store
//! persists the returned list and bumps the revision.

use std::collections::{HashMap, HashSet};

/// The outcome of applying a round to the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListChange {
    /// The new full list; rank = index + 1.
    pub items: Vec<String>,
    /// Newly adopted proposals, in the order they were appended.
    pub adopted: Vec<String>,
    /// Eligible proposals passed over because their cost did not fit the
    /// remaining budget when their turn came.
    pub skipped_for_budget: Vec<String>,
}

/// `YES_NO`: adopted candidates not already on the list are appended in
/// candidate order.
pub fn apply_yes_no(list: &[String], adopted_in_candidate_order: &[String]) -> ListChange {
    let mut on_list: HashSet<&str> = list.iter().map(String::as_str).collect();
    let adopted: Vec<String> = adopted_in_candidate_order
        .iter()
        .filter(|id| on_list.insert(id.as_str()))
        .cloned()
        .collect();
    let mut items = list.to_vec();
    items.extend(adopted.iter().cloned());
    ListChange {
        items,
        adopted,
        skipped_for_budget: Vec::new(),
    }
}

/// Ranking round (`APPROVAL`, `SCORE`, `BORDA`, `SCHULZE`).
///
/// Round candidates already on the list keep the *set* of positions they held
/// and are re-ordered among those positions by `result_order`; items not in
/// the round never move. Then, with a `budget` (DKK), the `submitted`
/// candidates — those not on the list and eligible for adoption, as
/// `(id, cost_dkk)` — are walked in result order and adopted while their cost
/// fits what is left; one that does not fit is skipped and later, cheaper ones
/// may still fit. The adopted are appended in result order. Without a budget a
/// ranking round adopts nothing.
///
/// A negative cost is treated as never fitting, so bad data can neither be
/// adopted for free nor enlarge the budget.
pub fn apply_ranking(
    list: &[String],
    result_order: &[String],
    submitted: &[(String, i64)],
    budget: Option<i64>,
) -> ListChange {
    let mut result_rank: HashMap<&str, usize> = HashMap::with_capacity(result_order.len());
    for (rank, id) in result_order.iter().enumerate() {
        result_rank.entry(id.as_str()).or_insert(rank);
    }

    // Stable re-rank: the positions held by round candidates, in list order,
    // are refilled with the same items sorted by their result rank.
    let mut items = list.to_vec();
    let held: Vec<usize> = (0..list.len())
        .filter(|&pos| result_rank.contains_key(list[pos].as_str()))
        .collect();
    let mut reordered: Vec<&String> = held.iter().map(|&pos| &list[pos]).collect();
    reordered.sort_by_key(|id| result_rank[id.as_str()]);
    for (&pos, id) in held.iter().zip(reordered) {
        items[pos] = id.clone();
    }

    let mut adopted = Vec::new();
    let mut skipped_for_budget = Vec::new();
    if let Some(budget) = budget {
        let costs: HashMap<&str, i64> = submitted.iter().map(|(id, cost)| (id.as_str(), *cost)).collect();
        let mut taken: HashSet<&str> = list.iter().map(String::as_str).collect();
        let mut remaining = budget;
        for id in result_order {
            let Some(&cost) = costs.get(id.as_str()) else {
                continue;
            };
            if !taken.insert(id.as_str()) {
                continue;
            }
            match remaining.checked_sub(cost) {
                Some(left) if cost >= 0 && left >= 0 => {
                    remaining = left;
                    adopted.push(id.clone());
                }
                _ => skipped_for_budget.push(id.clone()),
            }
        }
    }
    items.extend(adopted.iter().cloned());

    ListChange {
        items,
        adopted,
        skipped_for_budget,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn costs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
        list.iter().map(|(id, c)| ((*id).to_owned(), *c)).collect()
    }

    #[test]
    fn yes_no_appends_newly_adopted_in_candidate_order_without_duplicates() {
        let change = apply_yes_no(&ids(&["a", "b"]), &ids(&["d", "b", "c", "d"]));
        assert_eq!(change.items, ids(&["a", "b", "d", "c"]));
        assert_eq!(change.adopted, ids(&["d", "c"]));
        assert!(change.skipped_for_budget.is_empty());
    }

    #[test]
    fn yes_no_with_nothing_adopted_leaves_list_alone() {
        let change = apply_yes_no(&ids(&["a", "b"]), &[]);
        assert_eq!(change.items, ids(&["a", "b"]));
        assert!(change.adopted.is_empty());
    }

    #[test]
    fn ranking_reorders_round_items_within_their_positions_only() {
        // b, d, f are in the round and hold positions 2, 4, 6; the result puts
        // f first, then b, then d. a, c, e, g never move.
        let list = ids(&["a", "b", "c", "d", "e", "f", "g"]);
        let change = apply_ranking(&list, &ids(&["f", "b", "x", "d"]), &[], None);
        assert_eq!(change.items, ids(&["a", "f", "c", "b", "e", "d", "g"]));
        assert!(change.adopted.is_empty());
        assert!(change.skipped_for_budget.is_empty());
    }

    #[test]
    fn ranking_without_budget_adopts_nothing() {
        let change = apply_ranking(&ids(&["a"]), &ids(&["x", "a"]), &costs(&[("x", 1)]), None);
        assert_eq!(change.items, ids(&["a"]));
        assert!(change.adopted.is_empty());
    }

    #[test]
    fn ranking_appends_adopted_in_result_order() {
        let change = apply_ranking(
            &ids(&["a", "b"]),
            &ids(&["y", "b", "x", "a", "z"]),
            &costs(&[("x", 10), ("y", 10), ("z", 10)]),
            Some(30),
        );
        assert_eq!(change.items, ids(&["b", "a", "y", "x", "z"]));
        assert_eq!(change.adopted, ids(&["y", "x", "z"]));
    }

    #[test]
    fn budget_skips_what_does_not_fit_and_later_cheaper_ones_still_fit() {
        let change = apply_ranking(
            &[],
            &ids(&["p", "q", "r", "s"]),
            &costs(&[("p", 600), ("q", 500), ("r", 400), ("s", 0)]),
            Some(1_000),
        );
        assert_eq!(change.adopted, ids(&["p", "r", "s"]));
        assert_eq!(change.skipped_for_budget, ids(&["q"]));
        assert_eq!(change.items, ids(&["p", "r", "s"]));
    }

    #[test]
    fn exact_fit_is_adopted() {
        let change = apply_ranking(&[], &ids(&["p"]), &costs(&[("p", 1_000)]), Some(1_000));
        assert_eq!(change.adopted, ids(&["p"]));
    }

    #[test]
    fn only_submitted_candidates_not_on_the_list_are_adopted() {
        // a is on the list already; n is in the round but not eligible.
        let change = apply_ranking(
            &ids(&["a"]),
            &ids(&["n", "a", "x"]),
            &costs(&[("a", 1), ("x", 1)]),
            Some(100),
        );
        assert_eq!(change.items, ids(&["a", "x"]));
        assert_eq!(change.adopted, ids(&["x"]));
    }

    #[test]
    fn hostile_costs_and_budgets_do_not_panic_or_grow_the_budget() {
        let change = apply_ranking(
            &[],
            &ids(&["neg", "huge", "ok", "min"]),
            &costs(&[("neg", -5), ("huge", i64::MAX), ("ok", 10), ("min", i64::MIN)]),
            Some(10),
        );
        assert_eq!(change.adopted, ids(&["ok"]));
        assert_eq!(change.skipped_for_budget, ids(&["neg", "huge", "min"]));

        let change = apply_ranking(&[], &ids(&["a"]), &costs(&[("a", 1)]), Some(i64::MIN));
        assert!(change.adopted.is_empty());
        let change = apply_ranking(&[], &ids(&["a"]), &costs(&[("a", 0)]), Some(-1));
        assert!(change.adopted.is_empty());
    }

    #[test]
    fn duplicates_in_inputs_keep_the_list_length() {
        let change = apply_ranking(&ids(&["a", "b", "a"]), &ids(&["b", "a", "b"]), &[], None);
        assert_eq!(change.items, ids(&["b", "a", "a"]));
    }
}
