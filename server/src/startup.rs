//! Builds the server from its configuration; tests boot the same thing on
//! port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use samprio_proto::server::audit_service_server::AuditServiceServer;
use samprio_proto::server::cooperation_service_server::CooperationServiceServer;
use samprio_proto::server::follow_up_service_server::FollowUpServiceServer;
use samprio_proto::server::portfolio_service_server::PortfolioServiceServer;
use samprio_proto::server::priority_service_server::PriorityServiceServer;
use samprio_proto::server::proposal_service_server::ProposalServiceServer;
use samprio_proto::server::register_service_server::RegisterServiceServer;
use samprio_proto::server::session_service_server::SessionServiceServer;
use samprio_proto::v1::FILE_DESCRIPTOR_SET;
use tokio::net::TcpListener;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use crate::auth::{self, DevKeys, Verifier};
use crate::config::{Config, LimitsConfig, TlsConfig};
use crate::domain::read_model::Views;
use crate::domain::sessions::rounds;
use crate::domain::write::now_micros;
use crate::grpc;
use crate::net;
use crate::store::{self, Store};
use crate::web;

/// Pages of a list (ListProposals, ListEvents; up to a few hundred KB each)
/// kept at most, per list, while their cooperation's log has not moved.
const PAGES_KEPT: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Auth(#[from] auth::ConfigError),
    #[error("database {url}: {source}")]
    Store { url: String, source: store::StoreError },
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("server: {0}")]
    Serve(#[from] tonic::transport::Error),
    #[error("tls: {0}")]
    Tls(String),
    #[error("tls: cannot read {}: {source}", path.display())]
    TlsFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("web console: {0}")]
    Web(std::io::Error),
    #[error("web console: {0}")]
    Console(String),
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    metrics: Option<TcpListener>,
    limits: LimitsConfig,
    store: Arc<dyn Store>,
    verifier: Arc<Verifier>,
    dev: Option<Arc<DevKeys>>,
    deadline_poll: Duration,
    /// Follow-up: members silent this many days are flagged.
    stale_after_days: u32,
    /// Keep OpenID Connect issuers' keys fresh while the server runs.
    key_refreshers: Vec<tokio::task::JoinHandle<()>>,
    tls: Option<ServerTlsConfig>,
    web_listener: TcpListener,
    web_addr: SocketAddr,
    /// How people sign in to the console, and whether its cookies are `Secure`.
    sign_in: web::SignIn,
    secure_cookies: bool,
    kitos: crate::config::KitosSettings,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let dev = if config.dev_mode() {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| auth::ConfigError::DevKey {
                path: config.data_dir.clone(),
                reason: e.to_string(),
            })?;
            Some(Arc::new(DevKeys::load_or_create(
                &config.data_dir,
                &config.auth.audience,
                vec![],
            )?))
        } else {
            None
        };
        let verifier = Arc::new(Verifier::from_config_with_dev(&config.auth, dev.as_deref())?);
        let tls = config.tls.as_ref().map(server_tls).transpose()?;
        if let Some(tls) = &tls {
            // Builds the rustls configuration now, so a bad certificate or key
            // stops the start, not the first connection.
            Server::builder()
                .tls_config(tls.clone())
                .map_err(|e| StartupError::Tls(error_chain(&e)))?;
        }
        let key_refreshers = verifier.fetch_remote_keys().await;
        for (iss, error) in verifier.unreachable_issuers() {
            tracing::error!(issuer = %iss, %error, "identity provider not reachable at start-up; its tokens are refused until it answers");
        }
        let key_refreshers = key_refreshers.into_iter().map(tokio::spawn).collect();
        let store = store::connect(&config.database_url)
            .await
            .map_err(|source| StartupError::Store {
                url: redact_url(&config.database_url),
                source,
            })?;
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|source| StartupError::Listen {
                addr: config.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Listen {
            addr: config.listen.clone(),
            source,
        })?;
        let metrics = bind_metrics(config.metrics_listen.as_deref()).await?;
        let web_listen = |source| StartupError::Listen {
            addr: config.web_listen.clone(),
            source,
        };
        let web_listener = TcpListener::bind(&config.web_listen).await.map_err(web_listen)?;
        let web_addr = web_listener.local_addr().map_err(web_listen)?;
        tracing::info!(%addr, engine = store.engine(), dev_mode = dev.is_some(), tls = tls.is_some(), "samprio-server ready");
        let public_url = config
            .console
            .public_url
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("http://{web_addr}"));
        let secure_cookies = public_url.starts_with("https://");
        let sign_in = match (&dev, &config.console.oidc) {
            (Some(keys), _) => web::SignIn::Dev(keys.clone()),
            (None, Some(oidc)) => {
                if !config.auth.issuers.iter().any(|i| i.iss == oidc.issuer) {
                    return Err(StartupError::Console(format!(
                        "console.oidc.issuer {} is not one of auth.issuers, so its tokens would be refused",
                        oidc.issuer
                    )));
                }
                web::SignIn::Oidc(Arc::new(
                    web::oidc::OidcClient::new(oidc, &public_url).map_err(StartupError::Console)?,
                ))
            }
            (None, None) => web::SignIn::Unavailable,
        };
        tracing::info!("web console at {public_url}/");
        Ok(Application {
            listener,
            addr,
            metrics,
            limits: config.limits.clone(),
            store,
            verifier,
            dev,
            deadline_poll: Duration::from_millis(config.deadline_poll_ms.max(1)),
            kitos: config.kitos.clone(),
            stale_after_days: config.follow_up.stale_after_days,
            key_refreshers,
            tls,
            web_listener,
            web_addr,
            sign_in,
            secure_cookies,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Where the web console listens.
    pub fn web_addr(&self) -> SocketAddr {
        self.web_addr
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The dev-mode token minter, when dev mode is on.
    pub fn dev_keys(&self) -> Option<&DevKeys> {
        self.dev.as_deref()
    }

    /// Serves until `shutdown` resolves, then drains in-flight calls.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), StartupError> {
        let store = self.store.clone();

        let (health_reporter, health) = tonic_health::server::health_reporter();
        health_reporter
            .set_serving::<CooperationServiceServer<grpc::cooperation::Cooperations>>()
            .await;
        health_reporter
            .set_serving::<ProposalServiceServer<grpc::proposal::Proposals>>()
            .await;
        health_reporter
            .set_serving::<SessionServiceServer<grpc::session::Sessions>>()
            .await;
        health_reporter
            .set_serving::<PriorityServiceServer<grpc::priority::Priorities>>()
            .await;
        health_reporter
            .set_serving::<AuditServiceServer<grpc::audit::Audit>>()
            .await;
        health_reporter
            .set_serving::<FollowUpServiceServer<grpc::follow_up::FollowUp>>()
            .await;
        health_reporter
            .set_serving::<RegisterServiceServer<grpc::register::Register>>()
            .await;
        health_reporter
            .set_serving::<PortfolioServiceServer<grpc::portfolio::Portfolios>>()
            .await;
        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;

        let key_refreshers = self.key_refreshers;
        let deadlines = tokio::spawn(close_rounds_at_deadline(store.clone(), self.deadline_poll));
        let probe = tokio::spawn(report_database_health(store.clone(), health_reporter.clone()));
        let identity_probe = tokio::spawn(report_identity_health(self.verifier.clone(), health_reporter.clone()));
        let metrics = self.metrics.map(|l| tokio::spawn(serve_metrics(l, store.clone())));
        // One shutdown for both front doors.
        let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            shutdown.await;
            let _ = stopping_tx.send(true);
        };
        let until_stopped = {
            let stopping = stopping.clone();
            move || {
                let mut stopping = stopping.clone();
                async move {
                    let _ = stopping.wait_for(|s| *s).await;
                }
            }
        };
        let console = web::Web {
            store: store.clone(),
            verifier: self.verifier.clone(),
            sign_in: self.sign_in.clone(),
            secure_cookies: self.secure_cookies,
            stopping: stopping.clone(),
            overviews: Default::default(),
            opportunities: Default::default(),
            stale_after_days: self.stale_after_days,
            events: crate::domain::fanout::Fanout::new(store.clone(), |e, redacted| (e, redacted)),
        };
        let web_server = tokio::spawn(web::serve(self.web_listener, console, until_stopped()));
        let limits = self.limits.clone();
        let max_message = limits.max_message_bytes;
        let v = &self.verifier;
        let mut builder = Server::builder();
        if let Some(tls) = self.tls {
            builder = builder.tls_config(tls)?;
        }
        let serve = limited(builder, &limits)
            .trace_fn(|req| {
                tracing::info_span!(
                    "grpc",
                    method = %req.uri().path(),
                    sub = tracing::field::Empty,
                    municipality = tracing::field::Empty
                )
            })
            .add_service(health)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(auth::Authenticated::new(
                CooperationServiceServer::new(grpc::cooperation::Cooperations { store: store.clone() })
                    .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                ProposalServiceServer::new(grpc::proposal::Proposals {
                    store: store.clone(),
                    pages: Views::with_capacity(PAGES_KEPT),
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                SessionServiceServer::new(grpc::session::Sessions {
                    store: store.clone(),
                    stale_after_days: self.stale_after_days,
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                PriorityServiceServer::new(grpc::priority::Priorities {
                    store: store.clone(),
                    overviews: Default::default(),
                    lists: Default::default(),
                    effective: Default::default(),
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                AuditServiceServer::new(grpc::audit::Audit {
                    store: store.clone(),
                    fanout: grpc::audit::fanout(store.clone()),
                    stopping: stopping.clone(),
                    pages: Views::with_capacity(PAGES_KEPT),
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                RegisterServiceServer::new(grpc::register::Register).max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                PortfolioServiceServer::new(grpc::portfolio::Portfolios {
                    store: store.clone(),
                    kitos: self.kitos.clone(),
                    clients: Default::default(),
                    opportunities: Default::default(),
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .add_service(auth::Authenticated::new(
                FollowUpServiceServer::new(grpc::follow_up::FollowUp {
                    store: store.clone(),
                    stale_after_days: self.stale_after_days,
                })
                .max_decoding_message_size(max_message),
                v.clone(),
            ))
            .serve_with_incoming_shutdown(net::incoming(self.listener, connection_limits(&limits)), shutdown);
        let result = with_grace(serve, stopping, Duration::from_millis(limits.shutdown_grace_ms)).await;
        deadlines.abort();
        probe.abort();
        identity_probe.abort();
        if let Some(m) = metrics {
            m.abort();
        }
        for task in &key_refreshers {
            task.abort();
        }
        // The console's open requests had the same grace period as gRPC's.
        let web_result = match tokio::time::timeout(Duration::from_secs(1), web_server).await {
            Ok(joined) => joined,
            Err(_) => Ok(Ok(())),
        };
        tracing::info!("samprio-server stopped");
        result?;
        match web_result {
            Ok(r) => r.map_err(StartupError::Web),
            Err(join) => Err(StartupError::Web(std::io::Error::other(join))),
        }
    }
}

/// Health says NOT_SERVING while the database is unreachable (DESIGN.md §9):
/// a light read every second decides.
async fn report_database_health(store: Arc<dyn Store>, reporter: tonic_health::server::HealthReporter) {
    let probe = || async {
        let probe = async {
            let mut tx = store.begin_read().await?;
            tx.last_event().await
        };
        match tokio::time::timeout(Duration::from_secs(5), probe).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) if e.is_unavailable() => false,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health probe failed");
                true
            }
            Err(_) => false,
        }
    };
    let services = [
        "",
        "samprio.v1.CooperationService",
        "samprio.v1.ProposalService",
        "samprio.v1.SessionService",
        "samprio.v1.PriorityService",
        "samprio.v1.AuditService",
        "samprio.v1.PortfolioService",
        "samprio.v1.FollowUpService",
    ];
    // The server starts SERVING: only a change is worth a line.
    report_health_changes(probe, Some(true), &reporter, &services, |ok, _| {
        if ok {
            tracing::info!("database reachable again: SERVING");
        } else {
            tracing::error!("database unreachable: NOT_SERVING");
        }
    })
    .await
}

/// Asks `probe` once a second whether all is well and, when the answer
/// differs from the last one reported (`reported` before the first; `None`
/// reports the first answer too), says so in the log (`say`, told whether
/// this is the first report) and sets `services` SERVING or NOT_SERVING.
async fn report_health_changes<F: std::future::Future<Output = bool>>(
    mut probe: impl FnMut() -> F,
    mut reported: Option<bool>,
    reporter: &tonic_health::server::HealthReporter,
    services: &[&str],
    mut say: impl FnMut(bool, bool),
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ok = probe().await;
        if reported == Some(ok) {
            continue;
        }
        say(ok, reported.is_none());
        reported = Some(ok);
        let status = if ok {
            tonic_health::ServingStatus::Serving
        } else {
            tonic_health::ServingStatus::NotServing
        };
        for name in services {
            reporter.set_service_status(name, status).await;
        }
    }
}

/// The health service name that says whether every OpenID Connect provider
/// answered its last key fetch. The server as a whole (`""`) stays SERVING
/// while a provider is down, since cached keys keep verifying (DESIGN.md §3);
/// this name is NOT_SERVING until the provider answers again, so a probe or
/// an operator sees what is wrong.
pub const IDENTITY_HEALTH: &str = "samprio.identity";

async fn report_identity_health(verifier: Arc<Verifier>, reporter: tonic_health::server::HealthReporter) {
    let probe = || std::future::ready(verifier.unreachable_issuers().is_empty());
    report_health_changes(probe, None, &reporter, &[IDENTITY_HEALTH], |ok, first| {
        if ok {
            if !first {
                tracing::info!("every identity provider reachable again: {IDENTITY_HEALTH} SERVING");
            }
            return;
        }
        for (issuer, error) in &verifier.unreachable_issuers() {
            tracing::error!(%issuer, %error, "identity provider unreachable: {IDENTITY_HEALTH} NOT_SERVING");
        }
    })
    .await
}

/// Closes rounds whose deadline has passed, whether or not anyone calls
/// (DESIGN.md §4). Every server process runs this; on PostgreSQL they race
/// harmlessly, since a round is closed under the write lock and a closed
/// round is skipped.
async fn close_rounds_at_deadline(store: Arc<dyn Store>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match rounds::close_due(&*store, now_micros()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "closed rounds at their deadline"),
            Err(e) => tracing::warn!(error = %e, "closing rounds at their deadline failed; will retry"),
        }
    }
}

/// Reads the certificate, key and client CA once at start-up, so a missing
/// file is a start-up error naming it; rustls checks the contents when the
/// server starts serving.
fn server_tls(cfg: &TlsConfig) -> Result<ServerTlsConfig, StartupError> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|source| StartupError::TlsFile {
            path: path.to_owned(),
            source,
        })
    };
    let mut tls = ServerTlsConfig::new().identity(Identity::from_pem(read(&cfg.cert_file)?, read(&cfg.key_file)?));
    if let Some(ca) = &cfg.client_ca_file {
        tls = tls.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(tls)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// The server's connection and stream limits, and HTTP/2 windows large
/// enough that a list response (a page of 100 proposals is ~25 KB, the
/// effective list more) is sent without waiting for a window update.
fn limited(
    server: Server,
    limits: &LimitsConfig,
) -> Server<tower::layer::util::Stack<grpc::calls::CallsLayer, tower::layer::util::Identity>> {
    server
        .max_concurrent_streams(limits.max_concurrent_streams)
        .initial_stream_window_size(1024 * 1024)
        .initial_connection_window_size(8 * 1024 * 1024)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .layer(grpc::calls::CallsLayer)
}

fn connection_limits(limits: &LimitsConfig) -> net::Limits {
    net::Limits {
        max_connections: limits.max_connections,
        handshake_timeout: Duration::from_millis(limits.handshake_timeout_ms),
        idle_timeout: Duration::from_millis(limits.idle_timeout_ms),
    }
}

/// Runs the server; once shutdown has begun (`stopping`), waits at most
/// `grace` for open calls before returning anyway.
async fn with_grace<E>(
    serve: impl Future<Output = Result<(), E>>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    grace: Duration,
) -> Result<(), E> {
    let deadline = async move {
        let _ = stopping.wait_for(|s| *s).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        r = serve => r,
        _ = deadline => {
            tracing::warn!(grace_ms = grace.as_millis() as u64, "calls still open after the grace period; stopping anyway");
            Ok(())
        }
    }
}

async fn bind_metrics(addr: Option<&str>) -> Result<Option<TcpListener>, StartupError> {
    let Some(addr) = addr else { return Ok(None) };
    let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Listen {
        addr: addr.to_string(),
        source,
    })?;
    if let Ok(a) = listener.local_addr() {
        tracing::info!(addr = %a, "metrics at /metrics");
    }
    Ok(Some(listener))
}

async fn serve_metrics(listener: TcpListener, store: Arc<dyn Store>) {
    if let Err(e) = axum::serve(listener, crate::metrics::router(store)).await {
        tracing::error!(error = %e, "metrics server failed");
    }
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
