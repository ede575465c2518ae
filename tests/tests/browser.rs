//! Whole flows in a real Chromium (see `samprio_e2e::browser`): dev sign-in,
//! the cooperation's pages and a proposal from draft to submission, with
//! axe-core run on every page. Skipped with a note when no browser is
//! installed, unless SAMPRIO_REQUIRE_BROWSER=1.

use fantoccini::key::Key;
use samprio_e2e::browser::{Browser, Tab};
use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, Engine, TestApp, all_yes, content, ranking};

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
    assert!(!injected(&tab).await);
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

    // The cooperation's proposal list shows it, its title as text.
    tab.go(&format!("a[href='/c/{COOP}/proposals']")).await;
    assert!(tab.text("main table").await.contains("Fælles ESDH"));
    assert!(!injected(&tab).await);
    tab.assert_accessible("proposals").await;
    // A page that does not exist says so, in a page like the others.
    tab.goto("/findes-ikke").await;
    tab.find("main h1").await;
    tab.assert_accessible("not found").await;
    tab.goto(&format!("/proposals/{id}")).await;

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

/// The titles of the round's candidates in the order the ranking form
/// shows them.
async fn ranking_order(tab: &Tab) -> Vec<String> {
    let order = tab
        .client
        .execute(
            "return [...document.querySelectorAll('#ranking .ranking-title')].map(e => e.textContent.trim());",
            vec![],
        )
        .await
        .expect("ranking order");
    serde_json::from_value(order).expect("titles")
}

/// The places the ranking form would post, by title.
async fn places(tab: &Tab) -> Vec<(String, String)> {
    let v = tab
        .client
        .execute(
            "return [...document.querySelectorAll('#ranking li')].map(li => [li.querySelector('.ranking-title').textContent.trim(), li.querySelector('select').value]);",
            vec![],
        )
        .await
        .expect("places");
    serde_json::from_value(v).expect("pairs")
}

/// Marks the page so a test can tell it was not reloaded since.
async fn mark(tab: &Tab) {
    tab.client
        .execute("window.__samprioMark = 1;", vec![])
        .await
        .expect("mark");
}

async fn still_marked(tab: &Tab) -> bool {
    tab.client
        .execute("return window.__samprioMark === 1;", vec![])
        .await
        .expect("marked")
        == serde_json::json!(true)
}

/// A board signs in, opens the round and checks the ballot page.
async fn board_on_ballot(browser: &Browser, app: &TestApp, name: &str, code: &str, round: &str) -> Tab {
    let tab = browser.tab(&app.web).await;
    tab.sign_in(name, code, &["board"], None).await;
    tab.goto(round).await;
    tab.find("#ranking.ranking--enhanced").await;
    tab
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_municipalities_run_a_session_with_a_schulze_round() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    const ESDH: &str = "Fælles ESDH-løsning";
    const AI: &str = "AI-assistent til borgerservice";
    const BOOKING: &str = "Fælles lokalebooking";
    app.submitted_proposal("0147", ESDH, 2_500_000, false).await;
    let ai_proposal = app.submitted_proposal("0151", AI, 900_000, true).await;
    app.submitted_proposal("0153", BOOKING, 300_000, false).await;

    // The chair schedules the session, opens it and checks in.
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
        agenda.contains(ESDH) && agenda.contains(AI) && agenda.contains(BOOKING),
        "{agenda}"
    );
    let session = chair.path().await;
    chair.go("form[action$='/open'] button").await;
    assert_eq!(chair.text(".badge").await, "I gang");
    chair.go("form[action$='/check-in'] button").await;

    // Another municipality's board checks in; it cannot run the meeting.
    let bo = browser.tab(&app.web).await;
    bo.sign_in("Bo Bestyrelse", "0147", &["board"], None).await;
    bo.goto(&session).await;
    assert!(
        !bo.exists("form[action$='/open']").await,
        "only the chair opens and closes"
    );
    assert!(!bo.exists("form[action$='/close']").await);
    assert!(
        !bo.exists("a[href$='/rounds/new']").await,
        "only the chair opens rounds"
    );
    bo.go("form[action$='/check-in'] button").await;
    assert!(!bo.exists("form[action$='/check-in']").await, "checked in once");
    bo.assert_accessible("session as a member").await;

    chair.goto(&session).await;
    assert_eq!(chair.text("#attendance-count").await, "2 af 5 til stede");
    chair.assert_accessible("session as the chair").await;
    chair.assert_keyboard_reaches_everything("session as the chair").await;

    // The chair opens a Schulze round: a bad quorum first, then a good one.
    chair.go(&format!("a[href='{session}/rounds/new']")).await;
    chair.assert_accessible("open a round").await;
    assert!(chair.find("#method-SCHULZE").await.is_selected().await.unwrap());
    chair.fill("#title", "Prioritering 2027").await;
    chair.fill("#quorum", "mange").await;
    chair.go("main form[method=post] button[type=submit]").await;
    chair.find(".error-summary a[href='#quorum']").await;
    chair.assert_accessible("open a round with errors").await;
    chair.assert_keyboard_reaches_everything("open a round").await;
    chair.fill("#quorum", "50").await;
    chair.go("main form[method=post] button[type=submit]").await;
    assert_eq!(chair.text("h1").await, "Prioritering 2027");
    let round = chair.path().await;
    assert!(round.starts_with("/rounds/"), "{round}");
    assert!(chair.text(".facts").await.contains("Rangordning (Schulze)"));
    assert!(chair.text(".method-sentence").await.contains("to og to"));
    assert_eq!(
        chair.text("#turnout-count").await,
        "0 af 5 kommuner har stemt (0 % af stemmevægten)"
    );
    chair.assert_accessible("round as the chair").await;
    mark(&chair).await;

    // Frederiksberg's board ranks by keyboard: Alt+Arrow up moves the focused item.
    bo.goto(&round).await;
    bo.find("#ranking.ranking--enhanced").await;
    assert_eq!(ranking_order(&bo).await, [ESDH, AI, BOOKING]);
    bo.assert_accessible("Schulze ballot").await;
    bo.assert_keyboard_reaches_everything("Schulze ballot").await;
    let booking = bo
        .client
        .execute(
            &format!("return [...document.querySelectorAll('#ranking li')].find(li => li.textContent.includes('{BOOKING}')).dataset.id;"),
            vec![],
        )
        .await
        .unwrap();
    let booking = booking.as_str().unwrap().to_owned();
    let alt_up = format!("{}{}", Key::Alt, Key::Up);
    bo.keys(&format!("#place-{booking}"), &alt_up).await;
    bo.keys(&format!("#place-{booking}"), &alt_up).await;
    assert_eq!(ranking_order(&bo).await, [BOOKING, ESDH, AI]);
    assert!(bo.text("#ranking-status").await.contains("flyttet til plads 1 af 3"));
    assert_eq!(
        places(&bo).await,
        [
            (BOOKING.into(), "1".into()),
            (ESDH.into(), "2".into()),
            (AI.into(), "3".into())
        ]
    );
    if let Some(dir) = screenshot_dir() {
        bo.screenshot(&dir.join("console-ballot.png")).await;
    }
    bo.enter("#ballot-form button[type=submit]").await;
    assert!(bo.text("#cast-notice").await.contains("Stemmen er afgivet"));

    // The chair's screen follows without a reload.
    chair.wait_for_text("#turnout-count", |t| t.starts_with("1 af 5")).await;
    assert!(still_marked(&chair).await, "the chair's page was not reloaded");
    assert!(chair.text("#turnout-table").await.contains("✓ Har stemt"));

    // Ballerup's board ranks with the buttons, by keyboard.
    let ballerup = board_on_ballot(&browser, &app, "Birgit Bestyrelse", "0151", &round).await;
    let ai = ballerup
        .client
        .execute(
            &format!("return [...document.querySelectorAll('#ranking li')].find(li => li.textContent.includes('{AI}')).dataset.id;"),
            vec![],
        )
        .await
        .unwrap();
    let ai = ai.as_str().unwrap().to_owned();
    ballerup
        .keys(&format!("li[data-id='{ai}'] .move-up"), &Key::Enter.to_string())
        .await;
    assert_eq!(ranking_order(&ballerup).await, [AI, ESDH, BOOKING]);
    ballerup.enter("#ballot-form button[type=submit]").await;
    chair.wait_for_text("#turnout-count", |t| t.starts_with("2 af 5")).await;

    // Brøndby's board drags the booking system to the top.
    let brondby = board_on_ballot(&browser, &app, "Bent Bestyrelse", "0153", &round).await;
    brondby
        .drag(
            &format!("li[data-id='{booking}'] .ranking-handle"),
            "#ranking li:first-child",
        )
        .await;
    assert_eq!(ranking_order(&brondby).await, [BOOKING, ESDH, AI]);
    assert_eq!(places(&brondby).await[0], (BOOKING.into(), "1".into()));
    brondby.enter("#ballot-form button[type=submit]").await;
    chair.wait_for_text("#turnout-count", |t| t.starts_with("3 af 5")).await;
    assert!(still_marked(&chair).await);

    // Ballerup replaces its ballot before the close, without script: a tie.
    ballerup.goto(&round).await;
    assert_eq!(
        ranking_order(&ballerup).await,
        [AI, ESDH, BOOKING],
        "the form shows the ballot cast"
    );
    assert_eq!(
        ballerup.text("#ballot-form button[type=submit]").await,
        "Erstat stemmen"
    );
    ballerup.select(&format!("#place-{ai}"), "1").await;
    let esdh_select = ballerup
        .client
        .execute(
            &format!("return [...document.querySelectorAll('#ranking li')].find(li => li.textContent.includes('{ESDH}')).querySelector('select').id;"),
            vec![],
        )
        .await
        .unwrap();
    ballerup
        .select(&format!("#{}", esdh_select.as_str().unwrap()), "1")
        .await;
    ballerup.go("#ballot-form button[type=submit]").await;
    assert!(ballerup.text("#cast-notice").await.contains("Stemmen er afgivet"));

    // An observer follows the round but has nothing to vote with, and is
    // refused when it posts a ballot anyway.
    let observer = browser.tab(&app.web).await;
    observer.sign_in("Olga Observatør", "0155", &["observer"], None).await;
    observer.goto(&round).await;
    assert!(!observer.exists("#ballot-form").await);
    assert!(
        !observer.exists("main button[type=submit]").await,
        "no button the observer may not use"
    );
    assert!(
        observer
            .text("#ballot")
            .await
            .contains("giver ikke adgang til at stemme")
    );
    observer.assert_accessible("round as an observer").await;
    let status = observer
        .client
        .execute(
            &format!(
                "const csrf = document.querySelector('input[name=csrf]').value;
                 const body = new URLSearchParams({{ csrf, ['place-{booking}']: '1' }});
                 return fetch('{round}/ballot', {{ method: 'POST', body, redirect: 'manual' }}).then(r => r.status);"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, serde_json::json!(403), "an observer's ballot is refused");

    // The chair closes the round by keyboard; every open screen shows the result.
    mark(&bo).await;
    chair.enter(&format!("form[action='{round}/close'] button")).await;
    assert_eq!(chair.text("#round-state").await, "Lukket");
    let result = chair.text("#result-table tbody").await;
    let rows: Vec<&str> = result.lines().collect();
    assert!(rows[0].starts_with("1") && rows[0].contains(BOOKING), "{result}");
    assert!(rows[1].contains(ESDH) && rows[2].contains(AI), "{result}");
    assert!(chair.text("#quorum-line").await.contains("var beslutningsdygtig"));
    let ballots = chair.text("#ballot-table").await;
    assert!(
        ballots.contains("Bo Bestyrelse") && ballots.contains("Frederiksberg"),
        "{ballots}"
    );
    assert!(
        ballots.contains(&format!("1. {AI} = {ESDH}; 2. {BOOKING}"))
            || ballots.contains(&format!("1. {ESDH} = {AI}; 2. {BOOKING}")),
        "{ballots}"
    );
    chair.assert_accessible("results").await;
    chair.assert_keyboard_reaches_everything("results").await;
    if let Some(dir) = screenshot_dir() {
        chair.screenshot(&dir.join("console-results.png")).await;
    }
    bo.wait_for_text("#round-state", |t| t == "Lukket").await;
    bo.find("#result-table").await;
    assert!(still_marked(&bo).await, "the board's page was not reloaded");
    assert!(
        !bo.exists("#ballot-form").await,
        "the ballot form goes when the round closes"
    );

    // The other four ballot forms: each opened by the chair, cast by a board.
    for (method, fill) in [
        ("YES_NO", "yes"),
        ("APPROVAL", "approve"),
        ("SCORE", "score"),
        ("BORDA", "rank"),
    ] {
        chair.goto(&format!("{session}/rounds/new")).await;
        chair.click(&format!("#method-{method}")).await;
        chair.go("main form[method=post] button[type=submit]").await;
        let r = chair.path().await;
        assert!(r.starts_with("/rounds/"), "{method}: {r}");
        bo.goto(&r).await;
        bo.assert_accessible(&format!("{method} ballot")).await;
        match fill {
            "yes" => bo.click("#ballot-form input[value=YES]").await,
            "approve" => bo.click("#ballot-form input[name=approve]").await,
            "score" => bo.select("#ballot-form select", "4").await,
            _ => {
                bo.keys("#ballot-form li:last-child .move-up", &Key::Enter.to_string())
                    .await
            }
        }
        bo.assert_keyboard_reaches_everything(&format!("{method} ballot")).await;
        bo.go("#ballot-form button[type=submit]").await;
        assert!(bo.text("#cast-notice").await.contains("Stemmen er afgivet"), "{method}");
        if method == "BORDA" {
            chair.goto(&r).await;
            chair.click(".cancel-round summary").await;
            chair.fill("#reason", "Forkert metode").await;
            chair.go(".cancel-round button").await;
            assert!(chair.text("#results").await.contains("annulleret: Forkert metode"));
        } else {
            chair.goto(&r).await;
            chair.go(&format!("form[action='{r}/close'] button")).await;
            assert_eq!(chair.text("#round-state").await, "Lukket", "{method}");
            assert!(chair.text("#ballot-table").await.contains("Frederiksberg"), "{method}");
            chair.assert_accessible(&format!("{method} results")).await;
        }
    }

    // The session page lists the rounds; its turnout is the same.
    chair.goto(&session).await;
    let rounds = chair.text("#rounds-heading ~ table").await;
    assert!(
        rounds.contains("Prioritering 2027") && rounds.contains("3 af 5"),
        "{rounds}"
    );
    chair.assert_accessible("session with rounds").await;
    if let Some(dir) = screenshot_dir() {
        chair.screenshot(&dir.join("console-session.png")).await;
    }
    chair.go("form[action$='/close'] button").await;
    assert_eq!(chair.text(".badge").await, "Afsluttet");
    assert!(!chair.exists("form[action$='/close']").await);

    // The closed session's minutes, in Danish: the decision and who attended.
    chair.go(&format!("a[href='{session}/minutes']")).await;
    assert_eq!(chair.path().await, format!("{session}/minutes"));
    assert_eq!(chair.text("h1").await, "Referat: Styregruppemøde december");
    let minutes = chair.text("article.minutes").await;
    let decision = format!("Afstemning 1 »Prioritering 2027«: rækkefølge 1. {BOOKING}");
    assert!(minutes.contains(&decision), "{decision:?} in {minutes}");
    let attendance = chair
        .client
        .execute(
            "return [...document.querySelectorAll('article.minutes h2')]
                 .find(h => h.textContent.trim() === 'Deltagere')
                 .nextElementSibling.textContent;",
            vec![],
        )
        .await
        .unwrap();
    let attendance = attendance.as_str().unwrap_or_default();
    for present in [
        "København",
        "Karen Formand",
        "Frederiksberg",
        "Bo Bestyrelse",
        "mødte (tjekket ind)",
    ] {
        assert!(attendance.contains(present), "{present:?} in {attendance}");
    }
    assert!(
        attendance.contains("Ballerup") && attendance.contains("deltog ved at stemme"),
        "Ballerup voted without checking in: {attendance}"
    );
    assert!(minutes.contains("Fravær"), "{minutes}");
    chair.assert_accessible("minutes").await;

    // The cooperation's home lists the session.
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
        chair.goto(&format!("/proposals/{}", ai_proposal.id)).await;
        chair.screenshot(&dir.join("console-proposal.png")).await;
    }
    for tab in [bo, ballerup, brondby, observer, chair] {
        tab.close().await;
    }
}

/// Whether the page's main content holds any element a hostile title would
/// have injected.
async fn injected(tab: &samprio_e2e::browser::Tab) -> bool {
    tab.client
        .execute(
            "return document.querySelectorAll('main img, main script').length;",
            vec![],
        )
        .await
        .expect("script runs")
        != serde_json::json!(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_opts_out_and_reconfirms_after_the_shared_list_changes() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    let hostile = app.submitted_proposal("0101", HOSTILE, 400_000, false).await.id;
    let esdh = app
        .submitted_proposal("0147", "Fælles ESDH-løsning", 2_500_000, false)
        .await
        .id;
    let portal = app.submitted_proposal("0151", "Borgerportal", 900_000, false).await.id;
    let ids = vec![hostile.clone(), esdh.clone(), portal.clone()];
    app.decided_round("Vedtagelse", pb::Method::YesNo, &ids, all_yes(&ids))
        .await;

    // Frederiksberg's board opens its page from the cooperation's home.
    let board = browser.tab(&app.web).await;
    board.sign_in("Bo Bestyrelse", "0147", &["board"], None).await;
    board.goto(&format!("/c/{COOP}")).await;
    board.go(&format!("a[href='/c/{COOP}/board']")).await;
    assert_eq!(board.text("h1").await, "Direktionens side – Frederiksberg");
    assert!(board.text("#effective").await.contains("Fælles ESDH-løsning"));
    assert!(!injected(&board).await, "a hostile title is text on the board page");
    board.assert_accessible("board page").await;

    // Opting out: without justification and resolution it is refused, by field.
    board
        .go(&format!("a[href='/c/{COOP}/overrides/new?proposal={esdh}']"))
        .await;
    board.assert_accessible("override form").await;
    board.click("#kind-OPT_OUT").await;
    board.fill("#justification", "n/a").await;
    board.go("main form[method=post] button[type=submit]").await;
    board.find(".error-summary a[href='#justification']").await;
    board.find(".error-summary a[href='#board_resolution']").await;
    assert!(board.text(".error-summary").await.contains("meningsfuld tekst"));
    board.assert_accessible("override form with errors").await;
    board
        .fill(
            "#justification",
            "Frederiksberg har netop forlænget sin ESDH-kontrakt til 2029.",
        )
        .await;
    board
        .fill("#board_resolution", "Direktionsmøde 2026-11-12, pkt. 4")
        .await;
    board.go("main form[method=post] button[type=submit]").await;
    assert_eq!(board.text("h1").await, "Lokal afvigelse: Fælles ESDH-løsning");
    assert!(!board.exists("#needs-review").await);
    board.assert_accessible("override").await;
    let override_page = board.path().await;

    // The effective list sets it apart, with the reason.
    board.goto(&format!("/c/{COOP}/board")).await;
    assert!(!board.text("#effective").await.contains("Fælles ESDH-løsning"));
    let apart = board.text("#set-apart").await;
    assert!(
        apart.contains("Fælles ESDH-løsning") && apart.contains("Fravalgt") && apart.contains("pkt. 4"),
        "{apart}"
    );
    board.assert_accessible("board page with an opt-out").await;
    if let Some(dir) = screenshot_dir() {
        board.screenshot(&dir.join("console-board.png")).await;
    }

    // The cooperation's matrix and the member's report show it to everyone.
    let observer = browser.tab(&app.web).await;
    observer.sign_in("Olga Observatør", "0151", &["observer"], None).await;
    observer.goto(&format!("/c/{COOP}/accountability")).await;
    let row = observer
        .text(&format!("#matrix tr:has(a[href='/proposals/{esdh}'])"))
        .await;
    assert!(row.contains("Frederiksberg"), "{row}");
    assert!(!injected(&observer).await);
    observer.assert_accessible("accountability matrix").await;
    observer.go(&format!("a[href='/c/{COOP}/accountability/0147']")).await;
    assert!(
        observer
            .text("#overrides")
            .await
            .contains("forlænget sin ESDH-kontrakt")
    );
    assert!(
        observer.text("#divergences").await.contains("Fælles ESDH-løsning"),
        "voted YES, then opted out"
    );
    assert!(observer.text("#votes").await.contains("Fælles ESDH-løsning: Ja"));
    assert!(!injected(&observer).await);
    observer.assert_accessible("member report").await;

    // An observer sees no form it may not use, and is refused if it posts.
    observer.goto(&format!("/c/{COOP}/board?m=0147")).await;
    assert!(!observer.exists("a[href*='/overrides/new']").await);
    observer.goto(&override_page).await;
    assert!(
        !observer.exists("main form").await,
        "no reconfirm or revoke for an observer"
    );
    observer.assert_accessible("override as an observer").await;
    observer
        .client
        .execute(
            r#"const f = document.createElement("form");
               f.method = "post"; f.action = location.pathname + "/revoke";
               for (const [k, v] of [["csrf", document.querySelector("input[name=csrf]").value],
                                     ["revoke_justification", "Observatøren prøver alligevel at tilbagekalde"],
                                     ["revoke_resolution", "Ingen beslutning"]]) {
                 const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
               }
               document.body.appendChild(f); f.submit();"#,
            vec![],
        )
        .await
        .expect("post as observer");
    observer.find("h1").await;
    for _ in 0..100 {
        if observer.path().await.ends_with("/revoke") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(observer.text("h1").await, "Det har du ikke adgang til");
    observer.goto(&override_page).await;
    assert_eq!(observer.text(".badge").await, "Gældende", "still in force");

    // A later round moves the item: the override needs review.
    let reordered = vec![esdh.clone(), hostile.clone(), portal.clone()];
    app.decided_round("Omprioritering", pb::Method::Borda, &reordered, ranking(&reordered))
        .await;
    board.goto(&format!("/c/{COOP}/board")).await;
    assert_eq!(board.text("#review-heading").await, "Til genbehandling (1)");
    assert!(board.text("#review").await.contains("Fælles ESDH-løsning"));
    board.assert_accessible("board page with an override to review").await;
    board.go("#review a[href^='/overrides/']").await;
    assert!(board.exists("#needs-review").await);
    board.assert_accessible("override that needs review").await;
    board
        .fill("#reconfirm_resolution", "Direktionsmøde 2026-12-03, pkt. 2")
        .await;
    board.go("form[action$='/reconfirm'] button").await;
    assert!(!board.exists("#needs-review").await);
    let history = board.text("#override-history").await;
    assert!(
        history.contains("Bekræftet igen") && history.contains("2026-12-03"),
        "{history}"
    );
    board.goto(&format!("/c/{COOP}/board")).await;
    assert_eq!(board.text("#review-heading").await, "Til genbehandling (0)");

    // The record: the log names the override, the chain verifies, and the
    // proposal's history reads its own events.
    board.goto(&format!("/c/{COOP}")).await;
    board.go(&format!("a[href='/c/{COOP}/events']")).await;
    board.assert_accessible("event log").await;
    let mut log = board.text("#events").await;
    while board.exists("a[rel=next]").await {
        board.go("a[rel=next]").await;
        log.push_str(&board.text("#events").await);
    }
    assert!(
        log.contains("Lokal afvigelse besluttet") && log.contains("Lokal afvigelse bekræftet igen"),
        "{log}"
    );
    assert!(!injected(&board).await, "the hostile title in a payload is text");
    board.go(&format!("a[href='/c/{COOP}/events/verify']")).await;
    assert!(board.text("#verdict").await.contains("Kæden er intakt"));
    board.assert_accessible("chain verification").await;
    board.goto(&format!("/proposals/{esdh}")).await;
    let history = board.text("table").await;
    assert!(
        history.contains("Indsendt") && history.contains("Vedtaget"),
        "{history}"
    );
    observer.close().await;
    board.close().await;
}

/// With an OpenID Connect provider configured for the console, a person
/// signs in on the provider's own sign-in form (authorization code with
/// PKCE); the provider's claims (CVR, groups) map to a municipality and
/// roles as for bearer tokens, and the session cookie is HttpOnly and
/// SameSite=Lax, and Secure once the console's public address is https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_member_signs_in_through_the_identity_provider() {
    use samprio_e2e::http;
    use samprio_e2e::oidc::{OidcProvider, RESOURCE};
    use samprio_e2e::samprio_server::auth::{Algorithm, ClaimMapping, IssuerConfig};
    use samprio_e2e::samprio_server::config::ConsoleOidcConfig;

    let Some(browser) = Browser::start() else { return };
    let Some(provider) = OidcProvider::start(
        samprio_e2e::AUDIENCE,
        serde_json::json!({
            "clients": { "samprio-console": { "redirect_uris": ["http://127.0.0.1/login/callback"], "native": true } },
            "accounts": { "aase": { "cvr": "55133018", "groups": ["Alle medarbejdere", "GG-Samprio-Direktion"], "name": "Aase Østergård" } },
        }),
    )
    .await
    else {
        return;
    };
    let issuer = IssuerConfig {
        iss: provider.issuer.clone(),
        algorithm: Algorithm::RS256,
        discovery: true,
        municipalities: vec!["0751".into()],
        claims: ClaimMapping {
            cvr: Some("cvr".into()),
            roles: Some("groups".into()),
            role_map: [("GG-Samprio-Direktion".to_owned(), vec!["board".to_owned()])]
                .into_iter()
                .collect(),
            ..ClaimMapping::default()
        },
        ..IssuerConfig::default()
    };
    let console = ConsoleOidcConfig {
        issuer: provider.issuer.clone(),
        client_id: "samprio-console".into(),
        client_secret: None,
        scope: "openid samprio".into(),
        resource: Some(RESOURCE.into()),
    };
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.auth.issuers.push(issuer.clone());
        c.console.oidc = Some(console.clone());
    })
    .await
    .expect("sqlite");
    app.seed_default().await;
    app.secretariat()
        .cooperations()
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0751".into(),
            ..Default::default()
        })
        .await
        .expect("Aarhus joins");

    let tab = browser.tab(&app.web).await;
    tab.goto(&format!("/c/{COOP}/board")).await;
    assert!(tab.path().await.starts_with("/login"));
    assert!(!tab.exists(".dev-banner").await, "not dev mode");
    tab.assert_accessible("sign-in with a provider").await;
    tab.go("#sign-in-provider").await;
    sign_in_at_provider(&tab, &app.web, "aase").await;
    tab.find(".who").await;
    assert_eq!(
        tab.path().await,
        format!("/c/{COOP}/board"),
        "back where the sign-in began"
    );
    let who = tab.text(".who").await;
    assert!(who.contains("aase") && who.contains("Aarhus"), "{who}");
    assert_eq!(tab.text("h1").await, "Direktionens side – Aarhus");
    assert!(
        tab.exists(&format!("a[href='/c/{COOP}/overrides/new']")).await,
        "the provider's group made this person Aarhus' board"
    );
    tab.assert_accessible("board page after a provider sign-in").await;
    let cookies = tab.client.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name() == "samprio_session")
        .expect("a session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Lax)");
    assert!(
        !cookies.iter().any(|c| c.name() == "samprio_oidc"),
        "the flow's cookie is spent"
    );

    // A callback that does not carry the flow's state is refused.
    tab.goto("/login/callback?code=forged&state=forged").await;
    assert_eq!(tab.text("h1").await, "Log ind");
    assert!(tab.text("main").await.contains("ikke godkendt"));
    tab.assert_accessible("sign-in refused").await;
    tab.close().await;

    // Behind an https address, the cookies are Secure.
    let behind_tls = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.auth.issuers.push(issuer.clone());
        c.console.oidc = Some(console.clone());
        c.console.public_url = Some("https://samprio.example.dk".into());
    })
    .await
    .expect("sqlite");
    let r = http::get(&behind_tls.web, "/login/oidc?next=/", None).await;
    assert_eq!(r.status, 303);
    let location = r.header("location").expect("to the provider");
    assert!(
        location.starts_with(&provider.issuer)
            && location.contains("code_challenge_method=S256")
            && location.contains("&nonce=")
            && location.contains("redirect_uri=https%3A%2F%2Fsamprio.example.dk%2Flogin%2Fcallback"),
        "{location}"
    );
    let flow = r.header("set-cookie").expect("the flow cookie");
    assert!(
        flow.contains("HttpOnly") && flow.contains("SameSite=Lax") && flow.contains("Secure"),
        "{flow}"
    );
}

/// The provider's own pages, until the browser is back at `web`: its
/// sign-in form (any password), then its consent.
async fn sign_in_at_provider(tab: &Tab, web: &str, login: &str) {
    for _ in 0..6 {
        let url = tab.client.current_url().await.expect("url");
        if url.as_str().starts_with(web) {
            return;
        }
        if tab.exists("input[name=login]").await {
            tab.fill("input[name=login]", login).await;
            tab.fill("input[name=password]", "hvad-som-helst").await;
        }
        tab.go("button[type=submit]").await;
    }
}

/// A provider whose access tokens live `ttl` seconds, with Aarhus' board
/// member `aase`, and a console signing in through it as `client` (with a
/// secret: a confidential client) asking for `scope`.
async fn console_with_provider(
    secret: Option<&str>,
    scope: &str,
    ttl: u64,
) -> Option<(samprio_e2e::oidc::OidcProvider, TestApp)> {
    use samprio_e2e::oidc::{OidcProvider, RESOURCE};
    use samprio_e2e::samprio_server::auth::{Algorithm, ClaimMapping, IssuerConfig};
    use samprio_e2e::samprio_server::config::ConsoleOidcConfig;

    let mut client = serde_json::json!({ "redirect_uris": ["http://127.0.0.1/login/callback"], "native": true });
    if let Some(s) = secret {
        client["secret"] = s.into();
    }
    let provider = OidcProvider::start(
        samprio_e2e::AUDIENCE,
        serde_json::json!({
            "clients": { "samprio-console": client },
            "accounts": { "aase": { "cvr": "55133018", "groups": ["GG-Samprio-Direktion"], "name": "Aase Østergård" } },
            "access_token_ttl": ttl,
        }),
    )
    .await?;
    let issuer = IssuerConfig {
        iss: provider.issuer.clone(),
        algorithm: Algorithm::RS256,
        discovery: true,
        municipalities: vec!["0751".into()],
        claims: ClaimMapping {
            cvr: Some("cvr".into()),
            roles: Some("groups".into()),
            role_map: [("GG-Samprio-Direktion".to_owned(), vec!["board".to_owned()])]
                .into_iter()
                .collect(),
            ..ClaimMapping::default()
        },
        ..IssuerConfig::default()
    };
    let console = ConsoleOidcConfig {
        issuer: provider.issuer.clone(),
        client_id: "samprio-console".into(),
        client_secret: secret.map(str::to_owned),
        scope: scope.into(),
        resource: Some(RESOURCE.into()),
    };
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.auth.issuers.push(issuer.clone());
        // No leeway: an expired token is expired at once.
        c.auth.leeway_secs = 0;
        c.console.oidc = Some(console.clone());
    })
    .await
    .expect("sqlite");
    app.seed_default().await;
    app.secretariat()
        .cooperations()
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0751".into(),
            ..Default::default()
        })
        .await
        .expect("Aarhus joins");
    Some((provider, app))
}

/// The browser's cookie `name`, HttpOnly ones included.
async fn cookie(tab: &Tab, name: &str) -> Option<fantoccini::cookies::Cookie<'static>> {
    let cookies = tab.client.get_all_cookies().await.expect("cookies");
    cookies.into_iter().find(|c| c.name() == name)
}

/// Waits until the access token in the session cookie has expired: its
/// `exp` (whole seconds) is in the past.
async fn until_the_session_expires(tab: &Tab) {
    use base64::Engine as _;
    let token = cookie(tab, "samprio_session").await.expect("a session");
    let payload = token.value().split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("JSON claims");
    let exp = claims["exp"].as_i64().expect("exp");
    while chrono::Utc::now().timestamp() <= exp {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A confidential console client (with a `client_secret`) asks for offline
/// access; when the short-lived access token expires, the next page is
/// still signed in, on an access token the refresh token brought.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confidential_console_client_refreshes_an_expired_session() {
    let Some(browser) = Browser::start() else { return };
    let Some((_provider, app)) =
        console_with_provider(Some("hemmelig-konsol"), "openid offline_access samprio", 3).await
    else {
        return;
    };
    let tab = browser.tab(&app.web).await;
    tab.goto(&format!("/login?next=/c/{COOP}/board")).await;
    tab.go("#sign-in-provider").await;
    sign_in_at_provider(&tab, &app.web, "aase").await;
    tab.find(".who").await;
    let first = cookie(&tab, "samprio_session").await.expect("a session");
    let refresh = cookie(&tab, "samprio_refresh")
        .await
        .expect("the provider issued a refresh token");
    assert_eq!(refresh.http_only(), Some(true));
    assert_eq!(format!("{:?}", refresh.same_site()), "Some(Lax)");

    until_the_session_expires(&tab).await;
    tab.goto(&format!("/c/{COOP}/board")).await;
    assert_eq!(tab.path().await, format!("/c/{COOP}/board"), "not sent to sign in");
    assert_eq!(tab.text("h1").await, "Direktionens side – Aarhus");
    let second = cookie(&tab, "samprio_session").await.expect("a session");
    assert_ne!(first.value(), second.value(), "a new access token");

    // A form shown before the refresh still posts after it: its CSRF token
    // was made with the session it replaced.
    until_the_session_expires(&tab).await;
    tab.go(".who button").await;
    assert_eq!(tab.path().await, "/login", "signed out, not refused nor expired");
    assert!(cookie(&tab, "samprio_session").await.is_none(), "signed out");
    assert!(
        cookie(&tab, "samprio_refresh").await.is_none(),
        "the refresh token is forgotten"
    );
    tab.close().await;
}

/// The ID token must carry the nonce of the sign-in that began here: a
/// flow cookie with another nonce (a response meant for another sign-in)
/// is refused. Without a refresh token, an expired session sends the
/// person to sign in again with a message saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_nonce_is_refused_and_an_expired_session_asks_to_sign_in_again() {
    let Some(browser) = Browser::start() else { return };
    let Some((_provider, app)) = console_with_provider(None, "openid samprio", 3).await else {
        return;
    };
    let tab = browser.tab(&app.web).await;
    tab.goto(&format!("/login?next=/c/{COOP}/board")).await;
    tab.go("#sign-in-provider").await;
    // At the provider (the same host, so the same cookie jar): the flow
    // cookie's nonce is swapped for another.
    let flow = cookie(&tab, "samprio_oidc").await.expect("the flow cookie");
    let parts: Vec<&str> = flow.value().split('.').collect();
    assert_eq!(parts.len(), 4, "state, verifier, nonce, next");
    let forged = format!("{}.{}.{}.{}", parts[0], parts[1], "en-anden-nonce", parts[3]);
    let mut swapped = flow.clone();
    swapped.set_value(forged);
    tab.client.delete_cookie("samprio_oidc").await.expect("delete");
    tab.client.add_cookie(swapped).await.expect("add");
    assert!(
        cookie(&tab, "samprio_oidc")
            .await
            .is_some_and(|c| c.value().contains("en-anden-nonce")),
        "the nonce was swapped"
    );
    sign_in_at_provider(&tab, &app.web, "aase").await;
    assert_eq!(tab.text("h1").await, "Log ind");
    assert!(
        tab.text("main").await.contains("ikke godkendt"),
        "{}",
        tab.text("main").await
    );
    assert!(cookie(&tab, "samprio_session").await.is_none(), "no session");

    // A sign-in of its own goes through.
    tab.goto(&format!("/login?next=/c/{COOP}/board")).await;
    tab.go("#sign-in-provider").await;
    sign_in_at_provider(&tab, &app.web, "aase").await;
    tab.find(".who").await;
    assert!(
        cookie(&tab, "samprio_refresh").await.is_none(),
        "no offline access asked for"
    );

    until_the_session_expires(&tab).await;
    tab.goto(&format!("/c/{COOP}/accountability")).await;
    assert!(tab.path().await.starts_with("/login"), "{}", tab.path().await);
    assert_eq!(
        tab.text("#sign-in-notice").await,
        "Din session er udløbet. Log ind igen for at fortsætte, hvor du slap."
    );
    assert!(
        cookie(&tab, "samprio_session").await.is_none(),
        "the expired session is gone"
    );
    tab.assert_accessible("sign-in after the session expired").await;
    // Signing in again comes back to the page asked for.
    tab.go("#sign-in-provider").await;
    sign_in_at_provider(&tab, &app.web, "aase").await;
    tab.find(".who").await;
    assert_eq!(tab.path().await, format!("/c/{COOP}/accountability"));
    tab.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_reads_the_portfolios_and_their_opportunities() {
    let Some(browser) = Browser::start() else { return };
    let app = dev_app().await;
    let ends = (chrono::Utc::now().date_naive() + chrono::Months::new(12))
        .format("%Y-%m-%d")
        .to_string();
    for (code, name, cost) in [
        ("0101", "SBSYS", 900_000),
        ("0147", "SBSYS", 400_000),
        ("0147", HOSTILE, 1),
    ] {
        app.as_(code, &["digital_lead"])
            .portfolio()
            .create_system(pb::CreateSystemRequest {
                cooperation_id: COOP.into(),
                municipality: code.into(),
                system: Some(pb::SystemFields {
                    name: name.into(),
                    vendor: "Fujitsu A/S".into(),
                    function: "ESDH".into(),
                    contract_end: ends.clone(),
                    yearly_cost_dkk: Some(cost),
                    time_class: pb::TimeClass::Migrate as i32,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    let tab = browser.tab(&app.web).await;
    tab.goto("/").await;
    tab.sign_in("Ole Observatør", "0151", &["observer"], None).await;
    tab.goto(&format!("/c/{COOP}")).await;
    tab.go(&format!("a[href='/c/{COOP}/portfolio']")).await;
    assert_eq!(tab.text("h1").await, "Porteføljer");
    let overview = tab.text("#overview-heading + table").await;
    assert!(
        overview.contains("København") && overview.contains("900.000 kr."),
        "{overview}"
    );
    let opportunities = tab.text(".opportunities").await;
    assert!(
        opportunities.contains("SBSYS") && opportunities.contains("Frederiksberg"),
        "{opportunities}"
    );
    assert!(tab.text("#systems").await.contains(HOSTILE), "names are shown as text");
    tab.assert_accessible("portfolios").await;

    tab.select("#municipality", "0101").await;
    tab.go("form[method=get] button[type=submit]").await;
    let systems = tab.text("#systems").await;
    assert!(
        systems.contains("København") && !systems.contains("Frederiksberg"),
        "{systems}"
    );
    tab.assert_accessible("portfolios filtered").await;
    assert!(
        !tab.exists("a[href$='/systems/new']").await,
        "an observer keeps no portfolio"
    );
    tab.close().await;

    // Frederiksberg's digital lead adds a system, then edits and deletes it.
    let lead = browser.tab(&app.web).await;
    lead.sign_in("Mette Digital", "0147", &["digital_lead"], None).await;
    lead.goto(&format!("/c/{COOP}/portfolio")).await;
    lead.go(&format!("a[href='/c/{COOP}/portfolio/0147/systems/new']"))
        .await;
    assert_eq!(lead.text("h1").await, "Tilføj system");
    lead.assert_accessible("add a system").await;
    lead.go("main form[method=post] button[type=submit]").await;
    lead.find(".error-summary a[href='#name']").await;
    lead.assert_accessible("add a system with errors").await;
    lead.fill("#name", "Aula").await;
    lead.fill("#vendor", "Netcompany").await;
    lead.fill("#yearly_cost", "310000").await;
    lead.select("#time_class", "INVEST").await;
    lead.click("#personal_data").await;
    lead.go("main form[method=post] button[type=submit]").await;
    assert_eq!(lead.path().await, format!("/c/{COOP}/portfolio?municipality=0147"));
    let systems = lead.text("#systems").await;
    assert!(systems.contains("Aula") && systems.contains("310.000 kr."), "{systems}");
    // Only Frederiksberg's rows have an edit link, named for their system.
    let links = lead
        .client
        .execute(
            "return [...document.querySelectorAll('#systems a')].map(a => [a.textContent, a.getAttribute('href')]);",
            vec![],
        )
        .await
        .unwrap();
    let links: Vec<(String, String)> = serde_json::from_value(links).unwrap();
    assert_eq!(links.len(), 3, "SBSYS, the hostile name and Aula: {links:?}");
    assert!(
        links.iter().all(|(_, href)| href.contains("/portfolio/0147/systems/")),
        "{links:?}"
    );
    let (_, aula) = links
        .iter()
        .find(|(text, _)| text == "Ret Aula")
        .expect("Aula's edit link");
    lead.go(&format!("#systems a[href='{aula}']")).await;
    assert_eq!(lead.text("h1").await, "Ret system");
    assert_eq!(
        lead.find("#name").await.prop("value").await.unwrap().as_deref(),
        Some("Aula")
    );
    lead.assert_accessible("edit a system").await;
    lead.go("form[action$='/delete'] button").await;
    assert_eq!(lead.path().await, format!("/c/{COOP}/portfolio?municipality=0147"));
    assert!(!lead.text("#systems").await.contains("Aula"));
    lead.close().await;
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
