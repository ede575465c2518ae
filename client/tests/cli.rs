//! The `samprio` CLI against a real server: the quickstart's steps, JSON for
//! scripts, and errors as one clear line with the field named.

mod common;
use common::{samprio, stdout};

use samprio_e2e::{COOP, Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_through_the_cli() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let operator = app.token("0101", &["operator"]);
    let secretariat = app.token("0101", &[&format!("secretariat:{COOP}")]);
    let lead = app.token("0147", &["digital_lead"]);
    let observer = app.token("0151", &["observer"]);

    let out = stdout(
        &samprio(
            &app,
            &operator,
            &[
                "cooperation",
                "create",
                COOP,
                "--name",
                "Hovedstaden",
                "--weighting",
                "population",
                "--quorum",
                "50%",
            ],
        )
        .await,
    );
    assert!(out.contains("population") && out.contains("50.00%"), "{out}");
    for (code, name, pop) in [
        ("0101", "København", "660000"),
        ("0147", "Frederiksberg", "104000"),
        ("0151", "Ballerup", "49000"),
    ] {
        stdout(
            &samprio(
                &app,
                &secretariat,
                &["member", "add", COOP, code, "--name", name, "--population", pop],
            )
            .await,
        );
    }
    let members = stdout(&samprio(&app, &observer, &["member", "list", COOP]).await);
    assert!(
        members.contains("Frederiksberg") && members.contains("660.000"),
        "{members}"
    );

    let json = stdout(
        &samprio(
            &app,
            &lead,
            &[
                "--json",
                "proposal",
                "create",
                COOP,
                "--title",
                "Fælles ESDH",
                "--category",
                "replacement",
                "--personal-data",
                "--one-time-cost",
                "2500000",
                "--system",
                "ESDH",
            ],
        )
        .await,
    );
    let draft: serde_json::Value = serde_json::from_str(&json).expect("--json prints JSON");
    assert_eq!(draft["status"], "PROPOSAL_STATUS_DRAFT");
    assert_eq!(draft["decisionLevel"], "DECISION_LEVEL_BOARD");
    let id = draft["id"].as_str().unwrap();
    let sub = stdout(&samprio(&app, &lead, &["proposal", "submit", id]).await);
    assert!(sub.contains("submitted"), "{sub}");
    let show = stdout(&samprio(&app, &observer, &["proposal", "get", id]).await);
    assert!(
        show.contains("2.500.000 kr.") && show.contains("0 kr."),
        "amounts as the rest of the CLI writes them: {show}"
    );
    let list = stdout(&samprio(&app, &observer, &["proposal", "list", COOP, "--status", "submitted"]).await);
    assert!(list.contains("Fælles ESDH"), "{list}");

    let events = stdout(&samprio(&app, &observer, &["events", COOP]).await);
    assert!(
        events.contains("proposal.submitted") && events.contains("member.added"),
        "{events}"
    );
    let verify = stdout(&samprio(&app, &observer, &["verify-chain"]).await);
    assert!(verify.contains("chain intact: 6 events"), "{verify}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_clear_line() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let observer = app.token("0151", &["observer"]);

    let o = samprio(
        &app,
        &observer,
        &["proposal", "create", COOP, "--title", "X", "--category", "other"],
    )
    .await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("samprio: permission denied:"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let lead = app.token("0147", &["digital_lead"]);
    let o = samprio(
        &app,
        &lead,
        &["proposal", "create", COOP, "--title", "  ", "--category", "other"],
    )
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid request") && err.contains("content.title"),
        "{err}"
    );

    let o = samprio(&app, "", &["cooperation", "list"]).await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("samprio: not authenticated:"), "{err}");

    let o = samprio(
        &app,
        &observer,
        &["--server", "http://127.0.0.1:1", "cooperation", "list"],
    )
    .await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("cannot reach samprio-server at http://127.0.0.1:1: is it running?"),
        "{err}"
    );
}
