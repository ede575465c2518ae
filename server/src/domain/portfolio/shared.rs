//! What the cooperation sees of its members' portfolios together: the
//! overview, the shared opportunities, a draft proposal made from one, and
//! which members a proposal's linked systems concern.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use super::opportunities::{self, Opportunity, Overlap, Params};
use super::overview::{self, Overview};
use super::systems::readable_member;
use super::{PortfolioSystem, SystemRef};
use crate::begin_write;
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result};
use crate::domain::locale::{self, Lang};
use crate::domain::model::{Category, Flags, Member, Proposal, ProposalContent};
use crate::domain::proposals::{self, validate_content};
use crate::domain::read_model::Views;
use crate::domain::write::{Ctx, today};
use crate::kept_or_begin;
use crate::store::{Store, StoreTx};

/// The overview of one member's portfolio (`municipality`), or of the whole
/// cooperation's (empty) with each current member's beside it.
#[tracing::instrument(skip_all, fields(cooperation, municipality))]
pub async fn overview(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
) -> Result<(Overview, BTreeMap<String, Overview>)> {
    let mut tx = store.begin_read().await?;
    if municipality.is_empty() {
        readable(&mut *tx, ctx, cooperation).await?;
        let systems = tx.cooperation_systems(cooperation).await?;
        Ok(overview::by_member(&systems))
    } else {
        readable_member(&mut *tx, ctx, cooperation, municipality).await?;
        let systems = tx.municipality_systems(municipality).await?;
        Ok((overview::overview(&systems), BTreeMap::new()))
    }
}

/// How to look for opportunities, as a request gives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Search {
    /// 0 for the default (2).
    pub min_members: u32,
    /// `None` for the default window (24 months); `Some(0)` counts every
    /// member that runs it, whatever its contract end.
    pub window_months: Option<u32>,
}

fn params(search: Search, now: i64) -> Result<Params> {
    let today = NaiveDate::parse_from_str(&today(now), "%Y-%m-%d").unwrap_or_default();
    let mut p = Params::new(today);
    match search.min_members {
        0 => {}
        1 => {
            return Err(Error::invalid(
                "min_members",
                "must be at least 2: an overlap takes two members",
            ));
        }
        n => p.min_members = n as usize,
    }
    match search.window_months {
        None => {}
        Some(0) => p.window_months = None,
        Some(m) if m > 240 => return Err(Error::invalid("window_months", "must be at most 240 (20 years)")),
        Some(m) => p.window_months = Some(m),
    }
    Ok(p)
}

/// Opportunities with the cooperation's current members and their count.
pub struct Found {
    pub opportunities: Vec<Opportunity>,
    pub member_count: usize,
    /// Current members, by code.
    pub members: BTreeMap<String, Member>,
}

async fn find(tx: &mut dyn StoreTx, cooperation: &str, search: Search, now: i64) -> Result<Found> {
    let p = params(search, now)?;
    let systems = tx.cooperation_systems(cooperation).await?;
    let members = current_members(tx, cooperation).await?;
    Ok(Found {
        opportunities: opportunities::find(&systems, &p),
        member_count: members.len(),
        members,
    })
}

/// What is kept between calls for shared opportunities: the opportunities
/// while the cooperation's log has not moved, and each member's portfolio
/// while its revision (`StoreTx::portfolio_revisions`) has not, so that
/// after one member's change only that member's systems are read again.
#[derive(Default)]
pub struct Kept {
    found: Views<Found>,
    /// By municipality code, at its portfolio revision.
    portfolios: Views<Vec<PortfolioSystem>>,
}

/// `find` with the members' portfolios taken from `kept` where their
/// revision stands.
async fn find_kept(tx: &mut dyn StoreTx, cooperation: &str, p: &Params, kept: &Kept) -> Result<Found> {
    let mut portfolios = Vec::new();
    for (code, revision) in tx.portfolio_revisions(cooperation).await? {
        let systems = match kept.portfolios.get(&[&code], revision) {
            Some(systems) => systems,
            None => kept
                .portfolios
                .keep(&[&code], revision, tx.municipality_systems(&code).await?),
        };
        portfolios.push(systems);
    }
    let members = current_members(tx, cooperation).await?;
    Ok(Found {
        opportunities: opportunities::find(portfolios.iter().flat_map(|s| s.iter()), p),
        member_count: members.len(),
        members,
    })
}

async fn current_members(tx: &mut dyn StoreTx, cooperation: &str) -> Result<BTreeMap<String, Member>> {
    let list = tx.list_members(cooperation, false, "", 10_000).await?;
    Ok(list.into_iter().map(|m| (m.code.clone(), m)).collect())
}

/// The cooperation's shared opportunities, best first. They are computed
/// over every member's portfolio (29,400 systems for 98 members) and kept in
/// `kept` while the cooperation's log has not moved: every change to a
/// member's portfolio or to the membership is an event in it (see
/// `read_model`).
#[tracing::instrument(skip_all, fields(cooperation))]
pub async fn list_opportunities(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    search: Search,
    kept: &Kept,
) -> Result<Arc<Found>> {
    let p = params(search, ctx.now)?;
    let (min_members, window, day) = (
        p.min_members.to_string(),
        format!("{:?}", p.window_months),
        today(ctx.now),
    );
    let key = [cooperation, min_members.as_str(), window.as_str(), day.as_str()];
    let (mut tx, head) = kept_or_begin!(store, ctx, &kept.found, &key);
    let found = find_kept(&mut *tx, cooperation, &p, kept).await?;
    Ok(kept.found.keep(&key, head, found))
}

/// The draft a digital lead makes of an opportunity: titled by its
/// headline (unless `title` is given), a summary of who runs what and when
/// their contracts end, every covered system linked, and the flags the
/// systems call for (AI, personal data).
fn draft_of(o: &Opportunity, found: &Found, systems: &[PortfolioSystem], title: &str) -> ProposalContent {
    let name_of = |code: &str| found.members.get(code).map_or(code.to_string(), |m| m.name.clone());
    let by_ref: BTreeMap<(&str, &str), &PortfolioSystem> = systems
        .iter()
        .map(|s| ((s.municipality.as_str(), s.id.as_str()), s))
        .collect();
    let mut lines = vec![format!("{}.", o.headline(found.member_count)), String::new()];
    let mut linked = Vec::new();
    let mut flags = Flags::default();
    for part in &o.members {
        let mut names = Vec::new();
        for id in &part.system_ids {
            if let Some(s) = by_ref.get(&(part.municipality.as_str(), id.as_str())) {
                names.push(s.name.clone());
                flags.involves_ai |= s.ai == super::AiUse::Yes;
                flags.personal_data |= s.personal_data;
            }
            linked.push(
                SystemRef {
                    municipality: part.municipality.clone(),
                    system_id: id.clone(),
                }
                .to_string(),
            );
        }
        let end = part
            .contract_end
            .as_deref()
            .map_or("kontraktudløb ukendt".to_string(), |d| {
                format!("kontrakten udløber {d}")
            });
        lines.push(format!(
            "- {} ({}): {}; {}; {} om året",
            name_of(&part.municipality),
            part.municipality,
            names.join(", "),
            end,
            locale::kroner(Lang::Da, part.yearly_cost_dkk)
        ));
    }
    let title = if title.trim().is_empty() {
        let kind = match o.overlap {
            Overlap::System => "Fælles anskaffelse",
            Overlap::Vendor => "Fælles leverandøraftale",
            Overlap::Function => "Fælles løsning",
        };
        format!("{kind}: {}", o.label)
    } else {
        title.trim().to_string()
    };
    ProposalContent {
        title: title.chars().take(200).collect(),
        summary: lines.join("\n"),
        category: Category::SharedProcurement,
        flags,
        one_time_cost_dkk: 0,
        yearly_cost_dkk: 0,
        linked_systems: linked,
    }
}

/// Turns the opportunity `(overlap, label)` into a draft proposal of the
/// caller's municipality, in one step. The opportunity is found again with
/// the same search, so the draft covers the members it covers now.
#[tracing::instrument(skip_all, fields(cooperation, label))]
pub async fn create_proposal_from_opportunity(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    overlap: Overlap,
    label: &str,
    search: Search,
    title: &str,
) -> Result<Proposal> {
    if cooperation.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    if label.trim().is_empty() {
        return Err(Error::invalid("label", "is required"));
    }
    crate::domain::validate::max_len(title, 200).map_err(|d| Error::invalid("title", d))?;
    let mut w = begin_write!(store, ctx, "CreateProposalFromOpportunity");
    if w.tx.get_cooperation(cooperation).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation));
    }
    let found = find(&mut *w.tx, cooperation, search, ctx.now).await?;
    let wanted = opportunities::key(overlap, label);
    let o = found
        .opportunities
        .iter()
        .find(|o| o.overlap == overlap && opportunities::key(overlap, &o.label) == wanted)
        .ok_or_else(|| Error::not_found("opportunity", label.trim()))?;
    let systems = w.tx.cooperation_systems(cooperation).await?;
    let content = draft_of(o, &found, &systems, title);
    validate_content(&content)?;
    let p = proposals::insert_draft(&mut w, ctx, cooperation, content).await?;
    w.finish(p).await
}

/// How a member's system relates to a proposal's linked system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Relation {
    /// The linked system itself.
    Linked,
    /// The same system (same KITOS system, or the same name).
    SameSystem,
    /// Another system of the same function.
    SameFunction,
}

/// A member's system that a proposal concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    pub municipality: String,
    pub member_name: String,
    pub relation: Relation,
    pub system: PortfolioSystem,
}

fn same_system(a: &PortfolioSystem, b: &PortfolioSystem) -> bool {
    match (&a.kitos_system_uuid, &b.kitos_system_uuid) {
        (Some(x), Some(y)) => x == y,
        _ => opportunities::key(Overlap::System, &a.name) == opportunities::key(Overlap::System, &b.name),
    }
}

/// The systems of current members that `linked` concern: the linked ones,
/// the same systems elsewhere, and systems of the same function; each system
/// once, with its closest relation; by municipality, then relation, then
/// name. Systems no longer in use are left out.
pub fn affected(
    linked: &[PortfolioSystem],
    all: &[PortfolioSystem],
    members: &BTreeMap<String, Member>,
) -> Vec<Affected> {
    let functions: Vec<String> = linked
        .iter()
        .map(|s| opportunities::key(Overlap::Function, &s.function))
        .filter(|f| !f.is_empty())
        .collect();
    let mut out = Vec::new();
    for s in all.iter().filter(|s| s.in_use()) {
        let Some(member) = members.get(&s.municipality) else {
            continue;
        };
        let relation = if linked.iter().any(|l| l.municipality == s.municipality && l.id == s.id) {
            Relation::Linked
        } else if linked.iter().any(|l| same_system(l, s)) {
            Relation::SameSystem
        } else if functions.contains(&opportunities::key(Overlap::Function, &s.function)) {
            Relation::SameFunction
        } else {
            continue;
        };
        out.push(Affected {
            municipality: s.municipality.clone(),
            member_name: member.name.clone(),
            relation,
            system: s.clone(),
        });
    }
    out.sort_by(|a, b| {
        (&a.municipality, a.relation, &a.system.name).cmp(&(&b.municipality, b.relation, &b.system.name))
    });
    out
}

/// A proposal's linked portfolio systems and the members' systems they
/// concern.
#[tracing::instrument(skip_all, fields(proposal_id))]
pub async fn proposal_systems(
    store: &dyn Store,
    ctx: &Ctx,
    proposal_id: &str,
) -> Result<(Vec<PortfolioSystem>, Vec<Affected>)> {
    crate::domain::validate::id(proposal_id).map_err(|d| Error::invalid("proposal_id", d))?;
    let mut tx = store.begin_read().await?;
    let p = tx
        .get_proposal(proposal_id)
        .await?
        .ok_or_else(|| Error::not_found("proposal", proposal_id))?;
    readable(&mut *tx, ctx, &p.cooperation_id).await?;
    let linked = tx.proposal_systems(proposal_id).await?;
    if linked.is_empty() {
        return Ok((linked, Vec::new()));
    }
    let all = tx.cooperation_systems(&p.cooperation_id).await?;
    let members = current_members(&mut *tx, &p.cooperation_id).await?;
    let affected = affected(&linked, &all, &members);
    Ok((linked, affected))
}

#[cfg(test)]
mod tests {
    use super::super::Lifecycle;
    use super::*;

    fn sys(m: &str, name: &str, function: &str) -> PortfolioSystem {
        PortfolioSystem {
            function: function.into(),
            lifecycle: Lifecycle::Operational,
            ..PortfolioSystem::named(m, name)
        }
    }

    fn member(code: &str) -> Member {
        Member {
            cooperation_id: "c".into(),
            code: code.into(),
            name: format!("Kommune {code}"),
            population: 1,
            population_date: None,
            custom_weight: None,
            joined_on: "2026-01-01".into(),
            left_on: None,
            version: 1,
        }
    }

    #[test]
    fn a_linked_system_concerns_the_same_system_and_function_elsewhere() {
        let linked = sys("0101", "SBSYS", "ESDH");
        let all = vec![
            linked.clone(),
            sys("0101", "Aula", "Kommunikation"),
            sys("0147", "sbsys", "ESDH"),
            sys("0151", "WorkZone", "ESDH"),
            sys("0153", "Aula", "Kommunikation"),
            sys("0999", "SBSYS", "ESDH"),
        ];
        let members = ["0101", "0147", "0151", "0153"]
            .map(|c| (c.to_string(), member(c)))
            .into();
        let a = affected(&[linked], &all, &members);
        let got: Vec<(&str, Relation, &str)> = a
            .iter()
            .map(|x| (x.municipality.as_str(), x.relation, x.system.name.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("0101", Relation::Linked, "SBSYS"),
                ("0147", Relation::SameSystem, "sbsys"),
                ("0151", Relation::SameFunction, "WorkZone"),
            ],
            "0999 is not a member; Aula is another function"
        );
    }
}
