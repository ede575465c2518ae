//! Operations on a member's portfolio: its systems written by the member's
//! digital lead or board, read by every partner, each change an event in
//! the log of every cooperation the municipality is a member of (the one it
//! is made through first).
//!
//! Every call names a cooperation and a municipality: the portfolio is the
//! municipality's, and the cooperation is the partnership through which the
//! caller sees it (the owner must be one of its members).

use super::csv_template::{self, CsvProblem};
use super::import::{self, ImportPlan, Scope};
use super::{AiUse, MAX_YEARLY_COST_DKK, PortfolioImport, PortfolioSystem, TimeClass, derived_id};
use crate::begin_write;
use crate::domain::authz;
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result, Violations};
use crate::domain::etag::check_etag;
use crate::domain::model::{Member, NewEvent};
use crate::domain::page;
use crate::domain::validate as v;
use crate::domain::write::{Ctx, Write};
use crate::store::{Store, StoreTx, SystemFilter};

pub use crate::store::portfolio::Versioned;

/// Where an import came from, as its record and event say.
pub const SOURCE_KITOS: &str = "KITOS";
pub const SOURCE_CSV: &str = "CSV";

/// Checks a system's fields; `prefix` names the request field that holds it.
pub fn validate_system(s: &PortfolioSystem, prefix: &str) -> Result<()> {
    let mut vs = Violations::default();
    let f = |name: &str| format!("{prefix}.{name}");
    vs.check(&f("name"), v::required_text(&s.name, 200));
    vs.check(&f("vendor"), v::max_len(&s.vendor, 200));
    vs.check(&f("function"), v::max_len(&s.function, 200));
    for (name, value) in [
        ("kitos_system_uuid", &s.kitos_system_uuid),
        ("kitos_usage_uuid", &s.kitos_usage_uuid),
    ] {
        if let Some(u) = value
            && uuid::Uuid::parse_str(u).is_err()
        {
            vs.add(f(name), "must be a uuid, as KITOS writes them");
        }
    }
    if let Some(d) = &s.contract_end {
        vs.check(&f("contract_end"), v::iso_date(d));
    }
    if let Some(c) = s.yearly_cost_dkk {
        vs.check(&f("yearly_cost_dkk"), v::bounded(c, MAX_YEARLY_COST_DKK));
    }
    vs.finish()
}

fn municipality_code(code: &str) -> Result<()> {
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "municipality",
            "must be a municipality code of 4 digits, such as \"0101\"",
        ))
    }
}

fn system_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid("id", "is required"));
    }
    v::max_len(id, 100).map_err(|d| Error::invalid("id", d))
}

/// The member whose portfolio is read through `cooperation`, after checking
/// that the caller may read the cooperation.
pub async fn readable_member(tx: &mut dyn StoreTx, ctx: &Ctx, cooperation: &str, municipality: &str) -> Result<Member> {
    municipality_code(municipality)?;
    readable(tx, ctx, cooperation).await?;
    tx.get_member(cooperation, municipality)
        .await?
        .ok_or_else(|| Error::not_found("member", format!("{municipality} of cooperation {cooperation}")))
}

/// Starts a change of `municipality`'s portfolio through `cooperation`:
/// the cooperation must exist and the caller must be allowed to write.
async fn writable(w: &mut Write<'_>, ctx: &Ctx, cooperation: &str, municipality: &str) -> Result<()> {
    if w.tx.get_cooperation(cooperation).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation));
    }
    let owner = w.tx.get_member(cooperation, municipality).await?;
    authz::write_portfolio(&ctx.principal, municipality, owner.as_ref())
}

/// A change of `municipality`'s portfolio is an event in the log of every
/// cooperation it is a current member of, the one the call went through
/// first: each partnership's watchers, views and overview see the change,
/// whichever partnership it was made through.
async fn portfolio_event<P: serde::Serialize + ?Sized>(
    w: &mut Write<'_>,
    action: &'static str,
    subject: String,
    through: &str,
    municipality: &str,
    payload: &P,
) -> Result<()> {
    let others = w.tx.member_cooperations(municipality).await?;
    for cooperation in std::iter::once(through).chain(others.iter().map(String::as_str).filter(|c| *c != through)) {
        w.event(NewEvent::new(action, subject.clone(), cooperation, payload)?)
            .await?;
    }
    Ok(())
}

fn required(cooperation: &str) -> Result<()> {
    if cooperation.is_empty() {
        Err(Error::invalid("cooperation_id", "is required"))
    } else {
        Ok(())
    }
}

fn subject(s: &PortfolioSystem) -> String {
    format!("portfolios/{}/systems/{}", s.municipality, s.id)
}

fn trimmed(mut s: PortfolioSystem) -> PortfolioSystem {
    s.name = s.name.trim().to_string();
    s.vendor = s.vendor.trim().to_string();
    s.function = s.function.trim().to_string();
    s
}

/// Adds a system. Its id is its KITOS usage uuid when given, else derived
/// from name and vendor; a system with that id already there is
/// `ALREADY_EXISTS`.
#[tracing::instrument(skip_all, fields(cooperation, municipality))]
pub async fn create(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    system: PortfolioSystem,
) -> Result<Versioned> {
    required(cooperation)?;
    municipality_code(municipality)?;
    validate_system(&system, "system")?;
    let mut w = begin_write!(store, ctx, "CreateSystem");
    writable(&mut w, ctx, cooperation, municipality).await?;
    let mut s = trimmed(system);
    s.municipality = municipality.to_string();
    s.id = match &s.kitos_usage_uuid {
        Some(u) => u.clone(),
        None => derived_id(municipality, &s.name, &s.vendor),
    };
    if w.tx.get_system(municipality, &s.id).await?.is_some() {
        return Err(Error::AlreadyExists(format!(
            "{municipality}'s portfolio already has a system {} ({}); update it instead",
            s.name, s.id
        )));
    }
    portfolio_event(
        &mut w,
        "portfolio.system_created",
        subject(&s),
        cooperation,
        municipality,
        &s,
    )
    .await?;
    w.tx.insert_system(&s).await?;
    w.finish((1, s)).await
}

/// Replaces a system's fields (its id stays). Takes an etag.
#[tracing::instrument(skip_all, fields(cooperation, municipality, id))]
pub async fn update(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    id: &str,
    system: PortfolioSystem,
    etag: &str,
) -> Result<Versioned> {
    required(cooperation)?;
    municipality_code(municipality)?;
    system_id(id)?;
    validate_system(&system, "system")?;
    let mut w = begin_write!(store, ctx, "UpdateSystem");
    writable(&mut w, ctx, cooperation, municipality).await?;
    let (version, _) =
        w.tx.get_system(municipality, id)
            .await?
            .ok_or_else(|| Error::not_found("system", format!("{municipality}:{id}")))?;
    check_etag(etag, version)?;
    let mut s = trimmed(system);
    s.municipality = municipality.to_string();
    s.id = id.to_string();
    portfolio_event(
        &mut w,
        "portfolio.system_updated",
        subject(&s),
        cooperation,
        municipality,
        &s,
    )
    .await?;
    w.tx.update_system(&s, version + 1).await?;
    w.finish((version + 1, s)).await
}

/// Removes a system from the portfolio. Takes an etag.
#[tracing::instrument(skip_all, fields(cooperation, municipality, id))]
pub async fn delete(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    id: &str,
    etag: &str,
) -> Result<PortfolioSystem> {
    required(cooperation)?;
    municipality_code(municipality)?;
    system_id(id)?;
    let mut w = begin_write!(store, ctx, "DeleteSystem");
    writable(&mut w, ctx, cooperation, municipality).await?;
    let (version, s) =
        w.tx.get_system(municipality, id)
            .await?
            .ok_or_else(|| Error::not_found("system", format!("{municipality}:{id}")))?;
    check_etag(etag, version)?;
    portfolio_event(
        &mut w,
        "portfolio.system_deleted",
        subject(&s),
        cooperation,
        municipality,
        &serde_json::json!({ "name": s.name, "vendor": s.vendor }),
    )
    .await?;
    w.tx.delete_system(municipality, id).await?;
    w.finish(s).await
}

#[tracing::instrument(skip_all, fields(cooperation, municipality, id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, cooperation: &str, municipality: &str, id: &str) -> Result<Versioned> {
    system_id(id)?;
    let mut tx = store.begin_read().await?;
    readable_member(&mut *tx, ctx, cooperation, municipality).await?;
    tx.get_system(municipality, id)
        .await?
        .ok_or_else(|| Error::not_found("system", format!("{municipality}:{id}")))
}

/// What a listing keeps, as the request gives it.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub time_class: Option<TimeClass>,
    pub ai: Option<AiUse>,
    /// ISO date; empty for no bound.
    pub contract_ends_before: String,
    /// A vendor's name or its beginning, any case; empty for all.
    pub vendor: String,
}

/// Systems of one member (`municipality`) or of every current member
/// (empty), ordered by municipality and id, a page at a time.
#[tracing::instrument(skip_all, fields(cooperation, municipality))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    filter: ListFilter,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Versioned>, String)> {
    if !filter.contract_ends_before.is_empty() {
        v::iso_date(&filter.contract_ends_before).map_err(|d| Error::invalid("contract_ends_before", d))?;
    }
    v::max_len(&filter.vendor, 200).map_err(|d| Error::invalid("vendor", d))?;
    let position = page::position("systems", page_token, "")?;
    let after = match position.split_once('/') {
        Some((m, id)) => (m.to_string(), id.to_string()),
        None if position.is_empty() => (String::new(), String::new()),
        None => return Err(Error::invalid("page_token", "is not a page token of this listing")),
    };
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    if municipality.is_empty() {
        readable(&mut *tx, ctx, cooperation).await?;
    } else {
        readable_member(&mut *tx, ctx, cooperation, municipality).await?;
    }
    let store_filter = SystemFilter {
        municipality: municipality.to_string(),
        cooperation: cooperation.to_string(),
        time_class: filter.time_class.map(|t| t.as_str().to_string()).unwrap_or_default(),
        ai: filter.ai.map(|a| a.as_str().to_string()).unwrap_or_default(),
        contract_ends_before: filter.contract_ends_before.clone(),
        // `%` and `_` are patterns to LIKE; no vendor name needs them.
        vendor_prefix: filter
            .vendor
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .collect(),
    };
    let rows = tx.list_systems(&store_filter, (&after.0, &after.1), limit).await?;
    let next = page::next(
        "systems",
        rows.len(),
        limit,
        rows.last().map(|(_, s)| format!("{}/{}", s.municipality, s.id)),
    );
    Ok((rows, next))
}

/// The member's portfolio as a CSV file in the template's layout.
#[tracing::instrument(skip_all, fields(cooperation, municipality))]
pub async fn export_csv(store: &dyn Store, ctx: &Ctx, cooperation: &str, municipality: &str) -> Result<String> {
    let mut tx = store.begin_read().await?;
    readable_member(&mut *tx, ctx, cooperation, municipality).await?;
    let systems = tx.municipality_systems(municipality).await?;
    Ok(csv_template::export(&systems))
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub source: String,
    pub incremental: bool,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: u32,
    /// "3 added, 1 changed, 1 removed, 295 unchanged".
    pub summary: String,
}

impl ImportReport {
    pub fn nothing_changed(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Applies an import's plan to the member's portfolio in the write `w`:
/// the systems, the import's record and one event listing what changed.
/// A plan that changes nothing writes nothing, so a repeated import leaves
/// the portfolio, the log and the next incremental start alone.
pub async fn apply_plan(
    w: &mut Write<'_>,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    source: &str,
    incremental: bool,
    plan: &ImportPlan,
) -> Result<ImportReport> {
    let ids = |v: &mut dyn Iterator<Item = &PortfolioSystem>| v.map(|s| s.id.clone()).collect::<Vec<_>>();
    let report = ImportReport {
        source: source.to_string(),
        incremental,
        added: ids(&mut plan.added.iter()),
        changed: ids(&mut plan.changed.iter().map(|(_, after)| after)),
        removed: ids(&mut plan.removed.iter()),
        unchanged: plan.unchanged.len() as u32,
        summary: plan.summary(),
    };
    if plan.is_noop() {
        return Ok(report);
    }
    for s in &plan.added {
        w.tx.insert_system(s).await?;
    }
    for (_, after) in &plan.changed {
        w.tx.replace_system(after).await?;
    }
    for s in &plan.removed {
        w.tx.delete_system(&s.municipality, &s.id).await?;
    }
    let record = PortfolioImport {
        id: uuid::Uuid::now_v7().to_string(),
        municipality: municipality.to_string(),
        source: source.to_string(),
        time: ctx.now,
        incremental,
        added: report.added.len() as u32,
        changed: report.changed.len() as u32,
        removed: report.removed.len() as u32,
        unchanged: report.unchanged,
    };
    w.tx.insert_import(&record).await?;
    portfolio_event(
        w,
        "portfolio.imported",
        format!("portfolios/{municipality}/imports/{}", record.id),
        cooperation,
        municipality,
        &report,
    )
    .await?;
    Ok(report)
}

fn csv_violations(problems: Vec<CsvProblem>) -> Error {
    let mut vs = Violations::default();
    for p in problems {
        vs.add("csv", p.to_string());
    }
    vs.finish()
        .err()
        .unwrap_or_else(|| Error::invalid("csv", "cannot be read"))
}

/// Imports a file in the CSV template's layout: its rows are added or
/// change the systems with their ids; with `replace`, systems missing from
/// the file are removed, otherwise they stay.
#[tracing::instrument(skip_all, fields(cooperation, municipality, replace))]
pub async fn import_csv(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    csv: &str,
    replace: bool,
) -> Result<ImportReport> {
    required(cooperation)?;
    municipality_code(municipality)?;
    let incoming = csv_template::import(municipality, csv).map_err(csv_violations)?;
    for (i, s) in incoming.iter().enumerate() {
        validate_system(s, &format!("csv[{}]", i + 2))?;
    }
    let mut w = begin_write!(store, ctx, "ImportCsv");
    writable(&mut w, ctx, cooperation, municipality).await?;
    let current = w.tx.municipality_systems(municipality).await?;
    let scope = if replace {
        let listed: std::collections::BTreeSet<&str> = incoming.iter().map(|s| s.id.as_str()).collect();
        Scope::Delta {
            removed_ids: current
                .iter()
                .filter(|s| !listed.contains(s.id.as_str()))
                .map(|s| s.id.clone())
                .collect(),
        }
    } else {
        Scope::Delta {
            removed_ids: Default::default(),
        }
    };
    let plan = import::plan(&current, incoming, &scope);
    let report = apply_plan(&mut w, ctx, cooperation, municipality, SOURCE_CSV, !replace, &plan).await?;
    w.finish(report).await
}
