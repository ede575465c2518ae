//! Whole flows in a real Chromium (see `samprio_e2e::browser`): dev sign-in,
//! the cooperation's pages and a proposal from draft to submission, with
//! axe-core run on every page. Skipped with a note when no browser is
//! installed, unless SAMPRIO_REQUIRE_BROWSER=1.

use samprio_e2e::browser::Browser;
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
    // The provider's pages: its sign-in form, then its consent.
    for _ in 0..5 {
        let url = tab.client.current_url().await.expect("url");
        if url.as_str().starts_with(&app.web) {
            break;
        }
        if tab.exists("input[name=login]").await {
            tab.fill("input[name=login]", "aase").await;
            tab.fill("input[name=password]", "hvad-som-helst").await;
        }
        tab.go("button[type=submit]").await;
    }
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
            && location.contains("redirect_uri=https%3A%2F%2Fsamprio.example.dk%2Flogin%2Fcallback"),
        "{location}"
    );
    let flow = r.header("set-cookie").expect("the flow cookie");
    assert!(
        flow.contains("HttpOnly") && flow.contains("SameSite=Lax") && flow.contains("Secure"),
        "{flow}"
    );
}
