//! The follow-up report as a section of a follow-up session's minutes
//! (DESIGN.md §13): Markdown, in Danish, times in Europe/Copenhagen. The
//! minutes call [`section`] once; everything about how the report reads on
//! paper is here.

use std::fmt::Write as _;

use super::Participation;
use super::report::FollowUpReport;
use crate::domain::locale;
use crate::domain::model::{ImplementationStatus, Micros, OverrideKind};

/// `29.11.2026 kl. 12:26`, Copenhagen time.
fn time(micros: Micros) -> String {
    locale::time(locale::Lang::Da, micros)
}

/// `2026-03-01` → `01.03.2026`.
fn date(iso: &str) -> String {
    locale::date(locale::Lang::Da, iso)
}

/// Basis points of a percent, the Danish way: `4250` → `42,50 %`.
pub fn percent(bp: u32) -> String {
    format!("{},{:02} %", bp / 100, bp % 100)
}

pub fn status_da(s: ImplementationStatus) -> &'static str {
    match s {
        ImplementationStatus::NotStarted => "Ikke startet",
        ImplementationStatus::InProgress => "I gang",
        ImplementationStatus::Done => "Færdig",
        ImplementationStatus::Blocked => "Blokeret",
        ImplementationStatus::Cancelled => "Annulleret",
    }
}

fn kind_da(k: OverrideKind) -> &'static str {
    match k {
        OverrideKind::OptOut => "Fravalgt",
        OverrideKind::Defer => "Udskudt",
        OverrideKind::Rerank => "Omprioriteret lokalt",
        OverrideKind::AdoptLocal => "Vedtaget lokalt",
    }
}

/// Text on one line, safe in a table cell.
fn cell(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

fn row(md: &mut String, cells: &[String]) {
    let _ = writeln!(md, "| {} |", cells.join(" | "));
}

fn head(md: &mut String, cells: &[&str]) {
    let _ = writeln!(md, "| {} |", cells.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(cells.len()));
}

/// The report as it stood when the session closed.
pub fn section(r: &FollowUpReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "\n## Opfølgning pr. {}\n", date(&r.as_of));
    let _ = writeln!(
        md,
        "Fælles prioriteringsliste, revision {}. Fremdrift vises ligeligt pr. kommune og vægtet efter \
         befolkningstal. Kommuner uden opdatering i mere end {} dage er markeret.",
        r.list_revision, r.stale_after_days
    );
    if r.priorities.is_empty() {
        let _ = writeln!(md, "\nIngen vedtagne prioriteter at følge op på.");
    }
    for p in &r.priorities {
        let rank = match p.shared_rank {
            Some(n) => format!("{n}."),
            None => "Lokal:".into(),
        };
        let _ = writeln!(md, "\n### {rank} {}\n", cell(&p.title));
        match &p.decision {
            Some(d) => {
                let _ = writeln!(
                    md,
                    "Besluttet {} i afstemningen \u{201c}{}\u{201d} på mødet \u{201c}{}\u{201d}: {}.",
                    time(d.decide_time),
                    cell(&d.round_title),
                    cell(&d.session_title),
                    d.summary
                );
            }
            None => {
                let _ = writeln!(md, "Prioritet fra {}.", date(&p.adopted_on));
            }
        }
        let _ = writeln!(
            md,
            "\nSamlet fremdrift: **{}** (befolkningsvægtet **{}**); {} af {} deltagende kommuner færdige.\n",
            percent(p.progress.plain_bp),
            percent(p.progress.weighted_bp),
            p.progress.done,
            p.progress.members
        );
        if !p.members.is_empty() {
            head(
                &mut md,
                &[
                    "Kommune",
                    "Deltagelse",
                    "Status",
                    "Fremdrift",
                    "Milepæle",
                    "Seneste opdatering",
                    "Noter",
                ],
            );
            for m in &p.members {
                let part = match m.participation {
                    Participation::TakingPart => "Deltager".to_string(),
                    Participation::Deferred => {
                        format!("Udskudt til {}", date(m.starts_on.as_deref().unwrap_or_default()))
                    }
                    Participation::LocalAdoption => "Lokal vedtagelse".to_string(),
                };
                let milestones = m
                    .record
                    .milestones
                    .iter()
                    .map(|ms| {
                        let state = match &ms.done_on {
                            Some(d) => format!("nået {}", date(d)),
                            None if ms.is_overdue(&m.as_of) => "**OVERSKREDET**".into(),
                            None => "åben".into(),
                        };
                        format!("{} (frist {}, {state})", cell(&ms.title), date(&ms.due_on))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let last = match (m.record.version, &m.last_update_on) {
                    (0, _) => "aldrig".to_string(),
                    _ => time(m.record.update_time),
                };
                let last = if m.stale {
                    format!(
                        "{last} **(ingen opdatering i {} dage)**",
                        m.days_since_update.unwrap_or_default()
                    )
                } else {
                    last
                };
                row(
                    &mut md,
                    &[
                        format!("{} {}", m.record.municipality, cell(&m.member_name)),
                        part,
                        status_da(m.record.status).to_string(),
                        format!("{} %", m.record.progress_percent),
                        if milestones.is_empty() {
                            "–".into()
                        } else {
                            milestones
                        },
                        last,
                        cell(&m.record.notes),
                    ],
                );
            }
        }
        if !p.deviations.is_empty() {
            let _ = writeln!(md, "\nAfvigelser:\n");
            for d in &p.deviations {
                let _ = writeln!(
                    md,
                    "- {} {}: {} ({}). Begrundelse: {} Beslutning: {}.",
                    d.municipality,
                    cell(&d.member_name),
                    kind_da(d.kind),
                    cell(&d.effect),
                    cell(&d.justification),
                    cell(&d.board_resolution)
                );
            }
        }
    }

    let _ = writeln!(md, "\n### Overskredet\n");
    if r.overdue.is_empty() {
        let _ = writeln!(md, "Intet.");
    } else {
        head(&mut md, &["Prioritet", "Kommune", "Hvad"]);
        for o in &r.overdue {
            let what = match &o.milestone {
                Some(m) => format!(
                    "Milepæl \u{201c}{}\u{201d} med frist {}",
                    cell(&m.title),
                    date(&m.due_on)
                ),
                None => format!(
                    "Ingen opdatering i {} dage (siden {})",
                    o.days_since_update.unwrap_or_default(),
                    date(o.last_update_on.as_deref().unwrap_or_default())
                ),
            };
            row(
                &mut md,
                &[
                    cell(&o.title),
                    format!("{} {}", o.municipality, cell(&o.member_name)),
                    what,
                ],
            );
        }
    }

    match &r.since {
        Some(since) => {
            let _ = writeln!(md, "\n### Ændringer siden {}\n", date(since));
            if r.changes.is_empty() {
                let _ = writeln!(md, "Ingen.");
            }
            for c in &r.changes {
                let who = if c.municipality.is_empty() {
                    String::new()
                } else {
                    format!("{} {}, ", c.municipality, cell(&c.member_name))
                };
                let what = if c.title.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", cell(&c.title))
                };
                let _ = writeln!(md, "- {} — {who}{what}{}", time(c.time), cell(&c.description));
            }
        }
        None => {
            let _ = writeln!(md, "\nDette er den første opfølgning.");
        }
    }
    md
}
