//! The minutes of a session (DESIGN.md §4). When the session closes, the
//! facts are gathered into a [`MinutesRecord`] (attendance, agenda, rounds
//! with named ballots and results, overrides, the list as the session left
//! it) and stored; [`render`] turns a record into a document in Danish or
//! English, and [`doc`], [`pdf`] and [`csv`] write that document as
//! Markdown, HTML, PDF or CSV.
//!
//! Everything here is a pure function of records, so the minutes of the same
//! records always read the same.

pub mod csv;
pub mod doc;
pub mod pdf;
pub mod render;
pub mod text;

use std::collections::{HashMap, HashSet};

use super::model::{Ballot, BallotContent, Round, Session};
use crate::domain::model::minutes::{
    AgendaItem, BallotLine, CandidateOutcome, CandidateRef, LinkedSystem, MemberRef, MinutesRecord, NoteRecord,
    OverrideLine, Participant, Person, Presence, ResultRecord, RoundRecord, TieBreakLine,
};
use crate::domain::model::portfolio::{PortfolioSystem, SystemRef};
use crate::domain::model::{
    Actor, Choice, Cooperation, Member, Method, Micros, Override, PriorityList, Proposal, RoundState, Weighting,
};
use crate::domain::write::SYSTEM_ROLE;

pub use crate::domain::locale::Lang;

/// Everything the minutes of a session are made from.
pub struct MinutesInput<'a> {
    pub cooperation: &'a Cooperation,
    pub session: &'a Session,
    /// Every member, departed ones too (their names still appear).
    pub members: &'a [Member],
    /// Every proposal the minutes mention, by id.
    pub proposals: &'a HashMap<String, Proposal>,
    /// The session's rounds in the order they were opened, each with its
    /// current ballots and how many replaced ballots it kept in history.
    pub rounds: &'a [(Round, Vec<Ballot>, usize)],
    /// Override versions recorded while the session was open.
    pub overrides: &'a [Override],
    pub list: &'a PriorityList,
    /// A follow-up session's report as it stood when the session closed.
    pub follow_up: Option<&'a crate::domain::follow_up::FollowUpReport>,
    /// The portfolio systems of the cooperation's current members.
    pub systems: &'a [PortfolioSystem],
}

/// The systems of the portfolio that an agenda item's `linked_systems` name,
/// with the other members that run the same system.
fn linked_systems(
    entries: &[String],
    systems: &[PortfolioSystem],
    member: &impl Fn(&str) -> MemberRef,
) -> Vec<LinkedSystem> {
    let same = |a: &PortfolioSystem, b: &PortfolioSystem| match (&a.kitos_system_uuid, &b.kitos_system_uuid) {
        (Some(x), Some(y)) => x == y,
        _ => a.name.trim().eq_ignore_ascii_case(b.name.trim()) && a.vendor.trim().eq_ignore_ascii_case(b.vendor.trim()),
    };
    entries
        .iter()
        .filter_map(|entry| {
            let r = SystemRef::parse(entry)?;
            let s = systems
                .iter()
                .find(|s| s.municipality == r.municipality && s.id == r.system_id)?;
            let mut also: Vec<&str> = systems
                .iter()
                .filter(|o| o.municipality != s.municipality && same(s, o))
                .map(|o| o.municipality.as_str())
                .collect();
            also.sort_unstable();
            also.dedup();
            Some(LinkedSystem {
                reference: entry.clone(),
                name: s.name.clone(),
                vendor: s.vendor.clone(),
                owner: member(&s.municipality),
                also_run_by: also.into_iter().map(member).collect(),
            })
        })
        .collect()
}

/// The members that cast a ballot in the session without checking in, each
/// with its first ballot: they took part by voting.
pub fn voted_without_check_in<'a>(session: &Session, rounds: impl IntoIterator<Item = &'a Ballot>) -> Vec<&'a Ballot> {
    let mut first: HashMap<&str, &Ballot> = HashMap::new();
    for b in rounds {
        if session.has_checked_in(&b.municipality) {
            continue;
        }
        let e = first.entry(b.municipality.as_str()).or_insert(b);
        if b.cast_time < e.cast_time {
            *e = b;
        }
    }
    let mut v: Vec<&Ballot> = first.into_values().collect();
    v.sort_by(|a, b| (a.cast_time, &a.municipality).cmp(&(b.cast_time, &b.municipality)));
    v
}

/// Gathers the facts of the minutes.
pub fn record(input: &MinutesInput<'_>) -> MinutesRecord {
    let s = input.session;
    let names: HashMap<&str, &str> = input
        .members
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let member = |code: &str| MemberRef {
        code: code.to_string(),
        name: names.get(code).map(|n| n.to_string()).unwrap_or_default(),
    };
    let person = |a: &Actor, role: &str| Person {
        name: a.display().to_string(),
        sub: a.sub.clone(),
        municipality: a.municipality.clone(),
        municipality_name: names
            .get(a.municipality.as_str())
            .map(|n| n.to_string())
            .unwrap_or_default(),
        role: role.to_string(),
    };
    let chair_role = |a: &Actor| {
        if a.roles.iter().any(|r| r.starts_with("chair:")) {
            "chair".to_string()
        } else {
            a.roles.first().cloned().unwrap_or_default()
        }
    };
    let title = |id: &str| {
        input
            .proposals
            .get(id)
            .map(|p| p.content.title.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let note = |item: &str| {
        s.notes.iter().rev().find(|n| n.item == item).map(|n| NoteRecord {
            text: n.text.clone(),
            by: person(&n.by, &chair_role(&n.by)),
            time: n.time,
        })
    };

    let mut participants: Vec<Participant> = s
        .attendance
        .iter()
        .map(|a| Participant {
            member: member(&a.municipality),
            presence: if a.by_voting {
                Presence::ByVoting
            } else {
                Presence::CheckedIn
            },
            by: Person {
                name: if a.checked_in_by_name.is_empty() {
                    a.checked_in_by.clone()
                } else {
                    a.checked_in_by_name.clone()
                },
                sub: a.checked_in_by.clone(),
                municipality: a.municipality.clone(),
                municipality_name: names
                    .get(a.municipality.as_str())
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                role: String::new(),
            },
            time: a.check_in_time,
        })
        .collect();
    // Members that voted without checking in, when the session has not
    // recorded them yet (it does when it closes).
    for b in voted_without_check_in(s, input.rounds.iter().flat_map(|(_, bs, _)| bs)) {
        participants.push(Participant {
            member: member(&b.municipality),
            presence: Presence::ByVoting,
            by: ballot_person(b, &names),
            time: b.cast_time,
        });
    }
    let present: HashSet<&str> = participants.iter().map(|p| p.member.code.as_str()).collect();
    let absent = input
        .members
        .iter()
        .filter(|m| m.is_current() && !present.contains(m.code.as_str()))
        .map(|m| member(&m.code))
        .collect();

    let rounds: Vec<RoundRecord> = input
        .rounds
        .iter()
        .enumerate()
        .map(|(i, (r, ballots, replaced))| {
            round_record(
                i as u32 + 1,
                r,
                ballots,
                *replaced,
                input.members,
                &member,
                &person,
                &title,
            )
        })
        .collect();

    let agenda = s
        .agenda
        .iter()
        .map(|id| {
            let p = input.proposals.get(id);
            let in_rounds = rounds
                .iter()
                .filter(|r| r.candidates.iter().any(|c| &c.proposal_id == id))
                .map(|r| r.number)
                .collect();
            match p {
                Some(p) => AgendaItem {
                    proposal_id: id.clone(),
                    title: p.content.title.clone(),
                    summary: p.content.summary.clone(),
                    category: p.content.category,
                    sponsor: member(&p.sponsor),
                    one_time_cost_dkk: p.content.one_time_cost_dkk,
                    yearly_cost_dkk: p.content.yearly_cost_dkk,
                    involves_ai: p.content.flags.involves_ai,
                    personal_data: p.content.flags.personal_data,
                    linked_systems: p.content.linked_systems.clone(),
                    systems: linked_systems(&p.content.linked_systems, input.systems, &member),
                    status: p.status,
                    rounds: in_rounds,
                    note: note(id),
                },
                None => AgendaItem {
                    proposal_id: id.clone(),
                    title: id.clone(),
                    summary: String::new(),
                    category: crate::domain::model::Category::Other,
                    sponsor: member(""),
                    one_time_cost_dkk: 0,
                    yearly_cost_dkk: 0,
                    involves_ai: false,
                    personal_data: false,
                    linked_systems: vec![],
                    systems: vec![],
                    status: crate::domain::model::ProposalStatus::Submitted,
                    rounds: in_rounds,
                    note: note(id),
                },
            }
        })
        .collect();

    let overrides = input
        .overrides
        .iter()
        .map(|o| OverrideLine {
            member: member(&o.municipality),
            proposal_id: o.proposal_id.clone(),
            title: title(&o.proposal_id),
            kind: o.kind.to_string(),
            change: format!("{:?}", o.change).to_ascii_lowercase(),
            defer_until: o.defer_until.clone(),
            local_rank: o.local_rank,
            justification: o.justification.clone(),
            board_resolution: o.board_resolution.clone(),
            by: person(&o.set_by, o.set_by.roles.first().map(String::as_str).unwrap_or("")),
            time: o.set_time,
        })
        .collect();

    MinutesRecord {
        cooperation_id: input.cooperation.id.clone(),
        cooperation_name: input.cooperation.name.clone(),
        session_id: s.id.clone(),
        title: s.title.clone(),
        scheduled_time: s.scheduled_time,
        open_time: s.open_time,
        close_time: s.close_time,
        chair: s
            .opened_by
            .as_ref()
            .or(s.closed_by.as_ref())
            .map(|a| person(a, "chair")),
        minute_taker: s.minute_taker.clone(),
        participants,
        absent,
        agenda,
        any_other_business: note(""),
        rounds,
        overrides,
        list_revision: input.list.revision,
        list: input
            .list
            .items
            .iter()
            .map(|id| CandidateRef {
                proposal_id: id.clone(),
                title: title(id),
            })
            .collect(),
        follow_up: input.follow_up.cloned(),
    }
}

fn ballot_person(b: &Ballot, names: &HashMap<&str, &str>) -> Person {
    Person {
        name: if b.cast_by_name.is_empty() {
            b.cast_by.clone()
        } else {
            b.cast_by_name.clone()
        },
        sub: b.cast_by.clone(),
        municipality: b.municipality.clone(),
        municipality_name: names
            .get(b.municipality.as_str())
            .map(|n| n.to_string())
            .unwrap_or_default(),
        role: b.role.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
fn round_record(
    number: u32,
    r: &Round,
    ballots: &[Ballot],
    replaced: usize,
    members: &[Member],
    member: &impl Fn(&str) -> MemberRef,
    person: &impl Fn(&Actor, &str) -> Person,
    title: &impl Fn(&str) -> String,
) -> RoundRecord {
    let names: HashMap<&str, &str> = members.iter().map(|m| (m.code.as_str(), m.name.as_str())).collect();
    let voted: HashSet<&str> = ballots.iter().map(|b| b.municipality.as_str()).collect();
    let not_voted: Vec<MemberRef> = r
        .weights
        .iter()
        .filter(|w| !voted.contains(w.municipality.as_str()))
        .map(|w| member(&w.municipality))
        .collect();
    let population_date = match r.weighting {
        Weighting::Population => {
            let dates: HashSet<Option<&str>> = r
                .weights
                .iter()
                .map(|w| {
                    members
                        .iter()
                        .find(|m| m.code == w.municipality)
                        .and_then(|m| m.population_date.as_deref())
                })
                .collect();
            match dates.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(d)] => Some(d.to_string()),
                _ => None,
            }
        }
        _ => None,
    };
    let at_deadline = r
        .closed_by
        .as_ref()
        .is_some_and(|a| a.roles.iter().any(|role| role == SYSTEM_ROLE));
    let result = r.result.as_ref().map(|res| {
        let absent = not_voted.len() as u32;
        ResultRecord {
            quorum_met: res.quorum_met,
            cast_weight: res.cast_weight,
            total_weight: res.total_weight,
            no_ballots: ballots.is_empty(),
            candidates: res
                .candidates
                .iter()
                .map(|c| {
                    let (mut yes, mut no, mut abstain, mut approvals) = (0, 0, 0, 0);
                    for b in ballots {
                        match &b.content {
                            BallotContent::YesNo(choices) => {
                                match choices
                                    .iter()
                                    .find(|x| x.candidate_id == c.proposal_id)
                                    .map(|x| x.choice)
                                    .unwrap_or(Choice::Abstain)
                                {
                                    Choice::Yes => yes += 1,
                                    Choice::No => no += 1,
                                    Choice::Abstain => abstain += 1,
                                }
                            }
                            BallotContent::Approval(ids) if ids.contains(&c.proposal_id) => approvals += 1,
                            _ => {}
                        }
                    }
                    let outcome = if res.adopted.contains(&c.proposal_id) {
                        crate::domain::model::minutes::Outcome::Adopted
                    } else if res.rejected.contains(&c.proposal_id) {
                        crate::domain::model::minutes::Outcome::Rejected
                    } else if res.skipped_for_budget.contains(&c.proposal_id) {
                        crate::domain::model::minutes::Outcome::SkippedForBudget
                    } else if res.quorum_met && !ballots.is_empty() && r.method != Method::YesNo {
                        crate::domain::model::minutes::Outcome::Ranked
                    } else {
                        crate::domain::model::minutes::Outcome::NotDecided
                    };
                    CandidateOutcome {
                        proposal_id: c.proposal_id.clone(),
                        position: c.position,
                        score: c.score,
                        yes_weight: c.yes_weight,
                        no_weight: c.no_weight,
                        abstain_weight: c.abstain_weight,
                        yes,
                        no,
                        abstain,
                        absent,
                        approvals,
                        outcome,
                    }
                })
                .collect(),
            tie_breaks: res
                .tie_breaks
                .iter()
                .map(|t| TieBreakLine {
                    proposal_ids: t.proposal_ids.clone(),
                    reason: t.reason.clone(),
                })
                .collect(),
            list_revision: res.list_revision,
            inputs_hash: res.inputs_hash.clone(),
        }
    });
    RoundRecord {
        number,
        round_id: r.id.clone(),
        title: r.title.clone(),
        method: r.method,
        threshold: r.threshold,
        weighting: r.weighting,
        population_date,
        quorum_bp: r.quorum_bp,
        budget_dkk: r.budget_dkk,
        decision_level: r.decision_level,
        total_weight: r.total_weight,
        opened_by: person(&r.opened_by, "chair"),
        open_time: r.open_time,
        state: r.state,
        close_time: r.close_time,
        closed_at_deadline: at_deadline,
        closed_by: r
            .closed_by
            .as_ref()
            .filter(|_| !at_deadline)
            .map(|a| person(a, "chair")),
        cancel_reason: match r.state {
            RoundState::Cancelled => Some(r.cancel_reason.clone().unwrap_or_default()),
            _ => None,
        },
        candidates: r
            .candidates
            .iter()
            .map(|c| CandidateRef {
                proposal_id: c.proposal_id.clone(),
                title: title(&c.proposal_id),
            })
            .collect(),
        ballots: ballots
            .iter()
            .map(|b| BallotLine {
                member: member(&b.municipality),
                weight: b.weight,
                by: ballot_person(b, &names),
                cast_time: b.cast_time,
                content: b.content.clone(),
            })
            .collect(),
        not_voted,
        replaced,
        result,
    }
}

/// The formats minutes are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Markdown,
    /// A whole HTML document with a print stylesheet.
    Html,
    /// The HTML of the minutes alone, for a page that supplies the rest.
    HtmlBody,
    Pdf,
    /// Every round's result, one row per candidate.
    ResultsCsv,
    /// Every named ballot, one row per ballot and candidate.
    BallotsCsv,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html | Format::HtmlBody => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::ResultsCsv | Format::BallotsCsv => "text/csv; charset=utf-8",
        }
    }
}

/// The minutes of a record in a language and format.
pub fn write(r: &render::Rendering<'_>, format: Format) -> Vec<u8> {
    match format {
        Format::Markdown => render::document(r).markdown().into_bytes(),
        Format::Html => render::document(r).html().into_bytes(),
        Format::HtmlBody => render::document(r).html_body().into_bytes(),
        Format::Pdf => pdf::write(&render::document(r)),
        Format::ResultsCsv => csv::results(r.record).into_bytes(),
        Format::BallotsCsv => csv::ballots(r.record).into_bytes(),
    }
}

/// SHA-256 (hex) of a record, as the session's `closed` event carries it.
pub fn record_sha256(record: &MinutesRecord) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&json))
}

/// A moment in UTC, for messages (`2026-11-29 11:26 UTC`).
pub fn time(micros: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}
