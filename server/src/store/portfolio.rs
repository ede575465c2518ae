//! Storage of the municipalities' portfolios, their imports, the systems
//! proposals link, and imported population counts.

use async_trait::async_trait;

use super::tx::{DocRow, Tx, docs, on_engine};
use super::{StoreResult, from_doc, one_row, to_doc};
use crate::domain::model::portfolio::{PortfolioImport, PortfolioSystem, RegisterPopulation, SystemRef};

/// What a listing of systems keeps; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFilter {
    /// One municipality's systems.
    pub municipality: String,
    /// The systems of the cooperation's current members.
    pub cooperation: String,
    /// `TimeClass::as_str`.
    pub time_class: String,
    /// `AiUse::as_str`.
    pub ai: String,
    /// Contracts that end before this ISO date (unknown ends are left out).
    pub contract_ends_before: String,
    /// Vendors whose lower-cased name starts with this.
    pub vendor_prefix: String,
}

/// A stored system with its version (the etag's source).
pub type Versioned = (u64, PortfolioSystem);

#[async_trait]
pub trait PortfolioTx: Send {
    async fn insert_system(&mut self, s: &PortfolioSystem) -> StoreResult<()>;
    /// Stores `s` as `version`, if the stored one is `version - 1`.
    async fn update_system(&mut self, s: &PortfolioSystem, version: u64) -> StoreResult<()>;
    /// Stores `s` over whatever version is stored (an import's change).
    async fn replace_system(&mut self, s: &PortfolioSystem) -> StoreResult<()>;
    async fn delete_system(&mut self, municipality: &str, id: &str) -> StoreResult<()>;
    async fn get_system(&mut self, municipality: &str, id: &str) -> StoreResult<Option<Versioned>>;
    /// Systems ordered by municipality and id, after `(after_municipality, after_id)`.
    async fn list_systems(
        &mut self,
        filter: &SystemFilter,
        after: (&str, &str),
        limit: i64,
    ) -> StoreResult<Vec<Versioned>>;
    /// Every system of one municipality, by id.
    async fn municipality_systems(&mut self, municipality: &str) -> StoreResult<Vec<PortfolioSystem>>;
    /// Every system of the cooperation's current members, by municipality and id.
    async fn cooperation_systems(&mut self, cooperation: &str) -> StoreResult<Vec<PortfolioSystem>>;
    /// The portfolio revision of each of the cooperation's current members,
    /// by code: it moves with every write of one of the member's systems
    /// (in the same transaction) and never goes back; 0 before the first.
    async fn portfolio_revisions(&mut self, cooperation: &str) -> StoreResult<Vec<(String, i64)>>;

    async fn insert_import(&mut self, i: &PortfolioImport) -> StoreResult<()>;
    /// The municipality's latest import from `source`.
    async fn last_import(&mut self, municipality: &str, source: &str) -> StoreResult<Option<PortfolioImport>>;

    /// Replaces the systems a proposal links.
    async fn set_proposal_systems(&mut self, proposal_id: &str, refs: &[SystemRef]) -> StoreResult<()>;
    /// The stored systems a proposal links (a removed system is missing).
    async fn proposal_systems(&mut self, proposal_id: &str) -> StoreResult<Vec<PortfolioSystem>>;

    async fn put_population(&mut self, p: &RegisterPopulation) -> StoreResult<()>;
    async fn list_populations(&mut self) -> StoreResult<Vec<RegisterPopulation>>;
    async fn get_population(&mut self, code: &str) -> StoreResult<Option<RegisterPopulation>>;
}

const INSERT_SYSTEM: &str = "INSERT INTO portfolio_systems \
     (municipality, id, time_class, ai, contract_end, vendor_key, version, doc) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)";
const UPDATE_SYSTEM: &str = "UPDATE portfolio_systems \
     SET time_class = $3, ai = $4, contract_end = $5, vendor_key = $6, doc = $7, version = $8 \
     WHERE municipality = $1 AND id = $2 AND version = $9";
const REPLACE_SYSTEM: &str = "UPDATE portfolio_systems \
     SET time_class = $3, ai = $4, contract_end = $5, vendor_key = $6, doc = $7, version = version + 1 \
     WHERE municipality = $1 AND id = $2";
const DELETE_SYSTEM: &str = "DELETE FROM portfolio_systems WHERE municipality = $1 AND id = $2";
const GET_SYSTEM: &str = "SELECT version, doc FROM portfolio_systems WHERE municipality = $1 AND id = $2";
const LIST_SYSTEMS: &str = "SELECT version, doc FROM portfolio_systems \
     WHERE ($1 = '' OR municipality = $1) \
     AND ($2 = '' OR municipality IN (SELECT code FROM members WHERE cooperation_id = $2 AND NOT departed)) \
     AND ($3 = '' OR time_class = $3) AND ($4 = '' OR ai = $4) \
     AND ($5 = '' OR (contract_end <> '' AND contract_end < $5)) \
     AND ($6 = '' OR vendor_key LIKE $6 || '%') \
     AND (municipality > $7 OR (municipality = $7 AND id > $8)) \
     ORDER BY municipality, id LIMIT $9";
const MUNICIPALITY_SYSTEMS: &str = "SELECT doc FROM portfolio_systems WHERE municipality = $1 ORDER BY id";
const COOPERATION_SYSTEMS: &str = "SELECT p.doc FROM portfolio_systems p \
     JOIN members m ON m.code = p.municipality \
     WHERE m.cooperation_id = $1 AND NOT m.departed ORDER BY p.municipality, p.id";

const BUMP_REVISION: &str = "INSERT INTO portfolio_revisions (municipality, revision) VALUES ($1, 1) \
     ON CONFLICT (municipality) DO UPDATE SET revision = portfolio_revisions.revision + 1";
const MEMBER_REVISIONS: &str = "SELECT m.code, COALESCE(r.revision, 0) AS revision FROM members m \
     LEFT JOIN portfolio_revisions r ON r.municipality = m.code \
     WHERE m.cooperation_id = $1 AND NOT m.departed ORDER BY m.code";

const INSERT_IMPORT: &str =
    "INSERT INTO portfolio_imports (id, municipality, source, time, doc) VALUES ($1, $2, $3, $4, $5)";
const LAST_IMPORT: &str = "SELECT doc FROM portfolio_imports WHERE municipality = $1 AND source = $2 \
     ORDER BY time DESC, id DESC LIMIT 1";

const DELETE_PROPOSAL_SYSTEMS: &str = "DELETE FROM proposal_systems WHERE proposal_id = $1";
const INSERT_PROPOSAL_SYSTEM: &str =
    "INSERT INTO proposal_systems (proposal_id, municipality, system_id) VALUES ($1, $2, $3)";
const PROPOSAL_SYSTEMS: &str = "SELECT p.doc FROM portfolio_systems p \
     JOIN proposal_systems l ON l.municipality = p.municipality AND l.system_id = p.id \
     WHERE l.proposal_id = $1 ORDER BY p.municipality, p.id";

const PUT_POPULATION: &str = "INSERT INTO register_populations (code, population, population_date, doc) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (code) DO UPDATE SET population = $2, population_date = $3, doc = $4";
const LIST_POPULATIONS: &str = "SELECT doc FROM register_populations ORDER BY code";
const GET_POPULATION: &str = "SELECT doc FROM register_populations WHERE code = $1";

#[derive(sqlx::FromRow)]
struct VersionDocRow {
    version: i64,
    doc: String,
}

impl VersionDocRow {
    fn decode(self) -> StoreResult<Versioned> {
        Ok((self.version as u64, from_doc(&self.doc)?))
    }
}

/// The columns a listing filters on, derived from the record.
struct Columns {
    time_class: &'static str,
    ai: &'static str,
    contract_end: String,
    vendor_key: String,
    doc: String,
}

fn columns(s: &PortfolioSystem) -> StoreResult<Columns> {
    Ok(Columns {
        time_class: s.time_class.map(|t| t.as_str()).unwrap_or(""),
        ai: s.ai.as_str(),
        contract_end: s.contract_end.clone().unwrap_or_default(),
        vendor_key: s.vendor_key(),
        doc: to_doc(s)?,
    })
}

/// A statement on `portfolio_systems` with its first seven parameters bound
/// from the system `s` and its stored columns `c`, as every write of a
/// system begins.
macro_rules! bind_system {
    ($sql:expr, $s:expr, $c:expr) => {
        sqlx::query($sql)
            .bind(&$s.municipality)
            .bind(&$s.id)
            .bind($c.time_class)
            .bind($c.ai)
            .bind(&$c.contract_end)
            .bind(&$c.vendor_key)
            .bind(&$c.doc)
    };
}

impl Tx {
    /// Moves the municipality's portfolio revision, once per slot; every
    /// write of a system ends with it.
    async fn bump_revision(&mut self, municipality: &str) -> StoreResult<()> {
        if self.revised.contains(municipality) {
            return Ok(());
        }
        on_engine!(self, conn => sqlx::query(BUMP_REVISION)
            .bind(municipality)
            .execute(conn)
            .await?
            .rows_affected());
        self.revised.insert(municipality.to_string());
        Ok(())
    }
}

#[async_trait]
impl PortfolioTx for Tx {
    #[tracing::instrument(skip_all, fields(municipality = %s.municipality, id = %s.id))]
    async fn insert_system(&mut self, s: &PortfolioSystem) -> StoreResult<()> {
        let c = columns(s)?;
        on_engine!(self, conn => bind_system!(INSERT_SYSTEM, s, c)
            .execute(conn)
            .await?
            .rows_affected());
        self.bump_revision(&s.municipality).await
    }

    #[tracing::instrument(skip_all, fields(municipality = %s.municipality, id = %s.id, version))]
    async fn update_system(&mut self, s: &PortfolioSystem, version: u64) -> StoreResult<()> {
        let c = columns(s)?;
        let r = on_engine!(self, conn => bind_system!(UPDATE_SYSTEM, s, c)
            .bind(version as i64)
            .bind(version as i64 - 1)
            .execute(conn)
            .await?
            .rows_affected());
        one_row(r)?;
        self.bump_revision(&s.municipality).await
    }

    #[tracing::instrument(skip_all, fields(municipality = %s.municipality, id = %s.id))]
    async fn replace_system(&mut self, s: &PortfolioSystem) -> StoreResult<()> {
        let c = columns(s)?;
        let r = on_engine!(self, conn => bind_system!(REPLACE_SYSTEM, s, c)
            .execute(conn)
            .await?
            .rows_affected());
        one_row(r)?;
        self.bump_revision(&s.municipality).await
    }

    #[tracing::instrument(skip_all, fields(municipality, id))]
    async fn delete_system(&mut self, municipality: &str, id: &str) -> StoreResult<()> {
        let r = on_engine!(self, conn => sqlx::query(DELETE_SYSTEM)
            .bind(municipality)
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected());
        one_row(r)?;
        self.bump_revision(municipality).await
    }

    #[tracing::instrument(skip_all, fields(municipality, id))]
    async fn get_system(&mut self, municipality: &str, id: &str) -> StoreResult<Option<Versioned>> {
        let row: Option<VersionDocRow> = on_engine!(self, conn => sqlx::query_as(GET_SYSTEM)
            .bind(municipality)
            .bind(id)
            .fetch_optional(conn)
            .await?);
        row.map(VersionDocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(limit))]
    async fn list_systems(&mut self, f: &SystemFilter, after: (&str, &str), limit: i64) -> StoreResult<Vec<Versioned>> {
        let rows: Vec<VersionDocRow> = on_engine!(self, conn => sqlx::query_as(LIST_SYSTEMS)
            .bind(&f.municipality)
            .bind(&f.cooperation)
            .bind(&f.time_class)
            .bind(&f.ai)
            .bind(&f.contract_ends_before)
            .bind(&f.vendor_prefix)
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(conn)
            .await?);
        rows.into_iter().map(VersionDocRow::decode).collect()
    }

    #[tracing::instrument(skip_all, fields(municipality))]
    async fn municipality_systems(&mut self, municipality: &str) -> StoreResult<Vec<PortfolioSystem>> {
        let rows: Vec<DocRow> = on_engine!(self, conn => sqlx::query_as(MUNICIPALITY_SYSTEMS)
            .bind(municipality)
            .fetch_all(conn)
            .await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn cooperation_systems(&mut self, cooperation: &str) -> StoreResult<Vec<PortfolioSystem>> {
        let rows: Vec<DocRow> = on_engine!(self, conn => sqlx::query_as(COOPERATION_SYSTEMS)
            .bind(cooperation)
            .fetch_all(conn)
            .await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(cooperation))]
    async fn portfolio_revisions(&mut self, cooperation: &str) -> StoreResult<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = on_engine!(self, conn => sqlx::query_as(MEMBER_REVISIONS)
            .bind(cooperation)
            .fetch_all(conn)
            .await?);
        Ok(rows)
    }

    #[tracing::instrument(skip_all, fields(municipality = %i.municipality, source = %i.source))]
    async fn insert_import(&mut self, i: &PortfolioImport) -> StoreResult<()> {
        let doc = to_doc(i)?;
        on_engine!(self, conn => sqlx::query(INSERT_IMPORT)
            .bind(&i.id)
            .bind(&i.municipality)
            .bind(&i.source)
            .bind(i.time)
            .bind(&doc)
            .execute(conn)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(municipality, source))]
    async fn last_import(&mut self, municipality: &str, source: &str) -> StoreResult<Option<PortfolioImport>> {
        let row: Option<DocRow> = on_engine!(self, conn => sqlx::query_as(LAST_IMPORT)
            .bind(municipality)
            .bind(source)
            .fetch_optional(conn)
            .await?);
        row.map(DocRow::decode).transpose()
    }

    #[tracing::instrument(skip_all, fields(proposal_id, refs = refs.len()))]
    async fn set_proposal_systems(&mut self, proposal_id: &str, refs: &[SystemRef]) -> StoreResult<()> {
        on_engine!(self, conn => sqlx::query(DELETE_PROPOSAL_SYSTEMS)
            .bind(proposal_id)
            .execute(conn)
            .await?
            .rows_affected());
        for r in refs {
            on_engine!(self, conn => sqlx::query(INSERT_PROPOSAL_SYSTEM)
                .bind(proposal_id)
                .bind(&r.municipality)
                .bind(&r.system_id)
                .execute(conn)
                .await?
                .rows_affected());
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(proposal_id))]
    async fn proposal_systems(&mut self, proposal_id: &str) -> StoreResult<Vec<PortfolioSystem>> {
        let rows: Vec<DocRow> = on_engine!(self, conn => sqlx::query_as(PROPOSAL_SYSTEMS)
            .bind(proposal_id)
            .fetch_all(conn)
            .await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(code = %p.code))]
    async fn put_population(&mut self, p: &RegisterPopulation) -> StoreResult<()> {
        let doc = to_doc(p)?;
        on_engine!(self, conn => sqlx::query(PUT_POPULATION)
            .bind(&p.code)
            .bind(p.population)
            .bind(&p.population_date)
            .bind(&doc)
            .execute(conn)
            .await?
            .rows_affected());
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn list_populations(&mut self) -> StoreResult<Vec<RegisterPopulation>> {
        let rows: Vec<DocRow> = on_engine!(self, conn => sqlx::query_as(LIST_POPULATIONS).fetch_all(conn).await?);
        docs(rows)
    }

    #[tracing::instrument(skip_all, fields(code))]
    async fn get_population(&mut self, code: &str) -> StoreResult<Option<RegisterPopulation>> {
        let row: Option<DocRow> =
            on_engine!(self, conn => sqlx::query_as(GET_POPULATION).bind(code).fetch_optional(conn).await?);
        row.map(DocRow::decode).transpose()
    }
}
