//! Cooperations and their members.

use super::authz;
use super::error::{Error, Result, Violations};
pub use super::etag::{check_etag, etag_of};
use super::model::{Cooperation, Member, NewEvent, Rules};
use super::page;
use super::register::{self, Municipality};
use super::validate as v;
use super::write::{Ctx, today};
use crate::begin_write;
use crate::store::{Store, StoreError, StoreTx};

pub struct NewCooperation {
    pub id: String,
    pub name: String,
    pub rules: Rules,
    /// Register codes to add as members in the same write.
    pub member_codes: Vec<String>,
    /// A region whose municipalities all become members; empty for none.
    pub member_region: String,
}

/// The register entries a new cooperation starts with: the region's
/// municipalities and the listed codes, each once, ordered by code.
fn founding_members(vs: &mut Violations, req: &NewCooperation) -> Vec<&'static Municipality> {
    let mut out: Vec<&'static Municipality> = Vec::new();
    if !req.member_region.trim().is_empty() {
        let region = register::in_region(&req.member_region);
        if region.is_empty() {
            vs.add(
                "member_region",
                "is not a Danish region; use hovedstaden, sjælland, syddanmark, midtjylland or nordjylland",
            );
        }
        out.extend(region);
    }
    for (i, code) in req.member_codes.iter().enumerate() {
        match register::by_code(&register::padded_code(code)) {
            Some(m) => out.push(m),
            None => vs.add(
                format!("member_codes[{i}]"),
                "is not a municipality code in the register, such as \"0101\"",
            ),
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.dedup_by(|a, b| a.code == b.code);
    out
}

/// A member as the register describes the municipality.
fn member_from_register(cooperation_id: &str, m: &Municipality, joined_on: &str) -> Member {
    Member {
        cooperation_id: cooperation_id.to_string(),
        code: m.code.clone(),
        name: m.name.clone(),
        population: m.population,
        population_date: Some(m.population_date.clone()),
        custom_weight: None,
        joined_on: joined_on.to_string(),
        left_on: None,
        version: 1,
    }
}

fn check_rules(vs: &mut Violations, field: &str, r: &Rules) {
    vs.check(
        &format!("{field}.default_quorum_bp"),
        v::basis_points(r.default_quorum_bp),
    );
}

#[tracing::instrument(skip_all, fields(id = %req.id))]
pub async fn create(store: &dyn Store, ctx: &Ctx, req: NewCooperation) -> Result<Cooperation> {
    authz::create_cooperation(&ctx.principal)?;
    let mut vs = Violations::default();
    vs.check("id", v::slug(&req.id));
    vs.check("name", v::required_text(&req.name, 200));
    check_rules(&mut vs, "rules", &req.rules);
    let founders = founding_members(&mut vs, &req);
    vs.finish()?;

    let mut w = begin_write!(store, ctx, "CreateCooperation");
    if w.tx.get_cooperation(&req.id).await?.is_some() {
        return Err(Error::AlreadyExists(format!("cooperation {} already exists", req.id)));
    }
    let c = Cooperation {
        id: req.id,
        name: req.name.trim().to_string(),
        rules: req.rules,
        create_time: ctx.now,
        update_time: ctx.now,
        version: 1,
        member_count: 0,
    };
    let seq = w
        .event(NewEvent::new(
            "cooperation.created",
            format!("cooperations/{}", c.id),
            c.id.clone(),
            &c,
        )?)
        .await?;
    w.tx.insert_cooperation(&c, seq).await?;
    let joined_on = today(ctx.now);
    for f in &founders {
        let mut m = member_from_register(&c.id, f, &joined_on);
        let (population, date) = register::stored::newest(&mut *w.tx, f).await?;
        m.population = population;
        m.population_date = Some(date);
        w.event(member_event("member.added", &m)?).await?;
        w.tx.insert_member(&m).await.map_err(member_conflict)?;
    }
    let c = Cooperation {
        member_count: founders.len() as u32,
        ..c
    };
    w.finish(c).await
}

pub struct CooperationUpdate {
    pub id: String,
    pub name: Option<String>,
    pub rules: Option<Rules>,
    pub etag: String,
}

#[tracing::instrument(skip_all, fields(id = %req.id))]
pub async fn update(store: &dyn Store, ctx: &Ctx, req: CooperationUpdate) -> Result<Cooperation> {
    let mut vs = Violations::default();
    if let Some(n) = &req.name {
        vs.check("name", v::required_text(n, 200));
    }
    if let Some(r) = &req.rules {
        check_rules(&mut vs, "rules", r);
    }
    vs.finish()?;
    authz::manage_cooperation(&ctx.principal, &req.id)?;
    let mut w = begin_write!(store, ctx, "UpdateCooperation");
    let mut c =
        w.tx.get_cooperation(&req.id)
            .await?
            .ok_or_else(|| Error::not_found("cooperation", &req.id))?;
    check_etag(&req.etag, c.version)?;
    if let Some(n) = req.name {
        c.name = n.trim().to_string();
    }
    if let Some(r) = req.rules {
        c.rules = r;
    }
    c.version += 1;
    c.update_time = ctx.now;
    w.event(NewEvent::new(
        "cooperation.updated",
        format!("cooperations/{}", c.id),
        c.id.clone(),
        &serde_json::json!({ "name": c.name, "rules": c.rules }),
    )?)
    .await?;
    w.tx.update_cooperation(&c).await?;
    c.member_count = w.tx.count_current_members(&c.id).await?;
    w.finish(c).await
}

/// Loads a cooperation and checks that the caller may read it.
pub async fn readable(tx: &mut dyn StoreTx, ctx: &Ctx, id: &str) -> Result<Cooperation> {
    required_id(id)?;
    let c = tx.get_cooperation(id).await?;
    let me = tx.get_member(id, &ctx.principal.municipality).await?;
    may_read(ctx, id, c, me.as_ref())
}

/// [`readable`] outside any transaction, with the head of the
/// cooperation's log (`StoreTx::cooperation_head`): one statement, so that a
/// read answered from a kept view costs one round trip. A view kept at this
/// head is what a transaction begun now would build.
pub async fn readable_head(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<i64> {
    required_id(id)?;
    let access = store.access(id, &ctx.principal.municipality).await?;
    let member = access.as_ref().and_then(|a| a.member.as_ref());
    may_read(ctx, id, access.as_ref().map(|a| a.head), member)
}

fn required_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    Ok(())
}

/// Who may read cooperation `id`: it must exist (`found` is what was found
/// of it), and `authz::read_cooperation` must let the caller in, with its
/// municipality's membership `member`.
fn may_read<T>(ctx: &Ctx, id: &str, found: Option<T>, member: Option<&Member>) -> Result<T> {
    let found = found.ok_or_else(|| Error::not_found("cooperation", id))?;
    authz::read_cooperation(&ctx.principal, id, member)?;
    Ok(found)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Cooperation> {
    let mut tx = store.begin_read().await?;
    let mut c = readable(&mut *tx, ctx, id).await?;
    c.member_count = tx.count_current_members(id).await?;
    Ok(c)
}

/// Cooperations the caller can read (all of them for operators).
#[tracing::instrument(skip_all)]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Cooperation>, String)> {
    let mut after = page::seq_position("cooperations", page_token)?;
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    let mut out = Vec::new();
    // Filter by readability, fetching further pages until this one is full.
    loop {
        let rows = tx.list_cooperations(after, limit).await?;
        let exhausted = (rows.len() as i64) < limit;
        for (seq, c) in rows {
            after = seq;
            let me = tx.get_member(&c.id, &ctx.principal.municipality).await?;
            if authz::read_cooperation(&ctx.principal, &c.id, me.as_ref()).is_ok() {
                out.push(c);
                if out.len() as i64 == limit {
                    return Ok((out, page::token("cooperations", &after.to_string())));
                }
            }
        }
        if exhausted {
            return Ok((out, String::new()));
        }
    }
}

pub struct NewMember {
    pub cooperation_id: String,
    pub code: String,
    /// Empty: the register's name.
    pub name: String,
    /// `None`: the register's population and its date.
    pub population: Option<i64>,
    /// The date of a given population's count; empty if unknown.
    pub population_date: String,
    pub custom_weight: Option<i64>,
    pub joined_on: String,
}

#[tracing::instrument(skip_all, fields(cooperation_id = %req.cooperation_id, code = %req.code))]
pub async fn add_member(store: &dyn Store, ctx: &Ctx, req: NewMember) -> Result<Member> {
    let mut vs = Violations::default();
    vs.check("cooperation_id", v::slug(&req.cooperation_id));
    vs.check("code", v::municipality_code(&req.code));
    let known = register::by_code(&register::padded_code(&req.code));
    match known {
        None if req.name.trim().is_empty() && v::municipality_code(&req.code).is_ok() => vs.add(
            "name",
            format!(
                "is required: {} is not in the register of Danish municipalities",
                req.code
            ),
        ),
        None => vs.check("name", v::required_text(&req.name, 200)),
        Some(_) => vs.check("name", v::max_len(&req.name, 200)),
    }
    if let Some(p) = req.population {
        vs.check("population", v::bounded(p, v::MAX_POPULATION));
    }
    if req.population.is_some() && !req.population_date.is_empty() {
        vs.check("population_date", v::iso_date(&req.population_date));
    }
    if let Some(w) = req.custom_weight {
        vs.check("custom_weight", v::bounded(w, v::MAX_CUSTOM_WEIGHT));
    }
    if !req.joined_on.is_empty() {
        vs.check("joined_on", v::iso_date(&req.joined_on));
    }
    vs.finish()?;
    authz::manage_cooperation(&ctx.principal, &req.cooperation_id)?;
    let mut w = begin_write!(store, ctx, "AddMember");
    if w.tx.get_cooperation(&req.cooperation_id).await?.is_none() {
        return Err(Error::not_found("cooperation", &req.cooperation_id));
    }
    if w.tx.get_member(&req.cooperation_id, &req.code).await?.is_some() {
        return Err(Error::AlreadyExists(format!(
            "municipality {} is already (or was) a member of {}",
            req.code, req.cooperation_id
        )));
    }
    let given_name = req.name.trim();
    let (population, population_date) = match (req.population, known) {
        (Some(p), _) => (p, Some(req.population_date).filter(|d| !d.is_empty())),
        (None, Some(k)) => {
            let (p, d) = register::stored::newest(&mut *w.tx, k).await?;
            (p, Some(d))
        }
        (None, None) => (0, None),
    };
    let m = Member {
        joined_on: if req.joined_on.is_empty() {
            today(ctx.now)
        } else {
            req.joined_on
        },
        cooperation_id: req.cooperation_id,
        code: req.code,
        name: match known {
            Some(k) if given_name.is_empty() => k.name.clone(),
            _ => given_name.to_string(),
        },
        population,
        population_date,
        custom_weight: req.custom_weight,
        left_on: None,
        version: 1,
    };
    w.event(member_event("member.added", &m)?).await?;
    w.tx.insert_member(&m).await.map_err(member_conflict)?;
    w.finish(m).await
}

fn member_event(action: &'static str, m: &Member) -> Result<NewEvent> {
    Ok(NewEvent::new(
        action,
        format!("cooperations/{}/members/{}", m.cooperation_id, m.code),
        m.cooperation_id.clone(),
        m,
    )?)
}

fn member_conflict(e: StoreError) -> Error {
    match e {
        StoreError::Unique(_) => Error::AlreadyExists("that municipality is already a member".into()),
        e => e.into(),
    }
}

pub struct MemberUpdate {
    pub cooperation_id: String,
    pub code: String,
    pub name: Option<String>,
    pub population: Option<i64>,
    /// The date of a new population's count; empty if unknown.
    pub population_date: String,
    pub custom_weight: Option<i64>,
    pub etag: String,
}

#[tracing::instrument(skip_all, fields(cooperation_id = %req.cooperation_id, code = %req.code))]
pub async fn update_member(store: &dyn Store, ctx: &Ctx, req: MemberUpdate) -> Result<Member> {
    let mut vs = Violations::default();
    if let Some(n) = &req.name {
        vs.check("name", v::required_text(n, 200));
    }
    if let Some(p) = req.population {
        vs.check("population", v::bounded(p, v::MAX_POPULATION));
    }
    if !req.population_date.is_empty() {
        vs.check("population_date", v::iso_date(&req.population_date));
        if req.population.is_none() {
            vs.add("population_date", "is given without a population");
        }
    }
    if let Some(w) = req.custom_weight {
        vs.check("custom_weight", v::bounded(w, v::MAX_CUSTOM_WEIGHT));
    }
    vs.finish()?;
    authz::manage_cooperation(&ctx.principal, &req.cooperation_id)?;
    let mut w = begin_write!(store, ctx, "UpdateMember");
    let mut m =
        w.tx.get_member(&req.cooperation_id, &req.code)
            .await?
            .ok_or_else(|| Error::not_found("member", format!("{}/{}", req.cooperation_id, req.code)))?;
    check_etag(&req.etag, m.version)?;
    if let Some(n) = req.name {
        m.name = n.trim().to_string();
    }
    if let Some(p) = req.population {
        m.population = p;
        m.population_date = Some(req.population_date).filter(|d| !d.is_empty());
    }
    if req.custom_weight.is_some() {
        m.custom_weight = req.custom_weight;
    }
    m.version += 1;
    w.event(member_event("member.updated", &m)?).await?;
    w.tx.update_member(&m).await?;
    w.finish(m).await
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, code = %code))]
pub async fn remove_member(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    code: &str,
    left_on: &str,
) -> Result<Member> {
    if !left_on.is_empty() {
        v::iso_date(left_on).map_err(|d| Error::invalid("left_on", d))?;
    }
    authz::manage_cooperation(&ctx.principal, cooperation_id)?;
    let mut w = begin_write!(store, ctx, "RemoveMember");
    let mut m =
        w.tx.get_member(cooperation_id, code)
            .await?
            .ok_or_else(|| Error::not_found("member", format!("{cooperation_id}/{code}")))?;
    if !m.is_current() {
        return Err(Error::precondition(format!("municipality {code} has already left")));
    }
    let left_on = if left_on.is_empty() {
        today(ctx.now)
    } else {
        left_on.to_string()
    };
    // ISO dates compare as text.
    if left_on < m.joined_on {
        return Err(Error::invalid(
            "left_on",
            format!("must not be before the day the member joined ({})", m.joined_on),
        ));
    }
    m.left_on = Some(left_on);
    m.version += 1;
    w.event(member_event("member.removed", &m)?).await?;
    w.tx.update_member(&m).await?;
    w.finish(m).await
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, code = %code))]
pub async fn get_member(store: &dyn Store, ctx: &Ctx, cooperation_id: &str, code: &str) -> Result<Member> {
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    tx.get_member(cooperation_id, code)
        .await?
        .ok_or_else(|| Error::not_found("member", format!("{cooperation_id}/{code}")))
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id, include_departed))]
pub async fn list_members(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    include_departed: bool,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Member>, String)> {
    let after = page::position("members", page_token, "")?;
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let ms = tx.list_members(cooperation_id, include_departed, &after, limit).await?;
    let next = page::next("members", ms.len(), limit, ms.last().map(|m| m.code.clone()));
    Ok((ms, next))
}
