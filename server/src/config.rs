//! Configuration: defaults, then a TOML file, then `SAMPRIO_*` environment
//! variables (nested keys with `__`, e.g. `SAMPRIO_AUTH__AUDIENCE`).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::auth::AuthConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    /// Address of the web console; port 0 picks a free port.
    pub web_listen: String,
    /// `sqlite://FILE` (the default, created if missing) or `postgres://…`.
    pub database_url: String,
    /// Where the dev-mode signing key lives.
    pub data_dir: PathBuf,
    /// `human` or `json`.
    pub log_format: String,
    /// Dev mode (a local signing key and `dev-token`): on by default only
    /// while no issuer is configured.
    pub dev_mode: Option<bool>,
    /// How often open rounds are checked for passed deadlines, in milliseconds.
    pub deadline_poll_ms: u64,
    /// Where Prometheus metrics are served (`GET /metrics`); none if unset.
    pub metrics_listen: Option<String>,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub follow_up: FollowUpConfig,
    pub auth: AuthConfig,
    /// Where KITOS is and the API users that read it (portfolio imports).
    #[serde(default)]
    pub kitos: KitosSettings,
    /// Serve TLS instead of plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
    /// The web console's address as people reach it and how they sign in.
    #[serde(default)]
    pub console: ConsoleConfig,
}

/// The web console (DESIGN.md §11) beyond where it listens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// The console's address as browsers reach it, e.g.
    /// `https://samprio.kommune.dk` behind a TLS proxy: where the identity
    /// provider sends people back to, and with `https://` the session cookie
    /// is marked `Secure`. Default: `http://` and the address it listens on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Sign-in with an OpenID Connect provider (authorization code with PKCE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<ConsoleOidcConfig>,
}

/// The console as a client of an OpenID Connect provider. The provider must
/// also be a trusted issuer (`auth.issuers`), whose claim mapping turns its
/// access tokens into principals, as for bearer tokens on gRPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleOidcConfig {
    /// The provider's issuer URL, as in `auth.issuers`.
    pub issuer: String,
    /// The console's client id at the provider; its redirect URI is
    /// `<public_url>/login/callback`.
    pub client_id: String,
    /// For a confidential client (sent as `client_secret_post`); a public
    /// client relies on PKCE alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Must include `openid` (the console checks the ID token's nonce);
    /// with `offline_access`, the provider's refresh token renews expired
    /// sessions.
    #[serde(default = "default_console_scope")]
    pub scope: String,
    /// An RFC 8707 resource indicator, for providers that issue an access
    /// token for samprio's audience only when asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

fn default_console_scope() -> String {
    "openid".into()
}

/// The server's TLS certificate and key (PEM files), and optionally the CA
/// whose client certificates it requires (mutual TLS for partner systems).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// When set, every connection must present a client certificate issued
    /// by this CA (the bearer token is still required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ca_file: Option<PathBuf>,
}

/// Follow-up (DESIGN.md §13).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpConfig {
    /// A member taking part that has not updated its implementation record
    /// for more than this many days is flagged in the follow-up report.
    pub stale_after_days: u32,
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        FollowUpConfig {
            stale_after_days: crate::domain::follow_up::DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

/// KITOS, OS2's IT-system overview, for importing the members' portfolios
/// (DESIGN.md §12). An import uses the API user its request names, else the
/// member's from `members`, else the default one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KitosSettings {
    /// e.g. `https://kitos.dk`
    pub base_url: String,
    /// The default KITOS API user.
    pub email: String,
    pub password: String,
    /// API users per member, by municipality code: `[kitos.members.0101]`.
    pub members: std::collections::BTreeMap<String, KitosUser>,
    /// Rows per page, 1..=250.
    pub page_size: u32,
    /// Pause before retrying a failed request (doubled for each further one).
    pub retry_delay_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitosUser {
    pub email: String,
    pub password: String,
}

impl Default for KitosSettings {
    fn default() -> Self {
        KitosSettings {
            base_url: "https://kitos.dk".into(),
            email: String::new(),
            password: String::new(),
            members: Default::default(),
            page_size: 250,
            retry_delay_ms: 500,
        }
    }
}

/// Limits that keep one client from hurting others (DESIGN.md §9).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Concurrent calls (HTTP/2 streams) per connection at most.
    pub max_concurrent_streams: u32,
    /// A new connection must send its first bytes within this.
    pub handshake_timeout_ms: u64,
    /// A connection without a call in flight for this long is closed.
    pub idle_timeout_ms: u64,
    /// Largest request message, in bytes; larger is RESOURCE_EXHAUSTED.
    pub max_message_bytes: usize,
    /// How long SIGTERM waits for calls in flight before exiting anyway.
    pub shutdown_grace_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 1024,
            max_concurrent_streams: 256,
            handshake_timeout_ms: 10_000,
            idle_timeout_ms: 300_000,
            max_message_bytes: 4 * 1024 * 1024,
            shutdown_grace_ms: 5_000,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:50051".into(),
            web_listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://samprio.db".into(),
            data_dir: PathBuf::from("."),
            log_format: "human".into(),
            dev_mode: None,
            deadline_poll_ms: 1000,
            metrics_listen: None,
            limits: LimitsConfig::default(),
            follow_up: FollowUpConfig::default(),
            auth: AuthConfig {
                audience: crate::auth::DEFAULT_AUDIENCE.into(),
                leeway_secs: crate::auth::DEFAULT_LEEWAY_SECS,
                issuers: vec![],
            },
            kitos: KitosSettings::default(),
            tls: None,
            console: ConsoleConfig::default(),
        }
    }
}

/// Top-level keys that may come from `SAMPRIO_<KEY>`.
const KEYS: [&str; 8] = [
    "listen",
    "web_listen",
    "database_url",
    "data_dir",
    "log_format",
    "dev_mode",
    "deadline_poll_ms",
    "metrics_listen",
];

impl Config {
    /// Loads the configuration: `file` (or `SAMPRIO_CONFIG`, or `samprio.toml`
    /// if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut f = Figment::from(Serialized::defaults(Config::default()));
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("SAMPRIO_CONFIG").map(PathBuf::from));
        match file {
            Some(path) => f = f.merge(Toml::file_exact(path)),
            None => f = f.merge(Toml::file("samprio.toml")),
        }
        // Only the server's own keys: other SAMPRIO_* variables (the CLI's
        // SAMPRIO_SERVER and SAMPRIO_TOKEN, test settings) are not its business.
        let own = |k: &figment::value::UncasedStr| {
            let k = k.as_str().to_ascii_lowercase();
            KEYS.contains(&k.as_str())
                || k.starts_with("auth__")
                || k.starts_with("tls__")
                || k.starts_with("limits__")
                || k.starts_with("console__")
                || k.starts_with("kitos__")
                || k.starts_with("follow_up__")
        };
        f.merge(Env::prefixed("SAMPRIO_").filter(own).split("__"))
            .extract()
            .map_err(Box::new)
    }

    pub fn dev_mode(&self) -> bool {
        self.dev_mode.unwrap_or(self.auth.issuers.is_empty())
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "samprio.toml",
                "listen = \"0.0.0.0:6000\"\n[auth]\naudience = \"from-file\"\nleeway_secs = 10\n",
            )?;
            jail.set_env("SAMPRIO_DATABASE_URL", "postgres://db/samprio");
            jail.set_env("SAMPRIO_AUTH__AUDIENCE", "from-env");
            jail.set_env("SAMPRIO_FOLLOW_UP__STALE_AFTER_DAYS", "14");
            // Variables of the CLI and the test suites are not the server's.
            jail.set_env("SAMPRIO_TOKEN", "x");
            jail.set_env("SAMPRIO_TEST_POSTGRES_URL", "y");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:6000");
            assert_eq!(c.database_url, "postgres://db/samprio");
            assert_eq!(c.auth.audience, "from-env");
            assert_eq!(c.auth.leeway_secs, 10);
            assert_eq!(c.follow_up.stale_after_days, 14);
            assert!(c.dev_mode(), "no issuers: dev mode");
            Ok(())
        });
    }

    #[test]
    fn typos_in_the_file_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("samprio.toml", "lisen = \"x\"\n")?;
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }
}
