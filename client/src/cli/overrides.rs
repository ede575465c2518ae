//! Local overrides, the effective list (`priorities --effective`) and accountability.

use clap::{Args, Subcommand, ValueEnum};
use samprio_client::pb;

use std::collections::HashMap;

use super::Env;
use super::lookup::{member, member_names, titles};
use super::output::{enum_name, fields, next_page, table, time};

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// We will not take part in this shared priority.
    OptOut,
    /// We take part, but not before --defer-until.
    Defer,
    /// We take part at another local position (--local-rank).
    Rerank,
    /// We pursue a proposal the cooperation did not adopt.
    AdoptLocal,
}

impl From<KindArg> for pb::OverrideKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::OptOut => pb::OverrideKind::OptOut,
            KindArg::Defer => pb::OverrideKind::Defer,
            KindArg::Rerank => pb::OverrideKind::Rerank,
            KindArg::AdoptLocal => pb::OverrideKind::AdoptLocal,
        }
    }
}

/// The commands of this module, flattened into the top level.
#[derive(Subcommand)]
pub enum Commands {
    /// Your board's local overrides of the shared priority list.
    #[command(subcommand, name = "override")]
    Override(OverrideCmd),
    /// A member's named votes, overrides and where they diverge; or with
    /// --overview, who deviates from each shared priority.
    Accountability(AccountabilityArgs),
}

#[derive(Subcommand)]
pub enum OverrideCmd {
    /// Set your municipality's override of a proposal, or change the one it has.
    Set {
        cooperation: String,
        proposal: String,
        #[arg(long, value_enum)]
        kind: KindArg,
        /// DEFER: the date (YYYY-MM-DD) from which you take part.
        #[arg(long, default_value = "", hide_default_value = true)]
        defer_until: String,
        /// RERANK (required), ADOPT_LOCAL (optional): your local position.
        #[arg(long, default_value_t = 0)]
        local_rank: u32,
        /// Why the board deviates.
        #[arg(long)]
        justification: String,
        /// The board resolution, e.g. "Direktionsmøde 2026-11-12, pkt. 4".
        #[arg(long)]
        resolution: String,
        /// Date (YYYY-MM-DD) through which the override applies.
        #[arg(long, default_value = "", hide_default_value = true)]
        expires_on: String,
        /// When changing: the etag of the version you read.
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Revoke an override.
    Revoke {
        id: String,
        #[arg(long)]
        justification: String,
        #[arg(long)]
        resolution: String,
    },
    /// Confirm an override flagged for review against the current shared list.
    Reconfirm {
        id: String,
        #[arg(long)]
        resolution: String,
    },
    /// Show an override.
    Get { id: String },
    /// Every version of an override, oldest first.
    History { id: String },
    /// Overrides in force (with --all, also revoked and expired ones).
    List {
        cooperation: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        municipality: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        proposal: String,
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
}

#[derive(Args)]
pub struct AccountabilityArgs {
    cooperation: String,
    /// The member (default: your own municipality).
    #[arg(long, default_value = "", hide_default_value = true, conflicts_with = "overview")]
    municipality: String,
    /// The cooperation-wide view instead of one member's report.
    #[arg(long)]
    overview: bool,
}

pub async fn run(env: &Env, cmd: Commands) -> anyhow::Result<()> {
    match cmd {
        Commands::Override(c) => run_override(env, c).await,
        Commands::Accountability(a) => accountability(env, a).await,
    }
}

fn kind_name(k: pb::OverrideKind) -> String {
    enum_name(k.as_str_name(), "OVERRIDE_KIND_")
}

/// What an override does, in a few words: "defer until 2027-01-01".
fn what(o: &pb::Override) -> String {
    match o.kind() {
        pb::OverrideKind::Defer => format!("defer until {}", o.defer_until),
        pb::OverrideKind::Rerank => format!("rerank to {}", o.local_rank),
        pb::OverrideKind::AdoptLocal if o.local_rank > 0 => format!("adopt-local at {}", o.local_rank),
        k => kind_name(k),
    }
}

fn state(o: &pb::Override) -> String {
    let s = enum_name(o.state().as_str_name(), "OVERRIDE_STATE_");
    if o.needs_review {
        format!("{s}, needs review")
    } else {
        s
    }
}

fn show(o: &pb::Override) {
    let by = o
        .set_by
        .as_ref()
        .map(|a| format!("{} ({}, {})", a.sub, a.municipality, a.roles.join(" ")))
        .unwrap_or_default();
    fields(&[
        ("id", o.id.clone()),
        ("municipality", o.municipality.clone()),
        ("proposal", o.proposal_id.clone()),
        ("override", what(o)),
        ("state", state(o)),
        ("justification", o.justification.clone()),
        ("board resolution", o.board_resolution.clone()),
        (
            "expires",
            if o.expires_on.is_empty() {
                "-".into()
            } else {
                o.expires_on.clone()
            },
        ),
        (
            "made against",
            format!(
                "revision {}, shared rank {}",
                o.list_revision,
                rank(o.shared_rank_at_set)
            ),
        ),
        ("set by", by),
        ("set", time(&o.set_time)),
        ("version", o.version.to_string()),
        ("etag", o.etag.clone()),
    ]);
}

fn rank(r: u32) -> String {
    if r == 0 { "-".into() } else { r.to_string() }
}

fn override_rows(os: &[pb::Override]) -> Vec<Vec<String>> {
    os.iter()
        .map(|o| {
            vec![
                o.id.clone(),
                o.municipality.clone(),
                o.proposal_id.clone(),
                what(o),
                state(o),
                o.board_resolution.clone(),
                o.version.to_string(),
            ]
        })
        .collect()
}

const OVERRIDE_HEADER: [&str; 7] = ["id", "member", "proposal", "override", "state", "resolution", "v"];

async fn run_override(env: &Env, cmd: OverrideCmd) -> anyhow::Result<()> {
    let mut c = env.client.priorities();
    let rid = env.request_id.clone();
    match cmd {
        OverrideCmd::Set {
            cooperation,
            proposal,
            kind,
            defer_until,
            local_rank,
            justification,
            resolution,
            expires_on,
            etag,
        } => {
            let req = pb::SetOverrideRequest {
                cooperation_id: cooperation,
                spec: Some(pb::OverrideSpec {
                    proposal_id: proposal,
                    kind: pb::OverrideKind::from(kind) as i32,
                    defer_until,
                    local_rank,
                    justification,
                    board_resolution: resolution,
                    expires_on,
                }),
                etag,
                request_id: rid,
            };
            env.out.show(&c.set_override(req).await?.into_inner(), show)
        }
        OverrideCmd::Revoke {
            id,
            justification,
            resolution,
        } => {
            let req = pb::RevokeOverrideRequest {
                id,
                justification,
                board_resolution: resolution,
                request_id: rid,
            };
            env.out.show(&c.revoke_override(req).await?.into_inner(), show)
        }
        OverrideCmd::Reconfirm { id, resolution } => {
            let req = pb::ReconfirmOverrideRequest {
                id,
                board_resolution: resolution,
                request_id: rid,
            };
            env.out.show(&c.reconfirm_override(req).await?.into_inner(), show)
        }
        OverrideCmd::Get { id } => env
            .out
            .show(&c.get_override(pb::GetOverrideRequest { id }).await?.into_inner(), show),
        OverrideCmd::History { id } => {
            let r = c
                .list_override_history(pb::ListOverrideHistoryRequest { id })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(
                    &["v", "set", "by", "override", "state", "justification", "resolution"],
                    r.versions
                        .iter()
                        .map(|o| {
                            vec![
                                o.version.to_string(),
                                time(&o.set_time),
                                o.set_by.as_ref().map(|a| a.sub.clone()).unwrap_or_default(),
                                what(o),
                                state(o),
                                o.justification.clone(),
                                o.board_resolution.clone(),
                            ]
                        })
                        .collect(),
                )
            })
        }
        OverrideCmd::List {
            cooperation,
            municipality,
            proposal,
            all,
            page_size,
            page_token,
        } => {
            let r = c
                .list_overrides(pb::ListOverridesRequest {
                    cooperation_id: cooperation,
                    municipality,
                    proposal_id: proposal,
                    include_inactive: all,
                    page_size,
                    page_token,
                })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(&OVERRIDE_HEADER, override_rows(&r.overrides));
                next_page(&r.next_page_token);
            })
        }
    }
}

/// A member's effective list (`samprio priorities --effective`).
pub async fn effective(env: &Env, cooperation: String, municipality: String, as_of: String) -> anyhow::Result<()> {
    let mut c = env.client.priorities();
    let l = c
        .get_effective_list(pb::GetEffectiveListRequest {
            cooperation_id: cooperation,
            municipality,
            as_of,
        })
        .await?
        .into_inner();
    env.out.show(&l, |l| {
        println!(
            "{} — effective list of {} on {}, shared revision {}",
            l.cooperation_id, l.municipality, l.as_of, l.revision
        );
        table(
            &["local", "shared", "title", "override"],
            l.items
                .iter()
                .map(|i| {
                    vec![
                        i.local_rank.to_string(),
                        rank(i.shared_rank),
                        i.title.clone(),
                        i.r#override.as_ref().map(what).unwrap_or_default(),
                    ]
                })
                .collect(),
        );
        if !l.set_apart.is_empty() {
            println!("\nSet apart:");
            table(
                &["shared", "title", "override", "justification"],
                l.set_apart
                    .iter()
                    .map(|s| {
                        vec![
                            s.shared_rank.to_string(),
                            s.title.clone(),
                            s.r#override.as_ref().map(what).unwrap_or_else(|| kind_name(s.kind())),
                            s.justification.clone(),
                        ]
                    })
                    .collect(),
            );
        }
    })
}

async fn accountability(env: &Env, a: AccountabilityArgs) -> anyhow::Result<()> {
    let mut c = env.client.priorities();
    if a.overview {
        let v = c
            .get_cooperation_overview(pb::GetCooperationOverviewRequest {
                cooperation_id: a.cooperation,
            })
            .await?
            .into_inner();
        return env.out.show(&v, |v| {
            println!(
                "{} — local deviations, shared revision {}",
                v.cooperation_id, v.revision
            );
            let join = |xs: &[String]| xs.join(" ");
            table(
                &["shared", "title", "opt out", "defer", "rerank", "delivered"],
                v.items
                    .iter()
                    .map(|i| {
                        vec![
                            i.shared_rank.to_string(),
                            i.title.clone(),
                            join(&i.opt_out),
                            join(&i.defer),
                            join(&i.rerank),
                            join(&i.delivered),
                        ]
                    })
                    .collect(),
            );
            if !v.adopted_locally.is_empty() {
                println!("\nAdopted locally:");
                table(
                    &["title", "members"],
                    v.adopted_locally
                        .iter()
                        .map(|i| vec![i.title.clone(), join(&i.adopt_local)])
                        .collect(),
                );
            }
        });
    }
    let r = c
        .get_accountability_report(pb::GetAccountabilityReportRequest {
            cooperation_id: a.cooperation,
            municipality: a.municipality,
        })
        .await?
        .into_inner();
    let names = ReportNames::look_up(env, &r).await;
    env.out.show(&r, |r| {
        println!(
            "{} — accountability of {}",
            r.cooperation_id,
            member(&names.members, &r.municipality)
        );
        println!("\nNamed votes:");
        table(
            &["session", "round", "method", "cast by", "ballot"],
            r.votes
                .iter()
                .map(|v| {
                    let b = v.ballot.as_ref();
                    let round = names.rounds.get(&v.round_id);
                    let candidates = round.map_or(&[][..], |r| &r.candidates[..]);
                    vec![
                        names.sessions.get(&v.session_id).unwrap_or(&v.session_id).clone(),
                        round.map_or_else(|| v.round_id.clone(), |r| r.title.clone()),
                        enum_name(v.method().as_str_name(), "METHOD_"),
                        b.map(|b| {
                            let who = if b.cast_by_name.is_empty() {
                                &b.cast_by
                            } else {
                                &b.cast_by_name
                            };
                            format!("{who} ({})", b.role)
                        })
                        .unwrap_or_default(),
                        b.and_then(|b| b.content.as_ref())
                            .map(|c| ballot(c, candidates))
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        );
        println!("\nOverrides:");
        table(
            &["title", "override", "state", "justification", "resolution"],
            r.overrides
                .iter()
                .map(|o| {
                    vec![
                        names.titles.get(&o.proposal_id).unwrap_or(&o.proposal_id).clone(),
                        what(o),
                        state(o),
                        o.justification.clone(),
                        o.board_resolution.clone(),
                    ]
                })
                .collect(),
        );
        println!("\nDivergences:");
        if r.divergences.is_empty() {
            println!("none");
        }
        for d in &r.divergences {
            let title = if d.title.is_empty() { &d.proposal_id } else { &d.title };
            println!("- {title}: {}", d.description);
        }
        println!("\nFollow-up:");
        table(
            &[
                "shared",
                "title",
                "vote",
                "took part",
                "status",
                "progress",
                "delivered",
            ],
            r.deliveries
                .iter()
                .map(|d| {
                    let part = enum_name(d.participation().as_str_name(), "PARTICIPATION_");
                    let part = if d.justification.is_empty() {
                        part
                    } else {
                        format!("{part}: {} ({})", d.justification, d.board_resolution)
                    };
                    vec![
                        rank(d.shared_rank),
                        d.title.clone(),
                        d.vote.clone(),
                        part,
                        enum_name(d.status().as_str_name(), "IMPLEMENTATION_STATUS_"),
                        format!("{} %", d.progress_percent),
                        if d.delivered { "yes".into() } else { "no".into() },
                    ]
                })
                .collect(),
        );
    })
}

/// A ballot in one line, candidates by their number in the round:
/// "#1 yes, #2 no", "approved #1 #3", "#1=5 #2=3", "1. #2 2. #1", "[#1 #2] > [#3]".
fn ballot(c: &pb::BallotContent, candidates: &[String]) -> String {
    use pb::ballot_content::Kind;
    let n = |id: &String| match candidates.iter().position(|c| c == id) {
        Some(i) => format!("#{}", i + 1),
        None => id.clone(),
    };
    let all = |ids: &[String]| ids.iter().map(n).collect::<Vec<_>>().join(" ");
    match &c.kind {
        Some(Kind::YesNo(b)) => b
            .choices
            .iter()
            .map(|ch| {
                format!(
                    "{} {}",
                    n(&ch.candidate_id),
                    enum_name(ch.choice().as_str_name(), "CHOICE_")
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(Kind::Approval(b)) => format!("approved {}", all(&b.approved)),
        Some(Kind::Score(b)) => b
            .scores
            .iter()
            .map(|s| format!("{}={}", n(&s.candidate_id), s.score))
            .collect::<Vec<_>>()
            .join(" "),
        Some(Kind::Ranking(b)) => b
            .ranking
            .iter()
            .enumerate()
            .map(|(i, id)| format!("{}. {}", i + 1, n(id)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(Kind::Tiers(b)) => b
            .tiers
            .iter()
            .map(|t| format!("[{}]", all(&t.candidate_ids)))
            .collect::<Vec<_>>()
            .join(" > "),
        None => String::new(),
    }
}

/// What the accountability report prints in place of ids.
struct ReportNames {
    members: HashMap<String, String>,
    sessions: HashMap<String, String>,
    rounds: HashMap<String, pb::Round>,
    titles: HashMap<String, String>,
}

impl ReportNames {
    async fn look_up(env: &Env, r: &pb::AccountabilityReport) -> Self {
        let mut names = ReportNames {
            members: member_names(env, &r.cooperation_id).await,
            sessions: HashMap::new(),
            rounds: HashMap::new(),
            titles: HashMap::new(),
        };
        if env.out.json {
            return names;
        }
        let mut c = env.client.sessions();
        for v in &r.votes {
            if !names.sessions.contains_key(&v.session_id)
                && let Ok(s) = c
                    .get_session(pb::GetSessionRequest {
                        id: v.session_id.clone(),
                    })
                    .await
            {
                names.sessions.insert(v.session_id.clone(), s.into_inner().title);
            }
            if !names.rounds.contains_key(&v.round_id)
                && let Ok(x) = c.get_round(pb::GetRoundRequest { id: v.round_id.clone() }).await
            {
                names.rounds.insert(v.round_id.clone(), x.into_inner());
            }
        }
        let proposals: Vec<String> = r.overrides.iter().map(|o| o.proposal_id.clone()).collect();
        names.titles = titles(env, &proposals).await;
        names
    }
}
