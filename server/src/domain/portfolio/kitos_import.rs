//! Importing a member's systems from KITOS (DESIGN.md §12): the organisation
//! found by the member's CVR from the register, all its system usages or
//! those changed since the last KITOS import, removals from the delta feed.
//! KITOS is read before the write begins, so that a slow KITOS never holds
//! the write lock; the plan is made inside the write, against the portfolio
//! as it is then.

use chrono::{DateTime, Utc};

use super::import::{self, Scope};
use super::systems::{ImportReport, SOURCE_KITOS, apply_plan};
use crate::begin_write;
use crate::domain::authz;
use crate::domain::error::{Error, Result};
use crate::domain::register;
use crate::domain::write::{Ctx, today};
use crate::kitos::{KitosClient, KitosError, map};
use crate::store::Store;

fn kitos_error(e: KitosError) -> Error {
    match e {
        KitosError::Unavailable { .. } | KitosError::Http { .. } | KitosError::Decode { .. } => {
            Error::Upstream(e.to_string())
        }
        KitosError::Credentials { .. } | KitosError::Unauthorized { .. } | KitosError::NoOrganization(_) => {
            Error::precondition(e.to_string())
        }
        KitosError::PageSize(_) | KitosError::Client(_) => Error::precondition(format!("KITOS settings: {e}")),
    }
}

/// Imports `municipality`'s KITOS registrations through `client`: all of
/// them, or with `incremental` those changed since its last KITOS import
/// (all, if there was none).
#[tracing::instrument(skip_all, fields(cooperation, municipality, incremental))]
pub async fn import_kitos(
    store: &dyn Store,
    ctx: &Ctx,
    cooperation: &str,
    municipality: &str,
    client: &KitosClient,
    incremental: bool,
) -> Result<ImportReport> {
    if cooperation.is_empty() {
        return Err(Error::invalid("cooperation_id", "is required"));
    }
    let known = register::by_code(municipality)
        .ok_or_else(|| Error::invalid("municipality", "is not a code of the register of municipalities"))?;
    let since = {
        let mut tx = store.begin_read().await?;
        if tx.get_cooperation(cooperation).await?.is_none() {
            return Err(Error::not_found("cooperation", cooperation));
        }
        let owner = tx.get_member(cooperation, municipality).await?;
        authz::write_portfolio(&ctx.principal, municipality, owner.as_ref())?;
        match incremental {
            true => tx.last_import(municipality, SOURCE_KITOS).await?.map(|i| i.time),
            false => None,
        }
    };
    let since: Option<DateTime<Utc>> = since.and_then(DateTime::from_timestamp_micros);
    let snapshot = client.snapshot(&known.cvr, since).await.map_err(kitos_error)?;
    let day = chrono::NaiveDate::parse_from_str(&today(ctx.now), "%Y-%m-%d").unwrap_or_default();
    let incoming = map::to_portfolio(municipality, &snapshot, day);
    let scope = match since {
        None => Scope::Full,
        Some(_) => Scope::Delta {
            removed_ids: snapshot.deleted_usages.into_iter().collect(),
        },
    };

    let mut w = begin_write!(store, ctx, "ImportFromKitos");
    if w.tx.get_cooperation(cooperation).await?.is_none() {
        return Err(Error::not_found("cooperation", cooperation));
    }
    let owner = w.tx.get_member(cooperation, municipality).await?;
    authz::write_portfolio(&ctx.principal, municipality, owner.as_ref())?;
    let current = w.tx.municipality_systems(municipality).await?;
    let plan = import::plan(&current, incoming, &scope);
    let report = apply_plan(
        &mut w,
        ctx,
        cooperation,
        municipality,
        SOURCE_KITOS,
        since.is_some(),
        &plan,
    )
    .await?;
    w.finish(report).await
}
