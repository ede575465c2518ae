//! Authentication end to end: every way a token can be wrong is refused with
//! UNAUTHENTICATED before anything runs; health and reflection need no token.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use samprio_e2e::samprio_client::pb;
use samprio_e2e::samprio_server::auth::{Algorithm, Role, TokenMinter};
use samprio_e2e::{AUDIENCE, COOP, Engine, ISSUER_A, OTHER_ISSUER_MUNICIPALITY, TestApp, ed25519_key};
use serde_json::json;
use tonic::Code;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn claims(iss: &str, municipality: &str) -> serde_json::Value {
    json!({
        "iss": iss, "aud": AUDIENCE, "sub": "someone", "exp": now() + 600,
        "municipality": municipality, "roles": ["observer"],
    })
}

async fn attempt(app: &TestApp, token: &str) -> tonic::Status {
    app.with_token(token)
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .expect_err("the call must be refused")
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let s = attempt(app, token).await;
    assert_eq!(s.code(), Code::Unauthenticated, "{what}: {s:?}");
}

#[tokio::test]
async fn every_bad_token_is_unauthenticated() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    app.seed_default().await;

    // The good token works, so the refusals below are about the token alone.
    let ok = app.issuer_a.mint_claims(&claims(ISSUER_A, "0101"));
    app.with_token(&ok)
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .unwrap();

    let s = app
        .anonymous()
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest { id: COOP.into() })
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated, "no token");

    // Signed by another key, claiming issuer A.
    let forger = TokenMinter::new(
        ISSUER_A,
        AUDIENCE,
        Algorithm::EdDSA,
        ed25519_key().private_pem.as_bytes(),
        None,
    )
    .unwrap();
    assert_refused(
        &app,
        &forger.mint("x", "0101", &[Role::Board], std::time::Duration::from_secs(60)),
        "bad signature",
    )
    .await;

    // alg: none.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(ISSUER_A, "0101").to_string());
    assert_refused(&app, &format!("{header}.{payload}."), "alg none").await;

    // HS256 "signed" with the issuer's public key as the secret: not the issuer's algorithm.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(ISSUER_A, "0101"),
        &jsonwebtoken::EncodingKey::from_secret(app.key_a.public_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_refused(&app, &hs, "algorithm not the issuer's").await;

    let mut expired = claims(ISSUER_A, "0101");
    expired["exp"] = json!(now() - 3600);
    assert_refused(&app, &app.issuer_a.mint_claims(&expired), "expired").await;

    let mut wrong_aud = claims(ISSUER_A, "0101");
    wrong_aud["aud"] = json!("someone-else");
    assert_refused(&app, &app.issuer_a.mint_claims(&wrong_aud), "wrong audience").await;

    let unknown = TokenMinter::new(
        "https://unknown.test",
        AUDIENCE,
        Algorithm::EdDSA,
        ed25519_key().private_pem.as_bytes(),
        None,
    )
    .unwrap();
    assert_refused(
        &app,
        &unknown.mint("x", "0101", &[Role::Board], std::time::Duration::from_secs(60)),
        "unknown issuer",
    )
    .await;

    // Issuer B may vouch only for its own municipality.
    let b_for_a = app
        .issuer_b
        .mint("x", "0101", &[Role::Board], std::time::Duration::from_secs(60));
    let s = attempt(&app, &b_for_a).await;
    assert_eq!(s.code(), Code::Unauthenticated);
    assert!(
        s.message().contains("0101"),
        "the refusal names the municipality: {}",
        s.message()
    );
    let b_for_b = app.issuer_b.mint(
        "x",
        OTHER_ISSUER_MUNICIPALITY,
        &[Role::Observer],
        std::time::Duration::from_secs(60),
    );
    let s = attempt(&app, &b_for_b).await;
    assert_eq!(s.code(), Code::PermissionDenied, "authenticated, but not a member");

    for missing in ["sub", "exp", "municipality", "roles", "aud"] {
        let mut c = claims(ISSUER_A, "0101");
        c.as_object_mut().unwrap().remove(missing);
        assert_refused(&app, &app.issuer_a.mint_claims(&c), missing).await;
    }
    let mut bad_role = claims(ISSUER_A, "0101");
    bad_role["roles"] = json!(["king"]);
    assert_refused(&app, &app.issuer_a.mint_claims(&bad_role), "unknown role").await;

    assert_refused(&app, "not.a.jwt", "garbage").await;
}

#[tokio::test]
async fn health_and_reflection_need_no_token() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let channel = app.anonymous().channel();
    let mut health = HealthClient::new(channel.clone());
    let r = health
        .check(HealthCheckRequest {
            service: "samprio.v1.ProposalService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let mut refl = ServerReflectionClient::new(channel);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = refl
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
        panic!("unexpected {resp:?}")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for svc in [
        "samprio.v1.CooperationService",
        "samprio.v1.ProposalService",
        "samprio.v1.SessionService",
        "samprio.v1.PriorityService",
        "samprio.v1.AuditService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.contains(&svc), "{svc} missing from {names:?}");
    }
}

/// Mutual TLS for partner systems (`[tls] client_ca_file`): a connection
/// without a certificate of the configured CA gets no answer at all, one
/// with it is served, and the bearer token is still required.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate_of_the_configured_ca() {
    use samprio_e2e::samprio_client::pb::ListCooperationsRequest;
    use samprio_e2e::samprio_client::pb::cooperation_service_client::CooperationServiceClient;
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

    let certs = tempfile::tempdir().unwrap();
    let mtls = samprio_e2e::tls::mutual_tls(certs.path());
    let server = mtls.server.clone();
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.tls = Some(server))
        .await
        .unwrap();
    let token = app.token("0101", &["observer"]);
    let list = |identity: Option<Identity>, token: Option<String>| {
        let mut tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&mtls.ca_pem))
            .domain_name("localhost");
        if let Some(identity) = identity {
            tls = tls.identity(identity);
        }
        let addr = app.addr.clone();
        async move {
            let channel = Endpoint::from_shared(addr)
                .unwrap()
                .tls_config(tls)
                .unwrap()
                .connect()
                .await
                .map_err(|e| tonic::Status::unavailable(format!("{e:?}")))?;
            let mut client = CooperationServiceClient::new(channel);
            let mut request = tonic::Request::new(ListCooperationsRequest::default());
            if let Some(token) = token {
                request
                    .metadata_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
            }
            client.list_cooperations(request).await.map(|r| r.into_inner())
        }
    };
    let partner = || Identity::from_pem(&mtls.client_cert_pem, &mtls.client_key_pem);

    list(Some(partner()), Some(token.clone()))
        .await
        .expect("a partner system with the CA's certificate is served");
    let s = list(Some(partner()), None).await.expect_err("no token");
    assert_eq!(s.code(), Code::Unauthenticated, "{s:?}");

    let s = list(None, Some(token.clone()))
        .await
        .expect_err("no client certificate: refused");
    assert_ne!(
        s.code(),
        Code::Unauthenticated,
        "refused in the handshake, before any token check: {s:?}"
    );

    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger = samprio_e2e::tls::mutual_tls(stranger_dir.path());
    let s = list(
        Some(Identity::from_pem(&stranger.client_cert_pem, &stranger.client_key_pem)),
        Some(token),
    )
    .await
    .expect_err("a certificate of another CA: refused");
    assert_ne!(s.code(), Code::Unauthenticated, "{s:?}");
}
