//! Joint steering-group sessions (DESIGN.md §4): the chair schedules a
//! session with an agenda of submitted proposals, opens it, members check in,
//! rounds are voted (see [`rounds`]), and closing the session closes its open
//! rounds and produces the minutes.

pub mod closing;
pub mod minutes;
pub mod rounds;
pub mod tally_input;

/// The records of sessions, at the path they had before they moved to
/// [`crate::domain::model`].
pub use crate::domain::model::sessions as model;

use std::collections::{HashMap, HashSet};

use self::minutes::render::Rendering;
use self::minutes::{Format, Lang, MinutesInput};
use self::model::{Attendance, ItemNote, Minutes, Session};
use super::authz;
use super::cooperations::readable;
use super::error::{Error, Result, Violations};
use super::etag::check_etag;
use super::follow_up;
use super::model::minutes::{MinutesApproval, MinutesRecord, Provenance};
use super::model::{NewEvent, Override, Proposal, ProposalStatus, SessionKind, SessionState};
use super::overrides;
use super::page;
use super::priorities;
use super::validate as v;
use super::write::Ctx;
use crate::begin_write;
use crate::store::{Store, StoreTx};

/// Longest agenda a session takes.
pub const MAX_AGENDA: usize = 200;

pub struct NewSession {
    pub cooperation_id: String,
    pub title: String,
    /// `None`: now.
    pub scheduled_time: Option<i64>,
    pub agenda: Vec<String>,
    pub kind: SessionKind,
}

fn event(action: &'static str, s: &Session, payload: impl serde::Serialize) -> Result<NewEvent> {
    Ok(NewEvent::new(
        action,
        format!("sessions/{}", s.id),
        s.cooperation_id.clone(),
        &payload,
    )?)
}

/// Checks the agenda's form: valid ids, none twice.
fn check_agenda_form(vs: &mut Violations, agenda: &[String]) {
    if agenda.len() > MAX_AGENDA {
        vs.add("agenda", format!("at most {MAX_AGENDA} proposals fit on an agenda"));
        return;
    }
    let mut seen = HashSet::new();
    for (i, id) in agenda.iter().enumerate() {
        if let Err(d) = v::id(id) {
            vs.add(format!("agenda[{i}]"), d);
        } else if !seen.insert(id.as_str()) {
            vs.add(format!("agenda[{i}]"), "is on the agenda twice");
        }
    }
}

/// The agenda holds submitted proposals of the session's cooperation.
async fn check_agenda(tx: &mut dyn StoreTx, cooperation_id: &str, agenda: &[String]) -> Result<()> {
    let ids: Vec<&str> = agenda.iter().map(String::as_str).collect();
    let found: HashMap<String, Proposal> = tx
        .get_proposals(cooperation_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut vs = Violations::default();
    for (i, id) in agenda.iter().enumerate() {
        match found.get(id) {
            Some(p) => {
                if p.status != ProposalStatus::Submitted {
                    vs.add(
                        format!("agenda[{i}]"),
                        format!(
                            "proposal {id} is {}; only submitted proposals go on an agenda",
                            p.status
                        ),
                    );
                }
            }
            _ => vs.add(
                format!("agenda[{i}]"),
                format!("{id} is not a proposal of cooperation {cooperation_id}"),
            ),
        }
    }
    vs.finish()
}

#[tracing::instrument(skip_all, fields(cooperation_id = %req.cooperation_id))]
pub async fn create(store: &dyn Store, ctx: &Ctx, req: NewSession) -> Result<Session> {
    let mut vs = Violations::default();
    vs.check("cooperation_id", v::slug(&req.cooperation_id));
    vs.check("title", v::required_text(&req.title, 200));
    check_agenda_form(&mut vs, &req.agenda);
    vs.finish()?;
    authz::chair(&ctx.principal, &req.cooperation_id)?;
    let mut w = begin_write!(store, ctx, "CreateSession");
    if w.tx.get_cooperation(&req.cooperation_id).await?.is_none() {
        return Err(Error::not_found("cooperation", &req.cooperation_id));
    }
    check_agenda(&mut *w.tx, &req.cooperation_id, &req.agenda).await?;
    let s = Session {
        id: uuid::Uuid::now_v7().to_string(),
        cooperation_id: req.cooperation_id,
        title: req.title.trim().to_string(),
        scheduled_time: req.scheduled_time.unwrap_or(ctx.now),
        agenda: req.agenda,
        state: SessionState::Scheduled,
        attendance: vec![],
        created_by: ctx.principal.sub.clone(),
        create_time: ctx.now,
        open_time: None,
        close_time: None,
        version: 1,
        kind: req.kind,
        opened_by: None,
        closed_by: None,
        minute_taker: String::new(),
        notes: vec![],
        minutes_approval: None,
    };
    let seq = w
        .event(event(
            "session.created",
            &s,
            serde_json::json!({
                "title": s.title,
                "scheduled_time": s.scheduled_time,
                "agenda": s.agenda,
                "kind": s.kind,
            }),
        )?)
        .await?;
    w.tx.insert_session(&s, seq).await?;
    w.finish(s).await
}

pub(crate) async fn load(tx: &mut dyn StoreTx, field: &str, id: &str) -> Result<Session> {
    v::id(id).map_err(|d| Error::invalid(field, d))?;
    tx.get_session(id).await?.ok_or_else(|| Error::not_found("session", id))
}

/// Loads a session for the chair of its cooperation.
async fn load_for_chair(tx: &mut dyn StoreTx, ctx: &Ctx, id: &str) -> Result<Session> {
    let s = load(tx, "id", id).await?;
    authz::chair(&ctx.principal, &s.cooperation_id)?;
    Ok(s)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Session> {
    let mut tx = store.begin_read().await?;
    let s = load(&mut *tx, "id", id).await?;
    readable(&mut *tx, ctx, &s.cooperation_id).await?;
    Ok(s)
}

#[tracing::instrument(skip_all, fields(cooperation_id = %cooperation_id))]
pub async fn list(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation_id: &str,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<Session>, String)> {
    let after = page::seq_position("sessions", page_token)?;
    let limit = page::size(page_size);
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation_id).await?;
    let rows = tx.list_sessions(cooperation_id, after, limit).await?;
    let next = page::next("sessions", rows.len(), limit, rows.last().map(|(s, _)| s.to_string()));
    Ok((rows.into_iter().map(|(_, s)| s).collect(), next))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn set_agenda(store: &dyn Store, ctx: &Ctx, id: &str, agenda: Vec<String>, etag: &str) -> Result<Session> {
    let mut vs = Violations::default();
    check_agenda_form(&mut vs, &agenda);
    vs.finish()?;
    let mut w = begin_write!(store, ctx, "SetAgenda");
    let mut s = load_for_chair(&mut *w.tx, ctx, id).await?;
    if s.state == SessionState::Closed {
        return Err(Error::precondition(format!(
            "session {id} is closed; its agenda can no longer change"
        )));
    }
    check_etag(etag, s.version)?;
    check_agenda(&mut *w.tx, &s.cooperation_id, &agenda).await?;
    s.agenda = agenda;
    s.version += 1;
    w.event(event(
        "session.agenda_set",
        &s,
        serde_json::json!({ "agenda": s.agenda }),
    )?)
    .await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn open(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Session> {
    let mut w = begin_write!(store, ctx, "OpenSession");
    let mut s = load_for_chair(&mut *w.tx, ctx, id).await?;
    if s.state != SessionState::Scheduled {
        return Err(Error::precondition(format!(
            "session {id} is {}; only a scheduled session can be opened",
            s.state
        )));
    }
    s.state = SessionState::Open;
    s.open_time = Some(ctx.now);
    s.opened_by = Some(ctx.actor());
    s.version += 1;
    w.event(event("session.opened", &s, serde_json::json!({}))?).await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// Records the caller's municipality as present. Checking in again changes
/// nothing: attendance keeps the first check-in.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn check_in(store: &dyn Store, ctx: &Ctx, id: &str) -> Result<Session> {
    let mut w = begin_write!(store, ctx, "CheckIn");
    let mut s = load(&mut *w.tx, "id", id).await?;
    let me = w.tx.get_member(&s.cooperation_id, &ctx.principal.municipality).await?;
    authz::check_in(&ctx.principal, &s.cooperation_id, me.as_ref())?;
    if s.state == SessionState::Closed {
        return Err(Error::precondition(format!("session {id} is closed")));
    }
    let municipality = ctx.principal.municipality.clone();
    if s.has_checked_in(&municipality) {
        return w.finish(s).await;
    }
    s.attendance.push(Attendance {
        municipality: municipality.clone(),
        checked_in_by: ctx.principal.sub.clone(),
        check_in_time: ctx.now,
        by_voting: false,
        checked_in_by_name: ctx.principal.name.clone().unwrap_or_default(),
    });
    s.version += 1;
    w.event(event(
        "session.checked_in",
        &s,
        serde_json::json!({ "municipality": municipality, "checked_in_by": ctx.principal.sub }),
    )?)
    .await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// Closes the session: its open rounds are closed and tallied first; members
/// that voted without checking in are recorded as taking part by voting;
/// then the minutes' record is made and stored with the session's `closed`
/// event, whose payload carries the record's SHA-256. A follow-up session's
/// minutes carry the follow-up report as it stands at closing, members silent
/// for more than `stale_after_days` flagged.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn close(store: &dyn Store, ctx: &Ctx, id: &str, stale_after_days: u32) -> Result<Session> {
    let mut w = begin_write!(store, ctx, "CloseSession");
    let mut s = load_for_chair(&mut *w.tx, ctx, id).await?;
    if s.state != SessionState::Open {
        return Err(Error::precondition(format!(
            "session {id} is {}; only an open session can be closed",
            s.state
        )));
    }
    let rounds = all_rounds(&mut *w.tx, &s.id).await?;
    for r in rounds.into_iter().filter(|r| r.is_open()) {
        closing::close_round(&mut w, ctx, r).await?;
    }
    let ballots = w.tx.list_session_ballots(&s.id).await?;
    let voters: Vec<Attendance> = minutes::voted_without_check_in(&s, &ballots)
        .into_iter()
        .map(|b| Attendance {
            municipality: b.municipality.clone(),
            checked_in_by: b.cast_by.clone(),
            check_in_time: b.cast_time,
            by_voting: true,
            checked_in_by_name: b.cast_by_name.clone(),
        })
        .collect();
    s.attendance.extend(voters);
    s.state = SessionState::Closed;
    s.close_time = Some(ctx.now);
    s.closed_by = Some(ctx.actor());
    s.version += 1;
    let report = match s.kind {
        SessionKind::FollowUp => Some(follow_up::report::at_session_close(&mut *w.tx, &s, stale_after_days).await?),
        SessionKind::Regular => None,
    };
    let record = minutes_record(&mut *w.tx, &s, report.as_ref()).await?;
    let sha = minutes::record_sha256(&record);
    w.event(event(
        "session.closed",
        &s,
        serde_json::json!({
            "attendance": s.attendance.iter().filter(|a| !a.by_voting).map(|a| &a.municipality).collect::<Vec<_>>(),
            "took_part_by_voting": s.attendance.iter().filter(|a| a.by_voting).map(|a| &a.municipality).collect::<Vec<_>>(),
            "minutes_sha256": sha,
        }),
    )?)
    .await?;
    let provenance = w.head().map(|(seq, hash)| Provenance {
        seq,
        hash: hash.to_string(),
        record_sha256: sha,
    });
    let markdown = String::from_utf8(minutes::write(
        &Rendering {
            record: &record,
            provenance: provenance.as_ref(),
            approval: None,
            lang: Lang::Da,
        },
        Format::Markdown,
    ))
    .unwrap_or_default();
    let minutes = Minutes {
        session_id: s.id.clone(),
        markdown,
        create_time: ctx.now,
        record: Some(record),
        provenance,
    };
    w.tx.insert_minutes(&minutes).await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// Minutes as a reader asked for them.
#[derive(Debug, Clone)]
pub struct RenderedMinutes {
    pub minutes: Minutes,
    pub content: Vec<u8>,
    pub content_type: &'static str,
    pub approval: Option<MinutesApproval>,
}

#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn get_minutes(
    store: &dyn Store,
    ctx: &Ctx,
    session_id: &str,
    lang: Lang,
    format: Format,
) -> Result<RenderedMinutes> {
    let mut tx = store.begin_read().await?;
    let s = load(&mut *tx, "session_id", session_id).await?;
    readable(&mut *tx, ctx, &s.cooperation_id).await?;
    let Some(m) = tx.get_minutes(session_id).await? else {
        return Err(Error::precondition(format!(
            "session {session_id} is {}; its minutes are produced when it closes",
            s.state
        )));
    };
    let (content, content_type) = match &m.record {
        Some(record) => (
            minutes::write(
                &Rendering {
                    record,
                    provenance: m.provenance.as_ref(),
                    approval: s.minutes_approval.as_ref(),
                    lang,
                },
                format,
            ),
            format.content_type(),
        ),
        // Minutes stored before records were kept have only their Markdown.
        None if format == Format::Markdown => (m.markdown.clone().into_bytes(), format.content_type()),
        None => {
            return Err(Error::precondition(format!(
                "the minutes of session {session_id} were stored before other formats existed; only Markdown is available"
            )));
        }
    };
    Ok(RenderedMinutes {
        minutes: m,
        content,
        content_type,
        approval: s.minutes_approval,
    })
}

/// The chair names the session's minute-taker (free text: a name, perhaps
/// with a title); empty clears it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn set_minute_taker(store: &dyn Store, ctx: &Ctx, id: &str, name: &str) -> Result<Session> {
    let name = name.trim();
    if !name.is_empty() {
        v::required_text(name, 200).map_err(|d| Error::invalid("name", d))?;
    }
    let mut w = begin_write!(store, ctx, "SetMinuteTaker");
    let mut s = load_for_chair(&mut *w.tx, ctx, id).await?;
    if s.state == SessionState::Closed {
        return Err(Error::precondition(format!(
            "session {id} is closed; its minutes are fixed"
        )));
    }
    s.minute_taker = name.to_string();
    s.version += 1;
    w.event(event(
        "session.minute_taker_set",
        &s,
        serde_json::json!({ "name": name }),
    )?)
    .await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// Longest decision note.
pub const MAX_NOTE: usize = 4000;

/// The chair's decision note for an agenda item (`item` a proposal on the
/// agenda), or for "Eventuelt" (`item` empty). An empty note removes it.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn set_note(store: &dyn Store, ctx: &Ctx, id: &str, item: &str, text: &str) -> Result<Session> {
    let text = text.trim();
    let mut vs = Violations::default();
    if !item.is_empty() {
        vs.check("proposal_id", v::id(item));
    }
    if !text.is_empty() {
        vs.check("note", v::required_text(text, MAX_NOTE));
    }
    vs.finish()?;
    let mut w = begin_write!(store, ctx, "SetDecisionNote");
    let mut s = load_for_chair(&mut *w.tx, ctx, id).await?;
    if s.state == SessionState::Closed {
        return Err(Error::precondition(format!(
            "session {id} is closed; its minutes are fixed"
        )));
    }
    if !item.is_empty() && !s.agenda.iter().any(|a| a == item) {
        return Err(Error::invalid(
            "proposal_id",
            format!("{item} is not on the agenda of session {id}"),
        ));
    }
    s.notes.retain(|n| n.item != item);
    if !text.is_empty() {
        s.notes.push(ItemNote {
            item: item.to_string(),
            text: text.to_string(),
            by: ctx.actor(),
            time: ctx.now,
        });
    }
    s.version += 1;
    w.event(event(
        "session.note_set",
        &s,
        serde_json::json!({ "proposal_id": item, "note": text }),
    )?)
    .await?;
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// The chair of an open session approves the minutes of an earlier, closed
/// session of the same cooperation. Minutes are approved once.
#[tracing::instrument(skip_all, fields(session_id = %session_id, approving_session_id = %approving_session_id))]
pub async fn approve_minutes(
    store: &dyn Store,
    ctx: &Ctx,
    session_id: &str,
    approving_session_id: &str,
) -> Result<Session> {
    let mut w = begin_write!(store, ctx, "ApproveMinutes");
    let mut s = load(&mut *w.tx, "session_id", session_id).await?;
    let approving = load(&mut *w.tx, "approving_session_id", approving_session_id).await?;
    authz::chair(&ctx.principal, &s.cooperation_id)?;
    if approving.cooperation_id != s.cooperation_id {
        return Err(Error::invalid(
            "approving_session_id",
            format!(
                "session {approving_session_id} is not a session of cooperation {}",
                s.cooperation_id
            ),
        ));
    }
    if s.state != SessionState::Closed {
        return Err(Error::precondition(format!(
            "session {session_id} is {}; only the minutes of a closed session can be approved",
            s.state
        )));
    }
    if approving.state != SessionState::Open {
        return Err(Error::precondition(format!(
            "session {approving_session_id} is {}; minutes are approved at an open session",
            approving.state
        )));
    }
    if approving.id == s.id || approving.open_time < s.close_time {
        return Err(Error::invalid(
            "approving_session_id",
            "minutes are approved by a later session than the one they record",
        ));
    }
    if let Some(a) = &s.minutes_approval {
        return Err(Error::precondition(format!(
            "the minutes of session {session_id} were already approved at session {}",
            a.session_id
        )));
    }
    s.version += 1;
    let seq = w
        .event(event(
            "session.minutes_approved",
            &s,
            serde_json::json!({ "approving_session_id": approving.id, "approving_session_title": approving.title }),
        )?)
        .await?;
    s.minutes_approval = Some(MinutesApproval {
        by: ctx.actor(),
        time: ctx.now,
        session_id: approving.id.clone(),
        session_title: approving.title.clone(),
        seq,
    });
    w.tx.update_session(&s).await?;
    w.finish(s).await
}

/// Every round of a session, in the order they were opened.
async fn all_rounds(tx: &mut dyn StoreTx, session_id: &str) -> Result<Vec<model::Round>> {
    Ok(tx
        .list_rounds(session_id, 0, i64::MAX)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// Gathers what the minutes need and makes their record.
async fn minutes_record(
    tx: &mut dyn StoreTx,
    s: &Session,
    follow_up: Option<&follow_up::FollowUpReport>,
) -> Result<MinutesRecord> {
    let cooperation = tx
        .get_cooperation(&s.cooperation_id)
        .await?
        .ok_or_else(|| Error::not_found("cooperation", &s.cooperation_id))?;
    let members = tx.list_members(&s.cooperation_id, true, "", i64::MAX).await?;
    let mut ballots: HashMap<String, Vec<model::Ballot>> = HashMap::new();
    for b in tx.list_session_ballots(&s.id).await? {
        ballots.entry(b.round_id.clone()).or_default().push(b);
    }
    let mut rounds = Vec::new();
    for r in all_rounds(tx, &s.id).await? {
        let all = ballots.remove(&r.id).unwrap_or_default();
        let replaced = all.iter().filter(|b| !b.current).count();
        let current = all.into_iter().filter(|b| b.current).collect();
        rounds.push((r, current, replaced));
    }
    let overrides = overrides_filed_during(tx, s).await?;
    let list = priorities::list_at(tx, &s.cooperation_id, None).await?;

    let mut ids: Vec<&str> = s.agenda.iter().map(String::as_str).collect();
    for (r, _, _) in &rounds {
        ids.extend(r.candidates.iter().map(|c| c.proposal_id.as_str()));
    }
    ids.extend(overrides.iter().map(|o| o.proposal_id.as_str()));
    ids.extend(list.items.iter().map(String::as_str));
    ids.sort_unstable();
    ids.dedup();
    let proposals: HashMap<String, Proposal> = tx
        .get_proposals(&s.cooperation_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let systems = if s
        .agenda
        .iter()
        .any(|id| proposals.get(id).is_some_and(|p| !p.content.linked_systems.is_empty()))
    {
        tx.cooperation_systems(&s.cooperation_id).await?
    } else {
        vec![]
    };
    Ok(minutes::record(&MinutesInput {
        cooperation: &cooperation,
        session: s,
        members: &members,
        proposals: &proposals,
        rounds: &rounds,
        overrides: &overrides,
        list: &list,
        follow_up,
        systems: &systems,
    }))
}

/// The local overrides members filed while the session was open, for its
/// minutes (DESIGN.md §4): every version recorded between the session's
/// `open_time` and `close_time` (set, changed, reconfirmed or revoked).
async fn overrides_filed_during(tx: &mut dyn StoreTx, session: &Session) -> Result<Vec<Override>> {
    let (Some(from), Some(to)) = (session.open_time, session.close_time) else {
        return Ok(Vec::new());
    };
    overrides::recorded_between(tx, &session.cooperation_id, from, to).await
}
