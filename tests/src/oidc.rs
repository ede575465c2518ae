//! A real OpenID Connect provider for the identity tests: the certified
//! `oidc-provider` npm package, run with the machine's Node.js from
//! `tests/oidc/provider.mjs`. `npm ci` installs it on first use.
//!
//! Without `node` and `npm` the tests that need it are skipped with a note,
//! unless `SAMPRIO_REQUIRE_OIDC=1` (as in `.ci/run`) makes that a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

/// The resource the provider issues samprio access tokens for.
pub const RESOURCE: &str = "urn:samprio:api";

pub struct OidcProvider {
    /// The issuer URL, `http://127.0.0.1:<port>`.
    pub issuer: String,
    child: Child,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

fn required() -> bool {
    std::env::var("SAMPRIO_REQUIRE_OIDC").as_deref() == Ok("1")
}

fn skip(reason: &str) -> Option<OidcProvider> {
    if required() {
        panic!("SAMPRIO_REQUIRE_OIDC=1 but the OpenID Connect provider cannot run: {reason}");
    }
    eprintln!(
        "note: OpenID Connect tests NOT run: {reason}. They need Node.js 20+ and npm \
         (the harness runs `npm ci` in tests/oidc); set SAMPRIO_REQUIRE_OIDC=1 to make this an error"
    );
    None
}

/// Runs `npm ci` once if `node_modules` lacks the provider.
fn install() -> Result<(), String> {
    static INSTALL: Mutex<bool> = Mutex::new(false);
    let mut done = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = provider_dir();
    if *done || dir.join("node_modules/oidc-provider/package.json").exists() {
        *done = true;
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cannot run npm ({e})"))?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci` in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    *done = true;
    Ok(())
}

impl OidcProvider {
    /// Starts a provider issuing access tokens with `aud = audience`. `config`
    /// is the provider script's configuration (`clients`, `accounts`); see
    /// `tests/oidc/provider.mjs`. `None` when Node.js is missing (skipped).
    pub async fn start(audience: &str, mut config: Value) -> Option<OidcProvider> {
        if Command::new("node").arg("--version").output().is_err() {
            return skip("`node` is not installed");
        }
        if let Err(e) = tokio::task::spawn_blocking(install).await.expect("install task") {
            return skip(&e);
        }
        config["audience"] = Value::from(audience);
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("provider.json");
        std::fs::write(&conf, serde_json::to_vec(&config).expect("json")).expect("write provider config");
        let mut child = Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .arg(&conf)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let issuer = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let issuer = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| l.strip_prefix("ready ").map(str::to_owned));
            // Keep draining, so the provider never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            issuer
        })
        .await
        .expect("reader task")
        .expect("the OpenID Connect provider did not start (see its output above)");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        Some(OidcProvider {
            issuer,
            child,
            http,
            _dir: dir,
        })
    }

    /// An access token for `client_id` by the client-credentials grant: a JWT
    /// signed with the provider's current key, carrying the client's claims.
    pub async fn client_token(&self, client_id: &str, secret: &str) -> String {
        let body = self
            .post_form(
                "/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", "samprio"),
                    ("resource", RESOURCE),
                ],
            )
            .await;
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {body}"))
            .to_owned()
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.issuer))
            .form(form)
            .send()
            .await
            .expect("provider answers");
        response.json().await.expect("JSON from the provider")
    }

    /// Switches to a new signing key; the old one stays published if
    /// `keep_old`. Returns the new key's `kid`.
    pub async fn rotate(&self, keep_old: bool) -> String {
        let body: Value = self
            .http
            .post(format!("{}/_test/rotate?keep_old={}", self.issuer, u8::from(keep_old)))
            .send()
            .await
            .expect("provider answers")
            .json()
            .await
            .expect("JSON");
        body["kid"].as_str().expect("kid").to_owned()
    }

    /// How many times the provider has served its JWKS.
    pub async fn jwks_fetches(&self) -> u64 {
        self.http
            .get(format!("{}/_test/jwks_fetches", self.issuer))
            .send()
            .await
            .expect("provider answers")
            .text()
            .await
            .expect("text")
            .trim()
            .parse()
            .expect("a count")
    }

    /// Stops the provider (it is "down" from now on).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}
