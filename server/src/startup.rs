//! Builds the server from its configuration; tests boot the same thing on
//! port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use samprio_proto::v1::FILE_DESCRIPTOR_SET;
use samprio_proto::v1::audit_service_server::AuditServiceServer;
use samprio_proto::v1::cooperation_service_server::CooperationServiceServer;
use samprio_proto::v1::priority_service_server::PriorityServiceServer;
use samprio_proto::v1::proposal_service_server::ProposalServiceServer;
use samprio_proto::v1::session_service_server::SessionServiceServer;
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;

use crate::auth::{self, DevKeys, Verifier};
use crate::config::Config;
use crate::domain::sessions::rounds;
use crate::domain::write::now_micros;
use crate::grpc;
use crate::store::{self, Store};
use crate::web;

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
    #[error("web console: {0}")]
    Web(std::io::Error),
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    store: Arc<dyn Store>,
    verifier: Arc<Verifier>,
    dev: Option<Arc<DevKeys>>,
    deadline_poll: Duration,
    web_listener: TcpListener,
    web_addr: SocketAddr,
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
        let web_listen = |source| StartupError::Listen {
            addr: config.web_listen.clone(),
            source,
        };
        let web_listener = TcpListener::bind(&config.web_listen).await.map_err(web_listen)?;
        let web_addr = web_listener.local_addr().map_err(web_listen)?;
        tracing::info!(%addr, engine = store.engine(), dev_mode = dev.is_some(), "samprio-server ready");
        tracing::info!("web console at http://{web_addr}/");
        Ok(Application {
            listener,
            addr,
            store,
            verifier,
            dev,
            deadline_poll: Duration::from_millis(config.deadline_poll_ms.max(1)),
            web_listener,
            web_addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
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
        let authed = |v: &Arc<Verifier>| auth::interceptor(v.clone());

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
        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;

        let deadlines = tokio::spawn(close_rounds_at_deadline(store.clone(), self.deadline_poll));
        // One shutdown for both front doors.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = move || {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            }
        };
        let shutdown = {
            let grpc_stopped = until_stopped();
            async move {
                shutdown.await;
                let _ = stop.send(true);
                grpc_stopped.await;
            }
        };
        let console = web::Web {
            store: store.clone(),
            verifier: self.verifier.clone(),
            sign_in: match &self.dev {
                Some(keys) => web::SignIn::Dev(keys.clone()),
                None => web::SignIn::Unavailable,
            },
            secure_cookies: false,
        };
        let web_server = tokio::spawn(web::serve(self.web_listener, console, until_stopped()));
        let v = &self.verifier;
        let result = Server::builder()
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
            .add_service(InterceptedService::new(
                CooperationServiceServer::new(grpc::cooperation::Cooperations { store: store.clone() }),
                authed(v),
            ))
            .add_service(InterceptedService::new(
                ProposalServiceServer::new(grpc::proposal::Proposals { store: store.clone() }),
                authed(v),
            ))
            .add_service(InterceptedService::new(
                SessionServiceServer::new(grpc::session::Sessions { store: store.clone() }),
                authed(v),
            ))
            .add_service(InterceptedService::new(
                PriorityServiceServer::new(grpc::priority::Priorities {
                    store: store.clone(),
                    overviews: Default::default(),
                }),
                authed(v),
            ))
            .add_service(InterceptedService::new(
                AuditServiceServer::new(grpc::audit::Audit { store: store.clone() }),
                authed(v),
            ))
            .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(self.listener), shutdown)
            .await;
        deadlines.abort();
        let web_result = web_server.await;
        tracing::info!("samprio-server stopped");
        result?;
        match web_result {
            Ok(r) => r.map_err(StartupError::Web),
            Err(join) => Err(StartupError::Web(std::io::Error::other(join))),
        }
    }
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
