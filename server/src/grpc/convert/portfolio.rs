//! Conversions of the portfolio's wire types (`portfolio.proto`).

use std::collections::BTreeMap;

use samprio_proto::v1 as pb;

use super::{enum_value, etag};
use crate::domain::Error;
use crate::domain::portfolio::opportunities::{Opportunity, Overlap};
use crate::domain::portfolio::overview::Overview;
use crate::domain::portfolio::shared::{Affected, Relation};
use crate::domain::portfolio::systems::ImportReport;
use crate::domain::portfolio::{AiUse, Lifecycle, PortfolioSystem, TimeClass};

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(t.to_string()) }
}

pub fn lifecycle(field: &str, v: i32) -> Result<Lifecycle, Error> {
    Ok(match enum_value::<pb::Lifecycle>(field, v)? {
        pb::Lifecycle::Unspecified | pb::Lifecycle::Undecided => Lifecycle::Undecided,
        pb::Lifecycle::PhasingIn => Lifecycle::PhasingIn,
        pb::Lifecycle::Operational => Lifecycle::Operational,
        pb::Lifecycle::PhasingOut => Lifecycle::PhasingOut,
        pb::Lifecycle::NotInUse => Lifecycle::NotInUse,
    })
}

fn lifecycle_pb(l: Lifecycle) -> pb::Lifecycle {
    match l {
        Lifecycle::Undecided => pb::Lifecycle::Undecided,
        Lifecycle::PhasingIn => pb::Lifecycle::PhasingIn,
        Lifecycle::Operational => pb::Lifecycle::Operational,
        Lifecycle::PhasingOut => pb::Lifecycle::PhasingOut,
        Lifecycle::NotInUse => pb::Lifecycle::NotInUse,
    }
}

/// `None` for UNSPECIFIED.
pub fn ai(field: &str, v: i32) -> Result<Option<AiUse>, Error> {
    Ok(match enum_value::<pb::AiUse>(field, v)? {
        pb::AiUse::Unspecified => None,
        pb::AiUse::Yes => Some(AiUse::Yes),
        pb::AiUse::No => Some(AiUse::No),
        pb::AiUse::Undecided => Some(AiUse::Undecided),
    })
}

fn ai_pb(a: AiUse) -> pb::AiUse {
    match a {
        AiUse::Yes => pb::AiUse::Yes,
        AiUse::No => pb::AiUse::No,
        AiUse::Undecided => pb::AiUse::Undecided,
    }
}

/// `None` for UNSPECIFIED.
pub fn time_class(field: &str, v: i32) -> Result<Option<TimeClass>, Error> {
    Ok(match enum_value::<pb::TimeClass>(field, v)? {
        pb::TimeClass::Unspecified => None,
        pb::TimeClass::Tolerate => Some(TimeClass::Tolerate),
        pb::TimeClass::Invest => Some(TimeClass::Invest),
        pb::TimeClass::Migrate => Some(TimeClass::Migrate),
        pb::TimeClass::Eliminate => Some(TimeClass::Eliminate),
    })
}

fn time_class_pb(t: Option<TimeClass>) -> pb::TimeClass {
    match t {
        None => pb::TimeClass::Unspecified,
        Some(TimeClass::Tolerate) => pb::TimeClass::Tolerate,
        Some(TimeClass::Invest) => pb::TimeClass::Invest,
        Some(TimeClass::Migrate) => pb::TimeClass::Migrate,
        Some(TimeClass::Eliminate) => pb::TimeClass::Eliminate,
    }
}

pub fn overlap(field: &str, v: i32) -> Result<Overlap, Error> {
    match enum_value::<pb::Overlap>(field, v)? {
        pb::Overlap::Unspecified => Err(Error::invalid(field, "is required")),
        pb::Overlap::System => Ok(Overlap::System),
        pb::Overlap::Vendor => Ok(Overlap::Vendor),
        pb::Overlap::Function => Ok(Overlap::Function),
    }
}

fn overlap_pb(o: Overlap) -> pb::Overlap {
    match o {
        Overlap::System => pb::Overlap::System,
        Overlap::Vendor => pb::Overlap::Vendor,
        Overlap::Function => pb::Overlap::Function,
    }
}

/// A system's fields from a request; municipality and id are the
/// operation's to set.
pub fn system_fields(field: &str, f: Option<pb::SystemFields>) -> Result<PortfolioSystem, Error> {
    let f = f.ok_or_else(|| Error::invalid(field, "is required"))?;
    let mut s = PortfolioSystem::named("", &f.name);
    s.vendor = f.vendor;
    s.kitos_system_uuid = non_empty(f.kitos_system_uuid);
    s.kitos_usage_uuid = non_empty(f.kitos_usage_uuid);
    s.function = f.function;
    s.lifecycle = lifecycle(&format!("{field}.lifecycle"), f.lifecycle)?;
    s.contract_end = non_empty(f.contract_end);
    s.yearly_cost_dkk = f.yearly_cost_dkk;
    s.ai = ai(&format!("{field}.ai"), f.ai)?.unwrap_or(AiUse::Undecided);
    s.personal_data = f.personal_data;
    s.time_class = time_class(&format!("{field}.time_class"), f.time_class)?;
    Ok(s)
}

pub fn system((version, s): (u64, PortfolioSystem)) -> pb::PortfolioSystem {
    pb::PortfolioSystem {
        id: s.id,
        municipality: s.municipality,
        fields: Some(pb::SystemFields {
            name: s.name,
            vendor: s.vendor,
            kitos_system_uuid: s.kitos_system_uuid.unwrap_or_default(),
            kitos_usage_uuid: s.kitos_usage_uuid.unwrap_or_default(),
            function: s.function,
            lifecycle: lifecycle_pb(s.lifecycle) as i32,
            contract_end: s.contract_end.unwrap_or_default(),
            yearly_cost_dkk: s.yearly_cost_dkk,
            ai: ai_pb(s.ai) as i32,
            personal_data: s.personal_data,
            time_class: time_class_pb(s.time_class) as i32,
        }),
        etag: if version == 0 { String::new() } else { etag(version) },
    }
}

pub fn import_report(r: ImportReport) -> pb::ImportReport {
    pb::ImportReport {
        nothing_changed: r.nothing_changed(),
        source: r.source,
        incremental: r.incremental,
        added: r.added,
        changed: r.changed,
        removed: r.removed,
        unchanged: r.unchanged,
        summary: r.summary,
    }
}

fn counts(o: Overview) -> pb::PortfolioCounts {
    pb::PortfolioCounts {
        systems: o.systems as u32,
        retired: o.retired as u32,
        by_time_class: o
            .by_time_class
            .into_iter()
            .map(|(t, n)| pb::TimeClassCount {
                time_class: time_class_pb(t) as i32,
                systems: n as u32,
            })
            .collect(),
        ai_yes: o.ai_yes as u32,
        ai_undecided: o.ai_undecided as u32,
        personal_data: o.personal_data as u32,
        contracts_ending_by_year: o
            .contracts_ending_by_year
            .into_iter()
            .map(|(year, n)| pb::YearCount {
                year,
                systems: n as u32,
            })
            .collect(),
        contract_end_unknown: o.contract_end_unknown as u32,
        yearly_cost_dkk: o.yearly_cost_dkk,
    }
}

pub fn overview((all, members): (Overview, BTreeMap<String, Overview>)) -> pb::PortfolioOverview {
    pb::PortfolioOverview {
        overview: Some(counts(all)),
        members: members
            .into_iter()
            .map(|(municipality, o)| pb::MemberOverview {
                municipality,
                overview: Some(counts(o)),
            })
            .collect(),
    }
}

pub fn opportunity(o: Opportunity, member_count: usize) -> pb::Opportunity {
    pb::Opportunity {
        headline: o.headline(member_count),
        overlap: overlap_pb(o.overlap) as i32,
        label: o.label,
        members: o
            .members
            .into_iter()
            .map(|m| pb::MemberPart {
                municipality: m.municipality,
                system_ids: m.system_ids,
                contract_end: m.contract_end.unwrap_or_default(),
                yearly_cost_dkk: m.yearly_cost_dkk,
            })
            .collect(),
        running: o.running as u32,
        yearly_cost_dkk: o.yearly_cost_dkk,
        first_end: o.first_end.unwrap_or_default(),
        last_end: o.last_end.unwrap_or_default(),
    }
}

pub fn affected(a: Affected) -> pb::AffectedSystem {
    pb::AffectedSystem {
        municipality: a.municipality,
        member_name: a.member_name,
        relation: match a.relation {
            Relation::Linked => pb::Relation::Linked,
            Relation::SameSystem => pb::Relation::SameSystem,
            Relation::SameFunction => pb::Relation::SameFunction,
        } as i32,
        system: Some(system((0, a.system))),
    }
}
