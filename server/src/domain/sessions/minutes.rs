//! The minutes of a session (DESIGN.md §4), rendered as Markdown when the
//! session closes: attendance, every round with its method, candidates, each
//! member's named ballot, the result, quorum and tie-breaks, the overrides
//! filed during the session, and the shared list as the session left it.
//!
//! A pure function of the records, so the minutes of the same records always
//! read the same.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::model::{Ballot, BallotContent, Round, RoundResult, Session};
use crate::domain::model::{Choice, Cooperation, Member, Method, Micros, PriorityList, Proposal, RoundState};
use crate::domain::write::SYSTEM_ROLE;

/// A local override filed while the session was open, as the minutes list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideNote {
    pub municipality: String,
    pub proposal_id: String,
    /// E.g. `OPT_OUT`, or `DEFER until 2027-01-01`.
    pub kind: String,
    pub justification: String,
    pub board_resolution: String,
    pub set_by: String,
    pub set_time: Micros,
}

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
    pub overrides: &'a [OverrideNote],
    pub list: &'a PriorityList,
    /// A follow-up session's report as it stood when the session closed.
    pub follow_up: Option<&'a crate::domain::follow_up::FollowUpReport>,
}

pub fn render(input: &MinutesInput<'_>) -> String {
    let mut md = String::new();
    let s = input.session;
    let names: HashMap<&str, &str> = input
        .members
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let member = |code: &str| match names.get(code) {
        Some(name) => format!("{code} {}", cell(name)),
        None => code.to_string(),
    };
    let title = |id: &str| match input.proposals.get(id) {
        Some(p) => cell(&p.content.title),
        None => id.to_string(),
    };

    let _ = writeln!(md, "# Minutes: {}", line(&s.title));
    let _ = writeln!(md);
    item(
        &mut md,
        format_args!("Cooperation: {} ({})", line(&input.cooperation.name), s.cooperation_id),
    );
    item(&mut md, format_args!("Session: {}", s.id));
    item(&mut md, format_args!("Scheduled: {}", time(s.scheduled_time)));
    if let Some(t) = s.open_time {
        item(&mut md, format_args!("Opened: {}", time(t)));
    }
    if let Some(t) = s.close_time {
        item(&mut md, format_args!("Closed: {}", time(t)));
    }

    let _ = writeln!(md, "\n## Attendance\n");
    if s.attendance.is_empty() {
        let _ = writeln!(md, "No member checked in.");
    } else {
        table_head(&mut md, &["Municipality", "Checked in by", "Time"]);
        for a in &s.attendance {
            table_row(
                &mut md,
                &[member(&a.municipality), cell(&a.checked_in_by), time(a.check_in_time)],
            );
        }
    }
    let absent: Vec<String> = input
        .members
        .iter()
        .filter(|m| m.is_current() && !s.has_checked_in(&m.code))
        .map(|m| member(&m.code))
        .collect();
    if !absent.is_empty() {
        let _ = writeln!(md, "\nAbsent: {}.", absent.join(", "));
    }

    let _ = writeln!(md, "\n## Agenda\n");
    if s.agenda.is_empty() {
        let _ = writeln!(md, "The agenda was empty.");
    }
    for (i, id) in s.agenda.iter().enumerate() {
        let status = input
            .proposals
            .get(id)
            .map(|p| format!(" — {}", p.status))
            .unwrap_or_default();
        let _ = writeln!(md, "{}. {} ({id}){status}", i + 1, title(id));
    }

    let _ = writeln!(md, "\n## Rounds");
    if input.rounds.is_empty() {
        let _ = writeln!(md, "\nNo rounds were held.");
    }
    for (n, (r, ballots, replaced)) in input.rounds.iter().enumerate() {
        render_round(&mut md, n + 1, r, ballots, *replaced, &member, &title);
    }

    let _ = writeln!(md, "\n## Local overrides filed during the session\n");
    if input.overrides.is_empty() {
        let _ = writeln!(md, "None.");
    } else {
        table_head(
            &mut md,
            &[
                "Municipality",
                "Proposal",
                "Override",
                "Justification",
                "Board resolution",
                "Set by",
                "Time",
            ],
        );
        for o in input.overrides {
            table_row(
                &mut md,
                &[
                    member(&o.municipality),
                    title(&o.proposal_id),
                    cell(&o.kind),
                    cell(&o.justification),
                    cell(&o.board_resolution),
                    cell(&o.set_by),
                    time(o.set_time),
                ],
            );
        }
    }

    let _ = writeln!(md, "\n## Shared priority list after the session\n");
    let _ = writeln!(md, "Revision {}.", input.list.revision);
    if !input.list.items.is_empty() {
        let _ = writeln!(md);
    }
    for (i, id) in input.list.items.iter().enumerate() {
        let _ = writeln!(md, "{}. {} ({id})", i + 1, title(id));
    }
    if let Some(report) = input.follow_up {
        md.push_str(&crate::domain::follow_up::minutes::section(report));
    }
    md
}

fn render_round(
    md: &mut String,
    n: usize,
    r: &Round,
    ballots: &[Ballot],
    replaced: usize,
    member: &impl Fn(&str) -> String,
    title: &impl Fn(&str) -> String,
) {
    let heading = if r.title.is_empty() {
        format!("Round {n}")
    } else {
        format!("Round {n}: {}", line(&r.title))
    };
    let _ = writeln!(md, "\n### {heading}\n");
    round_facts(md, r);
    let _ = writeln!(md, "\nCandidates:\n");
    for (i, c) in r.candidates.iter().enumerate() {
        let _ = writeln!(md, "{}. {} ({})", i + 1, title(&c.proposal_id), c.proposal_id);
    }
    let index: HashMap<&str, usize> = r
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.proposal_id.as_str(), i + 1))
        .collect();
    let label = |id: &str| match index.get(id) {
        Some(i) => format!("#{i}"),
        None => id.to_string(),
    };
    round_ballots(md, r, ballots, replaced, member, &label);
    if let Some(res) = &r.result {
        round_result(md, r, res, &label, title);
    }
}

/// How the round was run: method, weighting, quorum, budget, who opened it
/// and how it ended.
fn round_facts(md: &mut String, r: &Round) {
    let method = match r.threshold {
        Some(t) if r.method == Method::YesNo => format!("{} ({t})", r.method),
        _ => r.method.to_string(),
    };
    item(md, format_args!("Method: {method}"));
    item(
        md,
        format_args!("Weighting: {}; total weight {}", r.weighting, r.total_weight),
    );
    item(md, format_args!("Decision level: {}", r.decision_level));
    item(
        md,
        format_args!("Quorum required: {}", percent(u64::from(r.quorum_bp), 10_000)),
    );
    if let Some(b) = r.budget_dkk {
        item(md, format_args!("Adoption budget: {b} DKK"));
    }
    item(
        md,
        format_args!("Opened: {} by {}", time(r.open_time), cell(&r.opened_by.sub)),
    );
    match r.state {
        RoundState::Open => item(md, "State: OPEN"),
        RoundState::Closed => {
            let closed = time(r.close_time.unwrap_or(0));
            match &r.closed_by {
                Some(a) if a.roles.iter().any(|role| role == SYSTEM_ROLE) => {
                    item(md, format_args!("Closed: {closed}, at its deadline"))
                }
                by => {
                    let by = by.as_ref().map(|a| a.sub.as_str()).unwrap_or("");
                    item(md, format_args!("Closed: {closed} by {}", cell(by)))
                }
            }
        }
        RoundState::Cancelled => {
            let reason = r
                .cancel_reason
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("no reason given");
            item(
                md,
                format_args!("Cancelled: {} ({})", time(r.close_time.unwrap_or(0)), line(reason)),
            )
        }
    }
}

/// Each member's named ballot, who did not vote, and how many ballots were
/// replaced.
fn round_ballots(
    md: &mut String,
    r: &Round,
    ballots: &[Ballot],
    replaced: usize,
    member: &impl Fn(&str) -> String,
    label: &impl Fn(&str) -> String,
) {
    let _ = writeln!(md, "\nBallots:\n");
    if ballots.is_empty() {
        let _ = writeln!(md, "No ballots were cast.");
    } else {
        table_head(md, &["Municipality", "Weight", "Cast by", "Ballot"]);
        for b in ballots {
            table_row(
                md,
                &[
                    member(&b.municipality),
                    b.weight.to_string(),
                    format!("{} ({})", cell(&b.cast_by), b.role),
                    ballot_text(&b.content, r, label),
                ],
            );
        }
    }
    let not_voted: Vec<String> = r
        .weights
        .iter()
        .filter(|w| !ballots.iter().any(|b| b.municipality == w.municipality))
        .map(|w| member(&w.municipality))
        .collect();
    if !not_voted.is_empty() {
        let _ = writeln!(md, "\nDid not vote: {}.", not_voted.join(", "));
    }
    if replaced > 0 {
        let _ = writeln!(
            md,
            "\n{replaced} earlier ballot(s) were replaced before the round closed; they are kept in the ballot history."
        );
    }
}

/// The result: quorum, the table of candidates, tie-breaks and what was
/// decided.
fn round_result(
    md: &mut String,
    r: &Round,
    res: &RoundResult,
    label: &impl Fn(&str) -> String,
    title: &impl Fn(&str) -> String,
) {
    let _ = writeln!(md, "\nResult:\n");
    item(
        md,
        format_args!(
            "Quorum: {} — {} of {} weight cast ({})",
            if res.quorum_met { "met" } else { "NOT met" },
            res.cast_weight,
            res.total_weight,
            percent(res.cast_weight, res.total_weight)
        ),
    );
    let _ = writeln!(md);
    if r.method == Method::YesNo {
        yes_no_table(md, res, label, title);
    } else {
        ranking_table(md, r.method, res, label, title);
    }
    if !res.tie_breaks.is_empty() {
        let _ = writeln!(md, "\nTie-breaks:\n");
        for t in &res.tie_breaks {
            let order: Vec<String> = t.proposal_ids.iter().map(|id| label(id)).collect();
            item(md, format_args!("{}: {}", order.join(" before "), line(&t.reason)));
        }
    }
    let _ = writeln!(md);
    let titles = |ids: &[String]| ids.iter().map(|id| title(id)).collect::<Vec<_>>().join(", ");
    if !res.adopted.is_empty() {
        let _ = writeln!(md, "Adopted: {}.", titles(&res.adopted));
    }
    if !res.rejected.is_empty() {
        let _ = writeln!(md, "Rejected: {}.", titles(&res.rejected));
    }
    if !res.skipped_for_budget.is_empty() {
        let _ = writeln!(md, "Skipped for budget: {}.", titles(&res.skipped_for_budget));
    }
    if res.list_revision > 0 {
        let _ = writeln!(md, "Shared priority list: revision {}.", res.list_revision);
    }
    if !res.note.is_empty() {
        let _ = writeln!(md, "Note: {}", line(&res.note));
    }
    let _ = writeln!(md, "Inputs hash: `{}`", res.inputs_hash);
}

/// A `YES_NO` round's result: the weight of each choice per candidate.
fn yes_no_table(md: &mut String, res: &RoundResult, label: &impl Fn(&str) -> String, title: &impl Fn(&str) -> String) {
    table_head(md, &["#", "Proposal", "YES", "NO", "ABSTAIN", "Outcome"]);
    for c in &res.candidates {
        let outcome = if res.adopted.contains(&c.proposal_id) {
            "adopted"
        } else if res.rejected.contains(&c.proposal_id) {
            "rejected"
        } else {
            "not decided"
        };
        table_row(
            md,
            &[
                label(&c.proposal_id),
                title(&c.proposal_id),
                c.yes_weight.to_string(),
                c.no_weight.to_string(),
                c.abstain_weight.to_string(),
                outcome.to_string(),
            ],
        );
    }
}

/// A ranking round's result: the candidates in result order with their score.
fn ranking_table(
    md: &mut String,
    method: Method,
    res: &RoundResult,
    label: &impl Fn(&str) -> String,
    title: &impl Fn(&str) -> String,
) {
    let score = match method {
        Method::Approval => "Approving weight",
        Method::Score => "Weighted score",
        Method::Borda => "Borda points",
        _ => "Ranks above",
    };
    table_head(md, &["Position", "Proposal", score, "Outcome"]);
    for c in &res.candidates {
        let outcome = if res.adopted.contains(&c.proposal_id) {
            "adopted"
        } else if res.skipped_for_budget.contains(&c.proposal_id) {
            "skipped: over budget"
        } else {
            ""
        };
        table_row(
            md,
            &[
                c.position.to_string(),
                format!("{} {}", label(&c.proposal_id), title(&c.proposal_id)),
                c.score.to_string(),
                outcome.to_string(),
            ],
        );
    }
}

/// A bullet item on its own line.
fn item(md: &mut String, text: impl std::fmt::Display) {
    let _ = writeln!(md, "- {text}");
}

/// The header row of a Markdown table and the row under it.
fn table_head(md: &mut String, headers: &[&str]) {
    let _ = writeln!(md, "| {} |", headers.join(" | "));
    let _ = writeln!(md, "|{}", " --- |".repeat(headers.len()));
}

/// A row of a Markdown table; cells are already escaped (see [`cell`]).
fn table_row(md: &mut String, cells: &[String]) {
    let _ = writeln!(md, "| {} |", cells.join(" | "));
}

/// A ballot in one line, candidates by their number in the round.
fn ballot_text(content: &BallotContent, r: &Round, label: &impl Fn(&str) -> String) -> String {
    match content {
        BallotContent::YesNo(choices) => r
            .candidates
            .iter()
            .map(|c| {
                let choice = choices
                    .iter()
                    .find(|x| x.candidate_id == c.proposal_id)
                    .map(|x| x.choice)
                    .unwrap_or(Choice::Abstain);
                format!("{} {choice}", label(&c.proposal_id))
            })
            .collect::<Vec<_>>()
            .join(", "),
        BallotContent::Approval(ids) if ids.is_empty() => "approves none".into(),
        BallotContent::Approval(ids) => format!(
            "approves {}",
            ids.iter().map(|id| label(id)).collect::<Vec<_>>().join(", ")
        ),
        BallotContent::Score(scores) => r
            .candidates
            .iter()
            .map(|c| {
                let s = scores
                    .iter()
                    .find(|x| x.candidate_id == c.proposal_id)
                    .map(|x| x.score)
                    .unwrap_or(0);
                format!("{}: {s}", label(&c.proposal_id))
            })
            .collect::<Vec<_>>()
            .join(", "),
        BallotContent::Ranking(ids) => ids.iter().map(|id| label(id)).collect::<Vec<_>>().join(" > "),
        BallotContent::Tiers(tiers) => tiers
            .iter()
            .map(|t| t.iter().map(|id| label(id)).collect::<Vec<_>>().join(" = "))
            .collect::<Vec<_>>()
            .join(" > "),
    }
}

/// `part` of `whole` as a percentage with two decimals, in integers.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let hundredths = (u128::from(part) * 10_000 + u128::from(whole) / 2) / u128::from(whole);
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

pub fn time(micros: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Text on one line: line breaks folded into spaces.
fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text inside a table cell: on one line, pipes escaped.
fn cell(s: &str) -> String {
    line(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{
        Actor, Category, DecisionLevel, Flags, ProposalContent, ProposalStatus, Rules, Threshold, Weighting,
    };
    use crate::domain::sessions::model::{
        Attendance, CandidateResult, MemberWeight, RoundCandidate, RoundResult, TieBreak, YesNoChoice,
    };

    fn member(code: &str, name: &str) -> Member {
        Member {
            cooperation_id: "c".into(),
            code: code.into(),
            name: name.into(),
            population: 1,
            population_date: None,
            custom_weight: None,
            joined_on: "2026-01-01".into(),
            left_on: None,
            version: 1,
        }
    }

    fn proposal(id: &str, title: &str) -> Proposal {
        Proposal {
            id: id.into(),
            cooperation_id: "c".into(),
            content: ProposalContent {
                title: title.into(),
                summary: String::new(),
                category: Category::Other,
                flags: Flags::default(),
                one_time_cost_dkk: 0,
                yearly_cost_dkk: 0,
                linked_systems: vec![],
            },
            sponsor: "0101".into(),
            status: ProposalStatus::Adopted,
            created_by: "s".into(),
            create_time: 0,
            update_time: 0,
            submit_time: None,
            submit_seq: None,
            decide_time: None,
            version: 1,
        }
    }

    fn actor() -> Actor {
        Actor {
            sub: "chair".into(),
            municipality: "0101".into(),
            roles: vec![],
        }
    }

    #[test]
    fn minutes_name_attendance_ballots_results_and_tie_breaks() {
        let coop = Cooperation {
            id: "c".into(),
            name: "Samarbejdet".into(),
            rules: Rules {
                default_weighting: Weighting::Equal,
                default_quorum_bp: 5000,
                allow_delegated_voting: false,
            },
            create_time: 0,
            update_time: 0,
            version: 1,
            member_count: 3,
        };
        let session = Session {
            id: "s1".into(),
            cooperation_id: "c".into(),
            title: "Styregruppemøde".into(),
            scheduled_time: 0,
            agenda: vec!["p1".into(), "p2".into()],
            state: crate::domain::model::SessionState::Closed,
            attendance: vec![Attendance {
                municipality: "0101".into(),
                checked_in_by: "anna".into(),
                check_in_time: 0,
            }],
            created_by: "chair".into(),
            create_time: 0,
            open_time: Some(0),
            close_time: Some(60_000_000),
            version: 4,
            kind: Default::default(),
        };
        let members = vec![member("0101", "København"), member("0147", "Frederiksberg")];
        let proposals: HashMap<String, Proposal> = [proposal("p1", "ESDH | fælles"), proposal("p2", "Chatbot")]
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let round = Round {
            id: "r1".into(),
            session_id: "s1".into(),
            cooperation_id: "c".into(),
            title: "Beslutning".into(),
            method: Method::YesNo,
            candidates: vec![
                RoundCandidate {
                    proposal_id: "p1".into(),
                    submit_seq: 1,
                },
                RoundCandidate {
                    proposal_id: "p2".into(),
                    submit_seq: 2,
                },
            ],
            weighting: Weighting::Equal,
            quorum_bp: 5000,
            threshold: Some(Threshold::TwoThirds),
            deadline: None,
            budget_dkk: None,
            state: RoundState::Closed,
            decision_level: DecisionLevel::Delegated,
            weights: vec![
                MemberWeight {
                    municipality: "0101".into(),
                    weight: 1,
                },
                MemberWeight {
                    municipality: "0147".into(),
                    weight: 1,
                },
            ],
            total_weight: 2,
            opened_by: actor(),
            open_time: 0,
            closed_by: Some(actor()),
            close_time: Some(1),
            cancel_reason: None,
            result: Some(RoundResult {
                quorum_met: true,
                cast_weight: 1,
                total_weight: 2,
                candidates: vec![
                    CandidateResult {
                        proposal_id: "p1".into(),
                        position: 1,
                        score: 1,
                        yes_weight: 1,
                        no_weight: 0,
                        abstain_weight: 0,
                        adopted: true,
                    },
                    CandidateResult {
                        proposal_id: "p2".into(),
                        position: 2,
                        score: 0,
                        yes_weight: 0,
                        no_weight: 1,
                        abstain_weight: 0,
                        adopted: false,
                    },
                ],
                tie_breaks: vec![TieBreak {
                    proposal_ids: vec!["p1".into(), "p2".into()],
                    reason: "equal".into(),
                }],
                inputs_hash: "abc".into(),
                adopted: vec!["p1".into()],
                rejected: vec!["p2".into()],
                skipped_for_budget: vec![],
                list_revision: 1,
                note: String::new(),
            }),
            version: 2,
        };
        let ballots = vec![Ballot {
            round_id: "r1".into(),
            municipality: "0101".into(),
            cast_by: "anna".into(),
            role: "board".into(),
            cast_time: 0,
            content: BallotContent::YesNo(vec![YesNoChoice {
                candidate_id: "p2".into(),
                choice: Choice::No,
            }]),
            version: 2,
            current: true,
            weight: 1,
        }];
        let list = PriorityList {
            cooperation_id: "c".into(),
            revision: 1,
            items: vec!["p1".into()],
            update_time: 0,
            cause: String::new(),
        };
        let md = render(&MinutesInput {
            cooperation: &coop,
            session: &session,
            members: &members,
            proposals: &proposals,
            rounds: &[(round, ballots, 1)],
            overrides: &[],
            list: &list,
            follow_up: None,
        });
        assert!(md.starts_with("# Minutes: Styregruppemøde\n"), "{md}");
        assert!(md.contains("| 0101 København | anna | 1970-01-01 00:00 UTC |"), "{md}");
        assert!(md.contains("Absent: 0147 Frederiksberg."), "{md}");
        assert!(md.contains("- Method: YES_NO (TWO_THIRDS)"), "{md}");
        // A left-out candidate is recorded as the abstention it counts as.
        assert!(
            md.contains("| 0101 København | 1 | anna (board) | #1 ABSTAIN, #2 NO |"),
            "{md}"
        );
        assert!(md.contains("Did not vote: 0147 Frederiksberg."), "{md}");
        assert!(md.contains("1 earlier ballot(s) were replaced"), "{md}");
        assert!(md.contains("- Quorum: met — 1 of 2 weight cast (50.00%)"), "{md}");
        assert!(md.contains("| #1 | ESDH \\| fælles | 1 | 0 | 0 | adopted |"), "{md}");
        assert!(md.contains("| #2 | Chatbot | 0 | 1 | 0 | rejected |"), "{md}");
        assert!(md.contains("- #1 before #2: equal"), "{md}");
        assert!(
            md.contains("## Local overrides filed during the session\n\nNone."),
            "{md}"
        );
        assert!(md.contains("Revision 1.\n\n1. ESDH \\| fælles (p1)"), "{md}");
    }

    #[test]
    fn percentages_round_in_integers() {
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(2, 3), "66.67%");
        assert_eq!(percent(5000, 10_000), "50.00%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.00%");
    }
}
