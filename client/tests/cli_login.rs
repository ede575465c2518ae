//! `samprio login` end to end against a real OpenID Connect provider (the
//! certified oidc-provider package): authorization code with PKCE and a
//! loopback redirect, the provider's sign-in form filled in as a browser
//! would, the token kept owner-only and used without `--token`, `whoami`,
//! `logout`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use samprio_e2e::oidc::OidcProvider;
use samprio_e2e::samprio_server::auth::{Algorithm, ClaimMapping, IssuerConfig};
use samprio_e2e::{AUDIENCE, Engine, TestApp};
use serde_json::json;

/// The output of a successful run.
fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "samprio failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn samprio(config_home: &std::path::Path, server: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samprio"));
    cmd.env("XDG_CONFIG_HOME", config_home)
        .env("SAMPRIO_SERVER", server)
        .env_remove("SAMPRIO_TOKEN")
        .env_remove("SAMPRIO_CA_FILE");
    cmd
}

/// Plays the browser: follows redirects, fills in the provider's sign-in
/// and consent forms, and finally calls the CLI's loopback redirect.
async fn browse(start: &str, login: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies: HashMap<String, String> = HashMap::new();
    let mut url = reqwest::Url::parse(start).unwrap();
    let mut form: Option<Vec<(&str, &str)>> = None;
    for _ in 0..20 {
        let cookie = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = match form.take() {
            Some(fields) => http.post(url.clone()).form(&fields),
            None => http.get(url.clone()),
        };
        let response = request.header("cookie", cookie).send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                cookies.insert(k.trim().to_owned(), v.to_owned());
            }
        }
        if url.path() == "/callback" {
            let page = response.text().await.unwrap();
            assert!(page.contains("logget ind"), "{page}");
            return;
        }
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            url = url.join(&location).unwrap();
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(page.contains("<form"), "unexpected page at {url}: {page}");
        form = Some(if page.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        });
    }
    panic!("the sign-in did not come back to the CLI");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_whoami_call_logout() {
    let Some(provider) = OidcProvider::start(
        AUDIENCE,
        json!({
            "clients": { "samprio-cli": { "redirect_uris": ["http://127.0.0.1/callback"], "native": true } },
            "accounts": { "aase": { "cvr": "55133018", "groups": ["GG-Samprio-Drift"], "name": "Aase Østergård" } },
        }),
    )
    .await
    else {
        return;
    };
    let entry = IssuerConfig {
        iss: provider.issuer.clone(),
        algorithm: Algorithm::RS256,
        discovery: true,
        municipalities: vec!["0751".into()],
        claims: ClaimMapping {
            cvr: Some("cvr".into()),
            roles: Some("groups".into()),
            role_map: [("GG-Samprio-Drift".to_owned(), vec!["operator".to_owned()])]
                .into_iter()
                .collect(),
            ..ClaimMapping::default()
        },
        ..IssuerConfig::default()
    };
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.auth.issuers.push(entry))
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();

    let mut login = samprio(home.path(), &app.addr)
        .args([
            "login",
            "--issuer",
            &provider.issuer,
            "--client-id",
            "samprio-cli",
            "--no-browser",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = login.stderr.take().unwrap();
    let address = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        let address = lines.by_ref().map_while(Result::ok).find(|l| l.starts_with("http"));
        std::thread::spawn(move || lines.for_each(drop));
        address
    })
    .await
    .unwrap()
    .expect("login prints the sign-in address");
    assert!(address.contains("code_challenge_method=S256"), "{address}");
    browse(&address, "aase").await;
    let out = tokio::task::spawn_blocking(move || login.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "login failed");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("Aase Østergård") && shown.contains("55133018"),
        "{shown}"
    );

    // Kept for the user only.
    let file = home.path().join("samprio/token.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    let run = |args: &'static [&'static str]| {
        let mut cmd = samprio(home.path(), &app.addr);
        cmd.args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    let whoami = run(&["whoami"]).await.unwrap();
    let who = stdout(&whoami);
    assert!(
        who.contains("Aase Østergård") && who.contains("GG-Samprio-Drift") && who.contains("udløber"),
        "{who}"
    );

    // No --token: the kept one is used, and its group makes Aarhus an operator.
    let created = run(&["cooperation", "create", "midtjylland", "--name", "Midt"])
        .await
        .unwrap();
    stdout(&created);

    // A kept token about to expire is refreshed with the refresh token
    // before the call, and the fresh one kept.
    let read = || serde_json::from_slice::<serde_json::Value>(&std::fs::read(&file).unwrap()).unwrap();
    let mut kept = read();
    assert!(
        kept["refresh_token"].is_string(),
        "offline_access gave a refresh token: {kept}"
    );
    let old_access = kept["access_token"].clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    kept["expires_at"] = json!(now - 1);
    std::fs::write(&file, serde_json::to_vec(&kept).unwrap()).unwrap();
    let listed = run(&["cooperation", "list"]).await.unwrap();
    assert!(stdout(&listed).contains("midtjylland"));
    let refreshed = read();
    assert_ne!(refreshed["access_token"], old_access, "a new access token");
    assert!(refreshed["expires_at"].as_u64().unwrap() > now, "{refreshed}");

    // A refresh the provider refuses: one line asking to sign in again.
    let mut broken = refreshed.clone();
    broken["expires_at"] = json!(now - 1);
    broken["refresh_token"] = json!("not-a-refresh-token");
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let refused = run(&["cooperation", "list"]).await.unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && err.contains("samprio login"), "{err}");

    let out = run(&["logout"]).await.unwrap();
    assert!(out.status.success());
    assert!(!file.exists());
    let after = run(&["cooperation", "list"]).await.unwrap();
    let err = String::from_utf8_lossy(&after.stderr);
    assert!(err.contains("not authenticated"), "{err}");
    let who = run(&["whoami"]).await.unwrap();
    assert!(String::from_utf8_lossy(&who.stderr).contains("not signed in"));
}
