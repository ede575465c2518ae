//! Bad input at the edge, end to end on both engines: every engine answers
//! the same malformed request with the same code, naming the field, and
//! quotes input only briefly (DESIGN.md §8).

use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, TestApp, content, e2e, violated_fields};
use tonic::Code;

fn invalid(r: Result<impl std::fmt::Debug, tonic::Status>, field: &str) -> tonic::Status {
    let s = r.expect_err("the request must be refused");
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert!(
        violated_fields(&s).iter().any(|f| f == field),
        "{field} not named in {:?}",
        violated_fields(&s)
    );
    s
}

async fn nul_and_control_characters_are_invalid_on_both_engines(app: TestApp) {
    app.seed_default().await;
    let op = app.operator();
    invalid(
        op.cooperations()
            .get_cooperation(pb::GetCooperationRequest {
                id: "kombit\0test".into(),
            })
            .await,
        "id",
    );
    invalid(
        op.cooperations()
            .list_members(pb::ListMembersRequest {
                cooperation_id: "\0".into(),
                ..Default::default()
            })
            .await,
        "cooperation_id",
    );
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    invalid(
        lead.create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content("Fælles ESDH", 1, false)),
            request_id: "retry\0".into(),
        })
        .await,
        "request_id",
    );
    invalid(
        lead.get_proposal(pb::GetProposalRequest { id: "\u{1b}[2J".into() })
            .await,
        "id",
    );
    invalid(
        app.as_("0147", &["observer"])
            .audit()
            .list_events(pb::ListEventsRequest {
                cooperation_id: "kombit-test\0".into(),
                ..Default::default()
            })
            .await,
        "cooperation_id",
    );
    let mut c = content("Fælles ESDH", 1, false);
    c.linked_systems = vec!["ESDH".into(), "SAP\0".into()];
    invalid(
        lead.create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(c),
            request_id: String::new(),
        })
        .await,
        "content.linked_systems[1]",
    );
}

async fn titles_that_look_empty_or_read_backwards_are_refused(app: TestApp) {
    app.seed_default().await;
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    for title in [
        "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
        "\u{E0041}\u{E0042} \u{3164}",
        "\u{202E}gnirpsdnuH",
        "Budget \u{2067}2027\u{2069}",
    ] {
        invalid(
            lead.create_proposal(pb::CreateProposalRequest {
                cooperation_id: COOP.into(),
                content: Some(content(title, 1, false)),
                request_id: String::new(),
            })
            .await,
            "content.title",
        );
    }
    // Right-to-left text with its marks, and emoji joined by ZWJ, are text.
    for title in [
        "\u{5E9}\u{5DC}\u{5D5}\u{5DD}\u{200F} ESDH",
        "Team \u{1F469}\u{200D}\u{1F4BB}",
    ] {
        lead.create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content(title, 1, false)),
            request_id: String::new(),
        })
        .await
        .expect("a visible title is fine");
    }
}

async fn messages_quote_input_only_briefly(app: TestApp) {
    app.seed_default().await;
    let long = "k".repeat(100_000);
    let s = app
        .operator()
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: long.clone() })
        .await
        .expect_err("no such cooperation");
    assert!(s.message().len() < 2048, "message of {} bytes", s.message().len());

    // Thousands of bad candidates: a short message, a bounded list of
    // violations, not a trailer of megabytes.
    let mut chair = app.chair().sessions();
    let session = chair
        .create_session(pb::CreateSessionRequest {
            cooperation_id: COOP.into(),
            title: "Møde".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let s = chair
        .open_round(pb::OpenRoundRequest {
            session_id: session.id,
            title: "Runde".into(),
            method: pb::Method::YesNo as i32,
            candidates: vec![long[..100].to_string(); 20_000],
            ..Default::default()
        })
        .await
        .expect_err("bad candidates");
    assert!(
        matches!(s.code(), Code::InvalidArgument | Code::FailedPrecondition),
        "{s:?}"
    );
    assert!(s.message().len() < 2048, "message of {} bytes", s.message().len());
    assert!(
        violated_fields(&s).len() <= 21,
        "{} violations",
        violated_fields(&s).len()
    );
    assert!(s.details().len() < 16 * 1024, "details of {} bytes", s.details().len());
}

async fn numbers_that_reach_sums_have_bounds(app: TestApp) {
    app.seed_default().await;
    let mut coops = app.secretariat().cooperations();
    for (population, weight, field) in [
        (100_000_001, None, "population"),
        (i64::MAX, None, "population"),
        (1_000, Some(i64::MAX / 2), "custom_weight"),
    ] {
        invalid(
            coops
                .add_member(pb::AddMemberRequest {
                    cooperation_id: COOP.into(),
                    code: "0157".into(),
                    name: "Gentofte".into(),
                    population: Some(population),
                    custom_weight: weight,
                    ..Default::default()
                })
                .await,
            field,
        );
    }
    invalid(
        coops
            .update_member(pb::UpdateMemberRequest {
                cooperation_id: COOP.into(),
                code: "0101".into(),
                population: Some(1 << 62),
                ..Default::default()
            })
            .await,
        "population",
    );
    invalid(
        app.as_("0147", &["digital_lead"])
            .proposals()
            .create_proposal(pb::CreateProposalRequest {
                cooperation_id: COOP.into(),
                content: Some(content("Dyr løsning", i64::MAX, false)),
                request_id: String::new(),
            })
            .await,
        "content.one_time_cost_dkk",
    );
    // The largest allowed values are accepted.
    coops
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0157".into(),
            name: "Gentofte".into(),
            population: Some(100_000_000),
            custom_weight: Some(100_000_000),
            ..Default::default()
        })
        .await
        .expect("the bound itself is allowed");
}

async fn sequence_numbers_above_i64_do_not_wrap(app: TestApp) {
    app.seed_default().await;
    let observer = app.as_("0147", &["observer"]);
    for after_seq in [1u64 << 63, u64::MAX] {
        invalid(
            observer
                .audit()
                .list_events(pb::ListEventsRequest {
                    cooperation_id: COOP.into(),
                    after_seq,
                    ..Default::default()
                })
                .await,
            "after_seq",
        );
        invalid(
            observer
                .audit()
                .watch(pb::WatchRequest {
                    cooperation_id: COOP.into(),
                    after_seq,
                })
                .await
                .map(|_| ()),
            "after_seq",
        );
        invalid(
            observer
                .priorities()
                .get_priority_list(pb::GetPriorityListRequest {
                    cooperation_id: COOP.into(),
                    revision: after_seq,
                })
                .await,
            "revision",
        );
    }
}

async fn a_member_cannot_leave_before_joining(app: TestApp) {
    app.seed_default().await;
    let mut coops = app.secretariat().cooperations();
    coops
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0157".into(),
            name: "Gentofte".into(),
            population: Some(75_000),
            joined_on: "2026-03-01".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    invalid(
        coops
            .remove_member(pb::RemoveMemberRequest {
                cooperation_id: COOP.into(),
                code: "0157".into(),
                left_on: "2026-02-28".into(),
                request_id: String::new(),
            })
            .await,
        "left_on",
    );
    // An unpadded date would compare wrongly as text ("2026-3-1" sorts after
    // "2026-03-01"): refused, not misread.
    invalid(
        coops
            .remove_member(pb::RemoveMemberRequest {
                cooperation_id: COOP.into(),
                code: "0157".into(),
                left_on: "2026-2-1".into(),
                request_id: String::new(),
            })
            .await,
        "left_on",
    );
    let m = coops
        .remove_member(pb::RemoveMemberRequest {
            cooperation_id: COOP.into(),
            code: "0157".into(),
            left_on: "2026-03-01".into(),
            request_id: String::new(),
        })
        .await
        .expect("leaving on the day of joining is allowed")
        .into_inner();
    assert_eq!(m.left_on, "2026-03-01");
}

e2e!(
    nul_and_control_characters_are_invalid_on_both_engines,
    titles_that_look_empty_or_read_backwards_are_refused,
    messages_quote_input_only_briefly,
    numbers_that_reach_sums_have_bounds,
    sequence_numbers_above_i64_do_not_wrap,
    a_member_cannot_leave_before_joining,
);

async fn raw_call(app: &TestApp, path: &'static str, body: Vec<u8>) -> tonic::Status {
    let token = app.token("0101", &["operator"]);
    samprio_e2e::raw_call(app.anonymous().channel(), &token, path, body)
        .await
        .expect_err("the call must fail")
}

async fn undecodable_and_oversized_messages_have_their_own_codes(app: TestApp) {
    app.seed_default().await;
    // Field 1 (a string) whose length runs past the end of the message.
    let s = raw_call(
        &app,
        "/samprio.v1.CooperationService/GetCooperation",
        vec![0x0a, 0x7f, b'x'],
    )
    .await;
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    // Invalid UTF-8 in a string field.
    let s = raw_call(
        &app,
        "/samprio.v1.CooperationService/GetCooperation",
        vec![0x0a, 0x02, 0xc3, 0x28],
    )
    .await;
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    // Over the 4 MiB limit.
    let mut big = vec![0x0a, 0x80, 0x80, 0x80, 0x03];
    big.extend(std::iter::repeat_n(b'k', 6 * 1024 * 1024));
    let s = raw_call(&app, "/samprio.v1.CooperationService/GetCooperation", big).await;
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
}

e2e!(undecodable_and_oversized_messages_have_their_own_codes);

/// Reads from `socket` until the server closes it; panics if it is still
/// open after a minute (the limits under test are far shorter).
async fn closed_by_server(mut socket: tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match tokio::time::timeout_at(deadline, socket.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the server kept the connection open"),
        }
    }
}

async fn silent_and_idle_connections_are_closed(engine: samprio_e2e::Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.limits.handshake_timeout_ms = 200;
        c.limits.idle_timeout_ms = 300;
    })
    .await
    else {
        return;
    };
    let addr = app.addr.trim_start_matches("http://").to_string();
    // Connects and says nothing.
    closed_by_server(tokio::net::TcpStream::connect(&addr).await.unwrap()).await;
    // Completes the HTTP/2 handshake, then makes no call.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    {
        use tokio::io::AsyncWriteExt;
        s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            .await
            .unwrap();
    }
    closed_by_server(s).await;
    // A client whose connection was closed for idleness simply reconnects.
    app.operator()
        .cooperations()
        .list_cooperations(pb::ListCooperationsRequest::default())
        .await
        .expect("served on a fresh connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_idle_connections_are_closed_sqlite() {
    silent_and_idle_connections_are_closed(samprio_e2e::Engine::Sqlite).await
}

/// GET `path` over plain HTTP/1.1; the whole response.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: samprio\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

async fn metrics_count_calls_batches_watchers_and_the_pool(engine: samprio_e2e::Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.metrics_listen = Some("127.0.0.1:0".into())).await else {
        return;
    };
    app.seed_default().await;
    let observer = app.as_("0147", &["observer"]);
    let _ = observer
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest {
            id: "no-such-coop".into(),
        })
        .await;
    let mut watch = samprio_e2e::watch(&observer, 0).await;
    watch.message().await.unwrap().expect("history");
    let text = http_get(app.metrics_addr.expect("metrics served"), "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    for needle in [
        "samprio_grpc_requests_total{method=\"/samprio.v1.CooperationService/CreateCooperation\",code=\"OK\"}",
        "samprio_grpc_requests_total{method=\"/samprio.v1.CooperationService/GetCooperation\",code=\"NOT_FOUND\"}",
        "samprio_grpc_request_duration_seconds_bucket{",
        "samprio_write_batch_size_count ",
        "samprio_write_batches_begun_during_commit_total ",
        "samprio_db_pool_connections{engine=",
    ] {
        assert!(text.contains(needle), "no {needle} in\n{text}");
    }
    let watchers: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("samprio_watchers "))
        .expect("watchers gauge")
        .trim()
        .parse()
        .unwrap();
    assert!(watchers >= 1.0, "an open Watch stream is counted: {watchers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_calls_batches_watchers_and_the_pool_sqlite() {
    metrics_count_calls_batches_watchers_and_the_pool(samprio_e2e::Engine::Sqlite).await
}

/// A full disk, made deterministic by capping the file's pages on the
/// server's writer connection: writes answer UNAVAILABLE (not INTERNAL), and
/// once there is room again they succeed without a restart; nothing that was
/// acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_unavailable_and_writes_recover_by_themselves() {
    use samprio_e2e::samprio_server::store::SqliteStore;
    let app = TestApp::spawn(samprio_e2e::Engine::Sqlite).await.unwrap();
    app.seed_default().await;
    let sqlite = app.store.as_any().downcast_ref::<SqliteStore>().expect("SQLite");
    sqlite
        .set_max_page_count(sqlite.page_count().await.unwrap() + 40)
        .await
        .unwrap();
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    let draft = |i: usize| {
        let mut c = content(&format!("Forslag {i}"), 1_000, false);
        c.summary = "Et langt resumé. ".repeat(500);
        pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(c),
            request_id: format!("full-disk-{i}"),
        }
    };
    let started = std::time::Instant::now();
    let mut acked = Vec::new();
    let mut refused = None;
    for i in 0..200 {
        match lead.create_proposal(draft(i)).await {
            Ok(p) => acked.push(p.into_inner().id),
            Err(s) => {
                refused = Some((i, s));
                break;
            }
        }
    }
    let (i, s) = refused.expect("the capped file fills up");
    eprintln!(
        "full disk: first UNAVAILABLE after {:?} ({} writes acknowledged): {}",
        started.elapsed(),
        acked.len(),
        s.message()
    );
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");

    // Room again: the same request, retried, now succeeds.
    sqlite.set_max_page_count(1 << 30).await.unwrap();
    let recovering = std::time::Instant::now();
    let p = lead
        .create_proposal(draft(i))
        .await
        .expect("writes recover once there is room")
        .into_inner();
    eprintln!("full disk: recovered {:?} after room was made", recovering.elapsed());
    acked.push(p.id);
    for j in i + 1..i + 4 {
        acked.push(
            lead.create_proposal(draft(j))
                .await
                .expect("and keep working")
                .into_inner()
                .id,
        );
    }
    for id in &acked {
        lead.get_proposal(pb::GetProposalRequest { id: id.clone() })
            .await
            .expect("every acknowledged write is stored");
    }
    assert!(app.verify_chain().await.ok);
}

/// A TCP proxy between the server and PostgreSQL that the test can cut
/// (every connection dropped, new ones refused) and restore, so an outage
/// needs no stopping of the machine's PostgreSQL.
struct Proxy {
    addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = Proxy {
            addr,
            cut: Default::default(),
            conns: Default::default(),
        };
        let (cut, conns, upstream) = (proxy.cut.clone(), proxy.conns.clone(), upstream.to_string());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                if cut.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns.lock().unwrap().push(task.abort_handle());
            }
        });
        proxy
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn health_is(app: &TestApp, want: tonic_health::pb::health_check_response::ServingStatus) -> bool {
    let mut h = tonic_health::pb::health_client::HealthClient::new(app.anonymous().channel());
    for _ in 0..300 {
        if let Ok(r) = h
            .check(tonic_health::pb::HealthCheckRequest { service: String::new() })
            .await
            && r.into_inner().status() == want
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// PostgreSQL unreachable (through the proxy): reads and writes answer
/// UNAVAILABLE within the client's deadline, health says NOT_SERVING, and
/// once the database is back everything works again without a restart and
/// nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn postgres_outage_is_unavailable_and_recovers() {
    use std::time::{Duration, Instant};
    use tonic_health::pb::health_check_response::ServingStatus;
    let Some(admin) = samprio_e2e::postgres_admin_url() else {
        return;
    };
    let direct = samprio_e2e::fresh_postgres_db(&admin).await;
    let (head, db) = direct.rsplit_once('/').unwrap();
    let host = head
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(head.trim_start_matches("postgres://"));
    let proxy = Proxy::start(host).await;
    let via = format!("{}/{db}", head.replace(host, &proxy.addr.to_string()));
    let app = TestApp::spawn_on(samprio_e2e::Engine::Postgres, via, tempfile::tempdir().unwrap(), |_| {}).await;
    app.seed_default().await;
    let mut lead = app.as_("0147", &["digital_lead"]).proposals();
    let draft = |i: usize| {
        let mut r = tonic::Request::new(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content(&format!("Forslag {i}"), 1_000, false)),
            request_id: format!("outage-{i}"),
        });
        r.set_timeout(Duration::from_secs(10));
        r
    };
    let mut acked = Vec::new();
    for i in 0..3 {
        acked.push(lead.create_proposal(draft(i)).await.unwrap().into_inner().id);
    }

    let mut watch = samprio_e2e::watch(&app.as_("0147", &["observer"]), 0).await;
    watch.message().await.unwrap().expect("the history");

    proxy.cut();
    let cut_at = Instant::now();
    let s = lead.create_proposal(draft(3)).await.expect_err("the database is gone");
    let first_unavailable = cut_at.elapsed();
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    let mut read = tonic::Request::new(pb::GetProposalRequest { id: acked[0].clone() });
    read.set_timeout(Duration::from_secs(10));
    let s = lead.get_proposal(read).await.expect_err("the database is gone");
    assert_eq!(s.code(), Code::Unavailable, "{s:?}");
    assert!(
        health_is(&app, ServingStatus::NotServing).await,
        "health says NOT_SERVING"
    );

    proxy.restore();
    let restored_at = Instant::now();
    let mut tries = 0;
    let p = loop {
        match lead.create_proposal(draft(3)).await {
            Ok(p) => break p.into_inner(),
            Err(s) if s.code() == Code::Unavailable && tries < 300 => tries += 1,
            Err(s) => panic!("no recovery: {s:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let recovered = restored_at.elapsed();
    acked.push(p.id);
    assert!(health_is(&app, ServingStatus::Serving).await, "health SERVING again");
    for id in &acked {
        lead.get_proposal(pb::GetProposalRequest { id: id.clone() })
            .await
            .expect("every acknowledged write is stored");
    }
    assert!(app.verify_chain().await.ok);
    eprintln!(
        "PostgreSQL outage: first UNAVAILABLE after {first_unavailable:?}, recovered {recovered:?} after restore"
    );
}
