//! Cooperations, members, proposals, idempotency and the event log, end to
//! end on both engines.

use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::{COOP, TestApp, content, e2e, violated_fields};
use tonic::Code;

async fn happy_path_from_cooperation_to_submitted_proposal(app: TestApp) {
    app.seed_default().await;
    let coop = app
        .as_("0147", &["observer"])
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(coop.member_count, 5);
    assert_eq!(coop.rules.unwrap().default_quorum_bp, 5000);

    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    let draft = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Fælles ESDH", 2_000_000, false)),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(draft.status(), pb::ProposalStatus::Draft);
    assert_eq!(draft.sponsor, "0147");
    assert_eq!(draft.decision_level(), pb::DecisionLevel::Delegated);

    let mut c = content("Fælles ESDH-løsning", 2_500_000, true);
    c.flags.as_mut().unwrap().personal_data = true;
    let updated = lead
        .update_proposal(pb::UpdateProposalRequest {
            id: draft.id.clone(),
            content: Some(c),
            etag: draft.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.title, "Fælles ESDH-løsning");
    assert_eq!(
        updated.decision_level(),
        pb::DecisionLevel::Board,
        "AI and personal data make it a board-level matter"
    );
    assert_ne!(updated.etag, draft.etag);

    let submitted = lead
        .submit_proposal(pb::SubmitProposalRequest {
            id: draft.id.clone(),
            etag: updated.etag,
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(submitted.status(), pb::ProposalStatus::Submitted);
    assert!(submitted.submit_time.is_some());

    let got = app
        .as_("0155", &["observer"])
        .proposals()
        .get_proposal(pb::GetProposalRequest { id: draft.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, submitted);

    let events = app
        .as_("0101", &["observer"])
        .audit()
        .list_events(pb::ListEventsRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions[0], "cooperation.created");
    assert_eq!(actions.iter().filter(|a| **a == "member.added").count(), 5);
    assert_eq!(
        &actions[6..],
        &["proposal.created", "proposal.updated", "proposal.submitted"]
    );
    assert_eq!(events.last().unwrap().actor.as_ref().unwrap().municipality, "0147");

    let v = app.verify_chain().await;
    assert!(v.ok, "{v:?}");
    assert_eq!(v.events_checked, 9);
}
e2e!(happy_path_from_cooperation_to_submitted_proposal);

async fn proposals_page_and_filter_by_status(app: TestApp) {
    app.seed_default().await;
    let mut lead = app.as_("0151", &["digital_lead"]).proposals();
    for i in 0..5 {
        if i % 2 == 0 {
            app.submitted_proposal("0151", &format!("P{i}"), 100, false).await;
        } else {
            lead.create_proposal(pb::CreateProposalRequest {
                cooperation_id: COOP.into(),
                content: Some(content(&format!("P{i}"), 100, false)),
                request_id: String::new(),
            })
            .await
            .unwrap();
        }
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = lead
            .list_proposals(pb::ListProposalsRequest {
                cooperation_id: COOP.into(),
                page_size: 2,
                page_token: token,
                status: 0,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.proposals.len() <= 2);
        seen.extend(page.proposals.into_iter().map(|p| p.title));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, ["P0", "P1", "P2", "P3", "P4"]);
    let submitted = lead
        .list_proposals(pb::ListProposalsRequest {
            cooperation_id: COOP.into(),
            status: pb::ProposalStatus::Submitted as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let titles: Vec<_> = submitted.proposals.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["P0", "P2", "P4"]);
}
e2e!(proposals_page_and_filter_by_status);

async fn members_are_managed_by_the_secretariat(app: TestApp) {
    app.seed_default().await;
    let mut s = app.secretariat().cooperations();
    let m = s
        .get_member(pb::GetMemberRequest {
            cooperation_id: COOP.into(),
            code: "0153".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let up = s
        .update_member(pb::UpdateMemberRequest {
            cooperation_id: COOP.into(),
            code: "0153".into(),
            population: Some(40_000),
            etag: m.etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(up.population, 40_000);
    let stale = s
        .update_member(pb::UpdateMemberRequest {
            cooperation_id: COOP.into(),
            code: "0153".into(),
            population: Some(1),
            etag: m.etag,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let gone = s
        .remove_member(pb::RemoveMemberRequest {
            cooperation_id: COOP.into(),
            code: "0155".into(),
            left_on: "2026-12-31".into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.left_on, "2026-12-31");
    let current = s
        .list_members(pb::ListMembersRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(
        current.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(),
        ["0101", "0147", "0151", "0153"]
    );
    let all = s
        .list_members(pb::ListMembersRequest {
            cooperation_id: COOP.into(),
            include_departed: true,
            page_size: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.members.len(), 3);
    let rest = s
        .list_members(pb::ListMembersRequest {
            cooperation_id: COOP.into(),
            include_departed: true,
            page_size: 3,
            page_token: all.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        rest.members.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(),
        ["0153", "0155"]
    );

    let dup = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0101".into(),
            name: "Again".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);

    // A departed member can no longer draft proposals.
    let err = app
        .as_("0155", &["digital_lead"])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Late", 1, false)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}
e2e!(members_are_managed_by_the_secretariat);

async fn role_rules_are_enforced(app: TestApp) {
    app.seed_default().await;
    let denied = |r: Result<tonic::Response<_>, tonic::Status>, what: &str| {
        let code = r.map(|_: tonic::Response<()>| ()).unwrap_err().code();
        assert_eq!(code, Code::PermissionDenied, "{what}");
    };
    let before = app.event_count().await;

    let r = app
        .as_("0101", &["board"])
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: "other".into(),
            name: "Other".into(),
            ..Default::default()
        })
        .await;
    denied(
        r.map(|_| tonic::Response::new(())),
        "only operators create cooperations",
    );

    let r = app
        .as_("0101", &["secretariat:other-coop"])
        .cooperations()
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0157".into(),
            name: "X".into(),
            ..Default::default()
        })
        .await;
    denied(
        r.map(|_| tonic::Response::new(())),
        "secretariat of another cooperation",
    );

    let r = app
        .as_("0101", &["board"])
        .cooperations()
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0157".into(),
            name: "X".into(),
            ..Default::default()
        })
        .await;
    denied(r.map(|_| tonic::Response::new(())), "a board is not the secretariat");

    let r = app
        .as_("0147", &["observer"])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Obs", 1, false)),
            request_id: String::new(),
        })
        .await;
    denied(r.map(|_| tonic::Response::new(())), "observers only read");

    let r = app
        .as_("0157", &["digital_lead"])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Outsider", 1, false)),
            request_id: String::new(),
        })
        .await;
    denied(r.map(|_| tonic::Response::new(())), "non-members cannot draft");

    let p = app.submitted_proposal("0147", "Sponsored", 10, false).await;
    let after_setup = app.event_count().await;
    let r = app
        .as_("0151", &["digital_lead"])
        .proposals()
        .withdraw_proposal(pb::WithdrawProposalRequest {
            id: p.id.clone(),
            reason: String::new(),
            request_id: String::new(),
        })
        .await;
    denied(r.map(|_| tonic::Response::new(())), "only the sponsor withdraws");

    let r = app
        .as_("0157", &["board"])
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await;
    denied(
        r.map(|_| tonic::Response::new(())),
        "non-members do not read the cooperation",
    );
    let r = app
        .as_("0157", &["board"])
        .audit()
        .list_events(pb::ListEventsRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await;
    denied(
        r.map(|_| tonic::Response::new(())),
        "non-members do not read its events",
    );
    let r = app
        .as_("0101", &["board"])
        .audit()
        .list_events(pb::ListEventsRequest::default())
        .await;
    denied(r.map(|_| tonic::Response::new(())), "the global log is for operators");

    assert_eq!(app.event_count().await, after_setup, "denied calls write nothing");
    assert!(after_setup > before);
}
e2e!(role_rules_are_enforced);

async fn malformed_input_names_the_field_and_writes_nothing(app: TestApp) {
    app.seed_default().await;
    let before = app.event_count().await;
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();

    let mut c = content("", 1, false);
    let e = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(c.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["content.title"]);

    c.title = "x".repeat(201);
    c.one_time_cost_dkk = -5;
    let e = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(c.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["content.title", "content.one_time_cost_dkk"]);

    c.title = "Fine".into();
    c.one_time_cost_dkk = 1;
    c.category = 99;
    let e = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(c.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["content.category"]);

    let e = lead
        .list_proposals(pb::ListProposalsRequest {
            cooperation_id: COOP.into(),
            page_token: "garbage".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["page_token"]);
    let e = lead
        .list_proposals(pb::ListProposalsRequest {
            cooperation_id: COOP.into(),
            status: 42,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["status"]);

    let e = lead
        .get_proposal(pb::GetProposalRequest { id: "not-an-id".into() })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["id"]);
    let e = lead
        .get_proposal(pb::GetProposalRequest {
            id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);

    let mut op = app.operator().cooperations();
    let e = op
        .create_cooperation(pb::CreateCooperationRequest {
            id: "Bad Id".into(),
            name: "".into(),
            rules: Some(pb::CooperationRules {
                default_quorum_bp: 20_000,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["id", "name", "rules.default_quorum_bp"]);
    let e = op
        .create_cooperation(pb::CreateCooperationRequest {
            id: "x-coop".into(),
            name: "X".into(),
            rules: Some(pb::CooperationRules {
                default_weighting: 7,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["rules.default_weighting"]);
    let e = app
        .secretariat()
        .cooperations()
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "01a".into(),
            name: "N".into(),
            population: Some(-1),
            joined_on: "2026-13-01".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["code", "population", "joined_on"]);
    let e = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Fine", 1, false)),
            request_id: "r".repeat(129),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["request_id"]);
    assert_eq!(app.event_count().await, before, "rejected requests write nothing");

    // Submitted content is frozen.
    let p = app.submitted_proposal("0147", "Frozen", 5, false).await;
    let written = app.event_count().await;
    let e = lead
        .update_proposal(pb::UpdateProposalRequest {
            id: p.id.clone(),
            content: Some(content("Changed", 5, false)),
            etag: p.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    let e = lead
        .submit_proposal(pb::SubmitProposalRequest {
            id: p.id.clone(),
            etag: String::new(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert_eq!(app.event_count().await, written);
    let again = lead
        .get_proposal(pb::GetProposalRequest { id: p.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.title, "Frozen");
}
e2e!(malformed_input_names_the_field_and_writes_nothing);

async fn stale_etag_is_aborted(app: TestApp) {
    app.seed_default().await;
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    let d = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("A", 1, false)),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    lead.update_proposal(pb::UpdateProposalRequest {
        id: d.id.clone(),
        content: Some(content("B", 1, false)),
        etag: d.etag.clone(),
        request_id: String::new(),
    })
    .await
    .unwrap();
    let e = lead
        .update_proposal(pb::UpdateProposalRequest {
            id: d.id.clone(),
            content: Some(content("C", 1, false)),
            etag: d.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Aborted);
    let now = lead
        .get_proposal(pb::GetProposalRequest { id: d.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.title, "B");
}
e2e!(stale_etag_is_aborted);

async fn retried_request_id_returns_the_first_result_and_writes_once(app: TestApp) {
    app.seed_default().await;
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    let req = pb::CreateProposalRequest {
        cooperation_id: COOP.into(),
        content: Some(content("Once", 1, false)),
        request_id: "req-1".into(),
    };
    let before = app.event_count().await;
    let first = lead.create_proposal(req.clone()).await.unwrap().into_inner();
    let second = lead.create_proposal(req.clone()).await.unwrap().into_inner();
    assert_eq!(first, second);
    assert_eq!(app.event_count().await, before + 1);
    let all = lead
        .list_proposals(pb::ListProposalsRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.proposals.len(), 1);

    let mut other = req.clone();
    other.content = Some(content("Different", 1, false));
    let e = lead.create_proposal(other).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["request_id"]);

    // Request ids are per caller: another person may use the same id.
    let mut board = app.as_("0147", &["board"]).proposals();
    let theirs = board.create_proposal(req).await.unwrap().into_inner();
    assert_ne!(theirs.id, first.id);
}
e2e!(retried_request_id_returns_the_first_result_and_writes_once);

async fn verify_chain_names_the_first_altered_event(app: TestApp) {
    app.seed_default().await;
    app.submitted_proposal("0147", "Audited", 10, false).await;
    let ok = app.verify_chain().await;
    assert!(ok.ok);
    let n = ok.events_checked;
    assert!(n >= 8);

    tamper(&app, "UPDATE events SET payload = '{\"tampered\":true}' WHERE seq = 4").await;
    let bad = app.verify_chain().await;
    assert!(!bad.ok);
    assert_eq!(bad.first_bad_seq, 4);
    assert_eq!(bad.events_checked, 3);
    assert!(bad.reason.contains("hash"), "{}", bad.reason);
}
e2e!(verify_chain_names_the_first_altered_event);

async fn tamper(app: &TestApp, sql: &str) {
    use sqlx::Connection;
    match app.engine {
        samprio_e2e::Engine::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
        samprio_e2e::Engine::Postgres => {
            let mut c = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}

/// The reads answered from kept replies, for cooperation `coop`, each by
/// its method's name.
async fn kept_reads(c: &Client, coop: &str) -> Vec<(&'static str, Result<(), tonic::Status>)> {
    let cooperation_id = coop.to_string();
    vec![
        (
            "GetPriorityList",
            c.priorities()
                .get_priority_list(pb::GetPriorityListRequest {
                    cooperation_id: cooperation_id.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
        (
            "GetEffectiveList",
            c.priorities()
                .get_effective_list(pb::GetEffectiveListRequest {
                    cooperation_id: cooperation_id.clone(),
                    municipality: "0147".into(),
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
        (
            "ListProposals",
            c.proposals()
                .list_proposals(pb::ListProposalsRequest {
                    cooperation_id: cooperation_id.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
        (
            "ListEvents",
            c.audit()
                .list_events(pb::ListEventsRequest {
                    cooperation_id: cooperation_id.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
        (
            "ListOpportunities",
            c.portfolio()
                .list_opportunities(pb::ListOpportunitiesRequest {
                    cooperation_id,
                    ..Default::default()
                })
                .await
                .map(drop),
        ),
    ]
}

/// A reply kept for members is not a way around the checks: an outsider, an
/// unknown cooperation and a missing id are refused as by any other read,
/// also once the replies are kept.
async fn kept_reads_are_refused_like_any_other(app: TestApp) {
    app.seed_default().await;
    app.submitted_proposal("0147", "Fælles ESDH", 100, false).await;
    let member = app.as_("0147", &["observer"]);
    for _ in 0..2 {
        for (what, r) in kept_reads(&member, COOP).await {
            r.unwrap_or_else(|s| panic!("{what}: {s:?}"));
        }
    }
    for (what, r) in kept_reads(&app.as_("0157", &["observer"]), COOP).await {
        assert_eq!(r.unwrap_err().code(), Code::PermissionDenied, "{what}: not a member");
    }
    for (what, r) in kept_reads(&member, "no-such-coop").await {
        assert_eq!(r.unwrap_err().code(), Code::NotFound, "{what}");
    }
    for (what, r) in kept_reads(&member, "").await {
        let e = r.unwrap_err();
        if what == "ListEvents" {
            assert_eq!(
                e.code(),
                Code::PermissionDenied,
                "the whole log is for operators: {e:?}"
            );
        } else {
            assert_eq!(e.code(), Code::InvalidArgument, "{what}: {e:?}");
            assert_eq!(violated_fields(&e), ["cooperation_id"], "{what}");
        }
    }
}
e2e!(kept_reads_are_refused_like_any_other);
