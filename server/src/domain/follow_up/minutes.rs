//! The follow-up report as a section of a follow-up session's minutes
//! (DESIGN.md §13), in the minutes' language, times in Europe/Copenhagen.
//! The minutes call [`section`] once, with the document they are writing,
//! so Markdown, HTML, PDF and text all show it from this one place;
//! everything about how the report reads on paper is here.

use super::Participation;
use super::report::{ChangeDetail, Decision, FollowUpReport, MilestoneChange};
use crate::domain::locale::{self, Lang};
use crate::domain::model::{Change, ImplementationStatus, Method, Micros, OverrideKind};
use crate::domain::sessions::minutes::doc::{Doc, Table, line};
use crate::domain::sessions::minutes::text;

fn time(lang: Lang, micros: Micros) -> String {
    locale::time(lang, micros)
}

fn date(lang: Lang, iso: &str) -> String {
    locale::date(lang, iso)
}

fn da_en(lang: Lang, da: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Da => da,
        Lang::En => en,
    }
}

pub fn status(lang: Lang, s: ImplementationStatus) -> &'static str {
    match s {
        ImplementationStatus::NotStarted => da_en(lang, "Ikke startet", "Not started"),
        ImplementationStatus::InProgress => da_en(lang, "I gang", "In progress"),
        ImplementationStatus::Done => da_en(lang, "Færdig", "Done"),
        ImplementationStatus::Blocked => da_en(lang, "Blokeret", "Blocked"),
        ImplementationStatus::Cancelled => da_en(lang, "Annulleret", "Cancelled"),
    }
}

/// What an override does, in words: "fravalgt", "udskudt til 01.06.2099",
/// "omprioriteret lokalt til plads 2".
fn effect(lang: Lang, kind: OverrideKind, defer_until: Option<&str>, local_rank: Option<u32>) -> String {
    match (lang, kind) {
        (Lang::Da, OverrideKind::OptOut) => "fravalgt".into(),
        (Lang::En, OverrideKind::OptOut) => "opted out".into(),
        (_, OverrideKind::Defer) => match defer_until {
            Some(d) => format!("{} {}", da_en(lang, "udskudt til", "deferred until"), date(lang, d)),
            None => da_en(lang, "udskudt", "deferred").into(),
        },
        (_, OverrideKind::Rerank) => match local_rank {
            Some(r) => format!(
                "{} {r}",
                da_en(lang, "omprioriteret lokalt til plads", "re-ranked locally to position")
            ),
            None => da_en(lang, "omprioriteret lokalt", "re-ranked locally").into(),
        },
        (_, OverrideKind::AdoptLocal) => match local_rank {
            Some(r) => format!(
                "{} {r}",
                da_en(lang, "vedtaget lokalt på plads", "adopted locally at position")
            ),
            None => da_en(lang, "vedtaget lokalt", "adopted locally").into(),
        },
    }
}

fn change_word(lang: Lang, c: Change) -> &'static str {
    match c {
        Change::Set => da_en(lang, "sat", "set"),
        Change::Changed => da_en(lang, "ændret", "changed"),
        Change::Reconfirmed => da_en(lang, "bekræftet igen", "reconfirmed"),
        Change::Revoked => da_en(lang, "tilbagekaldt", "revoked"),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Text on one line ending as a sentence does.
fn sentence(s: &str) -> String {
    let s = line(s);
    if s.ends_with(['.', '!', '?']) {
        s
    } else {
        format!("{s}.")
    }
}

/// A member as the report names it: `0147 Frederiksberg`.
fn member(code: &str, name: &str) -> String {
    format!("{code} {}", line(name))
}

/// The report as it stood when the session closed, written into `d`.
pub fn section(d: &mut Doc, lang: Lang, r: &FollowUpReport) {
    d.heading(format!(
        "{} {}",
        da_en(lang, "Opfølgning pr.", "Follow-up as of"),
        date(lang, &r.as_of)
    ));
    d.para(match lang {
        Lang::Da => format!(
            "Fælles prioriteringsliste, revision {}. Fremdrift vises ligeligt pr. kommune og vægtet efter \
             befolkningstal. Kommuner uden opdatering i mere end {} dage er markeret.",
            r.list_revision, r.stale_after_days
        ),
        Lang::En => format!(
            "Shared priority list, revision {}. Progress is shown with each member alike and weighted by \
             population. Members without an update for more than {} days are marked.",
            r.list_revision, r.stale_after_days
        ),
    });
    if r.priorities.is_empty() {
        d.para(da_en(
            lang,
            "Ingen vedtagne prioriteter at følge op på.",
            "No adopted priorities to follow up.",
        ));
    }
    for p in &r.priorities {
        let rank = match p.shared_rank {
            Some(n) => format!("{n}."),
            None => da_en(lang, "Lokal:", "Local:").into(),
        };
        d.subheading(format!("{rank} {}", line(&p.title)));
        d.para(match (&p.decision, lang) {
            (Some(dec), Lang::Da) => format!(
                "Besluttet {} i afstemningen »{}« på mødet »{}«: {}.",
                time(lang, dec.decide_time),
                line(&dec.round_title),
                line(&dec.session_title),
                decision(lang, dec)
            ),
            (Some(dec), Lang::En) => format!(
                "Decided on {} in the vote “{}” at the meeting “{}”: {}.",
                time(lang, dec.decide_time),
                line(&dec.round_title),
                line(&dec.session_title),
                decision(lang, dec)
            ),
            (None, Lang::Da) => format!("Prioritet fra {}.", date(lang, &p.adopted_on)),
            (None, Lang::En) => format!("A priority since {}.", date(lang, &p.adopted_on)),
        });
        d.para(match lang {
            Lang::Da => format!(
                "Samlet fremdrift: {} (befolkningsvægtet {}); {} af {} deltagende kommuner færdige.",
                locale::basis_points(lang, p.progress.plain_bp),
                locale::basis_points(lang, p.progress.weighted_bp),
                p.progress.done,
                p.progress.members
            ),
            Lang::En => format!(
                "Overall progress: {} (weighted by population {}); {} of {} members taking part done.",
                locale::basis_points(lang, p.progress.plain_bp),
                locale::basis_points(lang, p.progress.weighted_bp),
                p.progress.done,
                p.progress.members
            ),
        });
        if !p.members.is_empty() {
            let mut table = Table::new(&[
                da_en(lang, "Kommune", "Member"),
                da_en(lang, "Deltagelse", "Taking part"),
                da_en(lang, "Status", "Status"),
                da_en(lang, "Fremdrift", "Progress"),
                da_en(lang, "Milepæle", "Milestones"),
                da_en(lang, "Seneste opdatering", "Last update"),
                da_en(lang, "Noter", "Notes"),
            ])
            .numeric(&[3]);
            for m in &p.members {
                let part = match m.participation {
                    Participation::TakingPart => da_en(lang, "Deltager", "Taking part").to_string(),
                    Participation::Deferred => format!(
                        "{} {}",
                        da_en(lang, "Udskudt til", "Deferred until"),
                        date(lang, m.starts_on.as_deref().unwrap_or_default())
                    ),
                    Participation::LocalAdoption => da_en(lang, "Lokal vedtagelse", "Local adoption").to_string(),
                };
                let milestones = m
                    .record
                    .milestones
                    .iter()
                    .map(|ms| {
                        let state = match &ms.done_on {
                            Some(d) => format!("{} {}", da_en(lang, "nået", "reached"), date(lang, d)),
                            None if ms.is_overdue(&m.as_of) => da_en(lang, "OVERSKREDET", "OVERDUE").into(),
                            None => da_en(lang, "åben", "open").into(),
                        };
                        format!(
                            "{} ({} {}, {state})",
                            line(&ms.title),
                            da_en(lang, "frist", "due"),
                            date(lang, &ms.due_on)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let last = match m.record.version {
                    0 => da_en(lang, "aldrig", "never").to_string(),
                    _ => time(lang, m.record.update_time),
                };
                let last = if m.stale {
                    match lang {
                        Lang::Da => format!(
                            "{last} (ingen opdatering i {} dage)",
                            m.days_since_update.unwrap_or_default()
                        ),
                        Lang::En => format!(
                            "{last} (no update for {} days)",
                            m.days_since_update.unwrap_or_default()
                        ),
                    }
                } else {
                    last
                };
                table.row(vec![
                    member(&m.record.municipality, &m.member_name),
                    part,
                    status(lang, m.record.status).to_string(),
                    locale::basis_points(lang, m.record.progress_percent * 100),
                    if milestones.is_empty() {
                        "–".into()
                    } else {
                        milestones
                    },
                    last,
                    line(&m.record.notes),
                ]);
            }
            d.table(table);
        }
        if !p.deviations.is_empty() {
            d.para(format!("{}:", da_en(lang, "Afvigelser", "Deviations")));
            d.bullets(
                p.deviations
                    .iter()
                    .map(|dev| {
                        format!(
                            "{}: {}. {}: {} {}: {}",
                            member(&dev.municipality, &dev.member_name),
                            capitalised(&effect(lang, dev.kind, dev.defer_until.as_deref(), dev.local_rank)),
                            da_en(lang, "Begrundelse", "Justification"),
                            sentence(&dev.justification),
                            da_en(lang, "Beslutning", "Resolution"),
                            sentence(&dev.board_resolution)
                        )
                    })
                    .collect(),
            );
        }
    }

    d.subheading(da_en(lang, "Overskredet", "Overdue"));
    if r.overdue.is_empty() {
        d.para(da_en(lang, "Intet.", "Nothing."));
    } else {
        let mut table = Table::new(&[
            da_en(lang, "Prioritet", "Priority"),
            da_en(lang, "Kommune", "Member"),
            da_en(lang, "Hvad", "What"),
        ]);
        for o in &r.overdue {
            let what = match (&o.milestone, lang) {
                (Some(m), Lang::Da) => format!("Milepæl »{}« med frist {}", line(&m.title), date(lang, &m.due_on)),
                (Some(m), Lang::En) => format!("Milestone “{}” due {}", line(&m.title), date(lang, &m.due_on)),
                (None, Lang::Da) => format!(
                    "Ingen opdatering i {} dage (siden {})",
                    o.days_since_update.unwrap_or_default(),
                    date(lang, o.last_update_on.as_deref().unwrap_or_default())
                ),
                (None, Lang::En) => format!(
                    "No update for {} days (since {})",
                    o.days_since_update.unwrap_or_default(),
                    date(lang, o.last_update_on.as_deref().unwrap_or_default())
                ),
            };
            table.row(vec![line(&o.title), member(&o.municipality, &o.member_name), what]);
        }
        d.table(table);
    }

    match &r.since {
        Some(since) => {
            d.subheading(format!(
                "{} {}",
                da_en(lang, "Ændringer siden", "Changes since"),
                date(lang, since)
            ));
            if r.changes.is_empty() {
                d.para(da_en(lang, "Ingen.", "None."));
            } else {
                d.bullets(
                    r.changes
                        .iter()
                        .map(|c| {
                            let who = if c.municipality.is_empty() {
                                String::new()
                            } else {
                                format!("{}, ", member(&c.municipality, &c.member_name))
                            };
                            let what = if c.title.is_empty() {
                                String::new()
                            } else {
                                format!("{}: ", line(&c.title))
                            };
                            format!("{} — {who}{what}{}", time(lang, c.time), change(lang, &c.detail))
                        })
                        .collect(),
                );
            }
        }
        None => d.para(da_en(
            lang,
            "Dette er den første opfølgning.",
            "This is the first follow-up.",
        )),
    }
}

/// How a round adopted a priority, from its result: "vedtaget ved
/// ja/nej-afstemning, simpelt flertal med vægten 4 for, 1 imod og 0 undlod
/// af 5 (lige vægt: én kommune, én stemme)".
fn decision(lang: Lang, d: &Decision) -> String {
    let method = text::method_name(lang, d.method, d.threshold);
    let weight = text::weighting(lang, d.weighting, None);
    let n = |v: u64| text::n(lang, v);
    let Some(c) = &d.result else {
        return match lang {
            Lang::Da => format!("vedtaget ved {method}"),
            Lang::En => format!("adopted by {method}"),
        };
    };
    let mut s = match (lang, d.method) {
        (Lang::Da, Method::YesNo) => format!(
            "vedtaget ved {method} med vægten {} for, {} imod og {} undlod af {} ({weight})",
            n(c.yes_weight),
            n(c.no_weight),
            n(c.abstain_weight),
            n(d.total_weight)
        ),
        (Lang::En, Method::YesNo) => format!(
            "adopted by {method} with a weight of {} yes, {} no and {} abstaining of {} ({weight})",
            n(c.yes_weight),
            n(c.no_weight),
            n(c.abstain_weight),
            n(d.total_weight)
        ),
        (Lang::Da, _) => format!(
            "vedtaget som nr. {} ved {method} med {} vægtede point ({weight})",
            c.position,
            n(c.score)
        ),
        (Lang::En, _) => format!(
            "adopted at position {} by {method} with {} weighted points ({weight})",
            c.position,
            n(c.score)
        ),
    };
    if let Some(b) = d.budget_dkk {
        s.push_str(&match lang {
            Lang::Da => format!(" inden for et budget på {}", locale::kroner(lang, b)),
            Lang::En => format!(" within a budget of {}", locale::kroner(lang, b)),
        });
    }
    s
}

/// A change between two reports in words: "status Ikke startet → I gang;
/// fremdrift 0 % → 40 %".
fn change(lang: Lang, c: &ChangeDetail) -> String {
    match c {
        ChangeDetail::Record {
            status: st,
            progress,
            milestones,
            notes_changed,
        } => {
            let mut parts = Vec::new();
            if let Some((b, a)) = st {
                parts.push(format!(
                    "status {} → {}",
                    status(lang, *b).to_lowercase(),
                    status(lang, *a).to_lowercase()
                ));
            }
            if let Some((b, a)) = progress {
                parts.push(format!(
                    "{} {} → {}",
                    da_en(lang, "fremdrift", "progress"),
                    locale::basis_points(lang, b * 100),
                    locale::basis_points(lang, a * 100)
                ));
            }
            for m in milestones {
                parts.push(match (m, lang) {
                    (MilestoneChange::Added { title, due_on }, Lang::Da) => {
                        format!("milepæl »{}« med frist {} tilføjet", line(title), date(lang, due_on))
                    }
                    (MilestoneChange::Added { title, due_on }, Lang::En) => {
                        format!("milestone “{}” due {} added", line(title), date(lang, due_on))
                    }
                    (MilestoneChange::Done { title, done_on }, Lang::Da) => {
                        format!("milepæl »{}« nået {}", line(title), date(lang, done_on))
                    }
                    (MilestoneChange::Done { title, done_on }, Lang::En) => {
                        format!("milestone “{}” reached {}", line(title), date(lang, done_on))
                    }
                    (MilestoneChange::Moved { title, from, to }, Lang::Da) => format!(
                        "milepæl »{}« flyttet fra {} til {}",
                        line(title),
                        date(lang, from),
                        date(lang, to)
                    ),
                    (MilestoneChange::Moved { title, from, to }, Lang::En) => format!(
                        "milestone “{}” moved from {} to {}",
                        line(title),
                        date(lang, from),
                        date(lang, to)
                    ),
                    (MilestoneChange::Removed { title }, Lang::Da) => format!("milepæl »{}« fjernet", line(title)),
                    (MilestoneChange::Removed { title }, Lang::En) => {
                        format!("milestone “{}” removed", line(title))
                    }
                });
            }
            if *notes_changed {
                parts.push(da_en(lang, "noter opdateret", "notes updated").into());
            }
            if parts.is_empty() {
                da_en(lang, "bekræftet uændret", "confirmed unchanged").into()
            } else {
                parts.join("; ")
            }
        }
        ChangeDetail::Override {
            kind,
            defer_until,
            local_rank,
            change,
            board_resolution,
            justification,
        } => format!(
            "{} ({}) {}. {}: {} {}: {}",
            da_en(lang, "afvigelse", "deviation"),
            effect(lang, *kind, defer_until.as_deref(), *local_rank),
            change_word(lang, *change),
            da_en(lang, "Begrundelse", "Justification"),
            sentence(justification),
            da_en(lang, "Beslutning", "Resolution"),
            sentence(board_resolution)
        ),
        ChangeDetail::ListRevision { revision, priorities } => match lang {
            Lang::Da => {
                format!("den fælles prioriteringsliste blev til revision {revision} ({priorities} prioriteter)")
            }
            Lang::En => format!("the shared priority list became revision {revision} ({priorities} priorities)"),
        },
    }
}
