use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use samprio_server::auth::{DevKeys, Role};
use samprio_server::config::Config;
use samprio_server::startup::{Application, shutdown_signal};
use samprio_server::telemetry;

/// samprio-server: shared IT priorities for cooperating municipalities.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Configuration file (TOML). Defaults to $SAMPRIO_CONFIG, else ./samprio.toml if present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Dev mode only: print a token signed with the local dev key.
    DevToken {
        /// Municipality code the token acts for, e.g. 0101.
        #[arg(long)]
        municipality: String,
        /// Comma-separated roles: board, digital_lead, observer, chair:<coop>, secretariat:<coop>, operator.
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        /// Subject (person or system) the token names; defaults to dev-<municipality>.
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 12)]
        ttl_hours: u64,
    },
    /// The built-in register of Denmark's municipalities.
    #[command(subcommand)]
    Register(RegisterCommand),
}

#[derive(Subcommand)]
enum RegisterCommand {
    /// Read newer population counts from a Danmarks Statistik FOLK1A CSV
    /// (OMRÅDE;TID;INDHOLD, 3-digit area codes). This version only checks
    /// the file and shows what is newer than the built-in register (--check);
    /// storing the counts comes with the register's table.
    ImportPopulation {
        file: PathBuf,
        /// Check the file and show the newer counts without storing them.
        #[arg(long)]
        check: bool,
    },
}

/// `samprio-server register import-population FILE --check`.
fn import_population(file: &std::path::Path, check: bool) -> anyhow::Result<()> {
    use samprio_server::domain::register::folk1a;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = folk1a::parse(&folk1a::decode(&bytes)).with_context(|| format!("{}", file.display()))?;
    let newer = parsed.newer_than_register();
    for (m, c) in &newer {
        println!(
            "{}  {:<20} {:>9} ({}) -> {:>9} ({})",
            m.code, m.name, m.population, m.population_date, c.population, c.date
        );
    }
    println!(
        "{} counts read, {} newer than the register, {} areas that are not municipalities skipped, {} municipalities without a count",
        parsed.counts.len(),
        newer.len(),
        parsed.skipped.len(),
        parsed.missing.len()
    );
    anyhow::ensure!(
        check,
        "nothing stored: this version can only check a FOLK1A file (run with --check); storing newer counts is not available yet"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref()).context("loading configuration")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(&config.log_format);
            let app = Application::build(config).await?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::DevToken {
            municipality,
            roles,
            sub,
            ttl_hours,
        } => {
            anyhow::ensure!(
                config.dev_mode(),
                "dev-token works only in dev mode (no issuers configured)"
            );
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()
                .context("--roles")?;
            let keys = DevKeys::load_or_create(&config.data_dir, &config.auth.audience, vec![])?;
            let sub = sub.unwrap_or_else(|| format!("dev-{municipality}"));
            println!(
                "{}",
                keys.minter
                    .mint(&sub, &municipality, &roles, Duration::from_secs(ttl_hours * 3600))
            );
        }
        Command::Register(RegisterCommand::ImportPopulation { file, check }) => import_population(&file, check)?,
    }
    Ok(())
}
