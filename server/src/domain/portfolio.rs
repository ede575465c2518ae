//! A municipality's portfolio of IT systems (DESIGN.md §12): the record, and
//! the pure functions over it (the import diff, the CSV template, shared
//! opportunities and the overview). The records live in `model::portfolio`,
//! where the store finds them.
//!
//! A portfolio belongs to a municipality, not to one cooperation: a member of
//! two cooperations keeps one register of its systems, read by the partners
//! of both.

pub mod csv_template;
pub mod import;
pub mod kitos_import;
pub mod opportunities;
pub mod overview;
pub mod shared;
pub mod systems;

pub use super::model::portfolio::{
    AiUse, Lifecycle, MAX_YEARLY_COST_DKK, PortfolioImport, PortfolioSystem, SystemRef, TimeClass, derived_id,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_loosely_and_print_exactly() {
        assert_eq!(Lifecycle::parse("phasing-out"), Some(Lifecycle::PhasingOut));
        assert_eq!(TimeClass::parse(" invest "), Some(TimeClass::Invest));
        assert_eq!(AiUse::parse("maybe"), None);
        assert_eq!(Lifecycle::NotInUse.to_string(), "NOT_IN_USE");
    }

    #[test]
    fn derived_ids_ignore_case_and_spacing() {
        assert_eq!(
            derived_id("0101", "SBSYS", "Fujitsu"),
            derived_id("0101", " sbsys", "FUJITSU ")
        );
        assert_ne!(derived_id("0101", "SBSYS", ""), derived_id("0147", "SBSYS", ""));
    }
}
