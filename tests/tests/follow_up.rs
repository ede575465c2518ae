//! Follow-up (DESIGN.md §13), end to end on both engines: implementation
//! records for the members taking part, progress, what is overdue on a date,
//! and the follow-up report.

use chrono::{Days, NaiveDate};
use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::domain::overrides::today;
use samprio_e2e::samprio_server::domain::write::now_micros;
use samprio_e2e::{COOP, Engine, TestApp, e2e, violated_fields};
use tonic::{Code, Status};

const JUSTIFICATION: &str = "Vi har netop indført en lokal løsning og afventer evaluering";
const RESOLUTION: &str = "Direktionsmøde 2026-11-12, pkt. 4";
const DEFERRED_TO: &str = "2099-06-01";
const MEMBERS: [&str; 5] = ["0101", "0147", "0151", "0153", "0155"];

/// `days` after today (UTC), as the server judges dates.
fn in_days(days: u64) -> String {
    let t = NaiveDate::parse_from_str(&today(now_micros()), "%Y-%m-%d").unwrap();
    (t + Days::new(days)).format("%Y-%m-%d").to_string()
}

fn yesterday() -> String {
    let t = NaiveDate::parse_from_str(&today(now_micros()), "%Y-%m-%d").unwrap();
    (t - Days::new(1)).format("%Y-%m-%d").to_string()
}

async fn open_session(app: &TestApp, title: &str) -> pb::Session {
    samprio_e2e::open_session(&app.chair(), title, &[]).await
}

async fn close_session(app: &TestApp, session: &pb::Session) -> pb::Minutes {
    let mut chair = app.chair().sessions();
    chair
        .close_session(pb::CloseSessionRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("close session");
    chair
        .get_minutes(pb::GetMinutesRequest {
            session_id: session.id.clone(),
            ..Default::default()
        })
        .await
        .expect("minutes")
        .into_inner()
}

fn yes_no(choices: &[(&str, pb::Choice)]) -> pb::BallotContent {
    pb::BallotContent {
        kind: Some(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
            choices: choices
                .iter()
                .map(|(id, c)| pb::YesNoChoice {
                    candidate_id: id.to_string(),
                    choice: *c as i32,
                })
                .collect(),
        })),
    }
}

/// A YES_NO round in an open session in which every member but 0155 votes
/// YES on all `ids` and 0155 votes NO; closed, so the proposals are adopted.
async fn adopt_in(app: &TestApp, session: &pb::Session, title: &str, ids: &[String]) -> pb::Round {
    let mut chair = app.chair().sessions();
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: session.id.clone(),
            title: title.into(),
            method: pb::Method::YesNo as i32,
            candidates: ids.to_vec(),
            ..Default::default()
        })
        .await
        .expect("open round")
        .into_inner();
    for m in MEMBERS {
        let choice = if m == "0155" { pb::Choice::No } else { pb::Choice::Yes };
        let choices: Vec<(&str, pb::Choice)> = ids.iter().map(|id| (id.as_str(), choice)).collect();
        app.as_(m, &["board"])
            .sessions()
            .cast_ballot(pb::CastBallotRequest {
                round_id: r.id.clone(),
                content: Some(yes_no(&choices)),
                request_id: String::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("{m} casts: {e:?}"));
    }
    let r = chair
        .close_round(pb::CloseRoundRequest {
            id: r.id,
            request_id: String::new(),
        })
        .await
        .expect("close round")
        .into_inner();
    assert_eq!(r.result.as_ref().unwrap().adopted, ids);
    r
}

struct World {
    /// A and B on the shared list, in that order.
    a: String,
    b: String,
    /// Submitted, not adopted; 0151 adopts it locally.
    f: String,
}

/// The cooperation of five, A and B adopted in session "Styregruppemøde 1",
/// and the overrides: 0101 opts out of A, 0147 defers A, 0153 re-ranks B,
/// 0151 adopts F locally.
async fn world(app: &TestApp) -> World {
    app.seed_default().await;
    let a = app.submitted_proposal("0101", "Fælles ESDH", 2_500_000, false).await.id;
    let b = app
        .submitted_proposal("0147", "Borgerportal", 1_000_000, false)
        .await
        .id;
    let f = app.submitted_proposal("0151", "Lokal chatbot", 300_000, false).await.id;
    let s = open_session(app, "Styregruppemøde 1").await;
    adopt_in(app, &s, "Vedtagelse af fælles prioriteter", &[a.clone(), b.clone()]).await;
    close_session(app, &s).await;
    let set = |m: &'static str, spec: pb::OverrideSpec| async move {
        app.as_(m, &["board"])
            .priorities()
            .set_override(pb::SetOverrideRequest {
                cooperation_id: COOP.into(),
                spec: Some(spec),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{m} sets override: {e:?}"))
    };
    let spec = |p: &str, kind: pb::OverrideKind| pb::OverrideSpec {
        proposal_id: p.into(),
        kind: kind as i32,
        justification: JUSTIFICATION.into(),
        board_resolution: RESOLUTION.into(),
        ..Default::default()
    };
    set("0101", spec(&a, pb::OverrideKind::OptOut)).await;
    set(
        "0147",
        pb::OverrideSpec {
            defer_until: DEFERRED_TO.into(),
            ..spec(&a, pb::OverrideKind::Defer)
        },
    )
    .await;
    set(
        "0153",
        pb::OverrideSpec {
            local_rank: 1,
            ..spec(&b, pb::OverrideKind::Rerank)
        },
    )
    .await;
    set("0151", spec(&f, pb::OverrideKind::AdoptLocal)).await;
    World { a, b, f }
}

fn update(proposal: &str, status: pb::ImplementationStatus, progress: u32) -> pb::UpdateImplementationRequest {
    pb::UpdateImplementationRequest {
        cooperation_id: COOP.into(),
        proposal_id: proposal.into(),
        status: status as i32,
        progress_percent: progress,
        ..Default::default()
    }
}

fn milestone(title: &str, due_on: &str, done_on: &str) -> pb::Milestone {
    pb::Milestone {
        title: title.into(),
        due_on: due_on.into(),
        done_on: done_on.into(),
        overdue: false,
    }
}

async fn report_as(app: &TestApp, municipality: &str, as_of: &str, since: &str) -> Result<pb::FollowUpReport, Status> {
    app.as_(municipality, &["observer"])
        .follow_up()
        .get_follow_up_report(pb::GetFollowUpReportRequest {
            cooperation_id: COOP.into(),
            as_of: as_of.into(),
            since: since.into(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn report(app: &TestApp, as_of: &str, since: &str) -> pb::FollowUpReport {
    report_as(app, "0155", as_of, since).await.expect("report")
}

async fn list(app: &TestApp, proposal: &str, as_of: &str) -> pb::ListImplementationsResponse {
    app.as_("0153", &["observer"])
        .follow_up()
        .list_implementations(pb::ListImplementationsRequest {
            cooperation_id: COOP.into(),
            proposal_id: proposal.into(),
            municipality: String::new(),
            as_of: as_of.into(),
        })
        .await
        .expect("list implementations")
        .into_inner()
}

fn who(l: &pb::ListImplementationsResponse) -> Vec<(String, pb::Participation, String)> {
    l.implementations
        .iter()
        .map(|i| (i.municipality.clone(), i.participation(), i.starts_on.clone()))
        .collect()
}

async fn records_only_for_members_taking_part(app: TestApp) {
    use pb::Participation::*;
    let w = world(&app).await;
    let today = today(now_micros());

    let a = list(&app, &w.a, "").await;
    assert_eq!(a.as_of, today);
    assert_eq!(
        who(&a),
        [
            ("0147".to_string(), Deferred, DEFERRED_TO.to_string()),
            ("0151".to_string(), TakingPart, today.clone()),
            ("0153".to_string(), TakingPart, today.clone()),
            ("0155".to_string(), TakingPart, today.clone()),
        ],
        "0101 opted out: no record; 0147's deferral shifts its start"
    );
    for i in &a.implementations {
        assert_eq!(
            (i.status(), i.progress_percent, i.version),
            (pb::ImplementationStatus::NotStarted, 0, 0)
        );
        assert_eq!(i.etag, "\"0\"");
    }
    let b = list(&app, &w.b, "").await;
    assert_eq!(
        b.implementations
            .iter()
            .map(|i| i.municipality.as_str())
            .collect::<Vec<_>>(),
        MEMBERS,
        "a re-rank changes the order, not the part"
    );
    assert_eq!(b.implementations[0].member_name, "København");
    let f = list(&app, &w.f, "").await;
    assert_eq!(who(&f), [("0151".to_string(), LocalAdoption, today.clone())]);

    // The member that opted out keeps no record, and is told why.
    let err = app
        .as_("0101", &["digital_lead"])
        .follow_up()
        .update_implementation(update(&w.a, pb::ImplementationStatus::InProgress, 10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(
        err.message().contains("opted out") && err.message().contains(RESOLUTION),
        "{}",
        err.message()
    );
    let err = app
        .as_("0101", &["observer"])
        .follow_up()
        .get_implementation(pb::GetImplementationRequest {
            cooperation_id: COOP.into(),
            proposal_id: w.a.clone(),
            municipality: "0101".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    // Only the member that adopted F locally follows it up.
    let err = app
        .as_("0147", &["digital_lead"])
        .follow_up()
        .update_implementation(update(&w.f, pb::ImplementationStatus::InProgress, 10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(err.message().contains("nothing to follow up"), "{}", err.message());
    let local = app
        .as_("0151", &["digital_lead"])
        .follow_up()
        .update_implementation(update(&w.f, pb::ImplementationStatus::InProgress, 25))
        .await
        .expect("0151 reports on its local adoption")
        .into_inner();
    assert_eq!(
        (local.participation(), local.version, local.progress_percent),
        (LocalAdoption, 1, 25)
    );
    // The deferred member may report ahead of its start.
    let deferred = app
        .as_("0147", &["board"])
        .follow_up()
        .update_implementation(update(&w.a, pb::ImplementationStatus::NotStarted, 0))
        .await
        .expect("0147 reports")
        .into_inner();
    assert_eq!(
        (deferred.participation(), deferred.starts_on.as_str()),
        (Deferred, DEFERRED_TO)
    );

    // Revoking the opt-out makes 0101 a member taking part again.
    let o = app
        .as_("0101", &["observer"])
        .priorities()
        .list_overrides(pb::ListOverridesRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .overrides
        .remove(0);
    app.as_("0101", &["board"])
        .priorities()
        .revoke_override(pb::RevokeOverrideRequest {
            id: o.id,
            justification: "Evalueringen viste at den fælles løsning er bedre".into(),
            board_resolution: "Direktionsmøde 2026-12-01, pkt. 2".into(),
            request_id: String::new(),
        })
        .await
        .expect("revoke");
    assert_eq!(list(&app, &w.a, "").await.implementations[0].municipality, "0101");
}

async fn only_the_members_own_lead_or_board_keeps_its_record(app: TestApp) {
    let w = world(&app).await;
    let before = app.event_count().await;
    let mut events = samprio_e2e::watch(&app.as_("0155", &["observer"]), before as u64).await;

    for (m, roles) in [
        ("0147", &["digital_lead"][..]),
        ("0147", &["board"][..]),
        ("0101", &["observer"][..]),
        (
            "0101",
            &[&*format!("chair:{COOP}"), &*format!("secretariat:{COOP}")][..],
        ),
    ] {
        let err = app
            .as_(m, roles)
            .follow_up()
            .update_implementation(pb::UpdateImplementationRequest {
                municipality: "0101".into(),
                ..update(&w.b, pb::ImplementationStatus::InProgress, 10)
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{m} {roles:?}: {err:?}");
    }
    let err = app
        .as_("0157", &["observer"])
        .follow_up()
        .list_implementations(pb::ListImplementationsRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "a non-member reads nothing");

    // Bad input names its fields.
    let mut lead = app.as_("0101", &["digital_lead"]).follow_up();
    let err = lead
        .update_implementation(pb::UpdateImplementationRequest {
            milestones: vec![milestone("", "2027-13-01", "")],
            ..update(&w.b, pb::ImplementationStatus::Unspecified, 101)
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&err),
        [
            "status",
            "progress_percent",
            "milestones[0].title",
            "milestones[0].due_on"
        ]
    );
    let err = lead
        .update_implementation(update(&w.b, pb::ImplementationStatus::Done, 90))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["progress_percent"]);
    let err = lead
        .update_implementation(update("not-an-id", pb::ImplementationStatus::Done, 100))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["proposal_id"]);
    assert_eq!(app.event_count().await, before, "nothing refused is recorded");

    // The lead and the board of 0101 keep it, with the etag of what they read.
    let v1 = lead
        .update_implementation(pb::UpdateImplementationRequest {
            etag: "\"0\"".into(),
            notes: "Udbud forberedes".into(),
            ..update(&w.b, pb::ImplementationStatus::InProgress, 10)
        })
        .await
        .expect("lead reports")
        .into_inner();
    assert_eq!((v1.version, v1.etag.as_str()), (1, "\"1\""));
    assert_eq!(v1.updated_by.as_ref().unwrap().roles, ["digital_lead"]);
    let stale = lead
        .update_implementation(pb::UpdateImplementationRequest {
            etag: "\"0\"".into(),
            ..update(&w.b, pb::ImplementationStatus::InProgress, 20)
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    let v2 = app
        .as_("0101", &["board"])
        .follow_up()
        .update_implementation(pb::UpdateImplementationRequest {
            etag: v1.etag.clone(),
            ..update(&w.b, pb::ImplementationStatus::Blocked, 20)
        })
        .await
        .expect("board reports")
        .into_inner();
    assert_eq!((v2.version, v2.status()), (2, pb::ImplementationStatus::Blocked));

    // Every partner reads it; every change is an event, on Watch too.
    let read = app
        .as_("0155", &["observer"])
        .follow_up()
        .get_implementation(pb::GetImplementationRequest {
            cooperation_id: COOP.into(),
            proposal_id: w.b.clone(),
            municipality: "0101".into(),
        })
        .await
        .expect("a partner reads")
        .into_inner();
    assert_eq!((read.version, read.progress_percent, read.notes.as_str()), (2, 20, ""));
    assert_eq!(app.event_count().await, before + 2);
    for version in [1, 2] {
        let e = events.message().await.expect("watch").expect("event");
        assert_eq!(e.action, "follow_up.updated");
        assert_eq!(e.subject, format!("implementations/{}/0101", w.b));
        let payload: serde_json::Value = serde_json::from_str(&e.payload_json).unwrap();
        assert_eq!(payload["version"], version);
    }
    assert!(app.verify_chain().await.ok);
}

async fn progress_is_computed_plain_and_population_weighted(app: TestApp) {
    let w = world(&app).await;
    use pb::ImplementationStatus::*;
    for (m, status, p) in [
        ("0101", Done, 100),
        ("0147", InProgress, 50),
        ("0153", InProgress, 20),
        ("0155", Cancelled, 0),
    ] {
        app.as_(m, &["digital_lead"])
            .follow_up()
            .update_implementation(update(&w.b, status, p))
            .await
            .unwrap_or_else(|e| panic!("{m}: {e:?}"));
    }
    for (m, p) in [("0151", 40), ("0153", 60)] {
        app.as_(m, &["digital_lead"])
            .follow_up()
            .update_implementation(update(&w.a, InProgress, p))
            .await
            .unwrap_or_else(|e| panic!("{m}: {e:?}"));
    }
    let r = report(&app, "", "").await;
    let b = r.priorities.iter().find(|p| p.proposal_id == w.b).unwrap();
    // Plain: (100 + 50 + 0 + 20 + 0) / 5 = 34 %.
    // Weighted: (100·660 000 + 50·104 000 + 0·49 000 + 20·39 000 + 0·14 000)
    //           / 866 000 = 71 980 000 / 866 000 = 83,1177… % → 83,12 %.
    assert_eq!((b.progress_bp, b.weighted_progress_bp), (3400, 8312));
    assert_eq!((b.members_taking_part, b.members_done), (5, 1));
    let a = r.priorities.iter().find(|p| p.proposal_id == w.a).unwrap();
    // 0101 opted out and does not count; 0147 is deferred and counts at 0.
    // Plain: (0 + 40 + 60 + 0) / 4 = 25 %.
    // Weighted: (0·104 000 + 40·49 000 + 60·39 000 + 0·14 000) / 206 000
    //           = 4 300 000 / 206 000 = 20,8737… % → 20,87 %.
    assert_eq!((a.progress_bp, a.weighted_progress_bp), (2500, 2087));
    assert_eq!(a.members_taking_part, 4);
}

async fn overdue_milestones_and_silent_members_are_flagged_by_date(app: TestApp) {
    let w = world(&app).await;
    app.as_("0153", &["digital_lead"])
        .follow_up()
        .update_implementation(pb::UpdateImplementationRequest {
            milestones: vec![
                milestone("Kontrakt", &in_days(30), &today(now_micros())),
                milestone("Udbud", &in_days(60), ""),
            ],
            ..update(&w.b, pb::ImplementationStatus::InProgress, 30)
        })
        .await
        .expect("0153 reports");
    app.as_("0101", &["digital_lead"])
        .follow_up()
        .update_implementation(update(&w.b, pb::ImplementationStatus::Done, 100))
        .await
        .expect("0101 reports");

    let overdue = |r: &pb::FollowUpReport| -> Vec<(String, String, String)> {
        r.overdue
            .iter()
            .map(|o| {
                let title = if o.proposal_id == w.a {
                    "A"
                } else if o.proposal_id == w.b {
                    "B"
                } else {
                    "F"
                };
                let what = o
                    .milestone
                    .as_ref()
                    .map_or(format!("silent {}", o.days_since_update), |m| m.title.clone());
                (title.to_string(), o.municipality.clone(), what)
            })
            .collect()
    };
    let on_due_day = report(&app, &in_days(30), "").await;
    assert_eq!(overdue(&on_due_day), Vec::<(String, String, String)>::new());
    let b = |r: &pb::FollowUpReport| r.priorities.iter().find(|p| p.proposal_id == w.b).unwrap().clone();
    let m153 = |r: &pb::FollowUpReport| b(r).members.into_iter().find(|m| m.municipality == "0153").unwrap();
    assert!(m153(&on_due_day).milestones.iter().all(|m| !m.overdue));

    let after = report(&app, &in_days(31), "").await;
    let s = |m: &str| ("A".to_string(), m.to_string(), "silent 31".to_string());
    let t = |m: &str| ("B".to_string(), m.to_string(), "silent 31".to_string());
    let local = ("F".to_string(), "0151".to_string(), "silent 31".to_string());
    assert_eq!(
        overdue(&after),
        [
            s("0151"),
            s("0153"),
            s("0155"),
            t("0147"),
            t("0151"),
            t("0153"),
            t("0155"),
            local
        ],
        "31 days without an update: flagged, except the member that is done and the one deferred"
    );
    assert_eq!(after.stale_after_days, 30);

    let late = report(&app, &in_days(61), "").await;
    assert!(
        overdue(&late).contains(&("B".to_string(), "0153".to_string(), "Udbud".to_string())),
        "{:?}",
        overdue(&late)
    );
    let udbud = m153(&late).milestones.into_iter().find(|m| m.title == "Udbud").unwrap();
    assert!(udbud.overdue);
    assert!(
        !m153(&late)
            .milestones
            .iter()
            .find(|m| m.title == "Kontrakt")
            .unwrap()
            .overdue
    );
    let deferred = late
        .priorities
        .iter()
        .find(|p| p.proposal_id == w.a)
        .unwrap()
        .members
        .iter()
        .find(|m| m.municipality == "0147")
        .unwrap()
        .clone();
    assert!(!deferred.stale, "its deferral shifts the day it is expected to start");
}

async fn the_report_tells_what_was_decided_where_members_stand_and_what_changed(app: TestApp) {
    let w = world(&app).await;
    let yesterday = yesterday();
    let before_anything = report(&app, &yesterday, "").await;
    assert_eq!(before_anything.list_revision, 0);
    assert!(before_anything.priorities.is_empty(), "nothing was adopted yesterday");

    app.as_("0147", &["digital_lead"])
        .follow_up()
        .update_implementation(pb::UpdateImplementationRequest {
            milestones: vec![milestone("Go-live", &in_days(90), "")],
            notes: "Leverandør valgt".into(),
            ..update(&w.b, pb::ImplementationStatus::InProgress, 40)
        })
        .await
        .expect("0147 reports");

    let r = report(&app, "", &yesterday).await;
    assert_eq!(r.cooperation_name, "Test cooperation");
    assert_eq!(
        (r.as_of.as_str(), r.since.as_str(), r.list_revision),
        (&*today(now_micros()), &*yesterday, 1)
    );
    assert_eq!(
        r.priorities
            .iter()
            .map(|p| (p.title.as_str(), p.shared_rank))
            .collect::<Vec<_>>(),
        [("Fælles ESDH", 1), ("Borgerportal", 2), ("Lokal chatbot", 0)]
    );
    let a = &r.priorities[0];
    let d = a.decision.as_ref().expect("decided in a round");
    assert_eq!(d.round_title, "Vedtagelse af fælles prioriteter");
    assert_eq!(d.session_title, "Styregruppemøde 1");
    assert_eq!(d.method(), pb::Method::YesNo);
    assert!(d.summary.contains("YES 4, NO 1, ABSTAIN 0"), "{}", d.summary);
    let deviations: Vec<(&str, pb::OverrideKind, &str)> = a
        .deviations
        .iter()
        .map(|d| (d.municipality.as_str(), d.kind(), d.justification.as_str()))
        .collect();
    assert_eq!(
        deviations,
        [
            ("0101", pb::OverrideKind::OptOut, JUSTIFICATION),
            ("0147", pb::OverrideKind::Defer, JUSTIFICATION)
        ]
    );
    assert_eq!(a.deviations[1].effect, format!("DEFER until {DEFERRED_TO}"));
    assert_eq!(a.deviations[0].board_resolution, RESOLUTION);
    let b = &r.priorities[1];
    assert_eq!(b.deviations.len(), 1);
    assert_eq!(b.deviations[0].kind(), pb::OverrideKind::Rerank);
    let m147 = b.members.iter().find(|m| m.municipality == "0147").unwrap();
    assert_eq!(
        (
            m147.status(),
            m147.progress_percent,
            m147.notes.as_str(),
            m147.member_name.as_str()
        ),
        (
            pb::ImplementationStatus::InProgress,
            40,
            "Leverandør valgt",
            "Frederiksberg"
        )
    );
    let local = &r.priorities[2];
    assert!(local.decision.is_none());
    assert_eq!(local.members.len(), 1);
    assert_eq!(local.deviations[0].kind(), pb::OverrideKind::AdoptLocal);
    assert!(r.overdue.is_empty(), "nothing is late on the day of adoption");

    let changes: Vec<(&str, &str)> = r
        .changes
        .iter()
        .map(|c| (c.municipality.as_str(), c.description.as_str()))
        .collect();
    assert_eq!(changes.len(), 6, "{changes:#?}");
    assert!(changes[0].1.starts_with("shared list revision 1"), "{changes:#?}");
    assert_eq!(changes[1].0, "0101");
    assert!(changes[1].1.starts_with("override OPT_OUT set"), "{changes:#?}");
    assert_eq!(
        changes[5],
        (
            "0147",
            "status NOT_STARTED → IN_PROGRESS; progress 0 % → 40 %; milestone \u{201c}Go-live\u{201d} due \
             {} added; notes updated"
                .replace("{}", &in_days(90))
                .as_str()
        )
    );

    // Bad dates name their field.
    let err = report_as(&app, "0155", "2026-02-30", "").await.unwrap_err();
    assert_eq!(violated_fields(&err), ["as_of"]);
    let err = report_as(&app, "0155", &yesterday, &today(now_micros()))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["since"]);
    let err = report_as(&app, "0157", "", "").await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

fn ranking(ids: &[String]) -> pb::BallotContent {
    pb::BallotContent {
        kind: Some(pb::ballot_content::Kind::Ranking(pb::RankingBallot {
            ranking: ids.to_vec(),
        })),
    }
}

async fn follow_up_session(app: &TestApp, title: &str) -> pb::Session {
    let chair = app.chair();
    let s = chair
        .follow_up()
        .create_follow_up_session(pb::CreateFollowUpSessionRequest {
            cooperation_id: COOP.into(),
            title: title.into(),
            ..Default::default()
        })
        .await
        .expect("create follow-up session")
        .into_inner();
    assert_eq!(s.kind(), pb::SessionKind::FollowUp);
    assert!(s.agenda.is_empty());
    chair
        .sessions()
        .open_session(pb::OpenSessionRequest {
            id: s.id,
            request_id: String::new(),
        })
        .await
        .expect("open follow-up session")
        .into_inner()
}

async fn a_follow_up_sessions_minutes_carry_the_report(app: TestApp) {
    let w = world(&app).await;
    let mut lead = app.as_("0147", &["digital_lead"]).follow_up();
    lead.update_implementation(pb::UpdateImplementationRequest {
        milestones: vec![milestone("Go-live", &in_days(90), "")],
        notes: "Leverandør valgt".into(),
        ..update(&w.b, pb::ImplementationStatus::InProgress, 40)
    })
    .await
    .expect("0147 reports");
    let err = app
        .as_("0101", &["board"])
        .follow_up()
        .create_follow_up_session(pb::CreateFollowUpSessionRequest {
            cooperation_id: COOP.into(),
            title: "Opfølgning".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "the chair schedules sessions");

    let first = follow_up_session(&app, "Porteføljeopfølgning Q4").await;
    // A round in it re-ranks the shared list as in any session: B above A.
    let mut chair = app.chair().sessions();
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: first.id.clone(),
            title: "Omprioritering".into(),
            method: pb::Method::Borda as i32,
            candidates: vec![w.a.clone(), w.b.clone()],
            ..Default::default()
        })
        .await
        .expect("open round")
        .into_inner();
    for m in MEMBERS {
        app.as_(m, &["board"])
            .sessions()
            .cast_ballot(pb::CastBallotRequest {
                round_id: r.id.clone(),
                content: Some(ranking(&[w.b.clone(), w.a.clone()])),
                request_id: String::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("{m} ranks: {e:?}"));
    }
    let minutes = close_session(&app, &first).await.markdown;
    for expected in [
        "## Opfølgning pr. ",
        "Fælles prioriteringsliste, revision 2.",
        "### 1. Borgerportal",
        "### 2. Fælles ESDH",
        "### Lokal: Lokal chatbot",
        // B: (0 + 40 + 0 + 0 + 0) / 5 = 8 %; 40·104 000 / 866 000 = 4,80 %.
        "Samlet fremdrift: 8 % (befolkningsvægtet 4,80 %); 0 af 5 deltagende kommuner færdige.",
        "| 0147 Frederiksberg | Deltager | I gang | 40 % | Go-live (frist ",
        "Leverandør valgt |",
        "| 0147 Frederiksberg | Udskudt til 01.06.2099 | Ikke startet | 0 % | – | aldrig |",
        "- 0101 København: Fravalgt. Begrundelse: Vi har netop indført en lokal løsning og afventer evaluering. \
         Beslutning: Direktionsmøde 2026-11-12, pkt. 4.",
        "i afstemningen »Vedtagelse af fælles prioriteter« på mødet »Styregruppemøde 1«: vedtaget ved ja/nej-afstemning, \
         simpelt flertal med vægten ",
        "### Overskredet\n\nIntet.",
        "Dette er den første opfølgning.",
    ] {
        assert!(minutes.contains(expected), "{expected:?} missing from:\n{minutes}");
    }
    // People read words, never the API's enum names.
    for raw in [
        "OPT_OUT",
        "OPT\\_OUT",
        "DEFER",
        "IN_PROGRESS",
        "IN\\_PROGRESS",
        "YES ",
        "ABSTAIN",
        "adopted:",
    ] {
        assert!(!minutes.contains(raw), "{raw:?} in:\n{minutes}");
    }
    // The same section in English, and in the HTML the console shows.
    let mut chair = app.chair().sessions();
    let en = chair
        .get_minutes(pb::GetMinutesRequest {
            session_id: first.id.clone(),
            lang: "en".into(),
            ..Default::default()
        })
        .await
        .expect("English minutes")
        .into_inner()
        .markdown;
    for expected in [
        "## Follow-up as of ",
        "Overall progress: 8% (weighted by population 4.80%); 0 of 5 members taking part done.",
        "| 0147 Frederiksberg | Deferred until 2099-06-01 | Not started | 0% | – | never |",
        "- 0101 København: Opted out. Justification: ",
        "at the meeting “Styregruppemøde 1”: adopted by yes/no vote, simple majority with a weight of ",
    ] {
        assert!(en.contains(expected), "{expected:?} missing from:\n{en}");
    }
    let html = chair
        .get_minutes(pb::GetMinutesRequest {
            session_id: first.id.clone(),
            format: pb::MinutesFormat::Html as i32,
            ..Default::default()
        })
        .await
        .expect("HTML minutes")
        .into_inner()
        .content;
    let html = String::from_utf8(html).expect("UTF-8");
    assert!(html.contains("<h2>Opfølgning pr. "), "{html}");
    assert!(html.contains("Udskudt til 01.06.2099"), "{html}");

    lead.update_implementation(pb::UpdateImplementationRequest {
        milestones: vec![milestone("Go-live", &in_days(90), "")],
        notes: "Leverandør valgt".into(),
        ..update(&w.b, pb::ImplementationStatus::InProgress, 60)
    })
    .await
    .expect("0147 reports again");
    let second = follow_up_session(&app, "Porteføljeopfølgning Q1").await;
    let minutes = close_session(&app, &second).await.markdown;
    assert!(minutes.contains("### Ændringer siden "), "{minutes}");
    assert!(
        minutes.contains("0147 Frederiksberg, Borgerportal: fremdrift 40 % → 60 %"),
        "{minutes}"
    );
    assert!(
        !minutes.contains("afvigelse (fravalgt)"),
        "changes before the previous report are not repeated"
    );

    // A regular session's minutes carry no report.
    let regular = open_session(&app, "Styregruppemøde 2").await;
    assert!(!close_session(&app, &regular).await.markdown.contains("Opfølgning"));
}

async fn accountability_shows_who_took_part_and_delivered(app: TestApp) {
    let w = world(&app).await;
    use pb::ImplementationStatus::*;
    for (m, status, p) in [("0147", Done, 100), ("0101", InProgress, 50)] {
        app.as_(m, &["digital_lead"])
            .follow_up()
            .update_implementation(update(&w.b, status, p))
            .await
            .unwrap_or_else(|e| panic!("{m}: {e:?}"));
    }
    let app = &app;
    let report = |m: &'static str| async move {
        app.as_("0153", &["observer"])
            .priorities()
            .get_accountability_report(pb::GetAccountabilityReportRequest {
                cooperation_id: COOP.into(),
                municipality: m.into(),
            })
            .await
            .expect("accountability")
            .into_inner()
            .deliveries
    };
    type Row = (
        String,
        String,
        pb::Participation,
        String,
        pb::ImplementationStatus,
        u32,
        bool,
    );
    let rows = |ds: Vec<pb::Delivery>| -> Vec<Row> {
        ds.into_iter()
            .map(|d| {
                (
                    d.title.clone(),
                    d.vote.clone(),
                    d.participation(),
                    d.justification.clone(),
                    d.status(),
                    d.progress_percent,
                    d.delivered,
                )
            })
            .collect()
    };
    let yes = "voted YES in \u{201c}Vedtagelse af fælles prioriteter\u{201d}".to_string();
    let no = "voted NO in \u{201c}Vedtagelse af fælles prioriteter\u{201d}".to_string();
    use pb::Participation::*;
    assert_eq!(
        rows(report("0101").await),
        [
            (
                "Fælles ESDH".into(),
                yes.clone(),
                OptedOut,
                JUSTIFICATION.into(),
                NotStarted,
                0,
                false
            ),
            (
                "Borgerportal".into(),
                yes.clone(),
                TakingPart,
                String::new(),
                InProgress,
                50,
                false
            ),
        ],
        "voted YES, then opted out; voted YES, and is delivering"
    );
    assert_eq!(
        rows(report("0147").await),
        [
            (
                "Fælles ESDH".into(),
                yes.clone(),
                Deferred,
                JUSTIFICATION.into(),
                NotStarted,
                0,
                false
            ),
            (
                "Borgerportal".into(),
                yes.clone(),
                TakingPart,
                String::new(),
                Done,
                100,
                true
            ),
        ]
    );
    assert_eq!(rows(report("0155").await)[0].1, no);
    assert_eq!(
        rows(report("0151").await)[2],
        (
            "Lokal chatbot".into(),
            String::new(),
            LocalAdoption,
            String::new(),
            NotStarted,
            0,
            false
        )
    );

    // The cooperation matrix has a delivery column.
    let overview = app
        .as_("0153", &["observer"])
        .priorities()
        .get_cooperation_overview(pb::GetCooperationOverviewRequest {
            cooperation_id: COOP.into(),
        })
        .await
        .expect("overview")
        .into_inner();
    let delivered: Vec<(&str, Vec<String>, Vec<String>)> = overview
        .items
        .iter()
        .map(|i| (i.title.as_str(), i.opt_out.clone(), i.delivered.clone()))
        .collect();
    assert_eq!(
        delivered,
        [
            ("Fælles ESDH", vec!["0101".to_string()], vec![]),
            ("Borgerportal", vec![], vec!["0147".to_string()]),
        ]
    );
}

e2e!(
    accountability_shows_who_took_part_and_delivered,
    a_follow_up_sessions_minutes_carry_the_report,
    records_only_for_members_taking_part,
    only_the_members_own_lead_or_board_keeps_its_record,
    progress_is_computed_plain_and_population_weighted,
    overdue_milestones_and_silent_members_are_flagged_by_date,
    the_report_tells_what_was_decided_where_members_stand_and_what_changed,
);

/// The number of days is the server's to configure.
async fn silence_is_judged_by_the_configured_days(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.follow_up.stale_after_days = 7).await else {
        return;
    };
    let w = world(&app).await;
    let r = report(&app, &in_days(7), "").await;
    assert!(r.overdue.is_empty());
    let r = report(&app, &in_days(8), "").await;
    assert_eq!(r.stale_after_days, 7);
    assert!(
        r.overdue
            .iter()
            .any(|o| o.proposal_id == w.b && o.municipality == "0101")
    );
}

mod silence_is_judged_by_the_configured_days {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::silence_is_judged_by_the_configured_days(samprio_e2e::Engine::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(samprio_pg),
        ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL to run it"
    )]
    async fn postgres() {
        super::silence_is_judged_by_the_configured_days(samprio_e2e::Engine::Postgres).await
    }
}
