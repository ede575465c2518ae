//! A minutes record as a document in Danish (*referat*) or English:
//! participants and absence, the agenda item by item with the chair's
//! decision notes and "Eventuelt", every vote with its method in words and
//! its named ballots, the decisions with head counts and weighted results,
//! overrides, the shared list, approval and provenance.

use std::collections::HashMap;

use super::Lang;
use super::doc::{Doc, Table, line};
use super::text::{self, Texts, n, texts};
use crate::domain::locale;
use crate::domain::model::minutes::{
    AgendaItem, BallotLine, CandidateOutcome, MinutesApproval, MinutesRecord, NoteRecord, Outcome, Person, Presence,
    Provenance, RoundRecord,
};
use crate::domain::model::{BallotContent, Choice, DecisionLevel, Method, RoundState};

/// What the minutes are rendered from: the record, its place in the event
/// log, and the approval by a later session, if any.
pub struct Rendering<'a> {
    pub record: &'a MinutesRecord,
    pub provenance: Option<&'a Provenance>,
    pub approval: Option<&'a MinutesApproval>,
    pub lang: Lang,
}

pub fn document(r: &Rendering<'_>) -> Doc {
    let lang = r.lang;
    let t = texts(lang);
    let m = r.record;
    let mut d = Doc::new(lang, format!("{}: {}", t.minutes, line(&m.title)));
    let names: HashMap<&str, &str> = m
        .participants
        .iter()
        .map(|p| (p.member.code.as_str(), p.member.name.as_str()))
        .chain(m.absent.iter().map(|a| (a.code.as_str(), a.name.as_str())))
        .collect();

    let mut facts = vec![
        (t.cooperation.to_string(), m.cooperation_name.clone()),
        (t.meeting.to_string(), locale::time(lang, m.scheduled_time)),
    ];
    if let Some(o) = m.open_time {
        facts.push((t.opened.to_string(), locale::time(lang, o)));
    }
    if let Some(c) = m.close_time {
        facts.push((t.closed.to_string(), locale::time(lang, c)));
    }
    facts.push((
        t.chair.to_string(),
        m.chair
            .as_ref()
            .map(|p| {
                person(
                    lang,
                    &Person {
                        role: String::new(),
                        ..p.clone()
                    },
                )
            })
            .unwrap_or_else(|| t.none_named.into()),
    ));
    facts.push((
        t.minute_taker.to_string(),
        if m.minute_taker.is_empty() {
            t.none_named.to_string()
        } else {
            m.minute_taker.clone()
        },
    ));
    facts.push((t.status.to_string(), approval_sentence(lang, r.approval, &names)));
    d.facts(facts);

    participants(&mut d, lang, m);
    agenda(&mut d, lang, m);
    votes(&mut d, lang, m);
    decisions(&mut d, lang, m);
    overrides(&mut d, lang, m);

    d.heading(t.list_after);
    match lang {
        Lang::Da => d.para(format!("Revision {}.", m.list_revision)),
        Lang::En => d.para(format!("Revision {}.", m.list_revision)),
    }
    if m.list.is_empty() {
        d.para(t.list_empty);
    } else {
        d.numbered(m.list.iter().map(|c| c.title.clone()).collect());
    }

    if let Some(report) = &m.follow_up {
        crate::domain::follow_up::minutes::section(&mut d, lang, report);
    }

    d.heading(t.approval);
    d.para(approval_sentence(lang, r.approval, &names));
    if let Some(p) = r.provenance {
        d.small(provenance(lang, p));
    }
    d
}

/// A person with role and municipality: `Anna Holm (direktion, København)`.
fn person(lang: Lang, p: &Person) -> String {
    let mut extra = vec![];
    if !p.role.is_empty() {
        extra.push(text::role(lang, &p.role));
    }
    if !p.municipality_name.is_empty() {
        extra.push(p.municipality_name.clone());
    } else if !p.municipality.is_empty() {
        extra.push(p.municipality.clone());
    }
    if extra.is_empty() {
        p.name.clone()
    } else {
        format!("{} ({})", p.name, extra.join(", "))
    }
}

fn member_name(code: &str, name: &str) -> String {
    if name.is_empty() {
        code.to_string()
    } else {
        name.to_string()
    }
}

fn approval_sentence(lang: Lang, a: Option<&MinutesApproval>, names: &HashMap<&str, &str>) -> String {
    let t = texts(lang);
    let Some(a) = a else {
        return t.not_approved.to_string();
    };
    let who = person(
        lang,
        &Person {
            name: a.by.display().to_string(),
            sub: a.by.sub.clone(),
            municipality: a.by.municipality.clone(),
            municipality_name: names
                .get(a.by.municipality.as_str())
                .map(|s| s.to_string())
                .unwrap_or_default(),
            role: "chair".into(),
        },
    );
    match lang {
        Lang::Da => format!(
            "Referatet er godkendt på mødet »{}« {} af {who} (hændelse nr. {}).",
            line(&a.session_title),
            locale::time(lang, a.time),
            a.seq
        ),
        Lang::En => format!(
            "These minutes were approved at the meeting “{}” on {} by {who} (event {}).",
            line(&a.session_title),
            locale::time(lang, a.time),
            a.seq
        ),
    }
}

fn provenance(lang: Lang, p: &Provenance) -> String {
    match lang {
        Lang::Da => format!(
            "Referatet er dannet fra hændelsesloggen til og med hændelse nr. {} med hash {}. Referatets indhold har SHA-256 {}, som står i den hændelse. Kontrollér kæden med »samprio verify-chain«.",
            p.seq, p.hash, p.record_sha256
        ),
        Lang::En => format!(
            "These minutes were made from the event log up to event {} with hash {}. Their content has SHA-256 {}, recorded in that event. Check the chain with “samprio verify-chain”.",
            p.seq, p.hash, p.record_sha256
        ),
    }
}

fn participants(d: &mut Doc, lang: Lang, m: &MinutesRecord) {
    let t = texts(lang);
    d.heading(t.participants);
    if m.participants.is_empty() {
        d.para(t.nobody_present);
    } else {
        let mut table = Table::new(&[t.municipality, t.took_part, t.by, t.time]);
        for p in &m.participants {
            table.row(vec![
                member_name(&p.member.code, &p.member.name),
                match p.presence {
                    Presence::CheckedIn => t.checked_in.to_string(),
                    Presence::ByVoting => t.by_voting.to_string(),
                },
                p.by.name.clone(),
                locale::time(lang, p.time),
            ]);
        }
        d.table(table);
    }
    d.heading(t.absence);
    if m.absent.is_empty() {
        d.para(t.nobody_absent);
    } else {
        let names: Vec<String> = m.absent.iter().map(|a| member_name(&a.code, &a.name)).collect();
        d.para(format!("{}.", names.join(", ")));
    }
}

fn note_text(lang: Lang, note: &NoteRecord) -> String {
    format!(
        "{} ({}, {})",
        line(&note.text),
        note.by.name,
        locale::time(lang, note.time)
    )
}

fn agenda(d: &mut Doc, lang: Lang, m: &MinutesRecord) {
    let t = texts(lang);
    d.heading(t.agenda);
    let mut items: Vec<String> = m.agenda.iter().map(|a| a.title.clone()).collect();
    items.push(t.any_other_business.to_string());
    d.numbered(items);
    if m.agenda.is_empty() {
        d.para(t.empty_agenda);
    }
    for (i, a) in m.agenda.iter().enumerate() {
        d.subheading(format!("{} {}. {}", t.item, i + 1, line(&a.title)));
        let mut facts = vec![
            (t.sponsor.to_string(), member_name(&a.sponsor.code, &a.sponsor.name)),
            (t.category.to_string(), text::category(lang, a.category).to_string()),
            (t.costs.to_string(), costs(lang, a.one_time_cost_dkk, a.yearly_cost_dkk)),
            (
                t.decision_level.to_string(),
                text::decision_level(
                    lang,
                    if a.involves_ai || a.personal_data {
                        DecisionLevel::Board
                    } else {
                        DecisionLevel::Delegated
                    },
                    a.involves_ai,
                    a.personal_data,
                ),
            ),
        ];
        if !a.summary.trim().is_empty() {
            facts.push((t.summary.to_string(), line(&a.summary)));
        }
        if !a.linked_systems.is_empty() {
            facts.push((t.linked_systems.to_string(), linked_systems(lang, a)));
        }
        facts.push((
            t.voted_in.to_string(),
            if a.rounds.is_empty() {
                t.not_voted_on.to_string()
            } else {
                a.rounds
                    .iter()
                    .map(|r| format!("{} {r}", t.round.to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
        facts.push((t.status_after.to_string(), text::status(lang, a.status).to_string()));
        facts.push((
            t.decision_note.to_string(),
            a.note
                .as_ref()
                .map(|n| note_text(lang, n))
                .unwrap_or_else(|| t.no_note.into()),
        ));
        d.facts(facts);
    }
    d.subheading(format!("{} {}. {}", t.item, m.agenda.len() + 1, t.any_other_business));
    d.para(
        m.any_other_business
            .as_ref()
            .map(|n| note_text(lang, n))
            .unwrap_or_else(|| t.nothing_under_aob.into()),
    );
}

fn costs(lang: Lang, one_time: i64, yearly: i64) -> String {
    let t = texts(lang);
    format!(
        "{} {}, {} {}",
        locale::kroner(lang, one_time),
        t.one_time,
        locale::kroner(lang, yearly),
        t.yearly
    )
}

fn votes(d: &mut Doc, lang: Lang, m: &MinutesRecord) {
    let t = texts(lang);
    d.heading(t.votes);
    if m.rounds.is_empty() {
        d.para(t.no_rounds);
    }
    for r in &m.rounds {
        round(d, lang, t, r);
    }
}

fn round_heading(t: &Texts, r: &RoundRecord) -> String {
    if r.title.trim().is_empty() {
        format!("{} {}", t.round, r.number)
    } else {
        format!("{} {}: {}", t.round, r.number, line(&r.title))
    }
}

fn round(d: &mut Doc, lang: Lang, t: &Texts, r: &RoundRecord) {
    d.subheading(round_heading(t, r));
    let mut facts = vec![
        (
            t.method.to_string(),
            format!(
                "{}. {}",
                capitalised(&text::method_name(lang, r.method, r.threshold)),
                text::method_rule(lang, r.method, r.threshold)
            ),
        ),
        (
            t.weighting.to_string(),
            format!(
                "{} ({} {})",
                capitalised(&text::weighting(lang, r.weighting, r.population_date.as_deref())),
                t.total_weight,
                n(lang, r.total_weight)
            ),
        ),
        (
            t.quorum.to_string(),
            match lang {
                Lang::Da => format!(
                    "mindst {} af den samlede vægt skal have stemt",
                    locale::basis_points(lang, r.quorum_bp)
                ),
                Lang::En => format!(
                    "at least {} of the total weight must vote",
                    locale::basis_points(lang, r.quorum_bp)
                ),
            },
        ),
        (
            t.decision_level.to_string(),
            match r.decision_level {
                DecisionLevel::Board => t.board_level.to_string(),
                DecisionLevel::Delegated => t.delegated.to_string(),
            },
        ),
    ];
    if let Some(b) = r.budget_dkk {
        facts.push((t.budget.to_string(), locale::kroner(lang, b)));
    }
    facts.push((
        t.round_opened.to_string(),
        format!(
            "{} {} {}",
            locale::time(lang, r.open_time),
            by_word(lang),
            person(lang, &r.opened_by)
        ),
    ));
    match r.state {
        RoundState::Open => facts.push((t.status.to_string(), t.still_open.to_string())),
        RoundState::Closed => {
            let when = locale::time(lang, r.close_time.unwrap_or(0));
            let how = if r.closed_at_deadline {
                format!("{when}, {}", t.at_deadline)
            } else if let Some(p) = &r.closed_by {
                format!("{when} {} {}", by_word(lang), person(lang, p))
            } else {
                when
            };
            facts.push((t.round_closed.to_string(), how));
        }
        RoundState::Cancelled => {
            let reason = r
                .cancel_reason
                .as_deref()
                .map(line)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| t.no_reason.to_string());
            facts.push((
                t.cancelled.to_string(),
                format!("{} ({reason})", locale::time(lang, r.close_time.unwrap_or(0))),
            ));
        }
    }
    d.facts(facts);

    let label: HashMap<&str, String> = r
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.proposal_id.as_str(), format!("#{}", i + 1)))
        .collect();
    let lbl = |id: &str| label.get(id).cloned().unwrap_or_else(|| id.to_string());
    let titles: HashMap<&str, &str> = r
        .candidates
        .iter()
        .map(|c| (c.proposal_id.as_str(), c.title.as_str()))
        .collect();

    d.para(format!("{}:", t.candidates));
    let mut cands = Table::new(&["#", t.proposal]);
    for (i, c) in r.candidates.iter().enumerate() {
        cands.row(vec![format!("#{}", i + 1), line(&c.title)]);
    }
    d.table(cands);

    d.para(format!("{}:", t.ballots));
    if r.ballots.is_empty() {
        d.para(t.no_ballots);
    } else {
        let mut table = Table::new(&[t.municipality, t.weight, t.cast_by, t.ballot]).numeric(&[1]);
        for b in &r.ballots {
            table.row(vec![
                member_name(&b.member.code, &b.member.name),
                n(lang, b.weight),
                format!("{} ({})", b.by.name, text::role(lang, &b.by.role)),
                ballot_text(lang, b, r, &lbl),
            ]);
        }
        d.table(table);
    }
    if !r.not_voted.is_empty() {
        let names: Vec<String> = r.not_voted.iter().map(|m| member_name(&m.code, &m.name)).collect();
        d.para(format!("{}: {}.", t.did_not_vote, names.join(", ")));
    }
    if r.replaced > 0 {
        d.para(match lang {
            Lang::Da => format!(
                "{} tidligere stemme(r) blev erstattet, før afstemningen lukkede; de er gemt i stemmehistorikken.",
                r.replaced
            ),
            Lang::En => format!(
                "{} earlier ballot(s) were replaced before the vote closed; they are kept in the ballot history.",
                r.replaced
            ),
        });
    }

    let Some(res) = &r.result else { return };
    d.para(format!("{}:", t.result));
    let voters = r.ballots.len() as u64;
    let members = voters + r.not_voted.len() as u64;
    d.para(match (lang, res.quorum_met) {
        (Lang::Da, true) => format!(
            "Beslutningsdygtigt: {} af {} kommuner stemte med {} af vægten ({} af {}).",
            voters,
            members,
            locale::share(lang, res.cast_weight, res.total_weight),
            n(lang, res.cast_weight),
            n(lang, res.total_weight)
        ),
        (Lang::Da, false) => format!(
            "Ikke beslutningsdygtigt: {} af {} kommuner stemte med {} af vægten ({} af {}); der kræves {}. Afstemningen afgjorde intet.",
            voters,
            members,
            locale::share(lang, res.cast_weight, res.total_weight),
            n(lang, res.cast_weight),
            n(lang, res.total_weight),
            locale::basis_points(lang, r.quorum_bp)
        ),
        (Lang::En, true) => format!(
            "Quorum met: {} of {} members voted, with {} of the weight ({} of {}).",
            voters,
            members,
            locale::share(lang, res.cast_weight, res.total_weight),
            n(lang, res.cast_weight),
            n(lang, res.total_weight)
        ),
        (Lang::En, false) => format!(
            "Quorum not met: {} of {} members voted, with {} of the weight ({} of {}); {} is required. The vote decided nothing.",
            voters,
            members,
            locale::share(lang, res.cast_weight, res.total_weight),
            n(lang, res.cast_weight),
            n(lang, res.total_weight),
            locale::basis_points(lang, r.quorum_bp)
        ),
    });
    if r.method == Method::YesNo {
        let mut table = Table::new(&[
            "#",
            t.proposal,
            t.yes,
            t.no,
            t.abstain,
            t.absent,
            t.weight_yes,
            t.weight_no,
            t.weight_abstain,
            t.outcome,
        ])
        .numeric(&[2, 3, 4, 5, 6, 7, 8]);
        for c in &res.candidates {
            table.row(vec![
                lbl(&c.proposal_id),
                line(titles.get(c.proposal_id.as_str()).copied().unwrap_or("")),
                c.yes.to_string(),
                c.no.to_string(),
                c.abstain.to_string(),
                c.absent.to_string(),
                n(lang, c.yes_weight),
                n(lang, c.no_weight),
                n(lang, c.abstain_weight),
                outcome(t, c.outcome).to_string(),
            ]);
        }
        d.table(table);
    } else {
        let score = score_label(lang, r.method);
        let mut table = Table::new(&[t.position, "#", t.proposal, score, t.outcome]).numeric(&[0, 3]);
        for c in &res.candidates {
            table.row(vec![
                c.position.to_string(),
                lbl(&c.proposal_id),
                line(titles.get(c.proposal_id.as_str()).copied().unwrap_or("")),
                n(lang, c.score),
                outcome(t, c.outcome).to_string(),
            ]);
        }
        d.table(table);
    }
    if !res.tie_breaks.is_empty() {
        let lines = res
            .tie_breaks
            .iter()
            .map(|tb| {
                let order: Vec<String> = tb.proposal_ids.iter().map(|id| lbl(id)).collect();
                let before = match lang {
                    Lang::Da => " før ",
                    Lang::En => " before ",
                };
                format!("{}: {}", order.join(before), t.tie_break_rule)
            })
            .collect();
        d.para(format!("{}:", t.tie_breaks));
        d.bullets(lines);
    }
    if res.list_revision > 0 {
        d.para(match lang {
            Lang::Da => format!("Den fælles prioriteringsliste blev til revision {}.", res.list_revision),
            Lang::En => format!("The shared priority list became revision {}.", res.list_revision),
        });
    }
    d.small(format!("{}: {}", t.inputs_hash, res.inputs_hash));
}

fn by_word(lang: Lang) -> &'static str {
    match lang {
        Lang::Da => "af",
        Lang::En => "by",
    }
}

fn score_label(lang: Lang, method: Method) -> &'static str {
    match (lang, method) {
        (Lang::Da, Method::Approval) => "Godkendende vægt",
        (Lang::Da, Method::Score) => "Vægtede point",
        (Lang::Da, Method::Borda) => "Vægtede Borda-point",
        (Lang::Da, _) => "Placeret over (antal forslag)",
        (Lang::En, Method::Approval) => "Approving weight",
        (Lang::En, Method::Score) => "Weighted points",
        (Lang::En, Method::Borda) => "Weighted Borda points",
        (Lang::En, _) => "Ranks above (proposals)",
    }
}

fn outcome(t: &Texts, o: Outcome) -> &'static str {
    match o {
        Outcome::Adopted => t.adopted,
        Outcome::Rejected => t.rejected,
        Outcome::SkippedForBudget => t.skipped_for_budget,
        Outcome::Ranked => t.ranked,
        Outcome::NotDecided => t.not_decided,
    }
}

fn uncapitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A ballot in one line, candidates by their number in the round.
fn ballot_text(lang: Lang, b: &BallotLine, r: &RoundRecord, lbl: &impl Fn(&str) -> String) -> String {
    let t = texts(lang);
    match &b.content {
        BallotContent::YesNo(choices) => r
            .candidates
            .iter()
            .map(|c| {
                let choice = choices
                    .iter()
                    .find(|x| x.candidate_id == c.proposal_id)
                    .map(|x| x.choice)
                    .unwrap_or(Choice::Abstain);
                let word = match choice {
                    Choice::Yes => t.yes,
                    Choice::No => t.no,
                    Choice::Abstain => t.abstain,
                };
                format!("{} {}", lbl(&c.proposal_id), word.to_lowercase())
            })
            .collect::<Vec<_>>()
            .join(", "),
        BallotContent::Approval(ids) if ids.is_empty() => t.approves_none.to_string(),
        BallotContent::Approval(ids) => format!(
            "{} {}",
            t.approves,
            ids.iter().map(|id| lbl(id)).collect::<Vec<_>>().join(", ")
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
                format!("{}: {s}", lbl(&c.proposal_id))
            })
            .collect::<Vec<_>>()
            .join(", "),
        BallotContent::Ranking(ids) => ids.iter().map(|id| lbl(id)).collect::<Vec<_>>().join(" > "),
        BallotContent::Tiers(tiers) => tiers
            .iter()
            .map(|tier| tier.iter().map(|id| lbl(id)).collect::<Vec<_>>().join(" = "))
            .collect::<Vec<_>>()
            .join(" > "),
    }
}

/// The head count of a `YES_NO` candidate: `5 for, 2 imod, 1 undlod, 1 fraværende`.
pub fn head_count(lang: Lang, c: &CandidateOutcome) -> String {
    match lang {
        Lang::Da => format!(
            "{} for, {} imod, {} undlod, {} fraværende",
            c.yes, c.no, c.abstain, c.absent
        ),
        Lang::En => format!(
            "{} yes, {} no, {} abstained, {} absent",
            c.yes, c.no, c.abstain, c.absent
        ),
    }
}

/// What the meeting decided, item by item: the head count and the weighted
/// result with what the weight is.
fn decisions(d: &mut Doc, lang: Lang, m: &MinutesRecord) {
    let t = texts(lang);
    d.heading(t.decisions);
    let mut lines = vec![];
    for r in &m.rounds {
        let Some(res) = &r.result else { continue };
        if !res.quorum_met || res.no_ballots {
            lines.push(match lang {
                Lang::Da => format!("{}: afgjorde intet (ikke beslutningsdygtig).", round_heading(t, r)),
                Lang::En => format!("{}: decided nothing (no quorum).", round_heading(t, r)),
            });
            continue;
        }
        let weight = text::weighting(lang, r.weighting, r.population_date.as_deref());
        let title = |id: &str| {
            r.candidates
                .iter()
                .find(|c| c.proposal_id == id)
                .map(|c| line(&c.title))
                .unwrap_or_default()
        };
        if r.method == Method::YesNo {
            for c in &res.candidates {
                let verdict = capitalised(outcome(t, c.outcome));
                let share = locale::share(lang, c.yes_weight, c.yes_weight + c.no_weight);
                lines.push(match lang {
                    Lang::Da => format!(
                        "{}: {verdict} ({} {}). Stemmer: {}. Vægtet ({weight}): {} for, {} imod, {} undlod; {share} af for- og imod-vægten er for.",
                        title(&c.proposal_id),
                        t.round.to_lowercase(),
                        r.number,
                        head_count(lang, c),
                        n(lang, c.yes_weight),
                        n(lang, c.no_weight),
                        n(lang, c.abstain_weight),
                    ),
                    Lang::En => format!(
                        "{}: {verdict} ({} {}). Votes: {}. Weighted ({weight}): {} yes, {} no, {} abstained; {share} of the yes-and-no weight is yes.",
                        title(&c.proposal_id),
                        t.round.to_lowercase(),
                        r.number,
                        head_count(lang, c),
                        n(lang, c.yes_weight),
                        n(lang, c.no_weight),
                        n(lang, c.abstain_weight),
                    ),
                });
            }
        } else {
            let voters = r.ballots.len();
            let members = voters + r.not_voted.len();
            let order: Vec<String> = res
                .candidates
                .iter()
                .map(|c| format!("{}. {} ({})", c.position, title(&c.proposal_id), n(lang, c.score)))
                .collect();
            let adopted: Vec<String> = res
                .candidates
                .iter()
                .filter(|c| c.outcome == Outcome::Adopted)
                .map(|c| title(&c.proposal_id))
                .collect();
            let named = if r.title.trim().is_empty() {
                format!("{} {}", t.round, r.number)
            } else {
                match lang {
                    Lang::Da => format!("{} {} »{}«", t.round, r.number, line(&r.title)),
                    Lang::En => format!("{} {} “{}”", t.round, r.number, line(&r.title)),
                }
            };
            let mut s = match lang {
                Lang::Da => format!(
                    "{named}: rækkefølge {}; {} af {} kommuner stemte; {weight}; tal i parentes: {}.",
                    order.join(", "),
                    voters,
                    members,
                    uncapitalised(score_label(lang, r.method))
                ),
                Lang::En => format!(
                    "{named}: order {}; {} of {} members voted; {weight}; figures in brackets: {}.",
                    order.join(", "),
                    voters,
                    members,
                    uncapitalised(score_label(lang, r.method))
                ),
            };
            if !adopted.is_empty() {
                s.push_str(&match lang {
                    Lang::Da => format!(" Vedtaget inden for budgettet: {}.", adopted.join(", ")),
                    Lang::En => format!(" Adopted within the budget: {}.", adopted.join(", ")),
                });
            }
            lines.push(s);
        }
    }
    for (i, a) in m.agenda.iter().enumerate() {
        if let Some(note) = &a.note {
            lines.push(format!(
                "{} {}. {}: {}",
                t.item,
                i + 1,
                line(&a.title),
                line(&note.text)
            ));
        }
    }
    if lines.is_empty() {
        d.para(t.no_decisions);
    } else {
        d.bullets(lines);
    }
}

fn overrides(d: &mut Doc, lang: Lang, m: &MinutesRecord) {
    let t = texts(lang);
    d.heading(t.overrides);
    if m.overrides.is_empty() {
        d.para(t.no_overrides);
        return;
    }
    let mut table = Table::new(&[
        t.municipality,
        t.proposal,
        t.override_kind,
        t.justification,
        t.board_resolution,
        t.set_by,
        t.time,
    ]);
    for o in &m.overrides {
        table.row(vec![
            member_name(&o.member.code, &o.member.name),
            line(&o.title),
            override_kind(lang, o),
            line(&o.justification),
            line(&o.board_resolution),
            person(lang, &o.by),
            locale::time(lang, o.time),
        ]);
    }
    d.table(table);
}

fn override_kind(lang: Lang, o: &crate::domain::model::minutes::OverrideLine) -> String {
    let kind = match (lang, o.kind.as_str()) {
        (Lang::Da, "OPT_OUT") => "fravalg".to_string(),
        (Lang::Da, "DEFER") => match &o.defer_until {
            Some(d) => format!("udskudt til {}", locale::date(lang, d)),
            None => "udskudt".into(),
        },
        (Lang::Da, "RERANK") => match o.local_rank {
            Some(r) => format!("lokal plads {r}"),
            None => "lokal omprioritering".into(),
        },
        (Lang::Da, "ADOPT_LOCAL") => "lokal vedtagelse".into(),
        (Lang::En, "OPT_OUT") => "opt-out".into(),
        (Lang::En, "DEFER") => match &o.defer_until {
            Some(d) => format!("deferred until {d}"),
            None => "deferred".into(),
        },
        (Lang::En, "RERANK") => match o.local_rank {
            Some(r) => format!("local position {r}"),
            None => "local re-rank".into(),
        },
        (Lang::En, "ADOPT_LOCAL") => "local adoption".into(),
        (_, other) => other.to_string(),
    };
    let change = match (lang, o.change.as_str()) {
        (_, "set") => None,
        (Lang::Da, "changed") => Some("ændret"),
        (Lang::Da, "reconfirmed") => Some("bekræftet igen"),
        (Lang::Da, "revoked") => Some("tilbagekaldt"),
        (Lang::En, "changed") => Some("changed"),
        (Lang::En, "reconfirmed") => Some("reconfirmed"),
        (Lang::En, "revoked") => Some("revoked"),
        _ => None,
    };
    match change {
        Some(c) => format!("{kind} ({c})"),
        None => kind,
    }
}

/// An agenda item's linked systems by name: "SBSYS (Netcompany) hos
/// København, kører også hos Frederiksberg". A system deleted from the
/// portfolio, or free text, shows as written.
fn linked_systems(lang: Lang, a: &AgendaItem) -> String {
    a.linked_systems
        .iter()
        .map(|entry| match a.systems.iter().find(|s| &s.reference == entry) {
            Some(s) => {
                let mut out = line(&s.name);
                if !s.vendor.trim().is_empty() {
                    out = format!("{out} ({})", line(&s.vendor));
                }
                let owner = member_name(&s.owner.code, &s.owner.name);
                out = match lang {
                    Lang::Da => format!("{out} hos {owner}"),
                    Lang::En => format!("{out} at {owner}"),
                };
                if !s.also_run_by.is_empty() {
                    let others: Vec<String> = s.also_run_by.iter().map(|m| member_name(&m.code, &m.name)).collect();
                    out = match lang {
                        Lang::Da => format!("{out}, kører også hos {}", others.join(", ")),
                        Lang::En => format!("{out}, also run by {}", others.join(", ")),
                    };
                }
                out
            }
            None => line(entry),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
