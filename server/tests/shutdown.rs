//! SIGTERM with Watch streams open (DESIGN.md §9): the streams end with
//! UNAVAILABLE (clients resume from their last sequence) and the process
//! exits, instead of waiting for the last watcher to hang up.

use std::time::Duration;

use futures::StreamExt;
use samprio_e2e::samprio_client::Client;
use samprio_e2e::samprio_server::auth::Role;
use samprio_e2e::{Engine, MUNICIPALITIES, ServerProcess, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_open_watch_streams_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("samprio.db").display());
    let app = TestApp::spawn_on(
        Engine::Sqlite,
        database_url.clone(),
        tempfile::tempdir().unwrap(),
        |_| {},
    )
    .await;
    app.seed_default().await;
    let (config, minter) = app.process_config(dir.path(), &MUNICIPALITIES.map(String::from), "");
    app.stop().await;
    let token = minter.mint("user-0101", "0101", &[Role::Observer], Duration::from_secs(600));

    let mut server = ServerProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_samprio-server")), &config);
    let client = Client::connect(&server.addr, &token).await.unwrap();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut s = samprio_e2e::watch(&client, 0).await;
        // The history arrives, so the stream is live before the signal.
        s.next().await.expect("an event").expect("ok");
        streams.push(s);
    }
    server.terminate();
    for mut s in streams {
        let end = loop {
            match tokio::time::timeout(Duration::from_secs(30), s.next()).await {
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(status))) => break Some(status.code()),
                Ok(None) => break None,
                Err(_) => panic!("the Watch stream is still open 30 s after SIGTERM"),
            }
        };
        assert_eq!(
            end,
            Some(tonic::Code::Unavailable),
            "the stream ends telling the client to resume"
        );
    }
    let status = tokio::task::spawn_blocking(move || server.wait_exit(Duration::from_secs(30)))
        .await
        .unwrap()
        .expect("the server exits after SIGTERM with watchers open");
    assert!(status.success(), "{status:?}");
}

#[test]
fn dev_token_with_bad_arguments_says_what_is_wrong_without_a_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    for (args, wrong) in [
        (
            &["dev-token", "--municipality", "0101", "--roles", "emperor"][..],
            "--roles",
        ),
        (
            &["dev-token", "--municipality", "x\u{1}", "--roles", "board"][..],
            "--municipality",
        ),
        (
            &[
                "dev-token",
                "--municipality",
                "0101",
                "--roles",
                "board",
                "--ttl-hours",
                "18446744073709551615",
            ][..],
            "--ttl-hours",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_samprio-server"))
            .args(args)
            .current_dir(dir.path())
            .env("RUST_BACKTRACE", "1")
            .env_remove("SAMPRIO_CONFIG")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert_ne!(out.status.code(), Some(101), "a panic: {stderr}");
        assert!(!stderr.to_lowercase().contains("backtrace"), "{args:?}: {stderr}");
        assert!(stderr.starts_with("samprio-server: "), "{args:?}: {stderr}");
        // The message names the argument that is wrong.
        assert!(stderr.contains(wrong), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}
