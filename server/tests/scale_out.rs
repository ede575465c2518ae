//! Scale-out: two real `samprio-server` processes on one PostgreSQL database.
//! Concurrent writes through both are stored exactly once in one unbroken
//! hash chain, an event written through one process reaches a stream opened
//! on the other, and rounds whose deadline passes are closed exactly once
//! though both processes race to close them. A ballot cast through one
//! process is checked against what was changed through the other.

use std::time::Duration;

use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::samprio_server::auth::{Algorithm, Role, TokenMinter};
use samprio_e2e::{
    AUDIENCE, COOP, ISSUER_A, MUNICIPALITIES, ServerProcess, content, ed25519_key, fresh_postgres_db, open_session,
    postgres_admin_url, submit_proposal, verify_chain, write_config, yes_ballot,
};
use tokio_stream::StreamExt;

/// Two server processes on one fresh PostgreSQL database, trusting one test
/// issuer for the test municipalities, and a cooperation on it.
struct Pair {
    _one: ServerProcess,
    _two: ServerProcess,
    c1: Client,
    c2: Client,
    minter: TokenMinter,
    _dir: tempfile::TempDir,
}

impl Pair {
    /// `extra` adds top-level settings to both processes' configuration.
    async fn start(extra: &str) -> Pair {
        let url = fresh_postgres_db(&postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL")).await;
        let key = ed25519_key();
        let dir = tempfile::tempdir().unwrap();
        let municipalities: Vec<String> = MUNICIPALITIES.iter().map(|m| m.to_string()).collect();
        let config = write_config(dir.path(), &url, &key.public_pem, &municipalities, extra);
        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_samprio-server"));
        let (one, two) = (ServerProcess::start(bin, &config), ServerProcess::start(bin, &config));
        let minter = TokenMinter::new(ISSUER_A, AUDIENCE, Algorithm::EdDSA, key.private_pem.as_bytes(), None).unwrap();
        let c1 = Client::connect(&one.addr, "").await.unwrap();
        let c2 = Client::connect(&two.addr, "").await.unwrap();
        Pair {
            _one: one,
            _two: two,
            c1,
            c2,
            minter,
            _dir: dir,
        }
    }

    fn token(&self, municipality: &str, roles: &[Role]) -> String {
        self.minter.mint(
            &format!("user-{municipality}"),
            municipality,
            roles,
            Duration::from_secs(600),
        )
    }

    /// A client of `process` (1 or 2) acting as `municipality` with `roles`.
    fn as_(&self, process: usize, municipality: &str, roles: &[Role]) -> Client {
        let c = if process == 1 { &self.c1 } else { &self.c2 };
        c.as_token(&self.token(municipality, roles)).unwrap()
    }

    /// Creates the cooperation through process one and adds the first
    /// `members` test municipalities through process two.
    async fn seed(&self, rules: Option<pb::CooperationRules>, members: usize) {
        self.as_(1, "0101", &[Role::Operator])
            .cooperations()
            .create_cooperation(pb::CreateCooperationRequest {
                id: COOP.into(),
                name: "Scale".into(),
                rules,
                ..Default::default()
            })
            .await
            .unwrap();
        let sec = self.as_(2, "0101", &[Role::Secretariat(COOP.into())]);
        for code in &MUNICIPALITIES[..members] {
            sec.cooperations()
                .add_member(pb::AddMemberRequest {
                    cooperation_id: COOP.into(),
                    code: code.to_string(),
                    name: format!("M{code}"),
                    population: Some(1000),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn two_processes_on_postgres_share_one_record() {
    let pair = Pair::start("").await;
    pair.seed(None, 5).await;
    let (c1, c2) = (&pair.c1, &pair.c2);

    // A stream on process two, opened before the writes.
    let observer = pair.as_(2, "0151", &[Role::Observer]);
    let mut watch = samprio_e2e::watch(&observer, 6).await;

    // Five members write eight proposals each, alternating processes; every
    // write is also retried with its request id through the other process.
    const EACH: usize = 8;
    let mut tasks = Vec::new();
    for (i, code) in MUNICIPALITIES[..5].iter().enumerate() {
        let lead_token = pair.token(code, &[Role::DigitalLead]);
        let (a, b) = if i % 2 == 0 {
            (c1.clone(), c2.clone())
        } else {
            (c2.clone(), c1.clone())
        };
        let (a, b) = (a.as_token(&lead_token).unwrap(), b.as_token(&lead_token).unwrap());
        let code = code.to_string();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..EACH {
                let req = pb::CreateProposalRequest {
                    cooperation_id: COOP.into(),
                    content: Some(content(&format!("{code}-{n}"), 100, false)),
                    request_id: format!("{code}-{n}"),
                };
                let (first, retry) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
                let p = first
                    .proposals()
                    .create_proposal(req.clone())
                    .await
                    .unwrap()
                    .into_inner();
                let again = retry.proposals().create_proposal(req).await.unwrap().into_inner();
                assert_eq!(p, again, "a retry through the other process returns the first result");
                ids.push(p.id);
            }
            ids
        }));
    }
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    assert_eq!(acknowledged.len(), 5 * EACH);

    let mut stored = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = observer
            .proposals()
            .list_proposals(pb::ListProposalsRequest {
                cooperation_id: COOP.into(),
                page_size: 500,
                page_token,
                status: 0,
            })
            .await
            .unwrap()
            .into_inner();
        stored.extend(page.proposals.into_iter().map(|p| p.id));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    stored.sort();
    acknowledged.sort();
    assert_eq!(stored, acknowledged, "every acknowledged write is stored exactly once");

    for c in [&c1, &c2] {
        let v = verify_chain(&c.as_token(&pair.token("0101", &[Role::Operator])).unwrap()).await;
        assert!(v.ok, "{v:?}");
        assert_eq!(
            v.events_checked as usize,
            1 + 5 + 5 * EACH,
            "one event per write, none for retries"
        );
    }

    // The stream on process two saw every proposal, half of them written through process one.
    let mut seen = 0;
    while seen < 5 * EACH {
        let e = tokio::time::timeout(Duration::from_secs(20), watch.next())
            .await
            .expect("event arrives")
            .unwrap()
            .unwrap();
        assert_eq!(e.action, "proposal.created");
        assert_eq!(e.seq as usize, 7 + seen, "in order, without gaps");
        seen += 1;
    }

    // Pages kept by process two are never stale: the same page and the same
    // events read again right after a write acknowledged by process one
    // show it.
    let first_page = |c: Client| async move {
        let proposals = c
            .proposals()
            .list_proposals(pb::ListProposalsRequest {
                cooperation_id: COOP.into(),
                page_size: 500,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .proposals;
        let events = c
            .audit()
            .list_events(pb::ListEventsRequest {
                cooperation_id: COOP.into(),
                page_size: 500,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .events;
        (proposals, events)
    };
    let (kept, kept_events) = first_page(observer.clone()).await;
    assert_eq!(kept, first_page(observer.clone()).await.0, "read twice, unchanged");
    let p = pair
        .as_(1, "0101", &[Role::DigitalLead])
        .proposals()
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("written through one", 100, false)),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let (now, now_events) = first_page(observer.clone()).await;
    assert_eq!(now.len(), kept.len() + 1);
    assert_eq!(
        now.last().map(|q| &q.id),
        Some(&p.id),
        "the new proposal, last by sequence"
    );
    assert_eq!(now_events.len(), kept_events.len() + 1);
    assert_eq!(now_events.last().unwrap().subject, format!("proposals/{}", p.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn two_processes_on_postgres_close_each_due_round_once() {
    // Both processes poll often, so they race for every due round.
    let pair = Pair::start("deadline_poll_ms = 10\n").await;

    pair.seed(Some(delegating()), 3).await;
    let as_ = |c: usize, m: &str, roles: &[Role]| pair.as_(c, m, roles);
    let chair = as_(1, "0101", &[Role::Chair(COOP.into())]);
    let session = open_session(&chair, "Scale", &[]).await.id;

    const ROUNDS: usize = 6;
    let deadline = pbjson_now_plus(8);
    let mut rounds = Vec::new();
    for n in 0..ROUNDS {
        let lead = as_(2, MUNICIPALITIES[n % 3], &[Role::DigitalLead]);
        let proposal = submit_proposal(&lead, &format!("P{n}"), 100, false).await.id;
        let round = chair
            .sessions()
            .open_round(pb::OpenRoundRequest {
                session_id: session.clone(),
                method: pb::Method::YesNo as i32,
                candidates: vec![proposal],
                deadline: Some(deadline),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        for code in &MUNICIPALITIES[..2] {
            as_(if n % 2 == 0 { 1 } else { 2 }, code, &[Role::Board])
                .sessions()
                .cast_ballot(yes_ballot(&round.id, &round.candidates[0], String::new()))
                .await
                .unwrap();
        }
        rounds.push(round.id);
    }

    // Nobody closes them: follow the log until every round has closed.
    let observer = as_(2, "0151", &[Role::Observer]);
    let mut watch = samprio_e2e::watch(&observer, 0).await;
    let mut closed = Vec::new();
    while closed.len() < ROUNDS {
        let e = tokio::time::timeout(Duration::from_secs(60), watch.next())
            .await
            .expect("the rounds close at their deadline")
            .unwrap()
            .unwrap();
        if e.action == "round.closed" {
            closed.push(e.subject.trim_start_matches("rounds/").to_string());
        }
    }
    // A marker written after them: any second close would come before it.
    chair
        .sessions()
        .close_session(pb::CloseSessionRequest {
            id: session.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(20), watch.next())
            .await
            .expect("session.closed arrives")
            .unwrap()
            .unwrap();
        if e.action == "session.closed" {
            break;
        }
        assert_ne!(e.action, "round.closed", "a round was closed twice");
    }
    closed.sort();
    rounds.sort();
    assert_eq!(closed, rounds, "each round closed exactly once");

    let v = verify_chain(&as_(1, "0101", &[Role::Operator])).await;
    assert!(v.ok, "{v:?}");
    let list = observer
        .priorities()
        .get_priority_list(pb::GetPriorityListRequest {
            cooperation_id: COOP.into(),
            revision: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.revision as usize, ROUNDS, "one revision per adopting round");
    assert_eq!(list.items.len(), ROUNDS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn two_processes_on_postgres_check_ballots_against_each_others_changes() {
    // A process keeps what its batches of ballots read (the round, the
    // cooperation, the members, the current versions) while the log's head
    // is unchanged: every change made through the other process must show.
    let pair = Pair::start("").await;
    let rules = delegating();
    pair.seed(Some(rules), 3).await;
    let [a, b, c] = [MUNICIPALITIES[0], MUNICIPALITIES[1], MUNICIPALITIES[2]];
    let chair = pair.as_(2, "0101", &[Role::Chair(COOP.into())]);
    let session = open_session(&chair, "Kept reads", &[]).await.id;
    let proposal = submit_proposal(&pair.as_(2, a, &[Role::DigitalLead]), "Fælles ESDH", 100, false)
        .await
        .id;
    let round = chair
        .sessions()
        .open_round(pb::OpenRoundRequest {
            session_id: session,
            method: pb::Method::YesNo as i32,
            candidates: vec![proposal],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let cast = |process: usize, municipality: &str, role: Role| {
        let client = pair.as_(process, municipality, &[role]);
        let req = yes_ballot(&round.id, &round.candidates[0], String::new());
        async move { client.sessions().cast_ballot(req).await }
    };

    // Process one reads the round, its members and their versions; a stream
    // on process two hears of each ballot.
    let observer = pair.as_(2, a, &[Role::Observer]);
    let mut watch = samprio_e2e::watch(&observer, 0).await;
    for m in [a, b, c] {
        let v = cast(1, m, Role::Board).await.unwrap().into_inner();
        assert_eq!(v.version, 1);
    }
    let mut heard = Vec::new();
    while heard.len() < 3 {
        let e = tokio::time::timeout(Duration::from_secs(20), watch.next())
            .await
            .expect("a ballot cast through process one reaches a stream on process two")
            .unwrap()
            .unwrap();
        if e.action == "ballot.cast" {
            heard.push(e.subject);
        }
    }
    assert_eq!(
        heard,
        [a, b, c].map(|m| format!("rounds/{}/ballots/{m}", round.id)),
        "in the order they were cast"
    );
    // A ballot replaced through process two: process one counts on from it.
    assert_eq!(cast(2, a, Role::Board).await.unwrap().into_inner().version, 2);
    assert_eq!(cast(1, a, Role::Board).await.unwrap().into_inner().version, 3);

    // The cooperation stops delegating votes through process two.
    let coops = pair.as_(2, "0101", &[Role::Secretariat(COOP.into())]).cooperations();
    let coop = coops
        .clone()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        cast(1, b, Role::DigitalLead).await.unwrap().into_inner().version,
        2,
        "delegated while the cooperation allows it"
    );
    coops
        .clone()
        .update_cooperation(pb::UpdateCooperationRequest {
            id: COOP.into(),
            rules: Some(pb::CooperationRules {
                allow_delegated_voting: false,
                ..rules
            }),
            etag: coop.etag,
            ..Default::default()
        })
        .await
        .unwrap();
    let refused = cast(1, b, Role::DigitalLead).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");

    // A member leaves through process two: process one refuses its ballot.
    coops
        .clone()
        .remove_member(pb::RemoveMemberRequest {
            cooperation_id: COOP.into(),
            code: c.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let refused = cast(1, c, Role::Board).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");

    // The round closes through process two: process one takes no more ballots.
    chair
        .sessions()
        .close_round(pb::CloseRoundRequest {
            id: round.id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let refused = cast(1, a, Role::Board).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{refused:?}");

    let v = verify_chain(&pair.as_(1, "0101", &[Role::Operator])).await;
    assert!(v.ok, "{v:?}");
}

/// Equal weights, a quorum of half, and votes delegated to digital leads.
fn delegating() -> pb::CooperationRules {
    pb::CooperationRules {
        default_weighting: pb::Weighting::Equal as i32,
        default_quorum_bp: 5000,
        allow_delegated_voting: true,
    }
}

fn pbjson_now_plus(secs: i64) -> samprio_e2e::samprio_client::Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    samprio_e2e::samprio_client::Timestamp {
        seconds: now.as_secs() as i64 + secs,
        nanos: 0,
    }
}
