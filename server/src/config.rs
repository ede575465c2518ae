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
    pub auth: AuthConfig,
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
            auth: AuthConfig {
                audience: crate::auth::DEFAULT_AUDIENCE.into(),
                leeway_secs: crate::auth::DEFAULT_LEEWAY_SECS,
                issuers: vec![],
            },
        }
    }
}

/// Top-level keys that may come from `SAMPRIO_<KEY>`.
const KEYS: [&str; 7] = [
    "listen",
    "web_listen",
    "database_url",
    "data_dir",
    "log_format",
    "dev_mode",
    "deadline_poll_ms",
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
            KEYS.contains(&k.as_str()) || k.starts_with("auth__")
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
            // Variables of the CLI and the test suites are not the server's.
            jail.set_env("SAMPRIO_TOKEN", "x");
            jail.set_env("SAMPRIO_TEST_POSTGRES_URL", "y");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:6000");
            assert_eq!(c.database_url, "postgres://db/samprio");
            assert_eq!(c.auth.audience, "from-env");
            assert_eq!(c.auth.leeway_secs, 10);
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
