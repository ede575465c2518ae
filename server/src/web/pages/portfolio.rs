//! The cooperation's portfolios (DESIGN.md §12): the overview per member and
//! for all, the shared opportunities, and the members' systems with filters.
//! Every figure comes from the same domain operations as the API.
//!
//! A member's own digital lead or board also keeps its systems here: add,
//! edit (with the etag) and delete, through the same domain operations and
//! the same rule (`authz::write_portfolio`) as gRPC.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::error::FieldViolation;
use crate::domain::etag::etag_of;
use crate::domain::model::{Cooperation, Member};
use crate::domain::portfolio::opportunities::Opportunity;
use crate::domain::portfolio::overview::Overview;
use crate::domain::portfolio::shared::{self, Search};
use crate::domain::portfolio::systems::{self, ListFilter};
use crate::domain::portfolio::{AiUse, Lifecycle, PortfolioSystem, TimeClass};
use crate::domain::{Error, authz, cooperations};
use crate::web::Web;
use crate::web::i18n::Texts;
use crate::web::page::{Answer, Fields, FormErrors, Member as SignedIn, Page, Posted, render, see_other};

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
    /// The viewer's municipality, when the viewer may change its portfolio.
    keeps: Option<String>,
}

impl PortfolioPage {
    fn keeps(&self, s: &PortfolioSystem) -> bool {
        self.keeps.as_deref() == Some(s.municipality.as_str())
    }

    fn edit_href(&self, s: &PortfolioSystem) -> String {
        system_href(&self.coop.id, &s.municipality, &s.id)
    }

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
    SignedIn(page, viewer): SignedIn,
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
    let own = &viewer.principal.municipality;
    let keeps = authz::write_portfolio(&viewer.principal, own, members.iter().find(|m| &m.code == own))
        .is_ok()
        .then(|| own.clone());
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
        keeps,
    }))
}

fn system_href(coop: &str, municipality: &str, id: &str) -> String {
    format!("/c/{coop}/portfolio/{municipality}/systems/{id}")
}

/// Where a change of `municipality`'s portfolio lands: its systems.
fn systems_href(coop: &str, municipality: &str) -> String {
    format!("/c/{coop}/portfolio?municipality={municipality}#systems-heading")
}

/// The system form's fields, as typed (the cost stays text until it parses).
#[derive(Default)]
struct SystemForm {
    name: String,
    vendor: String,
    function: String,
    lifecycle: String,
    contract_end: String,
    yearly_cost: String,
    ai: String,
    personal_data: bool,
    time_class: String,
    kitos_system_uuid: String,
}

impl SystemForm {
    fn of(s: &PortfolioSystem) -> SystemForm {
        SystemForm {
            name: s.name.clone(),
            vendor: s.vendor.clone(),
            function: s.function.clone(),
            lifecycle: s.lifecycle.as_str().to_owned(),
            contract_end: s.contract_end.clone().unwrap_or_default(),
            yearly_cost: s.yearly_cost_dkk.map(|c| c.to_string()).unwrap_or_default(),
            ai: s.ai.as_str().to_owned(),
            personal_data: s.personal_data,
            time_class: s.time_class.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            kitos_system_uuid: s.kitos_system_uuid.clone().unwrap_or_default(),
        }
    }

    fn posted(f: &Fields) -> SystemForm {
        SystemForm {
            name: f.get("name").to_owned(),
            vendor: f.get("vendor").to_owned(),
            function: f.get("function").to_owned(),
            lifecycle: f.get("lifecycle").to_owned(),
            contract_end: f.get("contract_end").to_owned(),
            yearly_cost: f.get("yearly_cost").to_owned(),
            ai: f.get("ai").to_owned(),
            personal_data: f.checked("personal_data"),
            time_class: f.get("time_class").to_owned(),
            kitos_system_uuid: f.get("kitos_system_uuid").to_owned(),
        }
    }

    /// The form onto `base` (the stored system when editing, so what the
    /// form does not show, such as the KITOS usage, stays), and the fields
    /// that did not even parse.
    fn system(&self, t: &Texts, mut base: PortfolioSystem) -> (PortfolioSystem, FormErrors) {
        let mut errors = FormErrors::default();
        let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let cost: String = self
            .yearly_cost
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        base.yearly_cost_dkk = if cost.is_empty() {
            None
        } else {
            match cost.parse::<i64>() {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.add(
                        "yearly_cost",
                        format!("{}: {}", t.portfolio_yearly_cost, t.err_not_a_number),
                    );
                    None
                }
            }
        };
        base.name = self.name.clone();
        base.vendor = self.vendor.clone();
        base.function = self.function.clone();
        base.lifecycle = Lifecycle::parse(&self.lifecycle).unwrap_or(Lifecycle::Undecided);
        base.contract_end = optional(&self.contract_end);
        base.ai = AiUse::parse(&self.ai).unwrap_or(AiUse::Undecided);
        base.personal_data = self.personal_data;
        base.time_class = TimeClass::parse(&self.time_class);
        base.kitos_system_uuid = optional(&self.kitos_system_uuid);
        (base, errors)
    }
}

/// The domain's field names mapped to the form's, with the form's label.
fn field_errors(t: &Texts, violations: &[FieldViolation], errors: &mut FormErrors) {
    for v in violations {
        let (field, label) = match v.field.as_str() {
            "system.vendor" => ("vendor", t.vendor),
            "system.function" => ("function", t.function),
            "system.contract_end" => ("contract_end", t.contract_end),
            "system.yearly_cost_dkk" => ("yearly_cost", t.portfolio_yearly_cost),
            "system.kitos_system_uuid" => ("kitos_system_uuid", t.kitos_system_uuid),
            _ => ("name", t.system_name),
        };
        if !errors.has(field) {
            errors.add(field, format!("{label}: {}", t.field_problem(&v.description)));
        }
    }
}

#[derive(Template)]
#[template(path = "pages/system_form.html")]
struct SystemPage {
    c: Page,
    coop: Cooperation,
    member: Member,
    /// Editing this system (its id); a new one when `None`.
    editing: Option<String>,
    etag: String,
    form: SystemForm,
    errors: FormErrors,
    lifecycles: &'static [Lifecycle],
    ai_uses: &'static [AiUse],
    time_classes: &'static [TimeClass],
}

impl SystemPage {
    fn action(&self) -> String {
        match &self.editing {
            Some(id) => system_href(&self.coop.id, &self.member.code, id),
            None => format!("/c/{}/portfolio/{}/systems", self.coop.id, self.member.code),
        }
    }

    fn back(&self) -> String {
        systems_href(&self.coop.id, &self.member.code)
    }
}

/// The cooperation and the member whose portfolio the viewer means to
/// change, once the viewer may: the same rule as gRPC's.
async fn keeper(web: &Web, page: &Page, coop: &str, municipality: &str) -> Result<(Cooperation, Member), Response> {
    let ctx = page.ctx();
    let store = &*web.store;
    let cooperation = cooperations::get(store, &ctx, coop).await.map_err(|e| page.fail(e))?;
    let member = cooperations::get_member(store, &ctx, coop, municipality).await.ok();
    authz::write_portfolio(&ctx.principal, municipality, member.as_ref()).map_err(|e| page.fail(e))?;
    let member = member.ok_or_else(|| page.fail(Error::not_found("member", municipality)))?;
    Ok((cooperation, member))
}

/// Shows the form again: after errors (422) or a conflict (409).
fn system_form(
    page: Page,
    (coop, member): (Cooperation, Member),
    editing: Option<(String, u64)>,
    form: SystemForm,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let title = if editing.is_some() {
        page.t.edit_system
    } else {
        page.t.add_system
    };
    let title = if errors.is_empty() {
        title.to_owned()
    } else {
        format!("{} {title}", page.t.error_prefix)
    };
    let (editing, etag) = match editing {
        Some((id, version)) => (Some(id), etag_of(version)),
        None => (None, String::new()),
    };
    let html = render(&SystemPage {
        c: page.titled(title),
        coop,
        member,
        editing,
        etag,
        form,
        errors,
        lifecycles: Lifecycle::ALL,
        ai_uses: AiUse::ALL,
        time_classes: TimeClass::ALL,
    });
    (status, html).into_response()
}

/// GET /c/{coop}/portfolio/{municipality}/systems/new
pub async fn new_system(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path((coop, municipality)): Path<(String, String)>,
) -> Answer {
    let keeper = keeper(&web, &page, &coop, &municipality).await?;
    let form = SystemForm {
        lifecycle: Lifecycle::Operational.as_str().to_owned(),
        ai: AiUse::Undecided.as_str().to_owned(),
        ..SystemForm::default()
    };
    Ok(system_form(
        page,
        keeper,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// POST /c/{coop}/portfolio/{municipality}/systems: adds a system.
pub async fn create_system(
    State(web): State<Web>,
    Path((coop, municipality)): Path<(String, String)>,
    posted: Posted,
) -> Answer {
    let Posted { page, fields, .. } = posted;
    let keeper = keeper(&web, &page, &coop, &municipality).await?;
    let form = SystemForm::posted(&fields);
    let (system, mut errors) = form.system(page.t, PortfolioSystem::named(&municipality, ""));
    if errors.is_empty() {
        match systems::create(&*web.store, &page.ctx(), &coop, &municipality, system).await {
            Ok(_) => return Ok(see_other(&systems_href(&coop, &municipality))),
            Err(Error::Invalid(vs)) => field_errors(page.t, &vs, &mut errors),
            Err(Error::AlreadyExists(_)) => {
                errors.add("name", page.t.err_system_exists);
                return Err(system_form(page, keeper, None, form, errors, StatusCode::CONFLICT));
            }
            Err(e) => return Err(page.fail(e)),
        }
    } else if let Err(Error::Invalid(vs)) = systems::validate_system(&system, "system") {
        field_errors(page.t, &vs, &mut errors);
    }
    Err(system_form(
        page,
        keeper,
        None,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
}

/// GET /c/{coop}/portfolio/{municipality}/systems/{id}: the edit form.
pub async fn edit_system(
    State(web): State<Web>,
    SignedIn(page, _): SignedIn,
    Path((coop, municipality, id)): Path<(String, String, String)>,
) -> Answer {
    let keeper = keeper(&web, &page, &coop, &municipality).await?;
    let (version, s) = systems::get(&*web.store, &page.ctx(), &coop, &municipality, &id)
        .await
        .map_err(|e| page.fail(e))?;
    let form = SystemForm::of(&s);
    Ok(system_form(
        page,
        keeper,
        Some((s.id, version)),
        form,
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// POST /c/{coop}/portfolio/{municipality}/systems/{id}: saves the system
/// if nobody saved since the form was shown (its etag); otherwise says so
/// and keeps what was typed, with the current etag.
pub async fn update_system(
    State(web): State<Web>,
    Path((coop, municipality, id)): Path<(String, String, String)>,
    posted: Posted,
) -> Answer {
    let Posted { page, fields, .. } = posted;
    let keeper = keeper(&web, &page, &coop, &municipality).await?;
    let store = &*web.store;
    let (version, current) = systems::get(store, &page.ctx(), &coop, &municipality, &id)
        .await
        .map_err(|e| page.fail(e))?;
    let form = SystemForm::posted(&fields);
    let (system, mut errors) = form.system(page.t, current);
    let etag = fields.get("etag");
    // Nothing saved: the form keeps the etag it was shown with.
    let shown = Some((id.clone(), etag.trim_matches('"').parse().unwrap_or(version)));
    if errors.is_empty() {
        match systems::update(store, &page.ctx(), &coop, &municipality, &id, system, etag).await {
            Ok(_) => return Ok(see_other(&systems_href(&coop, &municipality))),
            Err(Error::Invalid(vs)) => field_errors(page.t, &vs, &mut errors),
            Err(Error::Aborted(_)) => {
                // The form now carries the current etag: saving again is a
                // deliberate choice to replace the other person's version.
                errors.add("name", page.t.err_system_etag);
                let current = Some((id.clone(), version));
                return Err(system_form(page, keeper, current, form, errors, StatusCode::CONFLICT));
            }
            Err(e) => return Err(page.fail(e)),
        }
    } else if let Err(Error::Invalid(vs)) = systems::validate_system(&system, "system") {
        field_errors(page.t, &vs, &mut errors);
    }
    Err(system_form(
        page,
        keeper,
        shown,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
}

/// POST /c/{coop}/portfolio/{municipality}/systems/{id}/delete, with the
/// etag: a system changed since the form was shown is not deleted; the form
/// shows the current version and says why.
pub async fn delete_system(
    State(web): State<Web>,
    Path((coop, municipality, id)): Path<(String, String, String)>,
    posted: Posted,
) -> Answer {
    let Posted { page, fields, .. } = posted;
    let keeper = keeper(&web, &page, &coop, &municipality).await?;
    let store = &*web.store;
    match systems::delete(store, &page.ctx(), &coop, &municipality, &id, fields.get("etag")).await {
        Ok(_) => Ok(see_other(&systems_href(&coop, &municipality))),
        Err(Error::Aborted(_)) => {
            let (version, current) = systems::get(store, &page.ctx(), &coop, &municipality, &id)
                .await
                .map_err(|e| page.fail(e))?;
            let mut errors = FormErrors::default();
            errors.add("name", page.t.err_system_etag);
            let form = SystemForm::of(&current);
            Err(system_form(
                page,
                keeper,
                Some((id, version)),
                form,
                errors,
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(page.fail(e)),
    }
}
