//! Follow-up: a member's implementation records, and the follow-up report
//! as a table or CSV.

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use samprio_client::pb;

use super::Env;
use super::lookup::titles;
use super::output::{enum_name, fields, table, time};

#[derive(Clone, Copy, ValueEnum)]
pub enum StatusArg {
    NotStarted,
    InProgress,
    Done,
    Blocked,
    Cancelled,
}

impl From<StatusArg> for pb::ImplementationStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::NotStarted => pb::ImplementationStatus::NotStarted,
            StatusArg::InProgress => pb::ImplementationStatus::InProgress,
            StatusArg::Done => pb::ImplementationStatus::Done,
            StatusArg::Blocked => pb::ImplementationStatus::Blocked,
            StatusArg::Cancelled => pb::ImplementationStatus::Cancelled,
        }
    }
}

#[derive(Subcommand)]
pub enum FollowUpCmd {
    /// Report where your municipality stands with a priority. Only what you
    /// name changes; the rest of the record is kept as read.
    Update {
        cooperation: String,
        proposal: String,
        /// The member (default: your own municipality).
        #[arg(long, default_value = "", hide_default_value = true)]
        municipality: String,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// 0–100.
        #[arg(long)]
        progress: Option<u32>,
        /// Add a milestone or move its due date: "TITLE=YYYY-MM-DD" (repeatable).
        #[arg(long = "milestone")]
        milestones: Vec<String>,
        /// Mark a milestone done: "TITLE=YYYY-MM-DD" (repeatable).
        #[arg(long = "done")]
        done: Vec<String>,
        /// Remove a milestone by its title (repeatable).
        #[arg(long = "remove-milestone")]
        remove: Vec<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// One member's record of one priority.
    Show {
        cooperation: String,
        proposal: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        municipality: String,
    },
    /// The records of the members taking part, as they stood on a date.
    List {
        cooperation: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        proposal: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        municipality: String,
        /// YYYY-MM-DD; today if not given.
        #[arg(long, default_value = "", hide_default_value = true)]
        as_of: String,
    },
    /// The follow-up report: decisions, where each member stands, what is
    /// overdue, deviations, and changes since the previous report.
    Report {
        cooperation: String,
        /// YYYY-MM-DD; today if not given.
        #[arg(long, default_value = "", hide_default_value = true)]
        as_of: String,
        /// The previous report's date (YYYY-MM-DD): list the changes after it.
        #[arg(long, default_value = "", hide_default_value = true)]
        since: String,
        /// One row per priority and member, as CSV.
        #[arg(long)]
        csv: bool,
    },
}

pub async fn run(env: &Env, cmd: FollowUpCmd) -> anyhow::Result<()> {
    let mut c = env.client.follow_up();
    match cmd {
        FollowUpCmd::Update {
            cooperation,
            proposal,
            municipality,
            status,
            progress,
            milestones,
            done,
            remove,
            notes,
        } => {
            let current = c
                .get_implementation(pb::GetImplementationRequest {
                    cooperation_id: cooperation.clone(),
                    proposal_id: proposal.clone(),
                    municipality: municipality.clone(),
                })
                .await?
                .into_inner();
            let mut ms = current.milestones.clone();
            for m in &milestones {
                let (title, due) = title_and_date(m, "--milestone")?;
                match ms.iter_mut().find(|x| x.title == title) {
                    Some(x) => x.due_on = due,
                    None => ms.push(pb::Milestone {
                        title,
                        due_on: due,
                        ..Default::default()
                    }),
                }
            }
            for d in &done {
                let (title, on) = title_and_date(d, "--done")?;
                let x = ms
                    .iter_mut()
                    .find(|x| x.title == title)
                    .with_context(|| format!("--done: no milestone titled {title:?}"))?;
                x.done_on = on;
            }
            ms.retain(|x| !remove.contains(&x.title));
            let status = status.map(pb::ImplementationStatus::from).unwrap_or(current.status());
            let progress = match (progress, status) {
                (Some(p), _) => p,
                (None, pb::ImplementationStatus::Done) => 100,
                (None, _) => current.progress_percent,
            };
            let req = pb::UpdateImplementationRequest {
                cooperation_id: cooperation,
                proposal_id: proposal,
                municipality,
                status: status as i32,
                progress_percent: progress,
                milestones: ms,
                notes: notes.unwrap_or(current.notes),
                etag: current.etag,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.update_implementation(req).await?.into_inner(), show)
        }
        FollowUpCmd::Show {
            cooperation,
            proposal,
            municipality,
        } => {
            let req = pb::GetImplementationRequest {
                cooperation_id: cooperation,
                proposal_id: proposal,
                municipality,
            };
            env.out.show(&c.get_implementation(req).await?.into_inner(), show)
        }
        FollowUpCmd::List {
            cooperation,
            proposal,
            municipality,
            as_of,
        } => {
            let req = pb::ListImplementationsRequest {
                cooperation_id: cooperation,
                proposal_id: proposal,
                municipality,
                as_of,
            };
            let r = c.list_implementations(req).await?.into_inner();
            let ids: Vec<String> = r.implementations.iter().map(|i| i.proposal_id.clone()).collect();
            let titles = titles(env, &ids).await;
            env.out.show(&r, |r| {
                println!("as of {}", r.as_of);
                table(
                    &MEMBER_HEADER,
                    r.implementations
                        .iter()
                        .map(|i| member_row(i, titles.get(&i.proposal_id).unwrap_or(&i.proposal_id)))
                        .collect(),
                );
            })
        }
        FollowUpCmd::Report {
            cooperation,
            as_of,
            since,
            csv,
        } => {
            let req = pb::GetFollowUpReportRequest {
                cooperation_id: cooperation,
                as_of,
                since,
            };
            let r = c.get_follow_up_report(req).await?.into_inner();
            if csv {
                return write_csv(&r, std::io::stdout().lock());
            }
            env.out.show(&r, show_report)
        }
    }
}

/// "TITLE=YYYY-MM-DD", split at the last "=".
fn title_and_date(s: &str, flag: &str) -> anyhow::Result<(String, String)> {
    let (title, date) = s
        .rsplit_once('=')
        .with_context(|| format!("{flag} {s:?}: expected TITLE=YYYY-MM-DD"))?;
    Ok((title.trim().to_string(), date.trim().to_string()))
}

fn status_name(s: pb::ImplementationStatus) -> String {
    enum_name(s.as_str_name(), "IMPLEMENTATION_STATUS_")
}

fn participation(i: &pb::Implementation) -> String {
    match i.participation() {
        pb::Participation::Deferred => format!("deferred to {}", i.starts_on),
        p => enum_name(p.as_str_name(), "PARTICIPATION_"),
    }
}

/// "42,50 %" from basis points, as the minutes write it.
fn percent(bp: u32) -> String {
    format!("{},{:02} %", bp / 100, bp % 100)
}

fn milestone_text(m: &pb::Milestone) -> String {
    let state = if !m.done_on.is_empty() {
        format!("done {}", m.done_on)
    } else if m.overdue {
        "OVERDUE".into()
    } else {
        "open".into()
    };
    format!("{} (due {}, {state})", m.title, m.due_on)
}

fn show(i: &pb::Implementation) {
    let by = i
        .updated_by
        .as_ref()
        .map(|a| format!("{} ({}, {})", a.sub, a.municipality, a.roles.join(" ")))
        .unwrap_or_else(|| "-".into());
    fields(&[
        ("member", format!("{} {}", i.municipality, i.member_name)),
        ("proposal", i.proposal_id.clone()),
        ("taking part", participation(i)),
        ("status", status_name(i.status())),
        ("progress", format!("{} %", i.progress_percent)),
        (
            "milestones",
            i.milestones.iter().map(milestone_text).collect::<Vec<_>>().join("; "),
        ),
        ("notes", i.notes.clone()),
        ("updated by", by),
        ("updated", time(&i.update_time)),
        ("stale", if i.stale { "yes".into() } else { "no".into() }),
        ("version", i.version.to_string()),
        ("etag", i.etag.clone()),
    ]);
}

const MEMBER_HEADER: [&str; 7] = [
    "title",
    "member",
    "taking part",
    "status",
    "progress",
    "overdue",
    "updated",
];

/// A member's implementation of a priority, under the priority's `title`.
fn member_row(i: &pb::Implementation, title: &str) -> Vec<String> {
    vec![
        title.to_string(),
        format!("{} {}", i.municipality, i.member_name),
        participation(i),
        if i.stale {
            format!("{} (stale)", status_name(i.status()))
        } else {
            status_name(i.status())
        },
        format!("{} %", i.progress_percent),
        i.overdue_milestones.to_string(),
        i.last_update_on.clone(),
    ]
}

fn show_report(r: &pb::FollowUpReport) {
    println!(
        "Follow-up of {} ({}) as of {}, shared list revision {}",
        r.cooperation_name, r.cooperation_id, r.as_of, r.list_revision
    );
    for p in &r.priorities {
        let rank = if p.shared_rank == 0 {
            "local".to_string()
        } else {
            format!("#{}", p.shared_rank)
        };
        println!();
        println!(
            "{rank} {} — progress {} (population-weighted {}), {} of {} done",
            p.title,
            percent(p.progress_bp),
            percent(p.weighted_progress_bp),
            p.members_done,
            p.members_taking_part
        );
        if let Some(d) = &p.decision {
            println!(
                "   decided {} in \u{201c}{}\u{201d} ({}): {}",
                time(&d.decide_time),
                d.round_title,
                d.session_title,
                d.summary
            );
        }
        table(
            &MEMBER_HEADER[1..],
            p.members.iter().map(|m| member_row(m, "")[1..].to_vec()).collect(),
        );
        for d in &p.deviations {
            println!(
                "   {} {}: {} — {} ({})",
                d.municipality, d.member_name, d.effect, d.justification, d.board_resolution
            );
        }
    }
    if !r.overdue.is_empty() {
        println!();
        println!("Overdue:");
        let rows = r
            .overdue
            .iter()
            .map(|o| {
                let what = match &o.milestone {
                    Some(m) => format!("milestone \u{201c}{}\u{201d} due {}", m.title, m.due_on),
                    None => format!(
                        "no update for {} days (since {})",
                        o.days_since_update, o.last_update_on
                    ),
                };
                vec![o.title.clone(), format!("{} {}", o.municipality, o.member_name), what]
            })
            .collect();
        table(&["priority", "member", "overdue"], rows);
    }
    if !r.since.is_empty() {
        println!();
        println!("Changes since {}:", r.since);
        let rows = r
            .changes
            .iter()
            .map(|c| {
                vec![
                    time(&c.time),
                    format!("{} {}", c.municipality, c.member_name).trim().to_string(),
                    c.title.clone(),
                    c.description.clone(),
                ]
            })
            .collect();
        table(&["when", "member", "priority", "change"], rows);
    }
}

/// One row per priority and member taking part (opted-out members as a row
/// with their justification), for spreadsheets.
pub fn write_csv(r: &pb::FollowUpReport, out: impl std::io::Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "as_of",
        "shared_rank",
        "proposal_id",
        "title",
        "decided",
        "progress_percent",
        "weighted_progress_percent",
        "municipality",
        "member",
        "taking_part",
        "starts_on",
        "status",
        "member_progress_percent",
        "overdue_milestones",
        "stale",
        "last_update_on",
        "deviation",
        "justification",
    ])?;
    for p in &r.priorities {
        let decided = p.decision.as_ref().map(|d| time(&d.decide_time)).unwrap_or_default();
        let head = [
            r.as_of.clone(),
            p.shared_rank.to_string(),
            p.proposal_id.clone(),
            p.title.clone(),
            decided,
            format!("{}.{:02}", p.progress_bp / 100, p.progress_bp % 100),
            format!("{}.{:02}", p.weighted_progress_bp / 100, p.weighted_progress_bp % 100),
        ];
        for m in &p.members {
            let dev = p.deviations.iter().find(|d| d.municipality == m.municipality);
            let mut row = head.to_vec();
            row.extend([
                m.municipality.clone(),
                m.member_name.clone(),
                enum_name(m.participation().as_str_name(), "PARTICIPATION_"),
                m.starts_on.clone(),
                status_name(m.status()),
                m.progress_percent.to_string(),
                m.overdue_milestones.to_string(),
                m.stale.to_string(),
                m.last_update_on.clone(),
                dev.map(|d| d.effect.clone()).unwrap_or_default(),
                dev.map(|d| d.justification.clone()).unwrap_or_default(),
            ]);
            w.write_record(&row)?;
        }
        for d in p.deviations.iter().filter(|d| d.kind() == pb::OverrideKind::OptOut) {
            let mut row = head.to_vec();
            row.extend([
                d.municipality.clone(),
                d.member_name.clone(),
                "opted-out".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                d.effect.clone(),
                d.justification.clone(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}
