//! Whole flows in a real Chromium (see `samprio_e2e::browser`): dev sign-in,
//! the cooperation's pages and a proposal from draft to submission, with
//! axe-core run on every page. Skipped with a note when no browser is
//! installed, unless SAMPRIO_REQUIRE_BROWSER=1.

use samprio_e2e::browser::Browser;
use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, Engine, TestApp, content};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";

async fn dev_app() -> TestApp {
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.dev_mode = Some(true))
        .await
        .expect("sqlite");
    app.seed_default().await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digital_lead_drafts_edits_and_submits_a_proposal() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    let tab = browser.tab(&app.web).await;

    // Signed out: to the dev sign-in page, marked as dev mode.
    tab.goto("/").await;
    assert!(tab.path().await.starts_with("/login"));
    assert!(tab.text(".dev-banner").await.contains("Udviklingstilstand"));
    tab.assert_accessible("sign-in").await;
    // Sign-in without a municipality or role: the error summary, linked to the fields.
    tab.go("form[action='/login'] button[type=submit]").await;
    tab.find(".error-summary a[href='#municipality']").await;
    assert!(tab.text(".error-summary").await.contains("Vælg en kommune"));
    tab.assert_accessible("sign-in with errors").await;

    tab.sign_in("Mette Digital", "0147", &["digital_lead"], None).await;
    assert!(tab.text(".who").await.contains("Frederiksberg"));
    assert!(tab.exists(".dev-banner").await, "dev mode marked on every page");
    tab.assert_accessible("cooperations").await;

    tab.go(&format!("a[href='/c/{COOP}']")).await;
    assert_eq!(tab.text("h1").await, "Test cooperation");
    assert!(tab.text("#members-heading + table").await.contains("Dragør"));
    tab.assert_accessible("cooperation home").await;

    tab.go(&format!("a[href='/c/{COOP}/proposals/new']")).await;
    tab.assert_accessible("new proposal").await;
    // Nothing typed: errors, and the page stays usable.
    tab.fill("#one_time_cost", "mange penge").await;
    tab.go("main form[method=post] button[type=submit]").await;
    tab.find(".error-summary a[href='#title']").await;
    tab.find(".error-summary a[href='#one_time_cost']").await;
    tab.assert_accessible("new proposal with errors").await;

    tab.fill("#title", HOSTILE).await;
    tab.fill("#summary", "Et fælles ESDH til alle fem kommuner.").await;
    tab.select("#category", "SHARED_PROCUREMENT").await;
    tab.click("#personal_data").await;
    tab.fill("#one_time_cost", "2500000").await;
    tab.fill("#yearly_cost", "250000").await;
    tab.fill("#linked_systems", "ESDH\nSbSys").await;
    tab.go("main form[method=post] button[type=submit]").await;

    // The detail page: the hostile title is text, nothing was injected.
    assert_eq!(tab.text("h1").await, HOSTILE);
    let injected = tab
        .client
        .execute(
            "return document.querySelectorAll('main img, main script').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, serde_json::json!(0));
    let facts = tab.text(".summary-list").await;
    assert!(
        facts.contains("2.500.000 kr.") && facts.contains("250.000 kr."),
        "{facts}"
    );
    assert!(
        facts.contains("Direktionen"),
        "personal data makes it a board matter: {facts}"
    );
    assert!(tab.text("table").await.contains("Kladde oprettet"));
    tab.assert_accessible("proposal detail").await;
    let id = tab.path().await.trim_start_matches("/proposals/").to_owned();

    // Edit, while someone else saves first: the etag message, nothing lost.
    tab.go(&format!("a[href='/proposals/{id}/edit']")).await;
    tab.fill("#title", "Fælles ESDH").await;
    let etag = app
        .as_("0147", &["board"])
        .proposals()
        .get_proposal(pb::GetProposalRequest { id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .etag;
    app.as_("0147", &["board"])
        .proposals()
        .update_proposal(pb::UpdateProposalRequest {
            id: id.clone(),
            content: Some(content("Direktionens udgave", 1, false)),
            etag,
            request_id: String::new(),
        })
        .await
        .unwrap();
    tab.go("main form[method=post] button[type=submit]").await;
    assert!(tab.text(".error-summary").await.contains("ændret af en anden"));
    assert_eq!(
        tab.find("#title").await.prop("value").await.unwrap().as_deref(),
        Some("Fælles ESDH")
    );
    tab.assert_accessible("edit conflict").await;
    tab.go("main form[method=post] button[type=submit]").await;
    assert_eq!(tab.text("h1").await, "Fælles ESDH");

    // Submit: no more editing, the history says so.
    tab.go(&format!("form[action='/proposals/{id}/submit'] button")).await;
    assert_eq!(tab.text(".badge").await, "Indsendt");
    assert!(!tab.exists(&format!("a[href='/proposals/{id}/edit']")).await);
    let history = tab.text("table").await;
    assert!(
        history.contains("Indsendt") && history.contains("Kladde rettet"),
        "{history}"
    );

    // The English switch keeps the page.
    tab.go("a[hreflang='en']").await;
    assert_eq!(tab.path().await, format!("/proposals/{id}"));
    assert_eq!(tab.text(".badge").await, "Submitted");
    tab.assert_accessible("proposal detail in English").await;

    tab.go(".who button").await;
    assert!(tab.path().await.starts_with("/login"));
    tab.close().await;
}

/// Screenshots for the README, when `SAMPRIO_SCREENSHOTS` names a directory
/// (`SAMPRIO_SCREENSHOTS=docs cargo test -p samprio-e2e --test browser`).
fn screenshot_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SAMPRIO_SCREENSHOTS")?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chair_runs_a_session_that_two_municipalities_attend() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    let first = app
        .submitted_proposal("0147", "Fælles ESDH-løsning", 2_500_000, false)
        .await;
    let second = app
        .submitted_proposal("0151", "AI-assistent til borgerservice", 900_000, true)
        .await;

    let chair = browser.tab(&app.web).await;
    chair.sign_in("Karen Formand", "0101", &["board"], Some(COOP)).await;
    chair.goto(&format!("/c/{COOP}")).await;
    chair.go(&format!("a[href='/c/{COOP}/sessions/new']")).await;
    chair.assert_accessible("new session").await;
    chair.fill("#title", "Styregruppemøde december").await;
    chair.go("main form[method=post] button[type=submit]").await;
    assert_eq!(chair.text("h1").await, "Styregruppemøde december");
    let agenda = chair.text("#agenda-heading + ol").await;
    assert!(
        agenda.contains("Fælles ESDH-løsning") && agenda.contains("AI-assistent"),
        "{agenda}"
    );
    let session = chair.path().await;
    chair.go("form[action$='/open'] button").await;
    assert_eq!(chair.text(".badge").await, "I gang");
    chair.go("form[action$='/check-in'] button").await;

    // A board from another municipality, in its own browser.
    let board = browser.tab(&app.web).await;
    board.sign_in("Bo Bestyrelse", "0147", &["board"], None).await;
    board.goto(&session).await;
    assert!(
        !board.exists("form[action$='/open']").await,
        "only the chair opens and closes"
    );
    assert!(!board.exists("form[action$='/close']").await);
    board.go("form[action$='/check-in'] button").await;
    assert!(!board.exists("form[action$='/check-in']").await, "checked in once");
    board.assert_accessible("session as a member").await;

    chair.goto(&session).await;
    assert_eq!(chair.text("#attendance-count").await, "2 af 5 til stede");
    let attendance = chair.text("#attendance-heading ~ table").await;
    assert!(
        attendance.contains("Frederiksberg") && attendance.contains("Ikke mødt"),
        "{attendance}"
    );
    chair.assert_accessible("session as the chair").await;
    if let Some(dir) = screenshot_dir() {
        chair.screenshot(&dir.join("console-session.png")).await;
    }

    chair.go("form[action$='/close'] button").await;
    assert_eq!(chair.text(".badge").await, "Afsluttet");
    assert!(!chair.exists("form[action$='/close']").await);

    // The cooperation's home lists the session; the proposals stay linked.
    chair.goto(&format!("/c/{COOP}")).await;
    assert!(
        chair
            .text("#sessions-heading ~ table")
            .await
            .contains("Styregruppemøde december")
    );
    chair.assert_accessible("cooperation home with a session").await;
    if let Some(dir) = screenshot_dir() {
        chair.screenshot(&dir.join("console-cooperation.png")).await;
        chair.goto(&format!("/proposals/{}", second.id)).await;
        chair.screenshot(&dir.join("console-proposal.png")).await;
    }
    let _ = first;
    board.close().await;
    chair.close().await;
}

/// Adopts `id` in a session of its own: every member votes YES.
async fn adopt(app: &TestApp, id: &str) {
    let mut chair = app.chair().sessions();
    let s = chair
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Vedtagelse".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    chair
        .open_session(pb::OpenSessionRequest {
            id: s.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: s.id.clone(),
            title: "Vedtagelse".into(),
            method: pb::Method::YesNo as i32,
            candidates: vec![id.to_string()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    for m in ["0101", "0147", "0151", "0153", "0155"] {
        app.as_(m, &["board"])
            .sessions()
            .cast_ballot(pb::CastBallotRequest {
                round_id: r.id.clone(),
                content: Some(pb::BallotContent {
                    kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
                        choices: vec![pb::YesNoChoice {
                            candidate_id: id.to_string(),
                            choice: pb::Choice::Yes as i32,
                        }],
                    })),
                }),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    chair
        .close_session(pb::CloseSessionRequest {
            id: s.id,
            request_id: String::new(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digital_lead_reports_progress_on_the_follow_up_page() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    let p = app.submitted_proposal("0147", HOSTILE, 2_500_000, false).await;
    adopt(&app, &p.id).await;

    let lead = browser.tab(&app.web).await;
    lead.sign_in("Mette Digital", "0147", &["digital_lead"], None).await;
    lead.goto(&format!("/c/{COOP}")).await;
    lead.go(&format!("a[href='/c/{COOP}/follow-up']")).await;
    assert_eq!(lead.text("h1").await, "Opfølgning");
    assert!(
        lead.text("#priority-1").await.contains(HOSTILE),
        "titles are escaped, not run"
    );
    assert!(lead.text("#progress-1").await.contains("0 %"));
    lead.assert_accessible("follow-up").await;

    lead.select("#status-1", "IN_PROGRESS").await;
    lead.fill("#progress-input-1", "40").await;
    lead.fill("#notes-1", "Udbudsmateriale sendt i høring").await;
    lead.go("form[action*='/follow-up/'] button[type=submit]").await;
    assert_eq!(lead.path().await, format!("/c/{COOP}/follow-up"));
    // Plain (0 + 40 + 0 + 0 + 0) / 5 = 8 %; weighted 40·104 000 / 866 000 = 4,80 %.
    let progress = lead.text("#progress-1").await;
    assert!(progress.contains("8 %") && progress.contains("4,80 %"), "{progress}");
    let table = lead.text("#priority-1 ~ table").await;
    assert!(
        table.contains("I gang") && table.contains("40 %") && table.contains("Udbudsmateriale sendt i høring"),
        "{table}"
    );
    lead.assert_accessible("follow-up after reporting").await;

    // An observer reads it and has no form.
    let observer = browser.tab(&app.web).await;
    observer.sign_in("Olga Observatør", "0151", &["observer"], None).await;
    observer.goto(&format!("/c/{COOP}/follow-up")).await;
    assert!(observer.text("#priority-1 ~ table").await.contains("40 %"));
    assert!(!observer.exists("form[action*='/follow-up/']").await);
    observer.close().await;
    lead.close().await;
}
