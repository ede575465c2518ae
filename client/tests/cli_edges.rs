//! The CLI's sharp edges: output into a closed pipe, a server that is not
//! there.

use std::io::Read;
use std::process::{Command, Stdio};

use samprio_e2e::{COOP, Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_does_not_make_it_panic() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let token = app.token("0101", &["observer"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_samprio"))
        .args(["watch", COOP])
        .env("SAMPRIO_SERVER", &app.addr)
        .env("SAMPRIO_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the start of the replay, then hang up, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    tokio::task::spawn_blocking(move || {
        stdout.read_exact(&mut one).unwrap();
        drop(stdout);
    })
    .await
    .unwrap();
    // New events make it write into the closed pipe.
    let mut waited = 0;
    let status = loop {
        app.submitted_proposal("0147", &format!("Forslag {waited}"), 1_000, false)
            .await;
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        waited += 1;
        assert!(waited < 100, "samprio watch kept running with nobody reading");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "exit 101 is a panic: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_is_one_plain_sentence() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("http://127.0.0.1:{port}");
    let out = Command::new(env!("CARGO_BIN_EXE_samprio"))
        .args(["cooperation", "list"])
        .env("SAMPRIO_SERVER", &addr)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        stderr.trim(),
        format!("samprio: cannot reach samprio-server at {addr}: is it running?")
    );
}
