use clap::Subcommand;
use samprio_client::pb;

use super::Env;
use super::output::{fields, table};

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

/// `671714` → `671.714`, as Danish writes thousands.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
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
                                thousands(m.population),
                                m.population_date.clone(),
                            ]
                        })
                        .collect(),
                );
                let total: i64 = l.municipalities.iter().map(|m| m.population).sum();
                println!(
                    "{} municipalities, {} residents (Danmarks Statistik, FOLK1A)",
                    l.municipalities.len(),
                    thousands(total)
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
                    ("population", thousands(m.population)),
                    ("counted", m.population_date.clone()),
                ])
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped_with_dots() {
        assert_eq!(super::thousands(671_714), "671.714");
        assert_eq!(super::thousands(6_025_511), "6.025.511");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(0), "0");
    }
}
