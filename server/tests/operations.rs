//! What an operator sees of a running `samprio-server` process (DESIGN.md
//! §9): one access-log line per call, a start-up log without database
//! notices, and a SQLite file locked by another process answered with
//! UNAVAILABLE after a bounded wait, then served again once it is free.

use std::time::{Duration, Instant};

use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::samprio_server::auth::Role;
use samprio_e2e::{Engine, MUNICIPALITIES, ServerProcess, TestApp};
use sqlx::Connection;
use tonic::Code;

/// A server process on `database_url`, seeded with the test cooperation
/// through an in-process server first; the process and an operator token.
async fn server_process(engine: Engine, dir: &std::path::Path, database_url: String) -> (ServerProcess, String) {
    let app = TestApp::spawn_on(engine, database_url.clone(), tempfile::tempdir().unwrap(), |_| {}).await;
    app.seed_default().await;
    let (config, minter) = app.process_config(dir, &MUNICIPALITIES.map(String::from), "");
    app.stop().await;
    let token = minter.mint(
        "user-0101",
        "0101",
        &[Role::Operator, Role::DigitalLead],
        Duration::from_secs(600),
    );
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_samprio-server"));
    (ServerProcess::start(bin, &config), token)
}

fn create(id: &str) -> pb::CreateCooperationRequest {
    pb::CreateCooperationRequest {
        id: id.into(),
        name: format!("Samarbejde {id}"),
        request_id: format!("create-{id}"),
        ..Default::default()
    }
}

/// The start-up log of a second start on an existing database: no line
/// mentions tables that already exist (migrations are quiet when there is
/// nothing to do).
fn assert_quiet_start(server: &ServerProcess) {
    let noisy: Vec<String> = server
        .log_lines()
        .into_iter()
        .filter(|l| l.contains("already exists") || l.to_lowercase().contains("notice"))
        .collect();
    assert!(noisy.is_empty(), "start-up log has database notices: {noisy:#?}");
}

/// One JSON line per call on the `samprio::access` target, with the
/// method, the status code, the latency and the caller.
async fn assert_access_log(server: &ServerProcess, token: &str) {
    let client = Client::connect(&server.addr, token).await.unwrap();
    client
        .cooperations()
        .list_cooperations(pb::ListCooperationsRequest::default())
        .await
        .expect("ListCooperations");
    let err = client
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest {
            id: "finnes-ikke".into(),
        })
        .await
        .expect_err("no such cooperation");
    assert_eq!(err.code(), Code::NotFound);

    let line = |method: &'static str, code: &'static str| {
        server.wait_for_log(Duration::from_secs(10), move |v| {
            v["target"] == "samprio::access"
                && v["fields"]["method"].as_str().is_some_and(|m| m.ends_with(method))
                && v["fields"]["code"] == code
        })
    };
    for (method, code) in [("ListCooperations", "OK"), ("GetCooperation", "NOT_FOUND")] {
        let v = line(method, code)
            .unwrap_or_else(|| panic!("no access-log line for {method} {code}; log: {:#?}", server.log_lines()));
        assert!(v["fields"]["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{v}");
        assert!(
            v["fields"]["peer"]
                .as_str()
                .is_some_and(|p| p.starts_with("127.0.0.1:")),
            "{v}"
        );
        assert_eq!(v["fields"]["caller"], "user-0101", "the caller is named: {v}");
        assert_eq!(v["fields"]["municipality"], "0101", "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_log_and_quiet_start_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("samprio.db").display());
    let (server, token) = server_process(Engine::Sqlite, dir.path(), database_url).await;
    assert_quiet_start(&server);
    assert_access_log(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn access_log_and_quiet_start_postgres() {
    let Some(admin) = samprio_e2e::postgres_admin_url() else {
        return;
    };
    let database_url = samprio_e2e::fresh_postgres_db(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    // The in-process seeding ran the migrations; this start finds them done.
    let (server, token) = server_process(Engine::Postgres, dir.path(), database_url).await;
    assert_quiet_start(&server);
    assert_access_log(&server, &token).await;
}

/// Another process holds the SQLite file's write lock (here: this test,
/// beside the server process). Writes wait the bounded busy timeout and
/// answer UNAVAILABLE, within the client's deadline; once the lock is
/// released the same request succeeds without a restart and nothing
/// acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_locked_by_another_process_is_unavailable_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("samprio.db");
    let database_url = format!("sqlite://{}", file.display());
    let (server, token) = server_process(Engine::Sqlite, dir.path(), database_url.clone()).await;
    let client = Client::connect(&server.addr, &token).await.unwrap();
    client
        .cooperations()
        .create_cooperation(create("foer-laasen"))
        .await
        .expect("a write before the lock");

    let mut other = sqlx::SqliteConnection::connect(&database_url).await.unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut other).await.unwrap();

    let mut request = tonic::Request::new(create("under-laasen"));
    request.set_timeout(Duration::from_secs(30));
    let started = Instant::now();
    let s = client
        .cooperations()
        .create_cooperation(request)
        .await
        .expect_err("the file is locked by another process");
    let waited = started.elapsed();
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    eprintln!("locked SQLite file: UNAVAILABLE after {waited:?}: {}", s.message());

    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    // For a moment after a failure writes fail at once rather than each
    // waiting out the busy timeout again; then the same request succeeds.
    let started = Instant::now();
    let mut tries = 0;
    loop {
        match client.cooperations().create_cooperation(create("under-laasen")).await {
            Ok(_) => break,
            Err(s) if s.code() == Code::Unavailable && tries < 100 => tries += 1,
            Err(s) => panic!("no recovery after the lock was released: {s:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("locked SQLite file: served again {:?} after release", started.elapsed());
    for id in ["foer-laasen", "under-laasen"] {
        client
            .cooperations()
            .get_cooperation(pb::GetCooperationRequest { id: id.into() })
            .await
            .expect("acknowledged writes are stored");
    }
    assert!(samprio_e2e::verify_chain(&client).await.ok);
}
