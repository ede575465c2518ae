//! A member's portfolio through the CLI: add, list with a filter, update
//! one field, export and import the CSV template, the overview, shared
//! opportunities and a draft proposal made of one.

mod common;
use common::{has_words, samprio, stdout};

use samprio_e2e::{COOP, Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portfolio_through_the_cli() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let lead = app.token("0101", &["digital_lead"]);
    let other = app.token("0147", &["digital_lead"]);
    let observer = app.token("0151", &["observer"]);
    // Contract ends a year ahead, so that they fall in the default window.
    let in_months = |m: u32| {
        (chrono::Utc::now().date_naive() + chrono::Months::new(m))
            .format("%Y-%m-%d")
            .to_string()
    };
    let (end_a, end_b) = (in_months(10), in_months(13));

    let added = stdout(
        &samprio(
            &app,
            &lead,
            &[
                "system",
                "add",
                COOP,
                "0101",
                "--name",
                "SBSYS",
                "--vendor",
                "Fujitsu A/S",
                "--function",
                "ESDH",
                "--lifecycle",
                "operational",
                "--contract-end",
                &end_a,
                "--yearly-cost",
                "1200000",
                "--ai",
                "no",
                "--personal-data",
                "true",
                "--time-class",
                "migrate",
            ],
        )
        .await,
    );
    assert!(added.contains("1.200.000 kr.") && added.contains("migrate"), "{added}");
    let id = added
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("id ").map(|v| v.trim().to_string()))
        .expect("the new system's id");
    stdout(
        &samprio(
            &app,
            &other,
            &[
                "system",
                "add",
                COOP,
                "0147",
                "--name",
                "SBSYS",
                "--function",
                "ESDH",
                "--contract-end",
                &end_b,
            ],
        )
        .await,
    );

    // Another member's lead cannot write 0101's portfolio.
    let o = samprio(&app, &other, &["system", "add", COOP, "0101", "--name", "Snyd"]).await;
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("permission denied"),
        "{o:?}"
    );

    // Update changes only the field given.
    let updated = stdout(
        &samprio(
            &app,
            &lead,
            &["system", "update", COOP, "0101", &id, "--time-class", "invest"],
        )
        .await,
    );
    assert!(updated.contains("invest") && updated.contains(&end_a), "{updated}");

    let list = stdout(&samprio(&app, &observer, &["system", "list", COOP, "--time-class", "invest"]).await);
    assert!(
        list.contains("SBSYS") && list.contains("0101") && !list.contains("0147"),
        "{list}"
    );

    // Export, then import the same file: nothing changes, and it says so.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("0101.csv");
    let file = file.to_str().unwrap();
    stdout(&samprio(&app, &observer, &["system", "export-csv", COOP, "0101", "--out", file]).await);
    let again = stdout(&samprio(&app, &lead, &["system", "import-csv", COOP, "0101", file]).await);
    assert!(again.contains("Nothing changed"), "{again}");

    let overview = stdout(&samprio(&app, &observer, &["system", "overview", COOP]).await);
    assert!(
        overview.contains("systems in use") && overview.contains("1.200.000 kr."),
        "{overview}"
    );

    let found = stdout(&samprio(&app, &observer, &["system", "opportunities", COOP]).await);
    assert!(has_words(&found, "2 of 5 members' ESDH contracts end in"), "{found}");
    let draft = stdout(
        &samprio(
            &app,
            &lead,
            &["system", "propose", COOP, "--overlap", "system", "--label", "SBSYS"],
        )
        .await,
    );
    assert!(
        draft.contains("Fælles anskaffelse: SBSYS") && draft.contains("linked systems"),
        "{draft}"
    );
}
