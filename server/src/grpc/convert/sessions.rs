//! Conversions of sessions, rounds and ballots between `samprio.v1` and the
//! domain. Ballot parts are named like the tally engine names them
//! (`ballot.choices[0].choice`), so every ballot error points the same way.

use samprio_proto::v1 as pb;

use super::{decision_level_pb, enum_value, etag, opt_ts, ts, weighting_pb};
use crate::domain::Error;
use crate::domain::model as m;
use crate::domain::sessions::RenderedMinutes;
use crate::domain::sessions::minutes::{Format, Lang};
use crate::domain::sessions::model as s;
use crate::domain::sessions::rounds::RoundView;

pub fn session(x: s::Session) -> pb::Session {
    pb::Session {
        opened_by: x.opened_by.map(super::actor),
        closed_by: x.closed_by.map(super::actor),
        minute_taker: x.minute_taker,
        notes: x
            .notes
            .into_iter()
            .map(|n| pb::DecisionNote {
                proposal_id: n.item,
                note: n.text,
                by: Some(super::actor(n.by)),
                time: ts(n.time),
            })
            .collect(),
        minutes_approval: x.minutes_approval.map(approval),
        state: match x.state {
            m::SessionState::Scheduled => pb::SessionState::Scheduled,
            m::SessionState::Open => pb::SessionState::Open,
            m::SessionState::Closed => pb::SessionState::Closed,
        } as i32,
        scheduled_time: ts(x.scheduled_time),
        attendance: x
            .attendance
            .into_iter()
            .map(|a| pb::Attendance {
                municipality: a.municipality,
                checked_in_by: a.checked_in_by,
                check_in_time: ts(a.check_in_time),
                checked_in_by_name: a.checked_in_by_name,
                by_voting: a.by_voting,
            })
            .collect(),
        open_time: opt_ts(x.open_time),
        close_time: opt_ts(x.close_time),
        etag: etag(x.version),
        id: x.id,
        cooperation_id: x.cooperation_id,
        title: x.title,
        agenda: x.agenda,
        kind: match x.kind {
            m::SessionKind::Regular => pb::SessionKind::Regular,
            m::SessionKind::FollowUp => pb::SessionKind::FollowUp,
        } as i32,
    }
}

pub fn approval(a: m::minutes::MinutesApproval) -> pb::MinutesApproval {
    pb::MinutesApproval {
        by: Some(super::actor(a.by)),
        time: ts(a.time),
        session_id: a.session_id,
        session_title: a.session_title,
        seq: a.seq.max(0) as u64,
    }
}

pub fn minutes(x: RenderedMinutes) -> pb::Minutes {
    let markdown = if x.content_type.starts_with("text/markdown") {
        String::from_utf8_lossy(&x.content).into_owned()
    } else {
        String::new()
    };
    let (seq, hash) = x
        .minutes
        .provenance
        .map(|p| (p.seq.max(0) as u64, p.hash))
        .unwrap_or_default();
    pb::Minutes {
        session_id: x.minutes.session_id,
        markdown,
        create_time: ts(x.minutes.create_time),
        content: x.content,
        content_type: x.content_type.to_string(),
        seq,
        hash,
        approval: x.approval.map(approval),
    }
}

/// The language of minutes: empty for Danish.
pub fn minutes_lang(field: &str, code: &str) -> Result<Lang, Error> {
    if code.is_empty() {
        return Ok(Lang::Da);
    }
    Lang::parse(code).ok_or_else(|| Error::invalid(field, "must be \"da\" or \"en\""))
}

pub fn minutes_format(field: &str, v: i32) -> Result<Format, Error> {
    Ok(match enum_value::<pb::MinutesFormat>(field, v)? {
        pb::MinutesFormat::Unspecified | pb::MinutesFormat::Markdown => Format::Markdown,
        pb::MinutesFormat::Html => Format::Html,
        pb::MinutesFormat::Pdf => Format::Pdf,
        pb::MinutesFormat::ResultsCsv => Format::ResultsCsv,
        pb::MinutesFormat::BallotsCsv => Format::BallotsCsv,
    })
}

pub fn method(field: &str, v: i32) -> Result<m::Method, Error> {
    Ok(match enum_value::<pb::Method>(field, v)? {
        pb::Method::Unspecified => return Err(Error::invalid(field, "is required")),
        pb::Method::YesNo => m::Method::YesNo,
        pb::Method::Approval => m::Method::Approval,
        pb::Method::Score => m::Method::Score,
        pb::Method::Borda => m::Method::Borda,
        pb::Method::Schulze => m::Method::Schulze,
    })
}

pub fn method_pb(x: m::Method) -> pb::Method {
    match x {
        m::Method::YesNo => pb::Method::YesNo,
        m::Method::Approval => pb::Method::Approval,
        m::Method::Score => pb::Method::Score,
        m::Method::Borda => pb::Method::Borda,
        m::Method::Schulze => pb::Method::Schulze,
    }
}

pub fn threshold(field: &str, v: i32) -> Result<Option<m::Threshold>, Error> {
    Ok(match enum_value::<pb::Threshold>(field, v)? {
        pb::Threshold::Unspecified => None,
        pb::Threshold::SimpleMajority => Some(m::Threshold::SimpleMajority),
        pb::Threshold::TwoThirds => Some(m::Threshold::TwoThirds),
        pb::Threshold::Unanimous => Some(m::Threshold::Unanimous),
    })
}

fn threshold_pb(x: Option<m::Threshold>) -> pb::Threshold {
    match x {
        None => pb::Threshold::Unspecified,
        Some(m::Threshold::SimpleMajority) => pb::Threshold::SimpleMajority,
        Some(m::Threshold::TwoThirds) => pb::Threshold::TwoThirds,
        Some(m::Threshold::Unanimous) => pb::Threshold::Unanimous,
    }
}

fn round_state_pb(x: m::RoundState) -> pb::RoundState {
    match x {
        m::RoundState::Open => pb::RoundState::Open,
        m::RoundState::Closed => pb::RoundState::Closed,
        m::RoundState::Cancelled => pb::RoundState::Cancelled,
    }
}

pub fn result(r: s::RoundResult) -> pb::RoundResult {
    pb::RoundResult {
        quorum_met: r.quorum_met,
        cast_weight: r.cast_weight,
        total_weight: r.total_weight,
        candidates: r
            .candidates
            .into_iter()
            .map(|c| pb::CandidateResult {
                proposal_id: c.proposal_id,
                position: c.position,
                score: c.score,
                yes_weight: c.yes_weight,
                no_weight: c.no_weight,
                abstain_weight: c.abstain_weight,
                adopted: c.adopted,
            })
            .collect(),
        tie_breaks: r
            .tie_breaks
            .into_iter()
            .map(|t| pb::TieBreak {
                proposal_ids: t.proposal_ids,
                reason: t.reason,
            })
            .collect(),
        inputs_hash: r.inputs_hash,
        adopted: r.adopted,
        skipped_for_budget: r.skipped_for_budget,
        list_revision: r.list_revision,
        note: r.note,
    }
}

pub fn round(v: RoundView) -> pb::Round {
    let r = v.round;
    pb::Round {
        method: method_pb(r.method) as i32,
        candidates: r.candidates.into_iter().map(|c| c.proposal_id).collect(),
        weighting: weighting_pb(r.weighting) as i32,
        quorum_bp: r.quorum_bp,
        threshold: threshold_pb(r.threshold) as i32,
        deadline: opt_ts(r.deadline),
        budget_dkk: r.budget_dkk,
        state: round_state_pb(r.state) as i32,
        decision_level: decision_level_pb(r.decision_level) as i32,
        voted: v.voted,
        voted_weight: v.voted_weight,
        total_weight: r.total_weight,
        result: r.result.map(result),
        open_time: ts(r.open_time),
        close_time: opt_ts(r.close_time),
        cancel_reason: r.cancel_reason.unwrap_or_default(),
        id: r.id,
        session_id: r.session_id,
        cooperation_id: r.cooperation_id,
        title: r.title,
    }
}

fn choice(field: &str, v: i32) -> Result<m::Choice, Error> {
    Ok(match enum_value::<pb::Choice>(field, v)? {
        pb::Choice::Unspecified => return Err(Error::invalid(field, "is required: YES, NO or ABSTAIN")),
        pb::Choice::Yes => m::Choice::Yes,
        pb::Choice::No => m::Choice::No,
        pb::Choice::Abstain => m::Choice::Abstain,
    })
}

fn choice_pb(x: m::Choice) -> pb::Choice {
    match x {
        m::Choice::Yes => pb::Choice::Yes,
        m::Choice::No => pb::Choice::No,
        m::Choice::Abstain => pb::Choice::Abstain,
    }
}

/// The ballot of a `CastBallotRequest`; its oneof must be set.
pub fn ballot_content(c: Option<pb::BallotContent>) -> Result<s::BallotContent, Error> {
    use pb::ballot_content::Kind;
    let missing = || {
        Error::invalid(
            "content",
            "is required: one of yes_no, approval, score, ranking or tiers",
        )
    };
    Ok(match c.and_then(|c| c.kind).ok_or_else(missing)? {
        Kind::YesNo(b) => s::BallotContent::YesNo(
            b.choices
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    Ok(s::YesNoChoice {
                        choice: choice(&format!("ballot.choices[{i}].choice"), c.choice)?,
                        candidate_id: c.candidate_id,
                    })
                })
                .collect::<Result<_, Error>>()?,
        ),
        Kind::Approval(b) => s::BallotContent::Approval(b.approved),
        Kind::Score(b) => s::BallotContent::Score(
            b.scores
                .into_iter()
                .map(|c| s::CandidateScore {
                    candidate_id: c.candidate_id,
                    score: c.score,
                })
                .collect(),
        ),
        Kind::Ranking(b) => s::BallotContent::Ranking(b.ranking),
        Kind::Tiers(b) => s::BallotContent::Tiers(b.tiers.into_iter().map(|t| t.candidate_ids).collect()),
    })
}

fn ballot_content_pb(c: s::BallotContent) -> pb::BallotContent {
    use pb::ballot_content::Kind;
    let kind = match c {
        s::BallotContent::YesNo(cs) => Kind::YesNo(pb::YesNoBallot {
            choices: cs
                .into_iter()
                .map(|c| pb::YesNoChoice {
                    candidate_id: c.candidate_id,
                    choice: choice_pb(c.choice) as i32,
                })
                .collect(),
        }),
        s::BallotContent::Approval(ids) => Kind::Approval(pb::ApprovalBallot { approved: ids }),
        s::BallotContent::Score(ss) => Kind::Score(pb::ScoreBallot {
            scores: ss
                .into_iter()
                .map(|s| pb::CandidateScore {
                    candidate_id: s.candidate_id,
                    score: s.score,
                })
                .collect(),
        }),
        s::BallotContent::Ranking(ids) => Kind::Ranking(pb::RankingBallot { ranking: ids }),
        s::BallotContent::Tiers(tiers) => Kind::Tiers(pb::TieredRankingBallot {
            tiers: tiers.into_iter().map(|t| pb::Tier { candidate_ids: t }).collect(),
        }),
    };
    pb::BallotContent { kind: Some(kind) }
}

/// A ballot, its content included only when `visible`.
pub fn ballot(b: s::Ballot, visible: bool) -> pb::Ballot {
    pb::Ballot {
        round_id: b.round_id,
        municipality: b.municipality,
        cast_by: b.cast_by,
        cast_by_name: b.cast_by_name,
        role: b.role,
        cast_time: ts(b.cast_time),
        content: visible.then(|| ballot_content_pb(b.content)),
        version: b.version,
        current: b.current,
        weight: b.weight,
    }
}
