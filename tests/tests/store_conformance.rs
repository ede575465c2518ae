//! One conformance suite for the `Store` trait, run against both engines:
//! the same calls must give the same results and the same errors.

use std::sync::Arc;
use std::time::Duration;

use samprio_e2e::samprio_server::domain::model::OverrideKind;
use samprio_e2e::samprio_server::domain::model::portfolio::PortfolioSystem;
use samprio_e2e::samprio_server::domain::model::{
    Actor, Cooperation, Event, Member, PriorityList, Proposal, ProposalContent, ProposalStatus, Rules, Weighting,
};
use samprio_e2e::samprio_server::domain::model::{DecisionLevel, Method, RoundState, SessionState};
use samprio_e2e::samprio_server::domain::overrides::{Change, Override};
use samprio_e2e::samprio_server::domain::sessions::model::{Ballot, BallotContent, Minutes, Round, Session};
use samprio_e2e::samprio_server::store::{self, OverrideFilter, Store, StoreError};
use samprio_e2e::{Engine, fresh_postgres_db, postgres_admin_url};

/// A fresh, empty store of the engine.
async fn fresh(engine: Engine) -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("c.db").display()),
        Engine::Postgres => fresh_postgres_db(&postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL")).await,
    };
    (store::connect(&url).await.unwrap(), dir)
}

/// Runs each `async fn(Engine, Arc<dyn Store>)` on a fresh store of each engine.
macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    let (s, _dir) = fresh(Engine::Sqlite).await;
                    super::$name(Engine::Sqlite, s).await
                }

                #[tokio::test]
                #[cfg_attr(not(samprio_pg), ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it")]
                async fn postgres() {
                    let (s, _dir) = fresh(Engine::Postgres).await;
                    super::$name(Engine::Postgres, s).await
                }
            }
        )+
    };
}

conformance!(
    records_round_trip,
    constraint_violations_are_named_errors,
    conditional_updates_detect_stale_versions,
    proposals_list_by_status_in_sequence_order,
    events_and_priority_lists,
    uncommitted_writes_are_invisible_and_roll_back,
    batched_writes_keep_good_slots_and_drop_failed_ones,
    queued_ballots_survive_the_slots_around_them,
    a_queued_ballot_that_replaces_no_stored_one_fails_its_batch,
    a_batch_commits_when_the_write_committing_it_is_cancelled,
    sessions_and_rounds_round_trip,
    one_current_ballot_per_member_is_a_schema_constraint,
    overrides_keep_every_version,
    one_active_override_per_member_and_proposal_is_a_schema_constraint,
    override_reads_for_lists_and_reports,
    portfolio_revisions_move_with_every_system_write,
);

/// Runs each `async fn(Engine)` (a test that opens its own stores) on each
/// engine.
macro_rules! per_engine {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test]
                async fn sqlite() {
                    super::$name(Engine::Sqlite).await
                }

                #[tokio::test]
                #[cfg_attr(not(samprio_pg), ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it")]
                async fn postgres() {
                    super::$name(Engine::Postgres).await
                }
            }
        )+
    };
}

per_engine!(
    writers_are_serialised,
    an_abandoned_write_releases_the_write_lock,
    cancelled_writes_leave_the_write_lock_free,
);

fn coop(id: &str) -> Cooperation {
    Cooperation {
        id: id.into(),
        name: format!("Cooperation {id}"),
        rules: Rules {
            default_weighting: Weighting::Population,
            default_quorum_bp: 5000,
            allow_delegated_voting: false,
        },
        create_time: 1,
        update_time: 1,
        version: 1,
        member_count: 0,
    }
}

fn member(coop: &str, code: &str) -> Member {
    Member {
        cooperation_id: coop.into(),
        code: code.into(),
        name: format!("M{code}"),
        population: 1000,
        population_date: None,
        custom_weight: None,
        joined_on: "2026-01-01".into(),
        left_on: None,
        version: 1,
    }
}

fn proposal(coop: &str, id: &str, sponsor: &str, status: ProposalStatus) -> Proposal {
    Proposal {
        id: id.into(),
        cooperation_id: coop.into(),
        content: ProposalContent {
            title: format!("P {id}"),
            summary: String::new(),
            category: samprio_e2e::samprio_server::domain::model::Category::Other,
            flags: Default::default(),
            one_time_cost_dkk: 1,
            yearly_cost_dkk: 0,
            linked_systems: vec![],
        },
        sponsor: sponsor.into(),
        status,
        created_by: "s".into(),
        create_time: 1,
        update_time: 1,
        submit_time: None,
        submit_seq: None,
        decide_time: None,
        version: 1,
    }
}

fn event(seq: i64, coop: &str) -> Event {
    Event {
        seq,
        time: seq,
        actor: Actor {
            sub: "s".into(),
            municipality: "0101".into(),
            roles: vec!["operator".into()],
            name: String::new(),
        },
        action: "test.done".into(),
        subject: format!("x/{seq}"),
        cooperation_id: coop.into(),
        payload: "{}".into(),
        prev_hash: format!("{:064}", seq - 1),
        hash: format!("{seq:064}"),
    }
}

async fn seed(s: &dyn Store) {
    let mut tx = s.write().await.unwrap();
    tx.insert_cooperation(&coop("a"), 1).await.unwrap();
    tx.insert_cooperation(&coop("b"), 2).await.unwrap();
    for code in ["0101", "0147", "0151"] {
        tx.insert_member(&member("a", code)).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn records_round_trip(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.begin_read().await.unwrap();
    let c = tx.get_cooperation("a").await.unwrap().unwrap();
    assert_eq!(tx.count_current_members("a").await.unwrap(), 3, "{engine:?}");
    assert_eq!(c.rules.default_weighting, Weighting::Population, "{engine:?}");
    assert!(tx.get_cooperation("zz").await.unwrap().is_none(), "{engine:?}");
    let page = tx.list_cooperations(0, 1).await.unwrap();
    assert_eq!(
        page.iter().map(|(s, c)| (*s, c.id.as_str())).collect::<Vec<_>>(),
        [(1, "a")],
        "{engine:?}"
    );
    let page = tx.list_cooperations(1, 10).await.unwrap();
    assert_eq!(page.len(), 1, "{engine:?}");
    assert_eq!(page[0].1.member_count, 0, "{engine:?}");
    assert_eq!(
        tx.get_member("a", "0147").await.unwrap().unwrap(),
        member("a", "0147"),
        "{engine:?}"
    );
    let ms = tx.list_members("a", false, "0101", 10).await.unwrap();
    assert_eq!(
        ms.iter().map(|m| m.code.as_str()).collect::<Vec<_>>(),
        ["0147", "0151"],
        "{engine:?}"
    );
}

async fn constraint_violations_are_named_errors(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.write().await.unwrap();
    let e = tx.insert_member(&member("a", "0101")).await.unwrap_err();
    assert!(matches!(e, StoreError::Unique(_)), "{engine:?}: {e:?}");
    drop(tx);

    let mut tx = s.write().await.unwrap();
    let e = tx.insert_member(&member("nope", "0101")).await.unwrap_err();
    assert!(matches!(e, StoreError::ForeignKey(_)), "{engine:?}: {e:?}");
    drop(tx);

    let mut tx = s.write().await.unwrap();
    let e = tx
        .insert_proposal(&proposal("a", "p1", "0999", ProposalStatus::Draft), 10)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::ForeignKey(_)),
        "{engine:?}: sponsor must be a member: {e:?}"
    );
    drop(tx);

    let mut tx = s.write().await.unwrap();
    tx.insert_event(&event(1, "a")).await.unwrap();
    let e = tx.insert_event(&event(1, "a")).await.unwrap_err();
    assert!(matches!(e, StoreError::Unique(_)), "{engine:?}: {e:?}");
    drop(tx);

    let mut tx = s.write().await.unwrap();
    tx.put_idempotent("scope", "r1", "f", "{}", 1).await.unwrap();
    let e = tx.put_idempotent("scope", "r1", "f", "{}", 1).await.unwrap_err();
    assert!(matches!(e, StoreError::Unique(_)), "{engine:?}: {e:?}");
}

async fn conditional_updates_detect_stale_versions(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.write().await.unwrap();
    let mut c = tx.get_cooperation("a").await.unwrap().unwrap();
    c.version = 2;
    c.name = "Renamed".into();
    tx.update_cooperation(&c).await.unwrap();
    let e = tx.update_cooperation(&c).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict), "{engine:?}: the same version twice");
    let mut m = member("a", "0101");
    m.version = 5;
    assert!(
        matches!(tx.update_member(&m).await.unwrap_err(), StoreError::Conflict),
        "{engine:?}"
    );
    tx.commit().await.unwrap();
    let mut r = s.begin_read().await.unwrap();
    assert_eq!(
        r.get_cooperation("a").await.unwrap().unwrap().name,
        "Renamed",
        "{engine:?}"
    );
}

async fn proposals_list_by_status_in_sequence_order(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.write().await.unwrap();
    for (i, st) in [
        ProposalStatus::Draft,
        ProposalStatus::Submitted,
        ProposalStatus::Submitted,
        ProposalStatus::Adopted,
    ]
    .into_iter()
    .enumerate()
    {
        tx.insert_proposal(&proposal("a", &format!("p{i}"), "0101", st), 10 + i as i64)
            .await
            .unwrap();
    }
    let mut p = tx.get_proposal("p0").await.unwrap().unwrap();
    p.status = ProposalStatus::Submitted;
    p.version = 2;
    tx.update_proposal(&p).await.unwrap();
    tx.commit().await.unwrap();

    let mut r = s.begin_read().await.unwrap();
    let sub = r
        .list_proposals("a", Some(ProposalStatus::Submitted), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        sub.iter().map(|(s, p)| (*s, p.id.as_str())).collect::<Vec<_>>(),
        [(10, "p0"), (11, "p1"), (12, "p2")],
        "{engine:?}"
    );
    let after = r.list_proposals("a", None, 11, 10).await.unwrap();
    assert_eq!(
        after.iter().map(|(_, p)| p.id.as_str()).collect::<Vec<_>>(),
        ["p2", "p3"],
        "{engine:?}"
    );
    assert!(
        r.list_proposals("b", None, 0, 10).await.unwrap().is_empty(),
        "{engine:?}"
    );
}

async fn events_and_priority_lists(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut rx = s.subscribe();
    let start = *rx.borrow_and_update();
    let mut tx = s.write().await.unwrap();
    assert_eq!(tx.last_event().await.unwrap(), None, "{engine:?}");
    for seq in 1..=5 {
        tx.insert_event(&event(seq, if seq % 2 == 0 { "b" } else { "a" }))
            .await
            .unwrap();
    }
    tx.insert_priority_list(&PriorityList {
        cooperation_id: "a".into(),
        revision: 1,
        items: vec!["x".into()],
        update_time: 1,
        cause: "r".into(),
    })
    .await
    .unwrap();
    tx.insert_priority_list(&PriorityList {
        cooperation_id: "a".into(),
        revision: 2,
        items: vec!["y".into(), "x".into()],
        update_time: 2,
        cause: "r".into(),
    })
    .await
    .unwrap();
    assert_eq!(*rx.borrow(), start, "{engine:?}: nothing is announced before commit");
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|seq| *seq == 5))
        .await
        .expect("announced")
        .unwrap();

    let mut r = s.begin_read().await.unwrap();
    assert_eq!(r.last_event().await.unwrap().unwrap().0, 5, "{engine:?}");
    let a: Vec<i64> = r
        .list_events(Some("a"), 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(a, [1, 3, 5], "{engine:?}");
    let all: Vec<i64> = r.list_events(None, 2, 2).await.unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(all, [3, 4], "{engine:?}");
    assert_eq!(
        r.list_events(None, 0, 10).await.unwrap()[1],
        event(2, "b"),
        "{engine:?}"
    );
    assert_eq!(
        r.get_priority_list("a", None).await.unwrap().unwrap().revision,
        2,
        "{engine:?}"
    );
    assert_eq!(
        r.get_priority_list("a", Some(1)).await.unwrap().unwrap().items,
        ["x"],
        "{engine:?}"
    );
    assert!(r.get_priority_list("a", Some(3)).await.unwrap().is_none(), "{engine:?}");
    assert!(r.get_priority_list("b", None).await.unwrap().is_none(), "{engine:?}");
}

async fn uncommitted_writes_are_invisible_and_roll_back(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut w = s.write().await.unwrap();
    w.insert_member(&member("a", "0153")).await.unwrap();
    w.insert_event(&event(1, "a")).await.unwrap();
    {
        let mut r = s.begin_read().await.unwrap();
        assert!(
            r.get_member("a", "0153").await.unwrap().is_none(),
            "{engine:?}: read sees no uncommitted write"
        );
    }
    drop(w);
    let mut r = s.begin_read().await.unwrap();
    assert!(
        r.get_member("a", "0153").await.unwrap().is_none(),
        "{engine:?}: dropped transaction rolled back"
    );
    assert_eq!(r.last_event().await.unwrap(), None, "{engine:?}");
}

/// Writers of two processes on one database: the second begins only after
/// the first commits (within one process, the write queue already puts
/// every write into one transaction at a time).
async fn writers_are_serialised(engine: Engine) {
    let (s, s2, _dir) = two_stores(engine).await;
    seed(&*s).await;
    let mut first = s.write().await.unwrap();
    first.insert_event(&event(1, "a")).await.unwrap();
    let second = tokio::spawn(async move {
        let mut tx = s2.write().await.unwrap();
        // Begins only after the first commits, so it sees its event.
        let last = tx.last_event().await.unwrap();
        tx.insert_event(&event(2, "a")).await.unwrap();
        tx.commit().await.unwrap();
        last
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!second.is_finished(), "{engine:?}: a second writer waits for the first");
    first.commit().await.unwrap();
    let seen = second.await.unwrap();
    assert_eq!(seen.map(|(s, _)| s), Some(1), "{engine:?}");
}

#[tokio::test]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn postgres_announces_commits_to_other_processes() {
    let admin = postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL");
    let url = fresh_postgres_db(&admin).await;
    let one = store::connect(&url).await.unwrap();
    let two = store::connect(&url).await.unwrap();
    seed(&*one).await;
    let mut rx = two.subscribe();
    // Give the second store's listener a moment to LISTEN; a missed NOTIFY
    // would only be caught by its re-read on reconnect.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut tx = one.write().await.unwrap();
    tx.insert_event(&event(1, "a")).await.unwrap();
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|seq| *seq >= 1))
        .await
        .expect("the other store hears of the commit")
        .unwrap();

    // A ballot written the fast way is announced by the statement that
    // writes its event (see `store::appends`).
    open_round_r1(&*one).await;
    let mut slot = one.append_write().await.unwrap();
    slot.ballot_context("r1", "0101").await.unwrap().expect("round");
    let seq = slot.last_event().await.unwrap().map_or(1, |(seq, _)| seq + 1);
    slot.append_ballot(event(seq, "a"), ballot("r1", "0101", 1), None);
    slot.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|s| *s >= seq))
        .await
        .expect("the other store hears of the ballot")
        .unwrap();
}

async fn batched_writes_keep_good_slots_and_drop_failed_ones(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut slot = s.write().await.unwrap();
            match i % 4 {
                // A failing statement, then the slot is abandoned.
                0 => {
                    assert!(slot.insert_member(&member("a", "0101")).await.is_err());
                    false
                }
                // Writes, then abandoned (an error later in the request).
                1 => {
                    slot.insert_member(&member("a", &format!("{}", 2000 + i)))
                        .await
                        .unwrap();
                    false
                }
                _ => {
                    slot.insert_member(&member("a", &format!("{}", 2000 + i)))
                        .await
                        .unwrap();
                    slot.commit().await.unwrap();
                    true
                }
            }
        }));
    }
    let mut kept = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        if t.await.unwrap() {
            kept.push(format!("{}", 2000 + i));
        }
    }
    // Every kept slot was acknowledged only after its batch committed.
    let mut r = s.begin_read().await.unwrap();
    let codes: Vec<String> = r
        .list_members("a", true, "1999", 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.code)
        .collect();
    assert_eq!(
        codes, kept,
        "{engine:?}: committed slots are kept, failed and abandoned ones are not"
    );
}

/// Ballots queued by slots without a savepoint (`store::appends`) are
/// written with their batch whatever the slots around them do: a slot with a
/// savepoint that fails or is abandoned rolls back only its own writes, and a
/// replacement queued in the same run retires the version before it.
async fn queued_ballots_survive_the_slots_around_them(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    open_round_r1(&*s).await;
    let next_seq = |head: Option<(i64, String)>| head.map_or(1, |(seq, _)| seq + 1);

    let mut tasks = Vec::new();
    for i in 0..48usize {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                // A ballot, the fast way.
                0 | 1 => {
                    let municipality = ["0101", "0147", "0151"][i % 3];
                    let mut slot = s.append_write().await.unwrap();
                    let c = slot.ballot_context("r1", municipality).await.unwrap().expect("round");
                    assert!(c.member.is_some());
                    let version = c.current_version.map_or(1, |v| v + 1);
                    let seq = next_seq(slot.last_event().await.unwrap());
                    slot.append_ballot(event(seq, "a"), ballot("r1", municipality, version), None);
                    slot.commit().await.unwrap();
                    1
                }
                // A failing statement in a savepoint, then abandoned.
                2 => {
                    let mut slot = s.write().await.unwrap();
                    assert!(slot.insert_member(&member("a", "0101")).await.is_err());
                    0
                }
                // An event written and abandoned, or committed.
                _ => {
                    let mut slot = s.write().await.unwrap();
                    let seq = next_seq(slot.last_event().await.unwrap());
                    slot.insert_event(&event(seq, "a")).await.unwrap();
                    slot.insert_member(&member("a", &format!("{}", 3000 + i)))
                        .await
                        .unwrap();
                    if i % 8 == 3 {
                        return 0;
                    }
                    slot.commit().await.unwrap();
                    1
                }
            }
        }));
    }
    let mut written = 0;
    for t in tasks {
        written += t.await.unwrap();
    }
    let mut r = s.begin_read().await.unwrap();
    let events = r.list_events(None, 0, 1000).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=written).collect::<Vec<i64>>(),
        "{engine:?}: every kept event, no gap"
    );
    let ballots = r.list_ballots("r1", true).await.unwrap();
    assert_eq!(ballots.len(), 24, "{engine:?}: every queued ballot");
    for m in ["0101", "0147", "0151"] {
        let mine: Vec<(u32, bool)> = ballots
            .iter()
            .filter(|b| b.municipality == m)
            .map(|b| (b.version, b.current))
            .collect();
        let n = mine.len() as u32;
        let expected: Vec<(u32, bool)> = (1..=n).map(|v| (v, v == n)).collect();
        assert_eq!(mine, expected, "{engine:?}: {m}'s versions, the last one current");
    }
    let kept: Vec<String> = r
        .list_members("a", true, "2999", 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.code)
        .collect();
    let expected: Vec<String> = (0..48)
        .filter(|i| i % 4 == 3 && i % 8 != 3)
        .map(|i| format!("{}", 3000 + i))
        .collect();
    assert_eq!(
        kept, expected,
        "{engine:?}: abandoned slots rolled back, committed kept"
    );
}

/// A queued ballot's version counts on the stored current one; if that one
/// is not there (what the run read was stale), the batch fails as a whole
/// and writes nothing, rather than leaving two current ballots or none.
async fn a_queued_ballot_that_replaces_no_stored_one_fails_its_batch(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    open_round_r1(&*s).await;
    let head = s.begin_read().await.unwrap().last_event().await.unwrap();

    let mut slot = s.append_write().await.unwrap();
    let c = slot.ballot_context("r1", "0101").await.unwrap().expect("round");
    assert_eq!(c.current_version, None, "{engine:?}: no ballot yet");
    let seq = head.as_ref().map_or(1, |(seq, _)| seq + 1);
    slot.append_ballot(event(seq, "a"), ballot("r1", "0101", 2), None);
    assert!(
        matches!(slot.commit().await, Err(StoreError::Conflict)),
        "{engine:?}: version 2 replaces a version 1 that is not stored"
    );

    let mut r = s.begin_read().await.unwrap();
    assert!(r.list_ballots("r1", true).await.unwrap().is_empty(), "{engine:?}");
    assert_eq!(r.last_event().await.unwrap(), head, "{engine:?}: no event either");
}

/// The last write of a batch commits it for the others. When that write is
/// cancelled (its caller gave up) at any point, a write that waited for the
/// batch still hears of it, and if it was told its writes were kept, they
/// were: never acknowledged, then rolled back with the cancelled commit.
async fn a_batch_commits_when_the_write_committing_it_is_cancelled(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    for k in 0..40u32 {
        let mut first = s.write().await.unwrap();
        first
            .insert_member(&member("a", &format!("{}", 4000 + k)))
            .await
            .unwrap();
        let s2 = s.clone();
        let second = tokio::spawn(async move {
            let mut slot = s2.write().await?;
            slot.insert_member(&member("a", &format!("{}", 5000 + k))).await?;
            slot.commit().await
        });
        tokio::task::yield_now().await;
        // The second waits for the batch, so the first leaves the commit to it.
        let first = tokio::spawn(first.commit());
        // Cancelled at a different point each round: waiting for its slot,
        // inside it, releasing its savepoint, or committing.
        let until = std::time::Instant::now() + Duration::from_micros(u64::from(k) * 60);
        while std::time::Instant::now() < until {
            tokio::task::yield_now().await;
        }
        second.abort();
        let kept = tokio::time::timeout(Duration::from_secs(10), first)
            .await
            .unwrap_or_else(|_| panic!("{engine:?}: round {k}: the first write never hears of its batch"))
            .unwrap();
        let mut r = s.begin_read().await.unwrap();
        let stored = r.get_member("a", &format!("{}", 4000 + k)).await.unwrap().is_some();
        assert!(
            kept.is_err() || stored,
            "{engine:?}: round {k}: a write acknowledged as kept is not stored"
        );
    }
    write_member_promptly(engine, &*s, "0999").await;
}

/// Writes a member through `s`, which must get its turn within 5 s: a
/// transaction left holding the write lock would keep it waiting.
async fn write_member_promptly(engine: Engine, s: &dyn Store, code: &str) {
    let mut slot = tokio::time::timeout(Duration::from_secs(5), s.write())
        .await
        .unwrap_or_else(|_| panic!("{engine:?}: a transaction still holds the write lock"))
        .unwrap();
    slot.insert_member(&member("a", code)).await.unwrap();
    slot.commit().await.unwrap();
}

/// Two stores on one database, as two server processes would have.
async fn two_stores(engine: Engine) -> (Arc<dyn Store>, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("c.db").display()),
        Engine::Postgres => fresh_postgres_db(&postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL")).await,
    };
    let one = store::connect(&url).await.unwrap();
    let two = store::connect(&url).await.unwrap();
    (one, two, dir)
}

/// A write that is abandoned while nothing else waits for the batch (an
/// error, or a retried request answered from the record) must end its
/// transaction: it holds the write lock, which other processes wait for.
async fn an_abandoned_write_releases_the_write_lock(engine: Engine) {
    let (one, two, _dir) = two_stores(engine).await;
    seed(&*one).await;
    {
        let mut slot = one.write().await.unwrap();
        slot.get_member("a", "0101").await.unwrap();
        slot.insert_member(&member("a", "0153")).await.unwrap();
    }
    write_member_promptly(engine, &*two, "0155").await;
    let mut r = one.begin_read().await.unwrap();
    assert!(
        r.get_member("a", "0153").await.unwrap().is_none(),
        "{engine:?}: abandoned"
    );
    assert!(r.get_member("a", "0155").await.unwrap().is_some(), "{engine:?}");
}

/// Writes that are cancelled at any point (waiting for their batch, inside
/// it, or waiting for its commit) while other writes commit: the acknowledged
/// ones are kept, and no transaction is left holding the write lock (on
/// PostgreSQL the queue begins the next batch while one commits, for a write
/// that may be cancelled before it takes it).
async fn cancelled_writes_leave_the_write_lock_free(engine: Engine) {
    let (one, two, _dir) = two_stores(engine).await;
    seed(&*one).await;
    let mut tasks = Vec::new();
    for i in 0..300u32 {
        let s = one.clone();
        let code = format!("{}", 1000 + i);
        tasks.push(tokio::spawn(async move {
            let mut slot = s.write().await.unwrap();
            slot.insert_member(&member("a", &code)).await.unwrap();
            slot.commit().await.map(|()| code)
        }));
        if i % 3 == 0 {
            tokio::time::sleep(Duration::from_micros(u64::from(i % 11) * 150)).await;
            tasks[i as usize].abort();
        }
    }
    let mut kept = Vec::new();
    for t in tasks {
        let joined = tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .unwrap_or_else(|_| panic!("{engine:?}: a write waits for a commit that never comes"));
        if let Ok(result) = joined {
            kept.push(result.unwrap_or_else(|e| panic!("{engine:?}: {e}")));
        }
    }
    assert!(
        kept.len() >= 200,
        "{engine:?}: {} of 300 writes were acknowledged",
        kept.len()
    );
    // The last write arrives while a batch commits, and is cancelled before
    // it takes its slot: nothing comes after it to use or end a transaction
    // begun for it.
    for i in 0..20 {
        let mut slot = one.write().await.unwrap();
        slot.insert_member(&member("a", &format!("{}", 2000 + i)))
            .await
            .unwrap();
        let committing = tokio::spawn(slot.commit());
        tokio::task::yield_now().await;
        let s = one.clone();
        let late = tokio::spawn(async move { s.write().await.map(|_| ()) });
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        late.abort();
        committing.await.unwrap().unwrap();
        write_member_promptly(engine, &*two, &format!("{}", 3000 + i)).await;
    }
    write_member_promptly(engine, &*two, "0999").await;
    let mut r = two.begin_read().await.unwrap();
    for code in &kept {
        assert!(
            r.get_member("a", code).await.unwrap().is_some(),
            "{engine:?}: acknowledged member {code} is kept"
        );
    }
}

fn session(coop: &str, id: &str) -> Session {
    Session {
        id: id.into(),
        cooperation_id: coop.into(),
        title: format!("Session {id}"),
        scheduled_time: 1,
        agenda: vec![],
        state: SessionState::Open,
        attendance: vec![],
        created_by: "chair".into(),
        create_time: 1,
        open_time: Some(1),
        close_time: None,
        version: 1,
        kind: Default::default(),
        opened_by: None,
        closed_by: None,
        minute_taker: String::new(),
        notes: vec![],
        minutes_approval: None,
    }
}

fn round(session: &Session, id: &str, deadline: Option<i64>) -> Round {
    Round {
        id: id.into(),
        session_id: session.id.clone(),
        cooperation_id: session.cooperation_id.clone(),
        title: String::new(),
        method: Method::Approval,
        candidates: vec![],
        weighting: Weighting::Equal,
        quorum_bp: 5000,
        threshold: None,
        deadline,
        budget_dkk: None,
        state: RoundState::Open,
        decision_level: DecisionLevel::Delegated,
        weights: vec![],
        total_weight: 3,
        opened_by: Actor {
            sub: "chair".into(),
            municipality: "0101".into(),
            roles: vec![],
            name: String::new(),
        },
        open_time: 1,
        closed_by: None,
        close_time: None,
        cancel_reason: None,
        result: None,
        version: 1,
    }
}

/// Session "s1" of cooperation "a" with its open round "r1" (events 20, 21).
async fn open_round_r1(s: &dyn Store) {
    let s1 = session("a", "s1");
    let mut tx = s.write().await.unwrap();
    tx.insert_session(&s1, 20).await.unwrap();
    tx.insert_round(&round(&s1, "r1", None), 21).await.unwrap();
    tx.commit().await.unwrap();
}

fn ballot(round: &str, municipality: &str, version: u32) -> Ballot {
    Ballot {
        round_id: round.into(),
        municipality: municipality.into(),
        cast_by: format!("user-{municipality}"),
        cast_by_name: String::new(),
        role: "board".into(),
        cast_time: i64::from(version),
        content: BallotContent::Approval(vec![format!("p{version}")]),
        version,
        current: true,
        weight: 1,
    }
}

async fn sessions_and_rounds_round_trip(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.write().await.unwrap();
    let s1 = session("a", "s1");
    tx.insert_session(&s1, 20).await.unwrap();
    tx.insert_session(&session("a", "s2"), 21).await.unwrap();
    tx.insert_session(&session("b", "s3"), 22).await.unwrap();
    tx.insert_round(&round(&s1, "r-late", Some(300)), 30).await.unwrap();
    tx.insert_round(&round(&s1, "r-none", None), 31).await.unwrap();
    tx.insert_round(&round(&s1, "r-early", Some(100)), 32).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = s.write().await.unwrap();
    let e = tx
        .insert_round(&round(&session("a", "nope"), "r-x", None), 33)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::ForeignKey(_)),
        "{engine:?}: a round needs its session: {e:?}"
    );
    drop(tx);

    let mut tx = s.write().await.unwrap();
    let mut closed = tx.get_round("r-early").await.unwrap().unwrap();
    assert_eq!(closed, round(&s1, "r-early", Some(100)), "{engine:?}");
    closed.state = RoundState::Closed;
    closed.version = 2;
    tx.update_round(&closed).await.unwrap();
    assert!(
        matches!(tx.update_round(&closed).await.unwrap_err(), StoreError::Conflict),
        "{engine:?}: a stale round update"
    );
    let mut s2 = s1.clone();
    s2.state = SessionState::Closed;
    s2.version = 2;
    tx.update_session(&s2).await.unwrap();
    tx.insert_minutes(&Minutes {
        session_id: "s1".into(),
        markdown: "# Minutes".into(),
        create_time: 5,
        record: None,
        provenance: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut r = s.begin_read().await.unwrap();
    assert_eq!(
        r.get_session("s1").await.unwrap().unwrap().state,
        SessionState::Closed,
        "{engine:?}"
    );
    let page = r.list_sessions("a", 20, 10).await.unwrap();
    assert_eq!(
        page.iter().map(|(q, x)| (*q, x.id.as_str())).collect::<Vec<_>>(),
        [(21, "s2")],
        "{engine:?}"
    );
    let rounds = r.list_rounds("s1", 0, 10).await.unwrap();
    assert_eq!(
        rounds.iter().map(|(_, x)| x.id.as_str()).collect::<Vec<_>>(),
        ["r-late", "r-none", "r-early"],
        "{engine:?}: in the order they were opened"
    );
    let open: Vec<String> = r
        .list_open_rounds("a")
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(open, ["r-late", "r-none"], "{engine:?}");
    assert!(r.list_open_rounds("b").await.unwrap().is_empty(), "{engine:?}");
    assert!(
        r.due_rounds(299, 10).await.unwrap().is_empty(),
        "{engine:?}: closed or not yet due"
    );
    assert_eq!(r.due_rounds(300, 10).await.unwrap(), ["r-late"], "{engine:?}");
    assert!(r.round_is_open("r-late").await.unwrap(), "{engine:?}");
    assert!(!r.round_is_open("r-early").await.unwrap(), "{engine:?}");
    assert_eq!(
        r.get_minutes("s1").await.unwrap().unwrap().markdown,
        "# Minutes",
        "{engine:?}"
    );
    assert!(r.get_minutes("s2").await.unwrap().is_none(), "{engine:?}");
}

async fn one_current_ballot_per_member_is_a_schema_constraint(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let mut tx = s.write().await.unwrap();
    let s1 = session("a", "s1");
    tx.insert_session(&s1, 20).await.unwrap();
    tx.insert_round(&round(&s1, "r", None), 30).await.unwrap();
    tx.insert_ballot(&ballot("r", "0101", 1)).await.unwrap();
    tx.insert_ballot(&ballot("r", "0147", 1)).await.unwrap();
    tx.commit().await.unwrap();

    // A second current ballot without retiring the first is refused.
    let mut tx = s.write().await.unwrap();
    let e = tx.insert_ballot(&ballot("r", "0101", 2)).await.unwrap_err();
    assert!(matches!(e, StoreError::Unique(_)), "{engine:?}: {e:?}");
    drop(tx);

    let mut tx = s.write().await.unwrap();
    tx.retire_ballot("r", "0101", 1).await.unwrap();
    assert!(
        matches!(
            tx.retire_ballot("r", "0101", 1).await.unwrap_err(),
            StoreError::Conflict
        ),
        "{engine:?}: only a current ballot is retired"
    );
    tx.insert_ballot(&ballot("r", "0101", 2)).await.unwrap();
    tx.commit().await.unwrap();

    let mut r = s.begin_read().await.unwrap();
    let current = r.current_ballot("r", "0101").await.unwrap().unwrap();
    assert_eq!((current.version, current.current), (2, true), "{engine:?}");
    assert!(r.current_ballot("r", "0151").await.unwrap().is_none(), "{engine:?}");
    let all = r.list_ballots("r", true).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|b| (b.municipality.as_str(), b.version, b.current))
            .collect::<Vec<_>>(),
        [("0101", 1, false), ("0101", 2, true), ("0147", 1, true)],
        "{engine:?}"
    );
    assert_eq!(all[0].content, BallotContent::Approval(vec!["p1".into()]), "{engine:?}");
    let now: Vec<(String, u32)> = r
        .list_ballots("r", false)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.municipality, b.version))
        .collect();
    assert_eq!(now, [("0101".to_string(), 2), ("0147".to_string(), 1)], "{engine:?}");
}

fn override_(coop: &str, municipality: &str, proposal: &str, kind: OverrideKind) -> Override {
    Override {
        id: format!("o-{municipality}-{proposal}"),
        cooperation_id: coop.into(),
        municipality: municipality.into(),
        proposal_id: proposal.into(),
        kind,
        defer_until: (kind == OverrideKind::Defer).then(|| "2099-01-01".to_string()),
        local_rank: (kind == OverrideKind::Rerank).then_some(2),
        justification: "Lokal løsning kører til 2028".into(),
        board_resolution: "Direktionsmøde 2026-11-12, pkt. 4".into(),
        set_by: Actor {
            sub: "board".into(),
            municipality: municipality.into(),
            roles: vec!["board".into()],
            name: String::new(),
        },
        set_time: 100,
        expires_on: None,
        list_revision: 1,
        shared_rank_at_set: Some(1),
        revoked: false,
        version: 1,
        change: Change::Set,
    }
}

/// Cooperation `a` with proposals p1..p3 (p1, p2 on the list) and, for
/// 0101, a closed round with its ballot.
async fn seed_overrides(s: &dyn Store) {
    seed(s).await;
    let mut tx = s.write().await.unwrap();
    tx.insert_proposal(&proposal("a", "p1", "0101", ProposalStatus::Adopted), 10)
        .await
        .unwrap();
    tx.insert_proposal(&proposal("a", "p2", "0147", ProposalStatus::Adopted), 11)
        .await
        .unwrap();
    tx.insert_proposal(&proposal("a", "p3", "0147", ProposalStatus::Rejected), 12)
        .await
        .unwrap();
    tx.insert_proposal(&proposal("a", "p4", "0147", ProposalStatus::Draft), 13)
        .await
        .unwrap();
    tx.insert_priority_list(&PriorityList {
        cooperation_id: "a".into(),
        revision: 1,
        items: vec!["p1".into(), "p2".into()],
        update_time: 5,
        cause: "rounds/r".into(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn overrides_keep_every_version(engine: Engine, s: Arc<dyn Store>) {
    seed_overrides(&*s).await;
    let v1 = override_("a", "0101", "p1", OverrideKind::OptOut);
    let mut tx = s.write().await.unwrap();
    tx.insert_override(&v1, 50).await.unwrap();
    tx.commit().await.unwrap();

    let v2 = Override {
        kind: OverrideKind::Rerank,
        local_rank: Some(2),
        version: 2,
        set_time: 200,
        change: Change::Changed,
        ..v1.clone()
    };
    let mut tx = s.write().await.unwrap();
    tx.update_override(&v2).await.unwrap();
    assert!(
        matches!(tx.update_override(&v2).await.unwrap_err(), StoreError::Conflict),
        "{engine:?}: the same version twice is a conflict"
    );
    drop(tx);
    let mut tx = s.write().await.unwrap();
    tx.update_override(&v2).await.unwrap();
    let v3 = Override {
        revoked: true,
        version: 3,
        set_time: 300,
        change: Change::Revoked,
        ..v2.clone()
    };
    tx.update_override(&v3).await.unwrap();
    tx.commit().await.unwrap();

    let mut r = s.begin_read().await.unwrap();
    assert_eq!(r.get_override(&v1.id).await.unwrap(), Some(v3.clone()), "{engine:?}");
    assert_eq!(
        r.override_history(&v1.id).await.unwrap(),
        [v1.clone(), v2.clone(), v3.clone()],
        "{engine:?}"
    );
    assert_eq!(
        r.override_versions_between("a", 150, 300).await.unwrap(),
        [v2, v3],
        "{engine:?}: the versions recorded in a time window"
    );
    assert!(
        r.override_versions_between("b", 0, 1000).await.unwrap().is_empty(),
        "{engine:?}"
    );
    assert!(
        r.get_unrevoked_override("a", "0101", "p1").await.unwrap().is_none(),
        "{engine:?}: a revoked override is not the member's override any more"
    );
}

async fn one_active_override_per_member_and_proposal_is_a_schema_constraint(engine: Engine, s: Arc<dyn Store>) {
    seed_overrides(&*s).await;
    let first = override_("a", "0101", "p1", OverrideKind::OptOut);
    let mut tx = s.write().await.unwrap();
    tx.insert_override(&first, 50).await.unwrap();
    tx.commit().await.unwrap();

    let second = Override {
        id: "o-second".into(),
        ..first.clone()
    };
    let mut tx = s.write().await.unwrap();
    let e = tx.insert_override(&second, 51).await.unwrap_err();
    assert!(matches!(e, StoreError::Unique(_)), "{engine:?}: {e:?}");
    drop(tx);

    // Once the first is revoked, the member may set another.
    let mut tx = s.write().await.unwrap();
    tx.update_override(&Override {
        revoked: true,
        version: 2,
        change: Change::Revoked,
        ..first.clone()
    })
    .await
    .unwrap();
    tx.insert_override(&second, 51).await.unwrap();
    let e = tx
        .insert_override(&override_("a", "0999", "p1", OverrideKind::OptOut), 52)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::ForeignKey(_)),
        "{engine:?}: not a member: {e:?}"
    );
    drop(tx);
    let mut r = s.begin_read().await.unwrap();
    assert!(
        r.get_override("o-second").await.unwrap().is_none(),
        "{engine:?}: rolled back"
    );
}

async fn override_reads_for_lists_and_reports(engine: Engine, s: Arc<dyn Store>) {
    seed_overrides(&*s).await;
    let mut tx = s.write().await.unwrap();
    let expiring = Override {
        expires_on: Some("2026-06-30".into()),
        ..override_("a", "0101", "p1", OverrideKind::OptOut)
    };
    let rerank = override_("a", "0101", "p2", OverrideKind::Rerank);
    let local = override_("a", "0147", "p3", OverrideKind::AdoptLocal);
    let deferred = override_("a", "0151", "p1", OverrideKind::Defer);
    for (seq, o) in [(50, &expiring), (51, &rerank), (52, &local), (53, &deferred)] {
        tx.insert_override(o, seq).await.unwrap();
    }
    let s1 = session("a", "s1");
    tx.insert_session(&s1, 20).await.unwrap();
    let closed = Round {
        state: RoundState::Closed,
        ..round(&s1, "r1", None)
    };
    tx.insert_round(&closed, 30).await.unwrap();
    tx.insert_round(&round(&s1, "r2", None), 31).await.unwrap();
    tx.insert_ballot(&ballot("r1", "0101", 1)).await.unwrap();
    tx.insert_ballot(&ballot("r2", "0101", 1)).await.unwrap();
    tx.insert_ballot(&ballot("r1", "0147", 1)).await.unwrap();
    tx.commit().await.unwrap();

    let mut r = s.begin_read().await.unwrap();
    let on = |date| OverrideFilter {
        cooperation: "a",
        municipality: Some("0101"),
        proposal: None,
        in_force_on: Some(date),
    };
    let ids = |page: Vec<(i64, Override)>| page.into_iter().map(|(_, o)| o.id).collect::<Vec<_>>();
    assert_eq!(
        ids(r.list_overrides(&on("2026-06-30"), 0, 10).await.unwrap()),
        [expiring.id.clone(), rerank.id.clone()],
        "{engine:?}: in force through the expiry date"
    );
    assert_eq!(
        ids(r.list_overrides(&on("2026-07-01"), 0, 10).await.unwrap()),
        [rerank.id.as_str()],
        "{engine:?}"
    );
    let page = r
        .list_overrides(
            &OverrideFilter {
                cooperation: "a",
                ..Default::default()
            },
            50,
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        [51, 52],
        "{engine:?}"
    );

    let e = r.effective_reads("a", "0101", "2026-07-01").await.unwrap();
    assert!(e.is_member, "{engine:?}");
    assert_eq!(e.list.unwrap().items, ["p1", "p2"], "{engine:?}");
    assert_eq!(e.overrides, std::slice::from_ref(&rerank), "{engine:?}");
    let mut titles: Vec<(String, String)> = e.titles.iter().map(|(a, b)| (a.into(), b.into())).collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            ("p1".into(), "P p1".into()),
            ("p2".into(), "P p2".into()),
            ("p3".into(), "P p3".into())
        ],
        "{engine:?}: every title but the draft's"
    );
    assert!(
        !r.effective_reads("a", "0999", "2026-07-01").await.unwrap().is_member,
        "{engine:?}"
    );
    let none = r.effective_reads("b", "0101", "2026-07-01").await.unwrap();
    assert!(
        none.list.is_none() && none.overrides.is_empty() && none.titles.iter().next().is_none(),
        "{engine:?}"
    );

    let v = r.overview_reads("a", "2026-07-01").await.unwrap();
    let mut who: Vec<_> = v
        .deviations
        .iter()
        .map(|d| (d.proposal_id, d.municipality, d.kind, d.defer_until, d.local_rank))
        .collect();
    who.sort_by_key(|d| (d.0, d.1));
    assert_eq!(
        who,
        [
            ("p1", "0151", OverrideKind::Defer, Some("2099-01-01"), None),
            ("p2", "0101", OverrideKind::Rerank, None, Some(2)),
            ("p3", "0147", OverrideKind::AdoptLocal, None, None),
        ],
        "{engine:?}: what every override in force does"
    );

    let votes = r.member_ballots("a", "0101").await.unwrap();
    assert_eq!(
        votes
            .iter()
            .map(|(r, b)| (r.id.as_str(), b.municipality.as_str()))
            .collect::<Vec<_>>(),
        [("r1", "0101")],
        "{engine:?}: only the ballots of closed rounds are named votes"
    );
}

/// A kept portfolio is reused while its revision stands, so every write of a
/// system must move it, in the same transaction, and a rolled-back write
/// must not.
async fn portfolio_revisions_move_with_every_system_write(engine: Engine, s: Arc<dyn Store>) {
    seed(&*s).await;
    let revisions = |s: Arc<dyn Store>| async move {
        let mut tx = s.begin_read().await.unwrap();
        tx.portfolio_revisions("a").await.unwrap()
    };
    let at = |list: &[(String, i64)], code: &str| list.iter().find(|(c, _)| c == code).map(|(_, r)| *r);
    let before = revisions(s.clone()).await;
    assert_eq!(
        before,
        [
            ("0101".to_string(), 0),
            ("0147".to_string(), 0),
            ("0151".to_string(), 0)
        ],
        "current members by code, 0 before any system: {engine:?}"
    );

    let mut sys = PortfolioSystem::named("0101", "SBSYS");
    let mut seen = vec![0];
    let step = |seen: &mut Vec<i64>, what: &str, list: Vec<(String, i64)>| {
        let r = at(&list, "0101").unwrap();
        assert!(
            r > *seen.last().unwrap(),
            "{what} moves 0101's revision: {seen:?} then {r} ({engine:?})"
        );
        assert_eq!(at(&list, "0147"), Some(0), "{what} leaves 0147's alone ({engine:?})");
        seen.push(r);
    };

    let mut tx = s.write().await.unwrap();
    tx.insert_system(&sys).await.unwrap();
    tx.insert_system(&PortfolioSystem::named("0101", "Aula")).await.unwrap();
    tx.commit().await.unwrap();
    step(&mut seen, "two inserts in one write", revisions(s.clone()).await);

    sys.vendor = "Netcompany".into();
    let mut tx = s.write().await.unwrap();
    tx.update_system(&sys, 2).await.unwrap();
    tx.commit().await.unwrap();
    step(&mut seen, "an update", revisions(s.clone()).await);

    sys.yearly_cost_dkk = Some(400_000);
    let mut tx = s.write().await.unwrap();
    tx.replace_system(&sys).await.unwrap();
    tx.commit().await.unwrap();
    step(&mut seen, "a replace", revisions(s.clone()).await);

    let mut tx = s.write().await.unwrap();
    tx.delete_system("0101", &sys.id).await.unwrap();
    drop(tx);
    assert_eq!(
        at(&revisions(s.clone()).await, "0101"),
        seen.last().copied(),
        "a rolled-back delete leaves the revision ({engine:?})"
    );

    let mut tx = s.write().await.unwrap();
    tx.delete_system("0101", &sys.id).await.unwrap();
    tx.commit().await.unwrap();
    step(&mut seen, "a delete", revisions(s.clone()).await);

    let mut tx = s.write().await.unwrap();
    assert!(
        matches!(tx.update_system(&sys, 9).await, Err(StoreError::Conflict)),
        "{engine:?}"
    );
    drop(tx);
    assert_eq!(
        at(&revisions(s.clone()).await, "0101"),
        seen.last().copied(),
        "a failed update leaves the revision ({engine:?})"
    );
}
