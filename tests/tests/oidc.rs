//! samprio trusting a real OpenID Connect provider (the certified
//! `oidc-provider` package, see `samprio_e2e::oidc`), configured by its issuer
//! URL alone: discovery, key rotation, a flood of unknown `kid`s, CVR and group
//! mapping, a CVR the issuer may not vouch for, and the provider going down.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use samprio_e2e::oidc::OidcProvider;
use samprio_e2e::samprio_client::{Client, pb};
use samprio_e2e::samprio_server::auth::{Algorithm, ClaimMapping, IssuerConfig};
use samprio_e2e::{AUDIENCE, Engine, TestApp};
use serde_json::json;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

const SECRET: &str = "a-client-secret-long-enough-for-the-provider";

/// A municipal broker's clients: Aarhus staff (CVR 55133018, code 0751) in
/// various groups, and a København system (CVR 64942212, code 0101).
fn provider_config() -> serde_json::Value {
    let client = |cvr: &str, groups: serde_json::Value, name: &str| json!({ "secret": SECRET, "claims": { "cvr": cvr, "groups": groups, "name": name } });
    json!({ "clients": {
        "aarhus-drift": client("55133018", json!(["Alle medarbejdere", "GG-Samprio-Drift"]), "Drift Aarhus"),
        "aarhus-ansat": client("55133018", json!(["Alle medarbejdere"]), "Ansat Aarhus"),
        "kbh-drift": client("64942212", json!(["GG-Samprio-Drift"]), "Drift København"),
    }})
}

/// The issuer entry for the provider: by its URL, `cvr` and `groups` mapped,
/// vouching for Aarhus only.
fn issuer(provider: &OidcProvider, min_refetch_secs: u64) -> IssuerConfig {
    IssuerConfig {
        iss: provider.issuer.clone(),
        algorithm: Algorithm::RS256,
        discovery: true,
        jwks_min_refetch_secs: min_refetch_secs,
        municipalities: vec!["0751".into()],
        claims: ClaimMapping {
            cvr: Some("cvr".into()),
            roles: Some("groups".into()),
            role_map: [
                ("GG-Samprio-Drift".to_owned(), vec!["operator".to_owned()]),
                ("GG-Samprio-Formand".to_owned(), vec!["chair:midtjylland".to_owned()]),
            ]
            .into_iter()
            .collect(),
            ..ClaimMapping::default()
        },
        ..IssuerConfig::default()
    }
}

async fn start(min_refetch_secs: u64) -> Option<(OidcProvider, TestApp)> {
    let provider = OidcProvider::start(AUDIENCE, provider_config()).await?;
    let entry = issuer(&provider, min_refetch_secs);
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.auth.issuers.push(entry))
        .await
        .expect("sqlite");
    Some((provider, app))
}

/// Creates a cooperation, which only an operator may do.
async fn create(client: &Client, id: &str) -> Result<(), tonic::Status> {
    client
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: format!("coop-{id}"),
            name: format!("Samarbejde {id}"),
            rules: Some(pb::CooperationRules {
                default_weighting: pb::Weighting::Equal as i32,
                default_quorum_bp: 5000,
                allow_delegated_voting: false,
            }),
            request_id: String::new(),
            ..Default::default()
        })
        .await
        .map(drop)
}

/// A token naming `kid` and the provider as issuer, with a signature made by
/// no one: it can only be refused, after the verifier looked for the key.
fn unknown_kid_token(issuer: &str, kid: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "typ": "JWT", "kid": kid }).to_string());
    let claims = URL_SAFE_NO_PAD.encode(
        json!({ "iss": issuer, "aud": AUDIENCE, "sub": "x", "exp": 4_000_000_000u64, "cvr": "55133018" }).to_string(),
    );
    format!("{header}.{claims}.{}", URL_SAFE_NO_PAD.encode([7u8; 256]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_with_cvr_and_group_mapping() {
    let Some((provider, app)) = start(60).await else { return };

    // Aarhus's operator group becomes samprio's `operator` role.
    let drift = provider.client_token("aarhus-drift", SECRET).await;
    create(&app.with_token(&drift), "midtjylland")
        .await
        .expect("operator by group");

    // Signed in as Aarhus, but in no samprio group: no roles, so not allowed.
    let ansat = provider.client_token("aarhus-ansat", SECRET).await;
    let s = create(&app.with_token(&ansat), "andet").await.unwrap_err();
    assert_eq!(s.code(), Code::PermissionDenied, "{s:?}");
    app.with_token(&ansat)
        .cooperations()
        .list_cooperations(pb::ListCooperationsRequest::default())
        .await
        .expect("authenticated all the same");

    // København's CVR, from an issuer trusted for Aarhus only.
    let kbh = provider.client_token("kbh-drift", SECRET).await;
    let s = create(&app.with_token(&kbh), "kbh").await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");
    assert!(s.message().contains("0101"), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_needs_one_refetch() {
    let Some((provider, app)) = start(0).await else { return };
    let old = provider.client_token("aarhus-drift", SECRET).await;
    create(&app.with_token(&old), "a")
        .await
        .expect("token of the first key");
    let fetched = provider.jwks_fetches().await;

    // The provider rolls over to a new key and still publishes the old one.
    provider.rotate(true).await;
    let new = provider.client_token("aarhus-drift", SECRET).await;
    create(&app.with_token(&new), "b")
        .await
        .expect("new key after a refetch");
    assert_eq!(provider.jwks_fetches().await, fetched + 1, "exactly one refetch");
    create(&app.with_token(&old), "c")
        .await
        .expect("old key still published");
    create(&app.with_token(&new), "d").await.expect("cached now");
    assert_eq!(provider.jwks_fetches().await, fetched + 1, "no further refetch");

    // Then it drops the old key: old tokens stop working once samprio knows.
    provider.rotate(false).await;
    let newest = provider.client_token("aarhus-drift", SECRET).await;
    create(&app.with_token(&newest), "e").await.expect("newest key");
    let s = create(&app.with_token(&old), "f").await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");
    assert!(s.message().contains("kid"), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_costs_the_provider_one_fetch() {
    let Some((provider, app)) = start(3600).await else {
        return;
    };
    let good = provider.client_token("aarhus-drift", SECRET).await;
    let before = provider.jwks_fetches().await;
    assert_eq!(before, 1, "fetched once at start-up");

    let calls = (0..40).map(|i| {
        let client = app.with_token(&unknown_kid_token(&provider.issuer, &format!("made-up-{i}")));
        async move { create(&client, &format!("x{i}")).await }
    });
    for result in futures::future::join_all(calls).await {
        let s = result.unwrap_err();
        assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");
    }
    assert_eq!(provider.jwks_fetches().await, before + 1, "refetches are rate limited");
    create(&app.with_token(&good), "ok")
        .await
        .expect("known keys unaffected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_down_cached_keys_keep_verifying() {
    let Some((mut provider, app)) = start(0).await else {
        return;
    };
    assert_eq!(
        identity_health(&app, "samprio.identity", true).await,
        ServingStatus::Serving
    );
    let token = provider.client_token("aarhus-drift", SECRET).await;
    let iss = provider.issuer.clone();
    provider.stop();

    create(&app.with_token(&token), "a").await.expect("cached key verifies");
    // An unknown kid now means a failed refetch: refused, server unharmed.
    let s = create(&app.with_token(&unknown_kid_token(&iss, "new")), "b")
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");
    create(&app.with_token(&token), "c").await.expect("still verifies");
    // Health says which part is wrong: the server serves, the provider is
    // unreachable.
    assert_eq!(
        identity_health(&app, "samprio.identity", false).await,
        ServingStatus::NotServing
    );
    assert_eq!(identity_health(&app, "", true).await, ServingStatus::Serving);

    // A server whose provider is down at start-up starts all the same: its
    // tokens are refused until the provider answers, other issuers work.
    let entry = issuer(&provider, 0);
    let second = TestApp::spawn_with(Engine::Sqlite, |c| c.auth.issuers.push(entry))
        .await
        .expect("starts without its provider");
    let s = create(&second.with_token(&token), "d").await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");
    create(&second.operator(), "e")
        .await
        .expect("key-file issuers unaffected");
    assert_eq!(
        identity_health(&second, "samprio.identity", false).await,
        ServingStatus::NotServing
    );
}

/// The health status of `service`, waiting up to ten seconds for it to
/// become the wanted one (`serving`) — the report follows the key fetches
/// once a second.
async fn identity_health(app: &TestApp, service: &str, serving: bool) -> ServingStatus {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let want = if serving {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    let mut health = HealthClient::new(app.anonymous().channel());
    let mut last = ServingStatus::Unknown;
    for _ in 0..100 {
        if let Ok(r) = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
        {
            last = r.into_inner().status();
            if last == want {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}
