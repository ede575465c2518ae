//! Server time of the web console's pages (DESIGN.md §10: under 50 ms at
//! 98 members × 300 priorities). Denmark's 98 municipalities are members of
//! one cooperation with 300 shared priorities and 10 proposals not adopted;
//! every member overrides a tenth of the list (about 2 940 overrides, 10 %
//! of member × priority), every fifth also adopts one proposal locally; the
//! event log holds one chained event per proposal and override.
//!
//! The round pages are measured in a second cooperation of the same 98
//! members, so the first one's list and log stay as they were: a session
//! with submitted proposals as candidates (30 a round), one open round per method
//! (its ballot page, voted by the other 97 members, not yet by København)
//! and one closed round per method with all 98 named ballots (its results),
//! created through the domain operations as the console would.
//!
//! Each page is requested through the console's router in process (no
//! socket), signed in as København's board, and timed from request to the
//! rendered body: a few warm-up requests, then the median and the slowest of
//! `SAMPRIO_BENCH_RUNS` (default 30).
//!
//! ```sh
//! cargo bench -p samprio-server --bench console
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use samprio_server::auth::Principal;
use samprio_server::auth::{AuthConfig, DevKeys, Role, Verifier};
use samprio_server::domain::audit::{GENESIS_HASH, chain_hash};
use samprio_server::domain::model::{
    Actor, BallotContent, CandidateScore, Category, Choice, Cooperation, Event, Flags, Member, Method, OverrideKind,
    PriorityList, Proposal, ProposalContent, ProposalStatus, Rules, SessionKind, Weighting, YesNoChoice,
};
use samprio_server::domain::overrides::{Change, Override};
use samprio_server::domain::register;
use samprio_server::domain::sessions::{self, NewSession, rounds::NewRound};
use samprio_server::domain::write::{Ctx, now_micros};
use samprio_server::store::{SqliteStore, Store};
use samprio_server::web::{self, SignIn, Web};
use tower::ServiceExt;

const COOP: &str = "bench";
const PRIORITIES: usize = 300;
const NOT_SHARED: usize = 10;
const OVERRIDES_PER_MEMBER: usize = PRIORITIES / 10;
const WARM_UP: usize = 3;
/// The cooperation whose session holds the measured rounds.
const ROUNDS_COOP: &str = "bench-rounds";
const ROUND_CANDIDATES: usize = 30;
/// A proposal is a candidate in one open round at a time, and closing a
/// YES_NO round decides its candidates: one set of candidates per open
/// round, one for the closed ranking rounds, one for the closed YES_NO.
const CANDIDATE_SETS: usize = METHODS.len() + 2;
const METHODS: [Method; 5] = [
    Method::YesNo,
    Method::Approval,
    Method::Score,
    Method::Borda,
    Method::Schulze,
];

/// Knuth's MMIX LCG, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn proposal_id(i: usize) -> String {
    format!("01900000-0000-7000-8000-{i:012}")
}

fn override_id(i: usize) -> String {
    format!("01900000-0000-7000-9000-{i:012}")
}

fn candidate_id(i: usize) -> String {
    format!("01900000-0000-7000-a000-{i:012}")
}

struct Seeded {
    members: Vec<Member>,
    proposals: Vec<Proposal>,
    list: PriorityList,
    overrides: Vec<Override>,
}

fn data() -> Seeded {
    let members: Vec<Member> = register::all()
        .iter()
        .map(|m| Member {
            cooperation_id: COOP.into(),
            code: m.code.clone(),
            name: m.name.clone(),
            population: m.population,
            population_date: None,
            custom_weight: None,
            joined_on: "2026-01-01".into(),
            left_on: None,
            version: 1,
        })
        .collect();
    let proposals: Vec<Proposal> = (0..PRIORITIES + NOT_SHARED)
        .map(|i| Proposal {
            id: proposal_id(i),
            cooperation_id: COOP.into(),
            content: ProposalContent {
                title: format!("Fælles løsning nr. {i}"),
                summary: "Udbud og implementering af en fælles løsning for de deltagende kommuner.".into(),
                category: Category::SharedProcurement,
                flags: Flags {
                    personal_data: i % 3 == 0,
                    ..Flags::default()
                },
                one_time_cost_dkk: 1_000_000 + i as i64 * 1_000,
                yearly_cost_dkk: 100_000,
                linked_systems: vec!["ESDH".into()],
            },
            sponsor: members[i % members.len()].code.clone(),
            status: if i < PRIORITIES {
                ProposalStatus::Adopted
            } else {
                ProposalStatus::Submitted
            },
            created_by: "bench".into(),
            create_time: 0,
            update_time: 0,
            submit_time: Some(0),
            submit_seq: Some(i as i64 + 1),
            decide_time: Some(0),
            version: 3,
        })
        .collect();
    let list = PriorityList {
        cooperation_id: COOP.into(),
        revision: 12,
        items: (0..PRIORITIES).map(proposal_id).collect(),
        update_time: 0,
        cause: "bench".into(),
    };
    let mut rng = Lcg(0x0E77_EC71);
    let mut overrides = Vec::new();
    for (m, member) in members.iter().enumerate() {
        let mut picked = std::collections::BTreeSet::new();
        while picked.len() < OVERRIDES_PER_MEMBER {
            picked.insert(rng.below(PRIORITIES));
        }
        let mut targets: Vec<(usize, OverrideKind)> = picked
            .into_iter()
            .map(|i| {
                let kind = [OverrideKind::OptOut, OverrideKind::Defer, OverrideKind::Rerank][rng.below(3)];
                (i, kind)
            })
            .collect();
        if m % 5 == 0 {
            targets.push((PRIORITIES + rng.below(NOT_SHARED), OverrideKind::AdoptLocal));
        }
        for (i, kind) in targets {
            overrides.push(Override {
                id: override_id(overrides.len()),
                cooperation_id: COOP.into(),
                municipality: member.code.clone(),
                proposal_id: proposal_id(i),
                kind,
                defer_until: (kind == OverrideKind::Defer).then(|| "2099-01-01".to_string()),
                local_rank: (kind == OverrideKind::Rerank).then(|| rng.below(PRIORITIES) as u32 + 1),
                justification: "Kommunen har en nyere lokal løsning, som først kan udfases ved kontraktudløb.".into(),
                board_resolution: "Direktionsmøde 2026-05-12, pkt. 4".into(),
                set_by: Actor {
                    sub: format!("direktion-{}", member.code),
                    municipality: member.code.clone(),
                    roles: vec!["board".into()],
                    name: format!("Direktionen i {}", member.name),
                },
                set_time: 0,
                expires_on: None,
                // A tenth were made against an older revision with another
                // rank: they need review.
                list_revision: if i % 10 == 0 { 11 } else { 12 },
                shared_rank_at_set: (i < PRIORITIES).then(|| i as u32 + 1 + u32::from(i % 10 == 0)),
                revoked: false,
                version: 1,
                change: Change::Set,
            });
        }
    }
    Seeded {
        members,
        proposals,
        list,
        overrides,
    }
}

/// Seeds the store, with one chained event per proposal and override.
async fn seed(store: &dyn Store, d: &Seeded) {
    let mut tx = store.write().await.expect("write");
    let coop = Cooperation {
        id: COOP.into(),
        name: "Alle kommuner".into(),
        rules: Rules {
            default_weighting: Weighting::Population,
            default_quorum_bp: 5000,
            allow_delegated_voting: false,
        },
        create_time: 0,
        update_time: 0,
        version: 1,
        member_count: 0,
    };
    let actor = Actor {
        sub: "bench".into(),
        municipality: "0101".into(),
        roles: vec!["secretariat:bench".into()],
        name: "Sekretariatet".into(),
    };
    let mut seq = 0i64;
    let mut prev = GENESIS_HASH.to_string();
    let mut event = |action: &str, subject: String, payload: String| {
        seq += 1;
        let hash = chain_hash(&prev, seq, seq, &actor, action, &subject, COOP, &payload);
        let e = Event {
            seq,
            time: seq,
            actor: actor.clone(),
            action: action.into(),
            subject,
            cooperation_id: COOP.into(),
            payload,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        };
        (seq, e)
    };
    let (s, e) = event("cooperation.created", format!("cooperations/{COOP}"), "{}".into());
    tx.insert_event(&e).await.expect("event");
    tx.insert_cooperation(&coop, s).await.expect("cooperation");
    for m in &d.members {
        tx.insert_member(m).await.expect("member");
    }
    for p in &d.proposals {
        let payload = serde_json::to_string(p).expect("json");
        let (s, e) = event("proposal.adopted", format!("proposals/{}", p.id), payload);
        tx.insert_event(&e).await.expect("event");
        tx.insert_proposal(p, s).await.expect("proposal");
    }
    tx.insert_priority_list(&d.list).await.expect("list");
    for o in &d.overrides {
        let payload = serde_json::to_string(o).expect("json");
        let (s, e) = event("override.set", format!("overrides/{}", o.id), payload);
        tx.insert_event(&e).await.expect("event");
        tx.insert_override(o, s).await.expect("override");
    }
    let rounds_coop = Cooperation {
        id: ROUNDS_COOP.into(),
        name: "Alle kommuner, afstemninger".into(),
        ..coop
    };
    let (s, e) = event(
        "cooperation.created",
        format!("cooperations/{ROUNDS_COOP}"),
        "{}".into(),
    );
    tx.insert_event(&e).await.expect("event");
    tx.insert_cooperation(&rounds_coop, s).await.expect("cooperation");
    for m in &d.members {
        tx.insert_member(&Member {
            cooperation_id: ROUNDS_COOP.into(),
            ..m.clone()
        })
        .await
        .expect("member");
    }
    for i in 0..CANDIDATE_SETS * ROUND_CANDIDATES {
        let p = Proposal {
            id: candidate_id(i),
            cooperation_id: ROUNDS_COOP.into(),
            status: ProposalStatus::Submitted,
            decide_time: None,
            version: 2,
            ..d.proposals[i].clone()
        };
        let payload = serde_json::to_string(&p).expect("json");
        let (s, e) = event("proposal.submitted", format!("proposals/{}", p.id), payload);
        tx.insert_event(&e).await.expect("event");
        tx.insert_proposal(&p, s).await.expect("proposal");
    }
    tx.commit().await.expect("commit");
}

/// The measured round pages' ids.
struct Rounds {
    session: String,
    /// Per method: an open round (ballot page) and a closed one (results).
    open: Vec<(Method, String)>,
    closed: Vec<(Method, String)>,
}

fn ctx(municipality: &str, name: &str, roles: Vec<Role>) -> Ctx {
    Ctx {
        principal: Principal {
            sub: format!("bench-{municipality}"),
            municipality: municipality.into(),
            roles,
            issuer: "bench".into(),
            name: Some(name.into()),
        },
        request_id: String::new(),
        fingerprint: String::new(),
        now: now_micros(),
        system: false,
    }
}

/// A ballot of `method` over `candidates`, different for every `rng` draw.
fn ballot(method: Method, candidates: &[String], rng: &mut Lcg) -> BallotContent {
    let mut shuffled = candidates.to_vec();
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    match method {
        Method::YesNo => BallotContent::YesNo(
            candidates
                .iter()
                .map(|c| YesNoChoice {
                    candidate_id: c.clone(),
                    choice: [Choice::Yes, Choice::Yes, Choice::No, Choice::Abstain][rng.below(4)],
                })
                .collect(),
        ),
        Method::Approval => BallotContent::Approval(shuffled[..candidates.len() / 3].to_vec()),
        Method::Score => BallotContent::Score(
            candidates
                .iter()
                .map(|c| CandidateScore {
                    candidate_id: c.clone(),
                    score: rng.below(6) as u32,
                })
                .collect(),
        ),
        Method::Borda => BallotContent::Ranking(shuffled),
        Method::Schulze => BallotContent::Tiers(shuffled.chunks(2).map(<[String]>::to_vec).collect()),
    }
}

/// A session in the second cooperation with an open and a closed round of
/// every method, through the same domain operations as the console.
async fn seed_rounds(store: &dyn Store, members: &[Member]) -> Rounds {
    let chair = ctx(
        "0101",
        "Karen Formand",
        vec![Role::Board, Role::Chair(ROUNDS_COOP.into())],
    );
    let set = |k: usize| -> Vec<String> {
        (k * ROUND_CANDIDATES..(k + 1) * ROUND_CANDIDATES)
            .map(candidate_id)
            .collect()
    };
    let session = sessions::create(
        store,
        &chair,
        NewSession {
            cooperation_id: ROUNDS_COOP.into(),
            title: "Styregruppemøde om prioriteringen".into(),
            scheduled_time: None,
            agenda: (0..METHODS.len()).flat_map(set).collect(),
            kind: SessionKind::Regular,
        },
    )
    .await
    .expect("session");
    sessions::open(store, &chair, &session.id).await.expect("open session");
    let mut rng = Lcg(0x00B4_1107);
    let mut rounds = Rounds {
        session: session.id.clone(),
        open: vec![],
        closed: vec![],
    };
    for closed in [true, false] {
        for (k, method) in METHODS.into_iter().enumerate() {
            let candidates = &match (closed, method) {
                (false, _) => set(k),
                (true, Method::YesNo) => set(METHODS.len() + 1),
                (true, _) => set(METHODS.len()),
            };
            let round = sessions::rounds::open(
                store,
                &chair,
                NewRound {
                    session_id: session.id.clone(),
                    title: format!("Prioritering 2027 ({method})"),
                    method,
                    candidates: candidates.to_vec(),
                    weighting: None,
                    quorum_bp: None,
                    threshold: None,
                    deadline: None,
                    budget_dkk: None,
                },
            )
            .await
            .expect("round")
            .round;
            for m in members.iter().filter(|m| closed || m.code != "0101") {
                let board = ctx(&m.code, &format!("Direktionen i {}", m.name), vec![Role::Board]);
                sessions::rounds::cast(store, &board, &round.id, ballot(method, candidates, &mut rng))
                    .await
                    .expect("ballot");
            }
            if closed {
                sessions::rounds::close(store, &chair, &round.id).await.expect("close");
                rounds.closed.push((method, round.id));
            } else {
                rounds.open.push((method, round.id));
            }
        }
    }
    rounds
}

fn main() {
    let runs: usize = std::env::var("SAMPRIO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let d = data();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (store, rounds) = rt.block_on(async {
        let store = SqliteStore::connect(&url).await.expect("sqlite");
        seed(&store, &d).await;
        let rounds = seed_rounds(&store, &d.members).await;
        (Arc::new(store) as Arc<dyn Store>, rounds)
    });
    let auth = AuthConfig::default();
    let keys = DevKeys::load_or_create(dir.path(), &auth.audience, vec![]).expect("dev key");
    let verifier = Verifier::from_config_with_dev(&auth, Some(&keys)).expect("verifier");
    let me = d.members.iter().find(|m| m.code == "0101").expect("København");
    let token = keys
        .minter
        .mint("bench-direktion", &me.code, &[Role::Board], Duration::from_secs(3600));
    let chair_token = keys.minter.mint(
        "bench-formand",
        &me.code,
        &[Role::Board, Role::Chair(ROUNDS_COOP.into())],
        Duration::from_secs(3600),
    );
    let router = web::router(Web {
        events: samprio_server::domain::fanout::Fanout::new(store.clone(), |e, redacted| (e, redacted)),
        stopping: tokio::sync::watch::channel(false).1,
        stale_after_days: samprio_server::domain::follow_up::DEFAULT_STALE_AFTER_DAYS,
        store,
        verifier: Arc::new(verifier),
        sign_in: SignIn::Dev(Arc::new(keys)),
        secure_cookies: false,
        overviews: Default::default(),
        opportunities: Default::default(),
    });
    let mine = d
        .overrides
        .iter()
        .find(|o| o.municipality == me.code)
        .expect("an override of København");
    let board = format!("samprio_session={token}");
    let chair = format!("samprio_session={chair_token}");
    let mut pages: Vec<(String, String, &str)> = [
        ("cooperation home", format!("/c/{COOP}")),
        ("proposals", format!("/c/{COOP}/proposals")),
        ("proposal with history", format!("/proposals/{}", mine.proposal_id)),
        ("board page (effective list)", format!("/c/{COOP}/board")),
        (
            "override form",
            format!("/c/{COOP}/overrides/new?proposal={}", mine.proposal_id),
        ),
        ("override with history", format!("/overrides/{}", mine.id)),
        ("accountability matrix", format!("/c/{COOP}/accountability")),
        ("member report", format!("/c/{COOP}/accountability/{}", me.code)),
        ("event log, first page", format!("/c/{COOP}/events")),
        ("event log, last page", format!("/c/{COOP}/events?after=3200")),
        ("chain verification (whole log)", format!("/c/{COOP}/events/verify")),
    ]
    .into_iter()
    .map(|(name, path)| (name.to_string(), path, board.as_str()))
    .collect();
    pages.push((
        "open-round form (chair)".into(),
        format!("/sessions/{}/rounds/new", rounds.session),
        &chair,
    ));
    for (method, id) in &rounds.open {
        pages.push((format!("ballot page, {method}"), format!("/rounds/{id}"), &board));
    }
    for (method, id) in &rounds.closed {
        pages.push((format!("results, {method}"), format!("/rounds/{id}"), &board));
    }
    println!(
        "{} members × {PRIORITIES} priorities, {} overrides, {} events; rounds of {ROUND_CANDIDATES} candidates; \
         {runs} runs per page",
        d.members.len(),
        d.overrides.len(),
        1 + d.proposals.len() + d.overrides.len()
    );
    println!("{:<34} {:>10} {:>10} {:>9}", "page", "median", "slowest", "bytes");
    for (name, path, cookie) in pages {
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for i in 0..WARM_UP + runs {
            let request = Request::get(&path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request");
            let started = Instant::now();
            let body = rt.block_on(async {
                let response = router.clone().oneshot(request).await.expect("infallible");
                assert_eq!(response.status(), StatusCode::OK, "{name}: {path}");
                axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .expect("body")
            });
            let took = started.elapsed();
            if i >= WARM_UP {
                times.push(took);
                bytes = body.len();
            }
        }
        times.sort();
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{name:<34} {:>10} {:>10} {bytes:>9}",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
}
