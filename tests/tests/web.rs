//! The web console over plain HTTP, on both engines: sessions, security
//! headers, escaping, CSRF, authorisation and the etag, without a browser
//! (the browser suite is tests/browser.rs).

use samprio_e2e::http::{self, EventStream, enc, hidden, session};
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

/// The id of the first proposal in `body` whose title is `title`, from the
/// candidates' checkboxes of the open-round form.
fn candidate_id(body: &str, title: &str) -> String {
    let at = body.find(title).expect("the title on the page");
    let before = &body[..at];
    let start = before.rfind("value=\"").expect("a checkbox value") + 7;
    before[start..start + before[start..].find('"').unwrap()].to_owned()
}

async fn a_schulze_round_is_run_through_the_console_and_streamed_redacted(app: TestApp) {
    app.seed_default().await;
    let esdh = app.submitted_proposal("0147", "Fælles ESDH", 1_000_000, false).await;
    let booking = app.submitted_proposal("0151", "Lokalebooking", 300_000, false).await;
    let chair = session(&app.token("0101", &["board", &format!("chair:{COOP}")]));
    let csrf = hidden(&http::get(&app.web, "/", Some(&chair)).await.body, "csrf").unwrap();
    let r = http::post(
        &app.web,
        &format!("/c/{COOP}/sessions"),
        Some(&chair),
        &format!("csrf={csrf}&title=M%C3%B8de&agenda={}&agenda={}", esdh.id, booking.id),
    )
    .await;
    let at = r.header("location").unwrap().to_owned();
    http::post(&app.web, &format!("{at}/open"), Some(&chair), &format!("csrf={csrf}")).await;

    // The chair's form offers the agenda; bad numbers are named, nothing is opened.
    let form = http::get(&app.web, &format!("{at}/rounds/new"), Some(&chair)).await;
    assert_eq!(form.status, 200);
    assert_eq!(candidate_id(&form.body, "Lokalebooking"), booking.id);
    let bad = http::post(
        &app.web,
        &format!("{at}/rounds"),
        Some(&chair),
        &format!(
            "csrf={csrf}&method=SCHULZE&candidates={}&quorum=150&deadline=snart&budget=mange",
            esdh.id
        ),
    )
    .await;
    assert_eq!(bad.status, 422);
    for field in ["#quorum", "#deadline", "#budget"] {
        assert!(bad.body.contains(&format!("href=\"{field}\"")), "{field}: {}", bad.body);
    }
    // A board may not open one.
    let board = session(&app.token("0147", &["board"]));
    let board_csrf = hidden(&http::get(&app.web, "/", Some(&board)).await.body, "csrf").unwrap();
    let denied = http::post(
        &app.web,
        &format!("{at}/rounds"),
        Some(&board),
        &format!("csrf={board_csrf}&method=SCHULZE&candidates={}", esdh.id),
    )
    .await;
    assert_eq!(denied.status, 403);

    let r = http::post(
        &app.web,
        &format!("{at}/rounds"),
        Some(&chair),
        &format!(
            "csrf={csrf}&title=Prioritering&method=SCHULZE&candidates={}&candidates={}&weighting=POPULATION&quorum=5",
            esdh.id, booking.id
        ),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let round = r.header("location").unwrap().to_owned();

    // A board follows the cooperation's stream from now.
    let mut stream = EventStream::open(&app.web, &format!("/c/{COOP}/stream"), &board).await;
    assert_eq!(stream.status, 200);

    // Ballerup ranks the booking system first; a place that is no place is named.
    let ballerup = session(&app.token("0151", &["board"]));
    let b_csrf = hidden(&http::get(&app.web, "/", Some(&ballerup)).await.body, "csrf").unwrap();
    let wrong = http::post(
        &app.web,
        &format!("{round}/ballot"),
        Some(&ballerup),
        &format!("csrf={b_csrf}&place-{}=ti", booking.id),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains(&format!("href=\"#place-{}\"", booking.id)));
    let cast = http::post(
        &app.web,
        &format!("{round}/ballot"),
        Some(&ballerup),
        &format!("csrf={b_csrf}&place-{}=1&place-{}=2", booking.id, esdh.id),
    )
    .await;
    assert_eq!(cast.status, 303, "{}", cast.body);

    // The stream says who voted, never what, while the round is open.
    let seen = stream.until("ballot.cast").await;
    let ballot = seen.last().unwrap();
    let data: serde_json::Value = serde_json::from_str(&ballot.data).unwrap();
    assert_eq!(data["redacted"], true);
    assert_eq!(data["payload"]["municipality"], "0151");
    assert!(data["payload"].get("content").is_none(), "{data}");
    assert!(!ballot.data.contains("tiers"), "{data}");
    assert_eq!(ballot.id, data["seq"].to_string());
    // Nor do the pages: the board sees the turnout, not Ballerup's ranking.
    let page = http::get(&app.web, &round, Some(&board)).await;
    assert!(page.body.contains("1 af 5 kommuner har stemt"), "{}", page.body);
    assert!(!page.body.contains("1. Lokalebooking"));
    let live = http::get(&app.web, &format!("{round}/live"), Some(&board)).await;
    assert!(live.body.starts_with("<div id=\"round-live\"") && live.body.contains("data-state=\"OPEN\""));

    // Ballerup's own page shows its ballot again, to replace.
    let own = http::get(&app.web, &round, Some(&ballerup)).await;
    assert!(own.body.contains("Erstat stemmen"));

    // The chair closes; the stream tells, and a replay now shows the content.
    let closed = http::post(
        &app.web,
        &format!("{round}/close"),
        Some(&chair),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(closed.status, 303);
    stream.until("round.closed").await;
    let mut replay = EventStream::open(&app.web, &format!("/c/{COOP}/stream?after=0"), &board).await;
    let seen = replay.until("ballot.cast").await;
    let data: serde_json::Value = serde_json::from_str(&seen.last().unwrap().data).unwrap();
    assert_eq!(data["redacted"], false);
    assert_eq!(data["payload"]["content"]["tiers"][0][0], booking.id.as_str());

    // A browser that reconnects says where it stopped and gets what followed.
    let ballot_seq: i64 = seen.last().unwrap().id.parse().unwrap();
    let mut resumed = EventStream::resume(
        &app.web,
        &format!("/c/{COOP}/stream?after=0"),
        &board,
        Some(&(ballot_seq - 1).to_string()),
    )
    .await;
    let first = resumed.next().await.expect("an event");
    assert_eq!(
        first.id,
        ballot_seq.to_string(),
        "resumed after Last-Event-ID, not ?after"
    );

    let result = http::get(&app.web, &round, Some(&board)).await;
    let body = &result.body;
    assert!(body.contains("id=\"result-table\""), "{body}");
    let first = body.find(&format!("/proposals/{}", booking.id)).unwrap();
    let second = body.find(&format!("/proposals/{}\"", esdh.id)).unwrap();
    assert!(first < second, "the booking system ranks first");
    assert!(
        body.contains("1. Lokalebooking; 2. Fælles ESDH"),
        "named ballot in words"
    );
    assert!(body.contains("Efter indbyggertal"));

    // A deadline typed in Copenhagen time is the round's deadline.
    let r = http::post(
        &app.web,
        &format!("{at}/rounds"),
        Some(&chair),
        &format!(
            "csrf={csrf}&method=YES_NO&threshold=TWO_THIRDS&candidates={}&deadline=2030-01-15T11%3A00",
            esdh.id
        ),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let yes_no = http::get(&app.web, r.header("location").unwrap(), Some(&board)).await;
    assert!(yes_no.body.contains("15.01.2030 kl. 11:00"), "{}", yes_no.body);
    assert!(yes_no.body.contains("To tredjedele"));
    assert!(yes_no.body.contains("name=\"choice-"), "a yes/no form for the board");

    // Open streams end when the server stops, so it can.
    let mut open_stream = EventStream::open(&app.web, &format!("/c/{COOP}/stream"), &board).await;
    app.stop().await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while open_stream.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended with the server");
}

e2e!(a_schulze_round_is_run_through_the_console_and_streamed_redacted);
/// The board page's forms over plain HTTP on both engines: a refusal shown
/// by field, a deferral set and then revoked by the member's board, while an
/// observer and another member's board are refused; the matrix, the log and
/// its verification show it.
async fn a_board_defers_and_revokes_an_override(app: TestApp) {
    use samprio_e2e::all_yes;
    app.seed_default().await;
    let a = app.submitted_proposal("0101", "Fælles ESDH", 2_500_000, false).await.id;
    let b = app.submitted_proposal("0151", "Borgerportal", 900_000, false).await.id;
    let ids = vec![a.clone(), b.clone()];
    app.decided_round("Vedtagelse", pb::Method::YesNo, &ids, all_yes(&ids))
        .await;

    let board = session(&app.token("0147", &["board"]));
    let page = http::get(&app.web, &format!("/c/{COOP}/board"), Some(&board)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Fælles ESDH") && page.body.contains("Borgerportal"));
    assert!(page.body.contains(&format!("/c/{COOP}/overrides/new?proposal={a}")));
    let csrf = hidden(&page.body, "csrf").expect("a form token");

    let form = |kind: &str, until: &str, why: &str, resolution: &str| {
        format!(
            "csrf={csrf}&proposal={a}&kind={kind}&defer_until={}&justification={}&board_resolution={}",
            enc(until),
            enc(why),
            enc(resolution)
        )
    };
    let refused = http::post(
        &app.web,
        &format!("/c/{COOP}/overrides"),
        Some(&board),
        &form("DEFER", "", "n/a", ""),
    )
    .await;
    assert_eq!(refused.status, 422);
    for field in ["defer_until", "justification", "board_resolution"] {
        assert!(
            refused.body.contains(&format!("href=\"#{field}\"")),
            "{field} in the error summary"
        );
    }
    let set = http::post(
        &app.web,
        &format!("/c/{COOP}/overrides"),
        Some(&board),
        &form(
            "DEFER",
            "2099-01-01",
            "Vi afventer udløbet af den nuværende ESDH-kontrakt",
            "Direktionsmøde 2026-11-12, pkt. 4",
        ),
    )
    .await;
    assert_eq!(set.status, 303);
    let location = set.header("location").expect("to the override").to_owned();
    let id = location.trim_start_matches("/overrides/").to_owned();

    // Through gRPC, the member's effective list sets it apart.
    let effective = app
        .as_("0153", &["observer"])
        .priorities()
        .get_effective_list(pb::GetEffectiveListRequest {
            cooperation_id: COOP.into(),
            municipality: "0147".into(),
            ..Default::default()
        })
        .await
        .expect("effective list")
        .into_inner();
    assert_eq!(effective.set_apart.len(), 1);
    assert_eq!(effective.set_apart[0].proposal_id, a);
    assert_eq!(effective.set_apart[0].defer_until, "2099-01-01");

    let matrix = http::get(&app.web, &format!("/c/{COOP}/accountability"), Some(&board)).await;
    assert_eq!(matrix.status, 200);
    assert!(matrix.body.contains("Frederiksberg"), "listed as deferring");

    // An observer and another member's board: no forms, and refused.
    for (who, roles) in [("0151", ["observer"]), ("0151", ["board"])] {
        let other = session(&app.token(who, &roles));
        let shown = http::get(&app.web, &location, Some(&other)).await;
        assert_eq!(shown.status, 200);
        assert!(!shown.body.contains("/revoke\""), "{roles:?}: no revoke form");
        let token = hidden(&shown.body, "csrf").expect("the sign-out form's token");
        let r = http::post(
            &app.web,
            &format!("{location}/revoke"),
            Some(&other),
            &format!(
                "csrf={token}&revoke_justification={}&revoke_resolution={}",
                enc("Vi vil gerne tilbagekalde den for dem"),
                enc("Ingen beslutning")
            ),
        )
        .await;
        assert_eq!(r.status, 403, "{roles:?}");
    }

    // The board revokes it, with its own reasons.
    let r = http::post(
        &app.web,
        &format!("{location}/revoke"),
        Some(&board),
        &format!(
            "csrf={csrf}&revoke_justification={}&revoke_resolution={}",
            enc("Kontrakten er alligevel opsagt, vi deltager fra start"),
            enc("Direktionsmøde 2026-12-03, pkt. 7")
        ),
    )
    .await;
    assert_eq!(r.status, 303);
    let shown = http::get(&app.web, &location, Some(&board)).await;
    assert!(shown.body.contains("Tilbagekaldt") && shown.body.contains("pkt. 7"));
    let o = app
        .as_("0147", &["observer"])
        .priorities()
        .get_override(pb::GetOverrideRequest { id })
        .await
        .expect("override")
        .into_inner();
    assert_eq!(o.state, pb::OverrideState::Revoked as i32);

    let log = http::get(&app.web, &format!("/c/{COOP}/events"), Some(&board)).await;
    assert!(
        log.body.contains("Lokal afvigelse besluttet") && log.body.contains("Lokal afvigelse tilbagekaldt"),
        "{}",
        log.body
    );
    let verified = http::get(&app.web, &format!("/c/{COOP}/events/verify"), Some(&board)).await;
    assert!(verified.body.contains("Kæden er intakt"));
    let history = http::get(&app.web, &format!("/proposals/{a}"), Some(&board)).await;
    assert!(history.body.contains("Vedtaget") && history.body.contains("Indsendt"));
}

e2e!(a_board_defers_and_revokes_an_override);

/// 0147's systems, as the API lists them.
async fn systems_of(app: &TestApp, municipality: &str) -> Vec<pb::PortfolioSystem> {
    app.as_("0151", &["observer"])
        .portfolio()
        .list_systems(pb::ListSystemsRequest {
            cooperation_id: COOP.into(),
            municipality: municipality.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("list systems")
        .into_inner()
        .systems
}

/// A member's own digital lead adds, edits (with the etag: a concurrent
/// edit gives the etag message) and deletes a system through plain forms;
/// others see no such links and are refused if they post anyway.
async fn a_digital_lead_keeps_the_portfolio_through_forms(app: TestApp) {
    app.seed_default().await;
    let lead = session(&app.token("0147", &["digital_lead"]));
    let page = http::get(&app.web, &format!("/c/{COOP}/portfolio"), Some(&lead)).await;
    let new = format!("/c/{COOP}/portfolio/0147/systems/new");
    assert!(page.body.contains(&format!("href=\"{new}\"")), "{}", page.body);
    let form = http::get(&app.web, &new, Some(&lead)).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("<h1>Tilføj system</h1>"), "{}", form.body);
    let csrf = hidden(&form.body, "csrf").expect("a csrf field");
    let create = format!("/c/{COOP}/portfolio/0147/systems");

    // What does not parse or does not validate comes back, linked to its field.
    let r = http::post(
        &app.web,
        &create,
        Some(&lead),
        &format!("csrf={csrf}&name=&yearly_cost=mange&contract_end=31-12-2027&lifecycle=OPERATIONAL&ai=NO"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["name", "yearly_cost", "contract_end"] {
        assert!(r.body.contains(&format!("href=\"#{field}\"")), "{field}: {}", r.body);
    }
    assert!(r.body.contains("value=\"31-12-2027\""), "what was typed is kept");
    assert!(systems_of(&app, "0147").await.is_empty());

    // Without the form's token: refused.
    let fields = format!(
        "name={}&vendor={}&function=ESDH&lifecycle=OPERATIONAL&contract_end=2027-12-31&yearly_cost={}&ai=NO&personal_data=on&time_class=MIGRATE",
        enc(HOSTILE),
        enc("Fujitsu A/S"),
        enc("1.250.000")
    );
    assert_eq!(http::post(&app.web, &create, Some(&lead), &fields).await.status, 403);
    let r = http::post(&app.web, &create, Some(&lead), &format!("csrf={csrf}&{fields}")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/c/{COOP}/portfolio?municipality=0147#systems-heading").as_str())
    );
    let systems = systems_of(&app, "0147").await;
    assert_eq!(systems.len(), 1);
    let s = &systems[0];
    let f = s.fields.as_ref().expect("fields");
    assert_eq!(f.name, HOSTILE);
    assert_eq!(f.yearly_cost_dkk, Some(1_250_000));
    assert_eq!(f.contract_end, "2027-12-31");
    assert!(f.personal_data);
    assert_eq!(f.time_class, pb::TimeClass::Migrate as i32);
    assert_eq!(f.ai, pb::AiUse::No as i32);
    let page = http::get(&app.web, &format!("/c/{COOP}/portfolio"), Some(&lead)).await;
    assert!(page.body.contains("1.250.000 kr."), "{}", page.body);
    assert!(!page.body.contains(HOSTILE), "the name is escaped");
    let edit = format!("/c/{COOP}/portfolio/0147/systems/{}", s.id);
    assert!(page.body.contains(&format!("href=\"{edit}\"")), "an edit link");

    // Others: no links to 0147's forms, and refused when they post anyway.
    let observer = session(&app.token("0147", &["observer"]));
    let other_lead = session(&app.token("0151", &["digital_lead"]));
    for (who, cookie) in [("0147's observer", &observer), ("0151's lead", &other_lead)] {
        let page = http::get(&app.web, &format!("/c/{COOP}/portfolio"), Some(cookie)).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("1.250.000 kr."), "{who} reads the portfolio");
        assert!(!page.body.contains("/portfolio/0147/systems"), "{who}: {}", page.body);
        assert_eq!(http::get(&app.web, &edit, Some(cookie)).await.status, 403, "{who}");
        let their_csrf = hidden(&page.body, "csrf").expect("the sign-out form's token");
        for (path, form) in [
            (create.clone(), format!("csrf={their_csrf}&name=Sneaky")),
            (edit.clone(), format!("csrf={their_csrf}&name=Sneaky&etag=")),
            (format!("{edit}/delete"), format!("csrf={their_csrf}&etag=")),
        ] {
            assert_eq!(
                http::post(&app.web, &path, Some(cookie), &form).await.status,
                403,
                "{who}: {path}"
            );
        }
    }
    let observer_page = http::get(&app.web, &format!("/c/{COOP}/portfolio"), Some(&observer)).await;
    assert!(
        !observer_page.body.contains("/systems/new"),
        "an observer keeps no portfolio"
    );
    assert_eq!(systems_of(&app, "0147").await.len(), 1);

    // Edit, while someone else saves first: the etag message, nothing lost.
    let form = http::get(&app.web, &edit, Some(&lead)).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"1250000\""), "{}", form.body);
    let etag = http_unescape(&hidden(&form.body, "etag").expect("an etag"));
    assert_eq!(etag, s.etag);
    app.as_("0147", &["board"])
        .portfolio()
        .update_system(pb::UpdateSystemRequest {
            cooperation_id: COOP.into(),
            municipality: "0147".into(),
            id: s.id.clone(),
            system: Some(pb::SystemFields {
                name: "SBSYS".into(),
                vendor: "Fujitsu A/S".into(),
                ..Default::default()
            }),
            etag: s.etag.clone(),
            request_id: String::new(),
        })
        .await
        .expect("the board's edit");
    let mine = |etag: &str| {
        format!(
            "csrf={csrf}&etag={}&name=SBSYS+4&vendor={}&lifecycle=PHASING_OUT&contract_end=2028-06-30&yearly_cost=900000&ai=UNDECIDED&time_class=ELIMINATE",
            enc(etag),
            enc("Fujitsu A/S")
        )
    };
    let r = http::post(&app.web, &edit, Some(&lead), &mine(&etag)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("ændret af en anden"), "the etag message: {}", r.body);
    assert!(r.body.contains("value=\"SBSYS 4\""), "what was typed is kept");
    let theirs = systems_of(&app, "0147").await;
    assert_eq!(
        theirs[0].fields.as_ref().unwrap().name,
        "SBSYS",
        "nothing was overwritten"
    );

    // Saving again from the conflict page replaces their version deliberately.
    let current = http_unescape(&hidden(&r.body, "etag").expect("the current etag"));
    assert_eq!(current, theirs[0].etag);
    let r = http::post(&app.web, &edit, Some(&lead), &mine(&current)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let saved = systems_of(&app, "0147").await;
    let f = saved[0].fields.as_ref().unwrap();
    assert_eq!(
        (f.name.as_str(), f.contract_end.as_str(), f.yearly_cost_dkk),
        ("SBSYS 4", "2028-06-30", Some(900_000))
    );
    assert_eq!(f.lifecycle, pb::Lifecycle::PhasingOut as i32);
    assert_eq!(saved[0].id, s.id, "the id stays");

    // Delete: with a stale etag it is not deleted and the form says why.
    let r = http::post(
        &app.web,
        &format!("{edit}/delete"),
        Some(&lead),
        &format!("csrf={csrf}&etag={}", enc(&current)),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("ændret af en anden"), "{}", r.body);
    assert_eq!(systems_of(&app, "0147").await.len(), 1);
    let r = http::post(
        &app.web,
        &format!("{edit}/delete"),
        Some(&lead),
        &format!("csrf={csrf}&etag={}", enc(&saved[0].etag)),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(systems_of(&app, "0147").await.is_empty());
    assert_eq!(http::get(&app.web, &edit, Some(&lead)).await.status, 404);

    // The board of the member keeps it too.
    let board = session(&app.token("0147", &["board"]));
    let page = http::get(&app.web, &format!("/c/{COOP}/portfolio"), Some(&board)).await;
    assert!(page.body.contains(&format!("href=\"{new}\"")));
}

e2e!(a_digital_lead_keeps_the_portfolio_through_forms);
