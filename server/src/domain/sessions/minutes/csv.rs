//! Results and named ballots as CSV, one row per ballot and candidate, for
//! spreadsheets and for checking a result by hand.

use crate::domain::locale;
use crate::domain::model::minutes::{MinutesRecord, Outcome};
use crate::domain::model::{BallotContent, Choice};

/// The header of [`ballots`].
pub const BALLOT_COLUMNS: [&str; 12] = [
    "round",
    "round_title",
    "method",
    "municipality",
    "municipality_name",
    "weight",
    "cast_by",
    "cast_by_name",
    "role",
    "cast_time",
    "candidate",
    "value",
];

/// The header of [`results`].
pub const RESULT_COLUMNS: [&str; 14] = [
    "round",
    "round_title",
    "method",
    "position",
    "candidate",
    "candidate_title",
    "score",
    "yes",
    "no",
    "abstain",
    "absent",
    "yes_weight",
    "no_weight",
    "outcome",
];

/// What a ballot says about one candidate: `YES`/`NO`/`ABSTAIN`, `1`/`0`
/// (approved or not), the score, or the rank (tier) it gave, empty when
/// it ranked the candidate nowhere.
pub fn value(content: &BallotContent, candidate: &str) -> String {
    match content {
        BallotContent::YesNo(cs) => cs
            .iter()
            .find(|c| c.candidate_id == candidate)
            .map(|c| c.choice)
            .unwrap_or(Choice::Abstain)
            .to_string(),
        BallotContent::Approval(ids) => if ids.iter().any(|i| i == candidate) { "1" } else { "0" }.into(),
        BallotContent::Score(ss) => ss
            .iter()
            .find(|s| s.candidate_id == candidate)
            .map_or(0, |s| s.score)
            .to_string(),
        BallotContent::Ranking(ids) => ids
            .iter()
            .position(|i| i == candidate)
            .map(|p| (p + 1).to_string())
            .unwrap_or_default(),
        BallotContent::Tiers(tiers) => tiers
            .iter()
            .position(|t| t.iter().any(|i| i == candidate))
            .map(|p| (p + 1).to_string())
            .unwrap_or_default(),
    }
}

fn write(rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    for r in rows {
        // Writing to memory cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Every named ballot of the session's rounds.
pub fn ballots(m: &MinutesRecord) -> String {
    let head = BALLOT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows = m.rounds.iter().flat_map(|r| {
        r.ballots.iter().flat_map(move |b| {
            r.candidates.iter().map(move |c| {
                vec![
                    r.number.to_string(),
                    r.title.clone(),
                    r.method.to_string(),
                    b.member.code.clone(),
                    b.member.name.clone(),
                    b.weight.to_string(),
                    b.by.sub.clone(),
                    b.by.name.clone(),
                    b.by.role.clone(),
                    locale::machine_time(b.cast_time),
                    c.proposal_id.clone(),
                    value(&b.content, &c.proposal_id),
                ]
            })
        })
    });
    write(std::iter::once(head).chain(rows))
}

/// Every result of the session's rounds.
pub fn results(m: &MinutesRecord) -> String {
    let head = RESULT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows = m.rounds.iter().flat_map(|r| {
        r.result.iter().flat_map(move |res| {
            res.candidates.iter().map(move |c| {
                let title = r
                    .candidates
                    .iter()
                    .find(|x| x.proposal_id == c.proposal_id)
                    .map(|x| x.title.clone())
                    .unwrap_or_default();
                vec![
                    r.number.to_string(),
                    r.title.clone(),
                    r.method.to_string(),
                    c.position.to_string(),
                    c.proposal_id.clone(),
                    title,
                    c.score.to_string(),
                    c.yes.to_string(),
                    c.no.to_string(),
                    c.abstain.to_string(),
                    c.absent.to_string(),
                    c.yes_weight.to_string(),
                    c.no_weight.to_string(),
                    match c.outcome {
                        Outcome::Adopted => "adopted",
                        Outcome::Rejected => "rejected",
                        Outcome::SkippedForBudget => "skipped_for_budget",
                        Outcome::Ranked => "ranked",
                        Outcome::NotDecided => "not_decided",
                    }
                    .to_string(),
                ]
            })
        })
    });
    write(std::iter::once(head).chain(rows))
}
