//! The web console over plain HTTP, on both engines: sessions, security
//! headers, escaping, CSRF, authorisation and the etag, without a browser
//! (the browser suite is tests/browser.rs).

use samprio_e2e::http::{self, enc, hidden, session};
use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, TestApp, content, e2e};

const HOSTILE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";

async fn draft(app: &TestApp, municipality: &str, title: &str) -> pb::Proposal {
    app.as_(municipality, &["digital_lead"])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content(title, 2_500_000, false)),
            request_id: String::new(),
        })
        .await
        .expect("create proposal")
        .into_inner()
}

async fn proposal_count(app: &TestApp) -> usize {
    app.as_("0101", &["observer"])
        .proposals()
        .list_proposals(pb::ListProposalsRequest {
            cooperation_id: COOP.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("list proposals")
        .into_inner()
        .proposals
        .len()
}

async fn pages_need_a_session_and_carry_security_headers(app: TestApp) {
    let r = http::get(&app.web, "/", None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=/"));
    let csp = r.header("content-security-policy").expect("CSP on every response");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));

    // Issuers are configured and there is no OIDC client: no dev sign-in.
    let login = http::get(&app.web, "/login", None).await;
    assert_eq!(login.status, 200);
    assert!(!login.body.contains("dev-banner"), "no dev marker outside dev mode");
    assert!(!login.body.contains("name=\"municipality\""));

    // A token from a trusted issuer in the session cookie signs the browser in.
    app.seed_default().await;
    let cookie = session(&app.token("0147", &["digital_lead"]));
    let home = http::get(&app.web, "/", Some(&cookie)).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Test cooperation"), "{}", home.body);
    let coop = http::get(&app.web, &format!("/c/{COOP}"), Some(&cookie)).await;
    assert_eq!(coop.status, 200);
    for name in ["København", "Frederiksberg", "Dragør"] {
        assert!(coop.body.contains(name), "member {name} listed");
    }
    assert!(coop.body.contains("660.000"), "Danish thousands separators");
    assert!(
        coop.body.contains("Lige stemmer") && coop.body.contains("50 %"),
        "rules in words"
    );
    assert_eq!(coop.header("cache-control"), Some("no-store"));

    // A token that is not valid is no session.
    let forged = http::get(&app.web, "/", Some(&session("not.a.token"))).await;
    assert_eq!(forged.status, 303);
    // Unknown pages are 404 pages, not errors.
    assert_eq!(http::get(&app.web, "/nowhere", Some(&cookie)).await.status, 404);
    // Not a member: refused.
    let outsider = session(&app.token("0157", &["board"]));
    assert_eq!(
        http::get(&app.web, &format!("/c/{COOP}"), Some(&outsider)).await.status,
        403
    );
}

async fn hostile_titles_render_as_text(app: TestApp) {
    app.seed_default().await;
    let p = draft(&app, "0147", HOSTILE).await;
    let cookie = session(&app.token("0101", &["observer"]));
    for path in [format!("/proposals/{}", p.id), format!("/c/{COOP}/proposals")] {
        let r = http::get(&app.web, &path, Some(&cookie)).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(!r.body.contains("<script>alert"), "{path}: script tag escaped");
        assert!(!r.body.contains("<img src=x"), "{path}: img tag escaped");
        assert!(
            r.body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#62;&#60;img src=x onerror=alert(2)&#62;"),
            "{path}: shown as text"
        );
    }
}

async fn posts_without_the_csrf_token_are_refused(app: TestApp) {
    app.seed_default().await;
    let cookie = session(&app.token("0147", &["digital_lead"]));
    let form = format!("title={}&category=NEW_SYSTEM", enc("Without a token"));
    let r = http::post(&app.web, &format!("/c/{COOP}/proposals"), Some(&cookie), &form).await;
    assert_eq!(r.status, 403);
    let wrong = format!("{form}&csrf={}", "00".repeat(32));
    let r = http::post(&app.web, &format!("/c/{COOP}/proposals"), Some(&cookie), &wrong).await;
    assert_eq!(r.status, 403);
    // Another session's token does not fit this session.
    let other_page = http::get(
        &app.web,
        &format!("/c/{COOP}/proposals/new"),
        Some(&session(&app.token("0151", &["digital_lead"]))),
    )
    .await;
    let others = hidden(&other_page.body, "csrf").expect("a csrf field");
    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/proposals"),
        Some(&cookie),
        &format!("{form}&csrf={others}"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(proposal_count(&app).await, 0, "nothing was created");

    // With its own token the same form creates the draft and redirects to it.
    let page = http::get(&app.web, &format!("/c/{COOP}/proposals/new"), Some(&cookie)).await;
    let csrf = hidden(&page.body, "csrf").expect("a csrf field");
    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/proposals"),
        Some(&cookie),
        &format!("{form}&csrf={csrf}&one_time_cost=2500000"),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let detail = r.header("location").expect("redirect to the proposal").to_owned();
    assert!(detail.starts_with("/proposals/"));
    let shown = http::get(&app.web, &detail, Some(&cookie)).await;
    assert!(shown.body.contains("Without a token"));
    assert!(shown.body.contains("2.500.000 kr."));
    assert_eq!(proposal_count(&app).await, 1);

    // Logging out also needs the token.
    assert_eq!(http::post(&app.web, "/logout", Some(&cookie), "").await.status, 403);
}

async fn an_observer_sees_no_buttons_and_is_refused(app: TestApp) {
    app.seed_default().await;
    let p = draft(&app, "0147", "Fælles ESDH").await;
    let observer = session(&app.token("0147", &["observer"]));
    let detail = http::get(&app.web, &format!("/proposals/{}", p.id), Some(&observer)).await;
    assert_eq!(detail.status, 200);
    assert!(!detail.body.contains("/submit\""), "no submit form for an observer");
    assert!(!detail.body.contains("/withdraw\""), "no withdraw form for an observer");
    assert!(!detail.body.contains("/edit\""), "no edit link for an observer");
    let list = http::get(&app.web, &format!("/c/{COOP}/proposals"), Some(&observer)).await;
    assert!(
        !list.body.contains("/proposals/new"),
        "no new-proposal link for an observer"
    );

    // The sponsor's digital lead does see them.
    let lead = session(&app.token("0147", &["digital_lead"]));
    let own = http::get(&app.web, &format!("/proposals/{}", p.id), Some(&lead)).await;
    assert!(own.body.contains("/submit\"") && own.body.contains("/edit\""));

    // Posting anyway, with a valid token of the observer's own session: refused.
    let csrf = hidden(&detail.body, "csrf").expect("the sign-out form's token");
    let r = http::post(
        &app.web,
        &format!("/proposals/{}/submit", p.id),
        Some(&observer),
        &format!("csrf={csrf}&etag={}", enc(&p.etag)),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/proposals"),
        Some(&observer),
        &format!("csrf={csrf}&title=Sneaky&category=OTHER"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(proposal_count(&app).await, 1);
}

async fn a_concurrent_edit_gives_the_etag_message(app: TestApp) {
    app.seed_default().await;
    let p = draft(&app, "0147", "Fælles ESDH").await;
    let cookie = session(&app.token("0147", &["digital_lead"]));
    let form_page = http::get(&app.web, &format!("/proposals/{}/edit", p.id), Some(&cookie)).await;
    let csrf = hidden(&form_page.body, "csrf").unwrap();
    let etag = hidden(&form_page.body, "etag").unwrap();

    // Someone else saves in between.
    app.as_("0147", &["board"])
        .proposals()
        .update_proposal(pb::UpdateProposalRequest {
            id: p.id.clone(),
            content: Some(content("Their title", 1, false)),
            etag: p.etag.clone(),
            request_id: String::new(),
        })
        .await
        .expect("the other edit");

    let form = |etag: &str| {
        format!(
            "csrf={csrf}&etag={}&title={}&category=NEW_SYSTEM&one_time_cost=100",
            enc(&http_unescape(etag)),
            enc("My title")
        )
    };
    let r = http::post(
        &app.web,
        &format!("/proposals/{}/edit", p.id),
        Some(&cookie),
        &form(&etag),
    )
    .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("ændret af en anden"), "the etag message: {}", r.body);
    assert!(r.body.contains("value=\"My title\""), "what was typed is kept");
    let shown = http::get(&app.web, &format!("/proposals/{}", p.id), Some(&cookie)).await;
    assert!(shown.body.contains("Their title"), "nothing was overwritten");

    // Saving again from the conflict page replaces their version deliberately.
    let new_etag = hidden(&r.body, "etag").unwrap();
    let r = http::post(
        &app.web,
        &format!("/proposals/{}/edit", p.id),
        Some(&cookie),
        &form(&new_etag),
    )
    .await;
    assert_eq!(r.status, 303);
    let shown = http::get(&app.web, &format!("/proposals/{}", p.id), Some(&cookie)).await;
    assert!(shown.body.contains("My title"));

    // A bad amount and an empty title: both reported, GOV.UK style.
    let r = http::post(
        &app.web,
        &format!("/proposals/{}/edit", p.id),
        Some(&cookie),
        &format!("csrf={csrf}&title=&category=OTHER&one_time_cost=mange"),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("error-summary"));
    assert!(
        r.body.contains("href=\"#title\"") && r.body.contains("href=\"#one_time_cost\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
}

/// Hidden values come HTML-escaped (`&#34;` for the etag's quotes).
fn http_unescape(s: &str) -> String {
    s.replace("&#34;", "\"").replace("&quot;", "\"").replace("&amp;", "&")
}

e2e!(
    pages_need_a_session_and_carry_security_headers,
    hostile_titles_render_as_text,
    posts_without_the_csrf_token_are_refused,
    an_observer_sees_no_buttons_and_is_refused,
    a_concurrent_edit_gives_the_etag_message,
);

async fn the_chair_schedules_opens_and_closes_a_session(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0147", "Fælles ESDH", 1_000_000, false).await;
    let chair = session(&app.token("0101", &[&format!("chair:{COOP}")]));
    let form = http::get(&app.web, &format!("/c/{COOP}/sessions/new"), Some(&chair)).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("Fælles ESDH"),
        "submitted proposals offered for the agenda"
    );
    let csrf = hidden(&form.body, "csrf").unwrap();

    // A member without the chair role may not schedule one.
    let member = session(&app.token("0147", &["board"]));
    let member_csrf = hidden(&http::get(&app.web, "/", Some(&member)).await.body, "csrf").unwrap();
    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/sessions"),
        Some(&member),
        &format!("csrf={member_csrf}&title=Kupforsøg&agenda={}", p.id),
    )
    .await;
    assert_eq!(r.status, 403);

    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/sessions"),
        Some(&chair),
        &format!("csrf={csrf}&title={}&agenda={}", enc("Møde 1"), p.id),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.header("location").unwrap().to_owned();
    let page = http::get(&app.web, &at, Some(&chair)).await;
    assert!(page.body.contains("Planlagt") && page.body.contains("/open\""));
    assert_eq!(
        http::post(&app.web, &format!("{at}/open"), Some(&chair), &format!("csrf={csrf}"))
            .await
            .status,
        303
    );
    assert_eq!(
        http::post(
            &app.web,
            &format!("{at}/check-in"),
            Some(&member),
            &format!("csrf={member_csrf}")
        )
        .await
        .status,
        303
    );
    let page = http::get(&app.web, &at, Some(&chair)).await;
    assert!(page.body.contains("1 af 5 til stede"), "{}", page.body);
    // Only the chair closes.
    assert_eq!(
        http::post(
            &app.web,
            &format!("{at}/close"),
            Some(&member),
            &format!("csrf={member_csrf}")
        )
        .await
        .status,
        403
    );
    assert_eq!(
        http::post(&app.web, &format!("{at}/close"), Some(&chair), &format!("csrf={csrf}"))
            .await
            .status,
        303
    );
    let page = http::get(&app.web, &at, Some(&chair)).await;
    assert!(page.body.contains("Afsluttet"));

    // The minutes: linked from the session, print-ready, with downloads.
    assert!(page.body.contains(&format!("{at}/minutes\"")), "{}", page.body);
    let minutes = http::get(&app.web, &format!("{at}/minutes"), Some(&member)).await;
    assert_eq!(minutes.status, 200, "{}", minutes.body);
    for expected in [
        "<h1>Referat: Møde 1</h1>",
        "<h2>Deltagere</h2>",
        "Frederiksberg",
        "/static/minutes.css",
        &format!("{at}/minutes.pdf"),
        &format!("{at}/ballots.csv"),
    ] {
        assert!(minutes.body.contains(expected), "{expected:?}: {}", minutes.body);
    }
    let pdf = http::get(&app.web, &format!("{at}/minutes.pdf"), Some(&member)).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with("%PDF-"));
    let csv = http::get(&app.web, &format!("{at}/ballots.csv"), Some(&member)).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("round,round_title,method,municipality"),
        "{}",
        csv.body
    );
    let css = http::get(&app.web, "/static/minutes.css", None).await;
    assert!(css.body.contains("@media print"), "{}", css.body);
}

e2e!(the_chair_schedules_opens_and_closes_a_session);
