//! Population counts newer than the built-in register, kept in the database
//! once imported from a FOLK1A file, so that members added later (and the
//! weights of the rounds they vote in) use the newest count and its date.

use super::Municipality;
use super::folk1a::Count;
use crate::domain::error::Result;
use crate::domain::model::NewEvent;
use crate::domain::model::portfolio::RegisterPopulation;
use crate::domain::write::{Ctx, Write};
use crate::store::{Store, StoreTx};

/// What storing a file's counts did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stored {
    /// Counts newer than the ones already known (built-in or stored).
    pub stored: usize,
    /// Counts that were not newer.
    pub kept: usize,
}

/// Stores the counts that are newer than what the server knows, as the
/// service itself (the operator runs the import on the server's machine);
/// one event records them. Importing the same file again stores nothing.
pub async fn import(store: &dyn Store, counts: &[Count], now: i64) -> Result<Stored> {
    let ctx = Ctx::system(now);
    let mut w = match Write::begin(store, &ctx, "ImportPopulation").await? {
        crate::domain::write::Begun::Fresh(w) => w,
        crate::domain::write::Begun::Replayed(r) => return Ok(r),
    };
    let known = w.tx.list_populations().await?;
    let mut stored = Vec::new();
    let mut kept = 0;
    for c in counts {
        let Some(m) = super::by_code(&c.code) else { continue };
        let current = known
            .iter()
            .find(|p| p.code == c.code)
            .map_or(m.population_date.as_str(), |p| p.population_date.as_str());
        if c.date.as_str() <= current {
            kept += 1;
            continue;
        }
        let p = RegisterPopulation {
            code: c.code.clone(),
            population: c.population,
            population_date: c.date.clone(),
            import_time: now,
        };
        w.tx.put_population(&p).await?;
        stored.push(p);
    }
    if !stored.is_empty() {
        w.event(NewEvent::new(
            "register.population_imported",
            "register/populations",
            "",
            &stored,
        )?)
        .await?;
    }
    let result = Stored {
        stored: stored.len(),
        kept,
    };
    w.finish(result).await
}

/// The newest count of a municipality: a stored one if it is newer than the
/// register's.
pub async fn newest(tx: &mut dyn StoreTx, m: &Municipality) -> Result<(i64, String)> {
    Ok(match tx.get_population(&m.code).await? {
        Some(p) if p.population_date > m.population_date => (p.population, p.population_date),
        _ => (m.population, m.population_date.clone()),
    })
}
