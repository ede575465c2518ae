//! Running the `samprio` binary against a test server.

use std::process::Output;

use samprio_e2e::TestApp;

/// Runs `samprio ARGS` against `app` with `token`.
pub async fn samprio(app: &TestApp, token: &str, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_samprio"));
    cmd.args(args)
        .env("SAMPRIO_SERVER", &app.addr)
        .env("SAMPRIO_TOKEN", token);
    tokio::task::spawn_blocking(move || cmd.output().expect("run samprio"))
        .await
        .unwrap()
}

/// The output of a successful run.
pub fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "samprio failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The words of `text` appear in `out` in this order, though a table cell
/// wrapped to fit 100 columns may have put other columns' text between them.
#[allow(dead_code)]
pub fn has_words(out: &str, text: &str) -> bool {
    let mut rest = out;
    text.split_whitespace().all(|w| match rest.find(w) {
        Some(i) => {
            rest = &rest[i + w.len()..];
            true
        }
        None => false,
    })
}
