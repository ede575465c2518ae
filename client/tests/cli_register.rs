//! The register through the CLI: listing it, and cooperations and members
//! made from it instead of typed-in populations.

mod common;
use common::{samprio, stdout};

use samprio_e2e::{COOP, Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooperation_and_members_from_the_register() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let operator = app.token("0101", &["operator"]);
    let secretariat = app.token("0101", &[&format!("secretariat:{COOP}")]);
    let observer = app.token("0151", &["observer"]);

    let list = stdout(&samprio(&app, &observer, &["register", "list", "--region", "hovedstaden"]).await);
    assert!(list.contains("København") && list.contains("671.714"), "{list}");
    assert!(list.contains("29 municipalities"), "{list}");
    assert!(!list.contains("Aarhus"), "{list}");
    let one = stdout(&samprio(&app, &observer, &["register", "get", "--cvr", "64942212"]).await);
    assert!(one.contains("0101") && one.contains("2026-01-01"), "{one}");

    stdout(
        &samprio(
            &app,
            &operator,
            &[
                "cooperation",
                "create",
                COOP,
                "--name",
                "Vestegnen",
                "--weighting",
                "population",
                "--members",
                "0101,0147,0151",
            ],
        )
        .await,
    );
    let added = stdout(&samprio(&app, &secretariat, &["member", "add", COOP, "0153"]).await);
    assert!(added.contains("Brøndby") && added.contains("40.990"), "{added}");
    let members = stdout(&samprio(&app, &observer, &["member", "list", COOP]).await);
    for name in ["København", "Frederiksberg", "Ballerup", "Brøndby", "2026-01-01"] {
        assert!(members.contains(name), "{name} missing:\n{members}");
    }

    let o = samprio(&app, &secretariat, &["member", "add", COOP, "9999"]).await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("invalid request") && err.contains("name"),
        "{err}"
    );

    let json = stdout(
        &samprio(
            &app,
            &operator,
            &[
                "--json",
                "cooperation",
                "create",
                "region-syd",
                "--name",
                "Syd",
                "--members",
                "region:syddanmark",
            ],
        )
        .await,
    );
    let coop: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(coop["memberCount"], 22);
}
