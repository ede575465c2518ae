//! `samprio-load`: seeds a cooperation of Denmark's 98 municipalities with a
//! shared list of 300 priorities and ~10 % overrides, then measures side by
//! side in one run (DESIGN.md §10):
//!
//! * each list read (ListProposals page 100, GetPriorityList,
//!   GetEffectiveList, ListEvents page 100) at concurrency 1/16/64, against
//!   a bare tonic echo server returning a payload of the same size;
//! * CastBallot at 16/64/98 concurrent members, against the storage engine
//!   alone inserting ballot-sized rows at samprio's durability (one row per
//!   commit with as many writers; 64 rows per commit);
//! * Watch fan-out: acknowledgement → receipt over 1,000 watchers, against
//!   one watcher.
//!
//! It starts `samprio-server` (the binary beside it, dev mode, a fresh SQLite
//! file or PostgreSQL database) or uses a running dev-mode server
//! (`--server URL --data-dir DIR`; tokens are minted with that server's dev
//! key through `samprio-server dev-token`).
//!
//! ```sh
//! cargo build --release -p samprio-server -p samprio-client
//! target/release/samprio-load --quick
//! target/release/samprio-load --engine postgres --postgres-url postgres://postgres@127.0.0.1:5432/postgres
//! target/release/samprio-load --proposals 10000 --only reads
//! ```

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use futures::StreamExt;
use prost::Message;
use samprio_client::{Client, pb};
use sqlx::Executor;
use tokio::sync::Mutex;

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Seeds a 98 × 300 cooperation into samprio-server and measures it against its anchors"
)]
struct Args {
    /// Short runs (1 run of 1 s per cell, 200 watchers, 50 events).
    #[arg(long)]
    quick: bool,
    /// Storage engine of the server this tool starts.
    #[arg(long, value_enum, default_value_t = EngineArg::Sqlite)]
    engine: EngineArg,
    /// PostgreSQL server to create a fresh database on (`--engine postgres`).
    #[arg(long, env = "SAMPRIO_TEST_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// The `samprio-server` binary; defaults to the one beside this tool.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Use a running dev-mode server at this address instead of starting one.
    #[arg(long, requires = "data_dir")]
    server: Option<String>,
    /// That server's data directory (where its dev signing key is).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Runs per cell; the table shows the median.
    #[arg(long)]
    runs: Option<usize>,
    /// Seconds per run.
    #[arg(long)]
    secs: Option<f64>,
    /// Proposals in the cooperation: the first 300 are adopted, the rest stay submitted.
    #[arg(long, default_value_t = 300)]
    proposals: usize,
    /// Only these parts: reads, ballots, watch (comma-separated).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Part>,
    /// Watchers in the fan-out measurement.
    #[arg(long)]
    watchers: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    Reads,
    Ballots,
    Watch,
}

const COOP_NAME: &str = "Belastningsprøve";
const ADOPTED: usize = 300;
const PAGE: u32 = 100;
/// A ballot-sized row for the engine anchor (what one ballot's rows weigh).
const ROW: &str = r#"{"round_id":"01a2256f-0000-7000-8000-000000000000","municipality":"1001","content":{"YesNo":[["01a2256f-0000-7000-8000-000000000001","YES"]]},"cast_by":"user-1001","role":"board","version":1}"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 }).max(1);
    let secs = Duration::from_secs_f64(args.secs.unwrap_or(if args.quick { 1.0 } else { 3.0 }));
    let watchers = args.watchers.unwrap_or(if args.quick { 200 } else { 1000 });
    let events = if args.quick { 50 } else { 200 };
    let part = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let bench = Bench { runs, secs };

    let dir = tempfile::tempdir()?;
    let server_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the tool's directory")?
            .join("samprio-server"),
    };
    let mut pg_db = None;
    let (addr, data_dir, mut server) = match &args.server {
        Some(addr) => (addr.clone(), args.data_dir.clone().expect("required by clap"), None),
        None => {
            let database_url = match args.engine {
                EngineArg::Sqlite => format!("sqlite://{}", dir.path().join("samprio.db").display()),
                EngineArg::Postgres => {
                    let admin = args
                        .postgres_url
                        .as_deref()
                        .context("--engine postgres needs --postgres-url (or SAMPRIO_TEST_POSTGRES_URL)")?;
                    let url = fresh_postgres_db(admin).await?;
                    pg_db = Some(url.clone());
                    url
                }
            };
            let s = ServerProcess::start(&server_bin, dir.path(), &database_url)?;
            (s.addr.clone(), dir.path().to_path_buf(), Some(s))
        }
    };
    eprintln!("samprio-server at {addr}; seeding…");
    let minter = Minter {
        bin: server_bin,
        data_dir,
    };
    let seed_start = Instant::now();
    let mut world = seed(&addr, &minter, args.proposals).await?;
    world.engine = match (&args.server, args.engine) {
        (Some(_), _) => "the running server's".into(),
        (None, EngineArg::Sqlite) => "SQLite".into(),
        (None, EngineArg::Postgres) => "PostgreSQL".into(),
    };
    eprintln!(
        "seeded {} members, {} proposals ({} adopted), {} overrides in {:.1} s",
        world.members.len(),
        args.proposals,
        ADOPTED.min(args.proposals),
        world.overrides,
        seed_start.elapsed().as_secs_f64()
    );

    let load_before = load_average();
    let mut table = Table::default();
    let pid = server.as_ref().map(|s| s.child.id());
    if part(Part::Reads) {
        reads(&bench, &world, pid, &mut table).await?;
    }
    if part(Part::Ballots) {
        let anchor = match (&args.server, args.engine) {
            (None, EngineArg::Postgres) => Raw::postgres(pg_db.as_deref().expect("created above")).await?,
            (Some(_), EngineArg::Postgres) => {
                let admin = args
                    .postgres_url
                    .as_deref()
                    .context("--postgres-url for the engine anchor")?;
                Raw::postgres(&fresh_postgres_db(admin).await?).await?
            }
            _ => Raw::sqlite(&dir.path().join("anchor.db")).await?,
        };
        ballots(&bench, &world, &anchor, pid, &mut table).await?;
    }
    if part(Part::Watch) {
        watch(&bench, &world, watchers, events, &mut table).await?;
    }
    let load_after = load_average();

    println!();
    println!(
        "samprio-load: {} engine, {} members × {} proposals ({} adopted), {} overrides; median of {runs} run(s) of {:.1} s; load average {load_before} → {load_after}",
        world.engine,
        world.members.len(),
        args.proposals,
        ADOPTED.min(args.proposals),
        world.overrides,
        secs.as_secs_f64()
    );
    table.print();
    if let Some(s) = server.as_mut() {
        s.kill();
    }
    Ok(())
}

// ---------------------------------------------------------------- the server

struct ServerProcess {
    child: Child,
    addr: String,
}

impl ServerProcess {
    /// Starts a dev-mode server on `database_url` and waits for its "ready" line.
    fn start(bin: &Path, dir: &Path, database_url: &str) -> anyhow::Result<ServerProcess> {
        let mut child = Command::new(bin)
            .current_dir(dir)
            .env("SAMPRIO_LISTEN", "127.0.0.1:0")
            .env("SAMPRIO_WEB_LISTEN", "127.0.0.1:0")
            .env("SAMPRIO_DATABASE_URL", database_url)
            .env("SAMPRIO_DATA_DIR", dir)
            .env("SAMPRIO_LOG_FORMAT", "json")
            .env("SAMPRIO_DEV_MODE", "true")
            .env("RUST_LOG", "warn,samprio_server::startup=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (build it with cargo build --release -p samprio-server)",
                    bin.display()
                )
            })?;
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("piped")).lines();
        let addr = loop {
            let Some(line) = lines.next() else {
                bail!("samprio-server exited before it was ready");
            };
            let line = line?;
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["fields"]["message"] == "samprio-server ready" {
                break format!(
                    "http://{}",
                    v["fields"]["addr"].as_str().context("addr in the ready line")?
                );
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(ServerProcess { child, addr })
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Server CPU time (user + system) in microseconds, from /proc.
fn cpu_micros(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000) // USER_HZ = 100
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

async fn fresh_postgres_db(admin_url: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!("samprio_load_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .context("connecting to PostgreSQL")?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .context("a PostgreSQL URL with a database name")?;
    Ok(format!("{base}/{name}"))
}

/// Mints dev tokens through `samprio-server dev-token`.
struct Minter {
    bin: PathBuf,
    data_dir: PathBuf,
}

impl Minter {
    fn token(&self, municipality: &str, roles: &str) -> anyhow::Result<String> {
        let out = Command::new(&self.bin)
            .current_dir(&self.data_dir)
            .env("SAMPRIO_DATA_DIR", &self.data_dir)
            .args(["dev-token", "--municipality", municipality, "--roles", roles])
            .output()
            .context("running samprio-server dev-token")?;
        if !out.status.success() {
            bail!("dev-token: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_string())
    }
}

// ---------------------------------------------------------------- seeding

struct World {
    addr: String,
    engine: String,
    coop: String,
    /// (code, token with board and digital_lead roles)
    members: Vec<(String, String)>,
    overrides: usize,
    /// An open YES_NO round on one proposal, for CastBallot.
    round: String,
    candidate: String,
}

impl World {
    async fn client(&self, member: usize) -> anyhow::Result<Client> {
        Ok(Client::connect(&self.addr, &self.members[member % self.members.len()].1).await?)
    }
}

async fn seed(addr: &str, minter: &Minter, proposals: usize) -> anyhow::Result<World> {
    let coop = format!("load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let operator = Client::connect(addr, &minter.token("0101", "operator")?).await?;
    let codes: Vec<String> = operator
        .register()
        .list_municipalities(pb::ListMunicipalitiesRequest::default())
        .await?
        .into_inner()
        .municipalities
        .into_iter()
        .map(|m| m.code)
        .collect();
    operator
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: coop.clone(),
            name: COOP_NAME.into(),
            rules: Some(pb::CooperationRules {
                default_weighting: pb::Weighting::Equal as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            }),
            member_codes: codes.clone(),
            ..Default::default()
        })
        .await
        .context("CreateCooperation")?;
    let chair_token = minter.token(
        &codes[0],
        &format!("chair:{coop},secretariat:{coop},board,digital_lead"),
    )?;
    let mut members = Vec::with_capacity(codes.len());
    for c in &codes {
        members.push((c.clone(), minter.token(c, "board,digital_lead")?));
    }
    let clients: Vec<Client> = {
        let base = Client::connect(addr, "").await?;
        members
            .iter()
            .map(|(_, t)| base.as_token(t))
            .collect::<Result<_, _>>()?
    };
    let chair = Client::connect(addr, &chair_token).await?;

    // Proposals, drafted and submitted by the members in turn, 16 at a time.
    let ids: Vec<String> = futures::stream::iter(0..proposals + 1)
        .map(|i| {
            let mut p = clients[i % clients.len()].proposals();
            let coop = coop.clone();
            async move {
                let draft = p
                    .create_proposal(pb::CreateProposalRequest {
                        cooperation_id: coop,
                        content: Some(content(i)),
                        request_id: String::new(),
                    })
                    .await?
                    .into_inner();
                let id = draft.id.clone();
                p.submit_proposal(pb::SubmitProposalRequest {
                    id: draft.id,
                    etag: draft.etag,
                    request_id: String::new(),
                })
                .await?;
                anyhow::Ok(id)
            }
        })
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;

    // Adopt the first 300 in two sessions (an agenda holds 200 at most).
    let adopted = &ids[..ADOPTED.min(proposals)];
    for chunk in adopted.chunks(150) {
        let round = open_round(&chair, &coop, chunk).await?;
        futures::stream::iter(clients.iter())
            .map(|c| {
                let req = yes_to_all(&round, chunk);
                let mut s = c.sessions();
                async move { s.cast_ballot(req).await }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .context("CastBallot while seeding")?;
        chair
            .sessions()
            .close_round(pb::CloseRoundRequest {
                id: round,
                request_id: String::new(),
            })
            .await
            .context("CloseRound")?;
    }

    // Overrides: each member re-ranks, opts out of or defers ~10 % of the list.
    let mut overrides = 0;
    let mut jobs = vec![];
    for (m, c) in clients.iter().enumerate() {
        for k in 0..adopted.len() / 10 {
            let i = (m * 7 + k * 10) % adopted.len();
            let kind = match k % 3 {
                0 => pb::OverrideKind::Rerank,
                1 => pb::OverrideKind::OptOut,
                _ => pb::OverrideKind::Defer,
            };
            jobs.push((
                c.clone(),
                pb::OverrideSpec {
                    proposal_id: adopted[i].clone(),
                    kind: kind as i32,
                    local_rank: if kind == pb::OverrideKind::Rerank {
                        (k as u32 % 20) + 1
                    } else {
                        0
                    },
                    defer_until: if kind == pb::OverrideKind::Defer {
                        "2099-01-01".into()
                    } else {
                        String::new()
                    },
                    justification: "Vi har netop indført en lokal løsning og afventer evaluering".into(),
                    board_resolution: "Direktionsmøde 2026-11-12, pkt. 4".into(),
                    ..Default::default()
                },
            ));
            overrides += 1;
        }
    }
    futures::stream::iter(jobs)
        .map(|(c, spec)| {
            let coop = coop.clone();
            async move {
                c.priorities()
                    .set_override(pb::SetOverrideRequest {
                        cooperation_id: coop,
                        spec: Some(spec),
                        etag: String::new(),
                        request_id: String::new(),
                    })
                    .await
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .context("SetOverride")?;

    // The round CastBallot is measured on.
    let candidate = ids[proposals].clone();
    let round = open_round(&chair, &coop, std::slice::from_ref(&candidate)).await?;
    Ok(World {
        addr: addr.to_string(),
        engine: String::new(),
        coop,
        members,
        overrides,
        round,
        candidate,
    })
}

fn content(i: usize) -> pb::ProposalContent {
    pb::ProposalContent {
        title: format!("Fælles løsning nr. {i}: digital selvbetjening og sagsoverblik"),
        summary: format!(
            "Forslag {i}: en fælles løsning, som kommunerne anskaffer og driver sammen, med integration til ESDH og borger.dk."
        ),
        category: pb::Category::NewSystem as i32,
        flags: Some(pb::ProposalFlags::default()),
        one_time_cost_dkk: 250_000 + (i as i64 % 40) * 50_000,
        yearly_cost_dkk: 25_000 + (i as i64 % 40) * 5_000,
        linked_systems: vec!["ESDH".into(), "borger.dk".into()],
    }
}

async fn open_round(chair: &Client, coop: &str, candidates: &[String]) -> anyhow::Result<String> {
    let mut s = chair.sessions();
    let session = s
        .create_session(pb::CreateSessionRequest {
            cooperation_id: coop.into(),
            title: "Styregruppemøde".into(),
            agenda: candidates.to_vec(),
            ..Default::default()
        })
        .await
        .context("CreateSession")?
        .into_inner();
    s.open_session(pb::OpenSessionRequest {
        id: session.id.clone(),
        request_id: String::new(),
    })
    .await
    .context("OpenSession")?;
    Ok(s.open_round(pb::OpenRoundRequest {
        session_id: session.id,
        title: "Afstemning".into(),
        method: pb::Method::YesNo as i32,
        candidates: candidates.to_vec(),
        ..Default::default()
    })
    .await
    .context("OpenRound")?
    .into_inner()
    .id)
}

fn yes_to_all(round: &str, candidates: &[String]) -> pb::CastBallotRequest {
    pb::CastBallotRequest {
        round_id: round.into(),
        content: Some(pb::BallotContent {
            kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
                choices: candidates
                    .iter()
                    .map(|c| pb::YesNoChoice {
                        candidate_id: c.clone(),
                        choice: pb::Choice::Yes as i32,
                    })
                    .collect(),
            })),
        }),
        request_id: String::new(),
    }
}

// ---------------------------------------------------------------- measuring

struct Bench {
    runs: usize,
    secs: Duration,
}

/// One run's outcome: calls per second and the median latency.
#[derive(Clone, Copy, Default)]
struct Run {
    rate: f64,
    p50: Duration,
    p99: Duration,
    /// Server CPU per call, when the tool started the server.
    cpu_per_call: Option<Duration>,
}

/// Runs `call` from `workers` tasks for `secs`, `runs` times; the median run.
async fn measure<F, Fut>(bench: &Bench, workers: usize, pid: Option<u32>, call: F) -> anyhow::Result<Run>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let call = Arc::new(call);
    let mut results = vec![];
    for _ in 0..bench.runs {
        let cpu0 = pid.and_then(cpu_micros);
        let start = Instant::now();
        let until = start + bench.secs;
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let call = call.clone();
                tokio::spawn(async move {
                    let mut lat = vec![];
                    while Instant::now() < until {
                        let t = Instant::now();
                        call(w).await?;
                        lat.push(t.elapsed());
                    }
                    anyhow::Ok(lat)
                })
            })
            .collect();
        let mut lat = vec![];
        for t in tasks {
            lat.extend(t.await??);
        }
        let elapsed = start.elapsed();
        let cpu1 = pid.and_then(cpu_micros);
        lat.sort();
        let n = lat.len().max(1);
        results.push(Run {
            rate: lat.len() as f64 / elapsed.as_secs_f64(),
            p50: lat.get(n / 2).copied().unwrap_or_default(),
            p99: lat.get(n * 99 / 100).copied().unwrap_or_default(),
            cpu_per_call: cpu0.zip(cpu1).map(|(a, b)| Duration::from_micros((b - a) / n as u64)),
        });
    }
    results.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    Ok(results[results.len() / 2])
}

/// Clients for `workers` tasks: one connection per 16 tasks.
async fn connections(world: &World, workers: usize) -> anyhow::Result<Vec<Client>> {
    let mut v = vec![];
    for i in 0..workers.div_ceil(16) {
        v.push(world.client(i).await?);
    }
    Ok(v)
}

async fn reads(bench: &Bench, world: &World, pid: Option<u32>, table: &mut Table) -> anyhow::Result<()> {
    let member = world.members[1].0.clone();
    let coop = world.coop.clone();
    let probe = world.client(0).await?;
    let sizes = [
        (
            "ListProposals (page 400)",
            probe
                .proposals()
                .list_proposals(pb::ListProposalsRequest {
                    page_size: 400,
                    ..list_proposals(&coop)
                })
                .await?
                .into_inner()
                .encoded_len(),
        ),
        (
            "ListProposals (page 100)",
            probe
                .proposals()
                .list_proposals(list_proposals(&coop))
                .await?
                .into_inner()
                .encoded_len(),
        ),
        (
            "GetPriorityList",
            probe
                .priorities()
                .get_priority_list(pb::GetPriorityListRequest {
                    cooperation_id: coop.clone(),
                    revision: 0,
                })
                .await?
                .into_inner()
                .encoded_len(),
        ),
        (
            "GetEffectiveList",
            probe
                .priorities()
                .get_effective_list(effective(&coop, &member))
                .await?
                .into_inner()
                .encoded_len(),
        ),
        (
            "ListEvents (page 100)",
            probe
                .audit()
                .list_events(list_events(&coop))
                .await?
                .into_inner()
                .encoded_len(),
        ),
    ];
    let echo = EchoServer::start().await?;
    for (name, size) in sizes {
        // The large page only shows that a reply of ~100 KB is not held back
        // (Nagle, flow-control windows): at concurrency 1.
        let levels: &[usize] = if name == "ListProposals (page 400)" {
            &[1]
        } else {
            &[1, 16, 64]
        };
        for &c in levels {
            let conns = connections(world, c).await?;
            let coop = coop.clone();
            let member = member.clone();
            let which = name;
            let run = measure(bench, c, pid, move |w| {
                let client = conns[w / 16].clone();
                let coop = coop.clone();
                let member = member.clone();
                async move {
                    match which {
                        "GetPriorityList" => {
                            client
                                .priorities()
                                .get_priority_list(pb::GetPriorityListRequest {
                                    cooperation_id: coop,
                                    revision: 0,
                                })
                                .await?;
                        }
                        "GetEffectiveList" => {
                            client
                                .priorities()
                                .get_effective_list(effective(&coop, &member))
                                .await?;
                        }
                        "ListEvents (page 100)" => {
                            client.audit().list_events(list_events(&coop)).await?;
                        }
                        "ListProposals (page 400)" => {
                            let req = pb::ListProposalsRequest {
                                page_size: 400,
                                ..list_proposals(&coop)
                            };
                            client.proposals().list_proposals(req).await?;
                        }
                        _ => {
                            client.proposals().list_proposals(list_proposals(&coop)).await?;
                        }
                    }
                    Ok(())
                }
            })
            .await?;
            let echo_run = echo.measure(bench, c, size).await?;
            table.row(
                format!("{name}, {} KB, concurrency {c}", size.div_ceil(1024)),
                &run,
                Some(format!("echo {}", fmt_run(&echo_run))),
                format!("{:.3}", run.rate / echo_run.rate),
            );
        }
    }
    Ok(())
}

fn list_proposals(coop: &str) -> pb::ListProposalsRequest {
    pb::ListProposalsRequest {
        cooperation_id: coop.into(),
        page_size: PAGE,
        ..Default::default()
    }
}

fn list_events(coop: &str) -> pb::ListEventsRequest {
    pb::ListEventsRequest {
        cooperation_id: coop.into(),
        page_size: PAGE,
        ..Default::default()
    }
}

fn effective(coop: &str, member: &str) -> pb::GetEffectiveListRequest {
    pb::GetEffectiveListRequest {
        cooperation_id: coop.into(),
        municipality: member.into(),
        as_of: String::new(),
    }
}

async fn ballots(
    bench: &Bench,
    world: &World,
    anchor: &Raw,
    pid: Option<u32>,
    table: &mut Table,
) -> anyhow::Result<()> {
    let n = world.members.len();
    let base = Client::connect(&world.addr, "").await?;
    let clients: Arc<Vec<Client>> = Arc::new(
        world
            .members
            .iter()
            .map(|(_, t)| base.as_token(t))
            .collect::<Result<_, _>>()?,
    );
    let single = anchor.rate(bench, 1, 1).await?;
    let per_commit_64 = anchor.rate(bench, 1, 64).await?;
    for c in [16usize, 64, 98] {
        let c = c.min(n);
        let clients = clients.clone();
        let round = world.round.clone();
        let candidate = world.candidate.clone();
        let run = measure(bench, c, pid, move |w| {
            let mut s = clients[w].sessions();
            let req = yes_to_all(&round, std::slice::from_ref(&candidate));
            async move {
                s.cast_ballot(req).await?;
                Ok(())
            }
        })
        .await?;
        let engine_c = anchor.rate(bench, c, 1).await?;
        table.row(
            format!("CastBallot, {c} concurrent members"),
            &run,
            Some(format!(
                "engine 1 row/commit: {engine_c:.0}/s ({c} writers), {single:.0}/s (1 writer); 64 rows/commit: {per_commit_64:.0} rows/s"
            )),
            format!("{:.2} / {:.2}", run.rate / engine_c, run.rate / per_commit_64),
        );
    }
    Ok(())
}

async fn watch(bench: &Bench, world: &World, watchers: usize, events: usize, table: &mut Table) -> anyhow::Result<()> {
    for n in [1usize, watchers] {
        let mut p50s = vec![];
        let mut p99s = vec![];
        for _ in 0..bench.runs {
            let (p50, p99) = fan_out(world, n, events).await?;
            p50s.push(p50);
            p99s.push(p99);
        }
        p50s.sort();
        p99s.sort();
        table.raw(
            format!("Watch, {n} watcher(s), {events} events 20 ms apart: ack → receipt"),
            format!(
                "p50 {}, p99 {}",
                fmt_dur(p50s[p50s.len() / 2]),
                fmt_dur(p99s[p99s.len() / 2])
            ),
        );
    }
    Ok(())
}

/// Opens `n` watch streams at the log's head, casts `events` ballots 20 ms
/// apart, and returns p50/p99 of acknowledgement → receipt.
async fn fan_out(world: &World, n: usize, events: usize) -> anyhow::Result<(Duration, Duration)> {
    let caster = world.client(0).await?;
    let head = last_seq(&caster, &world.coop).await?;
    let conns = {
        let mut v = vec![];
        for i in 0..n.div_ceil(200) {
            v.push(world.client(i).await?);
        }
        v
    };
    let receipts: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::new(Mutex::new(Vec::with_capacity(n * events)));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(n);
    let mut tasks = vec![];
    for i in 0..n {
        let mut audit = conns[i / 200].audit();
        let coop = world.coop.clone();
        let receipts = receipts.clone();
        let ready = ready_tx.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = audit
                .watch(pb::WatchRequest {
                    cooperation_id: coop,
                    after_seq: head,
                })
                .await?
                .into_inner();
            let _ = ready.send(()).await;
            let mut mine = Vec::with_capacity(events);
            while mine.len() < events {
                match stream.next().await {
                    Some(Ok(e)) => mine.push((e.seq, Instant::now())),
                    Some(Err(e)) => return Err(e.into()),
                    None => break,
                }
            }
            receipts.lock().await.extend(mine);
            anyhow::Ok(())
        }));
    }
    drop(ready_tx);
    for _ in 0..n {
        ready_rx.recv().await;
    }
    // Streams are open once their headers arrived; give the server a moment
    // to register them all.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut acks = vec![];
    let mut s = caster.sessions();
    for _ in 0..events {
        s.cast_ballot(yes_to_all(&world.round, std::slice::from_ref(&world.candidate)))
            .await?;
        acks.push(Instant::now());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .context("watchers did not receive every event within 60 s")???;
    }
    // Each ballot is one event: the k-th event after the head is the k-th ack.
    let receipts = receipts.lock().await;
    let mut seqs: Vec<u64> = receipts.iter().map(|(s, _)| *s).collect();
    seqs.sort();
    seqs.dedup();
    let index: HashMap<u64, usize> = seqs.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut delays: Vec<Duration> = receipts
        .iter()
        .filter_map(|(s, at)| acks.get(index[s]).map(|ack| at.saturating_duration_since(*ack)))
        .collect();
    delays.sort();
    let q = |p: usize| delays.get(delays.len() * p / 100).copied().unwrap_or_default();
    Ok((q(50), q(99)))
}

async fn last_seq(client: &Client, coop: &str) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut audit = client.audit();
    loop {
        let page = audit
            .list_events(pb::ListEventsRequest {
                cooperation_id: coop.into(),
                after_seq: after,
                page_size: 500,
                ..Default::default()
            })
            .await?
            .into_inner();
        match page.events.last() {
            Some(e) => after = e.seq,
            None => return Ok(after),
        }
        if page.next_page_token.is_empty() {
            return Ok(after);
        }
    }
}

// ---------------------------------------------------------------- anchors

/// A bare tonic server answering ListEvents with a fixed payload, accepting
/// connections with `TCP_NODELAY` as samprio does.
struct EchoServer {
    addr: String,
    payload: Arc<std::sync::Mutex<pb::ListEventsResponse>>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Echo(Arc<std::sync::Mutex<pb::ListEventsResponse>>);

#[tonic::async_trait]
impl samprio_proto::server::audit_service_server::AuditService for Echo {
    async fn list_events(
        &self,
        _: tonic::Request<pb::ListEventsRequest>,
    ) -> Result<tonic::Response<samprio_proto::reply::ListEventsResponse>, tonic::Status> {
        let payload = self.0.lock().expect("not poisoned").clone();
        Ok(tonic::Response::new(payload.into()))
    }
}

impl EchoServer {
    async fn start() -> anyhow::Result<EchoServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = format!("http://{}", listener.local_addr()?);
        let payload = Arc::new(std::sync::Mutex::new(pb::ListEventsResponse::default()));
        let svc = samprio_proto::server::audit_service_server::AuditServiceServer::new(Echo(payload.clone()));
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).map(|s| {
            s.inspect(|s| {
                let _ = s.set_nodelay(true);
            })
        });
        let task = tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming(incoming)
                .await;
        });
        Ok(EchoServer {
            addr,
            payload,
            _task: task,
        })
    }

    async fn measure(&self, bench: &Bench, workers: usize, size: usize) -> anyhow::Result<Run> {
        {
            let mut p = self.payload.lock().expect("not poisoned");
            p.next_page_token = "x".repeat(size.saturating_sub(4));
        }
        let mut conns = vec![];
        for _ in 0..workers.div_ceil(16) {
            conns.push(Client::connect(&self.addr, "").await?);
        }
        measure(bench, workers, None, move |w| {
            let mut audit = conns[w / 16].audit();
            async move {
                audit.list_events(pb::ListEventsRequest::default()).await?;
                Ok(())
            }
        })
        .await
    }
}

/// Connections of the PostgreSQL anchor's pool.
const ANCHOR_PG_CONNECTIONS: u32 = 64;

/// The storage engine alone, at samprio's durability.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

const DDL: &str = "CREATE TABLE load_anchor (id BIGINT NOT NULL, municipality TEXT NOT NULL, doc TEXT NOT NULL)";

impl Raw {
    async fn sqlite(path: &Path) -> anyhow::Result<Raw> {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
        pool.execute(DDL).await?;
        Ok(Raw::Sqlite(pool))
    }

    async fn postgres(url: &str) -> anyhow::Result<Raw> {
        // PostgreSQL allows 100 connections by default and the server under
        // test holds up to 16 of them: 98 writers share these 64.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(ANCHOR_PG_CONNECTIONS)
            .connect(url)
            .await?;
        pool.execute(DDL).await?;
        Ok(Raw::Pg(pool))
    }

    /// Rows per second with `writers` concurrent writers, each committing
    /// `rows` rows per transaction (one multi-row INSERT).
    async fn rate(&self, bench: &Bench, writers: usize, rows: usize) -> anyhow::Result<f64> {
        let sql = Arc::new(format!(
            "INSERT INTO load_anchor (id, municipality, doc) VALUES {}",
            (0..rows)
                .map(|i| format!("({i}, '1001', '{ROW}')"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let raw = Arc::new(match self {
            Raw::Sqlite(p) => Raw::Sqlite(p.clone()),
            Raw::Pg(p) => Raw::Pg(p.clone()),
        });
        let run = measure(bench, writers, None, move |_| {
            let raw = raw.clone();
            let sql = sql.clone();
            async move {
                match &*raw {
                    Raw::Sqlite(p) => {
                        let mut tx = p.begin().await?;
                        tx.execute(sql.as_str()).await?;
                        tx.commit().await?;
                    }
                    Raw::Pg(p) => {
                        let mut tx = p.begin().await?;
                        tx.execute(sql.as_str()).await?;
                        tx.commit().await?;
                    }
                }
                Ok(())
            }
        })
        .await?;
        Ok(run.rate * rows as f64)
    }
}

// ---------------------------------------------------------------- the table

#[derive(Default)]
struct Table {
    lines: Vec<String>,
}

impl Table {
    fn row(&mut self, what: String, run: &Run, anchor: Option<String>, ratio: String) {
        let cpu = run
            .cpu_per_call
            .map(|d| format!("{} µs", d.as_micros()))
            .unwrap_or_else(|| "–".into());
        self.lines.push(format!(
            "| {what} | {} | {} | {} | {cpu} |",
            fmt_run(run),
            anchor.unwrap_or_else(|| "–".into()),
            ratio,
        ));
    }

    fn raw(&mut self, what: String, value: String) {
        self.lines.push(format!("| {what} | {value} | – | – | – |"));
    }

    fn print(&self) {
        println!("| measurement | samprio | anchor | ratio | server CPU/call |");
        println!("| --- | --- | --- | --- | --- |");
        for l in &self.lines {
            println!("{l}");
        }
    }
}

fn fmt_run(r: &Run) -> String {
    format!("{:.0}/s, p50 {}, p99 {}", r.rate, fmt_dur(r.p50), fmt_dur(r.p99))
}

fn fmt_dur(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    }
}
