//! The cooperation's portfolios (DESIGN.md §12): the overview per member and
//! for all, the shared opportunities, and the members' systems with filters.
//! Every figure comes from the same domain operations as the API.

use askama::Template;
use axum::extract::{Path, Query, State};

use crate::domain::cooperations;
use crate::domain::model::{Cooperation, Member};
use crate::domain::portfolio::opportunities::Opportunity;
use crate::domain::portfolio::overview::Overview;
use crate::domain::portfolio::shared::{self, Search};
use crate::domain::portfolio::systems::{self, ListFilter};
use crate::domain::portfolio::{AiUse, PortfolioSystem, TimeClass};
use crate::web::Web;
use crate::web::page::{Answer, Member as SignedIn, Page, render};

/// The filter form's fields, as typed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    time_class: String,
    #[serde(default)]
    ai: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    page: String,
}

/// Most opportunities the page lists.
const OPPORTUNITIES_SHOWN: usize = 10;
/// Systems per page.
const SYSTEMS_PER_PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "pages/portfolio.html")]
struct PortfolioPage {
    c: Page,
    coop: Cooperation,
    members: Vec<Member>,
    total: Overview,
    by_member: Vec<(Member, Overview)>,
    opportunities: Vec<(Opportunity, String)>,
    systems: Vec<PortfolioSystem>,
    next_href: String,
    f: Filter,
    time_classes: &'static [TimeClass],
    ai_uses: &'static [AiUse],
}

impl PortfolioPage {
    fn member_name(&self, code: &str) -> String {
        self.members
            .iter()
            .find(|m| m.code == code)
            .map_or_else(|| self.c.municipality(code), |m| m.name.clone())
    }

    fn member_names(&self, o: &Opportunity) -> String {
        o.members
            .iter()
            .map(|m| self.member_name(&m.municipality))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn time_count(&self, t: &TimeClass) -> i64 {
        self.total.by_time_class.get(&Some(*t)).copied().unwrap_or(0) as i64
    }

    fn unclassified(&self) -> i64 {
        self.total.by_time_class.get(&None).copied().unwrap_or(0) as i64
    }

    fn count(&self, n: &usize) -> String {
        self.c.num(&(*n as i64))
    }

    fn cost(&self, s: &PortfolioSystem) -> String {
        s.yearly_cost_dkk.map(|c| self.c.kr(&c)).unwrap_or_default()
    }

    fn time_of(&self, s: &PortfolioSystem) -> &'static str {
        match s.time_class {
            Some(t) => self.c.t.time_class(t),
            None => self.c.t.none,
        }
    }

    fn contract_end_of(&self, s: &PortfolioSystem) -> String {
        s.contract_end.as_deref().map(|d| self.c.date(d)).unwrap_or_default()
    }
}

/// A query value, percent-encoded (all but unreserved characters).
fn encoded(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// GET /c/{coop}/portfolio
pub async fn show(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path(coop): Path<String>,
    Query(f): Query<Filter>,
) -> Answer {
    let ctx = page.ctx();
    let store = &*web.store;
    let fail = |e| page.fail(e);
    let cooperation = cooperations::get(store, &ctx, &coop).await.map_err(fail)?;
    let (members, _) = cooperations::list_members(store, &ctx, &coop, false, 500, "")
        .await
        .map_err(fail)?;
    let (total, per_member) = shared::overview(store, &ctx, &coop, "").await.map_err(fail)?;
    let by_member = members
        .iter()
        .map(|m| (m.clone(), per_member.get(&m.code).cloned().unwrap_or_default()))
        .collect();
    let found = shared::list_opportunities(store, &ctx, &coop, Search::default(), &web.opportunities)
        .await
        .map_err(fail)?;
    let opportunities = found
        .opportunities
        .iter()
        .take(OPPORTUNITIES_SHOWN)
        .map(|o| {
            let headline = o.headline(found.member_count);
            (o.clone(), headline)
        })
        .collect();
    let filter = ListFilter {
        time_class: TimeClass::parse(&f.time_class),
        ai: AiUse::parse(&f.ai),
        contract_ends_before: f.before.trim().to_string(),
        vendor: f.vendor.clone(),
    };
    let municipality = f.municipality.trim().to_string();
    let (rows, next) = systems::list(store, &ctx, &coop, &municipality, filter, SYSTEMS_PER_PAGE, &f.page)
        .await
        .map_err(fail)?;
    let next_href = if next.is_empty() {
        String::new()
    } else {
        let q = [
            ("municipality", f.municipality.as_str()),
            ("time_class", f.time_class.as_str()),
            ("ai", f.ai.as_str()),
            ("before", f.before.as_str()),
            ("vendor", f.vendor.as_str()),
            ("page", next.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", encoded(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/c/{}/portfolio?{q}#systems-heading", cooperation.id)
    };
    let title = format!("{} – {}", page.t.portfolio, cooperation.name);
    Ok(render(&PortfolioPage {
        c: page.titled(title),
        coop: cooperation,
        members,
        total,
        by_member,
        opportunities,
        systems: rows.into_iter().map(|(_, s)| s).collect(),
        next_href,
        f,
        time_classes: TimeClass::ALL,
        ai_uses: AiUse::ALL,
    }))
}
