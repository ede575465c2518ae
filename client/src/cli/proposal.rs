use clap::{Args, Subcommand, ValueEnum};
use samprio_client::pb;

use super::Env;
use super::output::{enum_name, fields, kroner, next_page, table, time};

#[derive(Clone, Copy, ValueEnum)]
pub enum CategoryArg {
    NewSystem,
    Replacement,
    SharedProcurement,
    AiUse,
    Infrastructure,
    Other,
}

impl From<CategoryArg> for pb::Category {
    fn from(c: CategoryArg) -> Self {
        match c {
            CategoryArg::NewSystem => pb::Category::NewSystem,
            CategoryArg::Replacement => pb::Category::Replacement,
            CategoryArg::SharedProcurement => pb::Category::SharedProcurement,
            CategoryArg::AiUse => pb::Category::AiUse,
            CategoryArg::Infrastructure => pb::Category::Infrastructure,
            CategoryArg::Other => pb::Category::Other,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Draft,
    Submitted,
    Adopted,
    Rejected,
    Withdrawn,
}

impl From<StatusArg> for pb::ProposalStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Draft => pb::ProposalStatus::Draft,
            StatusArg::Submitted => pb::ProposalStatus::Submitted,
            StatusArg::Adopted => pb::ProposalStatus::Adopted,
            StatusArg::Rejected => pb::ProposalStatus::Rejected,
            StatusArg::Withdrawn => pb::ProposalStatus::Withdrawn,
        }
    }
}

#[derive(Args)]
pub struct ContentArgs {
    #[arg(long)]
    title: String,
    #[arg(long, default_value = "", hide_default_value = true)]
    summary: String,
    #[arg(long, value_enum)]
    category: CategoryArg,
    /// The proposal involves AI (makes it a board-level matter).
    #[arg(long)]
    ai: bool,
    /// The proposal processes personal data (makes it a board-level matter).
    #[arg(long)]
    personal_data: bool,
    #[arg(long)]
    citizen_facing: bool,
    #[arg(long)]
    security_critical: bool,
    /// Estimated one-time cost in DKK.
    #[arg(long, default_value_t = 0)]
    one_time_cost: i64,
    /// Estimated yearly cost in DKK.
    #[arg(long, default_value_t = 0)]
    yearly_cost: i64,
    /// A linked IT system (repeatable).
    #[arg(long = "system")]
    systems: Vec<String>,
}

impl ContentArgs {
    fn content(self) -> pb::ProposalContent {
        pb::ProposalContent {
            title: self.title,
            summary: self.summary,
            category: pb::Category::from(self.category) as i32,
            flags: Some(pb::ProposalFlags {
                involves_ai: self.ai,
                personal_data: self.personal_data,
                citizen_facing: self.citizen_facing,
                security_critical: self.security_critical,
            }),
            one_time_cost_dkk: self.one_time_cost,
            yearly_cost_dkk: self.yearly_cost,
            linked_systems: self.systems,
        }
    }
}

#[derive(Subcommand)]
pub enum ProposalCmd {
    /// Draft a proposal sponsored by your municipality.
    Create {
        cooperation: String,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Replace a draft's content.
    Update {
        id: String,
        #[command(flatten)]
        content: ContentArgs,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Submit a draft; its content is frozen from then on.
    Submit {
        id: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Withdraw a proposal before it is decided (sponsor).
    Withdraw {
        id: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        reason: String,
    },
    /// Show a proposal.
    Get { id: String },
    /// List a cooperation's proposals.
    List {
        cooperation: String,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
}

fn show(p: &pb::Proposal) {
    let f = p.flags.unwrap_or_default();
    let flags: Vec<&str> = [
        (f.involves_ai, "AI"),
        (f.personal_data, "personal data"),
        (f.citizen_facing, "citizen-facing"),
        (f.security_critical, "security-critical"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    fields(&[
        ("id", p.id.clone()),
        ("title", p.title.clone()),
        ("status", enum_name(p.status().as_str_name(), "PROPOSAL_STATUS_")),
        ("category", enum_name(p.category().as_str_name(), "CATEGORY_")),
        (
            "decision level",
            enum_name(p.decision_level().as_str_name(), "DECISION_LEVEL_"),
        ),
        ("flags", if flags.is_empty() { "-".into() } else { flags.join(", ") }),
        ("sponsor", p.sponsor.clone()),
        ("one-time cost", kroner(p.one_time_cost_dkk)),
        ("yearly cost", kroner(p.yearly_cost_dkk)),
        ("systems", p.linked_systems.join(", ")),
        ("submitted", time(&p.submit_time)),
        ("etag", p.etag.clone()),
    ]);
    if !p.summary.is_empty() {
        println!("\n{}", p.summary);
    }
}

pub async fn run(env: &Env, cmd: ProposalCmd) -> anyhow::Result<()> {
    let mut c = env.client.proposals();
    let rid = env.request_id.clone();
    match cmd {
        ProposalCmd::Create { cooperation, content } => {
            let req = pb::CreateProposalRequest {
                cooperation_id: cooperation,
                content: Some(content.content()),
                request_id: rid,
            };
            env.out.show(&c.create_proposal(req).await?.into_inner(), show)
        }
        ProposalCmd::Update { id, content, etag } => {
            let req = pb::UpdateProposalRequest {
                id,
                content: Some(content.content()),
                etag,
                request_id: rid,
            };
            env.out.show(&c.update_proposal(req).await?.into_inner(), show)
        }
        ProposalCmd::Submit { id, etag } => env.out.show(
            &c.submit_proposal(pb::SubmitProposalRequest {
                id,
                etag,
                request_id: rid,
            })
            .await?
            .into_inner(),
            show,
        ),
        ProposalCmd::Withdraw { id, reason } => env.out.show(
            &c.withdraw_proposal(pb::WithdrawProposalRequest {
                id,
                reason,
                request_id: rid,
            })
            .await?
            .into_inner(),
            show,
        ),
        ProposalCmd::Get { id } => env
            .out
            .show(&c.get_proposal(pb::GetProposalRequest { id }).await?.into_inner(), show),
        ProposalCmd::List {
            cooperation,
            status,
            page_size,
            page_token,
        } => {
            let status = status.map(|s| pb::ProposalStatus::from(s) as i32).unwrap_or(0);
            let r = c
                .list_proposals(pb::ListProposalsRequest {
                    cooperation_id: cooperation,
                    page_size,
                    page_token,
                    status,
                })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(
                    &["id", "title", "status", "level", "sponsor", "one-time DKK"],
                    r.proposals
                        .iter()
                        .map(|p| {
                            vec![
                                p.id.clone(),
                                p.title.clone(),
                                enum_name(p.status().as_str_name(), "PROPOSAL_STATUS_"),
                                enum_name(p.decision_level().as_str_name(), "DECISION_LEVEL_"),
                                p.sponsor.clone(),
                                p.one_time_cost_dkk.to_string(),
                            ]
                        })
                        .collect(),
                );
                next_page(&r.next_page_token);
            })
        }
    }
}
