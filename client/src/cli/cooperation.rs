use clap::{Args, Subcommand, ValueEnum};
use samprio_client::pb;

use super::output::{enum_name, fields, next_page, signed, table, time};
use super::{Env, parse_quorum};

#[derive(Clone, Copy, ValueEnum)]
pub enum WeightingArg {
    Equal,
    Population,
    Custom,
}

impl From<WeightingArg> for pb::Weighting {
    fn from(w: WeightingArg) -> Self {
        match w {
            WeightingArg::Equal => pb::Weighting::Equal,
            WeightingArg::Population => pb::Weighting::Population,
            WeightingArg::Custom => pb::Weighting::Custom,
        }
    }
}

#[derive(Args)]
pub struct RulesArgs {
    /// Default weighting of rounds.
    #[arg(long, value_enum)]
    weighting: Option<WeightingArg>,
    /// Default quorum, as a percentage of the total member weight (e.g. 50%).
    #[arg(long, value_parser = parse_quorum)]
    quorum: Option<u32>,
    /// Let digital leads vote on delegated matters.
    #[arg(long)]
    allow_delegated_voting: bool,
}

impl RulesArgs {
    fn any(&self) -> bool {
        self.weighting.is_some() || self.quorum.is_some() || self.allow_delegated_voting
    }

    fn rules(&self) -> pb::CooperationRules {
        pb::CooperationRules {
            default_weighting: pb::Weighting::from(self.weighting.unwrap_or(WeightingArg::Equal)) as i32,
            default_quorum_bp: self.quorum.unwrap_or(5000),
            allow_delegated_voting: self.allow_delegated_voting,
        }
    }
}

#[derive(Subcommand)]
pub enum CoopCmd {
    /// Create a cooperation (operator).
    Create {
        /// Id: lowercase letters, digits and '-'.
        id: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        rules: RulesArgs,
        /// Members from the register, added in the same write: a region
        /// (`region:hovedstaden`) or codes (`0101,0147,0151`), or both.
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
    },
    /// Show a cooperation: its rules and member count.
    Get { id: String },
    /// List the cooperations.
    List {
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
    /// Change the name or rules (secretariat). Given rules replace all rules.
    Update {
        id: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        name: String,
        #[command(flatten)]
        rules: RulesArgs,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
}

#[derive(Subcommand)]
pub enum MemberCmd {
    /// Add a member municipality (secretariat).
    Add {
        cooperation: String,
        /// Municipality code, e.g. 0101.
        code: String,
        /// Defaults to the register's name.
        #[arg(long, default_value = "", hide_default_value = true)]
        name: String,
        /// Defaults to the register's population (Danmarks Statistik).
        #[arg(long)]
        population: Option<i64>,
        /// YYYY-MM-DD: when a given --population was counted.
        #[arg(long, default_value = "", hide_default_value = true)]
        population_date: String,
        /// Weight under CUSTOM weighting (e.g. co-financing share).
        #[arg(long)]
        weight: Option<i64>,
        /// YYYY-MM-DD; today if left out.
        #[arg(long, default_value = "", hide_default_value = true)]
        joined_on: String,
    },
    /// Change a member's name, population or weight (secretariat).
    Update {
        cooperation: String,
        code: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        name: String,
        #[arg(long)]
        population: Option<i64>,
        /// YYYY-MM-DD: when the new --population was counted.
        #[arg(long, default_value = "", hide_default_value = true)]
        population_date: String,
        #[arg(long)]
        weight: Option<i64>,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Record that a member left; its record stays.
    Remove {
        cooperation: String,
        code: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        left_on: String,
    },
    /// Show one member.
    Get { cooperation: String, code: String },
    /// List a cooperation's members.
    List {
        cooperation: String,
        /// Include members that have left.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
}

fn show_coop(c: &pb::Cooperation) {
    let r = c.rules.unwrap_or_default();
    fields(&[
        ("id", c.id.clone()),
        ("name", c.name.clone()),
        ("members", c.member_count.to_string()),
        (
            "weighting",
            enum_name(r.default_weighting().as_str_name(), "WEIGHTING_"),
        ),
        ("quorum", format!("{:.2}%", r.default_quorum_bp as f64 / 100.0)),
        (
            "delegated voting",
            if r.allow_delegated_voting {
                "allowed"
            } else {
                "board only"
            }
            .into(),
        ),
        ("created", time(&c.create_time)),
        ("etag", c.etag.clone()),
    ]);
}

fn or_dash(s: &str) -> String {
    if s.is_empty() { "-".into() } else { s.to_string() }
}

/// Splits `--members` into register codes and at most one `region:NAME`.
fn founding_members(members: Vec<String>) -> anyhow::Result<(Vec<String>, String)> {
    let mut codes = Vec::new();
    let mut region = String::new();
    for m in members
        .into_iter()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
    {
        match m.strip_prefix("region:") {
            Some(r) if region.is_empty() => region = r.to_string(),
            Some(_) => anyhow::bail!("--members: give at most one region:NAME"),
            None => codes.push(m),
        }
    }
    Ok((codes, region))
}

fn show_member(m: &pb::Member) {
    fields(&[
        ("cooperation", m.cooperation_id.clone()),
        ("code", m.code.clone()),
        ("name", m.name.clone()),
        ("population", signed(m.population)),
        ("counted", or_dash(&m.population_date)),
        (
            "custom weight",
            m.custom_weight.map(|w| w.to_string()).unwrap_or_else(|| "-".into()),
        ),
        ("joined", m.joined_on.clone()),
        (
            "left",
            if m.left_on.is_empty() {
                "-".into()
            } else {
                m.left_on.clone()
            },
        ),
        ("etag", m.etag.clone()),
    ]);
}

pub async fn run_coop(env: &Env, cmd: CoopCmd) -> anyhow::Result<()> {
    let mut c = env.client.cooperations();
    match cmd {
        CoopCmd::Create {
            id,
            name,
            rules,
            members,
        } => {
            let (member_codes, member_region) = founding_members(members)?;
            let req = pb::CreateCooperationRequest {
                id,
                name,
                rules: Some(rules.rules()),
                member_codes,
                member_region,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.create_cooperation(req).await?.into_inner(), show_coop)
        }
        CoopCmd::Get { id } => env.out.show(
            &c.get_cooperation(pb::GetCooperationRequest { id }).await?.into_inner(),
            show_coop,
        ),
        CoopCmd::List { page_size, page_token } => {
            let r = c
                .list_cooperations(pb::ListCooperationsRequest { page_size, page_token })
                .await?
                .into_inner();
            env.out.show(&r, |r| {
                table(
                    &["id", "name", "members"],
                    r.cooperations
                        .iter()
                        .map(|c| vec![c.id.clone(), c.name.clone(), c.member_count.to_string()])
                        .collect(),
                );
                next_page(&r.next_page_token);
            })
        }
        CoopCmd::Update { id, name, rules, etag } => {
            let rules = rules.any().then(|| rules.rules());
            let req = pb::UpdateCooperationRequest {
                id,
                name,
                rules,
                etag,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.update_cooperation(req).await?.into_inner(), show_coop)
        }
    }
}

pub async fn run_member(env: &Env, cmd: MemberCmd) -> anyhow::Result<()> {
    let mut c = env.client.cooperations();
    match cmd {
        MemberCmd::Add {
            cooperation,
            code,
            name,
            population,
            population_date,
            weight,
            joined_on,
        } => {
            let req = pb::AddMemberRequest {
                cooperation_id: cooperation,
                code,
                name,
                population,
                population_date,
                custom_weight: weight,
                joined_on,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.add_member(req).await?.into_inner(), show_member)
        }
        MemberCmd::Update {
            cooperation,
            code,
            name,
            population,
            population_date,
            weight,
            etag,
        } => {
            let req = pb::UpdateMemberRequest {
                cooperation_id: cooperation,
                code,
                name,
                population,
                population_date,
                custom_weight: weight,
                etag,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.update_member(req).await?.into_inner(), show_member)
        }
        MemberCmd::Remove {
            cooperation,
            code,
            left_on,
        } => {
            let req = pb::RemoveMemberRequest {
                cooperation_id: cooperation,
                code,
                left_on,
                request_id: env.request_id.clone(),
            };
            env.out.show(&c.remove_member(req).await?.into_inner(), show_member)
        }
        MemberCmd::Get { cooperation, code } => {
            let req = pb::GetMemberRequest {
                cooperation_id: cooperation,
                code,
            };
            env.out.show(&c.get_member(req).await?.into_inner(), show_member)
        }
        MemberCmd::List {
            cooperation,
            all,
            page_size,
            page_token,
        } => {
            let req = pb::ListMembersRequest {
                cooperation_id: cooperation,
                include_departed: all,
                page_size,
                page_token,
            };
            let r = c.list_members(req).await?.into_inner();
            env.out.show(&r, |r| {
                table(
                    &["code", "name", "population", "counted", "weight", "joined", "left"],
                    r.members
                        .iter()
                        .map(|m| {
                            vec![
                                m.code.clone(),
                                m.name.clone(),
                                signed(m.population),
                                m.population_date.clone(),
                                m.custom_weight.map(signed).unwrap_or_default(),
                                m.joined_on.clone(),
                                m.left_on.clone(),
                            ]
                        })
                        .collect(),
                );
                next_page(&r.next_page_token);
            })
        }
    }
}
