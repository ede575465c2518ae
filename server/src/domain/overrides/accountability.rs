//! A member's accountability report: its named votes, its overrides, and
//! where they diverge (DESIGN.md §6).

use std::collections::HashMap;

use super::divergence;
use super::{OverrideView, effective};
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result};
use crate::domain::follow_up::{self, Participation};
use crate::domain::model::{Ballot, ImplementationStatus, Override, OverrideKind, Round};
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

/// Whether the member took part in a priority followed up today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TookPart {
    Yes(Participation),
    OptedOut,
}

/// Follow-up in the accountability report (DESIGN.md §13): for a priority,
/// what the member voted, whether it took part, and whether it delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub proposal_id: String,
    pub title: String,
    pub shared_rank: Option<u32>,
    /// E.g. "voted YES in “Vedtagelse”"; empty if it cast no ballot on it.
    pub vote: String,
    pub took_part: TookPart,
    /// Of the opt-out or deferral behind `took_part`, if any.
    pub justification: String,
    pub board_resolution: String,
    pub status: ImplementationStatus,
    pub progress_percent: u32,
    pub delivered: bool,
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
    /// Each priority followed up today, in list order (local adoptions last).
    pub deliveries: Vec<Delivery>,
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

    let inputs = follow_up::report::Inputs::load(&mut *tx, cooperation_id, &today).await?;
    let records = inputs.records();
    let mut followed_by_me = Vec::new();
    for f in inputs.followed() {
        let part = f
            .participants
            .iter()
            .find(|p| p.member.code == municipality)
            .map(|p| (TookPart::Yes(p.participation), p.by))
            .or_else(|| {
                f.opted_out
                    .iter()
                    .find(|(m, _)| m.code == municipality)
                    .map(|(_, o)| (TookPart::OptedOut, Some(*o)))
            });
        if let Some((took_part, by)) = part {
            let rec = records.get(&(f.proposal_id, municipality.as_str())).copied();
            let vote = cast
                .iter()
                .find_map(|c| divergence::stance(c, f.proposal_id).map(|(_, said)| format!("{said} in {}", c.round)))
                .unwrap_or_default();
            let why = by.filter(|o| matches!(o.kind, OverrideKind::OptOut | OverrideKind::Defer));
            followed_by_me.push(Delivery {
                proposal_id: f.proposal_id.to_string(),
                title: String::new(),
                shared_rank: f.shared_rank,
                vote,
                took_part,
                justification: why.map(|o| o.justification.clone()).unwrap_or_default(),
                board_resolution: why.map(|o| o.board_resolution.clone()).unwrap_or_default(),
                status: rec.map_or(ImplementationStatus::NotStarted, |r| r.status),
                progress_percent: rec.map_or(0, |r| r.progress_percent),
                delivered: rec.is_some_and(|r| r.status == ImplementationStatus::Done),
            });
        }
    }

    let mut ids: Vec<&str> = found.iter().map(|d| d.proposal_id).collect();
    ids.extend(followed_by_me.iter().map(|d| d.proposal_id.as_str()));
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
    let deliveries = followed_by_me
        .iter()
        .cloned()
        .map(|d| Delivery {
            title: titles.get(&d.proposal_id).cloned().unwrap_or_default(),
            ..d
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
        deliveries,
    })
}
