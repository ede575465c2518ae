//! Storage of sessions, rounds, ballots and minutes.

use async_trait::async_trait;

use super::tx::{DocRow, SeqDocRow, Tx, docs, on_engine, page};
use super::{Page, StoreResult, from_doc, one_row, to_doc};
use crate::domain::model::minutes::{MinutesRecord, Provenance};
use crate::domain::model::{Ballot, Minutes, Round, RoundState, Session};

#[async_trait]
pub trait SessionTx: Send {
    // Sessions.
    async fn insert_session(&mut self, s: &Session, seq: i64) -> StoreResult<()>;
    /// Stores `s`, whose `version` is one more than the stored one.
    async fn update_session(&mut self, s: &Session) -> StoreResult<()>;
    async fn get_session(&mut self, id: &str) -> StoreResult<Option<Session>>;
    async fn list_sessions(&mut self, cooperation: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Session>>;

    // Rounds.
    async fn insert_round(&mut self, r: &Round, seq: i64) -> StoreResult<()>;
    /// Stores `r`, whose `version` is one more than the stored one.
    async fn update_round(&mut self, r: &Round) -> StoreResult<()>;
    async fn get_round(&mut self, id: &str) -> StoreResult<Option<Round>>;
    async fn round_is_open(&mut self, id: &str) -> StoreResult<bool>;
    /// Rounds of a session in the order they were opened.
    async fn list_rounds(&mut self, session: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Round>>;
    /// Open rounds of a cooperation, oldest first.
    async fn list_open_rounds(&mut self, cooperation: &str) -> StoreResult<Vec<Round>>;
    /// Ids of open rounds whose deadline is at or before `now`, earliest first.
    async fn due_rounds(&mut self, now: i64, limit: i64) -> StoreResult<Vec<String>>;

    // Ballots.
    /// The member's current ballot in a round.
    async fn current_ballot(&mut self, round: &str, municipality: &str) -> StoreResult<Option<Ballot>>;
    /// Adds a ballot version as the current one; the caller has retired the
    /// previous current ballot. The schema refuses a second current ballot.
    async fn insert_ballot(&mut self, b: &Ballot) -> StoreResult<()>;
    /// Marks the member's current ballot as replaced.
    async fn retire_ballot(&mut self, round: &str, municipality: &str, version: u32) -> StoreResult<()>;
    /// Ballots of a round by municipality, then version: the current ones, or
    /// every version.
    async fn list_ballots(&mut self, round: &str, include_history: bool) -> StoreResult<Vec<Ballot>>;
    /// Every version of every ballot of a session's rounds, by round (in the
    /// order they were opened), municipality, then version.
    async fn list_session_ballots(&mut self, session: &str) -> StoreResult<Vec<Ballot>>;

    // Minutes.
    async fn insert_minutes(&mut self, m: &Minutes) -> StoreResult<()>;
    async fn get_minutes(&mut self, session: &str) -> StoreResult<Option<Minutes>>;
}

const INSERT_SESSION: &str =
    "INSERT INTO sessions (id, cooperation_id, seq, state, version, doc) VALUES ($1, $2, $3, $4, $5, $6)";
const UPDATE_SESSION: &str = "UPDATE sessions SET state = $2, version = $3, doc = $4 WHERE id = $1 AND version = $5";
const GET_SESSION: &str = "SELECT doc FROM sessions WHERE id = $1";
pub(crate) const LIST_SESSIONS: &str =
    "SELECT seq, doc FROM sessions WHERE cooperation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

const INSERT_ROUND: &str = "INSERT INTO rounds (id, session_id, cooperation_id, seq, state, deadline, version, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const UPDATE_ROUND: &str =
    "UPDATE rounds SET state = $2, deadline = $3, version = $4, doc = $5 WHERE id = $1 AND version = $6";
const GET_ROUND: &str = "SELECT doc FROM rounds WHERE id = $1";
const ROUND_STATE: &str = "SELECT state FROM rounds WHERE id = $1";
pub(crate) const LIST_ROUNDS: &str =
    "SELECT seq, doc FROM rounds WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const LIST_OPEN_ROUNDS: &str = "SELECT doc FROM rounds WHERE state = 'OPEN' AND cooperation_id = $1 ORDER BY seq";
const DUE_ROUNDS: &str = "SELECT id FROM rounds WHERE state = 'OPEN' AND deadline IS NOT NULL AND deadline <= $1 \
     ORDER BY deadline, seq LIMIT $2";

/// `AND current`, written exactly as the partial index `ballots_one_current`
/// is (`WHERE current`): SQLite uses a partial index only for a term that
/// matches its condition, and `current = TRUE` does not, so each
/// replacement scanned every earlier version of the member's ballot.
pub(crate) const CURRENT_BALLOT: &str = "SELECT doc FROM ballots WHERE round_id = $1 AND municipality = $2 AND current";
const INSERT_BALLOT: &str =
    "INSERT INTO ballots (round_id, municipality, version, current, doc) VALUES ($1, $2, $3, $4, $5)";
const RETIRE_BALLOT: &str = "UPDATE ballots SET current = FALSE \
     WHERE round_id = $1 AND municipality = $2 AND version = $3 AND current";
pub(crate) const LIST_BALLOTS: &str = "SELECT doc, current FROM ballots WHERE round_id = $1 AND ($2 OR current = TRUE) \
     ORDER BY municipality, version";
const LIST_SESSION_BALLOTS: &str = "SELECT b.doc, b.current FROM ballots b JOIN rounds r ON r.id = b.round_id \
     WHERE r.session_id = $1 ORDER BY r.seq, b.municipality, b.version";

const INSERT_MINUTES: &str = "INSERT INTO minutes (session_id, create_time, markdown, doc) VALUES ($1, $2, $3, $4)";
const GET_MINUTES: &str = "SELECT session_id, create_time, markdown, doc FROM minutes WHERE session_id = $1";

#[derive(sqlx::FromRow)]
struct StateRow {
    state: String,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

/// A ballot version; `current` is authoritative in its column, the document
/// keeps the value it was inserted with.
#[derive(sqlx::FromRow)]
struct BallotRow {
    doc: String,
    current: bool,
}

impl BallotRow {
    fn decode(self) -> StoreResult<Ballot> {
        let mut b: Ballot = from_doc(&self.doc)?;
        b.current = self.current;
        Ok(b)
    }
}

#[derive(sqlx::FromRow)]
struct MinutesRow {
    session_id: String,
    create_time: i64,
    markdown: String,
    doc: String,
}

/// What the `doc` column of `minutes` holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct MinutesDoc {
    record: MinutesRecord,
    provenance: Option<Provenance>,
}

/// Minutes of follow-up sessions closed before their records kept the
/// report itself kept it as Danish Markdown; such minutes are served as
/// they were stored, like minutes stored before records were kept.
fn has_markdown_follow_up(doc: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(doc)
        .is_ok_and(|v| v.pointer("/record/follow_up").is_some_and(serde_json::Value::is_string))
}

#[async_trait]
impl SessionTx for Tx {
    #[tracing::instrument(skip_all, fields(id = %s.id))]
    async fn insert_session(&mut self, s: &Session, seq: i64) -> StoreResult<()> {
        let doc = to_doc(s)?;
        on_engine!(self, c => sqlx::query(INSERT_SESSION)
            .bind(&s.id)
            .bind(&s.cooperation_id)
            .bind(seq)
            .bind(s.state.as_str())
            .bind(s.version as i64)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %s.id))]
    async fn update_session(&mut self, s: &Session) -> StoreResult<()> {
        let doc = to_doc(s)?;
        let r = on_engine!(self, c => sqlx::query(UPDATE_SESSION)
            .bind(&s.id)
            .bind(s.state.as_str())
            .bind(s.version as i64)
            .bind(&doc)
            .bind(s.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get_session(&mut self, id: &str) -> StoreResult<Option<Session>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_SESSION).bind(id).fetch_optional(c).await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(cooperation, after_seq, limit))]
    async fn list_sessions(&mut self, cooperation: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Session>> {
        let rows: Vec<SeqDocRow> = on_engine!(self, c => sqlx::query_as(LIST_SESSIONS)
            .bind(cooperation)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(c)
            .await?);
        page(rows)
    }

    #[tracing::instrument(skip_all, fields(id = %r.id))]
    async fn insert_round(&mut self, r: &Round, seq: i64) -> StoreResult<()> {
        let doc = to_doc(r)?;
        on_engine!(self, c => sqlx::query(INSERT_ROUND)
            .bind(&r.id)
            .bind(&r.session_id)
            .bind(&r.cooperation_id)
            .bind(seq)
            .bind(r.state.as_str())
            .bind(r.deadline)
            .bind(r.version as i64)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %r.id))]
    async fn update_round(&mut self, r: &Round) -> StoreResult<()> {
        let doc = to_doc(r)?;
        let affected = on_engine!(self, c => sqlx::query(UPDATE_ROUND)
            .bind(&r.id)
            .bind(r.state.as_str())
            .bind(r.deadline)
            .bind(r.version as i64)
            .bind(&doc)
            .bind(r.version as i64 - 1)
            .execute(c)
            .await?
            .rows_affected());
        one_row(affected)
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn get_round(&mut self, id: &str) -> StoreResult<Option<Round>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(GET_ROUND).bind(id).fetch_optional(c).await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(id))]
    async fn round_is_open(&mut self, id: &str) -> StoreResult<bool> {
        let row: Option<StateRow> =
            on_engine!(self, c => sqlx::query_as(ROUND_STATE).bind(id).fetch_optional(c).await?);
        Ok(row.is_some_and(|r| r.state == RoundState::Open.as_str()))
    }

    #[tracing::instrument(skip_all, fields(session, after_seq, limit))]
    async fn list_rounds(&mut self, session: &str, after_seq: i64, limit: i64) -> StoreResult<Page<Round>> {
        let rows: Vec<SeqDocRow> = on_engine!(self, c => sqlx::query_as(LIST_ROUNDS)
            .bind(session)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(c)
            .await?);
        page(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn list_open_rounds(&mut self, cooperation: &str) -> StoreResult<Vec<Round>> {
        let rows: Vec<DocRow> =
            on_engine!(self, c => sqlx::query_as(LIST_OPEN_ROUNDS).bind(cooperation).fetch_all(c).await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(now, limit))]
    async fn due_rounds(&mut self, now: i64, limit: i64) -> StoreResult<Vec<String>> {
        let rows: Vec<IdRow> = on_engine!(self, c => sqlx::query_as(DUE_ROUNDS)
            .bind(now)
            .bind(limit)
            .fetch_all(c)
            .await?);
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    #[tracing::instrument(skip_all, fields(round, municipality))]
    async fn current_ballot(&mut self, round: &str, municipality: &str) -> StoreResult<Option<Ballot>> {
        let row: Option<DocRow> = on_engine!(self, c => sqlx::query_as(CURRENT_BALLOT)
            .bind(round)
            .bind(municipality)
            .fetch_optional(c)
            .await?);
        row.map(|r| {
            let mut b: Ballot = r.decode()?;
            b.current = true;
            Ok(b)
        })
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(round = %b.round_id, municipality = %b.municipality))]
    async fn insert_ballot(&mut self, b: &Ballot) -> StoreResult<()> {
        let doc = to_doc(b)?;
        on_engine!(self, c => sqlx::query(INSERT_BALLOT)
            .bind(&b.round_id)
            .bind(&b.municipality)
            .bind(i64::from(b.version))
            .bind(b.current)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(round, municipality, version))]
    async fn retire_ballot(&mut self, round: &str, municipality: &str, version: u32) -> StoreResult<()> {
        let r = on_engine!(self, c => sqlx::query(RETIRE_BALLOT)
            .bind(round)
            .bind(municipality)
            .bind(i64::from(version))
            .execute(c)
            .await?
            .rows_affected());
        one_row(r)
    }

    #[tracing::instrument(skip_all, fields(round, include_history))]
    async fn list_ballots(&mut self, round: &str, include_history: bool) -> StoreResult<Vec<Ballot>> {
        let rows: Vec<BallotRow> = on_engine!(self, c => sqlx::query_as(LIST_BALLOTS)
            .bind(round)
            .bind(include_history)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(BallotRow::decode).collect()
    }

    #[tracing::instrument(skip_all, fields(session))]
    async fn list_session_ballots(&mut self, session: &str) -> StoreResult<Vec<Ballot>> {
        let rows: Vec<BallotRow> =
            on_engine!(self, c => sqlx::query_as(LIST_SESSION_BALLOTS).bind(session).fetch_all(c).await?);
        rows.into_iter().map(BallotRow::decode).collect()
    }

    #[tracing::instrument(skip_all, fields(session = %m.session_id))]
    async fn insert_minutes(&mut self, m: &Minutes) -> StoreResult<()> {
        let doc = match &m.record {
            Some(record) => to_doc(&MinutesDoc {
                record: record.clone(),
                provenance: m.provenance.clone(),
            })?,
            None => String::new(),
        };
        on_engine!(self, c => sqlx::query(INSERT_MINUTES)
            .bind(&m.session_id)
            .bind(m.create_time)
            .bind(&m.markdown)
            .bind(&doc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(session))]
    async fn get_minutes(&mut self, session: &str) -> StoreResult<Option<Minutes>> {
        let row: Option<MinutesRow> =
            on_engine!(self, c => sqlx::query_as(GET_MINUTES).bind(session).fetch_optional(c).await?);
        let Some(r) = row else { return Ok(None) };
        let (record, provenance) = if r.doc.is_empty() || has_markdown_follow_up(&r.doc) {
            (None, None)
        } else {
            let d: MinutesDoc = from_doc(&r.doc)?;
            (Some(d.record), d.provenance)
        };
        Ok(Some(Minutes {
            session_id: r.session_id,
            create_time: r.create_time,
            markdown: r.markdown,
            record,
            provenance,
        }))
    }
}
