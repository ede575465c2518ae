//! The end-to-end harness: `spawn_app(engine)` boots the real server on
//! 127.0.0.1:0 with a fresh database (a temporary SQLite file, or a new
//! PostgreSQL database) and two trusted test issuers, and hands back clients
//! acting as any municipality and roles.
//!
//! PostgreSQL runs when `SAMPRIO_TEST_POSTGRES_URL` names a server
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its
//! own database `samprio_t_…` there. Without it (at build time, see build.rs)
//! the PostgreSQL tests are listed as ignored with that hint.

pub mod oidc;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use samprio_client::{Client, pb};
use samprio_server::auth::{Algorithm, AuthConfig, IssuerConfig, Role, TokenMinter};
use samprio_server::config::Config;
use samprio_server::startup::Application;
use samprio_server::store::Store;
use tokio::sync::oneshot;

pub mod browser;
pub mod http;

pub use samprio_client;
pub use samprio_server;

/// Municipalities the first test issuer may vouch for.
pub const MUNICIPALITIES: [&str; 6] = ["0101", "0147", "0151", "0153", "0155", "0157"];
/// The only municipality the second issuer may vouch for.
pub const OTHER_ISSUER_MUNICIPALITY: &str = "0860";
pub const AUDIENCE: &str = "samprio-test";
pub const COOP: &str = "kombit-test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestKey {
    pub private_pem: String,
    pub public_pem: String,
}

/// A fresh Ed25519 key pair.
pub fn ed25519_key() -> TestKey {
    use ed25519_dalek::SigningKey;
    use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).expect("os randomness");
    let key = SigningKey::from_bytes(&secret);
    TestKey {
        private_pem: key.to_pkcs8_pem(LineEnding::LF).expect("pkcs8").to_string(),
        public_pem: key.verifying_key().to_public_key_pem(LineEnding::LF).expect("spki"),
    }
}

pub struct TestApp {
    pub addr: String,
    /// Where `/metrics` is served, when the configuration asks for it.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// The web console's base URL, e.g. `http://127.0.0.1:43210`.
    pub web: String,
    pub database_url: String,
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    /// Signs for issuer A (MUNICIPALITIES).
    pub issuer_a: TokenMinter,
    pub key_a: TestKey,
    /// Signs for issuer B (OTHER_ISSUER_MUNICIPALITY).
    pub issuer_b: TokenMinter,
    anonymous: Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

pub const ISSUER_A: &str = "https://idp-a.test";
pub const ISSUER_B: &str = "https://idp-b.test";

/// Where PostgreSQL tests run, if anywhere. Panics when PostgreSQL is required
/// but not configured.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("SAMPRIO_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("SAMPRIO_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("SAMPRIO_REQUIRE_POSTGRES=1 but SAMPRIO_TEST_POSTGRES_URL is not set");
            }
            None
        }
    }
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_postgres_db(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("samprio_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to SAMPRIO_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
    format!("{base}/{name}")
}

impl TestApp {
    /// Boots a server on a fresh database of `engine`; `None` when the engine
    /// is PostgreSQL and no test server is configured (the test is skipped).
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match engine {
            Engine::Sqlite => format!("sqlite://{}", dir.path().join("samprio.db").display()),
            Engine::Postgres => match postgres_admin_url() {
                Some(admin) => fresh_postgres_db(&admin).await,
                None => {
                    eprintln!(
                        "note: PostgreSQL suite NOT run: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
                    );
                    return None;
                }
            },
        };
        Some(Self::spawn_on(engine, database_url, dir, tweak).await)
    }

    /// Boots another server process-equivalent on an existing database.
    pub async fn spawn_on(
        engine: Engine,
        database_url: String,
        dir: tempfile::TempDir,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let key_a = ed25519_key();
        let key_b = ed25519_key();
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            web_listen: "127.0.0.1:0".into(),
            database_url: database_url.clone(),
            data_dir: dir.path().to_path_buf(),
            dev_mode: Some(false),
            deadline_poll_ms: 50,
            auth: AuthConfig {
                audience: AUDIENCE.into(),
                leeway_secs: 5,
                issuers: vec![
                    IssuerConfig {
                        iss: ISSUER_A.into(),
                        algorithm: Algorithm::EdDSA,
                        public_key_pem: Some(key_a.public_pem.clone()),
                        public_key_file: None,
                        jwks_file: None,
                        municipalities: MUNICIPALITIES.iter().map(|s| s.to_string()).collect(),
                        ..IssuerConfig::default()
                    },
                    IssuerConfig {
                        iss: ISSUER_B.into(),
                        algorithm: Algorithm::EdDSA,
                        public_key_pem: Some(key_b.public_pem.clone()),
                        public_key_file: None,
                        jwks_file: None,
                        municipalities: vec![OTHER_ISSUER_MUNICIPALITY.into()],
                        ..IssuerConfig::default()
                    },
                ],
            },
            ..Config::default()
        };
        tweak(&mut config);
        // A TLS server is reached by the name in its test certificate.
        let test_ca = config.tls.as_ref().map(|t| {
            std::fs::read(t.cert_file.with_file_name(tls::CA_FILE)).expect("the test CA beside the certificate")
        });
        let app = Application::build(config).await.expect("server starts");
        let addr = match test_ca {
            Some(_) => format!("https://localhost:{}", app.local_addr().port()),
            None => format!("http://{}", app.local_addr()),
        };
        let metrics_addr = app.metrics_addr();
        let web = format!("http://{}", app.web_addr());
        let store = app.store();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        let anonymous = connect_with_ca(&addr, test_ca.as_deref()).await;
        let issuer_a =
            TokenMinter::new(ISSUER_A, AUDIENCE, Algorithm::EdDSA, key_a.private_pem.as_bytes(), None).expect("minter");
        let issuer_b =
            TokenMinter::new(ISSUER_B, AUDIENCE, Algorithm::EdDSA, key_b.private_pem.as_bytes(), None).expect("minter");
        TestApp {
            addr,
            metrics_addr,
            web,
            database_url,
            engine,
            store,
            issuer_a,
            key_a,
            issuer_b,
            anonymous,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    /// A valid token for `municipality` with `roles` ("board",
    /// "chair:kombit-test", …), from whichever issuer vouches for it.
    pub fn token(&self, municipality: &str, roles: &[&str]) -> String {
        self.token_named(municipality, roles, None)
    }

    /// As [`TestApp::token`], carrying the person's display name in `name`.
    pub fn token_named(&self, municipality: &str, roles: &[&str], name: Option<&str>) -> String {
        let roles: Vec<Role> = roles.iter().map(|r| r.parse().expect("known role")).collect();
        let minter = if municipality == OTHER_ISSUER_MUNICIPALITY {
            &self.issuer_b
        } else {
            &self.issuer_a
        };
        let sub = format!(
            "user-{municipality}-{}",
            roles.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("+")
        );
        minter.mint_named(&sub, name, municipality, &roles, Duration::from_secs(600))
    }

    /// A client acting as the person `name` of `municipality` with `roles`.
    pub fn as_named(&self, municipality: &str, roles: &[&str], name: &str) -> Client {
        self.anonymous
            .as_token(&self.token_named(municipality, roles, Some(name)))
            .expect("token header")
    }

    /// A client acting as `municipality` with `roles`.
    pub fn as_(&self, municipality: &str, roles: &[&str]) -> Client {
        self.anonymous
            .as_token(&self.token(municipality, roles))
            .expect("token header")
    }

    /// A client with this exact token.
    pub fn with_token(&self, token: &str) -> Client {
        self.anonymous.as_token(token).expect("token header")
    }

    pub fn anonymous(&self) -> Client {
        self.anonymous.clone()
    }

    pub fn operator(&self) -> Client {
        self.as_("0101", &["operator"])
    }

    pub fn secretariat(&self) -> Client {
        self.as_("0101", &[&format!("secretariat:{COOP}")])
    }

    pub fn chair(&self) -> Client {
        self.as_("0101", &[&format!("chair:{COOP}")])
    }

    /// Creates the cooperation `COOP` with the given members (code, name,
    /// population, custom weight).
    pub async fn seed(&self, rules: pb::CooperationRules, members: &[(&str, &str, i64, Option<i64>)]) {
        self.operator()
            .cooperations()
            .create_cooperation(pb::CreateCooperationRequest {
                id: COOP.into(),
                name: "Test cooperation".into(),
                rules: Some(rules),
                ..Default::default()
            })
            .await
            .expect("create cooperation");
        let mut s = self.secretariat().cooperations();
        for (code, name, population, weight) in members {
            s.add_member(pb::AddMemberRequest {
                cooperation_id: COOP.into(),
                code: code.to_string(),
                name: name.to_string(),
                population: Some(*population),
                custom_weight: *weight,
                ..Default::default()
            })
            .await
            .expect("add member");
        }
    }

    /// The cooperation with five members of differing populations.
    pub async fn seed_default(&self) {
        self.seed(
            pb::CooperationRules {
                default_weighting: pb::Weighting::Equal as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            },
            &[
                ("0101", "København", 660_000, Some(40)),
                ("0147", "Frederiksberg", 104_000, Some(10)),
                ("0151", "Ballerup", 49_000, Some(20)),
                ("0153", "Brøndby", 39_000, Some(15)),
                ("0155", "Dragør", 14_000, Some(15)),
            ],
        )
        .await;
    }

    /// Drafts and submits a proposal sponsored by `municipality`.
    pub async fn submitted_proposal(
        &self,
        municipality: &str,
        title: &str,
        one_time_cost: i64,
        involves_ai: bool,
    ) -> pb::Proposal {
        let lead = self.as_(municipality, &["digital_lead"]);
        submit_proposal(&lead, title, one_time_cost, involves_ai).await
    }

    /// Number of events in the whole log.
    pub async fn event_count(&self) -> usize {
        let mut tx = self.store.begin_read().await.expect("read");
        tx.list_events(None, 0, 1_000_000).await.expect("events").len()
    }

    /// Stops the server and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn connect(addr: &str) -> Client {
    connect_with_ca(addr, None).await
}

pub async fn connect_with_ca(addr: &str, ca_pem: Option<&[u8]>) -> Client {
    for _ in 0..50 {
        if let Ok(c) = Client::connect_with_ca(addr, "", ca_pem).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server at {addr} does not accept connections");
}

pub fn content(title: &str, one_time_cost: i64, involves_ai: bool) -> pb::ProposalContent {
    pb::ProposalContent {
        title: title.into(),
        summary: format!("Summary of {title}"),
        category: if involves_ai {
            pb::Category::AiUse
        } else {
            pb::Category::NewSystem
        } as i32,
        flags: Some(pb::ProposalFlags {
            involves_ai,
            ..Default::default()
        }),
        one_time_cost_dkk: one_time_cost,
        yearly_cost_dkk: one_time_cost / 10,
        linked_systems: vec!["ESDH".into()],
    }
}

/// A `Watch` stream of the test cooperation from `after_seq`.
pub async fn watch(client: &Client, after_seq: u64) -> tonic::Streaming<pb::Event> {
    client
        .audit()
        .watch(pb::WatchRequest {
            cooperation_id: COOP.into(),
            after_seq,
        })
        .await
        .expect("watch")
        .into_inner()
}

/// The field names of an INVALID_ARGUMENT status's violations.
pub fn violated_fields(s: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    s.get_details_bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// Runs each named `async fn(TestApp)` against SQLite and against PostgreSQL,
/// as the tests `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! e2e {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::TestApp::spawn($crate::Engine::Sqlite).await.expect("sqlite")).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(samprio_pg), ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it")]
                async fn postgres() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Engine::Postgres).await {
                        super::$name(app).await
                    }
                }
            }
        )+
    };
}

/// `n` municipality codes for load tests: "1001", "1002", …
pub fn load_codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{}", 1001 + i)).collect()
}

impl TestApp {
    /// A server whose issuer A also vouches for `load_codes(n)`.
    pub async fn spawn_for_load(engine: Engine, n: usize) -> Option<TestApp> {
        Self::spawn_with(engine, |c| c.auth.issuers[0].municipalities.extend(load_codes(n))).await
    }

    /// A cooperation of `load_codes(n)` with an open YES_NO round on one
    /// submitted proposal: returns the round id.
    pub async fn ballot_box(&self, n: usize) -> String {
        let codes = load_codes(n);
        let members: Vec<(&str, &str, i64, Option<i64>)> =
            codes.iter().map(|c| (c.as_str(), "Kommune", 10_000, None)).collect();
        self.seed(
            pb::CooperationRules {
                default_weighting: pb::Weighting::Equal as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            },
            &members,
        )
        .await;
        let p = self
            .submitted_proposal(&codes[0], "Fælles borgerportal", 1_000_000, false)
            .await;
        let s = open_session(&self.chair(), "Load", std::slice::from_ref(&p.id)).await;
        self.chair()
            .sessions()
            .open_round(pb::OpenRoundRequest {
                session_id: s.id,
                title: "Load round".into(),
                method: pb::Method::YesNo as i32,
                candidates: vec![p.id.clone()],
                ..Default::default()
            })
            .await
            .expect("open round")
            .into_inner()
            .id
    }
}

/// Drafts and submits a proposal to the test cooperation as `lead`, a
/// digital lead of its sponsoring municipality.
pub async fn submit_proposal(lead: &Client, title: &str, one_time_cost: i64, involves_ai: bool) -> pb::Proposal {
    submit_content(lead, content(title, one_time_cost, involves_ai)).await
}

/// Drafts a proposal of `content` to the test cooperation as `lead` and
/// submits it.
pub async fn submit_content(lead: &Client, content: pb::ProposalContent) -> pb::Proposal {
    let mut p = lead.proposals();
    let draft = p
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content),
            request_id: String::new(),
        })
        .await
        .expect("create proposal")
        .into_inner();
    p.submit_proposal(pb::SubmitProposalRequest {
        id: draft.id,
        etag: draft.etag,
        request_id: String::new(),
    })
    .await
    .expect("submit proposal")
    .into_inner()
}

/// Creates and opens a session of the test cooperation as `chair`, with
/// `agenda` (proposal ids); the opened session.
pub async fn open_session(chair: &Client, title: &str, agenda: &[String]) -> pb::Session {
    let s = chair
        .sessions()
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: title.into(),
            agenda: agenda.to_vec(),
            ..Default::default()
        })
        .await
        .expect("create session")
        .into_inner();
    start_session(chair, s.id).await
}

/// Opens the created session `id` as `chair`; the opened session.
pub async fn start_session(chair: &Client, id: String) -> pb::Session {
    chair
        .sessions()
        .open_session(pb::OpenSessionRequest {
            id,
            request_id: String::new(),
        })
        .await
        .expect("open session")
        .into_inner()
}

/// A YES_NO ballot on every candidate of a one-candidate round.
pub fn yes_ballot(round: &str, candidate: &str, request_id: String) -> pb::CastBallotRequest {
    pb::CastBallotRequest {
        round_id: round.into(),
        content: Some(pb::BallotContent {
            kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
                choices: vec![pb::YesNoChoice {
                    candidate_id: candidate.into(),
                    choice: pb::Choice::Yes as i32,
                }],
            })),
        }),
        request_id,
    }
}

/// A `samprio-server` running as its own OS process (for scale-out and crash
/// tests). Killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub addr: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `binary` with the configuration file and waits for its "ready"
    /// log line, which carries the address it listens on.
    pub fn start(binary: &std::path::Path, config: &std::path::Path) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(binary)
            .env("SAMPRIO_CONFIG", config)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start samprio-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before it was ready")
                .expect("log line");
            log.lock().unwrap().push(line.clone());
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["fields"]["message"] == "samprio-server ready" {
                break format!("http://{}", v["fields"]["addr"].as_str().expect("addr"));
            }
        };
        // Keep reading the log so the server never blocks on a full pipe.
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().unwrap().push(line);
            }
        });
        ServerProcess { child, addr, log }
    }

    /// The log lines the process has written to stdout so far (JSON, one
    /// object a line).
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits up to `limit` for a log line that `matches`; the line parsed.
    pub fn wait_for_log(
        &self,
        limit: Duration,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<serde_json::Value> {
        let until = std::time::Instant::now() + limit;
        loop {
            let found = self
                .log_lines()
                .iter()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|v| matches(v));
            if found.is_some() || std::time::Instant::now() > until {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Asks the process to stop (SIGTERM), as an operator or orchestrator does.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `limit` for the process to exit; its status, or `None` if
    /// it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if std::time::Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process abruptly (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Writes a server configuration file: JSON logs, port 0, the database, and
/// issuer A (`public_pem`) trusted for `municipalities`; `extra` adds
/// top-level settings (TOML lines).
pub fn write_config(
    dir: &std::path::Path,
    database_url: &str,
    public_pem: &str,
    municipalities: &[String],
    extra: &str,
) -> std::path::PathBuf {
    let path = dir.join("samprio.toml");
    let list: Vec<String> = municipalities.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:0\"\nweb_listen = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\nlog_format = \"json\"\ndata_dir = \"{}\"\ndev_mode = false\n{extra}\n\
             [auth]\naudience = \"{AUDIENCE}\"\n\n[[auth.issuers]]\niss = \"{ISSUER_A}\"\nalgorithm = \"EdDSA\"\n\
             public_key_pem = \"\"\"\n{public_pem}\"\"\"\nmunicipalities = [{}]\n",
            dir.display(),
            list.join(", ")
        ),
    )
    .expect("write config");
    path
}

impl TestApp {
    /// For a `samprio-server` process on this app's database: a configuration
    /// file in `dir` trusting issuer A for `municipalities` (`extra` as in
    /// [`write_config`]), and a minter of issuer A's tokens that outlives the
    /// app (stop the app before starting the process on SQLite).
    pub fn process_config(
        &self,
        dir: &std::path::Path,
        municipalities: &[String],
        extra: &str,
    ) -> (std::path::PathBuf, TokenMinter) {
        let minter = TokenMinter::new(
            ISSUER_A,
            AUDIENCE,
            Algorithm::EdDSA,
            self.key_a.private_pem.as_bytes(),
            None,
        )
        .expect("minter");
        let config = write_config(dir, &self.database_url, &self.key_a.public_pem, municipalities, extra);
        (config, minter)
    }
}

/// Recomputes the event log's hash chain through `client`'s server.
pub async fn verify_chain(client: &Client) -> pb::VerifyChainResponse {
    client
        .audit()
        .verify_chain(pb::VerifyChainRequest {})
        .await
        .expect("VerifyChain")
        .into_inner()
}

impl TestApp {
    /// VerifyChain as the operator.
    pub async fn verify_chain(&self) -> pb::VerifyChainResponse {
        verify_chain(&self.operator()).await
    }
}

/// Sends raw bytes as the request message of a method, the way a broken or
/// hostile client might; the response message is skipped.
pub async fn raw_call(
    channel: tonic::transport::Channel,
    token: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<(), tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let mut req = tonic::Request::new(body);
    req.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().expect("ascii token"));
    let path = ::http::uri::PathAndQuery::try_from(path).expect("a method path");
    grpc.unary(req, path, RawCodec).await.map(|_| ())
}

/// Bytes out as they are; whatever comes back is skipped.
#[derive(Clone, Default)]
struct RawCodec;

struct RawEncoder;
struct SkipDecoder;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = RawEncoder;
    type Decoder = SkipDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> SkipDecoder {
        SkipDecoder
    }
}

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for SkipDecoder {
    type Item = ();
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
        use bytes::Buf;
        buf.advance(buf.remaining());
        Ok(Some(()))
    }
}

impl TestApp {
    /// A session in which the five members of `seed_default` cast `content`
    /// as their boards in one round of `method` over `candidates`, which
    /// closing the session decides: the shared list takes the result as a
    /// new revision.
    pub async fn decided_round(
        &self,
        title: &str,
        method: pb::Method,
        candidates: &[String],
        content: pb::BallotContent,
    ) {
        let session = open_session(&self.chair(), title, &[]).await.id;
        let mut chair = self.chair().sessions();
        let round = chair
            .open_round(pb::OpenRoundRequest {
                session_id: session.clone(),
                title: title.into(),
                method: method as i32,
                candidates: candidates.to_vec(),
                ..Default::default()
            })
            .await
            .expect("open round")
            .into_inner();
        for m in ["0101", "0147", "0151", "0153", "0155"] {
            self.as_(m, &["board"])
                .sessions()
                .cast_ballot(pb::CastBallotRequest {
                    round_id: round.id.clone(),
                    content: Some(content.clone()),
                    request_id: String::new(),
                })
                .await
                .unwrap_or_else(|e| panic!("{m} casts: {e:?}"));
        }
        chair
            .close_session(pb::CloseSessionRequest {
                id: session,
                request_id: String::new(),
            })
            .await
            .expect("close session");
    }
}

/// A YES_NO ballot with YES on every one of `ids`.
pub fn all_yes(ids: &[String]) -> pb::BallotContent {
    pb::BallotContent {
        kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
            choices: ids
                .iter()
                .map(|id| pb::YesNoChoice {
                    candidate_id: id.clone(),
                    choice: pb::Choice::Yes as i32,
                })
                .collect(),
        })),
    }
}

/// A BORDA ballot ranking `ids` in this order.
pub fn ranking(ids: &[String]) -> pb::BallotContent {
    pb::BallotContent {
        kind: Some(pb::ballot_content::Kind::Ranking(pb::RankingBallot {
            ranking: ids.to_vec(),
        })),
    }
}
