use std::collections::HashMap;

use clap::{Args, Subcommand, ValueEnum};
use samprio_client::{Timestamp, pb};

use super::ballot::{self, BallotArgs};
use super::cooperation::WeightingArg;
use super::lookup::{member, member_names, titles};
use super::output::{enum_name, fields, kroner, next_page, number, table, time};
use super::{Env, parse_quorum};

#[derive(Subcommand)]
pub enum SessionCmd {
    /// Schedule a session (chair).
    Create {
        cooperation: String,
        #[arg(long)]
        title: String,
        /// When it meets (RFC 3339, e.g. 2026-11-12T09:00:00+01:00); now if left out.
        #[arg(long, value_parser = parse_time)]
        at: Option<Timestamp>,
        /// A submitted proposal for the agenda (repeatable).
        #[arg(long = "agenda", value_name = "PROPOSAL")]
        agenda: Vec<String>,
        /// A follow-up session: its agenda is the follow-up report, and its
        /// minutes carry the report as it stands when it closes.
        #[arg(long)]
        follow_up: bool,
    },
    /// Show a session: agenda, attendance and state.
    Get { id: String },
    /// List a cooperation's sessions.
    List {
        cooperation: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
    /// Replace the agenda of a scheduled or open session (chair).
    Agenda {
        id: String,
        /// Submitted proposals, in agenda order.
        proposals: Vec<String>,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Open a scheduled session (chair).
    Open { id: String },
    /// Record your municipality as present.
    CheckIn { id: String },
    /// Close the session: open rounds are closed and the minutes written (chair).
    Close { id: String },
    /// The minutes of a closed session (Danish Markdown unless asked otherwise).
    Minutes {
        id: String,
        /// Language of the minutes.
        #[arg(long, value_enum, default_value_t = LangArg::Da)]
        lang: LangArg,
        /// Markdown, HTML (print-ready), PDF, or results or named ballots as CSV.
        #[arg(long, value_enum, default_value_t = MinutesFormatArg::Markdown)]
        format: MinutesFormatArg,
        /// Write to this file instead of standard output (needed for PDF).
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Name the session's minute-taker (chair); an empty name clears it.
    MinuteTaker { id: String, name: String },
    /// The chair's decision note for an agenda item, or for "Eventuelt" without --proposal.
    Note {
        id: String,
        /// The agenda item's proposal; leave out for "Eventuelt".
        #[arg(long)]
        proposal: Option<String>,
        /// The note; empty removes it.
        text: String,
    },
    /// Approve the minutes of an earlier, closed session at this open one (chair).
    ApproveMinutes {
        /// The closed session whose minutes are approved.
        id: String,
        /// The open session approving them.
        #[arg(long = "at", value_name = "SESSION")]
        at: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Da,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MinutesFormatArg {
    Markdown,
    Html,
    Pdf,
    ResultsCsv,
    BallotsCsv,
}

impl From<MinutesFormatArg> for pb::MinutesFormat {
    fn from(f: MinutesFormatArg) -> Self {
        match f {
            MinutesFormatArg::Markdown => pb::MinutesFormat::Markdown,
            MinutesFormatArg::Html => pb::MinutesFormat::Html,
            MinutesFormatArg::Pdf => pb::MinutesFormat::Pdf,
            MinutesFormatArg::ResultsCsv => pb::MinutesFormat::ResultsCsv,
            MinutesFormatArg::BallotsCsv => pb::MinutesFormat::BallotsCsv,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    YesNo,
    Approval,
    Score,
    Borda,
    Schulze,
}

impl From<MethodArg> for pb::Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::YesNo => pb::Method::YesNo,
            MethodArg::Approval => pb::Method::Approval,
            MethodArg::Score => pb::Method::Score,
            MethodArg::Borda => pb::Method::Borda,
            MethodArg::Schulze => pb::Method::Schulze,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ThresholdArg {
    SimpleMajority,
    TwoThirds,
    Unanimous,
}

impl From<ThresholdArg> for pb::Threshold {
    fn from(t: ThresholdArg) -> Self {
        match t {
            ThresholdArg::SimpleMajority => pb::Threshold::SimpleMajority,
            ThresholdArg::TwoThirds => pb::Threshold::TwoThirds,
            ThresholdArg::Unanimous => pb::Threshold::Unanimous,
        }
    }
}

#[derive(Args)]
pub struct OpenRoundArgs {
    session: String,
    #[arg(long, value_enum)]
    method: MethodArg,
    /// A candidate proposal (repeatable, or comma-separated), in candidate order.
    #[arg(long = "candidate", value_name = "PROPOSAL", value_delimiter = ',', required = true)]
    candidates: Vec<String>,
    #[arg(long, default_value = "", hide_default_value = true)]
    title: String,
    /// The cooperation's default if left out.
    #[arg(long, value_enum)]
    weighting: Option<WeightingArg>,
    /// Percentage of the total member weight that must vote; the cooperation's default if left out.
    #[arg(long, value_parser = parse_quorum)]
    quorum: Option<u32>,
    /// YES_NO rounds: simple majority if left out.
    #[arg(long, value_enum)]
    threshold: Option<ThresholdArg>,
    /// The round closes by itself at this time (RFC 3339).
    #[arg(long, value_parser = parse_time, conflicts_with = "closes_in")]
    deadline: Option<Timestamp>,
    /// The round closes by itself after this long, e.g. 90s, 15m, 2h.
    #[arg(long, value_parser = parse_duration)]
    closes_in: Option<i64>,
    /// Ranking rounds: adopt submitted candidates in result order while their
    /// one-time cost fits this budget (DKK).
    #[arg(long, value_name = "DKK")]
    budget: Option<i64>,
}

#[derive(Subcommand)]
pub enum RoundCmd {
    /// Open a voting round in an open session (chair).
    Open(OpenRoundArgs),
    /// Show a round: candidates, turnout, and the result once closed.
    Get { id: String },
    /// List a session's rounds.
    List {
        session: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
    /// Close the round, tally it and update the shared list (chair).
    Close { id: String },
    /// Cancel the round without a result (chair).
    Cancel {
        id: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        reason: String,
    },
    /// Named ballots (contents once the round is closed; your own always).
    Ballots {
        id: String,
        /// Also list replaced ballots.
        #[arg(long)]
        history: bool,
        /// As CSV: one row per ballot and candidate.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Args)]
pub struct VoteArgs {
    /// The round. Candidates are named by their number in `samprio round get`
    /// (e.g. 2 or #2), a unique prefix of their id, or the id.
    round: String,
    #[command(flatten)]
    ballot: BallotArgs,
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    let t = chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time such as 2026-11-12T09:00:00+01:00 ({e})"))?;
    Ok(Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    })
}

/// A duration in seconds: "90s", "15m", "2h" or "1d".
fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 90s, 15m or 2h"))?;
    let unit = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: use s, m, h or d")),
    };
    n.checked_mul(unit).ok_or_else(|| format!("{s:?} is too long"))
}

/// What `show_session` prints in place of ids.
struct SessionNames {
    titles: HashMap<String, String>,
    members: HashMap<String, String>,
}

async fn print_session(env: &Env, s: pb::Session) -> anyhow::Result<()> {
    let names = SessionNames {
        titles: titles(env, &s.agenda).await,
        members: member_names(env, &s.cooperation_id).await,
    };
    env.out.show(&s, |s| show_session(s, &names))
}

fn show_session(s: &pb::Session, names: &SessionNames) {
    fields(&[
        ("id", s.id.clone()),
        ("title", s.title.clone()),
        ("cooperation", s.cooperation_id.clone()),
        ("state", enum_name(s.state().as_str_name(), "SESSION_STATE_")),
        ("kind", enum_name(s.kind().as_str_name(), "SESSION_KIND_")),
        ("scheduled", time(&s.scheduled_time)),
        ("opened", time(&s.open_time)),
        ("closed", time(&s.close_time)),
        ("etag", s.etag.clone()),
    ]);
    if !s.agenda.is_empty() {
        println!();
        table(
            &["#", "title"],
            s.agenda
                .iter()
                .enumerate()
                .map(|(i, id)| vec![format!("#{}", i + 1), names.titles.get(id).unwrap_or(id).clone()])
                .collect(),
        );
    }
    if !s.attendance.is_empty() {
        println!();
        table(
            &["present", "checked in by", "at"],
            s.attendance
                .iter()
                .map(|a| {
                    vec![
                        member(&names.members, &a.municipality),
                        if a.by_voting {
                            "(took part by voting)".into()
                        } else if a.checked_in_by_name.is_empty() {
                            a.checked_in_by.clone()
                        } else {
                            a.checked_in_by_name.clone()
                        },
                        time(&a.check_in_time),
                    ]
                })
                .collect(),
        );
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
}

/// What `show_round` prints in place of ids, and each voter's weight.
struct RoundNames {
    titles: HashMap<String, String>,
    members: HashMap<String, String>,
    /// Current ballots' municipality and weight, in the order cast.
    weights: Vec<(String, u64)>,
}

fn show_round(r: &pb::Round, names: &RoundNames) {
    let method = match r.method() {
        pb::Method::YesNo => format!("yes-no ({})", enum_name(r.threshold().as_str_name(), "THRESHOLD_")),
        m => enum_name(m.as_str_name(), "METHOD_"),
    };
    let mut rows = vec![
        ("id", r.id.clone()),
        ("title", r.title.clone()),
        ("session", r.session_id.clone()),
        ("method", method),
        ("weighting", enum_name(r.weighting().as_str_name(), "WEIGHTING_")),
        ("quorum", format!("{:.2}%", r.quorum_bp as f64 / 100.0)),
        (
            "decision level",
            enum_name(r.decision_level().as_str_name(), "DECISION_LEVEL_"),
        ),
        ("state", enum_name(r.state().as_str_name(), "ROUND_STATE_")),
        ("opened", time(&r.open_time)),
    ];
    if r.deadline.is_some() {
        rows.push(("deadline", time(&r.deadline)));
    }
    if let Some(b) = r.budget_dkk {
        rows.push(("budget", kroner(b)));
    }
    if r.close_time.is_some() {
        rows.push(("closed", time(&r.close_time)));
    }
    if !r.cancel_reason.is_empty() {
        rows.push(("cancelled because", r.cancel_reason.clone()));
    }
    rows.push((
        "turnout",
        format!(
            "weight {} of {} ({})",
            number(r.voted_weight),
            number(r.total_weight),
            percent(r.voted_weight, r.total_weight),
        ),
    ));
    fields(&rows);

    println!();
    if names.weights.is_empty() {
        // The ballots could not be read: the codes of who voted.
        let voted: Vec<String> = r.voted.iter().map(|c| member(&names.members, c)).collect();
        println!(
            "voted: {}",
            if voted.is_empty() { "-".into() } else { voted.join(", ") }
        );
    } else {
        table(
            &["voted", "weight"],
            names
                .weights
                .iter()
                .map(|(code, w)| vec![member(&names.members, code), number(*w)])
                .collect(),
        );
    }

    let number_of: HashMap<&str, usize> = r
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i + 1))
        .collect();
    let n = |id: &str| {
        number_of
            .get(id)
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| id.to_string())
    };
    let title = |id: &str| names.titles.get(id).cloned().unwrap_or_default();
    println!();
    match &r.result {
        None => table(
            &["#", "title"],
            r.candidates.iter().map(|c| vec![n(c), title(c)]).collect(),
        ),
        Some(res) => {
            let yes_no = r.method() == pb::Method::YesNo;
            let header: &[&str] = if yes_no {
                &["#", "title", "yes", "no", "abstain", "adopted"]
            } else {
                &["pos", "#", "title", "score", "outcome"]
            };
            table(
                header,
                res.candidates
                    .iter()
                    .map(|c| {
                        if yes_no {
                            vec![
                                n(&c.proposal_id),
                                title(&c.proposal_id),
                                number(c.yes_weight),
                                number(c.no_weight),
                                number(c.abstain_weight),
                                if c.adopted { "yes" } else { "no" }.into(),
                            ]
                        } else {
                            let outcome = if c.adopted {
                                "adopted"
                            } else if res.skipped_for_budget.contains(&c.proposal_id) {
                                "over budget"
                            } else {
                                ""
                            };
                            vec![
                                c.position.to_string(),
                                n(&c.proposal_id),
                                title(&c.proposal_id),
                                number(c.score),
                                outcome.into(),
                            ]
                        }
                    })
                    .collect(),
            );
            println!(
                "quorum {}: weight {} of {} cast ({})",
                if res.quorum_met { "met" } else { "NOT met" },
                number(res.cast_weight),
                number(res.total_weight),
                percent(res.cast_weight, res.total_weight)
            );
            for t in &res.tie_breaks {
                let order: Vec<String> = t.proposal_ids.iter().map(|id| n(id)).collect();
                println!("tie-break: {} — {}", order.join(" before "), t.reason);
            }
            if res.list_revision > 0 {
                println!("shared priority list: now revision {}", res.list_revision);
            }
            if !res.note.is_empty() {
                println!("{}", res.note);
            }
            println!("inputs hash: {}", res.inputs_hash);
        }
    }
}

/// Ballots, candidates by their number in the round (`candidates`).
fn show_ballots(bs: &[pb::Ballot], candidates: &[String]) {
    table(
        &[
            "municipality",
            "version",
            "current",
            "weight",
            "cast by",
            "role",
            "at",
            "ballot",
        ],
        bs.iter()
            .map(|b| {
                vec![
                    b.municipality.clone(),
                    b.version.to_string(),
                    if b.current { "yes" } else { "replaced" }.into(),
                    number(b.weight),
                    if b.cast_by_name.is_empty() {
                        b.cast_by.clone()
                    } else {
                        b.cast_by_name.clone()
                    },
                    b.role.clone(),
                    time(&b.cast_time),
                    b.content
                        .as_ref()
                        .map(|c| ballot_text(c, candidates))
                        .unwrap_or_else(|| "(secret until close)".into()),
                ]
            })
            .collect(),
    );
}

/// What a ballot says, candidates as `#n` (their number in the round).
fn ballot_text(c: &pb::BallotContent, candidates: &[String]) -> String {
    use pb::ballot_content::Kind;
    let short = |id: &str| match candidates.iter().position(|c| c == id) {
        Some(i) => format!("#{}", i + 1),
        None => id.chars().take(13).collect::<String>(),
    };
    match &c.kind {
        Some(Kind::YesNo(b)) => b
            .choices
            .iter()
            .map(|x| {
                format!(
                    "{} {}",
                    short(&x.candidate_id),
                    enum_name(x.choice().as_str_name(), "CHOICE_")
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(Kind::Approval(b)) => format!(
            "approves {}",
            b.approved.iter().map(|x| short(x)).collect::<Vec<_>>().join(", ")
        ),
        Some(Kind::Score(b)) => b
            .scores
            .iter()
            .map(|x| format!("{}={}", short(&x.candidate_id), x.score))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Kind::Ranking(b)) => b.ranking.iter().map(|x| short(x)).collect::<Vec<_>>().join(" > "),
        Some(Kind::Tiers(b)) => b
            .tiers
            .iter()
            .map(|t| t.candidate_ids.iter().map(|x| short(x)).collect::<Vec<_>>().join(" = "))
            .collect::<Vec<_>>()
            .join(" > "),
        None => String::new(),
    }
}

async fn print_round(env: &Env, r: pb::Round) -> anyhow::Result<()> {
    let mut weights = vec![];
    if !env.out.json
        && let Ok(b) = env
            .client
            .sessions()
            .list_ballots(pb::ListBallotsRequest {
                round_id: r.id.clone(),
                include_history: false,
            })
            .await
    {
        weights = b
            .into_inner()
            .ballots
            .into_iter()
            .filter(|b| b.current)
            .map(|b| (b.municipality, b.weight))
            .collect();
    }
    let names = RoundNames {
        titles: titles(env, &r.candidates).await,
        members: member_names(env, &r.cooperation_id).await,
        weights,
    };
    env.out.show(&r, |r| show_round(r, &names))
}

pub async fn run_session(env: &Env, cmd: SessionCmd) -> anyhow::Result<()> {
    let mut c = env.client.sessions();
    let rid = env.request_id.clone();
    match cmd {
        SessionCmd::Create {
            cooperation,
            title,
            at,
            agenda,
            follow_up,
        } => {
            if follow_up {
                anyhow::ensure!(
                    agenda.is_empty(),
                    "a follow-up session's agenda is the follow-up report; leave out --agenda"
                );
                let req = pb::CreateFollowUpSessionRequest {
                    cooperation_id: cooperation,
                    title,
                    scheduled_time: at,
                    request_id: rid,
                };
                let s = env.client.follow_up().create_follow_up_session(req).await?.into_inner();
                return print_session(env, s).await;
            }
            let req = pb::CreateSessionRequest {
                cooperation_id: cooperation,
                title,
                scheduled_time: at,
                agenda,
                request_id: rid,
            };
            print_session(env, c.create_session(req).await?.into_inner()).await
        }
        SessionCmd::Get { id } => {
            print_session(env, c.get_session(pb::GetSessionRequest { id }).await?.into_inner()).await
        }
        SessionCmd::List {
            cooperation,
            page_size,
            page_token,
        } => {
            let r = c
                .list_sessions(pb::ListSessionsRequest {
                    cooperation_id: cooperation,
                    page_size,
                    page_token,
                })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(
                    &["#", "title", "state", "scheduled", "present"],
                    r.sessions
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            vec![
                                format!("#{}", i + 1),
                                s.title.clone(),
                                enum_name(s.state().as_str_name(), "SESSION_STATE_"),
                                time(&s.scheduled_time),
                                s.attendance.len().to_string(),
                            ]
                        })
                        .collect(),
                );
                next_page(&r.next_page_token);
            })
        }
        SessionCmd::Agenda { id, proposals, etag } => {
            let req = pb::SetAgendaRequest {
                id,
                agenda: proposals,
                etag,
                request_id: rid,
            };
            print_session(env, c.set_agenda(req).await?.into_inner()).await
        }
        SessionCmd::Open { id } => {
            print_session(
                env,
                c.open_session(pb::OpenSessionRequest { id, request_id: rid })
                    .await?
                    .into_inner(),
            )
            .await
        }
        SessionCmd::CheckIn { id } => {
            print_session(
                env,
                c.check_in(pb::CheckInRequest { id, request_id: rid })
                    .await?
                    .into_inner(),
            )
            .await
        }
        SessionCmd::Close { id } => {
            print_session(
                env,
                c.close_session(pb::CloseSessionRequest { id, request_id: rid })
                    .await?
                    .into_inner(),
            )
            .await
        }
        SessionCmd::Minutes {
            id,
            lang,
            format,
            output,
        } => {
            let m = c
                .get_minutes(pb::GetMinutesRequest {
                    session_id: id,
                    lang: match lang {
                        LangArg::Da => "da".into(),
                        LangArg::En => "en".into(),
                    },
                    format: pb::MinutesFormat::from(format) as i32,
                })
                .await?
                .into_inner();
            if let Some(path) = output {
                std::fs::write(&path, &m.content)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                println!("{}", path.display());
                return Ok(());
            }
            if matches!(format, MinutesFormatArg::Pdf) && !env.out.json {
                anyhow::bail!("a PDF goes to a file: add --output minutes.pdf");
            }
            env.out.show(&m, |m| {
                use std::io::Write as _;
                let _ = std::io::stdout().write_all(&m.content);
            })
        }
        SessionCmd::MinuteTaker { id, name } => {
            print_session(
                env,
                c.set_minute_taker(pb::SetMinuteTakerRequest {
                    id,
                    name,
                    request_id: rid,
                })
                .await?
                .into_inner(),
            )
            .await
        }
        SessionCmd::Note { id, proposal, text } => {
            print_session(
                env,
                c.set_decision_note(pb::SetDecisionNoteRequest {
                    id,
                    proposal_id: proposal.unwrap_or_default(),
                    note: text,
                    request_id: rid,
                })
                .await?
                .into_inner(),
            )
            .await
        }
        SessionCmd::ApproveMinutes { id, at } => env.out.show(
            &c.approve_minutes(pb::ApproveMinutesRequest {
                session_id: id,
                approving_session_id: at,
                request_id: rid,
            })
            .await?
            .into_inner(),
            |s| {
                if let Some(a) = &s.minutes_approval {
                    println!(
                        "minutes of \"{}\" approved at \"{}\" by {}",
                        s.title,
                        a.session_title,
                        a.by.as_ref()
                            .map(|b| if b.name.is_empty() {
                                b.sub.as_str()
                            } else {
                                b.name.as_str()
                            })
                            .unwrap_or("")
                    );
                }
            },
        ),
    }
}

pub async fn run_round(env: &Env, cmd: RoundCmd) -> anyhow::Result<()> {
    let mut c = env.client.sessions();
    let rid = env.request_id.clone();
    match cmd {
        RoundCmd::Open(a) => {
            let deadline = match (a.deadline, a.closes_in) {
                (Some(t), _) => Some(t),
                (None, Some(secs)) => {
                    let now = chrono::Utc::now();
                    Some(Timestamp {
                        seconds: now.timestamp().saturating_add(secs),
                        nanos: now.timestamp_subsec_nanos() as i32,
                    })
                }
                (None, None) => None,
            };
            let req = pb::OpenRoundRequest {
                session_id: a.session,
                title: a.title,
                method: pb::Method::from(a.method) as i32,
                candidates: a.candidates,
                weighting: a.weighting.map(|w| pb::Weighting::from(w) as i32).unwrap_or(0),
                quorum_bp: a.quorum,
                threshold: a.threshold.map(|t| pb::Threshold::from(t) as i32).unwrap_or(0),
                deadline,
                budget_dkk: a.budget,
                request_id: rid,
            };
            print_round(env, c.open_round(req).await?.into_inner()).await
        }
        RoundCmd::Get { id } => print_round(env, c.get_round(pb::GetRoundRequest { id }).await?.into_inner()).await,
        RoundCmd::List {
            session,
            page_size,
            page_token,
        } => {
            let r = c
                .list_rounds(pb::ListRoundsRequest {
                    session_id: session,
                    page_size,
                    page_token,
                })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(
                    &["#", "title", "method", "state", "candidates", "turnout"],
                    r.rounds
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            vec![
                                format!("#{}", i + 1),
                                x.title.clone(),
                                enum_name(x.method().as_str_name(), "METHOD_"),
                                enum_name(x.state().as_str_name(), "ROUND_STATE_"),
                                x.candidates.len().to_string(),
                                percent(x.voted_weight, x.total_weight),
                            ]
                        })
                        .collect(),
                );
                next_page(&r.next_page_token);
            })
        }
        RoundCmd::Close { id } => {
            let r = c
                .close_round(pb::CloseRoundRequest { id, request_id: rid })
                .await?
                .into_inner();
            print_round(env, r).await
        }
        RoundCmd::Cancel { id, reason } => {
            let r = c
                .cancel_round(pb::CancelRoundRequest {
                    id,
                    reason,
                    request_id: rid,
                })
                .await?
                .into_inner();
            print_round(env, r).await
        }
        RoundCmd::Ballots { id, history, csv } => {
            let r = c
                .list_ballots(pb::ListBallotsRequest {
                    round_id: id.clone(),
                    include_history: history,
                })
                .await?
                .into_inner();
            let round = c.get_round(pb::GetRoundRequest { id }).await?.into_inner();
            if csv {
                print!("{}", ballots_csv(&round, &r.ballots)?);
                return Ok(());
            }
            env.out.show(&r, |r| show_ballots(&r.ballots, &round.candidates))
        }
    }
}

/// Casts the caller's municipality's ballot in a round.
pub async fn vote(env: &Env, a: VoteArgs) -> anyhow::Result<()> {
    let mut c = env.client.sessions();
    let round = c
        .get_round(pb::GetRoundRequest { id: a.round.clone() })
        .await?
        .into_inner();
    let content = ballot::build(round.method(), &round.candidates, a.ballot).map_err(anyhow::Error::msg)?;
    let b = c
        .cast_ballot(pb::CastBallotRequest {
            round_id: round.id,
            content: Some(content),
            request_id: env.request_id.clone(),
        })
        .await?
        .into_inner();
    env.out.show(&b, |b| {
        println!(
            "cast for {} as {} (weight {}): {}{}",
            b.municipality,
            b.role,
            number(b.weight),
            b.content
                .as_ref()
                .map(|c| ballot_text(c, &round.candidates))
                .unwrap_or_default(),
            if b.version > 1 {
                format!(" (ballot {}; it replaces the earlier one)", b.version)
            } else {
                String::new()
            }
        );
    })
}

/// The header of `samprio round ballots --csv`.
pub const BALLOT_CSV_COLUMNS: [&str; 10] = [
    "municipality",
    "cast_by",
    "cast_by_name",
    "role",
    "weight",
    "version",
    "current",
    "cast_time",
    "candidate",
    "value",
];

/// Ballots as CSV, one row per ballot and candidate of the round: the
/// choice (`YES`, `NO`, `ABSTAIN`), `1`/`0` for approved or not, the score,
/// or the rank (tier) given, empty where the ballot ranks it nowhere or
/// its content is still hidden.
pub fn ballots_csv(round: &pb::Round, ballots: &[pb::Ballot]) -> anyhow::Result<String> {
    use pb::ballot_content::Kind;
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(BALLOT_CSV_COLUMNS)?;
    for b in ballots {
        for c in &round.candidates {
            let value = match b.content.as_ref().and_then(|x| x.kind.as_ref()) {
                None => String::new(),
                Some(Kind::YesNo(y)) => y
                    .choices
                    .iter()
                    .find(|x| &x.candidate_id == c)
                    .map(|x| x.choice())
                    .filter(|x| *x != pb::Choice::Unspecified)
                    .unwrap_or(pb::Choice::Abstain)
                    .as_str_name()
                    .trim_start_matches("CHOICE_")
                    .to_string(),
                Some(Kind::Approval(a)) => if a.approved.contains(c) { "1" } else { "0" }.to_string(),
                Some(Kind::Score(s)) => s
                    .scores
                    .iter()
                    .find(|x| &x.candidate_id == c)
                    .map_or(0, |x| x.score)
                    .to_string(),
                Some(Kind::Ranking(r)) => r
                    .ranking
                    .iter()
                    .position(|x| x == c)
                    .map(|p| (p + 1).to_string())
                    .unwrap_or_default(),
                Some(Kind::Tiers(t)) => t
                    .tiers
                    .iter()
                    .position(|tier| tier.candidate_ids.contains(c))
                    .map(|p| (p + 1).to_string())
                    .unwrap_or_default(),
            };
            w.write_record([
                b.municipality.clone(),
                b.cast_by.clone(),
                b.cast_by_name.clone(),
                b.role.clone(),
                b.weight.to_string(),
                b.version.to_string(),
                b.current.to_string(),
                time(&b.cast_time),
                c.clone(),
                value,
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
