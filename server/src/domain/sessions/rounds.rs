//! Rounds and ballots (DESIGN.md §4–§5): the chair opens a round in an open
//! session, members cast (and replace) their ballots, and the round closes —
//! by the chair, with its session, or by itself at its deadline.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::closing;
use super::model::{Ballot, BallotContent, MemberWeight, Round, RoundCandidate};
use crate::begin_write;
use crate::domain::authz;
use crate::domain::cooperations::readable;
use crate::domain::error::{Error, Result, Violations};
use crate::domain::model::{
    Cooperation, DecisionLevel, Method, Micros, NewEvent, PriorityList, Proposal, ProposalStatus, RoundState, Session,
    SessionState, Threshold, Weighting,
};
use crate::domain::page;
use crate::domain::priorities;
use crate::domain::tally::{self, BallotError, MAX_SCORE};
use crate::domain::validate as v;
use crate::domain::write::{Begun, Ctx, Write};
use crate::store::{Store, StoreTx};

/// Most candidates a round takes (the tally is quadratic in them for Schulze).
pub const MAX_CANDIDATES: usize = 500;

/// A round as readers see it: the record plus its turnout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundView {
    pub round: Round,
    /// Municipalities with a current ballot, by code.
    pub voted: Vec<String>,
    pub voted_weight: u64,
}

/// A ballot as a reader sees it: its content only once the round is over, or
/// when the ballot is the reader's own municipality's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotView {
    pub ballot: Ballot,
    pub content_visible: bool,
}

pub struct NewRound {
    pub session_id: String,
    pub title: String,
    pub method: Method,
    pub candidates: Vec<String>,
    /// `None`: the cooperation's default.
    pub weighting: Option<Weighting>,
    /// `None`: the cooperation's default.
    pub quorum_bp: Option<u32>,
    /// `YES_NO` only; `None` is a simple majority.
    pub threshold: Option<Threshold>,
    pub deadline: Option<Micros>,
    /// Ranking rounds only.
    pub budget_dkk: Option<i64>,
}

fn round_event(action: &'static str, r: &Round, payload: impl serde::Serialize) -> Result<NewEvent> {
    Ok(NewEvent::new(
        action,
        format!("rounds/{}", r.id),
        r.cooperation_id.clone(),
        &payload,
    )?)
}

fn check_new_round(req: &NewRound, now: Micros) -> Result<()> {
    let mut vs = Violations::default();
    vs.check("session_id", v::id(&req.session_id));
    vs.check("title", v::max_len(&req.title, 200));
    if req.candidates.is_empty() {
        vs.add("candidates", "a round needs at least one candidate");
    } else if req.candidates.len() > MAX_CANDIDATES {
        vs.add(
            "candidates",
            format!("at most {MAX_CANDIDATES} candidates fit in a round"),
        );
    }
    let mut seen = HashSet::new();
    for (i, id) in req.candidates.iter().enumerate() {
        if let Err(d) = v::id(id) {
            vs.add(format!("candidates[{i}]"), d);
        } else if !seen.insert(id.as_str()) {
            vs.add(format!("candidates[{i}]"), "is a candidate twice");
        }
    }
    if let Some(q) = req.quorum_bp {
        vs.check("quorum_bp", v::basis_points(q));
    }
    let ranking = req.method != Method::YesNo;
    if ranking && req.threshold.is_some() {
        vs.add("threshold", "applies to YES_NO rounds only");
    }
    if let Some(b) = req.budget_dkk {
        if !ranking {
            vs.add(
                "budget_dkk",
                "applies to ranking rounds only; a YES_NO round adopts what it votes for",
            );
        }
        vs.check("budget_dkk", v::non_negative(b));
    }
    if let Some(d) = req.deadline
        && d <= now
    {
        vs.add("deadline", "must be in the future");
    }
    vs.finish()
}

#[tracing::instrument(skip_all, fields(session_id = %req.session_id))]
pub async fn open(store: &dyn Store, ctx: &Ctx, req: NewRound) -> Result<RoundView> {
    check_new_round(&req, ctx.now)?;
    let mut w = begin_write!(store, ctx, "OpenRound");
    let (session, coop) = open_session(&mut *w.tx, ctx, &req.session_id).await?;
    let (candidates, decision_level) = candidates(&mut *w.tx, &coop.id, &req).await?;
    let weighting = req.weighting.unwrap_or(coop.rules.default_weighting);
    let (weights, total_weight) = member_weights(&mut *w.tx, &coop.id, weighting).await?;
    let ranking = req.method != Method::YesNo;
    let round = Round {
        id: uuid::Uuid::now_v7().to_string(),
        session_id: session.id.clone(),
        cooperation_id: coop.id.clone(),
        title: req.title.trim().to_string(),
        method: req.method,
        candidates,
        weighting,
        quorum_bp: req.quorum_bp.unwrap_or(coop.rules.default_quorum_bp),
        threshold: (!ranking).then(|| req.threshold.unwrap_or(Threshold::SimpleMajority)),
        deadline: req.deadline,
        budget_dkk: req.budget_dkk,
        state: RoundState::Open,
        decision_level,
        weights,
        total_weight,
        opened_by: ctx.actor(),
        open_time: ctx.now,
        closed_by: None,
        close_time: None,
        cancel_reason: None,
        result: None,
        version: 1,
    };
    let seq = w.event(round_event("round.opened", &round, &round)?).await?;
    w.tx.insert_round(&round, seq).await?;
    w.finish(RoundView {
        round,
        voted: vec![],
        voted_weight: 0,
    })
    .await
}

/// The open session a round is opened in, and its cooperation, which the
/// caller must chair.
async fn open_session(tx: &mut dyn StoreTx, ctx: &Ctx, session_id: &str) -> Result<(Session, Cooperation)> {
    let session = super::load(tx, "session_id", session_id).await?;
    let coop_id = session.cooperation_id.clone();
    authz::chair(&ctx.principal, &coop_id)?;
    if session.state != SessionState::Open {
        return Err(Error::precondition(format!(
            "session {} is {}; rounds are opened in an open session",
            session.id, session.state
        )));
    }
    let coop = tx
        .get_cooperation(&coop_id)
        .await?
        .ok_or_else(|| Error::not_found("cooperation", &coop_id))?;
    Ok((session, coop))
}

/// The requested candidates, frozen with their tie-break keys, and the
/// round's decision level (board-level when any candidate is). Each must be
/// a submitted proposal of the cooperation (or, in a ranking round, an
/// adopted one on the shared list) and in no other open round.
async fn candidates(
    tx: &mut dyn StoreTx,
    coop_id: &str,
    req: &NewRound,
) -> Result<(Vec<RoundCandidate>, DecisionLevel)> {
    let list = priorities::list_at(tx, coop_id, None).await?;
    let open_rounds = tx.list_open_rounds(coop_id).await?;
    let ids: Vec<&str> = req.candidates.iter().map(String::as_str).collect();
    let proposals: HashMap<String, Proposal> = tx
        .get_proposals(coop_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let ranking = req.method != Method::YesNo;
    let mut vs = Violations::default();
    let mut candidates = Vec::with_capacity(req.candidates.len());
    let mut level = DecisionLevel::Delegated;
    for (i, id) in req.candidates.iter().enumerate() {
        let field = format!("candidates[{i}]");
        let Some(p) = proposals.get(id) else {
            vs.add(field, format!("{id} is not a proposal of cooperation {coop_id}"));
            continue;
        };
        if let Err(why) = candidate_status(p, ranking, &list) {
            vs.add(field, why);
            continue;
        }
        if let Some(other) = open_rounds
            .iter()
            .find(|r| r.candidates.iter().any(|c| c.proposal_id == *id))
        {
            return Err(Error::precondition(format!(
                "proposal {id} is already a candidate in open round {}; close or cancel that round first",
                other.id
            )));
        }
        if p.decision_level() == DecisionLevel::Board {
            level = DecisionLevel::Board;
        }
        candidates.push(RoundCandidate {
            proposal_id: p.id.clone(),
            // Every submitted or adopted proposal has one; a missing key sorts last.
            submit_seq: p.submit_seq.unwrap_or(i64::MAX),
        });
    }
    vs.finish()?;
    Ok((candidates, level))
}

/// Whether a proposal's status lets it be a candidate: why not, if not.
fn candidate_status(p: &Proposal, ranking: bool, list: &PriorityList) -> std::result::Result<(), String> {
    let id = &p.id;
    match p.status {
        ProposalStatus::Submitted => Ok(()),
        ProposalStatus::Adopted if ranking && list.rank_of(id).is_some() => Ok(()),
        ProposalStatus::Adopted if ranking => Err(format!("proposal {id} is adopted but not on the shared list")),
        ProposalStatus::Adopted => Err(format!(
            "proposal {id} is already adopted; a YES_NO round decides submitted proposals"
        )),
        status => Err(format!(
            "proposal {id} is {status}; candidates are submitted proposals (or, in a ranking round, adopted ones on the shared list)"
        )),
    }
}

/// The current members' weights under a weighting, and their total, which
/// must not be 0.
async fn member_weights(tx: &mut dyn StoreTx, coop_id: &str, weighting: Weighting) -> Result<(Vec<MemberWeight>, u64)> {
    let members = tx.list_members(coop_id, false, "", i64::MAX).await?;
    let weights: Vec<MemberWeight> = members
        .iter()
        .map(|m| MemberWeight {
            municipality: m.code.clone(),
            weight: m.weight(weighting),
        })
        .collect();
    let total_weight = weights.iter().fold(0u64, |sum, m| sum.saturating_add(m.weight));
    if total_weight == 0 {
        return Err(Error::precondition(format!(
            "under {weighting} weighting the current members' total weight is 0, so no round could decide anything"
        )));
    }
    Ok((weights, total_weight))
}

pub(crate) async fn load(tx: &mut dyn StoreTx, field: &str, id: &str) -> Result<Round> {
    v::id(id).map_err(|d| Error::invalid(field, d))?;
    tx.get_round(id).await?.ok_or_else(|| Error::not_found("round", id))
}

/// The round with its turnout: who has a current ballot, and their weight.
async fn view(tx: &mut dyn StoreTx, round: Round) -> Result<RoundView> {
    let ballots = tx.list_ballots(&round.id, false).await?;
    Ok(RoundView {
        voted_weight: ballots.iter().fold(0u64, |sum, b| sum.saturating_add(b.weight)),
        voted: ballots.into_iter().map(|b| b.municipality).collect(),
        round,
    })
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<RoundView> {
    let mut tx = store.begin_read().await?;
    let r = load(&mut *tx, "id", id).await?;
    readable(&mut *tx, ctx, &r.cooperation_id).await?;
    view(&mut *tx, r).await
}

#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    session_id: &str,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<RoundView>, String)> {
    let after = page::seq_position("rounds", page_token)?;
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    let s = super::load(&mut *tx, "session_id", session_id).await?;
    readable(&mut *tx, ctx, &s.cooperation_id).await?;
    let rows = tx.list_rounds(session_id, after, limit).await?;
    let next = page::next("rounds", rows.len(), limit, rows.last().map(|(s, _)| s.to_string()));
    let mut out = Vec::with_capacity(rows.len());
    for (_, r) in rows {
        out.push(view(&mut *tx, r).await?);
    }
    Ok((out, next))
}

/// A refused ballot as a field violation; the tally engine names the field.
fn ballot_error(e: BallotError) -> Error {
    let description = match &e {
        BallotError::WrongKind { expected } => {
            let kind = match expected {
                tally::Method::YesNo => "yes_no",
                tally::Method::Approval => "approval",
                tally::Method::Score => "score",
                tally::Method::Borda => "ranking",
                tally::Method::Schulze => "tiers",
            };
            format!("this round is decided by {expected}, which takes a {kind} ballot")
        }
        other => {
            let text = other.to_string();
            let prefix = format!("{}: ", other.field());
            text.strip_prefix(&prefix).map(str::to_string).unwrap_or(text)
        }
    };
    Error::invalid(e.field(), description)
}

/// Checks a ballot against the round's method and candidates.
fn check_ballot(round: &Round, content: &BallotContent) -> Result<()> {
    // Scores are checked before narrowing them for the tally engine, so the
    // message names the score that was sent.
    if let (Method::Score, BallotContent::Score(scores)) = (round.method, content) {
        for (i, s) in scores.iter().enumerate() {
            if s.score > u32::from(MAX_SCORE) {
                return Err(Error::invalid(
                    format!("ballot.scores[{i}].score"),
                    format!("score {} is outside 0..={MAX_SCORE}", s.score),
                ));
            }
        }
    }
    tally::validate_ballot(
        super::tally_input::tally_method(round.method),
        &round.tally_candidates(),
        &content.to_tally(),
    )
    .map_err(ballot_error)
}

/// Casts or replaces the caller's municipality's ballot. A replacement adds a
/// version and retires the one before; both stay in the history.
///
/// A ballot is the write a room full of members makes at once, so it takes
/// the fast way through the write batch (`store::appends`): the round, its
/// cooperation and the member are read once for a run of ballots, every
/// check runs on them in memory, and the rows are queued for the batch's
/// multi-row statements. Once queued, nothing can fail but the commit.
#[tracing::instrument(skip_all, fields(round_id = %round_id))]
pub async fn cast(store: &dyn Store, ctx: &Ctx, round_id: &str, content: BallotContent) -> Result<Ballot> {
    v::id(round_id).map_err(|d| Error::invalid("round_id", d))?;
    let mut w = begin_write!(append: store, ctx, "CastBallot");
    let municipality = ctx.principal.municipality.clone();
    let c =
        w.tx.ballot_context(round_id, &municipality)
            .await?
            .ok_or_else(|| Error::not_found("round", round_id))?;
    let round = &*c.round;
    let weight = round.weight_of(&municipality);
    let role = authz::cast_ballot(
        &ctx.principal,
        c.member.as_ref(),
        round.decision_level,
        &c.cooperation.rules,
        weight,
    )?;
    if !round.is_open() {
        return Err(Error::precondition(format!(
            "round {round_id} is {}; ballots can no longer be cast",
            round.state
        )));
    }
    if let Some(deadline) = round.deadline
        && ctx.now >= deadline
    {
        return Err(Error::precondition(format!(
            "round {round_id} passed its deadline ({}); ballots can no longer be cast",
            super::minutes::time(deadline)
        )));
    }
    check_ballot(round, &content)?;

    let ballot = Ballot {
        round_id: round_id.to_string(),
        municipality: municipality.clone(),
        cast_by: ctx.principal.sub.clone(),
        cast_by_name: ctx.principal.name.clone().unwrap_or_default(),
        role: role.to_string(),
        cast_time: ctx.now,
        content,
        version: c.current_version.map_or(1, |v| v + 1),
        current: true,
        weight: weight.unwrap_or(0),
    };
    // The subject and the top-level `content` key are what the event log's
    // readers redact while the round is open (see `events::redact`).
    let event = NewEvent::new(
        crate::domain::events::BALLOT_CAST,
        format!("rounds/{round_id}/ballots/{municipality}"),
        round.cooperation_id.clone(),
        &serde_json::json!({
            "round_id": round_id,
            "municipality": municipality,
            "version": ballot.version,
            "role": ballot.role,
            "weight": ballot.weight,
            "content": ballot.content,
        }),
    )?;
    w.append_ballot(event, ballot).await
}

/// Closes a round by the chair's hand.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn close(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<RoundView> {
    let mut w = begin_write!(store, ctx, "CloseRound");
    let round = load(&mut *w.tx, "id", id).await?;
    authz::chair(&ctx.principal, &round.cooperation_id)?;
    if !round.is_open() {
        return Err(Error::precondition(format!(
            "round {id} is {}; only an open round can be closed",
            round.state
        )));
    }
    let round = closing::close_round(&mut w, ctx, round).await?;
    let v = view(&mut *w.tx, round).await?;
    w.finish(v).await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn cancel(store: &dyn Store, ctx: &Ctx, id: &str, reason: &str) -> Result<RoundView> {
    v::max_len(reason, 2000).map_err(|d| Error::invalid("reason", d))?;
    let mut w = begin_write!(store, ctx, "CancelRound");
    let mut round = load(&mut *w.tx, "id", id).await?;
    authz::chair(&ctx.principal, &round.cooperation_id)?;
    if !round.is_open() {
        return Err(Error::precondition(format!(
            "round {id} is {}; only an open round can be cancelled",
            round.state
        )));
    }
    round.state = RoundState::Cancelled;
    round.close_time = Some(ctx.now);
    round.closed_by = Some(ctx.actor());
    round.cancel_reason = Some(reason.trim().to_string());
    round.version += 1;
    w.event(round_event(
        "round.cancelled",
        &round,
        serde_json::json!({ "reason": round.cancel_reason }),
    )?)
    .await?;
    w.tx.update_round(&round).await?;
    let v = view(&mut *w.tx, round).await?;
    w.finish(v).await
}

/// Ballots of a round, named. While the round is open everyone sees who has
/// voted, but only their own municipality's ballot's content.
#[tracing::instrument(skip_all, fields(round_id = %round_id, include_history))]
pub async fn ballots(store: &dyn Store, ctx: &Ctx, round_id: &str, include_history: bool) -> Result<Vec<BallotView>> {
    let mut tx = store.begin_read().await?;
    let round = load(&mut *tx, "round_id", round_id).await?;
    readable(&mut *tx, ctx, &round.cooperation_id).await?;
    let open = round.is_open();
    Ok(tx
        .list_ballots(round_id, include_history)
        .await?
        .into_iter()
        .map(|ballot| BallotView {
            content_visible: !open || ballot.municipality == ctx.principal.municipality,
            ballot,
        })
        .collect())
}

/// Closes every open round whose deadline has passed, each in its own write
/// acting as the service itself. Another process may have closed a round
/// between the look-up and the write; the write sees that and skips it.
/// Returns how many rounds this call closed.
#[tracing::instrument(skip_all)]
pub async fn close_due(store: &dyn Store, now: Micros) -> Result<usize> {
    let due = {
        let mut tx = store.begin_read().await?;
        tx.due_rounds(now, 100).await?
    };
    let ctx = Ctx::system(now);
    let mut closed = 0;
    for id in due {
        let mut w = match Write::begin::<()>(store, &ctx, "CloseRoundAtDeadline").await? {
            Begun::Fresh(w) => w,
            Begun::Replayed(()) => continue,
        };
        let Some(round) = w.tx.get_round(&id).await? else {
            continue;
        };
        if !round.is_open() || round.deadline.is_none_or(|d| d > now) {
            continue;
        }
        closing::close_round(&mut w, &ctx, round).await?;
        w.finish(()).await?;
        closed += 1;
    }
    Ok(closed)
}

/// The open round, if any, in which a proposal is a candidate.
pub async fn open_round_with_candidate(
    tx: &mut dyn StoreTx,
    cooperation_id: &str,
    proposal_id: &str,
) -> Result<Option<String>> {
    Ok(tx
        .list_open_rounds(cooperation_id)
        .await?
        .into_iter()
        .find(|r| r.candidates.iter().any(|c| c.proposal_id == proposal_id))
        .map(|r| r.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sessions::model::CandidateScore;

    fn req(method: Method) -> NewRound {
        NewRound {
            session_id: uuid::Uuid::now_v7().to_string(),
            title: "t".into(),
            method,
            candidates: vec![uuid::Uuid::now_v7().to_string()],
            weighting: None,
            quorum_bp: None,
            threshold: None,
            deadline: None,
            budget_dkk: None,
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(vs) => vs.into_iter().map(|v| v.field).collect(),
            other => panic!("not invalid: {other}"),
        }
    }

    #[test]
    fn round_options_must_fit_the_method() {
        assert!(check_new_round(&req(Method::YesNo), 10).is_ok());
        let mut r = req(Method::Borda);
        r.threshold = Some(Threshold::TwoThirds);
        r.deadline = Some(10);
        r.quorum_bp = Some(10_001);
        r.candidates.push(r.candidates[0].clone());
        r.candidates.push("nope".into());
        assert_eq!(
            fields(check_new_round(&r, 10).unwrap_err()),
            ["candidates[1]", "candidates[2]", "quorum_bp", "threshold", "deadline"]
        );
        let mut r = req(Method::YesNo);
        r.budget_dkk = Some(-1);
        r.candidates.clear();
        assert_eq!(
            fields(check_new_round(&r, 10).unwrap_err()),
            ["candidates", "budget_dkk", "budget_dkk"]
        );
    }

    #[test]
    fn score_out_of_range_names_the_score_sent() {
        let mut round: Round = serde_json::from_value(serde_json::json!({
            "id": "r", "session_id": "s", "cooperation_id": "c", "title": "", "method": "SCORE",
            "candidates": [{"proposal_id": "a", "submit_seq": 1}], "weighting": "EQUAL",
            "quorum_bp": 0, "threshold": null, "deadline": null, "budget_dkk": null, "state": "OPEN",
            "decision_level": "DELEGATED", "weights": [], "total_weight": 1,
            "opened_by": {"sub": "x", "municipality": "", "roles": []}, "open_time": 0,
            "closed_by": null, "close_time": null, "cancel_reason": null, "result": null, "version": 1
        }))
        .unwrap();
        let bad = BallotContent::Score(vec![CandidateScore {
            candidate_id: "a".into(),
            score: 300,
        }]);
        match check_ballot(&round, &bad).unwrap_err() {
            Error::Invalid(vs) => {
                assert_eq!(vs[0].field, "ballot.scores[0].score");
                assert_eq!(vs[0].description, "score 300 is outside 0..=5");
            }
            e => panic!("{e}"),
        }
        round.method = Method::Borda;
        match check_ballot(&round, &bad).unwrap_err() {
            Error::Invalid(vs) => {
                assert_eq!(vs[0].field, "ballot");
                assert!(vs[0].description.contains("ranking ballot"), "{}", vs[0].description);
            }
            e => panic!("{e}"),
        }
    }
}
