//! Durability (DESIGN.md §10): a server killed with SIGKILL while members are
//! casting ballots loses no acknowledged ballot, and retrying the requests that
//! were in flight (same request_id) records each of them exactly once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::samprio_server::auth::Role;
use samprio_e2e::{
    Engine, ServerProcess, TestApp, fresh_postgres_db, load_codes, postgres_admin_url, verify_chain, yes_ballot,
};

const MEMBERS: usize = 16;

/// Per member: the highest request number acknowledged, and the one that was
/// in flight when the server died.
#[derive(Default, Clone, Copy, Debug)]
struct Progress {
    acked: Option<u32>,
    in_flight: Option<u32>,
}

async fn crash_while_casting(engine: Engine) {
    let db_dir = tempfile::tempdir().unwrap();
    let database_url = match engine {
        Engine::Sqlite => format!("sqlite://{}", db_dir.path().join("samprio.db").display()),
        Engine::Postgres => fresh_postgres_db(&postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL")).await,
    };
    let codes = load_codes(MEMBERS);

    // Set up the cooperation and an open round in-process, then hand the
    // database to a real server process.
    let app = TestApp::spawn_on(engine, database_url.clone(), tempfile::tempdir().unwrap(), |c| {
        c.auth.issuers[0].municipalities.extend(load_codes(MEMBERS))
    })
    .await;
    let round_id = app.ballot_box(MEMBERS).await;
    let (config, minter) = app.process_config(db_dir.path(), &codes, "");
    app.stop().await;
    let token = |code: &str, role: Role| minter.mint(&format!("user-{code}"), code, &[role], Duration::from_secs(600));
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_samprio-server"));

    let mut server = ServerProcess::start(bin, &config);
    let client = Client::connect(&server.addr, "").await.unwrap();
    let round = client
        .as_token(&token("1001", Role::Board))
        .unwrap()
        .sessions()
        .get_round(pb::GetRoundRequest { id: round_id.clone() })
        .await
        .unwrap()
        .into_inner();
    let candidate = round.candidates[0].clone();

    let progress: Arc<Mutex<HashMap<String, Progress>>> = Arc::default();
    let acks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for code in &codes {
        let c = client.as_token(&token(code, Role::Board)).unwrap();
        let (progress, acks, round_id, candidate, code) = (
            progress.clone(),
            acks.clone(),
            round_id.clone(),
            candidate.clone(),
            code.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in 1u32.. {
                progress.lock().unwrap().entry(code.clone()).or_default().in_flight = Some(n);
                let req = yes_ballot(&round_id, &candidate, format!("{code}-{n}"));
                match c.sessions().cast_ballot(req).await {
                    Ok(b) => {
                        let b = b.into_inner();
                        assert_eq!(b.version, n, "one version per request");
                        let mut p = progress.lock().unwrap();
                        let e = p.entry(code.clone()).or_default();
                        e.acked = Some(n);
                        e.in_flight = None;
                        acks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    while acks.load(std::sync::atomic::Ordering::SeqCst) < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    for t in tasks {
        t.await.unwrap();
    }
    let progress = progress.lock().unwrap().clone();
    assert!(
        progress.values().any(|p| p.in_flight.is_some()),
        "the crash hit requests in flight"
    );

    // Restart on the same database; retry what was in flight.
    let server = ServerProcess::start(bin, &config);
    let client = Client::connect(&server.addr, "").await.unwrap();
    for (code, p) in &progress {
        if let Some(n) = p.in_flight {
            let c = client.as_token(&token(code, Role::Board)).unwrap();
            let b = c
                .sessions()
                .cast_ballot(yes_ballot(&round_id, &candidate, format!("{code}-{n}")))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(
                b.version, n,
                "{code}: the retried request is recorded once, as version {n}"
            );
        }
    }
    let chair = client
        .as_token(&token("1001", Role::Chair(samprio_e2e::COOP.into())))
        .unwrap();
    chair
        .sessions()
        .close_round(pb::CloseRoundRequest {
            id: round_id.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let ballots = chair
        .sessions()
        .list_ballots(pb::ListBallotsRequest {
            round_id: round_id.clone(),
            include_history: true,
        })
        .await
        .unwrap()
        .into_inner()
        .ballots;
    for (code, p) in &progress {
        let mut versions: Vec<u32> = ballots
            .iter()
            .filter(|b| &b.municipality == code)
            .map(|b| b.version)
            .collect();
        versions.sort();
        let expected = p.in_flight.or(p.acked).unwrap_or(0);
        assert_eq!(
            versions,
            (1..=expected).collect::<Vec<_>>(),
            "{code}: every acknowledged ballot kept, none twice ({p:?})"
        );
        let current: Vec<_> = ballots
            .iter()
            .filter(|b| &b.municipality == code && b.current)
            .collect();
        assert_eq!(current.len(), usize::from(expected > 0), "{code}: one current ballot");
    }
    let v = verify_chain(&chair).await;
    assert!(v.ok, "{v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_loses_no_acknowledged_ballot() {
    crash_while_casting(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn postgres_kill_9_loses_no_acknowledged_ballot() {
    crash_while_casting(Engine::Postgres).await;
}
