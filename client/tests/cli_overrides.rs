//! A board's local overrides through the `samprio` CLI: set, list, history,
//! the effective list, the accountability report and the cooperation view.

mod common;
use common::{has_words, samprio, stdout};

use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, Engine, TestApp};

/// Proposals A, B, C adopted by a YES_NO round in which every member voted
/// YES on all three; D submitted and left out.
async fn shared_list(app: &TestApp) -> (Vec<pb::Proposal>, pb::Proposal) {
    app.seed_default().await;
    let mut ps = Vec::new();
    for title in ["Fælles ESDH", "Borgerportal", "Mødebooking"] {
        ps.push(app.submitted_proposal("0147", title, 100_000, false).await);
    }
    let d = app.submitted_proposal("0151", "Lokal chatbot", 10_000, false).await;
    let mut chair = app.chair().sessions();
    let s = chair
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Styregruppemøde".into(),
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
    let ids: Vec<String> = ps.iter().map(|p| p.id.clone()).collect();
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: s.id.clone(),
            title: "Budget 2027".into(),
            method: pb::Method::YesNo as i32,
            candidates: ids.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    for m in ["0101", "0147", "0151"] {
        app.as_(m, &["board"])
            .sessions()
            .cast_ballot(pb::CastBallotRequest {
                round_id: r.id.clone(),
                content: Some(pb::BallotContent {
                    kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
                        choices: ids
                            .iter()
                            .map(|id| pb::YesNoChoice {
                                candidate_id: id.clone(),
                                choice: pb::Choice::Yes as i32,
                            })
                            .collect(),
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
    (ps, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_boards_overrides_through_the_cli() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let (ps, d) = shared_list(&app).await;
    let board = app.token("0101", &["board"]);
    let lead = app.token("0101", &["digital_lead"]);
    let observer = app.token("0155", &["observer"]);
    let justification = "Vi har egen ESDH-kontrakt til 2028";
    let resolution = "Direktionsmøde 2026-11-12, pkt. 4";

    let set = |proposal: &str, kind: &str, extra: &[&str]| {
        let mut args = vec![
            "--json",
            "override",
            "set",
            COOP,
            proposal,
            "--kind",
            kind,
            "--justification",
            justification,
            "--resolution",
            resolution,
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |token: &str, args: Vec<String>| {
        let app = &app;
        let token = token.to_string();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            samprio(app, &token, &args).await
        }
    };

    let opted: serde_json::Value =
        serde_json::from_str(&stdout(&run(&board, set(&ps[0].id, "opt-out", &[])).await)).unwrap();
    assert_eq!(opted["kind"], "OVERRIDE_KIND_OPT_OUT");
    assert_eq!(opted["municipality"], "0101");
    let id = opted["id"].as_str().unwrap().to_string();
    stdout(&run(&board, set(&ps[2].id, "rerank", &["--local-rank", "1"])).await);
    stdout(&run(&board, set(&d.id, "adopt-local", &[])).await);

    // A digital lead may not; the refusal is one clear line.
    let denied = run(&lead, set(&ps[1].id, "opt-out", &[])).await;
    assert!(!denied.status.success());
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(err.contains("permission denied") && err.contains("board"), "{err}");
    // A missing justification names the field.
    let mut bad = set(&ps[1].id, "opt-out", &[]);
    let at = bad.iter().position(|a| a == justification).unwrap();
    bad[at] = "n/a".into();
    let refused = run(&board, bad).await;
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && err.contains("spec.justification"), "{err}");

    let list = stdout(&samprio(&app, &observer, &["override", "list", COOP, "--municipality", "0101"]).await);
    assert!(
        list.contains("opt-out") && list.contains("rerank to 1") && list.contains("adopt-local"),
        "{list}"
    );

    let effective = stdout(
        &samprio(
            &app,
            &observer,
            &["priorities", COOP, "--effective", "--municipality", "0101"],
        )
        .await,
    );
    assert!(effective.contains("effective list of 0101"), "{effective}");
    assert!(
        effective.contains("Set apart") && effective.contains("Fælles ESDH"),
        "{effective}"
    );
    let mødebooking = effective.find("Mødebooking").unwrap();
    let borgerportal = effective.find("Borgerportal").unwrap();
    assert!(mødebooking < borgerportal, "re-ranked first: {effective}");
    assert!(effective.contains("Lokal chatbot"), "adopted locally: {effective}");

    let report = stdout(&samprio(&app, &observer, &["accountability", COOP, "--municipality", "0101"]).await);
    assert!(
        report.contains("voted YES in round “Budget 2027”, then opted out locally"),
        "{report}"
    );
    assert!(has_words(&report, resolution), "{report}");

    let overview = stdout(&samprio(&app, &observer, &["accountability", COOP, "--overview"]).await);
    assert!(
        overview.contains("Adopted locally") && overview.contains("Lokal chatbot"),
        "{overview}"
    );

    let revoked = stdout(
        &samprio(
            &app,
            &board,
            &[
                "override",
                "revoke",
                &id,
                "--justification",
                "Kontrakten er opsagt; vi deltager",
                "--resolution",
                "Direktionsmøde 2027-01-10, pkt. 2",
            ],
        )
        .await,
    );
    assert!(revoked.contains("revoked"), "{revoked}");
    let history = stdout(&samprio(&app, &observer, &["override", "history", &id]).await);
    assert!(
        has_words(&history, justification) && has_words(&history, "Kontrakten er opsagt"),
        "{history}"
    );
}
