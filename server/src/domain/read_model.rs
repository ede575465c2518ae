//! Read models: views of a cooperation (its shared list, a member's effective
//! list), made into what is sent once and kept while the cooperation's log
//! has not moved. Whether it has is read in the same snapshot as everything
//! else the request reads (the sequence number of the cooperation's last
//! event, see `StoreTx::cooperation_head`), so a kept view is never stale,
//! on one process or many — as `overrides::OverviewCache` does for overviews.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::cooperations::{readable, readable_head};
use crate::domain::error::Result;
use crate::domain::write::Ctx;
use crate::store::{Store, StoreTx};

/// Views kept at most; past this they are all dropped and rebuilt on demand
/// (98 members × a few dates × the cooperations of one server fit easily).
const MAX_VIEWS: usize = 4096;

/// Views by key (the cooperation first), each with the head it is valid at.
pub struct Views<T> {
    views: Mutex<HashMap<Key, (i64, Arc<T>)>>,
    max: usize,
}

/// The cooperation, then what else tells its views apart.
type Key = Vec<String>;

impl<T> Default for Views<T> {
    fn default() -> Self {
        Views::with_capacity(MAX_VIEWS)
    }
}

impl<T> Views<T> {
    /// Keeping at most `max` views: for large ones, such as pages of a list.
    pub fn with_capacity(max: usize) -> Self {
        Views {
            views: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// The view kept for `key` if it was made at `head`.
    pub fn get(&self, key: &[&str], head: i64) -> Option<Arc<T>> {
        let views = self.views.lock().expect("views lock");
        let owned: Vec<String> = key.iter().map(|s| s.to_string()).collect();
        let (at, v) = views.get(&owned)?;
        (*at == head).then(|| v.clone())
    }

    /// [`Views::put`], returning the view.
    pub fn keep(&self, key: &[&str], head: i64, v: T) -> Arc<T> {
        let v = Arc::new(v);
        self.put(key, head, v.clone());
        v
    }

    /// Keeps a view made at `head`. Views of the same cooperation made at an
    /// older head are of no further use and go.
    pub fn put(&self, key: &[&str], head: i64, v: Arc<T>) {
        let mut views = self.views.lock().expect("views lock");
        if views.len() >= self.max {
            views.clear();
        }
        views.retain(|k, (at, _)| k.first().map(String::as_str) != key.first().copied() || *at >= head);
        views.insert(key.iter().map(|s| s.to_string()).collect(), (head, v));
    }
}

/// Where a view is to come from: kept, or to be made in the transaction
/// (over the snapshot whose head it is to be kept at).
pub enum Lookup<T> {
    Kept(Arc<T>),
    Make(Box<dyn StoreTx>, i64),
}

/// `let (tx, head) = kept_or_begin!(store, ctx, views, key);` returns early
/// with the view kept for `key`, or gives the read transaction to make it in
/// and the head to [`Views::keep`] it at (see [`lookup`]).
#[macro_export]
macro_rules! kept_or_begin {
    ($store:expr, $ctx:expr, $views:expr, $key:expr) => {
        match $crate::domain::read_model::lookup($store, $ctx, $views, $key).await? {
            $crate::domain::read_model::Lookup::Kept(v) => return Ok(v),
            $crate::domain::read_model::Lookup::Make(tx, head) => (tx, head),
        }
    };
}

/// The view of `key` (its cooperation first) for a caller who may read the
/// cooperation: from `views` if it was made at the cooperation's head, which
/// costs one statement (`readable_head`); otherwise a read transaction, in
/// which the caller's right is checked again, and its head, for the caller
/// to make the view in and [`Views::keep`] it at.
pub async fn lookup<T>(store: &dyn Store, ctx: &Ctx, views: &Views<T>, key: &[&str]) -> Result<Lookup<T>> {
    let cooperation = key.first().copied().unwrap_or_default();
    let head = readable_head(store, ctx, cooperation).await?;
    if let Some(v) = views.get(key, head) {
        return Ok(Lookup::Kept(v));
    }
    let mut tx = store.begin_read().await?;
    readable(&mut *tx, ctx, cooperation).await?;
    let head = tx.cooperation_head(cooperation).await?;
    Ok(Lookup::Make(tx, head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_valid_only_at_its_head() {
        let views = Views::default();
        views.put(&["c", "0101"], 7, Arc::new("seven"));
        assert_eq!(views.get(&["c", "0101"], 7).as_deref(), Some(&"seven"));
        assert_eq!(views.get(&["c", "0101"], 8), None, "the log moved");
        assert_eq!(views.get(&["c", "0147"], 7), None, "another key");
    }

    #[test]
    fn a_newer_head_drops_the_cooperations_older_views() {
        let views = Views::default();
        views.put(&["c", "0101"], 7, Arc::new(1));
        views.put(&["d", "0101"], 3, Arc::new(2));
        views.put(&["c", "0147"], 8, Arc::new(3));
        assert_eq!(views.views.lock().unwrap().len(), 2, "c@7 went, d@3 stays");
        assert_eq!(views.get(&["d", "0101"], 3).as_deref(), Some(&2));
    }
}
