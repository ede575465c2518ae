//! From KITOS's DTOs to portfolio records, as pure functions.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::dto;
use crate::domain::portfolio::{AiUse, Lifecycle, MAX_YEARLY_COST_DKK, PortfolioSystem};

/// What KITOS knows about one organisation, fetched in a few paged reads.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub organization: Option<dto::Organization>,
    /// The usages listed (all of them, or those changed since a time).
    pub usages: Vec<dto::ItSystemUsage>,
    /// The IT systems used in the organisation, by uuid.
    pub systems: HashMap<String, dto::ItSystem>,
    /// The organisation's contracts, by uuid.
    pub contracts: HashMap<String, dto::ItContract>,
    /// Usages deleted since the time asked for (from the delta feed).
    pub deleted_usages: Vec<String>,
}

/// The date part of a KITOS timestamp (`2027-06-30T00:00:00` or
/// `2027-06-30T00:00:00Z`).
pub fn date_of(ts: &str) -> Option<NaiveDate> {
    ts.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn lifecycle(v: &dto::ItSystemUsageValidity, today: NaiveDate) -> Lifecycle {
    // A usage outside its validity period is not in use, whatever its
    // status says; one whose period has not begun is being phased in.
    if v.valid_to.as_deref().and_then(date_of).is_some_and(|to| to < today) {
        return Lifecycle::NotInUse;
    }
    if v.valid_from
        .as_deref()
        .and_then(date_of)
        .is_some_and(|from| from > today)
    {
        return Lifecycle::PhasingIn;
    }
    match v.life_cycle_status.as_deref() {
        Some("NotInUse") => Lifecycle::NotInUse,
        Some("PhasingIn") => Lifecycle::PhasingIn,
        Some("Operational") => Lifecycle::Operational,
        Some("PhasingOut") => Lifecycle::PhasingOut,
        _ => Lifecycle::Undecided,
    }
}

fn ai(choice: Option<&str>) -> AiUse {
    match choice {
        Some("Yes") => AiUse::Yes,
        Some("No") => AiUse::No,
        _ => AiUse::Undecided,
    }
}

/// The end of a contract: its termination date if it was terminated
/// earlier, else the end of its validity.
fn contract_end(c: &dto::ItContract) -> Option<NaiveDate> {
    let valid_to = c.general.validity.valid_to.as_deref().and_then(date_of);
    let terminated = c
        .termination
        .as_ref()
        .and_then(|t| t.terminated_at.as_deref())
        .and_then(date_of);
    match (valid_to, terminated) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The contract's yearly operating cost shared evenly among the system
/// usages it covers, so that a contract for three systems is not counted
/// three times.
fn yearly_cost_share(c: &dto::ItContract) -> Option<i64> {
    let p = c.payments.as_ref()?;
    if p.external.is_empty() && p.internal.is_empty() {
        return None;
    }
    let total: i64 = p
        .external
        .iter()
        .chain(&p.internal)
        .map(|x| x.operation.clamp(0, MAX_YEARLY_COST_DKK))
        .fold(0i64, |a, b| a.saturating_add(b));
    let n = c.system_usages.len().max(1) as i64;
    Some((total / n).min(MAX_YEARLY_COST_DKK))
}

/// One KITOS usage as a portfolio system of `municipality`. The TIME class
/// is left unset: KITOS does not keep one, and the import keeps the
/// member's own.
pub fn usage_to_system(municipality: &str, u: &dto::ItSystemUsage, s: &Snapshot, today: NaiveDate) -> PortfolioSystem {
    let system = s.systems.get(&u.system_context.uuid);
    let contract = u.general.main_contract.as_ref().and_then(|c| s.contracts.get(&c.uuid));
    let vendor = system
        .and_then(|x| x.rights_holder.as_ref())
        .map(|o| o.name.clone())
        .or_else(|| {
            contract
                .and_then(|c| c.supplier.as_ref())
                .and_then(|sup| sup.organization.as_ref())
                .map(|o| o.name.clone())
        })
        .unwrap_or_default();
    let personal_data = u.gdpr.as_ref().is_some_and(|g| {
        g.data_sensitivity_levels
            .iter()
            .any(|l| matches!(l.as_str(), "PersonData" | "SensitiveData" | "LegalData"))
    });
    let contract_end = contract
        .and_then(contract_end)
        .or_else(|| u.general.validity.valid_to.as_deref().and_then(date_of));
    PortfolioSystem {
        id: u.uuid.clone(),
        municipality: municipality.to_string(),
        name: system
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.system_context.name.clone())
            .trim()
            .to_string(),
        vendor: vendor.trim().to_string(),
        kitos_system_uuid: Some(u.system_context.uuid.clone()),
        kitos_usage_uuid: Some(u.uuid.clone()),
        function: system
            .and_then(|x| x.business_type.as_ref())
            .map(|b| b.name.trim().to_string())
            .unwrap_or_default(),
        lifecycle: lifecycle(&u.general.validity, today),
        contract_end: contract_end.map(|d| d.format("%Y-%m-%d").to_string()),
        yearly_cost_dkk: contract.and_then(yearly_cost_share),
        ai: ai(u.general.contains_ai_technology.as_deref()),
        personal_data,
        time_class: None,
    }
}

/// Every usage of the snapshot as portfolio systems, ordered by id.
pub fn to_portfolio(municipality: &str, s: &Snapshot, today: NaiveDate) -> Vec<PortfolioSystem> {
    let mut out: Vec<PortfolioSystem> = s
        .usages
        .iter()
        .map(|u| usage_to_system(municipality, u, s, today))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
