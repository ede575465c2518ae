//! Effective list and cooperation overview benchmarks for DESIGN.md §10:
//! reads of the effective list in well under a millisecond of server time for
//! 100 members × 300 priorities, here with an override on a tenth of the
//! priorities for every member (30 each, 3 000 in all) and a few proposals
//! adopted locally.
//!
//! `pure/…` measures the computation alone; `sqlite/…` the whole read path a
//! request takes below gRPC (read transaction, access check, queries,
//! decoding, computation) on a SQLite file seeded through the store.
//!
//! ```sh
//! cargo bench -p samprio-server --bench effective
//! ```

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use samprio_server::auth::{Principal, Role};
use samprio_server::domain::model::{
    Actor, Category, Cooperation, Flags, Member, OverrideKind, PriorityList, Proposal, ProposalContent, ProposalStatus,
    Rules, Weighting,
};
use samprio_server::domain::overrides::effective::{self, Deviation};
use samprio_server::domain::overrides::{self, Change, Override};
use samprio_server::domain::write::{Ctx, now_micros};
use samprio_server::store::{SqliteStore, Store};

const COOP: &str = "bench";
const MEMBERS: usize = 100;
const PRIORITIES: usize = 300;
/// Proposals submitted but not on the shared list, for local adoption.
const NOT_SHARED: usize = 10;
const OVERRIDES_PER_MEMBER: usize = PRIORITIES / 10;
const AS_OF: &str = "2026-06-01";

/// Knuth's MMIX LCG, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn code(m: usize) -> String {
    format!("{:04}", 100 + m)
}

fn proposal_id(i: usize) -> String {
    format!("01900000-0000-7000-8000-{i:012}")
}

struct Data {
    members: Vec<Member>,
    proposals: Vec<Proposal>,
    list: PriorityList,
    overrides: Vec<Override>,
}

fn data() -> Data {
    let members = (0..MEMBERS)
        .map(|m| Member {
            cooperation_id: COOP.into(),
            code: code(m),
            name: format!("Kommune {m}"),
            population: 20_000 + m as i64 * 3_000,
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
                summary: "Udbud og implementering af en fælles løsning for de deltagende kommuner, \
                          med tilhørende drift, support og videreudvikling i aftaleperioden."
                    .into(),
                category: Category::SharedProcurement,
                flags: Flags {
                    personal_data: i % 3 == 0,
                    ..Flags::default()
                },
                one_time_cost_dkk: 1_000_000 + i as i64 * 1_000,
                yearly_cost_dkk: 100_000,
                linked_systems: vec!["ESDH".into(), "Fagsystem".into()],
            },
            sponsor: code(i % MEMBERS),
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
    for m in 0..MEMBERS {
        let mut picked = std::collections::HashSet::new();
        while picked.len() < OVERRIDES_PER_MEMBER {
            picked.insert(rng.below(PRIORITIES));
        }
        let mut picked: Vec<usize> = picked.into_iter().collect();
        picked.sort_unstable();
        let mut targets: Vec<(usize, OverrideKind)> = picked
            .into_iter()
            .map(|i| {
                let kind = match rng.below(3) {
                    0 => OverrideKind::OptOut,
                    1 => OverrideKind::Defer,
                    _ => OverrideKind::Rerank,
                };
                (i, kind)
            })
            .collect();
        if m % 5 == 0 {
            targets.push((PRIORITIES + rng.below(NOT_SHARED), OverrideKind::AdoptLocal));
        }
        for (i, kind) in targets {
            overrides.push(Override {
                id: format!("01900000-0000-7000-9000-{:012}", overrides.len()),
                cooperation_id: COOP.into(),
                municipality: code(m),
                proposal_id: proposal_id(i),
                kind,
                defer_until: (kind == OverrideKind::Defer).then(|| "2099-01-01".to_string()),
                local_rank: (kind == OverrideKind::Rerank).then(|| rng.below(PRIORITIES) as u32 + 1),
                justification: "Kommunen har en nyere lokal løsning, som først kan udfases ved kontraktudløb.".into(),
                board_resolution: "Direktionsmøde 2026-05-12, pkt. 4".into(),
                set_by: Actor {
                    sub: format!("board-{m}"),
                    municipality: code(m),
                    roles: vec!["board".into()],
                    name: String::new(),
                },
                set_time: 0,
                expires_on: (i % 4 == 0).then(|| "2099-12-31".to_string()),
                list_revision: 12,
                shared_rank_at_set: (i < PRIORITIES).then(|| i as u32 + 1),
                revoked: false,
                version: 1,
                change: Change::Set,
            });
        }
    }
    Data {
        members,
        proposals,
        list,
        overrides,
    }
}

async fn seed(store: &dyn Store, d: &Data) {
    let mut tx = store.write().await.expect("write");
    let coop = Cooperation {
        id: COOP.into(),
        name: "Benchmark".into(),
        rules: Rules {
            default_weighting: Weighting::Equal,
            default_quorum_bp: 5000,
            allow_delegated_voting: false,
        },
        create_time: 0,
        update_time: 0,
        version: 1,
        member_count: 0,
    };
    let mut seq = 1;
    tx.insert_cooperation(&coop, seq).await.expect("cooperation");
    for m in &d.members {
        tx.insert_member(m).await.expect("member");
    }
    for p in &d.proposals {
        seq += 1;
        tx.insert_proposal(p, seq).await.expect("proposal");
    }
    tx.insert_priority_list(&d.list).await.expect("list");
    for o in &d.overrides {
        seq += 1;
        tx.insert_override(o, seq).await.expect("override");
    }
    tx.commit().await.expect("commit");
}

fn bench(c: &mut Criterion) {
    let d = data();
    let mine: Vec<Override> = d
        .overrides
        .iter()
        .filter(|o| o.municipality == code(0))
        .cloned()
        .collect();
    let titles: HashMap<&str, &str> = d
        .proposals
        .iter()
        .map(|p| (p.id.as_str(), p.content.title.as_str()))
        .collect();
    // In the order the store reads them: by proposal, then member.
    let mut sorted: Vec<Deviation> = d.overrides.iter().map(Deviation::of).collect();
    sorted.sort_by_key(|d| (d.proposal_id, d.municipality));
    let deviations = || sorted.iter().copied();

    let mut pure = c.benchmark_group("pure");
    pure.bench_function("effective list (1 member, 31 overrides)", |b| {
        b.iter(|| effective::effective(black_box(&d.list), black_box(&mine), AS_OF))
    });
    pure.bench_function("effective list with titles and views", |b| {
        b.iter(|| overrides::effective_view(black_box(&d.list), black_box(&mine), &titles, "0100", AS_OF))
    });
    pure.bench_function("overview (100 members, 3 020 overrides)", |b| {
        b.iter(|| effective::overview(black_box(&d.list), deviations(), AS_OF))
    });
    pure.bench_function("overview with titles", |b| {
        b.iter(|| overrides::overview_view(black_box(&d.list), deviations(), &titles, AS_OF))
    });
    pure.finish();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = rt.block_on(async {
        let store = SqliteStore::connect(&url).await.expect("sqlite");
        seed(&store, &d).await;
        store
    });
    let ctx = Ctx {
        principal: Principal {
            sub: "observer".into(),
            municipality: code(1),
            roles: vec![Role::Observer],
            issuer: "bench".into(),
            name: None,
        },
        request_id: String::new(),
        fingerprint: String::new(),
        now: now_micros(),
        system: false,
    };
    let check = rt.block_on(overrides::effective_list(&store, &ctx, COOP, &code(0), AS_OF));
    let check = check.expect("effective list");
    assert_eq!(check.items.len() + check.set_apart.len(), PRIORITIES + 1);

    let mut sqlite = c.benchmark_group("sqlite");
    sqlite.bench_function("GetEffectiveList read path", |b| {
        b.iter(|| rt.block_on(overrides::effective_list(&store, &ctx, COOP, &code(0), AS_OF)))
    });
    // Steady state: nothing changed since the last read, the overview comes
    // from the cache after the snapshot's check.
    let cache = overrides::OverviewCache::default();
    sqlite.bench_function("GetCooperationOverview read path", |b| {
        b.iter(|| rt.block_on(overrides::overview(&store, &ctx, COOP, &cache)))
    });
    // The first read after a change: computed from the database.
    sqlite.bench_function("GetCooperationOverview read path, after a change", |b| {
        b.iter(|| {
            rt.block_on(overrides::overview(
                &store,
                &ctx,
                COOP,
                &overrides::OverviewCache::default(),
            ))
        })
    });
    sqlite.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
