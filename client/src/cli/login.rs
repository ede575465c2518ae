//! `samprio login`, `logout` and `whoami`: signing in with the
//! municipality's identity provider from the command line (OAuth 2.0
//! authorization code with PKCE and a loopback redirect, RFC 8252), keeping
//! the token in the user's configuration directory, readable by the user only.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long `login` waits for the browser to come back.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(300);
/// A stored token this close to expiry is refreshed before use.
const REFRESH_MARGIN_SECS: i64 = 30;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// The identity provider's issuer URL (the `iss` the server trusts).
    #[arg(long, env = "SAMPRIO_ISSUER")]
    pub issuer: String,
    /// samprio's client id at the provider: a public client whose redirect
    /// URI is http://127.0.0.1/callback (any port).
    #[arg(long, env = "SAMPRIO_CLIENT_ID")]
    pub client_id: String,
    /// Scopes to ask for.
    #[arg(long, default_value = "openid offline_access samprio")]
    pub scope: String,
    /// Only print the sign-in address; do not try to open a browser.
    #[arg(long)]
    pub no_browser: bool,
}

/// What `login` keeps in `token.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredToken {
    pub issuer: String,
    pub client_id: String,
    pub token_endpoint: String,
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// `$XDG_CONFIG_HOME/samprio/token.json`, else `~/.config/samprio/token.json`.
pub fn token_file() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context("neither XDG_CONFIG_HOME nor HOME is set; cannot find where to keep the token")?;
    Ok(base.join("samprio").join("token.json"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn random_b64(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

fn http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?)
}

pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let http = http()?;
    let issuer = args.issuer.trim_end_matches('/').to_owned();
    let discovery: Discovery = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("reading {issuer}/.well-known/openid-configuration"))?
        .json()
        .await
        .context("the provider's discovery document")?;
    if discovery.issuer.trim_end_matches('/') != issuer {
        bail!("{issuer} calls itself {:?}; use that as --issuer", discovery.issuer);
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("listening on 127.0.0.1 for the provider's redirect")?;
    let redirect_uri = format!("http://127.0.0.1:{}/callback", listener.local_addr()?.port());
    let verifier = random_b64(32)?;
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let state = random_b64(16)?;
    let mut url = reqwest::Url::parse(&discovery.authorization_endpoint).context("authorization_endpoint")?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &args.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", &args.scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if args.scope.split(' ').any(|s| s == "offline_access") {
        // OpenID Connect Core §11: a refresh token for offline access needs consent.
        url.query_pairs_mut().append_pair("prompt", "consent");
    }
    eprintln!("Åbn denne adresse i en browser for at logge ind (open this address in a browser to sign in):");
    eprintln!("{url}");
    if !args.no_browser {
        let _ = std::process::Command::new("xdg-open")
            .arg(url.as_str())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }

    let code = tokio::time::timeout(LOGIN_TIMEOUT, wait_for_code(&listener, &state))
        .await
        .context("no answer from the browser within 5 minutes")??;
    let response = http
        .post(&discovery.token_endpoint)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_uri),
            ("client_id", &args.client_id),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .context("exchanging the code for a token")?;
    let token = token_response(response).await?;
    let stored = StoredToken {
        issuer,
        client_id: args.client_id,
        token_endpoint: discovery.token_endpoint,
        access_token: token.access_token,
        refresh_token: token.refresh_token,
        expires_at: token.expires_in.map(|s| now() + s),
    };
    let file = token_file()?;
    save(&file, &stored)?;
    eprintln!("Logget ind (signed in); token gemt i {}", file.display());
    print_whoami(&stored);
    Ok(())
}

async fn token_response(response: reqwest::Response) -> anyhow::Result<TokenResponse> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!(
            "the provider refused the token request (HTTP {status}): {}",
            body.trim()
        );
    }
    serde_json::from_str(&body).context("the provider's token response")
}

/// Serves the loopback redirect until it brings a code (or an error).
async fn wait_for_code(listener: &tokio::net::TcpListener, state: &str) -> anyhow::Result<String> {
    loop {
        let (mut conn, _) = listener.accept().await?;
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() {
            let n = conn.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let request = String::from_utf8_lossy(&buf[..len]);
        let target = request.split_whitespace().nth(1).unwrap_or("");
        let Ok(url) = reqwest::Url::parse(&format!("http://127.0.0.1{target}")) else {
            continue;
        };
        if url.path() != "/callback" {
            let _ = conn
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
            continue;
        }
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let (result, page) = if let Some(error) = param("error") {
            let detail = param("error_description").unwrap_or_default();
            (
                Err(anyhow::anyhow!("the provider refused the sign-in: {error} {detail}")),
                "Login mislykkedes. Se terminalen.",
            )
        } else if param("state").as_deref() != Some(state) {
            (
                Err(anyhow::anyhow!("the redirect's state does not match this sign-in")),
                "Login mislykkedes. Se terminalen.",
            )
        } else if let Some(code) = param("code") {
            (Ok(code), "Du er logget ind i samprio og kan lukke dette vindue.")
        } else {
            (
                Err(anyhow::anyhow!("the redirect carried no code")),
                "Login mislykkedes. Se terminalen.",
            )
        };
        let html = format!(
            "<!DOCTYPE html><html lang=\"da\"><head><meta charset=\"utf-8\"><title>samprio</title></head>\
             <body><main><h1>samprio</h1><p role=\"status\">{page}</p></main></body></html>"
        );
        let _ = conn
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                )
                .as_bytes(),
            )
            .await;
        return result;
    }
}

/// Writes the token readable by the user only (directory 0700, file 0600),
/// replacing any earlier one in one step.
fn save(file: &std::path::Path, token: &StoredToken) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = file.parent().context("token file has no directory")?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let tmp = file.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(&serde_json::to_vec_pretty(token)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, file).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

fn load(file: &std::path::Path) -> anyhow::Result<Option<StoredToken>> {
    match std::fs::read(file) {
        Ok(bytes) => {
            Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!("{} is damaged; run samprio login", file.display())
            })?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

/// The stored token for a call without `--token`, refreshed first when it
/// is about to expire and a refresh token is at hand. `None` if not signed in.
pub async fn stored_token() -> anyhow::Result<Option<String>> {
    let file = token_file()?;
    let Some(mut token) = load(&file)? else {
        return Ok(None);
    };
    let expiring = token.expires_at.is_some_and(|at| at - REFRESH_MARGIN_SECS <= now());
    if expiring {
        let Some(refresh) = token.refresh_token.clone() else {
            bail!("your sign-in has expired; run samprio login again");
        };
        let response = http()?
            .post(&token.token_endpoint)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
                ("client_id", token.client_id.as_str()),
            ])
            .send()
            .await
            .context("refreshing the sign-in")?;
        let fresh = token_response(response)
            .await
            .context("refreshing the sign-in; run samprio login again")?;
        token.access_token = fresh.access_token;
        token.refresh_token = fresh.refresh_token.or(token.refresh_token);
        token.expires_at = fresh.expires_in.map(|s| now() + s);
        save(&file, &token)?;
    }
    Ok(Some(token.access_token))
}

pub fn logout() -> anyhow::Result<()> {
    let file = token_file()?;
    match std::fs::remove_file(&file) {
        Ok(()) => eprintln!("Logget ud (signed out); {} er slettet", file.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => eprintln!("Ikke logget ind (not signed in)"),
        Err(e) => return Err(e).with_context(|| format!("deleting {}", file.display())),
    }
    Ok(())
}

pub fn whoami() -> anyhow::Result<()> {
    let file = token_file()?;
    match load(&file)? {
        Some(token) => {
            print_whoami(&token);
            Ok(())
        }
        None => bail!("not signed in; run samprio login"),
    }
}

/// What the token says (as the provider wrote it; the server maps and checks
/// it on every call).
fn print_whoami(token: &StoredToken) {
    let claims: serde_json::Map<String, serde_json::Value> = token
        .access_token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    println!("udsteder (issuer):  {}", token.issuer);
    for (label, keys) in [
        ("navn (name):       ", &["name"][..]),
        ("bruger (sub):      ", &["sub"][..]),
        ("kommune:           ", &["municipality"][..]),
        ("CVR:               ", &["cvr"][..]),
        ("roller (roles):    ", &["roles", "groups"][..]),
    ] {
        if let Some(v) = keys.iter().find_map(|k| claims.get(*k)) {
            println!("{label}{}", text(v));
        }
    }
    if let Some(at) = token.expires_at.or_else(|| claims.get("exp").and_then(|e| e.as_i64())) {
        let when = chrono::DateTime::from_timestamp(at, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default();
        println!("udløber (expires): {when}");
    }
}
