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
    /// Write a consistent copy of the SQLite database to FILE, also while a
    /// server is running on it (PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes; must not exist yet.
        file: PathBuf,
    },
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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line with its causes; no backtrace, which says nothing to an
            // operator who mistyped an argument.
            eprintln!("samprio-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref()).context("loading configuration")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(&config.log_format);
            let app = Application::build(config).await?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::Backup { file } => {
            let url = &config.database_url;
            anyhow::ensure!(
                !(url.starts_with("postgres:") || url.starts_with("postgresql:")),
                "backup copies SQLite databases; for PostgreSQL use pg_dump"
            );
            anyhow::ensure!(!file.exists(), "{} exists already", file.display());
            samprio_server::store::SqliteStore::backup(url, &file)
                .await
                .with_context(|| format!("backing up to {}", file.display()))?;
            println!("{}", file.display());
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
            samprio_server::domain::validate::municipality_code(&municipality)
                .map_err(|e| anyhow::anyhow!("--municipality {e}"))?;
            anyhow::ensure!(
                (1..=24 * 366).contains(&ttl_hours),
                "--ttl-hours must be between 1 and 8784 (a year)"
            );
            let keys = DevKeys::load_or_create(&config.data_dir, &config.auth.audience, vec![])?;
            let sub = sub.unwrap_or_else(|| format!("dev-{municipality}"));
            println!(
                "{}",
                keys.minter
                    .mint(&sub, &municipality, &roles, Duration::from_secs(ttl_hours * 3600))
            );
        }
    }
    Ok(())
}
