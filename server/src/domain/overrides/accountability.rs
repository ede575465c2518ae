//! A member's accountability report: its named votes, its overrides, and
//! where they diverge (DESIGN.md §6).

use std::collections::HashMap;

use super::divergence;
use super::{OverrideView, effective};
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result};
use crate::domain::model::{Ballot, Override, OverrideKind, Round};
use crate::domain::priorities;
use crate::domain::validate as v;
use crate::domain::write::{Ctx, today};
use crate::store::{OverrideFilter, Store};

/// A named vote: the member's ballot in a closed round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedVote {
    pub round: Round,
    pub ballot: Ballot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub proposal_id: String,
    pub title: String,
    pub vote: String,
    pub round_id: String,
    pub override_kind: OverrideKind,
    pub override_id: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountabilityReport {
    pub cooperation_id: String,
    pub municipality: String,
    /// In the order the rounds were opened.
    pub votes: Vec<NamedVote>,
    /// Every override the member ever set, in force or not, in the order first set.
    pub overrides: Vec<OverrideView>,
    /// Where its overrides in force go against its votes.
    pub divergences: Vec<Divergence>,
}

/// A member's accountability report (the caller's own when `municipality`
/// is empty): its named votes, its overrides and where they diverge.
#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, municipality = %municipality))]
pub async fn accountability(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    municipality: &str,
) -> Result<AccountabilityReport> {
    let municipality = if municipality.is_empty() {
        ctx.principal.municipality.clone()
    } else {
        v::municipality_code(municipality).map_err(|d| Error::invalid("municipality", d))?;
        municipality.to_string()
    };
    let today = today(ctx.now);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    if tx.get_member(cooperation_id, &municipality).await?.is_none() {
        return Err(Error::not_found("member", format!("{cooperation_id}/{municipality}")));
    }
    let list = priorities::list_at(&mut *tx, cooperation_id, None).await?;
    let votes = tx.member_ballots(cooperation_id, &municipality).await?;
    let filter = OverrideFilter {
        cooperation: cooperation_id,
        municipality: Some(&municipality),
        proposal: None,
        in_force_on: None,
    };
    let overrides: Vec<Override> = tx
        .list_overrides(&filter, 0, i64::MAX)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();

    let in_force: Vec<Override> = overrides
        .iter()
        .filter(|o| effective::in_force(o, &today))
        .cloned()
        .collect();
    let labels: Vec<(String, Vec<String>, crate::domain::tally::BallotContent)> = votes
        .iter()
        .map(|(r, b)| {
            let label = if r.title.trim().is_empty() {
                r.id.clone()
            } else {
                format!("\u{201c}{}\u{201d}", r.title.trim())
            };
            (label, r.candidate_ids(), b.content.to_tally())
        })
        .collect();
    let cast: Vec<divergence::CastVote> = votes
        .iter()
        .zip(&labels)
        .map(|((r, _), (label, candidates, content))| divergence::CastVote {
            round_id: &r.id,
            round: label,
            candidates,
            content,
        })
        .collect();
    let found = divergence::divergences(&cast, &in_force, &list);
    let ids: Vec<&str> = found.iter().map(|d| d.proposal_id).collect();
    let titles: HashMap<String, String> = tx
        .get_proposals(cooperation_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.content.title))
        .collect();
    let divergences = found
        .iter()
        .map(|d| Divergence {
            proposal_id: d.proposal_id.to_string(),
            title: titles.get(d.proposal_id).cloned().unwrap_or_default(),
            vote: d.vote.clone(),
            round_id: d.round_id.to_string(),
            override_kind: d.by.kind,
            override_id: d.by.id.clone(),
            description: d.description.clone(),
        })
        .collect();
    Ok(AccountabilityReport {
        cooperation_id: cooperation_id.to_string(),
        municipality,
        votes: votes
            .into_iter()
            .map(|(round, ballot)| NamedVote { round, ballot })
            .collect(),
        overrides: overrides
            .into_iter()
            .map(|o| OverrideView::of(o, &list, &today))
            .collect(),
        divergences,
    })
}
