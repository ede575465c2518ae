//! The register of municipalities through the API, and members filled in
//! from it, end to end on both engines.

use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, TestApp, e2e, violated_fields};
use tonic::Code;

fn rules() -> pb::CooperationRules {
    pb::CooperationRules {
        default_weighting: pb::Weighting::Population as i32,
        default_quorum_bp: 5000,
        allow_delegated_voting: false,
    }
}

async fn register_lists_and_looks_up_municipalities(app: TestApp) {
    let mut r = app.as_("0151", &["observer"]).register();
    let all = r
        .list_municipalities(pb::ListMunicipalitiesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .municipalities;
    assert_eq!(all.len(), 98);
    assert_eq!(all.iter().map(|m| m.population).sum::<i64>(), 6_025_511);

    let sj = r
        .list_municipalities(pb::ListMunicipalitiesRequest {
            region: "Region Sjælland".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .municipalities;
    assert_eq!(sj.len(), 17);
    assert!(sj.iter().all(|m| m.region_key == "sjælland"));

    use pb::get_municipality_request::Key;
    let by_code = r
        .get_municipality(pb::GetMunicipalityRequest {
            key: Some(Key::Code("101".into())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (by_code.code.as_str(), by_code.name.as_str(), by_code.cvr.as_str()),
        ("0101", "København", "64942212")
    );
    assert_eq!(by_code.population_date, "2026-01-01");
    let by_cvr = r
        .get_municipality(pb::GetMunicipalityRequest {
            key: Some(Key::Cvr("11259979".into())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_cvr.name, "Frederiksberg");

    let e = r
        .get_municipality(pb::GetMunicipalityRequest {
            key: Some(Key::Code("0411".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "Christiansø is no municipality");
    let e = r
        .get_municipality(pb::GetMunicipalityRequest {
            key: Some(Key::Cvr("123".into())),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["cvr"]);
    let e = r
        .list_municipalities(pb::ListMunicipalitiesRequest {
            region: "atlantis".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["region"]);

    let e = app
        .anonymous()
        .register()
        .list_municipalities(pb::ListMunicipalitiesRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
}

async fn members_are_filled_in_from_the_register(app: TestApp) {
    app.operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: COOP.into(),
            name: "Hovedstaden".into(),
            rules: Some(rules()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut s = app.secretariat().cooperations();
    let kbh = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0101".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kbh.name, "København");
    assert_eq!(kbh.population, 671_714);
    assert_eq!(kbh.population_date, "2026-01-01");

    // A given name and population override the register's; the date is
    // the one given with the population, or unknown.
    let frb = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0147".into(),
            name: "Frederiksberg Kommune".into(),
            population: Some(105_000),
            population_date: "2025-10-01".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (frb.name.as_str(), frb.population, frb.population_date.as_str()),
        ("Frederiksberg Kommune", 105_000, "2025-10-01")
    );
    let bal = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0151".into(),
            population: Some(50_000),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((bal.name.as_str(), bal.population_date.as_str()), ("Ballerup", ""));

    // A code the register does not know needs a name.
    let e = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "9999".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["name"]);
    let e = s
        .add_member(pb::AddMemberRequest {
            cooperation_id: COOP.into(),
            code: "0153".into(),
            population: Some(1),
            population_date: "1. januar".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["population_date"]);

    // A new count replaces the date with its own.
    let updated = s
        .update_member(pb::UpdateMemberRequest {
            cooperation_id: COOP.into(),
            code: "0101".into(),
            population: Some(672_000),
            population_date: "2026-04-01".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.population_date, "2026-04-01");

    let listed = app
        .as_("0147", &["observer"])
        .cooperations()
        .list_members(pb::ListMembersRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(
        listed
            .iter()
            .map(|m| (m.code.as_str(), m.population_date.as_str()))
            .collect::<Vec<_>>(),
        [("0101", "2026-04-01"), ("0147", "2025-10-01"), ("0151", "")]
    );
}

async fn a_cooperation_is_created_with_a_region_and_codes(app: TestApp) {
    let before = app.event_count().await;
    let c = app
        .operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: COOP.into(),
            name: "Nordjylland og venner".into(),
            rules: Some(rules()),
            member_region: "nordjylland".into(),
            // Aarhus, and Aalborg again (already in the region): once.
            member_codes: vec!["0751".into(), "0851".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.member_count, 12);
    assert_eq!(
        app.event_count().await - before,
        13,
        "one cooperation.created and twelve member.added"
    );
    let members = app
        .as_("0101", &["operator"])
        .cooperations()
        .list_members(pb::ListMembersRequest {
            cooperation_id: COOP.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(members.len(), 12);
    let aarhus = members.iter().find(|m| m.code == "0751").unwrap();
    assert_eq!(
        (aarhus.name.as_str(), aarhus.population_date.as_str()),
        ("Aarhus", "2026-01-01")
    );
    assert!(members.iter().all(|m| m.population > 0));

    // A bad code or region writes nothing and names the field.
    let before = app.event_count().await;
    let e = app
        .operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: "other".into(),
            name: "Other".into(),
            rules: Some(rules()),
            member_region: "skåne".into(),
            member_codes: vec!["0101".into(), "0411".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["member_region", "member_codes[1]"]);
    assert_eq!(app.event_count().await, before);
}

/// Newer FOLK1A counts, once stored, are what members added later get; the
/// same counts again store nothing.
async fn stored_population_counts_fill_new_members(app: TestApp) {
    use samprio_e2e::samprio_server::domain::register::folk1a::Count;
    use samprio_e2e::samprio_server::domain::register::stored;
    let counts = vec![
        Count {
            code: "0147".into(),
            population: 105_123,
            date: "2026-04-01".into(),
        },
        Count {
            code: "0151".into(),
            population: 1,
            date: "2025-01-01".into(),
        },
    ];
    let now = chrono::Utc::now().timestamp_micros();
    let events = app.event_count().await;
    let done = stored::import(&*app.store, &counts, now).await.unwrap();
    assert_eq!(
        (done.stored, done.kept),
        (1, 1),
        "0151's count is older than the register's"
    );
    assert_eq!(app.event_count().await, events + 1);
    let again = stored::import(&*app.store, &counts, now).await.unwrap();
    assert_eq!((again.stored, again.kept), (0, 2));
    assert_eq!(app.event_count().await, events + 1);

    app.seed(rules(), &[]).await;
    let mut s = app.secretariat().cooperations();
    let add = |code: &str| pb::AddMemberRequest {
        cooperation_id: COOP.into(),
        code: code.into(),
        ..Default::default()
    };
    let fb = s.add_member(add("0147")).await.unwrap().into_inner();
    assert_eq!((fb.population, fb.population_date.as_str()), (105_123, "2026-04-01"));
    let ba = s.add_member(add("0151")).await.unwrap().into_inner();
    assert_eq!(ba.population_date, "2026-01-01", "the register's own count");
}

e2e!(
    stored_population_counts_fill_new_members,
    register_lists_and_looks_up_municipalities,
    members_are_filled_in_from_the_register,
    a_cooperation_is_created_with_a_region_and_codes,
);
