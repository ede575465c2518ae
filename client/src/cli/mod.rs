//! The `samprio` command line.

pub mod ballot;
pub mod cooperation;
pub mod events;
pub mod follow_up;
pub mod login;
pub mod lookup;
pub mod output;
pub mod overrides;
pub mod priorities;
pub mod proposal;
pub mod register;
pub mod session;
pub mod system;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// samprio: shared IT priorities for cooperating municipalities.
#[derive(Parser)]
#[command(name = "samprio", version)]
pub struct Cli {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "SAMPRIO_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,
    /// Bearer token (JWT); `samprio-server dev-token` mints one in dev mode.
    /// Without it, the token kept by `samprio login` is used.
    #[arg(
        long,
        global = true,
        env = "SAMPRIO_TOKEN",
        hide_env_values = true,
        default_value = "",
        hide_default_value = true
    )]
    pub token: String,
    /// For https:// servers: trust the CA certificate(s) in this PEM file
    /// instead of the system's roots.
    #[arg(long, global = true, env = "SAMPRIO_CA_FILE")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Send the token over plain http:// to another machine anyway (only on
    /// a network you trust: anyone on the way can read and reuse it).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Print results as JSON (canonical protobuf JSON mapping).
    #[arg(long, global = true)]
    pub json: bool,
    /// Idempotency key for a mutation: retrying with the same key returns the first result.
    #[arg(long, global = true, default_value = "", hide_default_value = true)]
    pub request_id: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Cooperations.
    #[command(subcommand, visible_alias = "coop")]
    Cooperation(cooperation::CoopCmd),
    /// Member municipalities of a cooperation.
    #[command(subcommand)]
    Member(cooperation::MemberCmd),
    /// The register of Denmark's 98 municipalities.
    #[command(subcommand)]
    Register(register::RegisterCmd),
    /// Proposals for shared priorities.
    #[command(subcommand)]
    Proposal(proposal::ProposalCmd),
    /// A member's portfolio of IT systems, its imports, and the shared
    /// opportunities of the cooperation.
    #[command(subcommand)]
    System(system::SystemCmd),
    /// Joint steering-group sessions: agenda, attendance, minutes.
    #[command(subcommand)]
    Session(session::SessionCmd),
    /// Voting rounds in a session.
    #[command(subcommand)]
    Round(session::RoundCmd),
    /// Cast (or replace) your municipality's ballot in a round.
    Vote(session::VoteArgs),
    /// The cooperation's shared priority list, or with --effective a
    /// member's list with its local overrides applied.
    Priorities(priorities::PrioritiesArgs),
    /// Page through a cooperation's event log.
    Events(events::EventsArgs),
    /// Recompute the event log's hash chain.
    VerifyChain,
    /// Follow a cooperation's events live (replays from --after first).
    Watch(events::WatchArgs),
    /// Local overrides: set, change, reconfirm, revoke and list them.
    #[command(flatten)]
    Overrides(overrides::Commands),
    /// Follow-up: members' implementation of the priorities, and the report.
    #[command(subcommand, name = "follow-up")]
    FollowUp(follow_up::FollowUpCmd),
    /// Sign in with your identity provider and keep the token for later calls.
    Login(login::LoginArgs),
    /// Forget the token kept by `samprio login`.
    Logout,
    /// Who the kept token says you are, and when it expires.
    Whoami,
}

pub struct Env {
    pub client: samprio_client::Client,
    pub out: output::Out,
    pub request_id: String,
}

pub async fn run(mut cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Login(args) => return login::login(args).await,
        Command::Logout => return login::logout(),
        Command::Whoami => return login::whoami(),
        _ => {}
    }
    if cli.token.is_empty()
        && let Some(token) = login::stored_token().await?
    {
        cli.token = token;
    }
    let plain = cli.server.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    if plain && !cli.token.is_empty() && !cli.insecure && !samprio_client::is_loopback(&cli.server) {
        anyhow::bail!(
            "refusing to send the token in clear text to {}: use https:// (or --insecure on a network you trust)",
            cli.server
        );
    }
    let ca = match &cli.ca_file {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("--ca-file {}", path.display()))?),
        None => None,
    };
    let client = samprio_client::Client::connect_with_ca(&cli.server, &cli.token, ca.as_deref()).await?;
    let env = Env {
        client,
        out: output::Out { json: cli.json },
        request_id: cli.request_id,
    };
    match cli.command {
        Command::Cooperation(c) => cooperation::run_coop(&env, c).await,
        Command::Member(c) => cooperation::run_member(&env, c).await,
        Command::Register(c) => register::run(&env, c).await,
        Command::Proposal(c) => proposal::run(&env, c).await,
        Command::System(c) => system::run(&env, c).await,
        Command::Session(c) => session::run_session(&env, c).await,
        Command::Round(c) => session::run_round(&env, c).await,
        Command::Vote(a) => session::vote(&env, a).await,
        Command::Priorities(a) => priorities::show(&env, a).await,
        Command::Events(a) => events::list(&env, a).await,
        Command::VerifyChain => events::verify(&env).await,
        Command::Watch(a) => events::watch(&env, a).await,
        Command::Overrides(c) => overrides::run(&env, c).await,
        Command::FollowUp(c) => follow_up::run(&env, c).await,
        Command::Login(_) | Command::Logout | Command::Whoami => unreachable!("handled above"),
    }
}

/// Parses a quorum given as a percentage ("50", "50%", "66.67%") into basis points.
pub fn parse_quorum(s: &str) -> Result<u32, String> {
    let n: f64 = s
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a percentage"))?;
    if !(0.0..=100.0).contains(&n) {
        return Err("a quorum is between 0% and 100%".into());
    }
    Ok((n * 100.0).round() as u32)
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    #[test]
    fn every_subcommand_says_in_one_line_what_it_does() {
        fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for s in c.get_subcommands() {
                let name = format!("{path} {}", s.get_name());
                if s.get_about().is_none() && s.get_name() != "help" {
                    missing.push(name.clone());
                }
                walk(s, &name, missing);
            }
        }
        let mut missing = vec![];
        walk(&super::Cli::command(), "samprio", &mut missing);
        assert!(missing.is_empty(), "without a description: {missing:?}");
    }

    #[test]
    fn help_shows_no_empty_defaults() {
        let mut c = super::Cli::command();
        let mut out = vec![];
        c.write_long_help(&mut out).expect("help");
        fn all(c: &mut clap::Command, out: &mut Vec<u8>) {
            for s in c.get_subcommands_mut() {
                s.write_long_help(out).expect("help");
                all(s, out);
            }
        }
        all(&mut c, &mut out);
        let help = String::from_utf8(out).expect("UTF-8");
        assert!(
            !help.contains("[default: ]") && !help.contains("[default: \"\"]"),
            "{help}"
        );
    }
}
