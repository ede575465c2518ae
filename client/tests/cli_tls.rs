//! The CLI and TLS: a TLS server with a test CA, `https://` against a
//! plain-text server, and no token in clear text to another machine.

mod common;

use std::process::Output;

use samprio_e2e::{Engine, TestApp, tls};

async fn samprio_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_samprio"));
    cmd.args(args).env_remove("SAMPRIO_CA_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("run samprio"))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_speaks_tls_to_a_server_with_a_test_ca() {
    let certs = tempfile::tempdir().unwrap();
    let tls_config = tls::server_tls(certs.path());
    let ca_file = certs.path().join(tls::CA_FILE);
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.tls = Some(tls_config))
        .await
        .unwrap();
    assert!(app.addr.starts_with("https://localhost:"), "{}", app.addr);
    let operator = app.token("0101", &["operator"]);

    let o = common::samprio(
        &app,
        &operator,
        &[
            "--ca-file",
            ca_file.to_str().unwrap(),
            "cooperation",
            "create",
            "tls-test",
            "--name",
            "Over TLS",
        ],
    )
    .await;
    common::stdout(&o);
    let o = common::samprio(
        &app,
        &operator,
        &["--ca-file", ca_file.to_str().unwrap(), "cooperation", "list"],
    )
    .await;
    assert!(common::stdout(&o).contains("tls-test"));

    // The system's roots do not know the test CA.
    let o = common::samprio(&app, &operator, &["cooperation", "list"]).await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("cannot connect") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_text_server_says_so() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let https = app.addr.replacen("http://", "https://", 1);
    let token = app.token("0101", &["operator"]);
    let o = samprio_env(
        &[("SAMPRIO_SERVER", &https), ("SAMPRIO_TOKEN", &token)],
        &["cooperation", "list"],
    )
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("speaks plain text"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_in_clear_text_to_another_machine() {
    // 192.0.2.0/24 is reserved for documentation: nothing is ever sent there,
    // the CLI refuses before connecting.
    let o = samprio_env(
        &[
            ("SAMPRIO_SERVER", "http://192.0.2.10:50051"),
            ("SAMPRIO_TOKEN", "eyJ.x.y"),
        ],
        &["cooperation", "list"],
    )
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("refusing to send the token in clear text"), "{err}");
    assert!(err.contains("--insecure"), "{err}");

    // Loopback is fine in plain text (the dev setup), and so is no token.
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let localhost = app.addr.replacen("127.0.0.1", "localhost", 1);
    let token = app.token("0101", &["operator"]);
    let o = samprio_env(
        &[("SAMPRIO_SERVER", &localhost), ("SAMPRIO_TOKEN", &token)],
        &["cooperation", "list"],
    )
    .await;
    common::stdout(&o);
}

#[test]
fn loopback_addresses() {
    use samprio_e2e::samprio_client::is_loopback;
    for yes in [
        "http://127.0.0.1:50051",
        "http://localhost:1",
        "http://[::1]:50051",
        "http://127.8.9.10",
    ] {
        assert!(is_loopback(yes), "{yes}");
    }
    for no in [
        "http://192.0.2.10:50051",
        "http://samprio.example.dk",
        "http://[2001:db8::1]:1",
        "nonsense",
    ] {
        assert!(!is_loopback(no), "{no}");
    }
}
