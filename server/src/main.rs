use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use samprio_server::auth::{DevKeys, DevServerHint, Role};
use samprio_server::config::Config;
use samprio_server::startup::{Application, shutdown_signal};
use samprio_server::telemetry;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        #[arg(long, value_delimiter = ',', value_parser = parse_role)]
        roles: Vec<Role>,
        /// Subject (person or system) the token names; defaults to dev-<municipality>.
        #[arg(long)]
        sub: Option<String>,
        /// The person's display name, as minutes show it; defaults to
        /// "Dev-bruger, <municipality's name>".
        #[arg(long)]
        name: Option<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 12)]
        ttl_hours: u64,
    },
    /// The built-in register of Denmark's municipalities.
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Fill the database with a demo: the municipalities of one region, each
    /// with a generated portfolio (every system marked "(demo)"), proposals,
    /// a closed session with results and a few overrides.
    Demo {
        /// hovedstaden, sjælland, syddanmark, midtjylland or nordjylland.
        #[arg(long, default_value = "sjælland")]
        region: String,
        /// Systems per member.
        #[arg(long, default_value_t = 300)]
        systems: usize,
        /// Seed of the generated data: the same seed gives the same portfolios.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum RegisterCommand {
    /// Read newer population counts from a Danmarks Statistik FOLK1A CSV
    /// (OMRÅDE;TID;INDHOLD, 3-digit area codes) and store those newer than
    /// the server knows: members added from then on get them.
    ImportPopulation {
        file: PathBuf,
        /// Check the file and show the newer counts without storing them.
        #[arg(long)]
        check: bool,
    },
}

/// `samprio-server register import-population FILE [--check]`.
async fn import_population(config: &Config, file: &std::path::Path, check: bool) -> anyhow::Result<()> {
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
    if check {
        return Ok(());
    }
    let store = samprio_server::store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening {}", config.database_url))?;
    let now = samprio_server::domain::write::now_micros();
    let done = samprio_server::domain::register::stored::import(&*store, &parsed.counts, now).await?;
    println!(
        "{} newer counts stored, {} not newer than the ones already known",
        done.stored, done.kept
    );
    Ok(())
}

/// Errors end the process with one line on stderr, not a `Debug` dump.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samprio-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Help and version print as clap prints them; a bad argument is one line
/// naming it, like every other error of this binary.
fn usage_error(e: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    eprintln!("samprio-server: {}", first.trim_start_matches("error: "));
    std::process::ExitCode::from(2)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref()).context("loading configuration")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            telemetry::init(&config.log_format);
            let dev_mode = config.dev_mode();
            let hint = DevServerHint {
                data_dir: std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone()),
                audience: config.auth.audience.clone(),
            };
            let app = Application::build(config).await?;
            if dev_mode && let Some(file) = DevServerHint::default_path() {
                hint.record(&file);
            }
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
            name,
            ttl_hours,
        } => {
            anyhow::ensure!(
                config.dev_mode(),
                "dev-token works only in dev mode (no issuers configured)"
            );
            samprio_server::domain::validate::municipality_code(&municipality)
                .map_err(|e| anyhow::anyhow!("--municipality {e}"))?;
            anyhow::ensure!(
                (1..=24 * 366).contains(&ttl_hours),
                "--ttl-hours must be between 1 and 8784 (a year)"
            );
            let keys = dev_keys(&config)?;
            let sub = sub.unwrap_or_else(|| format!("dev-{municipality}"));
            let name = match name.as_deref().map(str::trim) {
                Some("") => anyhow::bail!("--name is empty; leave it out for the default"),
                Some(n) => n.to_string(),
                None => samprio_server::auth::default_dev_name(&municipality),
            };
            println!(
                "{}",
                keys.minter.mint_named(
                    &sub,
                    Some(&name),
                    &municipality,
                    &roles,
                    Duration::from_secs(ttl_hours * 3600)
                )
            );
        }
        Command::Demo { region, systems, seed } => {
            anyhow::ensure!((1..=2000).contains(&systems), "--systems must be between 1 and 2000");
            let store = samprio_server::store::connect(&config.database_url)
                .await
                .with_context(|| format!("opening {}", config.database_url))?;
            let now = samprio_server::domain::write::now_micros();
            let r = samprio_server::demo::run(&*store, &region, systems, seed, now).await?;
            println!(
                "Demo cooperation {}: {} members, {} systems, {} proposals, session {} closed ({} adopted), {} overrides.",
                r.cooperation_id, r.members, r.systems, r.proposals, r.session_id, r.adopted, r.overrides
            );
            println!("Try: samprio system opportunities {}", r.cooperation_id);
        }
        Command::Register(RegisterCommand::ImportPopulation { file, check }) => {
            import_population(&config, &file, check).await?
        }
    }
    Ok(())
}

/// The dev key of this configuration's data directory; failing that, the key
/// of the dev server this user last started (from any directory), said so on
/// stderr. Never a new key: a token the server cannot verify helps no one.
fn dev_keys(config: &Config) -> anyhow::Result<DevKeys> {
    let own = match DevKeys::load(&config.data_dir, &config.auth.audience) {
        Ok(keys) => return Ok(keys),
        Err(e) => e,
    };
    let hint_file = DevServerHint::default_path();
    let Some(hint) = hint_file.as_deref().and_then(DevServerHint::read) else {
        return Err(own.into());
    };
    match DevKeys::load(&hint.data_dir, &hint.audience) {
        Ok(keys) => {
            eprintln!(
                "samprio-server: using the dev key of the server last started in dev mode, in {}",
                hint.data_dir.display()
            );
            Ok(keys)
        }
        Err(_) => Err(own.into()),
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse::<Role>().map_err(|e| {
        format!(
            "{e}; known roles: board, digital_lead, observer, operator, chair:<cooperation>, secretariat:<cooperation>"
        )
    })
}
