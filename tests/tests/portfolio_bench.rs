//! Benchmarks of the portfolio at the scale of all of Denmark: 98 members
//! importing 300 systems each through the API, then the cooperation's shared
//! opportunities over the 29,400 systems. Not run by default (they measure,
//! they do not assert times); run them with
//!
//! ```text
//! cargo test --release -p samprio-e2e --test portfolio_bench -- --ignored --nocapture
//! SAMPRIO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo test --release -p samprio-e2e --test portfolio_bench -- --ignored --nocapture postgres
//! ```
//!
//! and read the figures they print.

use std::time::{Duration, Instant};

use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::demo;
use samprio_e2e::samprio_server::domain::portfolio::opportunities::{self, Params};
use samprio_e2e::samprio_server::domain::register;
use samprio_e2e::{COOP, Engine, TestApp};

const SYSTEMS: usize = 300;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn whole_country(engine: Engine) {
    let codes: Vec<String> = register::all().iter().map(|m| m.code.clone()).collect();
    let Some(app) = TestApp::spawn_with(engine, |c| c.auth.issuers[0].municipalities = codes.clone()).await else {
        return;
    };
    app.operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: COOP.into(),
            name: "Hele landet".into(),
            rules: Some(pb::CooperationRules {
                default_weighting: pb::Weighting::Population as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            }),
            member_codes: codes.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();

    // 98 imports of 300 systems, one after another, each one write.
    let mut imports = Vec::new();
    let started = Instant::now();
    for code in &codes {
        let csv = demo::portfolio_csv(code, SYSTEMS, 2026, today);
        let mut p = app.as_(code, &["digital_lead"]).portfolio();
        let t = Instant::now();
        let r = p
            .import_csv(pb::ImportCsvRequest {
                cooperation_id: COOP.into(),
                municipality: code.clone(),
                csv,
                replace: false,
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        imports.push(t.elapsed());
        assert_eq!(r.added.len(), SYSTEMS);
    }
    let all_imports = started.elapsed();

    // The pure computation over everything, the store's read, and the call.
    let systems = {
        let mut tx = app.store.clone().begin_read().await.unwrap();
        tx.cooperation_systems(COOP).await.unwrap()
    };
    assert_eq!(systems.len(), SYSTEMS * codes.len());
    let params = Params::new(today);
    let mut pure = Vec::new();
    let mut found = 0;
    for _ in 0..7 {
        let t = Instant::now();
        found = opportunities::find(&systems, &params).len();
        pure.push(t.elapsed());
    }
    let mut reads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut tx = app.store.clone().begin_read().await.unwrap();
        let n = tx.cooperation_systems(COOP).await.unwrap().len();
        reads.push(t.elapsed());
        assert_eq!(n, systems.len());
    }
    // The first call computes and keeps the opportunities; later calls
    // while the log stands still are answered from what was kept; a change
    // to one system makes the next call compute again.
    let mut r = app.as_("0101", &["observer"]).portfolio();
    let mut call = async || {
        let t = Instant::now();
        let list = r
            .list_opportunities(pb::ListOpportunitiesRequest {
                cooperation_id: COOP.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        (t.elapsed(), list.opportunities.len())
    };
    let (first, n) = call().await;
    assert_eq!(n, found);
    let mut calls = Vec::new();
    for _ in 0..5 {
        let (t, n) = call().await;
        assert_eq!(n, found);
        calls.push(t);
    }
    // One member changes one system, five times over: each next call reads
    // that member's portfolio again and computes.
    let mut lead = app.as_(&codes[0], &["digital_lead"]).portfolio();
    let mut some = lead
        .list_systems(pb::ListSystemsRequest {
            cooperation_id: COOP.into(),
            municipality: codes[0].clone(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .systems
        .remove(0);
    let mut after_change = Vec::new();
    for _ in 0..5 {
        let mut fields = some.fields.clone().unwrap();
        fields.yearly_cost_dkk = Some(fields.yearly_cost_dkk.unwrap_or(0) + 1);
        some = lead
            .update_system(pb::UpdateSystemRequest {
                cooperation_id: COOP.into(),
                municipality: codes[0].clone(),
                id: some.id.clone(),
                system: Some(fields),
                etag: some.etag.clone(),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        let (t, n) = call().await;
        assert_eq!(n, found, "a cost changed, not an overlap");
        after_change.push(t);
    }

    println!(
        "portfolio benchmark ({engine:?}, {} members x {SYSTEMS} systems)",
        codes.len()
    );
    println!(
        "  import: all {:.1?}; per member median {:.1?}, max {:.1?}",
        all_imports,
        median(imports.clone()),
        imports.iter().max().unwrap()
    );
    println!(
        "  opportunities over {} systems: pure median {:.1?} ({found} found); store read median {:.1?}",
        systems.len(),
        median(pure),
        median(reads),
    );
    println!(
        "  ListOpportunities call: first {first:.1?} (computes); kept median {:.1?}; after one system changed median {:.1?}",
        median(calls),
        median(after_change)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run with --ignored --nocapture in release"]
async fn whole_country_sqlite() {
    whole_country(Engine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run with --ignored --nocapture in release, with SAMPRIO_TEST_POSTGRES_URL"]
async fn whole_country_postgres() {
    whole_country(Engine::Postgres).await
}
