//! Scale-out: two real `samprio-server` processes on one PostgreSQL database.
//! Concurrent writes through both are stored exactly once in one unbroken
//! hash chain, and an event written through one process reaches a stream
//! opened on the other.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::samprio_server::auth::{Algorithm, Role, TokenMinter};
use samprio_e2e::{
    AUDIENCE, COOP, ISSUER_A, MUNICIPALITIES, content, ed25519_key, fresh_postgres_db, postgres_admin_url,
};
use tokio_stream::StreamExt;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server binary with `config` and waits for its "ready" log line.
fn start(config: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_samprio-server"))
        .env("SAMPRIO_CONFIG", config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start samprio-server");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("server exited before it was ready").unwrap();
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if v["fields"]["message"] == "samprio-server ready" {
            break format!("http://{}", v["fields"]["addr"].as_str().unwrap());
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

fn token(minter: &TokenMinter, municipality: &str, roles: &[Role]) -> String {
    minter.mint(
        &format!("user-{municipality}"),
        municipality,
        roles,
        Duration::from_secs(600),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(samprio_pg),
    ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
)]
async fn two_processes_on_postgres_share_one_record() {
    let url = fresh_postgres_db(&postgres_admin_url().expect("SAMPRIO_TEST_POSTGRES_URL")).await;
    let key = ed25519_key();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("samprio.toml");
    let municipalities: Vec<String> = MUNICIPALITIES.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"{url}\"\nlog_format = \"json\"\ndata_dir = \"{}\"\n\n[auth]\naudience = \"{AUDIENCE}\"\n\n[[auth.issuers]]\niss = \"{ISSUER_A}\"\nalgorithm = \"EdDSA\"\npublic_key_pem = \"\"\"\n{}\"\"\"\nmunicipalities = [{}]\n",
            dir.path().display(),
            key.public_pem,
            municipalities.join(", ")
        ),
    )
    .unwrap();
    let (one, two) = (start(&config), start(&config));
    let minter = TokenMinter::new(ISSUER_A, AUDIENCE, Algorithm::EdDSA, key.private_pem.as_bytes(), None).unwrap();
    let c1 = Client::connect(&one.addr, "").await.unwrap();
    let c2 = Client::connect(&two.addr, "").await.unwrap();

    let op = c1.as_token(&token(&minter, "0101", &[Role::Operator])).unwrap();
    op.cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: COOP.into(),
            name: "Scale".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let sec = c2
        .as_token(&token(&minter, "0101", &[Role::Secretariat(COOP.into())]))
        .unwrap();
    for code in &MUNICIPALITIES[..5] {
        sec.cooperations()
            .add_member(pb::AddMemberRequest {
                cooperation_id: COOP.into(),
                code: code.to_string(),
                name: format!("M{code}"),
                population: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
    }

    // A stream on process two, opened before the writes.
    let observer = c2.as_token(&token(&minter, "0151", &[Role::Observer])).unwrap();
    let mut watch = observer
        .audit()
        .watch(pb::WatchRequest {
            cooperation_id: COOP.into(),
            after_seq: 6,
        })
        .await
        .unwrap()
        .into_inner();

    // Five members write eight proposals each, alternating processes; every
    // write is also retried with its request id through the other process.
    const EACH: usize = 8;
    let mut tasks = Vec::new();
    for (i, code) in MUNICIPALITIES[..5].iter().enumerate() {
        let lead_token = token(&minter, code, &[Role::DigitalLead]);
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
        let v = c
            .as_token(&token(&minter, "0101", &[Role::Operator]))
            .unwrap()
            .audit()
            .verify_chain(pb::VerifyChainRequest {})
            .await
            .unwrap()
            .into_inner();
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
}
