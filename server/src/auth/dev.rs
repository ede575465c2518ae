//! Dev mode: a local Ed25519 signing key, so the server runs with no identity
//! provider at all (DESIGN.md §3). Never used once issuers are configured, unless
//! the integrator asks for it explicitly.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};

use super::config::{Algorithm, IssuerConfig};
use super::error::ConfigError;
use super::minter::TokenMinter;
use super::role::is_valid_municipality_code;

/// The `iss` of dev tokens.
pub const DEV_ISSUER: &str = "samprio-dev";
/// File name of the dev signing key inside the data directory.
pub const DEV_KEY_FILE: &str = "dev-signing-key.pem";

/// The dev signing key, as a minter and as the issuer entry that trusts it.
/// Pass it to [`crate::auth::Verifier::from_config_with_dev`].
#[derive(Debug)]
pub struct DevKeys {
    pub minter: TokenMinter,
    /// Issuer `samprio-dev`, EdDSA, the public key inline. An empty
    /// `municipalities` list means the dev issuer vouches for every municipality;
    /// that is honoured only for this entry, never for configured issuers.
    pub issuer: IssuerConfig,
}

impl DevKeys {
    /// Reads `<data_dir>/dev-signing-key.pem`, or creates it (mode 0600) on first
    /// use. `municipalities` empty = any municipality.
    pub fn load_or_create(data_dir: &Path, audience: &str, municipalities: Vec<String>) -> Result<Self, ConfigError> {
        Self::open(data_dir, audience, municipalities, true)
    }

    /// Reads `<data_dir>/dev-signing-key.pem` and never creates it: a token
    /// signed with a key the server does not know would only fail later with
    /// "invalid signature". Used by `samprio-server dev-token`.
    pub fn load(data_dir: &Path, audience: &str) -> Result<Self, ConfigError> {
        Self::open(data_dir, audience, vec![], false)
    }

    fn open(
        data_dir: &Path,
        audience: &str,
        municipalities: Vec<String>,
        create_missing: bool,
    ) -> Result<Self, ConfigError> {
        let path = data_dir.join(DEV_KEY_FILE);
        let err = |reason: String| ConfigError::DevKey {
            path: absolute(&path),
            reason,
        };
        if let Some(code) = municipalities.iter().find(|c| !is_valid_municipality_code(c)) {
            return Err(err(format!("{code:?} is not a municipality code")));
        }
        let private_pem = match fs::read_to_string(&path) {
            Ok(pem) => {
                warn_if_readable_by_others(&path);
                pem
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && create_missing => {
                create(data_dir, &path).map_err(|e| err(e.to_string()))?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(err(
                    "no dev signing key here; a dev-mode server creates it in its data directory \
                     (`data_dir`), so start the server first, or run dev-token with the server's \
                     configuration (--config FILE or SAMPRIO_DATA_DIR=DIR)"
                        .to_owned(),
                ));
            }
            Err(e) => return Err(err(e.to_string())),
        };
        let signing = SigningKey::from_pkcs8_pem(&private_pem).map_err(|e| {
            err(format!(
                "not an Ed25519 PKCS#8 private key ({e}); delete it to have a new one made"
            ))
        })?;
        let public_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| err(e.to_string()))?;
        let minter = TokenMinter::new(DEV_ISSUER, audience, Algorithm::EdDSA, private_pem.as_bytes(), None)?;
        tracing::warn!(path = %path.display(), "DEV MODE: using the local dev signing key");
        Ok(DevKeys {
            minter,
            issuer: IssuerConfig {
                iss: DEV_ISSUER.to_owned(),
                algorithm: Algorithm::EdDSA,
                public_key_pem: Some(public_pem),
                public_key_file: None,
                jwks_file: None,
                municipalities,
                ..IssuerConfig::default()
            },
        })
    }
}

/// Where the dev server last started in dev mode by this user keeps its key,
/// so that `dev-token` run from another directory finds the same key. A small
/// JSON file in the user's state directory; losing it only means `dev-token`
/// has to be told where the key is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DevServerHint {
    /// Absolute data directory of the server.
    pub data_dir: PathBuf,
    pub audience: String,
}

impl DevServerHint {
    /// `$XDG_STATE_HOME/samprio/dev-server.json`, else
    /// `$HOME/.local/state/samprio/dev-server.json`.
    pub fn default_path() -> Option<PathBuf> {
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
        Some(state.join("samprio").join("dev-server.json"))
    }

    /// Best effort: a server that cannot leave the hint still runs.
    pub fn record(&self, file: &Path) {
        let write = || -> io::Result<()> {
            if let Some(dir) = file.parent() {
                fs::create_dir_all(dir)?;
            }
            let tmp = temp_path(file);
            let _ = fs::remove_file(&tmp);
            write_private(&tmp, serde_json::to_string(self).map_err(io::Error::other)?.as_bytes())?;
            fs::rename(&tmp, file)
        };
        if let Err(e) = write() {
            tracing::debug!(path = %file.display(), error = %e, "could not record where the dev key is");
        }
    }

    pub fn read(file: &Path) -> Option<DevServerHint> {
        serde_json::from_str(&fs::read_to_string(file).ok()?).ok()
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Writes a fresh key to a private temporary file and links it into place, so
/// that a crash never leaves a half-written key and two servers starting at
/// once end up sharing one key instead of overwriting each other's.
fn create(data_dir: &Path, path: &Path) -> io::Result<String> {
    fs::create_dir_all(data_dir)?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(io::Error::other)?;
    let pem = ed25519_private_pem(&secret).map_err(io::Error::other)?;
    secret.fill(0);

    let tmp = temp_path(path);
    let result = write_private(&tmp, pem.as_bytes()).and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match result {
        Ok(()) => {
            tracing::warn!(path = %path.display(), "DEV MODE: created a new dev signing key");
            Ok(pem)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => fs::read_to_string(path),
        Err(e) => Err(e),
    }
}

/// PKCS#8 v1 (RFC 8410, no embedded public key): the form `openssl genpkey`
/// writes and the one jsonwebtoken's `Jwk::from_encoding_key` understands, so
/// the dev key can also be published as a JWK if a tool needs it.
pub(crate) fn ed25519_private_pem(secret: &[u8; 32]) -> Result<String, String> {
    KeypairBytes {
        secret_key: *secret,
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map(|pem| pem.to_string())
    .map_err(|e| e.to_string())
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(name)
}

fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "dev signing key is readable by other users; chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The display name of a dev token that names none: readable in minutes,
/// and plainly a dev user.
pub fn default_dev_name(municipality: &str) -> String {
    match crate::domain::register::by_code(municipality) {
        Some(m) => format!("Dev-bruger, {}", m.name),
        None => format!("Dev-bruger {municipality}"),
    }
}
