use clap::Args;
use samprio_client::pb;

use super::Env;
use super::output::{enum_name, signed, table, time};

#[derive(Args)]
pub struct PrioritiesArgs {
    cooperation: String,
    /// An earlier revision of the list; the current one if left out.
    #[arg(long, default_value_t = 0, conflicts_with = "effective")]
    revision: u64,
    /// A member's effective list: the shared list with its local overrides applied.
    #[arg(long)]
    effective: bool,
    /// With --effective: the member (default: your own municipality).
    #[arg(long, default_value = "", hide_default_value = true, requires = "effective")]
    municipality: String,
    /// With --effective: judge expiry and deferral at this date (YYYY-MM-DD; default: today).
    #[arg(long, default_value = "", hide_default_value = true, requires = "effective")]
    as_of: String,
}

/// The cooperation's shared priority list, or a member's effective list.
pub async fn show(env: &Env, a: PrioritiesArgs) -> anyhow::Result<()> {
    if a.effective {
        return super::overrides::effective(env, a.cooperation, a.municipality, a.as_of).await;
    }
    let l = env
        .client
        .priorities()
        .get_priority_list(pb::GetPriorityListRequest {
            cooperation_id: a.cooperation,
            revision: a.revision,
        })
        .await?
        .into_inner();
    env.out.show(&l, |l| {
        if l.revision == 0 {
            println!("{}: the shared priority list is empty (revision 0)", l.cooperation_id);
            return;
        }
        println!(
            "{}: shared priority list, revision {} ({})",
            l.cooperation_id,
            l.revision,
            time(&l.update_time)
        );
        table(
            &["rank", "proposal", "title", "level", "one-time DKK", "yearly DKK"],
            l.items
                .iter()
                .map(|i| {
                    vec![
                        i.rank.to_string(),
                        i.proposal_id.clone(),
                        i.title.clone(),
                        enum_name(i.decision_level().as_str_name(), "DECISION_LEVEL_"),
                        signed(i.one_time_cost_dkk),
                        signed(i.yearly_cost_dkk),
                    ]
                })
                .collect(),
        );
    })
}
