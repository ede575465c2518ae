//! Local overrides, effective lists and accountability (DESIGN.md §6), end
//! to end on both engines.

use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::domain::overrides::today;
use samprio_e2e::samprio_server::domain::write::now_micros;
use samprio_e2e::{COOP, TestApp, e2e, violated_fields};
use tonic::{Code, Status};

const JUSTIFICATION: &str = "Vi har netop indført en lokal løsning og afventer evaluering";
const RESOLUTION: &str = "Direktionsmøde 2026-11-12, pkt. 4";
const FAR: &str = "2099-01-01";

fn spec(proposal: &str, kind: pb::OverrideKind) -> pb::OverrideSpec {
    pb::OverrideSpec {
        proposal_id: proposal.into(),
        kind: kind as i32,
        justification: JUSTIFICATION.into(),
        board_resolution: RESOLUTION.into(),
        ..Default::default()
    }
}

fn rerank(proposal: &str, at: u32) -> pb::OverrideSpec {
    pb::OverrideSpec {
        local_rank: at,
        ..spec(proposal, pb::OverrideKind::Rerank)
    }
}

fn defer(proposal: &str, until: &str) -> pb::OverrideSpec {
    pb::OverrideSpec {
        defer_until: until.into(),
        ..spec(proposal, pb::OverrideKind::Defer)
    }
}

async fn set_as(
    app: &TestApp,
    municipality: &str,
    roles: &[&str],
    s: pb::OverrideSpec,
) -> Result<pb::Override, Status> {
    app.as_(municipality, roles)
        .priorities()
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(s),
            etag: String::new(),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn set(app: &TestApp, municipality: &str, s: pb::OverrideSpec) -> pb::Override {
    set_as(app, municipality, &["board"], s).await.expect("set override")
}

async fn effective(app: &TestApp, municipality: &str, as_of: &str) -> pb::EffectiveList {
    app.as_("0155", &["observer"])
        .priorities()
        .get_effective_list(pb::GetEffectiveListRequest {
            cooperation_id: COOP.into(),
            municipality: municipality.into(),
            as_of: as_of.into(),
        })
        .await
        .expect("effective list")
        .into_inner()
}

async fn get(app: &TestApp, id: &str) -> pb::Override {
    app.as_("0153", &["observer"])
        .priorities()
        .get_override(pb::GetOverrideRequest { id: id.into() })
        .await
        .expect("get override")
        .into_inner()
}

/// (proposal, local rank, shared rank, kind of the override behind it).
fn shape(l: &pb::EffectiveList) -> Vec<(String, u32, u32, Option<pb::OverrideKind>)> {
    l.items
        .iter()
        .map(|i| {
            (
                i.proposal_id.clone(),
                i.local_rank,
                i.shared_rank,
                i.r#override.as_ref().map(|o| o.kind()),
            )
        })
        .collect()
}

/// The chair's open session, for rounds and for overrides filed during it.
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
            lang: "en".into(),
            ..Default::default()
        })
        .await
        .expect("minutes")
        .into_inner()
}

/// A round of `method` over `candidates` in `session`, in which each member
/// listed casts its ballot as its board; closed, and so decided.
async fn round(
    app: &TestApp,
    session: &pb::Session,
    title: &str,
    method: pb::Method,
    candidates: &[String],
    ballots: &[(&str, pb::BallotContent)],
) -> pb::Round {
    let mut chair = app.chair().sessions();
    let r = chair
        .open_round(pb::OpenRoundRequest {
            session_id: session.id.clone(),
            title: title.into(),
            method: method as i32,
            candidates: candidates.to_vec(),
            ..Default::default()
        })
        .await
        .expect("open round")
        .into_inner();
    for (municipality, content) in ballots {
        app.as_(municipality, &["board"])
            .sessions()
            .cast_ballot(pb::CastBallotRequest {
                round_id: r.id.clone(),
                content: Some(content.clone()),
                request_id: String::new(),
            })
            .await
            .unwrap_or_else(|e| panic!("{municipality} casts: {e:?}"));
    }
    chair
        .close_round(pb::CloseRoundRequest {
            id: r.id,
            request_id: String::new(),
        })
        .await
        .expect("close round")
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

fn ranking(ids: &[String]) -> pb::BallotContent {
    pb::BallotContent {
        kind: Some(pb::ballot_content::Kind::Ranking(pb::RankingBallot {
            ranking: ids.to_vec(),
        })),
    }
}

const MEMBERS: [&str; 5] = ["0101", "0147", "0151", "0153", "0155"];

/// A session in which every member votes YES on all `ids`: a YES_NO round
/// appends them to the shared list in this order, as one new revision.
async fn adopt(app: &TestApp, ids: &[String]) {
    let session = open_session(app, "Vedtagelse").await;
    let yes: Vec<(&str, pb::Choice)> = ids.iter().map(|id| (id.as_str(), pb::Choice::Yes)).collect();
    let ballots: Vec<(&str, pb::BallotContent)> = MEMBERS.iter().map(|m| (*m, yes_no(&yes))).collect();
    let r = round(app, &session, "Vedtagelse", pb::Method::YesNo, ids, &ballots).await;
    assert_eq!(r.result.unwrap().adopted, ids);
    close_session(app, &session).await;
}

/// A session in which every member ranks the whole list as `items`: a
/// Borda round re-orders the shared list so, as one new revision.
async fn reorder(app: &TestApp, items: &[String]) {
    let session = open_session(app, "Omprioritering").await;
    let ballots: Vec<(&str, pb::BallotContent)> = MEMBERS.iter().map(|m| (*m, ranking(items))).collect();
    round(app, &session, "Omprioritering", pb::Method::Borda, items, &ballots).await;
    close_session(app, &session).await;
    let list = app
        .as_("0101", &["observer"])
        .priorities()
        .get_priority_list(pb::GetPriorityListRequest {
            cooperation_id: COOP.into(),
            revision: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        list.items.iter().map(|i| i.proposal_id.clone()).collect::<Vec<_>>(),
        items
    );
}

/// Five proposals on the shared list (A..E) and one submitted but not adopted (F).
async fn shared_list(app: &TestApp) -> (Vec<String>, String) {
    app.seed_default().await;
    let mut ids = Vec::new();
    for (i, t) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        let sponsor = ["0101", "0147", "0151", "0153", "0155"][i];
        ids.push(app.submitted_proposal(sponsor, t, 100_000, false).await.id);
    }
    adopt(app, &ids).await;
    let f = app.submitted_proposal("0151", "F", 50_000, false).await.id;
    (ids, f)
}

async fn each_kind_shapes_the_effective_list(app: TestApp) {
    use pb::OverrideKind::*;
    let (p, f) = shared_list(&app).await;
    let before = app.event_count().await;

    let o = set(&app, "0101", spec(&p[1], OptOut)).await;
    assert_eq!(o.municipality, "0101");
    assert_eq!(o.state(), pb::OverrideState::Active);
    assert_eq!((o.list_revision, o.shared_rank_at_set, o.version), (1, 2, 1));
    assert!(!o.needs_review);
    assert_eq!(o.set_by.as_ref().unwrap().roles, ["board"]);
    set(&app, "0101", defer(&p[2], FAR)).await;
    set(&app, "0101", rerank(&p[4], 1)).await;
    set(
        &app,
        "0101",
        pb::OverrideSpec {
            local_rank: 3,
            ..spec(&f, AdoptLocal)
        },
    )
    .await;
    assert_eq!(app.event_count().await, before + 4, "one event per override");

    let l = effective(&app, "0101", "").await;
    assert_eq!(l.revision, 1);
    assert_eq!(l.as_of, today(now_micros()));
    assert_eq!(
        shape(&l),
        [
            (p[4].clone(), 1, 5, Some(Rerank)),
            (p[0].clone(), 2, 1, None),
            (f.clone(), 3, 0, Some(AdoptLocal)),
            (p[3].clone(), 4, 4, None),
        ]
    );
    assert_eq!(l.items[2].title, "F");
    let apart: Vec<_> = l
        .set_apart
        .iter()
        .map(|s| (s.proposal_id.clone(), s.shared_rank, s.kind(), s.defer_until.clone()))
        .collect();
    assert_eq!(
        apart,
        [
            (p[1].clone(), 2, OptOut, String::new()),
            (p[2].clone(), 3, Defer, FAR.to_string())
        ]
    );
    assert_eq!(l.set_apart[0].justification, JUSTIFICATION);
    assert_eq!(l.set_apart[0].title, "B");

    let after_deferral = effective(&app, "0101", FAR).await;
    assert_eq!(
        after_deferral
            .items
            .iter()
            .map(|i| i.proposal_id.as_str())
            .collect::<Vec<_>>(),
        [&p[4], &p[0], &f, &p[2], &p[3]],
        "from defer_until on, the member takes part"
    );

    let other = effective(&app, "0147", "").await;
    assert_eq!(
        other.items.iter().map(|i| i.proposal_id.clone()).collect::<Vec<_>>(),
        p,
        "another member's list is the shared list"
    );
    assert!(other.set_apart.is_empty());

    let actions: Vec<String> = app
        .as_("0147", &["observer"])
        .audit()
        .list_events(pb::ListEventsRequest {
            cooperation_id: COOP.into(),
            after_seq: before as u64,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.subject.split('/').next().unwrap_or_default()))
        .collect();
    assert_eq!(actions, ["override.set overrides"; 4]);
}

async fn changes_are_versions_with_history(app: TestApp) {
    use pb::OverrideKind::*;
    let (p, _) = shared_list(&app).await;
    let mut board = app.as_("0147", &["board"]).priorities();
    let v1 = set(&app, "0147", spec(&p[0], OptOut)).await;

    let v2 = board
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(rerank(&p[0], 4)),
            etag: v1.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.id, v1.id, "a change is a new version of the same override");
    assert_eq!((v2.version, v2.kind()), (2, Rerank));
    assert_ne!(v2.etag, v1.etag);

    let stale = board
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(spec(&p[0], OptOut)),
            etag: v1.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let revoked = board
        .revoke_override(pb::RevokeOverrideRequest {
            id: v1.id.clone(),
            justification: "Den lokale løsning er udfaset; vi deltager fuldt ud".into(),
            board_resolution: "Direktionsmøde 2027-01-10, pkt. 2".into(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((revoked.state(), revoked.version), (pb::OverrideState::Revoked, 3));
    let again = board
        .revoke_override(pb::RevokeOverrideRequest {
            id: v1.id.clone(),
            justification: "Den lokale løsning er udfaset; vi deltager fuldt ud".into(),
            board_resolution: "Direktionsmøde 2027-01-10, pkt. 2".into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    let history = app
        .as_("0101", &["observer"])
        .priorities()
        .list_override_history(pb::ListOverrideHistoryRequest { id: v1.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .versions;
    let kinds: Vec<_> = history.iter().map(|o| (o.version, o.kind(), o.state())).collect();
    assert_eq!(
        kinds,
        [
            (1, OptOut, pb::OverrideState::Active),
            (2, Rerank, pb::OverrideState::Active),
            (3, Rerank, pb::OverrideState::Revoked)
        ]
    );
    assert_eq!(history[0].justification, JUSTIFICATION);
    assert!(
        history[2].justification.contains("udfaset"),
        "a revocation carries its reason"
    );
    assert_eq!(
        effective(&app, "0147", "").await.items.len(),
        5,
        "revoked no longer applies"
    );

    let mut reader = app.as_("0155", &["observer"]).priorities();
    let list = |include_inactive| pb::ListOverridesRequest {
        cooperation_id: COOP.into(),
        municipality: "0147".into(),
        include_inactive,
        ..Default::default()
    };
    assert!(
        reader
            .list_overrides(list(false))
            .await
            .unwrap()
            .into_inner()
            .overrides
            .is_empty()
    );
    assert_eq!(
        reader
            .list_overrides(list(true))
            .await
            .unwrap()
            .into_inner()
            .overrides
            .len(),
        1
    );

    let fresh = set(&app, "0147", spec(&p[0], OptOut)).await;
    assert_ne!(
        fresh.id, v1.id,
        "setting again after a revocation starts a new override"
    );
    assert_eq!(fresh.version, 1);
}

async fn flagged_after_a_rerank_then_reconfirmed(app: TestApp) {
    let (p, _) = shared_list(&app).await;
    let o = set(&app, "0151", spec(&p[1], pb::OverrideKind::OptOut)).await;
    let untouched = set(&app, "0151", spec(&p[4], pb::OverrideKind::OptOut)).await;
    assert_eq!((o.list_revision, o.shared_rank_at_set), (1, 2));

    // Revision 2: B moves from 2 to 1; E stays last.
    reorder(
        &app,
        &[p[1].clone(), p[0].clone(), p[2].clone(), p[3].clone(), p[4].clone()],
    )
    .await;
    let flagged = get(&app, &o.id).await;
    assert!(flagged.needs_review, "shared rank 2 → 1 since the override was made");
    assert!(!get(&app, &untouched.id).await.needs_review, "rank unchanged");
    let listed = app
        .as_("0151", &["board"])
        .priorities()
        .list_overrides(pb::ListOverridesRequest {
            cooperation_id: COOP.into(),
            proposal_id: p[1].clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .overrides;
    assert!(listed[0].needs_review);

    let mut board = app.as_("0151", &["board"]).priorities();
    let reconfirm = |id: &str| pb::ReconfirmOverrideRequest {
        id: id.into(),
        board_resolution: "Direktionsmøde 2027-02-03, pkt. 7".into(),
        request_id: String::new(),
    };
    let e = board.reconfirm_override(reconfirm(&untouched.id)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "nothing to review");

    let done = board.reconfirm_override(reconfirm(&o.id)).await.unwrap().into_inner();
    assert!(!done.needs_review);
    assert_eq!((done.list_revision, done.shared_rank_at_set, done.version), (2, 1, 2));
    assert_eq!(done.board_resolution, "Direktionsmøde 2027-02-03, pkt. 7");
    assert_eq!(done.justification, JUSTIFICATION, "the justification stands");
    assert!(!get(&app, &o.id).await.needs_review);
    let e = board.reconfirm_override(reconfirm(&o.id)).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
}

async fn expired_overrides_no_longer_apply(app: TestApp) {
    let (p, _) = shared_list(&app).await;
    let today = today(now_micros());
    let past = set_as(
        &app,
        "0153",
        &["board"],
        pb::OverrideSpec {
            expires_on: "2020-01-01".into(),
            ..spec(&p[0], pb::OverrideKind::OptOut)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(violated_fields(&past), ["spec.expires_on"]);

    let o = set(
        &app,
        "0153",
        pb::OverrideSpec {
            expires_on: today.clone(),
            ..spec(&p[0], pb::OverrideKind::OptOut)
        },
    )
    .await;
    assert_eq!(o.expires_on, today);
    assert_eq!(
        effective(&app, "0153", &today).await.set_apart.len(),
        1,
        "applies through its expiry date"
    );
    let later = effective(&app, "0153", FAR).await;
    assert!(later.set_apart.is_empty(), "expired");
    assert_eq!(later.items.len(), 5);
}

async fn only_the_members_own_board_may_override(app: TestApp) {
    let (p, f) = shared_list(&app).await;
    let ai = app.submitted_proposal("0147", "AI-chatbot", 10_000, true).await;
    adopt(&app, std::slice::from_ref(&ai.id)).await;
    let mine = set(&app, "0101", spec(&p[0], pb::OverrideKind::OptOut)).await;
    let before = app.event_count().await;

    let denied = |r: Result<pb::Override, Status>, what: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{what}: {e:?}");
        e
    };
    let s = || spec(&p[1], pb::OverrideKind::OptOut);
    denied(set_as(&app, "0101", &["digital_lead"], s()).await, "digital lead");
    denied(set_as(&app, "0101", &["observer"], s()).await, "observer");
    denied(set_as(&app, "0101", &[&format!("chair:{COOP}")], s()).await, "chair");
    denied(
        set_as(&app, "0101", &[&format!("secretariat:{COOP}")], s()).await,
        "secretariat",
    );
    denied(set_as(&app, "0157", &["board"], s()).await, "board of a non-member");
    let e = denied(
        set_as(&app, "0101", &["digital_lead"], spec(&ai.id, pb::OverrideKind::OptOut)).await,
        "digital lead on a board-level matter",
    );
    assert!(e.message().contains("board-level"), "{}", e.message());
    denied(
        set_as(&app, "0101", &["digital_lead"], spec(&f, pb::OverrideKind::AdoptLocal)).await,
        "digital lead adopting locally",
    );

    let mut other_board = app.as_("0147", &["board"]).priorities();
    let r = other_board
        .revoke_override(pb::RevokeOverrideRequest {
            id: mine.id.clone(),
            justification: JUSTIFICATION.into(),
            board_resolution: RESOLUTION.into(),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner());
    denied(r, "another member's board revoking");
    let r = other_board
        .reconfirm_override(pb::ReconfirmOverrideRequest {
            id: mine.id.clone(),
            board_resolution: RESOLUTION.into(),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner());
    denied(r, "another member's board reconfirming");
    let r = app
        .as_("0101", &["digital_lead"])
        .priorities()
        .revoke_override(pb::RevokeOverrideRequest {
            id: mine.id.clone(),
            justification: JUSTIFICATION.into(),
            board_resolution: RESOLUTION.into(),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner());
    denied(r, "own digital lead revoking");

    // The board may override the board-level matter; everyone reads it.
    set(&app, "0101", spec(&ai.id, pb::OverrideKind::OptOut)).await;
    let e = app
        .as_("0157", &["board"])
        .priorities()
        .get_override(pb::GetOverrideRequest { id: mine.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "non-members do not read overrides");
    assert_eq!(get(&app, &mine.id).await.id, mine.id, "observers of members do");
    assert_eq!(app.event_count().await, before + 1, "denied calls write nothing");
}

async fn bad_overrides_are_refused_with_the_field_named(app: TestApp) {
    use pb::OverrideKind::*;
    let (p, f) = shared_list(&app).await;
    let before = app.event_count().await;
    let invalid = |r: Result<pb::Override, Status>| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        violated_fields(&e)
    };

    let missing = pb::OverrideSpec {
        justification: String::new(),
        board_resolution: "   ".into(),
        ..spec(&p[0], OptOut)
    };
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], missing).await),
        ["spec.justification", "spec.board_resolution"]
    );
    let token = pb::OverrideSpec {
        justification: "n/a".into(),
        ..spec(&p[0], OptOut)
    };
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], token).await),
        ["spec.justification"]
    );
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], spec(&p[0], Defer)).await),
        ["spec.defer_until"]
    );
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], spec(&p[0], Rerank)).await),
        ["spec.local_rank"]
    );
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], spec(&p[0], Unspecified)).await),
        ["spec.kind"]
    );
    let unknown_kind = pb::OverrideSpec {
        kind: 42,
        ..spec(&p[0], OptOut)
    };
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], unknown_kind).await),
        ["spec.kind"]
    );
    assert_eq!(
        invalid(set_as(&app, "0101", &["board"], spec("not-an-id", OptOut)).await),
        ["spec.proposal_id"]
    );
    let mut board = app.as_("0101", &["board"]).priorities();
    let e = board
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["spec"]);
    let e = board
        .revoke_override(pb::RevokeOverrideRequest {
            id: uuid::Uuid::now_v7().to_string(),
            justification: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["justification", "board_resolution"]);

    let precondition = |r: Result<pb::Override, Status>, what: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{what}: {e:?}");
    };
    precondition(
        set_as(&app, "0101", &["board"], spec(&f, OptOut)).await,
        "opting out of what is not on the shared list",
    );
    precondition(
        set_as(&app, "0101", &["board"], spec(&p[0], AdoptLocal)).await,
        "adopting locally what is shared",
    );
    let draft = app
        .as_("0101", &["digital_lead"])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(samprio_e2e::content("Draft", 1, false)),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let before = before + 1;
    precondition(
        set_as(&app, "0101", &["board"], spec(&draft.id, AdoptLocal)).await,
        "adopting a draft locally",
    );
    let e = set_as(
        &app,
        "0101",
        &["board"],
        spec(&uuid::Uuid::now_v7().to_string(), OptOut),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let e = board
        .get_override(pb::GetOverrideRequest {
            id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let e = board
        .set_override(pb::SetOverrideRequest {
            cooperation_id: COOP.into(),
            spec: Some(spec(&p[0], OptOut)),
            etag: "\"7\"".into(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Aborted, "an etag for an override that does not exist");
    let e = app
        .as_("0101", &["observer"])
        .priorities()
        .get_effective_list(pb::GetEffectiveListRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            as_of: "tomorrow".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["as_of"]);
    assert_eq!(app.event_count().await, before, "refused requests write nothing");
}

async fn a_retried_request_id_sets_once(app: TestApp) {
    let (p, _) = shared_list(&app).await;
    let before = app.event_count().await;
    let mut board = app.as_("0155", &["board"]).priorities();
    let req = pb::SetOverrideRequest {
        cooperation_id: COOP.into(),
        spec: Some(spec(&p[2], pb::OverrideKind::OptOut)),
        etag: String::new(),
        request_id: "set-c-1".into(),
    };
    let first = board.set_override(req.clone()).await.unwrap().into_inner();
    let second = board.set_override(req).await.unwrap().into_inner();
    assert_eq!(first, second);
    assert_eq!(app.event_count().await, before + 1);
}

async fn the_overview_shows_who_deviates(app: TestApp) {
    use pb::OverrideKind::*;
    let (p, f) = shared_list(&app).await;
    set(&app, "0147", spec(&p[0], OptOut)).await;
    set(&app, "0101", spec(&p[0], OptOut)).await;
    set(&app, "0151", defer(&p[0], FAR)).await;
    set(&app, "0153", rerank(&p[3], 1)).await;
    set(&app, "0155", spec(&f, AdoptLocal)).await;
    set(&app, "0153", spec(&f, AdoptLocal)).await;

    let v = app
        .as_("0101", &["observer"])
        .priorities()
        .get_cooperation_overview(pb::GetCooperationOverviewRequest {
            cooperation_id: COOP.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.revision, 1);
    assert_eq!(v.items.len(), 5);
    assert_eq!((v.items[0].shared_rank, v.items[0].title.as_str()), (1, "A"));
    assert_eq!(v.items[0].opt_out, ["0101", "0147"]);
    assert_eq!(v.items[0].defer, ["0151"]);
    assert_eq!(v.items[3].rerank, ["0153"]);
    assert!(v.items[1].opt_out.is_empty() && v.items[1].defer.is_empty() && v.items[1].rerank.is_empty());
    assert_eq!(v.adopted_locally.len(), 1);
    assert_eq!(v.adopted_locally[0].proposal_id, f);
    assert_eq!(v.adopted_locally[0].title, "F");
    assert_eq!(v.adopted_locally[0].adopt_local, ["0153", "0155"]);

    // A change after a read shows in the next read.
    let o = get_overview(&app).await;
    assert_eq!(o, v, "nothing changed between two reads");
    set(&app, "0155", spec(&p[0], OptOut)).await;
    let after = get_overview(&app).await;
    assert_eq!(after.items[0].opt_out, ["0101", "0147", "0155"]);
}

async fn get_overview(app: &TestApp) -> pb::CooperationOverview {
    app.as_("0151", &["observer"])
        .priorities()
        .get_cooperation_overview(pb::GetCooperationOverviewRequest {
            cooperation_id: COOP.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn revoke(app: &TestApp, municipality: &str, id: &str) -> pb::Override {
    app.as_(municipality, &["board"])
        .priorities()
        .revoke_override(pb::RevokeOverrideRequest {
            id: id.into(),
            justification: "Den lokale løsning er udfaset; vi deltager fuldt ud".into(),
            board_resolution: "Direktionsmøde 2027-01-10, pkt. 2".into(),
            request_id: String::new(),
        })
        .await
        .expect("revoke")
        .into_inner()
}

async fn report(app: &TestApp, municipality: &str) -> Result<pb::AccountabilityReport, Status> {
    app.as_("0155", &["observer"])
        .priorities()
        .get_accountability_report(pb::GetAccountabilityReportRequest {
            cooperation_id: COOP.into(),
            municipality: municipality.into(),
        })
        .await
        .map(|r| r.into_inner())
}

async fn accountability_shows_votes_overrides_and_divergences(app: TestApp) {
    use pb::Choice::{No, Yes};
    use pb::OverrideKind::*;
    app.seed_default().await;
    let a = app.submitted_proposal("0147", "Fælles ESDH", 100_000, false).await.id;
    let b = app.submitted_proposal("0151", "Borgerportal", 100_000, false).await.id;
    let x = app.submitted_proposal("0153", "AI-chatbot", 100_000, true).await.id;
    let session = open_session(&app, "Styregruppemøde november").await;
    let ballot = yes_no(&[(&a, Yes), (&b, Yes), (&x, No)]);
    let ballots: Vec<_> = MEMBERS.iter().map(|m| (*m, ballot.clone())).collect();
    let r1 = round(
        &app,
        &session,
        "Budget 2027",
        pb::Method::YesNo,
        &[a.clone(), b.clone(), x.clone()],
        &ballots,
    )
    .await;
    assert_eq!(
        r1.result.as_ref().unwrap().adopted,
        [a.clone(), b.clone()],
        "X is rejected"
    );
    let (ab, ba) = (ranking(&[a.clone(), b.clone()]), ranking(&[b.clone(), a.clone()]));
    let r2 = round(
        &app,
        &session,
        "Rangordning",
        pb::Method::Borda,
        &[a.clone(), b.clone()],
        &[("0101", ab), ("0147", ba.clone()), ("0151", ba.clone()), ("0153", ba)],
    )
    .await;
    close_session(&app, &session).await;

    // København voted YES on A and ranked it first, then opts out of it; it
    // voted NO on X, then adopts X locally; it voted YES on B and keeps it.
    let opted_out = set(&app, "0101", spec(&a, OptOut)).await;
    let local = set(&app, "0101", spec(&x, AdoptLocal)).await;

    let r = report(&app, "0101").await.unwrap();
    assert_eq!(r.municipality, "0101");
    let votes: Vec<_> = r.votes.iter().map(|v| (v.round_id.clone(), v.method())).collect();
    assert_eq!(
        votes,
        [(r1.id.clone(), pb::Method::YesNo), (r2.id.clone(), pb::Method::Borda)]
    );
    assert_eq!(r.votes[0].session_id, session.id);
    let ballot = r.votes[0].ballot.as_ref().unwrap();
    assert_eq!((ballot.municipality.as_str(), ballot.role.as_str()), ("0101", "board"));
    assert!(ballot.content.is_some(), "named votes of closed rounds are public");
    assert_eq!(r.votes[1].result.as_ref().unwrap().candidates[0].proposal_id, b);
    let overrides: Vec<_> = r
        .overrides
        .iter()
        .map(|o| (o.id.clone(), o.justification.clone(), o.board_resolution.clone()))
        .collect();
    assert_eq!(
        overrides,
        [
            (opted_out.id.clone(), JUSTIFICATION.to_string(), RESOLUTION.to_string()),
            (local.id.clone(), JUSTIFICATION.to_string(), RESOLUTION.to_string())
        ]
    );
    let divergences: Vec<_> = r
        .divergences
        .iter()
        .map(|d| {
            (
                d.proposal_id.clone(),
                d.title.clone(),
                d.override_kind(),
                d.override_id.clone(),
                d.description.clone(),
            )
        })
        .collect();
    assert_eq!(
        divergences,
        [
            (
                a.clone(),
                "Fælles ESDH".to_string(),
                OptOut,
                opted_out.id.clone(),
                "voted YES in round “Budget 2027”, then opted out locally".to_string()
            ),
            (
                a.clone(),
                "Fælles ESDH".to_string(),
                OptOut,
                opted_out.id.clone(),
                "ranked it 1 of 2 in round “Rangordning”, then opted out locally".to_string()
            ),
            (
                x.clone(),
                "AI-chatbot".to_string(),
                AdoptLocal,
                local.id.clone(),
                "voted NO in round “Budget 2027”, then adopted it locally".to_string()
            ),
        ]
    );
    assert_eq!(r.divergences[0].vote, "voted YES in round “Budget 2027”");

    revoke(&app, "0101", &local.id).await;
    let r = report(&app, "0101").await.unwrap();
    assert_eq!(r.divergences.len(), 2, "a revoked override no longer diverges");
    assert_eq!(
        r.overrides[1].state(),
        pb::OverrideState::Revoked,
        "but stays on the record"
    );

    let theirs = report(&app, "0147").await.unwrap();
    assert_eq!(theirs.votes.len(), 2);
    assert!(theirs.overrides.is_empty() && theirs.divergences.is_empty());
    let e = report(&app, "0999").await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    let e = app
        .as_("0157", &["board"])
        .priorities()
        .get_accountability_report(pb::GetAccountabilityReportRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "non-members do not read it");
}

async fn the_minutes_list_the_overrides_filed_during_the_session(app: TestApp) {
    let (p, _) = shared_list(&app).await;
    let earlier = set(&app, "0147", spec(&p[0], pb::OverrideKind::OptOut)).await;
    let session = open_session(&app, "Styregruppemøde december").await;
    set(&app, "0101", defer(&p[1], FAR)).await;
    revoke(&app, "0147", &earlier.id).await;
    let minutes = close_session(&app, &session).await;
    let after = set(&app, "0151", spec(&p[2], pb::OverrideKind::OptOut)).await;

    let md = minutes.markdown;
    let section = md
        .split("## Local overrides filed during the meeting")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the minutes have an overrides section");
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Municipality") && !l.starts_with("| --"))
        .collect();
    assert_eq!(rows.len(), 2, "{section}");
    assert!(
        rows[0].contains("København") && rows[0].contains("deferred until 2099-01-01"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].contains(JUSTIFICATION) && rows[0].contains(RESOLUTION),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains('B'), "names the proposal: {}", rows[0]);
    assert!(
        rows[1].contains("Frederiksberg") && rows[1].contains("opt-out (revoked)"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("udfaset"), "the revocation's own reason: {}", rows[1]);
    assert_eq!(after.municipality, "0151");
    assert!(
        !section.contains("Ballerup"),
        "an override filed after the session is not in its minutes"
    );
}

async fn override_changes_are_on_the_watch_stream(app: TestApp) {
    use tokio_stream::StreamExt;
    let (p, _) = shared_list(&app).await;
    let after = app.event_count().await as u64;
    let mut stream = samprio_e2e::watch(&app.as_("0155", &["observer"]), after).await;
    let o = set(&app, "0153", rerank(&p[4], 1)).await;
    revoke(&app, "0153", &o.id).await;
    let events = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let mut seen = Vec::new();
        while seen.len() < 2 {
            seen.push(stream.next().await.expect("stream open").expect("event"));
        }
        seen
    })
    .await
    .expect("override events arrive on the stream");
    let got: Vec<_> = events.iter().map(|e| (e.action.as_str(), e.subject.as_str())).collect();
    let subject = format!("overrides/{}", o.id);
    assert_eq!(
        got,
        [
            ("override.set", subject.as_str()),
            ("override.revoked", subject.as_str())
        ]
    );
    let payload: serde_json::Value = serde_json::from_str(&events[0].payload_json).unwrap();
    assert_eq!(payload["municipality"], "0153");
    assert_eq!(payload["kind"], "RERANK");
    assert_eq!(payload["local_rank"], 1);
    assert_eq!(events[1].actor.as_ref().unwrap().municipality, "0153");
}

e2e!(
    accountability_shows_votes_overrides_and_divergences,
    the_minutes_list_the_overrides_filed_during_the_session,
    override_changes_are_on_the_watch_stream,
    each_kind_shapes_the_effective_list,
    changes_are_versions_with_history,
    flagged_after_a_rerank_then_reconfirmed,
    expired_overrides_no_longer_apply,
    only_the_members_own_board_may_override,
    bad_overrides_are_refused_with_the_field_named,
    a_retried_request_id_sets_once,
    the_overview_shows_who_deviates,
);
