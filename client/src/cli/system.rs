//! `samprio system …`: a member's portfolio of IT systems, its imports from
//! KITOS and the CSV template, and what the cooperation sees of all of them.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use samprio_client::pb;

use super::Env;
use super::output::{enum_name, fields, kroner, next_page, table};

#[derive(Clone, Copy, ValueEnum)]
pub enum LifecycleArg {
    Undecided,
    PhasingIn,
    Operational,
    PhasingOut,
    NotInUse,
}

impl From<LifecycleArg> for pb::Lifecycle {
    fn from(l: LifecycleArg) -> Self {
        match l {
            LifecycleArg::Undecided => pb::Lifecycle::Undecided,
            LifecycleArg::PhasingIn => pb::Lifecycle::PhasingIn,
            LifecycleArg::Operational => pb::Lifecycle::Operational,
            LifecycleArg::PhasingOut => pb::Lifecycle::PhasingOut,
            LifecycleArg::NotInUse => pb::Lifecycle::NotInUse,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AiArg {
    Yes,
    No,
    Undecided,
}

impl From<AiArg> for pb::AiUse {
    fn from(a: AiArg) -> Self {
        match a {
            AiArg::Yes => pb::AiUse::Yes,
            AiArg::No => pb::AiUse::No,
            AiArg::Undecided => pb::AiUse::Undecided,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TimeArg {
    Tolerate,
    Invest,
    Migrate,
    Eliminate,
    /// No TIME class (update only).
    None,
}

impl From<TimeArg> for pb::TimeClass {
    fn from(t: TimeArg) -> Self {
        match t {
            TimeArg::Tolerate => pb::TimeClass::Tolerate,
            TimeArg::Invest => pb::TimeClass::Invest,
            TimeArg::Migrate => pb::TimeClass::Migrate,
            TimeArg::Eliminate => pb::TimeClass::Eliminate,
            TimeArg::None => pb::TimeClass::Unspecified,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OverlapArg {
    System,
    Vendor,
    Function,
}

impl From<OverlapArg> for pb::Overlap {
    fn from(o: OverlapArg) -> Self {
        match o {
            OverlapArg::System => pb::Overlap::System,
            OverlapArg::Vendor => pb::Overlap::Vendor,
            OverlapArg::Function => pb::Overlap::Function,
        }
    }
}

/// A system's fields; on `update`, only those given change.
#[derive(Args)]
pub struct FieldArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    vendor: Option<String>,
    /// What it is for, e.g. ESDH.
    #[arg(long)]
    function: Option<String>,
    #[arg(long, value_enum)]
    lifecycle: Option<LifecycleArg>,
    /// YYYY-MM-DD; an empty value clears it.
    #[arg(long)]
    contract_end: Option<String>,
    /// Yearly cost in whole kroner.
    #[arg(long)]
    yearly_cost: Option<i64>,
    #[arg(long, value_enum)]
    ai: Option<AiArg>,
    /// Processes personal data: true or false.
    #[arg(long)]
    personal_data: Option<bool>,
    #[arg(long, value_enum)]
    time_class: Option<TimeArg>,
    #[arg(long)]
    kitos_system_uuid: Option<String>,
    #[arg(long)]
    kitos_usage_uuid: Option<String>,
}

impl FieldArgs {
    /// `base` with the given fields changed.
    fn apply(self, mut f: pb::SystemFields) -> pb::SystemFields {
        if let Some(v) = self.name {
            f.name = v;
        }
        if let Some(v) = self.vendor {
            f.vendor = v;
        }
        if let Some(v) = self.function {
            f.function = v;
        }
        if let Some(v) = self.lifecycle {
            f.lifecycle = pb::Lifecycle::from(v) as i32;
        }
        if let Some(v) = self.contract_end {
            f.contract_end = v;
        }
        if let Some(v) = self.yearly_cost {
            f.yearly_cost_dkk = Some(v);
        }
        if let Some(v) = self.ai {
            f.ai = pb::AiUse::from(v) as i32;
        }
        if let Some(v) = self.personal_data {
            f.personal_data = v;
        }
        if let Some(v) = self.time_class {
            f.time_class = pb::TimeClass::from(v) as i32;
        }
        if let Some(v) = self.kitos_system_uuid {
            f.kitos_system_uuid = v;
        }
        if let Some(v) = self.kitos_usage_uuid {
            f.kitos_usage_uuid = v;
        }
        f
    }
}

#[derive(Subcommand)]
pub enum SystemCmd {
    /// A member's systems, or (without a municipality) every member's.
    List {
        cooperation: String,
        #[arg(default_value = "", hide_default_value = true)]
        municipality: String,
        #[arg(long, value_enum)]
        time_class: Option<TimeArg>,
        #[arg(long, value_enum)]
        ai: Option<AiArg>,
        /// Contracts that end before this date (YYYY-MM-DD).
        #[arg(long, default_value = "", hide_default_value = true)]
        contract_ends_before: String,
        /// A vendor's name or its beginning.
        #[arg(long, default_value = "", hide_default_value = true)]
        vendor: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "", hide_default_value = true)]
        page_token: String,
    },
    /// Show one system of a member's portfolio.
    Get {
        cooperation: String,
        municipality: String,
        id: String,
    },
    /// Add a system to your municipality's portfolio (--name is required).
    Add {
        cooperation: String,
        municipality: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Change the given fields of a system.
    Update {
        cooperation: String,
        municipality: String,
        id: String,
        #[command(flatten)]
        fields: FieldArgs,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Remove a system from your municipality's portfolio.
    Remove {
        cooperation: String,
        municipality: String,
        id: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        etag: String,
    },
    /// Import the member's systems from KITOS.
    ImportKitos {
        cooperation: String,
        municipality: String,
        /// Only what changed since the last KITOS import.
        #[arg(long)]
        incremental: bool,
        /// The KITOS API user; without it the server's configured one.
        #[arg(long, default_value = "", hide_default_value = true)]
        email: String,
        #[arg(
            long,
            env = "SAMPRIO_KITOS_PASSWORD",
            hide_env_values = true,
            default_value = "",
            hide_default_value = true
        )]
        password: String,
    },
    /// Import a file in the CSV template (see the README).
    ImportCsv {
        cooperation: String,
        municipality: String,
        file: std::path::PathBuf,
        /// Remove the systems the file does not list.
        #[arg(long)]
        replace: bool,
    },
    /// Write the member's portfolio in the CSV template (to stdout without --out).
    ExportCsv {
        cooperation: String,
        municipality: String,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Systems by TIME class, AI, personal data and contract end: one member's,
    /// or the cooperation's with each member's.
    Overview {
        cooperation: String,
        #[arg(default_value = "", hide_default_value = true)]
        municipality: String,
    },
    /// Where members overlap: the same system, vendor or function.
    Opportunities {
        cooperation: String,
        #[arg(long, default_value_t = 0)]
        min_members: u32,
        /// Contracts ending within this many months (default 24; 0 counts all).
        #[arg(long)]
        window_months: Option<u32>,
    },
    /// Turn an opportunity into a draft proposal of your municipality.
    Propose {
        cooperation: String,
        #[arg(long, value_enum)]
        overlap: OverlapArg,
        /// The opportunity's label, as `opportunities` shows it.
        #[arg(long)]
        label: String,
        #[arg(long, default_value = "", hide_default_value = true)]
        title: String,
        #[arg(long, default_value_t = 0)]
        min_members: u32,
        #[arg(long)]
        window_months: Option<u32>,
    },
}

fn f(s: &pb::PortfolioSystem) -> pb::SystemFields {
    s.fields.clone().unwrap_or_default()
}

fn cost(c: Option<i64>) -> String {
    c.map_or("-".into(), kroner)
}

fn show(s: &pb::PortfolioSystem) {
    let x = f(s);
    fields(&[
        ("id", s.id.clone()),
        ("municipality", s.municipality.clone()),
        ("name", x.name.clone()),
        ("vendor", x.vendor.clone()),
        ("function", x.function.clone()),
        ("lifecycle", enum_name(x.lifecycle().as_str_name(), "LIFECYCLE_")),
        ("contract end", x.contract_end.clone()),
        ("yearly cost", cost(x.yearly_cost_dkk)),
        ("ai", enum_name(x.ai().as_str_name(), "AI_USE_")),
        ("personal data", if x.personal_data { "yes" } else { "no" }.into()),
        ("time class", enum_name(x.time_class().as_str_name(), "TIME_CLASS_")),
        ("kitos system", x.kitos_system_uuid.clone()),
        ("kitos usage", x.kitos_usage_uuid.clone()),
        ("etag", s.etag.clone()),
    ])
}

fn rows(systems: &[pb::PortfolioSystem]) {
    table(
        &[
            "municipality",
            "id",
            "name",
            "vendor",
            "function",
            "contract end",
            "yearly cost",
            "ai",
            "time",
        ],
        systems
            .iter()
            .map(|s| {
                let x = f(s);
                vec![
                    s.municipality.clone(),
                    s.id.clone(),
                    x.name.clone(),
                    x.vendor.clone(),
                    x.function.clone(),
                    x.contract_end.clone(),
                    cost(x.yearly_cost_dkk),
                    enum_name(x.ai().as_str_name(), "AI_USE_"),
                    enum_name(x.time_class().as_str_name(), "TIME_CLASS_"),
                ]
            })
            .collect(),
    )
}

fn report(r: &pb::ImportReport) {
    if r.nothing_changed {
        println!(
            "Nothing changed: the portfolio already matches {} ({}).",
            r.source, r.summary
        );
    } else {
        println!("{} import: {}.", r.source, r.summary);
    }
}

fn counts(o: &pb::PortfolioCounts) -> Vec<(&'static str, String)> {
    let by_time = o
        .by_time_class
        .iter()
        .map(|t| {
            let name = match t.time_class() {
                pb::TimeClass::Unspecified => "none".to_string(),
                c => enum_name(c.as_str_name(), "TIME_CLASS_"),
            };
            format!("{name} {}", t.systems)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let by_year = o
        .contracts_ending_by_year
        .iter()
        .map(|y| format!("{} {}", y.year, y.systems))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("systems in use", o.systems.to_string()),
        ("retired", o.retired.to_string()),
        ("by TIME class", by_time),
        ("AI", format!("{} yes, {} undecided", o.ai_yes, o.ai_undecided)),
        ("personal data", o.personal_data.to_string()),
        ("contracts ending", by_year),
        ("contract end unknown", o.contract_end_unknown.to_string()),
        ("yearly cost", cost(Some(o.yearly_cost_dkk))),
    ]
}

pub async fn run(env: &Env, cmd: SystemCmd) -> anyhow::Result<()> {
    let mut c = env.client.portfolio();
    let rid = env.request_id.clone();
    match cmd {
        SystemCmd::List {
            cooperation,
            municipality,
            time_class,
            ai,
            contract_ends_before,
            vendor,
            page_size,
            page_token,
        } => {
            let req = pb::ListSystemsRequest {
                cooperation_id: cooperation,
                municipality,
                page_size,
                page_token,
                time_class: time_class.map_or(0, |t| pb::TimeClass::from(t) as i32),
                ai: ai.map_or(0, |a| pb::AiUse::from(a) as i32),
                contract_ends_before,
                vendor,
            };
            let list = c.list_systems(req).await?.into_inner();
            env.out.show(&list, |l| {
                rows(&l.systems);
                next_page(&l.next_page_token);
            })
        }
        SystemCmd::Get {
            cooperation,
            municipality,
            id,
        } => {
            let req = pb::GetSystemRequest {
                cooperation_id: cooperation,
                municipality,
                id,
            };
            env.out.show(&c.get_system(req).await?.into_inner(), show)
        }
        SystemCmd::Add {
            cooperation,
            municipality,
            fields,
        } => {
            let req = pb::CreateSystemRequest {
                cooperation_id: cooperation,
                municipality,
                system: Some(fields.apply(pb::SystemFields::default())),
                request_id: rid,
            };
            env.out.show(&c.create_system(req).await?.into_inner(), show)
        }
        SystemCmd::Update {
            cooperation,
            municipality,
            id,
            fields,
            etag,
        } => {
            let current = c
                .get_system(pb::GetSystemRequest {
                    cooperation_id: cooperation.clone(),
                    municipality: municipality.clone(),
                    id: id.clone(),
                })
                .await?
                .into_inner();
            let etag = if etag.is_empty() { current.etag.clone() } else { etag };
            let req = pb::UpdateSystemRequest {
                cooperation_id: cooperation,
                municipality,
                id,
                system: Some(fields.apply(f(&current))),
                etag,
                request_id: rid,
            };
            env.out.show(&c.update_system(req).await?.into_inner(), show)
        }
        SystemCmd::Remove {
            cooperation,
            municipality,
            id,
            etag,
        } => {
            let req = pb::DeleteSystemRequest {
                cooperation_id: cooperation,
                municipality,
                id,
                etag,
                request_id: rid,
            };
            let gone = c.delete_system(req).await?.into_inner();
            env.out.show(&gone, |s| println!("Removed {} ({}).", f(s).name, s.id))
        }
        SystemCmd::ImportKitos {
            cooperation,
            municipality,
            incremental,
            email,
            password,
        } => {
            let req = pb::ImportFromKitosRequest {
                cooperation_id: cooperation,
                municipality,
                email,
                password,
                incremental,
                request_id: rid,
            };
            env.out.show(&c.import_from_kitos(req).await?.into_inner(), report)
        }
        SystemCmd::ImportCsv {
            cooperation,
            municipality,
            file,
            replace,
        } => {
            let csv = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let req = pb::ImportCsvRequest {
                cooperation_id: cooperation,
                municipality,
                csv,
                replace,
                request_id: rid,
            };
            env.out.show(&c.import_csv(req).await?.into_inner(), report)
        }
        SystemCmd::ExportCsv {
            cooperation,
            municipality,
            out,
        } => {
            let req = pb::ExportCsvRequest {
                cooperation_id: cooperation,
                municipality,
            };
            let csv = c.export_csv(req).await?.into_inner().csv;
            match out {
                Some(path) => std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{csv}");
                    Ok(())
                }
            }
        }
        SystemCmd::Overview {
            cooperation,
            municipality,
        } => {
            let req = pb::GetPortfolioOverviewRequest {
                cooperation_id: cooperation,
                municipality,
            };
            let o = c.get_portfolio_overview(req).await?.into_inner();
            env.out.show(&o, |o| {
                fields(&counts(&o.overview.clone().unwrap_or_default()));
                if !o.members.is_empty() {
                    println!();
                    table(
                        &["member", "systems", "ai", "personal data", "yearly cost"],
                        o.members
                            .iter()
                            .map(|m| {
                                let x = m.overview.clone().unwrap_or_default();
                                vec![
                                    m.municipality.clone(),
                                    x.systems.to_string(),
                                    x.ai_yes.to_string(),
                                    x.personal_data.to_string(),
                                    cost(Some(x.yearly_cost_dkk)),
                                ]
                            })
                            .collect(),
                    );
                }
            })
        }
        SystemCmd::Opportunities {
            cooperation,
            min_members,
            window_months,
        } => {
            let req = pb::ListOpportunitiesRequest {
                cooperation_id: cooperation,
                min_members,
                window_months,
            };
            let found = c.list_opportunities(req).await?.into_inner();
            env.out.show(&found, |l| {
                table(
                    &[
                        "overlap",
                        "label",
                        "members",
                        "yearly cost",
                        "contracts end",
                        "headline",
                    ],
                    l.opportunities
                        .iter()
                        .map(|o| {
                            vec![
                                enum_name(o.overlap().as_str_name(), "OVERLAP_"),
                                o.label.clone(),
                                o.members
                                    .iter()
                                    .map(|m| m.municipality.clone())
                                    .collect::<Vec<_>>()
                                    .join(" "),
                                cost(Some(o.yearly_cost_dkk)),
                                match (o.first_end.as_str(), o.last_end.as_str()) {
                                    ("", _) => "-".into(),
                                    (a, b) => format!("{a} – {b}"),
                                },
                                o.headline.clone(),
                            ]
                        })
                        .collect(),
                )
            })
        }
        SystemCmd::Propose {
            cooperation,
            overlap,
            label,
            title,
            min_members,
            window_months,
        } => {
            let req = pb::CreateProposalFromOpportunityRequest {
                cooperation_id: cooperation,
                overlap: pb::Overlap::from(overlap) as i32,
                label,
                min_members,
                window_months,
                title,
                request_id: rid,
            };
            let p = c.create_proposal_from_opportunity(req).await?.into_inner();
            env.out.show(&p, |p| {
                fields(&[
                    ("id", p.id.clone()),
                    ("title", p.title.clone()),
                    ("linked systems", p.linked_systems.len().to_string()),
                ]);
                println!("\n{}", p.summary);
            })
        }
    }
}
