use clap::Args;
use samprio_client::pb;
use tokio_stream::StreamExt;

use super::Env;
use super::output::{table, time};

#[derive(Args)]
pub struct EventsArgs {
    cooperation: String,
    /// Start after this sequence number.
    #[arg(long, default_value_t = 0)]
    after: u64,
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    #[arg(long, default_value = "", hide_default_value = true)]
    page_token: String,
}

#[derive(Args)]
pub struct WatchArgs {
    cooperation: String,
    /// Replay from after this sequence number (0 replays everything).
    #[arg(long, default_value_t = 0)]
    after: u64,
}

fn who(e: &pb::Event) -> String {
    e.actor
        .as_ref()
        .map(|a| format!("{} ({})", a.sub, a.municipality))
        .unwrap_or_default()
}

pub async fn list(env: &Env, a: EventsArgs) -> anyhow::Result<()> {
    let req = pb::ListEventsRequest {
        cooperation_id: a.cooperation,
        after_seq: a.after,
        page_size: a.page_size,
        page_token: a.page_token,
    };
    let r = env.client.audit().list_events(req).await?.into_inner();
    env.out.show(&r, |r| {
        table(
            &["seq", "time", "actor", "action", "subject"],
            r.events
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        time(&e.time),
                        who(e),
                        e.action.clone(),
                        e.subject.clone(),
                    ]
                })
                .collect(),
        );
        super::output::next_page(&r.next_page_token);
    })
}

pub async fn verify(env: &Env) -> anyhow::Result<()> {
    let r = env
        .client
        .audit()
        .verify_chain(pb::VerifyChainRequest {})
        .await?
        .into_inner();
    env.out.show(&r, |r| {
        if r.ok {
            println!("chain intact: {} events verified", r.events_checked);
            println!("head: event {}, hash {}", r.head_seq, r.head_hash);
        } else {
            println!(
                "CHAIN BROKEN at event {}: {} ({} events verified before it)",
                r.first_bad_seq, r.reason, r.events_checked
            );
        }
    })?;
    if !r.ok {
        anyhow::bail!("the event log's hash chain does not verify");
    }
    Ok(())
}

pub async fn watch(env: &Env, a: WatchArgs) -> anyhow::Result<()> {
    let mut stream = env
        .client
        .audit()
        .watch(pb::WatchRequest {
            cooperation_id: a.cooperation,
            after_seq: a.after,
        })
        .await?
        .into_inner();
    while let Some(e) = stream.next().await {
        let e = e?;
        if env.out.json {
            println!("{}", serde_json::to_string(&e)?);
        } else {
            println!(
                "{:>6}  {}  {:<24} {}  by {}",
                e.seq,
                time(&e.time),
                e.action,
                e.subject,
                who(&e)
            );
        }
    }
    Ok(())
}
