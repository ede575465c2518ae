//! Follow-up through the `samprio` CLI, as the README's quickstart ends: a
//! lead reports progress, the chair runs a follow-up session, the minutes
//! show where everyone stands; the report as a table and as CSV.

mod common;
use common::{samprio, stdout};

use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::domain::overrides::today;
use samprio_e2e::samprio_server::domain::write::now_micros;
use samprio_e2e::{COOP, Engine, TestApp};

const JUSTIFICATION: &str = "Vi har egen ESDH-kontrakt til 2029";

/// "Fælles ESDH" adopted by every member; København's board opts out of it.
async fn adopted(app: &TestApp) -> String {
    app.seed_default().await;
    let id = app.submitted_proposal("0147", "Fælles ESDH", 2_500_000, false).await.id;
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
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: s.id.clone(),
            title: "Vedtagelse".into(),
            method: pb::Method::YesNo as i32,
            candidates: vec![id.clone()],
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
                            candidate_id: id.clone(),
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
    app.as_("0101", &["board"])
        .priorities()
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(pb::OverrideSpec {
                proposal_id: id.clone(),
                kind: pb::OverrideKind::OptOut as i32,
                justification: JUSTIFICATION.into(),
                board_resolution: "Direktionsmøde 2026-11-12, pkt. 4".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_through_the_cli() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let id = adopted(&app).await;
    let lead = app.token("0147", &["digital_lead"]);
    let observer = app.token("0151", &["observer"]);
    let chair = app.token("0101", &[&format!("chair:{COOP}")]);
    let today = today(now_micros());

    let out = stdout(
        &samprio(
            &app,
            &lead,
            &[
                "follow-up",
                "update",
                COOP,
                &id,
                "--status",
                "in-progress",
                "--progress",
                "40",
                "--milestone",
                "Udbud=2099-03-01",
                "--milestone",
                "Go-live=2099-09-01",
                "--notes",
                "Udbudsmateriale sendt i høring",
            ],
        )
        .await,
    );
    assert!(out.contains("in-progress") && out.contains("40 %"), "{out}");
    // Only what is named changes: status, notes and the other milestone stay.
    let done = format!("Udbud={today}");
    let out = stdout(
        &samprio(
            &app,
            &lead,
            &["follow-up", "update", COOP, &id, "--done", &done, "--progress", "55"],
        )
        .await,
    );
    assert!(
        out.contains("in-progress")
            && out.contains("55 %")
            && out.contains(&format!("Udbud (due 2099-03-01, done {today})"))
            && out.contains("Go-live (due 2099-09-01, open)")
            && out.contains("Udbudsmateriale sendt i høring"),
        "{out}"
    );
    let refused = samprio(
        &app,
        &app.token("0101", &["digital_lead"]),
        &["follow-up", "update", COOP, &id, "--progress", "10"],
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("opted out"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let list = stdout(&samprio(&app, &observer, &["follow-up", "list", COOP]).await);
    assert!(list.contains("0147 Frederiksberg") && list.contains("55 %"), "{list}");
    assert!(!list.contains("0101"), "København opted out: {list}");

    // The chair runs a follow-up session; its minutes show where everyone stands.
    let created = stdout(
        &samprio(
            &app,
            &chair,
            &[
                "--json",
                "session",
                "create",
                COOP,
                "--title",
                "Porteføljeopfølgning",
                "--follow-up",
            ],
        )
        .await,
    );
    let session: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(session["kind"], "SESSION_KIND_FOLLOW_UP");
    let sid = session["id"].as_str().unwrap();
    stdout(&samprio(&app, &chair, &["session", "open", sid]).await);
    let agenda = stdout(&samprio(&app, &observer, &["follow-up", "report", COOP]).await);
    assert!(
        agenda.contains("#1 Fælles ESDH") && agenda.contains("0147 Frederiksberg") && agenda.contains(JUSTIFICATION),
        "{agenda}"
    );
    stdout(&samprio(&app, &chair, &["session", "close", sid]).await);
    let minutes = stdout(&samprio(&app, &observer, &["session", "minutes", sid]).await);
    assert!(
        minutes.contains("## Opfølgning pr. ")
            && minutes.contains("| 0147 Frederiksberg | Deltager | I gang | 55 % |")
            && minutes.contains("Fravalgt"),
        "{minutes}"
    );

    let csv = stdout(&samprio(&app, &observer, &["follow-up", "report", COOP, "--csv"]).await);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("as_of,shared_rank,proposal_id,title,decided,"),
        "{csv}"
    );
    assert_eq!(
        lines.len(),
        1 + 4 + 1,
        "four members taking part and one that opted out: {csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",0147,Frederiksberg,taking-part,") && l.contains(",in-progress,55,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",0101,København,opted-out,") && l.contains(JUSTIFICATION)),
        "{csv}"
    );
}
