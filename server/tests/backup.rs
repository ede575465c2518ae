//! `samprio-server backup FILE` (DESIGN.md §9): a consistent copy of a SQLite
//! database taken while a server writes to it.

use samprio_e2e::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_is_a_consistent_database() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    // Writes keep going while the copy is taken.
    let writer = {
        let lead = app.as_("0147", &["digital_lead"]);
        tokio::spawn(async move {
            for i in 0..30 {
                let _ = lead
                    .proposals()
                    .create_proposal(samprio_e2e::samprio_client::pb::CreateProposalRequest {
                        cooperation_id: samprio_e2e::COOP.into(),
                        content: Some(samprio_e2e::content(&format!("Forslag {i}"), 1, false)),
                        request_id: String::new(),
                    })
                    .await;
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let (url, target) = (app.database_url.clone(), copy.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_samprio-server"))
            .args(["backup", target.to_str().unwrap()])
            .env("SAMPRIO_DATABASE_URL", url)
            .env_remove("SAMPRIO_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    writer.await.unwrap();

    let restored = TestApp::spawn_on(
        Engine::Sqlite,
        format!("sqlite://{}", copy.display()),
        tempfile::tempdir().unwrap(),
        |_| {},
    )
    .await;
    let chain = restored.verify_chain().await;
    assert!(chain.ok, "{chain:?}");
    assert!(chain.events_checked > 0);

    // A second backup to the same file is refused rather than overwriting it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samprio-server"))
        .args(["backup", copy.to_str().unwrap()])
        .env("SAMPRIO_DATABASE_URL", &app.database_url)
        .env_remove("SAMPRIO_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
}
