//! Joint steering-group sessions end to end on both engines: rounds of every
//! method and weighting, ballots, tallies, the shared priority list, minutes,
//! deadlines, the live Watch stream and every permission rule.

use std::time::Duration;

use samprio_e2e::samprio_client::{Client, Timestamp, pb};
use samprio_e2e::{COOP, TestApp, e2e, violated_fields, watch};
use tokio_stream::StreamExt;
use tonic::{Code, Status};

const BOARD: &[&str] = &["board"];

fn ids(ps: &[&pb::Proposal]) -> Vec<String> {
    ps.iter().map(|p| p.id.clone()).collect()
}

async fn new_session(app: &TestApp, agenda: &[&pb::Proposal]) -> pb::Session {
    app.chair()
        .sessions()
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Styregruppemøde november".into(),
            scheduled_time: Some(Timestamp {
                seconds: 1_794_477_600,
                nanos: 0,
            }),
            agenda: ids(agenda),
            request_id: String::new(),
        })
        .await
        .expect("create session")
        .into_inner()
}

async fn open_session(app: &TestApp, agenda: &[&pb::Proposal]) -> pb::Session {
    let s = new_session(app, agenda).await;
    samprio_e2e::start_session(&app.chair(), s.id).await
}

/// An `OpenRoundRequest` with the cooperation's defaults.
fn round_req(session: &pb::Session, method: pb::Method, candidates: &[&pb::Proposal]) -> pb::OpenRoundRequest {
    pb::OpenRoundRequest {
        session_id: session.id.clone(),
        title: format!("{} round", method.as_str_name()),
        method: method as i32,
        candidates: ids(candidates),
        ..Default::default()
    }
}

async fn open_round(app: &TestApp, req: pb::OpenRoundRequest) -> pb::Round {
    app.chair()
        .sessions()
        .open_round(req)
        .await
        .expect("open round")
        .into_inner()
}

async fn try_cast(client: &Client, round: &pb::Round, content: pb::BallotContent) -> Result<pb::Ballot, Status> {
    client
        .sessions()
        .cast_ballot(pb::CastBallotRequest {
            round_id: round.id.clone(),
            content: Some(content),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner())
}

/// Casts `municipality`'s ballot as its board.
async fn cast(app: &TestApp, municipality: &str, round: &pb::Round, content: pb::BallotContent) -> pb::Ballot {
    try_cast(&app.as_(municipality, BOARD), round, content)
        .await
        .unwrap_or_else(|s| panic!("{municipality} casts: {s:?}"))
}

async fn close_round(app: &TestApp, round: &pb::Round) -> pb::Round {
    app.chair()
        .sessions()
        .close_round(pb::CloseRoundRequest {
            id: round.id.clone(),
            request_id: String::new(),
        })
        .await
        .expect("close round")
        .into_inner()
}

async fn get_round(app: &TestApp, round: &pb::Round) -> pb::Round {
    app.as_("0155", &["observer"])
        .sessions()
        .get_round(pb::GetRoundRequest { id: round.id.clone() })
        .await
        .expect("get round")
        .into_inner()
}

async fn ballots(client: &Client, round: &pb::Round, include_history: bool) -> Vec<pb::Ballot> {
    client
        .sessions()
        .list_ballots(pb::ListBallotsRequest {
            round_id: round.id.clone(),
            include_history,
        })
        .await
        .expect("list ballots")
        .into_inner()
        .ballots
}

async fn priority_list(app: &TestApp, revision: u64) -> pb::PriorityList {
    app.as_("0153", &["observer"])
        .priorities()
        .get_priority_list(pb::GetPriorityListRequest {
            cooperation_id: COOP.into(),
            revision,
        })
        .await
        .expect("priority list")
        .into_inner()
}

fn list_ids(l: &pb::PriorityList) -> Vec<String> {
    l.items.iter().map(|i| i.proposal_id.clone()).collect()
}

async fn status_of(app: &TestApp, p: &pb::Proposal) -> pb::ProposalStatus {
    app.as_("0101", &["observer"])
        .proposals()
        .get_proposal(pb::GetProposalRequest { id: p.id.clone() })
        .await
        .expect("get proposal")
        .into_inner()
        .status()
}

async fn events(app: &TestApp, after_seq: u64) -> Vec<pb::Event> {
    app.as_("0155", &["observer"])
        .audit()
        .list_events(pb::ListEventsRequest {
            cooperation_id: COOP.into(),
            after_seq,
            page_size: 500,
            page_token: String::new(),
        })
        .await
        .expect("list events")
        .into_inner()
        .events
}

fn kind(k: pb::ballot_content::Kind) -> pb::BallotContent {
    pb::BallotContent { kind: Some(k) }
}

fn yes_no(choices: &[(&pb::Proposal, pb::Choice)]) -> pb::BallotContent {
    kind(pb::ballot_content::Kind::YesNo(pb::YesNoBallot {
        choices: choices
            .iter()
            .map(|(p, c)| pb::YesNoChoice {
                candidate_id: p.id.clone(),
                choice: *c as i32,
            })
            .collect(),
    }))
}

fn approval(ps: &[&pb::Proposal]) -> pb::BallotContent {
    kind(pb::ballot_content::Kind::Approval(pb::ApprovalBallot {
        approved: ids(ps),
    }))
}

fn score(scores: &[(&pb::Proposal, u32)]) -> pb::BallotContent {
    kind(pb::ballot_content::Kind::Score(pb::ScoreBallot {
        scores: scores
            .iter()
            .map(|(p, s)| pb::CandidateScore {
                candidate_id: p.id.clone(),
                score: *s,
            })
            .collect(),
    }))
}

fn ranking(ps: &[&pb::Proposal]) -> pb::BallotContent {
    kind(pb::ballot_content::Kind::Ranking(pb::RankingBallot {
        ranking: ids(ps),
    }))
}

fn tiers(ts: &[&[&pb::Proposal]]) -> pb::BallotContent {
    kind(pb::ballot_content::Kind::Tiers(pb::TieredRankingBallot {
        tiers: ts.iter().map(|t| pb::Tier { candidate_ids: ids(t) }).collect(),
    }))
}

fn assert_code<T: std::fmt::Debug>(r: Result<T, Status>, code: Code, what: &str) -> Status {
    match r {
        Err(s) if s.code() == code => s,
        other => panic!("{what}: expected {code:?}, got {other:?}"),
    }
}

/// Waits on a Watch stream for the first event `until` accepts, collecting
/// everything before it. The timeout only keeps a broken server from
/// hanging the suite; nothing here depends on how fast events arrive.
async fn watch_until(
    stream: &mut tonic::Streaming<pb::Event>,
    mut until: impl FnMut(&pb::Event) -> bool,
) -> Vec<pb::Event> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(e) = stream.next().await {
            let e = e.expect("watch item");
            let done = until(&e);
            seen.push(e);
            if done {
                return;
            }
        }
        panic!("watch stream ended early");
    })
    .await
    .expect("the awaited event did not arrive within a minute");
    seen
}

fn payload(e: &pb::Event) -> serde_json::Value {
    serde_json::from_str(&e.payload_json).expect("payload is JSON")
}

/// Five municipalities meet, check in and vote in rounds of all five
/// methods under all three weightings; the list is revised by adoption,
/// budget adoption and re-ranks; a round that misses its quorum is closed
/// with the session; the minutes record all of it.
async fn full_session_with_every_method_and_weighting(app: TestApp) {
    use pb::Choice::{Abstain, No, Yes};
    app.seed_default().await;
    let a = app.submitted_proposal("0101", "Fælles ESDH", 1_000_000, false).await;
    let b = app
        .submitted_proposal("0147", "Chatbot i borgerservice", 500_000, true)
        .await;
    let c = app.submitted_proposal("0151", "Ny hjemmeside", 400_000, false).await;
    let d = app
        .submitted_proposal("0153", "Fælles datavarehus", 800_000, false)
        .await;
    let e = app.submitted_proposal("0155", "Borgerportal", 300_000, false).await;
    let f = app.submitted_proposal("0101", "Fælles IdM", 200_000, false).await;
    let g = app.submitted_proposal("0147", "Mødebooking", 100_000, false).await;

    let session = open_session(&app, &[&a, &b, &c, &d, &e]).await;
    assert_eq!(session.state(), pb::SessionState::Open);
    for m in ["0101", "0147", "0151"] {
        app.as_(m, BOARD)
            .sessions()
            .check_in(pb::CheckInRequest {
                id: session.id.clone(),
                request_id: String::new(),
            })
            .await
            .unwrap();
    }
    let session = app
        .as_("0153", &["digital_lead"])
        .sessions()
        .check_in(pb::CheckInRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let present: Vec<&str> = session.attendance.iter().map(|x| x.municipality.as_str()).collect();
    assert_eq!(present, ["0101", "0147", "0151", "0153"]);

    // 1. YES_NO, equal weights, simple majority. B involves AI: the round is
    //    board-level. B's 2 YES against 2 NO is not more than half.
    let r1 = open_round(&app, round_req(&session, pb::Method::YesNo, &[&a, &b])).await;
    assert_eq!(r1.decision_level(), pb::DecisionLevel::Board);
    assert_eq!(r1.weighting(), pb::Weighting::Equal, "the cooperation's default");
    assert_eq!(r1.quorum_bp, 5000, "the cooperation's default");
    assert_eq!(r1.threshold(), pb::Threshold::SimpleMajority);
    assert_eq!(r1.total_weight, 5);
    cast(&app, "0101", &r1, yes_no(&[(&a, Yes), (&b, Yes)])).await;
    cast(&app, "0147", &r1, yes_no(&[(&a, Yes), (&b, No)])).await;
    cast(&app, "0151", &r1, yes_no(&[(&a, No), (&b, Yes)])).await;
    cast(&app, "0153", &r1, yes_no(&[(&a, Yes), (&b, No)])).await;
    let r1 = close_round(&app, &r1).await;
    let res = r1.result.clone().unwrap();
    assert!(res.quorum_met);
    assert_eq!((res.cast_weight, res.total_weight), (4, 5));
    let counts: Vec<(u64, u64, u64, bool)> = res
        .candidates
        .iter()
        .map(|c| (c.yes_weight, c.no_weight, c.abstain_weight, c.adopted))
        .collect();
    assert_eq!(counts, [(3, 1, 0, true), (2, 2, 0, false)]);
    assert_eq!(res.adopted, vec![a.id.clone()]);
    assert_eq!(res.list_revision, 1);
    assert_eq!(res.inputs_hash.len(), 64);
    assert_eq!(status_of(&app, &a).await, pb::ProposalStatus::Adopted);
    assert_eq!(status_of(&app, &b).await, pb::ProposalStatus::Rejected);

    // 2. APPROVAL by population with a budget of 1 000 000 DKK: E (709 000)
    //    before D (660 000) before C (192 000); E fits, D does not and is
    //    skipped, the cheaper C still fits.
    let mut req = round_req(&session, pb::Method::Approval, &[&c, &d, &e]);
    req.weighting = pb::Weighting::Population as i32;
    req.budget_dkk = Some(1_000_000);
    let r2 = open_round(&app, req).await;
    assert_eq!(r2.total_weight, 866_000);
    assert_eq!(r2.decision_level(), pb::DecisionLevel::Delegated);
    cast(&app, "0101", &r2, approval(&[&d, &e])).await;
    cast(&app, "0147", &r2, approval(&[&c])).await;
    cast(&app, "0151", &r2, approval(&[&c, &e])).await;
    cast(&app, "0153", &r2, approval(&[&c])).await;
    let res = close_round(&app, &r2).await.result.unwrap();
    let order: Vec<(String, u64)> = res
        .candidates
        .iter()
        .map(|x| (x.proposal_id.clone(), x.score))
        .collect();
    assert_eq!(
        order,
        [
            (e.id.clone(), 709_000),
            (d.id.clone(), 660_000),
            (c.id.clone(), 192_000)
        ]
    );
    assert_eq!(res.adopted, [e.id.clone(), c.id.clone()]);
    assert_eq!(res.skipped_for_budget, vec![d.id.clone()]);
    assert_eq!(res.list_revision, 2);
    assert_eq!(status_of(&app, &d).await, pb::ProposalStatus::Submitted);
    assert_eq!(
        list_ids(&priority_list(&app, 0).await),
        [a.id.clone(), e.id.clone(), c.id.clone()]
    );

    // 3. SCORE with custom weights (40/10/20/15/15), re-ranking the adopted
    //    A, E, C: C 300, E 275, A 130.
    let mut req = round_req(&session, pb::Method::Score, &[&a, &e, &c]);
    req.weighting = pb::Weighting::Custom as i32;
    let r3 = open_round(&app, req).await;
    assert_eq!(r3.total_weight, 100);
    cast(&app, "0101", &r3, score(&[(&a, 1), (&e, 3), (&c, 5)])).await;
    cast(&app, "0147", &r3, score(&[(&a, 5), (&e, 0), (&c, 2)])).await;
    cast(&app, "0151", &r3, score(&[(&a, 2), (&e, 4), (&c, 4)])).await;
    cast(&app, "0155", &r3, score(&[(&a, 0), (&e, 5)])).await;
    let res = close_round(&app, &r3).await.result.unwrap();
    let order: Vec<(String, u64)> = res
        .candidates
        .iter()
        .map(|x| (x.proposal_id.clone(), x.score))
        .collect();
    assert_eq!(order, [(c.id.clone(), 300), (e.id.clone(), 275), (a.id.clone(), 130)]);
    assert!(res.adopted.is_empty());
    assert_eq!(res.list_revision, 3);
    assert_eq!(
        list_ids(&priority_list(&app, 0).await),
        [c.id.clone(), e.id.clone(), a.id.clone()]
    );

    // 4. BORDA, equal weights: D and F tie on 5 points; D was submitted
    //    first and goes first, and the result says so. No budget: nothing
    //    is adopted and the list does not change.
    let r4 = open_round(&app, round_req(&session, pb::Method::Borda, &[&d, &f, &g])).await;
    cast(&app, "0101", &r4, ranking(&[&d, &f, &g])).await;
    cast(&app, "0147", &r4, ranking(&[&f, &d, &g])).await;
    cast(&app, "0151", &r4, ranking(&[&f, &g, &d])).await;
    cast(&app, "0153", &r4, ranking(&[&d, &g])).await;
    let res = close_round(&app, &r4).await.result.unwrap();
    let order: Vec<(String, u64)> = res
        .candidates
        .iter()
        .map(|x| (x.proposal_id.clone(), x.score))
        .collect();
    assert_eq!(order, [(d.id.clone(), 5), (f.id.clone(), 5), (g.id.clone(), 2)]);
    assert_eq!(res.tie_breaks.len(), 1);
    assert_eq!(res.tie_breaks[0].proposal_ids, [d.id.clone(), f.id.clone()]);
    assert!(
        res.tie_breaks[0].reason.contains("earlier submission"),
        "{:?}",
        res.tie_breaks
    );
    assert!(res.adopted.is_empty());
    assert_eq!(res.list_revision, 0, "the list did not change");

    // 5. SCHULZE by population, re-ranking C, E, A with tiers: A beats both
    //    pairwise, E beats C; the list becomes A, E, C.
    let mut req = round_req(&session, pb::Method::Schulze, &[&c, &e, &a]);
    req.weighting = pb::Weighting::Population as i32;
    let r5 = open_round(&app, req).await;
    cast(&app, "0101", &r5, tiers(&[&[&a], &[&c, &e]])).await;
    cast(&app, "0147", &r5, tiers(&[&[&e], &[&a], &[&c]])).await;
    cast(&app, "0151", &r5, tiers(&[&[&c, &e]])).await;
    cast(&app, "0153", &r5, tiers(&[&[&a]])).await;
    let res = close_round(&app, &r5).await.result.unwrap();
    let order: Vec<(String, u64)> = res
        .candidates
        .iter()
        .map(|x| (x.proposal_id.clone(), x.score))
        .collect();
    assert_eq!(order, [(a.id.clone(), 2), (e.id.clone(), 1), (c.id.clone(), 0)]);
    assert_eq!(res.list_revision, 4);

    // 6. A quorum of 60% of the population that only the smaller members
    //    reach for 23.79%: left open, it is closed with the session and
    //    decides nothing.
    let mut req = round_req(&session, pb::Method::YesNo, &[&g]);
    req.weighting = pb::Weighting::Population as i32;
    req.quorum_bp = Some(6000);
    req.threshold = pb::Threshold::TwoThirds as i32;
    let r6 = open_round(&app, req).await;
    for m in ["0147", "0151", "0153", "0155"] {
        cast(&app, m, &r6, yes_no(&[(&g, Yes)])).await;
    }
    cast(&app, "0155", &r6, yes_no(&[(&g, Abstain)])).await;

    let closed = app
        .chair()
        .sessions()
        .close_session(pb::CloseSessionRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.state(), pb::SessionState::Closed);
    let r6 = get_round(&app, &r6).await;
    assert_eq!(r6.state(), pb::RoundState::Closed);
    let res = r6.result.unwrap();
    assert!(!res.quorum_met);
    assert_eq!((res.cast_weight, res.total_weight), (206_000, 866_000));
    assert_eq!(
        res.note,
        "Quorum not met: 206000 of 866000 weight cast (23.79%), 60% required. Nothing was decided."
    );
    assert!(res.adopted.is_empty() && res.list_revision == 0);
    assert_eq!(status_of(&app, &g).await, pb::ProposalStatus::Submitted);

    // The list's history stays readable.
    let list = priority_list(&app, 0).await;
    assert_eq!(list.revision, 4);
    assert_eq!(list_ids(&list), [a.id.clone(), e.id.clone(), c.id.clone()]);
    assert_eq!(list.items[0].title, "Fælles ESDH");
    assert_eq!(
        list_ids(&priority_list(&app, 3).await),
        [c.id.clone(), e.id.clone(), a.id.clone()]
    );
    assert_eq!(list_ids(&priority_list(&app, 1).await), vec![a.id.clone()]);

    let rounds = app
        .as_("0101", &["observer"])
        .sessions()
        .list_rounds(pb::ListRoundsRequest {
            session_id: session.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rounds;
    let methods: Vec<pb::Method> = rounds.iter().map(|r| r.method()).collect();
    use pb::Method::*;
    assert_eq!(methods, [YesNo, Approval, Score, Borda, Schulze, YesNo]);

    let md = app
        .as_("0155", &["observer"])
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: session.id.clone(),
            lang: "en".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .markdown;
    for expected in [
        "# Minutes: Styregruppemøde november",
        "## Present",
        "| København | present (checked in) | user-0101-board |",
        "| Brøndby | present (checked in) | user-0153-digital\\_lead |",
        "| Dragør | took part by voting (did not check in) | user-0155-board |",
        "## Absent\n\nNo member was absent.",
        "### Vote 1: METHOD\\_YES\\_NO round",
        "- **Method:** Yes/no vote, simple majority. Each member votes yes, no or abstains",
        "- **Decision level:** board level",
        "| Frederiksberg | 1 | user-0147-board (board) | #1 yes, #2 no |",
        "| #2 | Chatbot i borgerservice | 2 | 2 | 0 | 1 | 2 | 2 | 0 | rejected |",
        "| #1 | Fælles ESDH | 3 | 1 | 0 | 1 | 3 | 1 | 0 | adopted |",
        "- **Method:** Approval vote.",
        "- **Weighting:** Weighted by population (total weight 866,000)",
        "- **Adoption budget:** DKK 1,000,000",
        "| København | 660,000 | user-0101-board (board) | approves #2, #3 |",
        "| 3 | #1 | Ny hjemmeside | 192,000 | adopted |",
        "| 2 | #2 | Fælles datavarehus | 660,000 | not adopted: over budget |",
        "- **Method:** Score vote (0–5 points).",
        "Weighted by agreed weights per member (e.g. co-financing share) (total weight 100)",
        "| Dragør | 15 | user-0155-board (board) | #1: 0, #2: 5, #3: 0 |",
        "- **Method:** Ranking (Borda).",
        "| Brøndby | 1 | user-0153-board (board) | #1 > #3 |",
        "- #1 before #2: broken by earlier submission, then id",
        "- **Method:** Ranking with ties (Schulze).",
        "| Ballerup | 49,000 | user-0151-board (board) | #1 = #2 |",
        "- **Method:** Yes/no vote, two-thirds majority.",
        "- **Quorum:** at least 60% of the total weight must vote",
        "Quorum not met: 4 of 5 members voted, with 23.79% of the weight (206,000 of 866,000); 60% is required.",
        "| Dragør | 14,000 | user-0155-board (board) | #1 abstained |",
        "1 earlier ballot(s) were replaced",
        "Did not vote: København.",
        "Fælles ESDH: Adopted (vote 1). Votes: 3 yes, 1 no, 0 abstained, 1 absent. Weighted (equal: one member, one vote): 3 yes, 1 no, 0 abstained; 75% of the yes-and-no weight is yes.",
        "## Local overrides filed during the meeting\n\nNone.",
        "## The shared priority list after the meeting\n\nRevision 4.",
    ] {
        assert!(md.contains(expected), "minutes lack {expected:?}:\n{md}");
    }

    let v = app.verify_chain().await;
    assert!(v.ok, "{v:?}");
    let actions: Vec<String> = events(&app, 0).await.into_iter().map(|e| e.action).collect();
    for action in [
        "session.created",
        "session.opened",
        "session.checked_in",
        "round.opened",
        "ballot.cast",
        "round.closed",
        "proposal.adopted",
        "proposal.rejected",
        "priority_list.revised",
        "session.closed",
    ] {
        assert!(actions.iter().any(|a| a == action), "no {action} event");
    }
    assert_eq!(actions.iter().filter(|a| *a == "priority_list.revised").count(), 4);
}
e2e!(full_session_with_every_method_and_weighting);

/// The same YES_NO ballots under each threshold, with custom weights
/// (0101: 40, 0147: 10, 0151: 20, 0153: 15, 0155: 15).
async fn each_threshold_decides_as_specified(app: TestApp) {
    use pb::Choice::{Abstain, No, Yes};
    app.seed_default().await;
    let session = open_session(&app, &[]).await;
    // Per candidate: 70 YES / 15 NO; 55 / 45; 40 / 20 (exactly two thirds);
    // 50 / 0.
    let pattern: [[pb::Choice; 5]; 4] = [
        [Yes, Yes, Yes, No, Abstain],
        [Yes, No, No, No, Yes],
        [Yes, Abstain, No, Abstain, Abstain],
        [Yes, Yes, Abstain, Abstain, Abstain],
    ];
    let members = ["0101", "0147", "0151", "0153", "0155"];
    let mut outcomes = Vec::new();
    for threshold in [
        pb::Threshold::SimpleMajority,
        pb::Threshold::TwoThirds,
        pb::Threshold::Unanimous,
    ] {
        let mut ps = Vec::new();
        for i in 0..4 {
            ps.push(
                app.submitted_proposal("0151", &format!("{} {i}", threshold.as_str_name()), 10, false)
                    .await,
            );
        }
        let refs: Vec<&pb::Proposal> = ps.iter().collect();
        let mut req = round_req(&session, pb::Method::YesNo, &refs);
        req.weighting = pb::Weighting::Custom as i32;
        req.threshold = threshold as i32;
        let round = open_round(&app, req).await;
        assert_eq!(round.threshold(), threshold);
        for (m, member) in members.iter().enumerate() {
            let choices: Vec<(&pb::Proposal, pb::Choice)> =
                refs.iter().zip(&pattern).map(|(p, row)| (*p, row[m])).collect();
            cast(&app, member, &round, yes_no(&choices)).await;
        }
        let res = close_round(&app, &round).await.result.unwrap();
        let weights: Vec<(u64, u64)> = res.candidates.iter().map(|c| (c.yes_weight, c.no_weight)).collect();
        assert_eq!(weights, [(70, 15), (55, 45), (40, 20), (50, 0)]);
        outcomes.push(res.candidates.iter().map(|c| c.adopted).collect::<Vec<_>>());
        for (p, adopted) in refs.iter().zip(&outcomes[outcomes.len() - 1]) {
            let expected = if *adopted {
                pb::ProposalStatus::Adopted
            } else {
                pb::ProposalStatus::Rejected
            };
            assert_eq!(status_of(&app, p).await, expected);
        }
    }
    assert_eq!(
        outcomes,
        [
            [true, true, true, true],
            [true, false, true, true],
            [false, false, false, true],
        ]
    );
    assert_eq!(priority_list(&app, 0).await.items.len(), 4 + 3 + 1);
}
e2e!(each_threshold_decides_as_specified);

async fn a_replaced_ballot_is_counted_and_kept_in_history(app: TestApp) {
    use pb::Choice::{No, Yes};
    app.seed_default().await;
    let p = app.submitted_proposal("0147", "Fælles løn", 10, false).await;
    let session = open_session(&app, &[&p]).await;
    let round = open_round(&app, round_req(&session, pb::Method::YesNo, &[&p])).await;

    let first = cast(&app, "0101", &round, yes_no(&[(&p, No)])).await;
    assert_eq!((first.version, first.current), (1, true));
    let second = cast(&app, "0101", &round, yes_no(&[(&p, Yes)])).await;
    assert_eq!((second.version, second.current), (2, true));
    cast(&app, "0147", &round, yes_no(&[(&p, Yes)])).await;
    cast(&app, "0151", &round, yes_no(&[(&p, No)])).await;

    // Turnout counts each member once.
    let open = get_round(&app, &round).await;
    assert_eq!(open.voted, ["0101", "0147", "0151"]);
    assert_eq!(open.voted_weight, 3);
    assert!(open.result.is_none());

    // While open: everyone sees who voted; only their own ballot's content.
    let mine = ballots(&app.as_("0101", &["observer"]), &round, false).await;
    assert_eq!(mine.len(), 3);
    assert_eq!(mine[0].municipality, "0101");
    assert_eq!(mine[0].content, Some(yes_no(&[(&p, Yes)])));
    assert!(mine[1..].iter().all(|b| b.content.is_none()), "{mine:?}");
    let history = ballots(&app.as_("0155", &["observer"]), &round, true).await;
    assert_eq!(history.len(), 4);
    assert!(history.iter().all(|b| b.content.is_none()));
    assert_eq!(
        history
            .iter()
            .map(|b| (b.municipality.as_str(), b.version, b.current))
            .collect::<Vec<_>>(),
        [
            ("0101", 1, false),
            ("0101", 2, true),
            ("0147", 1, true),
            ("0151", 1, true)
        ]
    );

    let res = close_round(&app, &round).await.result.unwrap();
    assert_eq!((res.candidates[0].yes_weight, res.candidates[0].no_weight), (2, 1));
    assert_eq!(res.adopted, vec![p.id.clone()]);

    // After close: named ballots, with every replaced one.
    let history = ballots(&app.as_("0155", &["observer"]), &round, true).await;
    assert_eq!(history[0].content, Some(yes_no(&[(&p, No)])));
    assert_eq!(history[1].content, Some(yes_no(&[(&p, Yes)])));
    assert_eq!(history[1].cast_by, "user-0101-board");
    assert_eq!(history[1].role, "board");
    let current = ballots(&app.as_("0155", &["observer"]), &round, false).await;
    assert_eq!(current.len(), 3);
    assert!(current.iter().all(|b| b.current && b.content.is_some()));
}
e2e!(a_replaced_ballot_is_counted_and_kept_in_history);

async fn a_deadline_closes_the_round_with_nobody_calling(app: TestApp) {
    use pb::Choice::Yes;
    app.seed_default().await;
    let p = app.submitted_proposal("0151", "Fælles kontaktcenter", 10, false).await;
    let session = open_session(&app, &[&p]).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let mut req = round_req(&session, pb::Method::YesNo, &[&p]);
    req.deadline = Some(Timestamp {
        seconds: now.as_secs() as i64 + 4,
        nanos: 0,
    });
    let round = open_round(&app, req).await;
    assert!(round.deadline.is_some());
    let observer = app.as_("0155", &["observer"]);
    let mut stream = watch(&observer, app.event_count().await as u64).await;
    for m in ["0101", "0147", "0151"] {
        cast(&app, m, &round, yes_no(&[(&p, Yes)])).await;
    }

    // Nobody calls; the server closes the round when its deadline passes.
    let seen = watch_until(&mut stream, |e| e.action == "round.closed").await;
    let closed = seen.last().unwrap();
    assert_eq!(closed.subject, format!("rounds/{}", round.id));
    let actor = closed.actor.clone().unwrap();
    assert_eq!(
        (actor.sub.as_str(), actor.roles.clone()),
        ("samprio", vec!["system".to_string()])
    );

    let round = get_round(&app, &round).await;
    assert_eq!(round.state(), pb::RoundState::Closed);
    assert_eq!(round.result.clone().unwrap().adopted, vec![p.id.clone()]);
    assert_eq!(status_of(&app, &p).await, pb::ProposalStatus::Adopted);
    let late = try_cast(&app.as_("0153", BOARD), &round, yes_no(&[(&p, Yes)])).await;
    assert_code(late, Code::FailedPrecondition, "ballot after the deadline");
    // Closed exactly once.
    let closes = events(&app, 0)
        .await
        .into_iter()
        .filter(|e| e.action == "round.closed")
        .count();
    assert_eq!(closes, 1);

    app.chair()
        .sessions()
        .close_session(pb::CloseSessionRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let md = app
        .as_("0101", &["observer"])
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: session.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .markdown;
    assert!(md.contains(", ved fristen"), "{md}");
}
e2e!(a_deadline_closes_the_round_with_nobody_calling);

async fn a_watcher_that_reconnects_misses_nothing(app: TestApp) {
    use pb::Choice::{No, Yes};
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "Fælles ERP", 10, false).await;
    let session = open_session(&app, &[&p]).await;
    let round = open_round(&app, round_req(&session, pb::Method::YesNo, &[&p])).await;
    let observer = app.as_("0153", &["observer"]);

    // Follow from the start until the round opened, then disconnect.
    let mut stream = watch(&observer, 0).await;
    let first = watch_until(&mut stream, |e| e.action == "round.opened").await;
    drop(stream);
    let seqs: Vec<u64> = first.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=first.len() as u64).collect::<Vec<_>>());
    let last = *seqs.last().unwrap();

    // While disconnected, the session goes on.
    cast(&app, "0101", &round, yes_no(&[(&p, Yes)])).await;
    cast(&app, "0147", &round, yes_no(&[(&p, No)])).await;
    cast(&app, "0151", &round, yes_no(&[(&p, Yes)])).await;
    close_round(&app, &round).await;
    let total = app.event_count().await as u64;

    // Resuming after the last seen event replays exactly what was missed…
    let mut stream = watch(&observer, last).await;
    let missed = watch_until(&mut stream, |e| e.seq == total).await;
    let seqs: Vec<u64> = missed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (last + 1..=total).collect::<Vec<_>>());
    let listed = events(&app, last).await;
    assert_eq!(
        missed.iter().map(|e| &e.hash).collect::<Vec<_>>(),
        listed.iter().map(|e| &e.hash).collect::<Vec<_>>()
    );
    let actions: Vec<&str> = missed.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "ballot.cast",
            "ballot.cast",
            "ballot.cast",
            "round.closed",
            "proposal.adopted",
            "priority_list.revised"
        ]
    );

    // …and then follows live.
    app.as_("0155", &["digital_lead"])
        .sessions()
        .check_in(pb::CheckInRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let live = watch_until(&mut stream, |_| true).await;
    assert_eq!(live[0].seq, total + 1);
    assert_eq!(live[0].action, "session.checked_in");
}
e2e!(a_watcher_that_reconnects_misses_nothing);

async fn ballot_contents_are_hidden_while_the_round_is_open(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "Fælles BI", 10, false).await;
    let q = app.submitted_proposal("0147", "Fælles GIS", 10, false).await;
    let session = open_session(&app, &[&p, &q]).await;
    let round = open_round(&app, round_req(&session, pb::Method::Borda, &[&p, &q])).await;
    let observer = app.as_("0155", &["observer"]);
    let mut stream = watch(&observer, app.event_count().await as u64).await;

    cast(&app, "0151", &round, ranking(&[&q, &p])).await;
    let seen = watch_until(&mut stream, |e| e.action == "ballot.cast").await;
    let live = seen.last().unwrap();
    assert!(live.redacted);
    assert_eq!(live.subject, format!("rounds/{}/ballots/0151", round.id));
    let body = payload(live);
    assert_eq!(body["municipality"], "0151", "who voted stays visible");
    assert!(body.get("content").is_none(), "{body}");

    let listed: Vec<pb::Event> = events(&app, 0)
        .await
        .into_iter()
        .filter(|e| e.action == "ballot.cast")
        .collect();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].redacted);
    assert!(payload(&listed[0]).get("content").is_none());
    assert!(ballots(&observer, &round, true).await[0].content.is_none());

    close_round(&app, &round).await;
    let listed: Vec<pb::Event> = events(&app, 0)
        .await
        .into_iter()
        .filter(|e| e.action == "ballot.cast")
        .collect();
    assert!(!listed[0].redacted);
    assert_eq!(
        payload(&listed[0])["content"],
        serde_json::json!({ "ranking": [q.id, p.id] })
    );
    let mut replay = watch(&observer, 0).await;
    let replayed = watch_until(&mut replay, |e| e.action == "ballot.cast").await;
    let e = replayed.last().unwrap();
    assert!(!e.redacted);
    assert!(payload(e).get("content").is_some());
    assert_eq!(
        ballots(&observer, &round, false).await[0].content,
        Some(ranking(&[&q, &p]))
    );
}
e2e!(ballot_contents_are_hidden_while_the_round_is_open);

async fn who_may_vote_and_run_sessions(app: TestApp) {
    use pb::Choice::Yes;
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "Fælles booking", 10, false).await;
    let ai = app.submitted_proposal("0147", "AI-visitation", 10, true).await;
    let before = app.event_count().await;

    // Only the chair of this cooperation runs sessions.
    let other_chair = app.as_("0101", &["chair:other-coop"]);
    for client in [
        app.as_("0101", BOARD),
        app.secretariat(),
        app.operator(),
        other_chair.clone(),
    ] {
        let r = client
            .sessions()
            .create_session(pb::CreateSessionRequest {
                cooperation_id: COOP.into(),
                title: "Møde".into(),
                ..Default::default()
            })
            .await;
        assert_code(r, Code::PermissionDenied, "create session");
    }
    assert_eq!(app.event_count().await, before);

    let scheduled = new_session(&app, &[&p]).await;
    let r = app
        .as_("0101", BOARD)
        .sessions()
        .open_session(pb::OpenSessionRequest {
            id: scheduled.id.clone(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "board opens a session");
    let r = other_chair
        .sessions()
        .set_agenda(pb::SetAgendaRequest {
            id: scheduled.id.clone(),
            agenda: vec![],
            etag: String::new(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "another cooperation's chair sets the agenda");
    let session = app
        .chair()
        .sessions()
        .open_session(pb::OpenSessionRequest {
            id: scheduled.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();

    let r = app
        .as_("0101", BOARD)
        .sessions()
        .open_round(round_req(&session, pb::Method::YesNo, &[&p]))
        .await;
    assert_code(r, Code::PermissionDenied, "board opens a round");
    let delegated = open_round(&app, round_req(&session, pb::Method::YesNo, &[&p])).await;
    let board_level = open_round(&app, round_req(&session, pb::Method::YesNo, &[&ai])).await;
    assert_eq!(delegated.decision_level(), pb::DecisionLevel::Delegated);
    assert_eq!(board_level.decision_level(), pb::DecisionLevel::Board);
    let before = app.event_count().await;

    // Voting: the board always; the digital lead on delegated matters only;
    // never an observer, a non-member or one that joined after the round opened.
    let lead = app.as_("0147", &["digital_lead"]);
    let b = try_cast(&lead, &delegated, yes_no(&[(&p, Yes)])).await.unwrap();
    assert_eq!((b.municipality.as_str(), b.role.as_str()), ("0147", "digital_lead"));
    let before = before + 1;
    let s = assert_code(
        try_cast(&lead, &board_level, yes_no(&[(&ai, Yes)])).await,
        Code::PermissionDenied,
        "digital lead on a board-level matter",
    );
    assert!(s.message().contains("board-level"), "{s:?}");
    assert_code(
        try_cast(&app.as_("0151", &["observer"]), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "observer casts",
    );
    assert_code(
        try_cast(&app.as_("0157", BOARD), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "non-member casts",
    );
    assert_code(
        try_cast(
            &app.as_(samprio_e2e::OTHER_ISSUER_MUNICIPALITY, BOARD),
            &delegated,
            yes_no(&[(&p, Yes)]),
        )
        .await,
        Code::PermissionDenied,
        "another issuer's municipality casts",
    );
    assert_code(
        try_cast(&app.chair(), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "the chair casts",
    );
    assert_eq!(app.event_count().await, before, "refused ballots write nothing");

    // A ballot is always the caller's own municipality's.
    let b = cast(&app, "0151", &delegated, yes_no(&[(&p, Yes)])).await;
    assert_eq!(b.municipality, "0151");

    // A departed member no longer votes; one that joined after the round
    // opened has no weight in it.
    let mut sec = app.secretariat().cooperations();
    sec.remove_member(pb::RemoveMemberRequest {
        cooperation_id: COOP.into(),
        code: "0155".into(),
        left_on: String::new(),
        request_id: String::new(),
    })
    .await
    .unwrap();
    sec.add_member(pb::AddMemberRequest {
        cooperation_id: COOP.into(),
        code: "0157".into(),
        name: "Gladsaxe".into(),
        population: Some(70_000),
        ..Default::default()
    })
    .await
    .unwrap();
    let before = app.event_count().await;
    assert_code(
        try_cast(&app.as_("0155", BOARD), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "departed member casts",
    );
    let s = assert_code(
        try_cast(&app.as_("0157", BOARD), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "member that joined after the round opened casts",
    );
    assert!(s.message().contains("not a member when this round opened"), "{s:?}");

    // Without delegation, digital leads vote on nothing.
    let coop = app
        .secretariat()
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .unwrap()
        .into_inner();
    let mut rules = coop.rules.unwrap();
    rules.allow_delegated_voting = false;
    app.secretariat()
        .cooperations()
        .update_cooperation(pb::UpdateCooperationRequest {
            id: COOP.into(),
            name: String::new(),
            rules: Some(rules),
            etag: coop.etag,
            request_id: String::new(),
        })
        .await
        .unwrap();
    let before = before + 1;
    assert_code(
        try_cast(&app.as_("0153", &["digital_lead"]), &delegated, yes_no(&[(&p, Yes)])).await,
        Code::PermissionDenied,
        "digital lead without delegation",
    );

    // Check-in: a member's board or digital lead, not an observer or outsider.
    for (m, roles) in [
        ("0101", &["observer"][..]),
        ("0155", &["digital_lead"][..]),
        ("0860", BOARD),
    ] {
        let r = app
            .as_(m, roles)
            .sessions()
            .check_in(pb::CheckInRequest {
                id: session.id.clone(),
                request_id: String::new(),
            })
            .await;
        assert_code(r, Code::PermissionDenied, "check in");
    }
    // Reading needs membership (or an office) in the cooperation.
    let r = app
        .as_("0860", BOARD)
        .sessions()
        .get_round(pb::GetRoundRequest {
            id: delegated.id.clone(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "outsider reads a round");

    // Closing and cancelling are the chair's.
    let member = app.as_("0101", BOARD);
    let r = member
        .sessions()
        .close_round(pb::CloseRoundRequest {
            id: delegated.id.clone(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "board closes a round");
    let r = member
        .sessions()
        .cancel_round(pb::CancelRoundRequest {
            id: delegated.id.clone(),
            reason: String::new(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "board cancels a round");
    let r = other_chair
        .sessions()
        .close_session(pb::CloseSessionRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::PermissionDenied, "another chair closes the session");
    assert_eq!(app.event_count().await, before, "refused calls write nothing");
    assert_eq!(get_round(&app, &delegated).await.state(), pb::RoundState::Open);
}
e2e!(who_may_vote_and_run_sessions);

async fn bad_ballots_are_refused_and_nothing_is_written(app: TestApp) {
    use pb::Choice::Yes;
    app.seed_default().await;
    let mut ps = Vec::new();
    for i in 0..10 {
        ps.push(app.submitted_proposal("0101", &format!("P{i}"), 10, false).await);
    }
    let session = open_session(&app, &[]).await;
    let yn = open_round(&app, round_req(&session, pb::Method::YesNo, &[&ps[0], &ps[1]])).await;
    let appr = open_round(&app, round_req(&session, pb::Method::Approval, &[&ps[2], &ps[3]])).await;
    let sc = open_round(&app, round_req(&session, pb::Method::Score, &[&ps[4]])).await;
    let borda = open_round(&app, round_req(&session, pb::Method::Borda, &[&ps[5], &ps[6], &ps[7]])).await;
    let schulze = open_round(&app, round_req(&session, pb::Method::Schulze, &[&ps[8], &ps[9]])).await;
    let board = app.as_("0147", BOARD);
    let before = app.event_count().await;

    let cases: Vec<(&pb::Round, pb::BallotContent, &str)> = vec![
        (&appr, approval(&[&ps[2], &ps[8]]), "ballot.approved[1]"),
        (&appr, approval(&[&ps[3], &ps[3]]), "ballot.approved[1]"),
        (&borda, ranking(&[&ps[5], &ps[6], &ps[5]]), "ballot.ranking[2]"),
        (&borda, ranking(&[]), "ballot.ranking"),
        (&schulze, tiers(&[&[&ps[8]], &[&ps[9], &ps[8]]]), "ballot.tiers[1][1]"),
        (&schulze, tiers(&[&[&ps[8]], &[]]), "ballot.tiers[1]"),
        (&sc, score(&[(&ps[4], 6)]), "ballot.scores[0].score"),
        (&sc, score(&[(&ps[0], 1)]), "ballot.scores[0].candidate_id"),
        (
            &yn,
            yes_no(&[(&ps[0], Yes), (&ps[9], Yes)]),
            "ballot.choices[1].candidate_id",
        ),
        (
            &yn,
            yes_no(&[(&ps[0], pb::Choice::Unspecified)]),
            "ballot.choices[0].choice",
        ),
        (&borda, approval(&[&ps[5]]), "ballot"),
        (&schulze, ranking(&[&ps[8], &ps[9]]), "ballot"),
        (&yn, pb::BallotContent { kind: None }, "content"),
    ];
    for (round, content, field) in cases {
        let s = assert_code(try_cast(&board, round, content).await, Code::InvalidArgument, field);
        assert_eq!(violated_fields(&s), [field], "{s:?}");
    }
    let r = board
        .sessions()
        .cast_ballot(pb::CastBallotRequest {
            round_id: "not-an-id".into(),
            content: Some(approval(&[])),
            request_id: String::new(),
        })
        .await;
    assert_eq!(
        violated_fields(&assert_code(r, Code::InvalidArgument, "round id")),
        ["round_id"]
    );
    let r = board
        .sessions()
        .cast_ballot(pb::CastBallotRequest {
            round_id: uuid::Uuid::now_v7().to_string(),
            content: Some(approval(&[])),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::NotFound, "unknown round");
    assert_eq!(app.event_count().await, before, "refused ballots write nothing");
    for r in [&yn, &appr, &sc, &borda, &schulze] {
        assert!(ballots(&board, r, true).await.is_empty());
    }

    // A closed or cancelled round takes no ballots.
    close_round(&app, &yn).await;
    app.chair()
        .sessions()
        .cancel_round(pb::CancelRoundRequest {
            id: appr.id.clone(),
            reason: "Forkert kandidatliste".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let before = app.event_count().await;
    let s = assert_code(
        try_cast(&board, &yn, yes_no(&[(&ps[0], Yes)])).await,
        Code::FailedPrecondition,
        "closed round",
    );
    assert!(s.message().contains("CLOSED"), "{s:?}");
    assert_code(
        try_cast(&board, &appr, approval(&[&ps[2]])).await,
        Code::FailedPrecondition,
        "cancelled round",
    );
    assert_eq!(app.event_count().await, before);
    let cancelled = get_round(&app, &appr).await;
    assert_eq!(cancelled.state(), pb::RoundState::Cancelled);
    assert_eq!(cancelled.cancel_reason, "Forkert kandidatliste");
    assert!(cancelled.result.is_none());

    // Well-formed ballots of each kind are accepted.
    cast(&app, "0147", &sc, score(&[(&ps[4], 5)])).await;
    cast(&app, "0147", &borda, ranking(&[&ps[7]])).await;
    cast(&app, "0147", &schulze, tiers(&[&[&ps[9], &ps[8]]])).await;
}
e2e!(bad_ballots_are_refused_and_nothing_is_written);

async fn sessions_and_rounds_follow_their_lifecycle(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "Fælles sikkerhed", 10, false).await;
    let q = app.submitted_proposal("0147", "Fælles print", 10, false).await;
    let adopted = app.submitted_proposal("0151", "Fælles net", 10, false).await;
    let mut lead = app.as_("0153", &["digital_lead"]).proposals();
    let draft = lead
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(samprio_e2e::content("Kladde", 10, false)),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut chair = app.chair().sessions();

    // The agenda holds submitted proposals; a draft is refused by position.
    let r = chair
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Møde".into(),
            agenda: vec![p.id.clone(), draft.id.clone(), p.id.clone()],
            ..Default::default()
        })
        .await;
    let s = assert_code(r, Code::InvalidArgument, "agenda");
    assert_eq!(violated_fields(&s), ["agenda[2]"]);
    let r = chair
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Møde".into(),
            agenda: vec![p.id.clone(), draft.id.clone()],
            ..Default::default()
        })
        .await;
    assert_eq!(
        violated_fields(&assert_code(r, Code::InvalidArgument, "draft")),
        ["agenda[1]"]
    );

    let scheduled = new_session(&app, &[&p]).await;
    assert_eq!(scheduled.state(), pb::SessionState::Scheduled);
    let r = chair.open_round(round_req(&scheduled, pb::Method::YesNo, &[&p])).await;
    assert_code(r, Code::FailedPrecondition, "round in a scheduled session");

    let agenda = |etag: &str| pb::SetAgendaRequest {
        id: scheduled.id.clone(),
        agenda: vec![p.id.clone(), q.id.clone()],
        etag: etag.into(),
        request_id: String::new(),
    };
    let updated = chair.set_agenda(agenda(&scheduled.etag)).await.unwrap().into_inner();
    assert_eq!(updated.agenda, [p.id.clone(), q.id.clone()]);
    assert_code(
        chair.set_agenda(agenda(&scheduled.etag)).await,
        Code::Aborted,
        "stale etag",
    );

    let session = chair
        .open_session(pb::OpenSessionRequest {
            id: scheduled.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(session.open_time.is_some());
    let r = chair
        .open_session(pb::OpenSessionRequest {
            id: scheduled.id.clone(),
            request_id: String::new(),
        })
        .await;
    assert_code(r, Code::FailedPrecondition, "open twice");
    for _ in 0..2 {
        let s = app
            .as_("0151", &["digital_lead"])
            .sessions()
            .check_in(pb::CheckInRequest {
                id: session.id.clone(),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(s.attendance.len(), 1, "checking in again changes nothing");
    }

    // Round options are checked against the method.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut bad = round_req(&session, pb::Method::Approval, &[&p, &q, &p]);
    bad.threshold = pb::Threshold::TwoThirds as i32;
    bad.deadline = Some(Timestamp {
        seconds: now - 60,
        nanos: 0,
    });
    bad.quorum_bp = Some(12_000);
    let s = assert_code(chair.open_round(bad).await, Code::InvalidArgument, "bad round");
    assert_eq!(
        violated_fields(&s),
        ["candidates[2]", "quorum_bp", "threshold", "deadline"]
    );
    let mut bad = round_req(&session, pb::Method::YesNo, &[&p]);
    bad.budget_dkk = Some(1000);
    let s = assert_code(chair.open_round(bad).await, Code::InvalidArgument, "budget on YES_NO");
    assert_eq!(violated_fields(&s), ["budget_dkk"]);
    let s = assert_code(
        chair
            .open_round(round_req(&session, pb::Method::Unspecified, &[&p]))
            .await,
        Code::InvalidArgument,
        "no method",
    );
    assert_eq!(violated_fields(&s), ["method"]);
    let s = assert_code(
        chair
            .open_round(round_req(&session, pb::Method::Borda, &[&p, &draft]))
            .await,
        Code::InvalidArgument,
        "draft candidate",
    );
    assert_eq!(violated_fields(&s), ["candidates[1]"]);

    // Adopt one proposal; a YES_NO round cannot take it again, a ranking round can.
    let first = open_round(&app, round_req(&session, pb::Method::YesNo, &[&adopted])).await;
    for m in ["0101", "0147", "0151"] {
        cast(&app, m, &first, yes_no(&[(&adopted, pb::Choice::Yes)])).await;
    }
    close_round(&app, &first).await;
    let s = assert_code(
        chair
            .open_round(round_req(&session, pb::Method::YesNo, &[&adopted]))
            .await,
        Code::InvalidArgument,
        "adopted in YES_NO",
    );
    assert_eq!(violated_fields(&s), ["candidates[0]"]);

    // Weights are taken when the round opens.
    let mut req = round_req(&session, pb::Method::Approval, &[&p, &adopted]);
    req.weighting = pb::Weighting::Population as i32;
    let round = open_round(&app, req).await;
    assert_eq!(round.total_weight, 866_000);
    app.secretariat()
        .cooperations()
        .update_member(pb::UpdateMemberRequest {
            cooperation_id: COOP.into(),
            code: "0155".into(),
            population: Some(1_000_000),
            ..Default::default()
        })
        .await
        .unwrap();
    let b = cast(&app, "0155", &round, approval(&[&p])).await;
    assert_eq!(b.weight, 14_000);
    assert_eq!(get_round(&app, &round).await.total_weight, 866_000);

    // A candidate can be in one open round at a time, and cannot be
    // withdrawn while it is.
    let r = chair.open_round(round_req(&session, pb::Method::YesNo, &[&p])).await;
    assert_code(r, Code::FailedPrecondition, "candidate in two open rounds");
    let mut sponsor = app.as_("0101", &["digital_lead"]).proposals();
    let withdraw = pb::WithdrawProposalRequest {
        id: p.id.clone(),
        reason: "Trukket".into(),
        request_id: String::new(),
    };
    assert_code(
        sponsor.withdraw_proposal(withdraw.clone()).await,
        Code::FailedPrecondition,
        "withdraw a candidate",
    );

    let r = app
        .as_("0101", &["observer"])
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: session.id.clone(),
            ..Default::default()
        })
        .await;
    assert_code(r, Code::FailedPrecondition, "minutes before close");

    // Closing the session closes its open round; then it is all over.
    chair
        .close_session(pb::CloseSessionRequest {
            id: session.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let round = get_round(&app, &round).await;
    assert_eq!(round.state(), pb::RoundState::Closed);
    assert_eq!(round.voted, ["0155"]);
    assert!(!round.result.unwrap().quorum_met);
    sponsor.withdraw_proposal(withdraw).await.unwrap();
    assert_code(
        chair
            .close_session(pb::CloseSessionRequest {
                id: session.id.clone(),
                request_id: String::new(),
            })
            .await,
        Code::FailedPrecondition,
        "close twice",
    );
    assert_code(
        chair.open_round(round_req(&session, pb::Method::YesNo, &[&q])).await,
        Code::FailedPrecondition,
        "round in a closed session",
    );
    let sessions = app
        .as_("0147", &["observer"])
        .sessions()
        .list_sessions(pb::ListSessionsRequest {
            cooperation_id: COOP.into(),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sessions.sessions.len(), 1);
    assert!(!sessions.next_page_token.is_empty());
}
e2e!(sessions_and_rounds_follow_their_lifecycle);

/// Every member casts twice at the same moment: each ends with exactly one
/// current ballot (a schema constraint), and both versions in its history.
async fn concurrent_ballots_leave_one_current_ballot_per_member(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "A", 10, false).await;
    let q = app.submitted_proposal("0147", "B", 10, false).await;
    let session = open_session(&app, &[&p, &q]).await;
    let round = open_round(&app, round_req(&session, pb::Method::Approval, &[&p, &q])).await;
    let mut tasks = Vec::new();
    for m in ["0101", "0147", "0151", "0153", "0155"] {
        for content in [approval(&[&p]), approval(&[&q])] {
            let client = app.as_(m, BOARD);
            let round = round.clone();
            tasks.push(tokio::spawn(async move { try_cast(&client, &round, content).await }));
        }
    }
    for t in futures::future::join_all(tasks).await {
        t.expect("task").expect("ballot accepted");
    }
    let current = ballots(&app.chair(), &round, false).await;
    let who: Vec<&str> = current.iter().map(|b| b.municipality.as_str()).collect();
    assert_eq!(who, ["0101", "0147", "0151", "0153", "0155"]);
    assert!(current.iter().all(|b| b.current && b.version == 2));
    let history = ballots(&app.chair(), &round, true).await;
    assert_eq!(history.len(), 10);
    for pair in history.chunks(2) {
        assert_eq!(pair[0].municipality, pair[1].municipality);
        assert_eq!((pair[0].version, pair[0].current), (1, false));
        assert_eq!((pair[1].version, pair[1].current), (2, true));
    }
    let r = get_round(&app, &round).await;
    assert_eq!(r.voted.len(), 5);
    assert_eq!(r.voted_weight, 5);
    let res = close_round(&app, &round).await.result.unwrap();
    assert_eq!(res.cast_weight, 5);
    let approving: u64 = res.candidates.iter().map(|c| c.score).sum();
    assert_eq!(approving, 5, "one approval per member counted");
}
e2e!(concurrent_ballots_leave_one_current_ballot_per_member);

async fn a_retried_ballot_is_cast_once(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "A", 10, false).await;
    let session = open_session(&app, &[&p]).await;
    let round = open_round(&app, round_req(&session, pb::Method::Approval, &[&p])).await;
    let board = app.as_("0151", BOARD);
    let req = pb::CastBallotRequest {
        round_id: round.id.clone(),
        content: Some(approval(&[&p])),
        request_id: "ballot-0151-1".into(),
    };
    let first = board.sessions().cast_ballot(req.clone()).await.unwrap().into_inner();
    let again = board.sessions().cast_ballot(req).await.unwrap().into_inner();
    assert_eq!(first, again);
    assert_eq!(ballots(&board, &round, true).await.len(), 1);
}
e2e!(a_retried_ballot_is_cast_once);

/// A burst of ballots, replacements and retries meets the chair's close in
/// the same write batches: each member keeps one current ballot whose
/// versions count up without a gap, a retried request is cast once even when
/// both copies arrive together, every ballot accepted before the close is
/// counted and none is accepted after it, and the chain verifies.
async fn a_burst_of_ballots_meets_the_close(app: TestApp) {
    app.seed_default().await;
    let p = app.submitted_proposal("0101", "A", 10, false).await;
    let q = app.submitted_proposal("0147", "B", 10, false).await;
    let session = open_session(&app, &[&p, &q]).await;
    let round = open_round(&app, round_req(&session, pb::Method::Approval, &[&p, &q])).await;
    let members = ["0101", "0147", "0151", "0153", "0155"];
    let mut tasks = Vec::new();
    for m in members {
        for (i, content) in [approval(&[&p]), approval(&[&q]), approval(&[&p, &q])]
            .into_iter()
            .enumerate()
        {
            // The last ballot of each member is sent twice with one request id.
            let copies = if i == 2 { 2 } else { 1 };
            for _ in 0..copies {
                let client = app.as_(m, BOARD);
                let req = pb::CastBallotRequest {
                    round_id: round.id.clone(),
                    content: Some(content.clone()),
                    request_id: if i == 2 { format!("burst-{m}") } else { String::new() },
                };
                tasks.push(tokio::spawn(async move {
                    (m, i, client.sessions().cast_ballot(req).await.map(|r| r.into_inner()))
                }));
            }
        }
    }
    let first = futures::future::join_all(tasks).await;
    let mut replies: std::collections::BTreeMap<&str, Vec<pb::Ballot>> = Default::default();
    for t in first {
        let (m, _, r) = t.expect("task");
        replies
            .entry(m)
            .or_default()
            .push(r.expect("ballot accepted while the round is open"));
    }
    for (m, got) in &replies {
        // Four replies, three ballots: the two copies answer alike.
        assert_eq!(got.len(), 4, "{m}");
        let mut versions: Vec<u32> = got.iter().map(|b| b.version).collect();
        versions.sort();
        versions.dedup();
        assert_eq!(versions, [1, 2, 3], "{m}: versions without a gap, the retry cast once");
    }

    // A second burst races the close: each reply is a ballot or the closed round.
    let mut tasks = Vec::new();
    for m in members {
        let client = app.as_(m, BOARD);
        let content = approval(&[&q]);
        let round = round.clone();
        tasks.push(tokio::spawn(
            async move { (m, try_cast(&client, &round, content).await) },
        ));
    }
    let closed = close_round(&app, &round).await;
    let mut late_accepted = 0;
    for t in futures::future::join_all(tasks).await {
        let (m, r) = t.expect("task");
        match r {
            Ok(b) => {
                assert_eq!(b.version, 4, "{m}");
                let at = |t: &Option<Timestamp>| t.as_ref().map(|t| (t.seconds, t.nanos));
                assert!(
                    at(&b.cast_time) <= at(&closed.close_time),
                    "{m}: accepted after the close"
                );
                late_accepted += 1;
            }
            Err(s) => assert_eq!(s.code(), Code::FailedPrecondition, "{m}: {s:?}"),
        }
    }
    let current = ballots(&app.chair(), &round, false).await;
    assert_eq!(current.len(), members.len());
    assert!(current.iter().all(|b| b.current));
    assert_eq!(current.iter().filter(|b| b.version == 4).count(), late_accepted);
    let history = ballots(&app.chair(), &round, true).await;
    assert_eq!(history.len(), 3 * members.len() + late_accepted);
    let res = closed.result.expect("a closed round has its result");
    assert_eq!(res.cast_weight, members.len() as u64);
    let v = app.verify_chain().await;
    assert!(v.ok, "{v:?}");
    let cast = events(&app, 0)
        .await
        .into_iter()
        .filter(|e| e.action == "ballot.cast")
        .count();
    assert_eq!(cast, history.len(), "one event per stored ballot");
}
e2e!(a_burst_of_ballots_meets_the_close);
