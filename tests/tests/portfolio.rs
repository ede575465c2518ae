//! The members' portfolios of IT systems end to end on both engines: writes
//! by the member's own lead or board only, reads by every partner, filters
//! and pages, the CSV template both ways, shared opportunities for a
//! hand-made case with a known answer, a draft proposal made of one, and a
//! proposal's linked systems showing the members they concern.

use chrono::{Months, Utc};
use samprio_e2e::samprio_client::pb;
use samprio_e2e::{COOP, TestApp, e2e, violated_fields};
use tonic::Code;

fn fields(name: &str, vendor: &str, function: &str) -> pb::SystemFields {
    pb::SystemFields {
        name: name.into(),
        vendor: vendor.into(),
        function: function.into(),
        lifecycle: pb::Lifecycle::Operational as i32,
        ..Default::default()
    }
}

fn create(code: &str, f: pb::SystemFields) -> pb::CreateSystemRequest {
    pb::CreateSystemRequest {
        cooperation_id: COOP.into(),
        municipality: code.into(),
        system: Some(f),
        request_id: String::new(),
    }
}

fn list(code: &str) -> pb::ListSystemsRequest {
    pb::ListSystemsRequest {
        cooperation_id: COOP.into(),
        municipality: code.into(),
        ..Default::default()
    }
}

fn names(systems: &[pb::PortfolioSystem]) -> Vec<String> {
    let mut v: Vec<String> = systems
        .iter()
        .map(|s| s.fields.as_ref().unwrap().name.clone())
        .collect();
    v.sort();
    v
}

/// A date `months` from today, as the server's "today" is UTC.
fn in_months(months: u32) -> String {
    (Utc::now().date_naive() + Months::new(months))
        .format("%Y-%m-%d")
        .to_string()
}

async fn portfolio_crud_with_permissions(app: TestApp) {
    app.seed_default().await;
    let lead = app.as_("0101", &["digital_lead"]);
    let mut p = lead.portfolio();
    let events_before = app.event_count().await;

    let mut esdh = fields("SBSYS", "Netcompany A/S", "ESDH");
    esdh.contract_end = "2027-06-30".into();
    esdh.yearly_cost_dkk = Some(1_200_000);
    esdh.ai = pb::AiUse::No as i32;
    esdh.personal_data = true;
    esdh.time_class = pb::TimeClass::Migrate as i32;
    let sbsys = p
        .create_system(create("0101", esdh.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sbsys.municipality, "0101");
    assert!(sbsys.id.starts_with("s-"), "derived from name and vendor: {}", sbsys.id);
    assert_eq!(sbsys.fields.as_ref().unwrap(), &esdh);
    let again = p.create_system(create("0101", esdh.clone())).await.unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists, "{again:?}");

    let mut aula = fields("Aula", "Netcompany", "Kommunikation");
    aula.ai = pb::AiUse::Yes as i32;
    aula.time_class = pb::TimeClass::Invest as i32;
    aula.contract_end = "2029-12-31".into();
    p.create_system(create("0101", aula)).await.unwrap();
    p.create_system(create("0101", fields("Opus Økonomi", "KMD A/S", "Økonomi")))
        .await
        .unwrap();
    assert_eq!(app.event_count().await, events_before + 3, "every change is an event");

    // Every partner reads, observers too; a non-member does not.
    for reader in [
        app.as_("0147", &["observer"]),
        app.as_("0151", &["digital_lead"]),
        app.as_("0101", &["observer"]),
    ] {
        let got = reader
            .portfolio()
            .get_system(pb::GetSystemRequest {
                cooperation_id: COOP.into(),
                municipality: "0101".into(),
                id: sbsys.id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got, sbsys);
    }
    let outsider = app
        .as_("0157", &["digital_lead"])
        .portfolio()
        .list_systems(list("0101"))
        .await
        .unwrap_err();
    assert_eq!(outsider.code(), Code::PermissionDenied, "{outsider:?}");

    // Another member's lead, and the member's observer, cannot write.
    for (who, roles) in [("0147", "digital_lead"), ("0101", "observer")] {
        let e = app
            .as_(who, &[roles])
            .portfolio()
            .create_system(create("0101", fields("Snyd", "", "")))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{who} {roles}: {e:?}");
    }
    // The board writes.
    app.as_("0101", &["board"])
        .portfolio()
        .create_system(create("0101", fields("Byggesagsbehandling", "", "Byg")))
        .await
        .unwrap();

    // Bad input names its fields.
    let mut bad = fields("", "", "");
    bad.contract_end = "30-06-2027".into();
    bad.yearly_cost_dkk = Some(-1);
    let e = p.create_system(create("0101", bad)).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let mut v = violated_fields(&e);
    v.sort();
    assert_eq!(v, ["system.contract_end", "system.name", "system.yearly_cost_dkk"]);

    // Filters: TIME class, AI, contract ending before a date, vendor.
    let mut r = app.as_("0147", &["observer"]).portfolio();
    let by = |f: fn(&mut pb::ListSystemsRequest)| {
        let mut req = list("0101");
        f(&mut req);
        req
    };
    let got = r
        .list_systems(by(|q| q.time_class = pb::TimeClass::Migrate as i32))
        .await
        .unwrap();
    assert_eq!(names(&got.into_inner().systems), ["SBSYS"]);
    let got = r.list_systems(by(|q| q.ai = pb::AiUse::Yes as i32)).await.unwrap();
    assert_eq!(names(&got.into_inner().systems), ["Aula"]);
    let got = r
        .list_systems(by(|q| q.contract_ends_before = "2028-01-01".into()))
        .await
        .unwrap();
    assert_eq!(names(&got.into_inner().systems), ["SBSYS"]);
    let got = r.list_systems(by(|q| q.vendor = "netcompany".into())).await.unwrap();
    assert_eq!(names(&got.into_inner().systems), ["Aula", "SBSYS"]);
    let e = r
        .list_systems(by(|q| q.contract_ends_before = "snart".into()))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["contract_ends_before"]);

    // Pages of two, then the whole cooperation.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let mut req = list("0101");
        req.page_size = 2;
        req.page_token = token;
        let page = r.list_systems(req).await.unwrap().into_inner();
        assert!(page.systems.len() <= 2);
        seen.extend(page.systems);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(names(&seen), ["Aula", "Byggesagsbehandling", "Opus Økonomi", "SBSYS"]);
    app.as_("0147", &["digital_lead"])
        .portfolio()
        .create_system(create("0147", fields("SBSYS", "Netcompany", "ESDH")))
        .await
        .unwrap();
    let all = r.list_systems(list("")).await.unwrap().into_inner().systems;
    assert_eq!(all.len(), 5);
    assert_eq!(all.iter().filter(|s| s.municipality == "0147").count(), 1);

    // Update with the etag; a stale etag is refused.
    let mut changed = esdh.clone();
    changed.time_class = pb::TimeClass::Eliminate as i32;
    let updated = p
        .update_system(pb::UpdateSystemRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            id: sbsys.id.clone(),
            system: Some(changed.clone()),
            etag: sbsys.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        updated.fields.as_ref().unwrap().time_class,
        pb::TimeClass::Eliminate as i32
    );
    assert_ne!(updated.etag, sbsys.etag);
    let stale = p
        .update_system(pb::UpdateSystemRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            id: sbsys.id.clone(),
            system: Some(changed),
            etag: sbsys.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    // Delete; the system is gone, and the log has every change.
    p.delete_system(pb::DeleteSystemRequest {
        cooperation_id: COOP.into(),
        municipality: "0101".into(),
        id: sbsys.id.clone(),
        etag: updated.etag,
        request_id: String::new(),
    })
    .await
    .unwrap();
    let gone = p
        .get_system(pb::GetSystemRequest {
            cooperation_id: COOP.into(),
            municipality: "0101".into(),
            id: sbsys.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let events = app
        .chair()
        .audit()
        .list_events(pb::ListEventsRequest {
            cooperation_id: COOP.into(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("portfolio."))
        .collect();
    assert_eq!(
        actions,
        [
            "portfolio.system_created",
            "portfolio.system_created",
            "portfolio.system_created",
            "portfolio.system_created",
            "portfolio.system_created",
            "portfolio.system_updated",
            "portfolio.system_deleted",
        ]
    );
    assert!(app.verify_chain().await.ok);
}

const CSV: &str = "name;vendor;function;lifecycle;contract_end;yearly_cost_dkk;ai;personal_data;time_class\n\
SBSYS;Netcompany A/S;ESDH;operational;2027-06-30;1200000;nej;ja;migrate\n\
Aula;Netcompany;Kommunikation;OPERATIONAL;;;ja;ja;invest\n\
Gammelt regneark;;;phasing-out;;;;nej;eliminate\n";

async fn csv_round_trip(app: TestApp) {
    app.seed_default().await;
    let mut p = app.as_("0151", &["digital_lead"]).portfolio();
    let import = |csv: &str, replace: bool| pb::ImportCsvRequest {
        cooperation_id: COOP.into(),
        municipality: "0151".into(),
        csv: csv.into(),
        replace,
        request_id: String::new(),
    };
    let first = p.import_csv(import(CSV, false)).await.unwrap().into_inner();
    assert_eq!(first.summary, "3 added, 0 changed, 0 removed, 0 unchanged");
    assert!(!first.nothing_changed);
    assert_eq!(first.source, "CSV");

    let exported = p
        .export_csv(pb::ExportCsvRequest {
            cooperation_id: COOP.into(),
            municipality: "0151".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .csv;
    assert!(exported.starts_with("id,name,vendor,function,"), "{exported}");
    assert_eq!(exported.lines().count(), 4);

    // The exported file is the portfolio: importing it changes nothing,
    // writes nothing, and says so.
    let events = app.event_count().await;
    let again = p.import_csv(import(&exported, true)).await.unwrap().into_inner();
    assert!(again.nothing_changed, "{}", again.summary);
    assert_eq!(again.summary, "0 added, 0 changed, 0 removed, 3 unchanged");
    assert_eq!(app.event_count().await, events);

    // An edited row changes one system; with replace, a missing row removes one.
    let edited: String = exported
        .lines()
        .filter(|l| !l.contains("Gammelt regneark"))
        .map(|l| l.replace(",MIGRATE,", ",ELIMINATE,") + "\n")
        .collect();
    let r = p.import_csv(import(&edited, true)).await.unwrap().into_inner();
    assert_eq!(r.summary, "0 added, 1 changed, 1 removed, 1 unchanged");
    let left = p.list_systems(list("0151")).await.unwrap().into_inner().systems;
    assert_eq!(names(&left), ["Aula", "SBSYS"]);
    let sbsys = left
        .iter()
        .find(|s| s.fields.as_ref().unwrap().name == "SBSYS")
        .unwrap();
    let f = sbsys.fields.as_ref().unwrap();
    assert_eq!(
        (
            f.time_class,
            f.contract_end.as_str(),
            f.yearly_cost_dkk,
            f.personal_data
        ),
        (pb::TimeClass::Eliminate as i32, "2027-06-30", Some(1_200_000), true)
    );

    // A bad file says where.
    let e = p
        .import_csv(import("name;contract_end\nSBSYS;snart\n", false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["csv"]);
    assert!(e.message().contains("line 2"), "{}", e.message());

    // Another member's lead cannot import into 0151's portfolio.
    let e = app
        .as_("0101", &["digital_lead"])
        .portfolio()
        .import_csv(import(CSV, false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}

/// Five members; ESDH contracts of four end within 24 months, three of them
/// SBSYS; 0153 runs SBSYS too, but its contract ends in five years.
async fn seed_esdh(app: &TestApp) -> std::collections::HashMap<String, String> {
    let mut ids = std::collections::HashMap::new();
    for (code, name, months, cost) in [
        ("0101", "SBSYS", 10, 1_000_000),
        ("0147", "sbsys", 14, 400_000),
        ("0151", "SBSYS ", 20, 300_000),
        ("0153", "SBSYS", 60, 200_000),
        ("0155", "WorkZone", 6, 250_000),
    ] {
        let mut f = fields(name, "", "ESDH");
        f.contract_end = in_months(months);
        f.yearly_cost_dkk = Some(cost);
        let s = app
            .as_(code, &["digital_lead"])
            .portfolio()
            .create_system(create(code, f))
            .await
            .unwrap()
            .into_inner();
        ids.insert(code.to_string(), s.id);
    }
    ids
}

async fn opportunities_for_a_hand_made_case(app: TestApp) {
    app.seed_default().await;
    let ids = seed_esdh(&app).await;
    let mut r = app.as_("0153", &["observer"]).portfolio();
    let found = r
        .list_opportunities(pb::ListOpportunitiesRequest {
            cooperation_id: COOP.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.member_count, 5);
    let got: Vec<(i32, &str, Vec<&str>, u32, i64)> = found
        .opportunities
        .iter()
        .map(|o| {
            (
                o.overlap,
                o.label.as_str(),
                o.members.iter().map(|m| m.municipality.as_str()).collect(),
                o.running,
                o.yearly_cost_dkk,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                pb::Overlap::Function as i32,
                "ESDH",
                vec!["0101", "0147", "0151", "0155"],
                5,
                1_950_000
            ),
            (
                pb::Overlap::System as i32,
                "SBSYS",
                vec!["0101", "0147", "0151"],
                4,
                1_700_000
            ),
        ]
    );
    assert!(
        found.opportunities[0]
            .headline
            .starts_with("4 of 5 members' ESDH contracts end in "),
        "{}",
        found.opportunities[0].headline
    );

    // Counting every contract, 0153 joins the SBSYS overlap; with three
    // members required, WorkZone alone is nothing.
    let all = r
        .list_opportunities(pb::ListOpportunitiesRequest {
            cooperation_id: COOP.into(),
            min_members: 3,
            window_months: Some(0),
        })
        .await
        .unwrap()
        .into_inner();
    let sbsys = all.opportunities.iter().find(|o| o.label == "SBSYS").unwrap();
    assert_eq!(sbsys.members.len(), 4);
    let e = r
        .list_opportunities(pb::ListOpportunitiesRequest {
            cooperation_id: COOP.into(),
            min_members: 1,
            window_months: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), ["min_members"]);

    // A digital lead turns the SBSYS overlap into a draft in one call.
    let draft = app
        .as_("0151", &["digital_lead"])
        .portfolio()
        .create_proposal_from_opportunity(pb::CreateProposalFromOpportunityRequest {
            cooperation_id: COOP.into(),
            overlap: pb::Overlap::System as i32,
            label: "sbsys".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(draft.status, pb::ProposalStatus::Draft as i32);
    assert_eq!(draft.sponsor, "0151");
    assert_eq!(draft.category, pb::Category::SharedProcurement as i32);
    assert_eq!(draft.title, "Fælles anskaffelse: SBSYS");
    let mut linked = draft.linked_systems.clone();
    linked.sort();
    let mut want: Vec<String> = ["0101", "0147", "0151"]
        .iter()
        .map(|c| format!("{c}:{}", ids[*c]))
        .collect();
    want.sort();
    assert_eq!(linked, want);
    assert!(draft.summary.contains("København (0101): SBSYS"), "{}", draft.summary);

    // An observer cannot; an opportunity that is not there is NOT_FOUND.
    let e = app
        .as_("0151", &["observer"])
        .portfolio()
        .create_proposal_from_opportunity(pb::CreateProposalFromOpportunityRequest {
            cooperation_id: COOP.into(),
            overlap: pb::Overlap::System as i32,
            label: "SBSYS".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
    let e = app
        .as_("0151", &["digital_lead"])
        .portfolio()
        .create_proposal_from_opportunity(pb::CreateProposalFromOpportunityRequest {
            cooperation_id: COOP.into(),
            overlap: pb::Overlap::Vendor as i32,
            label: "SBSYS".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);

    // The draft shows who runs the system, or another of its function.
    let shown = r
        .get_proposal_systems(pb::GetProposalSystemsRequest {
            proposal_id: draft.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.linked.len(), 3);
    let affected: Vec<(&str, &str, i32, &str)> = shown
        .affected
        .iter()
        .map(|a| {
            let s = a.system.as_ref().unwrap();
            (
                a.municipality.as_str(),
                a.member_name.as_str(),
                a.relation,
                s.fields.as_ref().unwrap().name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        affected,
        vec![
            ("0101", "København", pb::Relation::Linked as i32, "SBSYS"),
            ("0147", "Frederiksberg", pb::Relation::Linked as i32, "sbsys"),
            ("0151", "Ballerup", pb::Relation::Linked as i32, "SBSYS"),
            ("0153", "Brøndby", pb::Relation::SameSystem as i32, "SBSYS"),
            ("0155", "Dragør", pb::Relation::SameFunction as i32, "WorkZone"),
        ]
    );
    let dragør = shown.affected[4].system.as_ref().unwrap().fields.as_ref().unwrap();
    assert_eq!(dragør.contract_end, in_months(6));
}

async fn a_proposal_linking_systems_shows_the_affected_members(app: TestApp) {
    app.seed_default().await;
    let ids = seed_esdh(&app).await;
    let mut p = app.as_("0147", &["digital_lead"]).proposals();
    let mut content = samprio_e2e::content("Ny ESDH", 2_000_000, false);
    content.linked_systems = vec![format!("0147:{}", ids["0147"]), "Fagsystemer i øvrigt".into()];
    let proposal = p
        .create_proposal(pb::CreateProposalRequest {
            cooperation_id: COOP.into(),
            content: Some(content.clone()),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let shown = app
        .as_("0155", &["observer"])
        .portfolio()
        .get_proposal_systems(pb::GetProposalSystemsRequest {
            proposal_id: proposal.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.linked.len(), 1, "free text is not a portfolio system");
    assert_eq!(shown.linked[0].id, ids["0147"]);
    let members: Vec<(&str, i32)> = shown
        .affected
        .iter()
        .map(|a| (a.municipality.as_str(), a.relation))
        .collect();
    assert_eq!(
        members,
        vec![
            ("0101", pb::Relation::SameSystem as i32),
            ("0147", pb::Relation::Linked as i32),
            ("0151", pb::Relation::SameSystem as i32),
            ("0153", pb::Relation::SameSystem as i32),
            ("0155", pb::Relation::SameFunction as i32),
        ]
    );

    // A link to a system that is not there names the entry.
    content.linked_systems = vec!["ESDH".into(), "0101:s-findesikke".into()];
    let e = p
        .update_proposal(pb::UpdateProposalRequest {
            id: proposal.id.clone(),
            content: Some(content),
            etag: proposal.etag.clone(),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), ["content.linked_systems[1]"]);

    // The overview of the cooperation and of one member.
    let mut r = app.as_("0101", &["observer"]).portfolio();
    let o = r
        .get_portfolio_overview(pb::GetPortfolioOverviewRequest {
            cooperation_id: COOP.into(),
            municipality: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let all = o.overview.unwrap();
    assert_eq!((all.systems, all.yearly_cost_dkk), (5, 2_150_000));
    assert_eq!(all.contract_end_unknown, 0);
    assert_eq!(all.contracts_ending_by_year.iter().map(|y| y.systems).sum::<u32>(), 5);
    assert_eq!(o.members.len(), 5);
    let one = r
        .get_portfolio_overview(pb::GetPortfolioOverviewRequest {
            cooperation_id: COOP.into(),
            municipality: "0155".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.overview.unwrap().yearly_cost_dkk, 250_000);
    assert!(one.members.is_empty());
}

/// `samprio-server demo` in a test: a region's municipalities with generated
/// portfolios, proposals made of opportunities, a closed session, overrides.
async fn the_demo_is_a_living_cooperation(app: TestApp) {
    let now = Utc::now().timestamp_micros();
    let r = samprio_e2e::samprio_server::demo::run(&*app.store.clone(), "nordjylland", 40, 7, now)
        .await
        .unwrap();
    assert_eq!(r.cooperation_id, "demo-nordjylland");
    assert_eq!((r.members, r.systems, r.proposals), (11, 440, 3));
    assert!(r.adopted >= 2, "every member votes yes to two: {r:?}");
    assert_eq!(r.overrides, 2);

    let op = app.operator();
    let coop = op
        .cooperations()
        .get_cooperation(pb::GetCooperationRequest {
            id: r.cooperation_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        coop.name.contains("Demo") && coop.name.contains("genererede data"),
        "{}",
        coop.name
    );
    let systems = op
        .portfolio()
        .list_systems(pb::ListSystemsRequest {
            cooperation_id: r.cooperation_id.clone(),
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .systems;
    assert_eq!(systems.len(), 440);
    assert!(
        systems
            .iter()
            .all(|s| s.fields.as_ref().unwrap().name.ends_with(" (demo)"))
    );
    let shown = op
        .portfolio()
        .list_opportunities(pb::ListOpportunitiesRequest {
            cooperation_id: r.cooperation_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!shown.opportunities.is_empty());
    let minutes = op
        .sessions()
        .get_minutes(pb::GetMinutesRequest {
            session_id: r.session_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!minutes.markdown.is_empty());
    assert!(app.verify_chain().await.ok);

    // A second run finds the cooperation there and says so.
    let again = samprio_e2e::samprio_server::demo::run(&*app.store.clone(), "nordjylland", 40, 7, now).await;
    assert!(again.is_err());
}

/// A member has one portfolio, whichever partnership a change is made
/// through: the change is an event in the log of every cooperation the
/// municipality is a member of, and what another cooperation computed from
/// the portfolios (its opportunities, kept while its log stands still)
/// follows at once.
async fn a_change_through_one_cooperation_reaches_every_other(app: TestApp) {
    app.seed_default().await;
    const OTHER: &str = "anden-kreds";
    app.operator()
        .cooperations()
        .create_cooperation(pb::CreateCooperationRequest {
            id: OTHER.into(),
            name: "Anden kreds".into(),
            member_codes: vec!["0101".into(), "0147".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut observer = app.as_("0153", &["observer"]).portfolio();
    let opportunities = |o: &pb::ListOpportunitiesResponse| -> Vec<(String, Vec<String>)> {
        o.opportunities
            .iter()
            .map(|o| {
                let members = o.members.iter().map(|m| m.municipality.clone()).collect();
                (o.label.clone(), members)
            })
            .collect()
    };
    let search = pb::ListOpportunitiesRequest {
        cooperation_id: COOP.into(),
        ..Default::default()
    };
    let before = observer.list_opportunities(search.clone()).await.unwrap().into_inner();
    assert!(opportunities(&before).is_empty(), "{:?}", opportunities(&before));

    for (code, months) in [("0101", 8), ("0147", 12)] {
        let mut f = fields("Ydelsesrefusion", "Netcompany", "Refusion");
        f.contract_end = in_months(months);
        let mut req = create(code, f);
        req.cooperation_id = OTHER.into();
        app.as_(code, &["digital_lead"])
            .portfolio()
            .create_system(req)
            .await
            .unwrap();
    }
    let mut tx = app.store.begin_read().await.unwrap();
    for coop in [COOP, OTHER] {
        let created: Vec<String> = tx
            .list_events(Some(coop), 0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "portfolio.system_created")
            .map(|e| e.subject)
            .collect();
        assert_eq!(created.len(), 2, "{coop}: {created:?}");
        assert!(created.iter().all(|s| s.starts_with("portfolios/")), "{created:?}");
    }
    drop(tx);

    let after = observer.list_opportunities(search).await.unwrap().into_inner();
    let got = opportunities(&after);
    assert!(
        got.contains(&(
            "Ydelsesrefusion".to_string(),
            vec!["0101".to_string(), "0147".to_string()]
        )),
        "{got:?}"
    );
}

e2e!(
    the_demo_is_a_living_cooperation,
    a_change_through_one_cooperation_reaches_every_other,
    portfolio_crud_with_permissions,
    csv_round_trip,
    opportunities_for_a_hand_made_case,
    a_proposal_linking_systems_shows_the_affected_members,
);
