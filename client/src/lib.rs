//! samprio-client: a typed client for the `samprio.v1` API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), samprio_client::Error> {
//! let client = samprio_client::Client::connect("http://127.0.0.1:50051", "TOKEN").await?;
//! let mut coops = client.cooperations();
//! let list = coops.list_cooperations(samprio_client::pb::ListCooperationsRequest::default()).await?;
//! # Ok(()) }
//! ```

use samprio_proto::v1::audit_service_client::AuditServiceClient;
use samprio_proto::v1::cooperation_service_client::CooperationServiceClient;
use samprio_proto::v1::follow_up_service_client::FollowUpServiceClient;
use samprio_proto::v1::portfolio_service_client::PortfolioServiceClient;
use samprio_proto::v1::priority_service_client::PriorityServiceClient;
use samprio_proto::v1::proposal_service_client::ProposalServiceClient;
use samprio_proto::v1::register_service_client::RegisterServiceClient;
use samprio_proto::v1::session_service_client::SessionServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

pub use samprio_proto::pbjson_types::Timestamp;
pub use samprio_proto::v1 as pb;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid server address {0}")]
    Address(String),
    #[error("cannot reach samprio-server at {addr}: is it running?")]
    Unreachable { addr: String },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error(
        "{addr} does not answer in TLS: the server there speaks plain text; use http:// if the network is trusted, or enable TLS on the server"
    )]
    NotTls { addr: String },
    #[error("the token contains characters that cannot be sent in a header")]
    Token,
    #[error(transparent)]
    Status(#[from] tonic::Status),
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

pub type Authed = InterceptedService<Channel, Bearer>;

/// How the client reaches `addr`: `TCP_NODELAY` (a small request must not
/// wait 40 ms for a delayed ACK), HTTP/2 windows that let a list response
/// of a few hundred KB arrive without pausing for window updates, and
/// frames of up to [`MAX_FRAME`], so that such a response comes in one DATA
/// frame rather than one per 16 KB (HTTP/2's default), each a write of its own.
pub fn endpoint(addr: &str) -> Result<Endpoint, Error> {
    Ok(Endpoint::from_shared(addr.to_string())
        .map_err(|_| Error::Address(addr.to_string()))?
        .tcp_nodelay(true)
        .initial_stream_window_size(1024 * 1024)
        .initial_connection_window_size(8 * 1024 * 1024)
        .max_frame_size(MAX_FRAME))
}

/// Largest HTTP/2 frame the client accepts, in bytes.
pub const MAX_FRAME: u32 = 1024 * 1024;

/// A connection to a samprio server acting under one token. `as_token` gives
/// a client for another identity over the same connection.
#[derive(Clone)]
pub struct Client {
    channel: Channel,
    bearer: Bearer,
}

impl Client {
    /// Connects to `addr` (e.g. `http://127.0.0.1:50051`); an empty token
    /// sends no credentials. `https://` addresses use TLS with the system's
    /// root certificates.
    pub async fn connect(addr: &str, token: &str) -> Result<Self, Error> {
        Self::connect_with_ca(addr, token, None).await
    }

    /// Like [`Client::connect`]; `https://` addresses trust only the CA
    /// certificates in `ca_pem` (PEM) when given.
    pub async fn connect_with_ca(addr: &str, token: &str, ca_pem: Option<&[u8]>) -> Result<Self, Error> {
        let mut endpoint = endpoint(addr)?;
        let tls = addr.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if tls {
            let config = match ca_pem {
                Some(pem) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)),
                None => ClientTlsConfig::new().with_native_roots(),
            };
            endpoint = endpoint.tls_config(config).map_err(|e| Error::Connect {
                addr: addr.to_string(),
                reason: error_chain(&e),
            })?;
        }
        let channel = endpoint.connect().await.map_err(|e| {
            let reason = error_chain(&e);
            // rustls reading a plain-text HTTP/2 frame where it expects a TLS record.
            if tls && (reason.contains("InvalidContentType") || reason.contains("corrupt message")) {
                Error::NotTls { addr: addr.to_string() }
            } else if reason.contains("tcp connect error") {
                Error::Unreachable { addr: addr.to_string() }
            } else {
                Error::Connect {
                    addr: addr.to_string(),
                    reason,
                }
            }
        })?;
        Client {
            channel,
            bearer: Bearer(None),
        }
        .as_token(token)
    }

    pub fn as_token(&self, token: &str) -> Result<Self, Error> {
        let bearer = if token.is_empty() {
            Bearer(None)
        } else {
            Bearer(Some(format!("Bearer {token}").parse().map_err(|_| Error::Token)?))
        };
        Ok(Client {
            channel: self.channel.clone(),
            bearer,
        })
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub fn cooperations(&self) -> CooperationServiceClient<Authed> {
        CooperationServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn proposals(&self) -> ProposalServiceClient<Authed> {
        ProposalServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn sessions(&self) -> SessionServiceClient<Authed> {
        SessionServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn priorities(&self) -> PriorityServiceClient<Authed> {
        PriorityServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn audit(&self) -> AuditServiceClient<Authed> {
        AuditServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn register(&self) -> RegisterServiceClient<Authed> {
        RegisterServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn follow_up(&self) -> FollowUpServiceClient<Authed> {
        FollowUpServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    pub fn portfolio(&self) -> PortfolioServiceClient<Authed> {
        PortfolioServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }
}

/// An error and its causes on one line (tonic's own message is only
/// "transport error").
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

/// Whether `addr` (a URL) names this machine: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(addr: &str) -> bool {
    let Ok(uri) = addr.parse::<tonic::codegen::http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// A one-line, human explanation of an error status, with any field
/// violations the server attached.
pub fn explain(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    let what = match status.code() {
        tonic::Code::InvalidArgument => "invalid request",
        tonic::Code::Unauthenticated => "not authenticated",
        tonic::Code::PermissionDenied => "permission denied",
        tonic::Code::NotFound => "not found",
        tonic::Code::FailedPrecondition => "not possible now",
        tonic::Code::Aborted => "conflict",
        tonic::Code::AlreadyExists => "already exists",
        tonic::Code::Unavailable => "server unavailable",
        tonic::Code::Unimplemented => "not implemented by this server",
        tonic::Code::DeadlineExceeded => "timed out",
        _ => "error",
    };
    let mut s = format!("{what}: {}", status.message());
    if let Some(br) = status.get_details_bad_request() {
        let fields: Vec<String> = br
            .field_violations
            .iter()
            .map(|v| format!("{} ({})", v.field, v.description))
            .collect();
        if !fields.is_empty() && !status.message().contains(&br.field_violations[0].field) {
            s.push_str(&format!(" [{}]", fields.join(", ")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn connections_are_made_without_nagle() {
        assert!(super::endpoint("http://127.0.0.1:50051").unwrap().get_tcp_nodelay());
    }
}
