//! The KITOS client against a local server that answers like KITOS's public
//! REST API v2: the JSON of its response DTOs (camel-cased names, enums by
//! name), `page`/`pageSize` paging with at most 250 rows a page, the
//! `ApiReturnDTO` envelope of the token endpoint, and the delta feed of
//! deleted entities. The real KITOS is not reachable from the test machines.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use samprio_e2e::samprio_server::domain::portfolio::import::ImportPlan;
use samprio_e2e::samprio_server::domain::portfolio::{AiUse, Lifecycle, PortfolioSystem, TimeClass};
use samprio_e2e::samprio_server::kitos::{self, KitosClient, KitosConfig, KitosError};
use serde_json::{Value, json};

const CVR: &str = "64942212";
const ORG: &str = "7c1f0a52-0000-4000-8000-000000000101";
const EMAIL: &str = "api@kk.dk";
const PASSWORD: &str = "hemmeligt";
const USAGES: usize = 260;

fn usage_uuid(i: usize) -> String {
    format!("0b5e0000-0000-4000-8000-{i:012}")
}
fn system_uuid(i: usize) -> String {
    format!("5a5e0000-0000-4000-8000-{i:012}")
}
fn contract_uuid(i: usize) -> String {
    format!("c0c00000-0000-4000-8000-{i:012}")
}

fn pair(uuid: &str, name: &str) -> Value {
    json!({ "uuid": uuid, "name": name })
}

fn org() -> Value {
    json!({ "uuid": ORG, "name": "Københavns Kommune", "cvr": CVR, "organizationType": "Municipality" })
}

/// The state of the fake KITOS, which tests change between imports.
struct Kitos {
    usages: Vec<Value>,
    systems: Vec<Value>,
    contracts: Vec<Value>,
    deleted: Vec<Value>,
    tokens_issued: u32,
    /// Tokens KITOS accepts (a token leaves this set when it "expires").
    live_tokens: HashSet<String>,
    /// The next n data requests answer 503.
    fail_next: u32,
    /// Every data request, as "path?query".
    log: Vec<String>,
}

type Shared = Arc<Mutex<Kitos>>;

fn usage(i: usize, last_modified: &str, ai: &str) -> Value {
    json!({
        "uuid": usage_uuid(i),
        "createdBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "lastModified": last_modified,
        "lastModifiedBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "systemContext": pair(&system_uuid(i), &format!("System {i}")),
        "organizationContext": org(),
        "general": {
            "localSystemId": null,
            "localCallName": null,
            "dataClassification": null,
            "notes": null,
            "systemVersion": null,
            "numberOfExpectedUsers": null,
            "validity": {
                "valid": i != 3,
                "validAccordingToValidityPeriod": i != 3,
                "validAccordingToLifeCycle": true,
                "validAccordingToMainContract": true,
                "lifeCycleStatus": if i.is_multiple_of(10) { "PhasingOut" } else { "Operational" },
                "validFrom": "2019-01-01T00:00:00",
                "validTo": if i == 3 { json!("2024-12-31T00:00:00") } else { Value::Null },
            },
            "mainContract": if i < 20 { pair(&contract_uuid(i % 4), "Kontrakt") } else { Value::Null },
            "containsAITechnology": ai,
            "webAccessibilityCompliance": null,
            "lastWebAccessibilityCheck": null,
            "webAccessibilityNotes": null,
        },
        "roles": [],
        "organizationUsage": { "usingOrganizationUnits": [], "responsibleOrganizationUnit": null },
        "localKLEDeviations": { "addedKLE": [], "removedKLE": [] },
        "externalReferences": [],
        "archiving": {},
        "gdpr": {
            "purpose": null,
            "businessCritical": "Yes",
            "hostedAt": null,
            "dataSensitivityLevels": if i.is_multiple_of(2) { json!(["PersonData"]) } else { json!(["None"]) },
            "sensitivePersonData": [],
            "specificPersonalData": [],
            "registeredDataCategories": [],
            "technicalPrecautionsApplied": [],
        },
        "outgoingSystemRelations": [],
    })
}

fn system(i: usize) -> Value {
    json!({
        "uuid": system_uuid(i),
        "externalUuid": null,
        "parentSystem": null,
        "name": format!("System {i}"),
        "formerName": null,
        "description": "",
        "externalReferences": [],
        "kle": [],
        "deactivated": false,
        "businessType": pair("b0000000-0000-4000-8000-000000000001", if i.is_multiple_of(3) { "ESDH" } else { "Økonomi" }),
        "rightsHolder": { "uuid": "a0000000-0000-4000-8000-000000000001", "name": if i.is_multiple_of(2) { "KMD A/S" } else { "Netcompany A/S" }, "cvr": "26911745" },
        "created": "2015-01-01T00:00:00Z",
        "createdBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "recommendedArchiveDuty": { "id": "Undecided", "comment": null },
        "mainContractSuppliers": [],
        "usingOrganizations": [org()],
        "lastModified": "2024-01-01T00:00:00Z",
        "lastModifiedBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "scope": "Global",
        "organizationContext": org(),
        "legalName": null,
        "legalDataProcessorName": null,
    })
}

fn contract(i: usize) -> Value {
    let usages: Vec<Value> = (0..20)
        .filter(|u| u % 4 == i)
        .map(|u| pair(&usage_uuid(u), "usage"))
        .collect();
    json!({
        "uuid": contract_uuid(i),
        "name": format!("Kontrakt {i}"),
        "organizationContext": org(),
        "lastModified": "2024-01-01T00:00:00Z",
        "lastModifiedBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "createdBy": pair("9e000000-0000-4000-8000-000000000001", "Import"),
        "parentContract": null,
        "general": {
            "contractId": null, "contractType": null, "contractTemplate": null,
            "agreementElements": [], "notes": null, "criticality": null,
            "validity": {
                "valid": true, "enforcedValid": false,
                "validFrom": "2020-01-01T00:00:00",
                "validTo": format!("{}-06-30T00:00:00", 2027 + i),
                "requireValidParent": false, "validationErrors": [],
            },
        },
        "procurement": {},
        "supplier": { "organization": { "uuid": "a0000000-0000-4000-8000-000000000002", "name": "Leverandør A/S", "cvr": "10000000" }, "signed": true, "signedBy": null, "signedAt": null },
        "responsible": {},
        "systemUsages": usages,
        "dataProcessingRegistrations": [],
        "paymentModel": {},
        "agreementPeriod": { "durationYears": null, "durationMonths": null, "isContinuous": null, "extensionOptions": null, "extensionOptionsUsed": 0, "irrevocableUntil": null },
        "termination": { "terminatedAt": null, "terms": null },
        "payments": {
            "external": [{ "id": 1, "organizationUnit": null, "acquisition": 500000, "operation": 1_000_000, "other": 0, "accountingEntry": null, "auditStatus": "White", "auditDate": null, "note": null }],
            "internal": [],
        },
        "roles": [],
        "externalReferences": [],
    })
}

impl Kitos {
    fn new() -> Kitos {
        Kitos {
            usages: (0..USAGES).map(|i| usage(i, "2026-01-10T09:00:00Z", "No")).collect(),
            systems: (0..USAGES).map(system).collect(),
            contracts: (0..4).map(contract).collect(),
            deleted: vec![],
            tokens_issued: 0,
            live_tokens: HashSet::new(),
            fail_next: 0,
            log: vec![],
        }
    }
}

type Q = Query<Vec<(String, String)>>;

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Authenticates, fails on demand, logs, and pages `rows` as KITOS's
/// `BoundedPaginationQuery` does (page from 0, pageSize 1..=250, default 250).
fn paged(
    state: &Shared,
    headers: &HeaderMap,
    path: &str,
    q: &[(String, String)],
    rows: impl Fn(&Kitos) -> Vec<Value>,
) -> Response {
    let mut k = state.lock().unwrap();
    k.log.push(format!(
        "{path}?{}",
        q.iter().map(|(a, b)| format!("{a}={b}")).collect::<Vec<_>>().join("&")
    ));
    if k.fail_next > 0 {
        k.fail_next -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !k.live_tokens.contains(token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let page: usize = param(q, "page").unwrap_or("0").parse().unwrap_or(usize::MAX);
    let size: usize = param(q, "pageSize").unwrap_or("250").parse().unwrap_or(0);
    if !(1..=250).contains(&size) {
        return (
            StatusCode::BAD_REQUEST,
            "pageSize: The field PageSize must be between 1 and 250.",
        )
            .into_response();
    }
    let all = rows(&k);
    Json(
        all.into_iter()
            .skip(page.saturating_mul(size))
            .take(size)
            .collect::<Vec<_>>(),
    )
    .into_response()
}

async fn get_token(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    if body["email"] != EMAIL || body["password"] != PASSWORD {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut k = s.lock().unwrap();
    k.tokens_issued += 1;
    let token = format!("kitos-token-{}", k.tokens_issued);
    k.live_tokens.insert(token.clone());
    Json(json!({
        "msg": "",
        "response": { "token": token, "email": EMAIL, "loginSuccessful": true, "expires": "2026-12-01T10:00:00Z" },
    }))
    .into_response()
}

async fn organizations(State(s): State<Shared>, h: HeaderMap, Query(q): Q) -> Response {
    let cvr = param(&q, "cvrContent").unwrap_or_default().to_string();
    paged(&s, &h, "organizations", &q, move |_| {
        if CVR.contains(&cvr) { vec![org()] } else { vec![] }
    })
}

async fn usages(State(s): State<Shared>, h: HeaderMap, Query(q): Q) -> Response {
    let org_uuid = param(&q, "organizationUuid").unwrap_or_default().to_string();
    let since = param(&q, "changedSinceGtEq").map(str::to_string);
    paged(&s, &h, "it-system-usages", &q, move |k| {
        let mut rows: Vec<Value> = k
            .usages
            .iter()
            .filter(|u| u["organizationContext"]["uuid"] == org_uuid.as_str())
            .filter(|u| {
                since
                    .as_deref()
                    .is_none_or(|t| u["lastModified"].as_str().unwrap() >= t)
            })
            .cloned()
            .collect();
        if since.is_some() {
            rows.sort_by_key(|u| u["lastModified"].as_str().unwrap().to_string());
        }
        rows
    })
}

async fn systems(State(s): State<Shared>, h: HeaderMap, Query(q): Q) -> Response {
    paged(&s, &h, "it-systems", &q, |k| k.systems.clone())
}

async fn contracts(State(s): State<Shared>, h: HeaderMap, Query(q): Q) -> Response {
    paged(&s, &h, "it-contracts", &q, |k| k.contracts.clone())
}

async fn deleted(State(s): State<Shared>, h: HeaderMap, Query(q): Q) -> Response {
    let since = param(&q, "deletedSinceUTC").unwrap_or_default().to_string();
    paged(&s, &h, "deleted-entities", &q, move |k| {
        k.deleted
            .iter()
            .filter(|d| d["occurredAtUtc"].as_str().unwrap() >= since.as_str())
            .cloned()
            .collect()
    })
}

async fn serve() -> (String, Shared) {
    let state: Shared = Arc::new(Mutex::new(Kitos::new()));
    let app = Router::new()
        .route("/api/authorize/GetToken", post(get_token))
        .route("/api/v2/organizations", get(organizations))
        .route("/api/v2/it-system-usages", get(usages))
        .route("/api/v2/it-systems", get(systems))
        .route("/api/v2/it-contracts", get(contracts))
        .route("/api/v2/delta-feed/deleted-entities", get(deleted))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), state)
}

fn client(base: &str) -> KitosClient {
    let mut cfg = KitosConfig::new(base, EMAIL, PASSWORD);
    cfg.retry_delay = Duration::from_millis(1);
    KitosClient::new(cfg).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

async fn import(c: &KitosClient, current: &[PortfolioSystem], since: Option<&str>) -> Result<ImportPlan, KitosError> {
    let since = since.map(|s| s.parse().unwrap());
    kitos::plan_import(c, "0101", CVR, current, since, today()).await
}

#[tokio::test]
async fn full_import_pages_maps_and_is_idempotent() {
    let (base, state) = serve().await;
    let c = client(&base);
    let first = import(&c, &[], None).await.unwrap();
    assert_eq!(
        first.summary(),
        format!("{USAGES} added, 0 changed, 0 removed, 0 unchanged")
    );

    let log = state.lock().unwrap().log.clone();
    let usage_pages: Vec<&String> = log.iter().filter(|l| l.starts_with("it-system-usages")).collect();
    assert_eq!(usage_pages.len(), 2, "260 rows are two pages of 250: {usage_pages:?}");
    assert!(usage_pages[0].contains(&format!("organizationUuid={ORG}")));
    assert!(usage_pages[0].contains("page=0") && usage_pages[0].contains("pageSize=250"));
    assert!(usage_pages[1].contains("page=1"));
    assert!(log.iter().any(|l| l.starts_with("organizations?cvrContent=64942212")));

    let by_id = |id: &str| first.added.iter().find(|s| s.id == id).unwrap().clone();
    let s0 = by_id(&usage_uuid(0));
    assert_eq!(s0.name, "System 0");
    assert_eq!(s0.vendor, "KMD A/S", "the rights holder");
    assert_eq!(s0.function, "ESDH", "the business type");
    assert_eq!(s0.kitos_system_uuid.as_deref(), Some(system_uuid(0).as_str()));
    assert_eq!(s0.lifecycle, Lifecycle::PhasingOut);
    assert_eq!(
        s0.contract_end.as_deref(),
        Some("2027-06-30"),
        "main contract's validTo"
    );
    assert_eq!(
        s0.yearly_cost_dkk,
        Some(200_000),
        "1,000,000 a year shared by five usages"
    );
    assert_eq!(s0.ai, AiUse::No);
    assert!(s0.personal_data);
    let s3 = by_id(&usage_uuid(3));
    assert_eq!(s3.lifecycle, Lifecycle::NotInUse, "its validity ended in 2024");
    assert!(!s3.personal_data);
    let s25 = by_id(&usage_uuid(25));
    assert_eq!((s25.contract_end, s25.yearly_cost_dkk), (None, None));

    // The member sets a TIME class by hand; a second import changes nothing.
    let mut current = first.result();
    current[0].time_class = Some(TimeClass::Invest);
    let again = import(&c, &current, None).await.unwrap();
    assert!(again.is_noop(), "{}", again.summary());
    assert_eq!(
        again.summary(),
        format!("0 added, 0 changed, 0 removed, {USAGES} unchanged")
    );
    assert_eq!(state.lock().unwrap().tokens_issued, 1, "the token is reused");
}

#[tokio::test]
async fn incremental_import_finds_the_changed_and_the_deleted() {
    let (base, state) = serve().await;
    let c = client(&base);
    let current = import(&c, &[], None).await.unwrap().result();
    {
        let mut k = state.lock().unwrap();
        k.usages[5] = usage(5, "2026-11-28T12:00:00Z", "Yes");
        k.usages.remove(7);
        k.deleted.push(json!({
            "occurredAtUtc": "2026-11-28T13:00:00Z",
            "entityUuid": usage_uuid(7),
            "entityType": "ItSystemUsage",
        }));
        k.deleted.push(json!({
            "occurredAtUtc": "2026-11-28T13:00:00Z",
            "entityUuid": contract_uuid(9),
            "entityType": "ItContract",
        }));
        k.log.clear();
    }
    let delta = import(&c, &current, Some("2026-11-28T00:00:00Z")).await.unwrap();
    assert_eq!(
        delta.summary(),
        format!("0 added, 1 changed, 1 removed, {} unchanged", USAGES - 2)
    );
    let (before, after) = &delta.changed[0];
    assert_eq!(
        (before.id.as_str(), before.ai, after.ai),
        (usage_uuid(5).as_str(), AiUse::No, AiUse::Yes)
    );
    assert_eq!(delta.removed[0].id, usage_uuid(7));

    let log = state.lock().unwrap().log.clone();
    let usage_reads: Vec<&String> = log.iter().filter(|l| l.starts_with("it-system-usages")).collect();
    assert_eq!(usage_reads.len(), 1, "one changed row is one page");
    assert!(
        usage_reads[0].contains("changedSinceGtEq=2026-11-28T00:00:00Z"),
        "{usage_reads:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("deleted-entities") && l.contains("entityType=ItSystemUsage")),
        "{log:?}"
    );

    // The full import agrees with the incremental one.
    let full = import(&c, &current, None).await.unwrap();
    assert_eq!(full.summary(), delta.summary());
}

#[tokio::test]
async fn an_expired_token_is_replaced_once() {
    let (base, state) = serve().await;
    let c = client(&base);
    import(&c, &[], None).await.unwrap();
    state.lock().unwrap().live_tokens.clear();
    let plan = import(&c, &[], None).await.unwrap();
    assert_eq!(plan.added.len(), USAGES);
    assert_eq!(state.lock().unwrap().tokens_issued, 2, "one new token after the 401");

    let wrong = KitosClient::new(KitosConfig::new(&base, EMAIL, "forkert")).unwrap();
    let e = import(&wrong, &[], None).await.unwrap_err();
    assert!(matches!(e, KitosError::Credentials { status: 401 }), "{e}");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let (base, state) = serve().await;
    let c = client(&base);
    state.lock().unwrap().fail_next = 2;
    let plan = import(&c, &[], None).await.unwrap();
    assert_eq!(plan.added.len(), USAGES, "two 503s, then an answer on the third try");

    state.lock().unwrap().fail_next = 1_000;
    let e = import(&c, &[], None).await.unwrap_err();
    match &e {
        KitosError::Unavailable { path, attempts, last } => {
            assert_eq!(path, "/api/v2/organizations");
            assert_eq!(*attempts, 3);
            assert_eq!(last, "HTTP 503");
        }
        other => panic!("expected Unavailable, got {other}"),
    }
    assert!(e.to_string().starts_with("KITOS is unavailable"), "{e}");
}

#[tokio::test]
async fn an_unknown_cvr_is_a_clear_error() {
    let (base, _state) = serve().await;
    let c = client(&base);
    let e = kitos::plan_import(&c, "0147", "11259979", &[], None, today())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "KITOS has no organisation with CVR 11259979");
    assert!(
        KitosClient::new(KitosConfig {
            page_size: 251,
            ..KitosConfig::new(&base, EMAIL, PASSWORD)
        })
        .is_err()
    );
}

// ---------------------------------------------------------------------------
// Through the server: `ImportFromKitos` stores what the client fetched, on
// both engines, with the member's KITOS API user from the server's config.

use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::config::KitosUser;
use samprio_e2e::{COOP, Engine, TestApp};
use tonic::Code;

/// A server whose KITOS is the fake one, with 0101's API user configured.
async fn app_with_kitos(engine: Engine) -> Option<(TestApp, Shared)> {
    let (base, state) = serve().await;
    let app = TestApp::spawn_with(engine, |c| {
        c.kitos.base_url = base;
        c.kitos.retry_delay_ms = 1;
        c.kitos.members.insert(
            "0101".into(),
            KitosUser {
                email: EMAIL.into(),
                password: PASSWORD.into(),
            },
        );
    })
    .await?;
    app.seed_default().await;
    Some((app, state))
}

fn import_request(incremental: bool) -> pb::ImportFromKitosRequest {
    pb::ImportFromKitosRequest {
        cooperation_id: COOP.into(),
        municipality: "0101".into(),
        incremental,
        ..Default::default()
    }
}

async fn all_systems(app: &TestApp) -> Vec<pb::PortfolioSystem> {
    app.as_("0147", &["observer"])
        .portfolio()
        .list_systems(pb::ListSystemsRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .systems
}

async fn server_imports_from_kitos(app: TestApp, state: Shared) {
    let lead = app.as_("0101", &["digital_lead"]);
    let mut p = lead.portfolio();

    // Another member's lead is refused before KITOS is asked anything.
    let e = app
        .as_("0147", &["digital_lead"])
        .portfolio()
        .import_from_kitos(import_request(false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    assert!(state.lock().unwrap().log.is_empty());

    // The first import pages over 250 rows and adds every usage.
    let first = p.import_from_kitos(import_request(false)).await.unwrap().into_inner();
    assert_eq!(
        first.summary,
        format!("{USAGES} added, 0 changed, 0 removed, 0 unchanged")
    );
    assert!(!first.nothing_changed);
    assert_eq!(first.source, "KITOS");
    let usage_pages = state
        .lock()
        .unwrap()
        .log
        .iter()
        .filter(|l| l.starts_with("it-system-usages"))
        .count();
    assert_eq!(usage_pages, 2);
    let systems = all_systems(&app).await;
    assert_eq!(systems.len(), USAGES);
    let s0 = systems.iter().find(|s| s.id == usage_uuid(0)).unwrap();
    let f = s0.fields.as_ref().unwrap();
    assert_eq!(
        (
            f.name.as_str(),
            f.vendor.as_str(),
            f.function.as_str(),
            f.contract_end.as_str()
        ),
        ("System 0", "KMD A/S", "ESDH", "2027-06-30")
    );

    // The member classifies a system; a second import changes nothing and
    // says so, and writes no event.
    let mut classified = f.clone();
    classified.time_class = pb::TimeClass::Invest as i32;
    p.update_system(pb::UpdateSystemRequest {
        cooperation_id: COOP.into(),
        municipality: "0101".into(),
        id: s0.id.clone(),
        system: Some(classified),
        etag: s0.etag.clone(),
        request_id: String::new(),
    })
    .await
    .unwrap();
    let events = app.event_count().await;
    let again = p.import_from_kitos(import_request(false)).await.unwrap().into_inner();
    assert!(again.nothing_changed, "{}", again.summary);
    assert_eq!(
        again.summary,
        format!("0 added, 0 changed, 0 removed, {USAGES} unchanged")
    );
    assert_eq!(app.event_count().await, events);
    assert_eq!(state.lock().unwrap().tokens_issued, 1, "the token serves both imports");

    // KITOS changes one row and deletes another; the incremental import
    // reads what changed since the last import and the delta feed.
    {
        let mut k = state.lock().unwrap();
        k.usages[5] = usage(5, "2099-01-01T00:00:00Z", "Yes");
        k.usages.remove(7);
        k.deleted.push(json!({
            "occurredAtUtc": "2099-01-01T00:00:00Z",
            "entityUuid": usage_uuid(7),
            "entityType": "ItSystemUsage",
        }));
        k.log.clear();
    }
    let delta = p.import_from_kitos(import_request(true)).await.unwrap().into_inner();
    assert!(delta.incremental);
    assert_eq!(
        delta.summary,
        format!("0 added, 1 changed, 1 removed, {} unchanged", USAGES - 2)
    );
    assert_eq!(delta.changed, [usage_uuid(5)]);
    assert_eq!(delta.removed, [usage_uuid(7)]);
    let log = state.lock().unwrap().log.clone();
    assert!(
        log.iter()
            .any(|l| l.starts_with("it-system-usages") && l.contains("changedSinceGtEq=")),
        "{log:?}"
    );
    let systems = all_systems(&app).await;
    assert_eq!(systems.len(), USAGES - 1);
    let s5 = systems.iter().find(|s| s.id == usage_uuid(5)).unwrap();
    assert_eq!(s5.fields.as_ref().unwrap().ai, pb::AiUse::Yes as i32);
    let s0 = systems.iter().find(|s| s.id == usage_uuid(0)).unwrap();
    assert_eq!(
        s0.fields.as_ref().unwrap().time_class,
        pb::TimeClass::Invest as i32,
        "KITOS keeps no TIME class: the member's stays"
    );

    // An expired token is replaced once, and the import goes on.
    state.lock().unwrap().live_tokens.clear();
    let full = p.import_from_kitos(import_request(false)).await.unwrap().into_inner();
    assert!(full.nothing_changed, "{}", full.summary);
    assert_eq!(state.lock().unwrap().tokens_issued, 2);

    // KITOS failing: a few 5xx are retried; many are UNAVAILABLE, and the
    // portfolio is left as it was.
    state.lock().unwrap().fail_next = 2;
    p.import_from_kitos(import_request(false)).await.unwrap();
    state.lock().unwrap().fail_next = 1_000;
    let e = p.import_from_kitos(import_request(false)).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable, "{e:?}");
    assert!(e.message().starts_with("KITOS is unavailable"), "{}", e.message());
    state.lock().unwrap().fail_next = 0;
    assert_eq!(all_systems(&app).await.len(), USAGES - 1);

    // A wrong password in the request is the caller's to fix.
    let e = p
        .import_from_kitos(pb::ImportFromKitosRequest {
            email: EMAIL.into(),
            password: "forkert".into(),
            ..import_request(false)
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    assert!(app.verify_chain().await.ok);
}

mod server_imports_from_kitos {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (app, state) = app_with_kitos(Engine::Sqlite).await.expect("sqlite");
        super::server_imports_from_kitos(app, state).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(samprio_pg),
        ignore = "PostgreSQL suite: set SAMPRIO_TEST_POSTGRES_URL=postgres://user@host:5432/postgres to run it"
    )]
    async fn postgres() {
        if let Some((app, state)) = app_with_kitos(Engine::Postgres).await {
            super::server_imports_from_kitos(app, state).await
        }
    }
}
