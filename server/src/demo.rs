//! `samprio-server demo`: a living cooperation in one command, so that a new
//! user sees what samprio does. The real municipalities of one region
//! become members; each gets a generated portfolio of about 300 systems
//! (clearly marked: every system's name ends in "(demo)", the cooperation's
//! name says so); then proposals made of shared opportunities, a session
//! that votes on them and closes, and a few local overrides. Everything goes
//! through the same domain operations as the API, as the people who would
//! do it (an operator, the secretariat, the chair, each member's digital
//! lead and board), so the log tells the story.
//!
//! The portfolios are generated from a small catalogue of systems Danish
//! municipalities commonly run, with a seeded generator: the same seed gives
//! the same data.

use crate::auth::{Principal, Role};
use crate::domain::cooperations::{self, NewCooperation};
use crate::domain::error::{Error, Result};
use crate::domain::model::{BallotContent, Choice, Method, OverrideKind, Rules, Threshold, Weighting, YesNoChoice};
use crate::domain::overrides::OverrideSpec;
use crate::domain::portfolio::csv_template;
use crate::domain::portfolio::opportunities::Overlap;
use crate::domain::portfolio::shared::{self, Search};
use crate::domain::portfolio::systems;
use crate::domain::portfolio::{AiUse, Lifecycle, PortfolioSystem, TimeClass, derived_id};
use crate::domain::register;
use crate::domain::sessions::rounds::{self, NewRound};
use crate::domain::sessions::{self, NewSession};
use crate::domain::write::Ctx;
use crate::domain::{overrides, proposals};
use crate::store::Store;

/// A small, fast, seeded generator (SplitMix64): demo data needs no more.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with `percent` % chance.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Functions every municipality has a system for, and systems that fill them.
const CATALOGUE: &[(&str, &[(&str, &str)])] = &[
    (
        "ESDH",
        &[
            ("SBSYS", "Fujitsu A/S"),
            ("WorkZone", "KMD A/S"),
            ("Acadre", "Tricept A/S"),
        ],
    ),
    ("Økonomi", &[("KMD Opus Økonomi", "KMD A/S"), ("Prisme", "Fujitsu A/S")]),
    (
        "Løn",
        &[
            ("KMD Opus Løn", "KMD A/S"),
            ("Silkeborg Data Løn", "Silkeborg Data A/S"),
        ],
    ),
    ("Omsorg", &[("Nexus", "Systematic A/S"), ("Cura", "Systematic A/S")]),
    ("Skolekommunikation", &[("Aula", "Netcompany A/S")]),
    ("Beskæftigelse", &[("Momentum", "Netcompany A/S")]),
    ("Ydelser", &[("KY", "Netcompany A/S")]),
    (
        "Skoleadministration",
        &[("Tabulex TEA", "EG A/S"), ("KMD Educa", "KMD A/S")],
    ),
    (
        "Dagtilbud",
        &[("Tabulex Dagtilbud", "EG A/S"), ("KMD Institution", "KMD A/S")],
    ),
    ("GIS", &[("ArcGIS", "Esri Danmark A/S"), ("MapInfo", "Precisely")]),
    ("Intranet", &[("SharePoint", "Microsoft"), ("Umbraco", "Umbraco A/S")]),
    (
        "Ledelsesinformation",
        &[("Power BI", "Microsoft"), ("Qlik Sense", "Qlik")],
    ),
    ("Byggesag", &[("Byg og Miljø", "Netcompany A/S"), ("Build", "EG A/S")]),
    ("Sygedagpenge", &[("KSD", "Netcompany A/S")]),
    (
        "Identitetsstyring",
        &[("OS2rollekatalog", "Digital Identity ApS"), ("Omada", "Omada A/S")],
    ),
];

/// Functions of the many smaller systems, and vendors who make them.
const NICHES: &[&str] = &[
    "Bibliotek",
    "Vej og park",
    "Miljø",
    "Natur",
    "Kultur",
    "Idræt",
    "Borgerservice",
    "Sundhed",
    "Tandpleje",
    "Handicap",
    "Psykiatri",
    "Familie",
    "Ungdomsskole",
    "Affald",
    "Beredskab",
    "Ejendom",
    "Indkøb",
    "HR",
    "Arbejdsmiljø",
    "Tilsyn",
    "Kørsel",
    "Booking",
    "Selvbetjening",
    "Arkiv",
    "Dokumentproduktion",
    "Integration",
    "Erhverv",
    "Planlægning",
    "Klima",
    "Sikkerhed",
];
const VENDORS: &[&str] = &[
    "KMD A/S",
    "Netcompany A/S",
    "EG A/S",
    "Fujitsu A/S",
    "Systematic A/S",
    "Schultz A/S",
    "Visma A/S",
    "Dedu ApS",
    "Formpipe A/S",
    "IST Danmark",
    "Hewlett Packard Enterprise",
    "Microsoft",
    "Atea A/S",
    "Twoday A/S",
    "Cbrain A/S",
    "Globeteam A/S",
    "Kombit",
    "OS2",
    "Nordcloud",
    "Unit4 A/S",
];

/// The suffix that marks every generated system.
pub const DEMO_MARK: &str = " (demo)";

/// About `n` generated systems of municipality `code`, as of `today`
/// (`YYYY-MM-DD`): one of each common function, the rest smaller systems.
pub fn portfolio(code: &str, n: usize, seed: u64, today: chrono::NaiveDate) -> Vec<PortfolioSystem> {
    let mut rng = Rng::new(seed ^ code.parse::<u64>().unwrap_or(0).wrapping_mul(0x1000_0001));
    let mut out = Vec::with_capacity(n);
    let make = |rng: &mut Rng, name: String, vendor: &str, function: &str| -> PortfolioSystem {
        let mut s = PortfolioSystem::named(code, &name);
        s.vendor = vendor.to_string();
        s.id = derived_id(code, &name, vendor);
        s.function = function.to_string();
        s.lifecycle = match rng.below(100) {
            0..=2 => Lifecycle::NotInUse,
            3..=9 => Lifecycle::PhasingOut,
            10..=14 => Lifecycle::PhasingIn,
            15..=19 => Lifecycle::Undecided,
            _ => Lifecycle::Operational,
        };
        if !rng.chance(15) {
            let days = rng.below(6 * 365);
            s.contract_end = Some((today + chrono::Days::new(days)).format("%Y-%m-%d").to_string());
        }
        if !rng.chance(10) {
            // Mostly small systems, a few large: 20.000 to about 3 million.
            let base = 20_000 + rng.below(180_000) as i64;
            s.yearly_cost_dkk = Some(if rng.chance(10) { base * 15 } else { base });
        }
        s.ai = match rng.below(100) {
            0..=7 => AiUse::Yes,
            8..=27 => AiUse::Undecided,
            _ => AiUse::No,
        };
        s.personal_data = rng.chance(55);
        s.time_class = match rng.below(5) {
            0 => None,
            1 => Some(TimeClass::Tolerate),
            2 => Some(TimeClass::Invest),
            3 => Some(TimeClass::Migrate),
            _ => Some(TimeClass::Eliminate),
        };
        s
    };
    for (function, choices) in CATALOGUE {
        let (name, vendor) = choices[rng.below(choices.len() as u64) as usize];
        out.push(make(&mut rng, format!("{name}{DEMO_MARK}"), vendor, function));
    }
    let mut k = 0;
    while out.len() < n {
        k += 1;
        let function = NICHES[rng.below(NICHES.len() as u64) as usize];
        let vendor = VENDORS[rng.below(VENDORS.len() as u64) as usize];
        out.push(make(
            &mut rng,
            format!("{function}system {k}{DEMO_MARK}"),
            vendor,
            function,
        ));
    }
    out
}

/// The generated portfolio in the CSV template.
pub fn portfolio_csv(code: &str, n: usize, seed: u64, today: chrono::NaiveDate) -> String {
    csv_template::export(&portfolio(code, n, seed, today))
}

fn principal(municipality: &str, roles: Vec<Role>) -> Principal {
    Principal {
        sub: format!("demo-{municipality}"),
        municipality: municipality.to_string(),
        roles,
        issuer: "samprio-demo".into(),
        name: Some("Demo".into()),
    }
}

fn ctx(principal: Principal, now: i64) -> Ctx {
    Ctx {
        principal,
        request_id: String::new(),
        fingerprint: String::new(),
        now,
        system: false,
    }
}

/// What the demo made.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub cooperation_id: String,
    pub members: usize,
    pub systems: usize,
    pub proposals: usize,
    pub session_id: String,
    pub adopted: usize,
    pub overrides: usize,
}

/// `sjælland` → `sjaelland`: cooperation ids are ASCII slugs.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'æ' => "ae".to_string(),
            'ø' => "oe".to_string(),
            'å' => "aa".to_string(),
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase().to_string(),
            _ => "-".to_string(),
        })
        .collect()
}

/// Makes the demo cooperation of `region` (e.g. `sjælland`) with about
/// `systems_per_member` systems each.
pub async fn run(
    store: &dyn Store,
    region: &str,
    systems_per_member: usize,
    seed: u64,
    now: i64,
) -> Result<DemoReport> {
    let members = register::in_region(region);
    let Some(first) = members.first() else {
        return Err(Error::invalid(
            "region",
            "is not a Danish region; use hovedstaden, sjælland, syddanmark, midtjylland or nordjylland",
        ));
    };
    let region_name = first.region.clone();
    let id = format!("demo-{}", ascii(&first.region_key()));
    let step = |n: i64| now + n;
    let mut clock = 0i64;
    let mut tick = || {
        clock += 1_000;
        step(clock)
    };

    let operator = ctx(principal("0000", vec![Role::Operator]), tick());
    cooperations::create(
        store,
        &operator,
        NewCooperation {
            id: id.clone(),
            name: format!("Demo: {region_name} (genererede data)"),
            rules: Rules {
                default_weighting: Weighting::Population,
                default_quorum_bp: 5000,
                allow_delegated_voting: true,
            },
            member_codes: vec![],
            member_region: region.to_string(),
        },
    )
    .await?;

    let today = chrono::DateTime::from_timestamp_micros(now)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let mut total = 0;
    for m in &members {
        let lead = ctx(principal(&m.code, vec![Role::DigitalLead]), tick());
        let csv = portfolio_csv(&m.code, systems_per_member, seed, today);
        let r = systems::import_csv(store, &lead, &id, &m.code, &csv, false).await?;
        total += r.added.len();
    }

    // The three best opportunities of a system or a function become
    // proposals, each sponsored by the first member it covers.
    let reader = ctx(principal(&first.code, vec![Role::Observer]), tick());
    let found = shared::list_opportunities(store, &reader, &id, Search::default(), &Default::default()).await?;
    let mut proposal_ids = Vec::new();
    for o in found
        .opportunities
        .iter()
        .filter(|o| o.overlap != Overlap::Vendor)
        .take(3)
    {
        let sponsor = &o.members[0].municipality;
        let lead = ctx(principal(sponsor, vec![Role::DigitalLead, Role::Board]), tick());
        let p = shared::create_proposal_from_opportunity(
            store,
            &lead,
            &id,
            o.overlap,
            &o.label,
            Search::default(),
            &format!("[Demo] Fælles {}", o.label.trim_end_matches(DEMO_MARK)),
        )
        .await?;
        let p = proposals::submit(store, &lead, &p.id, "").await?;
        proposal_ids.push(p.id);
    }

    // A session votes on them and closes: every member says yes to the
    // first two; the third splits the members.
    let chair = ctx(principal(&first.code, vec![Role::Chair(id.clone())]), tick());
    let session = sessions::create(
        store,
        &chair,
        NewSession {
            cooperation_id: id.clone(),
            title: "[Demo] Styregruppemøde".into(),
            scheduled_time: None,
            agenda: proposal_ids.clone(),
            kind: Default::default(),
        },
    )
    .await?;
    sessions::open(store, &ctx(chair.principal.clone(), tick()), &session.id).await?;
    let round = rounds::open(
        store,
        &ctx(chair.principal.clone(), tick()),
        NewRound {
            session_id: session.id.clone(),
            title: "[Demo] Fælles anskaffelser".into(),
            method: Method::YesNo,
            candidates: proposal_ids.clone(),
            weighting: None,
            quorum_bp: None,
            threshold: Some(Threshold::SimpleMajority),
            deadline: None,
            budget_dkk: None,
        },
    )
    .await?;
    for (i, m) in members.iter().enumerate() {
        let board = ctx(principal(&m.code, vec![Role::Board, Role::DigitalLead]), tick());
        sessions::check_in(store, &board, &session.id).await?;
        let choices = proposal_ids
            .iter()
            .enumerate()
            .map(|(k, p)| YesNoChoice {
                candidate_id: p.clone(),
                choice: if k < 2 || i % 2 == 0 { Choice::Yes } else { Choice::No },
            })
            .collect();
        rounds::cast(store, &board, &round.round.id, BallotContent::YesNo(choices)).await?;
    }
    let closed = rounds::close(store, &ctx(chair.principal.clone(), tick()), &round.round.id).await?;
    sessions::close(
        store,
        &ctx(chair.principal.clone(), tick()),
        &session.id,
        crate::domain::follow_up::DEFAULT_STALE_AFTER_DAYS,
    )
    .await?;
    let adopted = closed.round.result.as_ref().map_or(0, |r| r.adopted.len());

    // A few members' boards opt out of the first adopted proposal.
    let mut made = 0;
    if adopted > 0 {
        for m in members.iter().skip(1).step_by(5).take(3) {
            let board = ctx(principal(&m.code, vec![Role::Board]), tick());
            overrides::set(
                store,
                &board,
                &id,
                OverrideSpec {
                    proposal_id: proposal_ids[0].clone(),
                    kind: Some(OverrideKind::OptOut),
                    defer_until: String::new(),
                    local_rank: 0,
                    justification: format!(
                        "[Demo] {} har netop forlænget sin egen aftale og deltager ikke i denne runde.",
                        m.name
                    ),
                    board_resolution: format!("[Demo] Direktionsbeslutning i {} (genereret)", m.name),
                    expires_on: String::new(),
                },
                "",
            )
            .await?;
            made += 1;
        }
    }

    Ok(DemoReport {
        cooperation_id: id,
        members: members.len(),
        systems: total,
        proposals: proposal_ids.len(),
        session_id: session.id,
        adopted,
        overrides: made,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portfolios_are_marked_sized_and_repeatable() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let a = portfolio("0101", 300, 7, today);
        assert_eq!(a.len(), 300);
        assert!(a.iter().all(|s| s.name.ends_with(DEMO_MARK)));
        assert_eq!(a, portfolio("0101", 300, 7, today));
        assert_ne!(a, portfolio("0147", 300, 7, today));
        let ids: std::collections::BTreeSet<&str> = a.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), 300, "ids are unique");
        let csv = portfolio_csv("0101", 300, 7, today);
        let back = csv_template::import("0101", &csv).unwrap();
        assert_eq!(back.len(), 300);
    }
}
