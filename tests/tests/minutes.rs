//! Minutes a steering group can circulate (DESIGN.md §4), end to end on both
//! engines: a session with every method, run by named people, rendered in
//! Danish and English and compared with reviewed golden files; the PDF's
//! text; the named ballots as CSV; attendance that agrees with the ballots;
//! approval by the next session; and provenance equal to the chain's head.
//!
//! `SAMPRIO_UPDATE_GOLDEN=1` rewrites the golden files from the run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use samprio_e2e::samprio_client::{Client, Timestamp, pb};
use samprio_e2e::{COOP, TestApp, e2e};

const CHAIR: &str = "Anne Kjær";
const MINUTE_TAKER: &str = "Ida Mølgaard, sekretariatet";
/// Each member's board member, by code; Gentofte (0157) stays away.
const BOARD: [(&str, &str); 5] = [
    ("0101", "Lars Holm"),
    ("0147", "Birgitte Nørgaard"),
    ("0151", "Søren Å. Bech"),
    ("0153", "Jens Ølgaard"),
    ("0155", "Karen Dahl"),
];

fn board(app: &TestApp, code: &str) -> Client {
    let name = BOARD
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .expect("a board member");
    app.as_named(code, &["board"], name)
}

fn chair(app: &TestApp) -> Client {
    app.as_named("0101", &[&format!("chair:{COOP}")], CHAIR)
}

async fn seed(app: &TestApp) {
    app.operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: COOP.into(),
            name: "Digitalt samarbejde Hovedstaden".into(),
            rules: Some(pb::CooperationRules {
                default_weighting: pb::Weighting::Equal as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            }),
            ..Default::default()
        })
        .await
        .expect("create cooperation");
    let mut s = app.secretariat().cooperations();
    for (code, population, weight) in [
        ("0101", 667_099, 40),
        ("0147", 105_174, 10),
        ("0151", 49_850, 20),
        ("0153", 39_532, 15),
        ("0155", 14_532, 10),
        ("0157", 75_324, 5),
    ] {
        s.add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: code.into(),
            population: Some(population),
            population_date: "2026-01-01".into(),
            custom_weight: Some(weight),
            ..Default::default()
        })
        .await
        .expect("add member");
    }
}

struct Spec {
    sponsor: &'static str,
    title: &'static str,
    summary: &'static str,
    category: pb::Category,
    ai: bool,
    personal_data: bool,
    one_time: i64,
    yearly: i64,
    linked_systems: Vec<String>,
}

async fn proposal(app: &TestApp, p: Spec) -> pb::Proposal {
    let lead = app.as_(p.sponsor, &["digital_lead"]);
    samprio_e2e::submit_content(
        &lead,
        pb::ProposalContent {
            title: p.title.into(),
            summary: p.summary.into(),
            category: p.category as i32,
            flags: Some(pb::ProposalFlags {
                involves_ai: p.ai,
                personal_data: p.personal_data,
                ..Default::default()
            }),
            one_time_cost_dkk: p.one_time,
            yearly_cost_dkk: p.yearly,
            linked_systems: p.linked_systems,
        },
    )
    .await
}

async fn session(app: &TestApp, title: &str, seconds: i64, agenda: &[&pb::Proposal]) -> pb::Session {
    let mut c = chair(app).sessions();
    let s = c
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: title.into(),
            scheduled_time: Some(Timestamp { seconds, nanos: 0 }),
            agenda: agenda.iter().map(|p| p.id.clone()).collect(),
            request_id: String::new(),
        })
        .await
        .expect("create session")
        .into_inner();
    c.open_session(pb::OpenSessionRequest {
        id: s.id,
        request_id: String::new(),
    })
    .await
    .expect("open session")
    .into_inner()
}

async fn round(
    app: &TestApp,
    s: &pb::Session,
    title: &str,
    method: pb::Method,
    weighting: pb::Weighting,
    candidates: &[&pb::Proposal],
) -> pb::Round {
    chair(app)
        .sessions()
        .open_round(pb::OpenRoundRequest {
            session_id: s.id.clone(),
            title: title.into(),
            method: method as i32,
            weighting: weighting as i32,
            candidates: candidates.iter().map(|p| p.id.clone()).collect(),
            ..Default::default()
        })
        .await
        .expect("open round")
        .into_inner()
}

async fn vote(app: &TestApp, code: &str, r: &pb::Round, kind: pb::ballot_content::Kind) {
    board(app, code)
        .sessions()
        .cast_ballot(pb::CastBallotRequest {
            round_id: r.id.clone(),
            content: Some(pb::BallotContent { kind: Some(kind) }),
            request_id: String::new(),
        })
        .await
        .unwrap_or_else(|e| panic!("{code} votes: {e:?}"));
}

async fn close(app: &TestApp, r: &pb::Round) {
    chair(app)
        .sessions()
        .close_round(pb::CloseRoundRequest {
            id: r.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("close round");
}

fn yes_no(choices: &[(&pb::Proposal, pb::Choice)]) -> pb::ballot_content::Kind {
    pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
        choices: choices
            .iter()
            .map(|(p, c)| pb::YesNoChoice {
                candidate_id: p.id.clone(),
                choice: *c as i32,
            })
            .collect(),
    })
}

fn approve(ps: &[&pb::Proposal]) -> pb::ballot_content::Kind {
    pb::ballot_content::Kind::Approval(pb::ApprovalBallot {
        approved: ps.iter().map(|p| p.id.clone()).collect(),
    })
}

fn score(ss: &[(&pb::Proposal, u32)]) -> pb::ballot_content::Kind {
    pb::ballot_content::Kind::Score(pb::ScoreBallot {
        scores: ss
            .iter()
            .map(|(p, s)| pb::CandidateScore {
                candidate_id: p.id.clone(),
                score: *s,
            })
            .collect(),
    })
}

fn rank(ps: &[&pb::Proposal]) -> pb::ballot_content::Kind {
    pb::ballot_content::Kind::Ranking(pb::RankingBallot {
        ranking: ps.iter().map(|p| p.id.clone()).collect(),
    })
}

fn tiers(ts: &[&[&pb::Proposal]]) -> pb::ballot_content::Kind {
    pb::ballot_content::Kind::Tiers(pb::TieredRankingBallot {
        tiers: ts
            .iter()
            .map(|t| pb::Tier {
                candidate_ids: t.iter().map(|p| p.id.clone()).collect(),
            })
            .collect(),
    })
}

async fn minutes(app: &TestApp, session: &str, lang: &str, format: pb::MinutesFormat) -> pb::Minutes {
    app.as_("0157", &["observer"])
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: session.into(),
            lang: lang.into(),
            format: format as i32,
        })
        .await
        .expect("minutes")
        .into_inner()
}

/// The minutes with what differs from run to run masked: the times the
/// test did not choose and every SHA-256.
fn masked(text: &str) -> String {
    let fixed = ["01.12.2026 kl. 09:00", "1 Dec 2026, 09:00"];
    let da = regex::Regex::new(r"\d{2}\.\d{2}\.\d{4} kl\. \d{2}:\d{2}").expect("regex");
    let en = regex::Regex::new(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}").expect("regex");
    let hash = regex::Regex::new(r"[0-9a-f]{64}").expect("regex");
    let keep = |re: &regex::Regex, s: &str, mask: &str| {
        re.replace_all(s, |c: &regex::Captures<'_>| {
            if fixed.contains(&&c[0]) {
                c[0].to_string()
            } else {
                mask.to_string()
            }
        })
        .into_owned()
    };
    let s = keep(&da, text, "DD.MM.ÅÅÅÅ kl. TT:MM");
    let s = keep(&en, &s, "D Mon YYYY, HH:MM");
    hash.replace_all(&s, "<sha256>").into_owned()
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "golden", name].iter().collect();
    if std::env::var_os("SAMPRIO_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SAMPRIO_UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  golden: {a}\n  actual: {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from the golden file ({} vs {} lines):\n{}\n--- actual ---\n{actual}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

async fn minutes_of_a_session_with_every_method(app: TestApp) {
    use pb::Choice::{Abstain, No, Yes};
    seed(&app).await;
    // The ESDH proposal links København's SBSYS, which Frederiksberg also
    // runs, and names other systems in free text.
    let mut sbsys = String::new();
    for code in ["0147", "0101"] {
        sbsys = app
            .as_(code, &["digital_lead"])
            .portfolio()
            .create_system(pb::CreateSystemRequest {
                cooperation_id: COOP.into(),
                municipality: code.into(),
                system: Some(pb::SystemFields {
                    name: "SBSYS".into(),
                    vendor: "Netcompany".into(),
                    function: "ESDH".into(),
                    lifecycle: pb::Lifecycle::Operational as i32,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .expect("create system")
            .into_inner()
            .id;
    }
    let esdh = proposal(
        &app,
        Spec {
            sponsor: "0101",
            title: "Fælles ESDH-løsning",
            summary: "Et fælles system til sags- og dokumenthåndtering, der afløser fem lokale løsninger.",
            category: pb::Category::Replacement,
            ai: false,
            personal_data: true,
            one_time: 2_500_000,
            yearly: 400_000,
            linked_systems: vec![format!("0101:{sbsys}"), "Fagsystemer i øvrigt".into()],
        },
    )
    .await;
    let chatbot = proposal(
        &app,
        Spec {
            sponsor: "0147",
            title: "Chatbot i borgerservice",
            summary: "En chatbot, der besvarer borgernes spørgsmål om affald og parkering.",
            category: pb::Category::AiUse,
            ai: true,
            personal_data: false,
            one_time: 800_000,
            yearly: 150_000,
            linked_systems: vec![],
        },
    )
    .await;
    let web = proposal(
        &app,
        Spec {
            sponsor: "0151",
            title: "Ny fælles hjemmesideplatform",
            summary: "",
            category: pb::Category::SharedProcurement,
            ai: false,
            personal_data: false,
            one_time: 600_000,
            yearly: 90_000,
            linked_systems: vec![],
        },
    )
    .await;
    let dwh = proposal(
        &app,
        Spec {
            sponsor: "0153",
            title: "Fælles datavarehus",
            summary: "",
            category: pb::Category::Infrastructure,
            ai: false,
            personal_data: false,
            one_time: 1_200_000,
            yearly: 200_000,
            linked_systems: vec![],
        },
    )
    .await;

    let s = session(
        &app,
        "Styregruppemøde 1. december 2026",
        1_796_112_000,
        &[&esdh, &chatbot, &web, &dwh],
    )
    .await;
    let mut c = chair(&app).sessions();
    c.set_minute_taker(pb::SetMinuteTakerRequest {
        id: s.id.clone(),
        name: MINUTE_TAKER.into(),
        request_id: String::new(),
    })
    .await
    .expect("name the minute-taker");
    for code in ["0101", "0147", "0151"] {
        board(&app, code)
            .sessions()
            .check_in(pb::CheckInRequest {
                id: s.id.clone(),
                request_id: String::new(),
            })
            .await
            .expect("check in");
    }
    app.as_named("0153", &["digital_lead"], "Jens Ølgaard")
        .sessions()
        .check_in(pb::CheckInRequest {
            id: s.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("check in");
    // Dragør (0155) never checks in, but votes; Gentofte (0157) stays away.

    let r1 = round(
        &app,
        &s,
        "ESDH og chatbot",
        pb::Method::YesNo,
        pb::Weighting::Population,
        &[&esdh, &chatbot],
    )
    .await;
    vote(&app, "0101", &r1, yes_no(&[(&esdh, Yes), (&chatbot, No)])).await;
    vote(&app, "0147", &r1, yes_no(&[(&esdh, Yes), (&chatbot, Yes)])).await;
    vote(&app, "0151", &r1, yes_no(&[(&esdh, Yes), (&chatbot, No)])).await;
    vote(&app, "0153", &r1, yes_no(&[(&esdh, No), (&chatbot, Abstain)])).await;
    vote(&app, "0155", &r1, yes_no(&[(&esdh, Yes)])).await;
    close(&app, &r1).await;
    // Brøndby, outvoted on ESDH, files a deferral while the session is open:
    // the minutes list it with its justification and board resolution.
    board(&app, "0153")
        .priorities()
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(pb::OverrideSpec {
                proposal_id: esdh.id.clone(),
                kind: pb::OverrideKind::Defer as i32,
                defer_until: "2027-07-01".into(),
                justification:
                    "Brøndbys nuværende ESDH-kontrakt løber til 30. juni 2027; vi tilslutter os, når den udløber."
                        .into(),
                board_resolution: "Økonomiudvalget 24. november 2026, pkt. 6".into(),
                ..Default::default()
            }),
            etag: String::new(),
            request_id: String::new(),
        })
        .await
        .expect("Brøndby defers ESDH");

    let r2 = round(
        &app,
        &s,
        "Hvad kan vi støtte?",
        pb::Method::Approval,
        pb::Weighting::Equal,
        &[&web, &dwh],
    )
    .await;
    vote(&app, "0101", &r2, approve(&[&web, &dwh])).await;
    vote(&app, "0147", &r2, approve(&[&web])).await;
    vote(&app, "0151", &r2, approve(&[&dwh])).await;
    vote(&app, "0153", &r2, approve(&[&dwh])).await;
    close(&app, &r2).await;

    let r3 = round(
        &app,
        &s,
        "Point efter medfinansiering",
        pb::Method::Score,
        pb::Weighting::Custom,
        &[&web, &dwh],
    )
    .await;
    vote(&app, "0101", &r3, score(&[(&web, 4), (&dwh, 2)])).await;
    vote(&app, "0147", &r3, score(&[(&web, 5), (&dwh, 1)])).await;
    vote(&app, "0151", &r3, score(&[(&web, 1), (&dwh, 5)])).await;
    close(&app, &r3).await;

    let r4 = round(
        &app,
        &s,
        "Rækkefølge",
        pb::Method::Borda,
        pb::Weighting::Equal,
        &[&web, &dwh],
    )
    .await;
    vote(&app, "0101", &r4, rank(&[&dwh, &web])).await;
    vote(&app, "0147", &r4, rank(&[&web, &dwh])).await;
    vote(&app, "0155", &r4, rank(&[&dwh])).await;
    close(&app, &r4).await;

    let r5 = round(
        &app,
        &s,
        "Prioritering af de vedtagne",
        pb::Method::Schulze,
        pb::Weighting::Population,
        &[&esdh, &web, &dwh],
    )
    .await;
    vote(&app, "0101", &r5, tiers(&[&[&esdh], &[&web, &dwh]])).await;
    vote(&app, "0147", &r5, tiers(&[&[&web], &[&esdh], &[&dwh]])).await;
    vote(&app, "0151", &r5, tiers(&[&[&dwh, &esdh]])).await;
    // Left open: closing the session closes it.

    for (item, note) in [
        (
            esdh.id.as_str(),
            "Styregruppen vedtog den fælles ESDH-løsning; København leder udbuddet.",
        ),
        (
            chatbot.id.as_str(),
            "Forkastet. Frederiksberg kan fremlægge et nyt forslag med en konsekvensanalyse.",
        ),
        ("", "Næste møde holdes 15. januar 2027, hvor referatet godkendes."),
    ] {
        c.set_decision_note(pb::SetDecisionNoteRequest {
            id: s.id.clone(),
            proposal_id: item.into(),
            note: note.into(),
            request_id: String::new(),
        })
        .await
        .expect("decision note");
    }
    let closed = c
        .close_session(pb::CloseSessionRequest {
            id: s.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("close session")
        .into_inner();

    // Attendance agrees with the ballots: Dragør voted and so took part.
    let dragør = closed
        .attendance
        .iter()
        .find(|a| a.municipality == "0155")
        .expect("Dragør took part");
    assert!(dragør.by_voting, "{dragør:?}");
    assert_eq!(dragør.checked_in_by_name, "Karen Dahl");
    assert_eq!(closed.opened_by.as_ref().map(|a| a.name.as_str()), Some(CHAIR));

    // Provenance: the minutes come from the head of the chain.
    let md = minutes(&app, &s.id, "da", pb::MinutesFormat::Markdown).await;
    let chain = app.verify_chain().await;
    assert!(chain.ok, "{chain:?}");
    assert_eq!((md.seq, md.hash.as_str()), (chain.head_seq, chain.head_hash.as_str()));
    assert!(md.markdown.contains(&chain.head_hash), "the minutes end with the hash");

    // The next session approves the minutes.
    let next = session(&app, "Styregruppemøde 15. januar 2027", 1_800_000_000, &[]).await;
    let approved = c
        .approve_minutes(pb::ApproveMinutesRequest {
            session_id: s.id.clone(),
            approving_session_id: next.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("approve minutes")
        .into_inner();
    let approval = approved.minutes_approval.expect("approval recorded");
    assert_eq!(approval.session_id, next.id);
    assert_eq!(approval.by.map(|a| a.name), Some(CHAIR.to_string()));
    let again = c
        .approve_minutes(pb::ApproveMinutesRequest {
            session_id: s.id.clone(),
            approving_session_id: next.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect_err("minutes are approved once");
    assert_eq!(again.code(), tonic::Code::FailedPrecondition, "{again:?}");

    let da = minutes(&app, &s.id, "da", pb::MinutesFormat::Markdown).await;
    assert!(da.approval.is_some());
    assert!(
        da.markdown
            .contains("Referatet er godkendt på mødet »Styregruppemøde 15. januar 2027«"),
        "{}",
        da.markdown
    );
    // The override filed during the session, in words, with its reasons.
    assert!(
        da.markdown.contains(
            "| Brøndby | Fælles ESDH-løsning | udskudt til 01.07.2027 | Brøndbys nuværende ESDH-kontrakt \
             løber til 30. juni 2027; vi tilslutter os, når den udløber. | Økonomiudvalget 24. november 2026, \
             pkt. 6 | Jens Ølgaard (direktion, Brøndby) |"
        ) && !da.markdown.contains("DEFER"),
        "{}",
        da.markdown
    );
    let en = minutes(&app, &s.id, "en", pb::MinutesFormat::Markdown).await;
    golden("minutes_da.md", &masked(&da.markdown));
    golden("minutes_en.md", &masked(&en.markdown));

    // Attendance agrees with the ballots, as the minutes say it.
    let present = da
        .markdown
        .split("## Deltagere")
        .nth(1)
        .and_then(|x| x.split("\n## ").next())
        .unwrap_or("");
    let absent = da
        .markdown
        .split("## Fravær")
        .nth(1)
        .and_then(|x| x.split("\n## ").next())
        .unwrap_or("");
    let mut voters = BTreeSet::new();
    for r in [&r1, &r2, &r3, &r4, &r5] {
        for b in ballots(&app, r).await {
            voters.insert(b.municipality);
        }
    }
    let names = BTreeMap::from([
        ("0101", "København"),
        ("0147", "Frederiksberg"),
        ("0151", "Ballerup"),
        ("0153", "Brøndby"),
        ("0155", "Dragør"),
        ("0157", "Gentofte"),
    ]);
    for v in &voters {
        let name = names[v.as_str()];
        assert!(present.contains(name), "{name} voted and is present: {present}");
        assert!(!absent.contains(name), "{name} voted and is not absent: {absent}");
    }
    assert!(absent.contains("Gentofte"), "{absent}");

    // HTML: a whole document, every text escaped.
    let html = minutes(&app, &s.id, "da", pb::MinutesFormat::Html).await;
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    let html = String::from_utf8(html.content).expect("UTF-8");
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"da\">"),
        "{html}"
    );
    assert!(html.contains("@media print"), "a print stylesheet");

    // PDF: its text has the decisions and the Danish letters.
    let pdf = minutes(&app, &s.id, "da", pb::MinutesFormat::Pdf).await;
    assert_eq!(pdf.content_type, "application/pdf");
    let doc = lopdf::Document::load_mem(&pdf.content).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(pages.len() > 1, "several pages");
    let text = doc.extract_text(&pages).expect("text");
    for expected in [
        "Referat: Styregruppemøde 1. december 2026",
        "Fælles ESDH-løsning: Vedtaget",
        "Chatbot i borgerservice: Forkastet",
        "Birgitte Nørgaard",
        "Søren Å. Bech",
        "Jens Ølgaard",
        "deltog ved at stemme",
        "vægtet efter indbyggertal pr. 1. januar 2026",
        "2.500.000 kr.",
        &format!("Side 1 af {}", pages.len()),
    ] {
        assert!(text.contains(expected), "the PDF lacks {expected:?}:\n{text}");
    }

    // CSV: the named ballots, parsed back, are the ballots.
    let csv = minutes(&app, &s.id, "da", pb::MinutesFormat::BallotsCsv).await;
    let mut from_csv = BTreeSet::new();
    let mut reader = csv::Reader::from_reader(csv.content.as_slice());
    for row in reader.records() {
        let row = row.expect("a CSV row");
        from_csv.insert((
            row[0].to_string(),
            row[3].to_string(),
            row[7].to_string(),
            row[10].to_string(),
            row[11].to_string(),
        ));
    }
    let mut from_api = BTreeSet::new();
    for (n, r) in [&r1, &r2, &r3, &r4, &r5].into_iter().enumerate() {
        let r = chair(&app)
            .sessions()
            .get_round(pb::GetRoundRequest { id: r.id.clone() })
            .await
            .expect("round")
            .into_inner();
        for b in ballots(&app, &r).await {
            for cand in &r.candidates {
                from_api.insert((
                    (n + 1).to_string(),
                    b.municipality.clone(),
                    b.cast_by_name.clone(),
                    cand.clone(),
                    value(&b, cand),
                ));
            }
        }
    }
    assert_eq!(from_csv, from_api);
    let results = minutes(&app, &s.id, "en", pb::MinutesFormat::ResultsCsv).await;
    let results = String::from_utf8(results.content).expect("UTF-8");
    assert!(
        results.starts_with("round,round_title,method,position,candidate"),
        "{results}"
    );
}
e2e!(minutes_of_a_session_with_every_method);

async fn ballots(app: &TestApp, r: &pb::Round) -> Vec<pb::Ballot> {
    app.as_("0157", &["observer"])
        .sessions()
        .list_ballots(pb::ListBallotsRequest {
            round_id: r.id.clone(),
            include_history: false,
        })
        .await
        .expect("ballots")
        .into_inner()
        .ballots
}

/// What a ballot says of a candidate, as the CSV writes it.
fn value(b: &pb::Ballot, candidate: &str) -> String {
    use pb::ballot_content::Kind;
    match b
        .content
        .as_ref()
        .and_then(|c| c.kind.as_ref())
        .expect("a closed round's ballot")
    {
        Kind::YesNo(y) => y
            .choices
            .iter()
            .find(|c| c.candidate_id == candidate)
            .map_or("ABSTAIN", |c| c.choice().as_str_name().trim_start_matches("CHOICE_"))
            .to_string(),
        Kind::Approval(a) => if a.approved.iter().any(|x| x == candidate) {
            "1"
        } else {
            "0"
        }
        .into(),
        Kind::Score(s) => s
            .scores
            .iter()
            .find(|c| c.candidate_id == candidate)
            .map_or(0, |c| c.score)
            .to_string(),
        Kind::Ranking(r) => r
            .ranking
            .iter()
            .position(|x| x == candidate)
            .map(|p| (p + 1).to_string())
            .unwrap_or_default(),
        Kind::Tiers(t) => t
            .tiers
            .iter()
            .position(|t| t.candidate_ids.iter().any(|x| x == candidate))
            .map(|p| (p + 1).to_string())
            .unwrap_or_default(),
    }
}

async fn only_the_chair_names_the_minute_taker_and_notes_stay_on_the_agenda(app: TestApp) {
    seed(&app).await;
    let p = proposal(
        &app,
        Spec {
            sponsor: "0101",
            title: "Fælles ESDH-løsning",
            summary: "",
            category: pb::Category::Replacement,
            ai: false,
            personal_data: false,
            one_time: 1,
            yearly: 0,
            linked_systems: vec![],
        },
    )
    .await;
    let s = session(&app, "Møde", 1_796_112_000, &[&p]).await;
    let err = board(&app, "0147")
        .sessions()
        .set_minute_taker(pb::SetMinuteTakerRequest {
            id: s.id.clone(),
            name: "Ida".into(),
            request_id: String::new(),
        })
        .await
        .expect_err("a board member is not the chair");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    let err = chair(&app)
        .sessions()
        .set_decision_note(pb::SetDecisionNoteRequest {
            id: s.id.clone(),
            proposal_id: uuid_not_on_agenda(),
            note: "x".into(),
            request_id: String::new(),
        })
        .await
        .expect_err("not on the agenda");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        samprio_e2e::violated_fields(&err).contains(&"proposal_id".to_string()),
        "{err:?}"
    );
    let err = chair(&app)
        .sessions()
        .approve_minutes(pb::ApproveMinutesRequest {
            session_id: s.id.clone(),
            approving_session_id: s.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect_err("an open session's minutes do not exist yet");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    let err = chair(&app)
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: s.id.clone(),
            lang: "de".into(),
            format: 0,
        })
        .await
        .expect_err("German is not offered");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}
e2e!(only_the_chair_names_the_minute_taker_and_notes_stay_on_the_agenda);

fn uuid_not_on_agenda() -> String {
    "0190f5a2-0000-7000-8000-000000000000".into()
}

/// Minutes are approved once: a second approval, at the same or a later
/// session, is refused as a failed precondition naming the session that
/// approved them, records no event, and leaves the first approval as it was.
async fn approved_minutes_cannot_be_approved_again(app: TestApp) {
    seed(&app).await;
    let mut c = chair(&app).sessions();
    let first = session(&app, "Styregruppemøde 1", 1_796_112_000, &[]).await;
    c.close_session(pb::CloseSessionRequest {
        id: first.id.clone(),
        request_id: String::new(),
    })
    .await
    .expect("close the first session");
    let second = session(&app, "Styregruppemøde 2", 1_800_000_000, &[]).await;
    let approve = |at: &str| pb::ApproveMinutesRequest {
        session_id: first.id.clone(),
        approving_session_id: at.to_string(),
        request_id: String::new(),
    };
    c.approve_minutes(approve(&second.id))
        .await
        .expect("the second session approves the first one's minutes");
    let third = session(&app, "Styregruppemøde 3", 1_803_000_000, &[]).await;
    let events = app.event_count().await;
    for at in [&second.id, &third.id] {
        let err = c
            .approve_minutes(approve(at))
            .await
            .expect_err("minutes are approved once");
        assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
        assert!(
            err.message().contains(&second.id),
            "names the approving session: {err:?}"
        );
    }
    assert_eq!(app.event_count().await, events, "a refused approval records nothing");
    let m = minutes(&app, &first.id, "da", pb::MinutesFormat::Markdown).await;
    assert_eq!(m.approval.map(|a| a.session_id), Some(second.id.clone()));
    assert!(
        m.markdown
            .contains("Referatet er godkendt på mødet »Styregruppemøde 2«"),
        "{}",
        m.markdown
    );
}
e2e!(approved_minutes_cannot_be_approved_again);
