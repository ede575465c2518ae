use clap::Subcommand;
use samprio_client::pb;

use super::Env;
use super::output::{fields, signed, table};

#[derive(Subcommand)]
pub enum RegisterCmd {
    /// List the municipalities, optionally of one region.
    List {
        /// Region: hovedstaden, sjælland, syddanmark, midtjylland or nordjylland.
        #[arg(long, default_value = "", hide_default_value = true)]
        region: String,
    },
    /// One municipality, by code (0101) or with --cvr by CVR number.
    Get {
        /// Municipality code, or with --cvr a CVR number.
        key: String,
        #[arg(long)]
        cvr: bool,
    },
}

pub async fn run(env: &Env, cmd: RegisterCmd) -> anyhow::Result<()> {
    let mut r = env.client.register();
    match cmd {
        RegisterCmd::List { region } => {
            let list = r
                .list_municipalities(pb::ListMunicipalitiesRequest { region })
                .await?
                .into_inner();
            env.out.show(&list, |l| {
                table(
                    &["code", "name", "region", "cvr", "population", "counted"],
                    l.municipalities
                        .iter()
                        .map(|m| {
                            vec![
                                m.code.clone(),
                                m.name.clone(),
                                m.region.clone(),
                                m.cvr.clone(),
                                signed(m.population),
                                m.population_date.clone(),
                            ]
                        })
                        .collect(),
                );
                let total: i64 = l.municipalities.iter().map(|m| m.population).sum();
                println!(
                    "{} municipalities, {} residents (Danmarks Statistik, FOLK1A)",
                    l.municipalities.len(),
                    signed(total)
                );
            })
        }
        RegisterCmd::Get { key, cvr } => {
            use pb::get_municipality_request::Key;
            let key = if cvr { Key::Cvr(key) } else { Key::Code(key) };
            let m = r
                .get_municipality(pb::GetMunicipalityRequest { key: Some(key) })
                .await?
                .into_inner();
            env.out.show(&m, |m| {
                fields(&[
                    ("code", m.code.clone()),
                    ("name", m.name.clone()),
                    ("region", m.region.clone()),
                    ("cvr", m.cvr.clone()),
                    ("population", signed(m.population)),
                    ("counted", m.population_date.clone()),
                ])
            })
        }
    }
}
