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
    pub auth: AuthConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:50051".into(),
            database_url: "sqlite://samprio.db".into(),
            data_dir: PathBuf::from("."),
            log_format: "human".into(),
            dev_mode: None,
            deadline_poll_ms: 1000,
            auth: AuthConfig {
                audience: crate::auth::DEFAULT_AUDIENCE.into(),
                leeway_secs: crate::auth::DEFAULT_LEEWAY_SECS,
                issuers: vec![],
            },
        }
    }
}

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
        f.merge(
            Env::prefixed("SAMPRIO_")
                .ignore(&["CONFIG", "SERVER", "TOKEN"])
                .split("__"),
        )
        .extract()
        .map_err(Box::new)
    }

    pub fn dev_mode(&self) -> bool {
        self.dev_mode.unwrap_or(self.auth.issuers.is_empty())
    }
}
