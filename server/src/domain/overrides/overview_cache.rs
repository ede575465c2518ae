//! Keeping computed cooperation overviews while the log has not moved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::CooperationOverview;

/// Computed overviews by cooperation and date, each valid for exactly the
/// state of the log it was computed from. The overview aggregates every
/// member's overrides, so it is worth keeping while nothing changes; whether
/// anything did is read from the same snapshot (the log's last sequence
/// number), so a cached overview is never stale, on one process or many.
#[derive(Default)]
pub struct OverviewCache(Mutex<HashMap<OverviewKey, (i64, Arc<CooperationOverview>)>>);

/// Cooperation and date.
type OverviewKey = (String, String);

impl OverviewCache {
    /// The overview of a cooperation on a date, if it was computed at `seq`.
    pub(super) fn get(&self, cooperation_id: &str, date: &str, seq: i64) -> Option<Arc<CooperationOverview>> {
        let cache = self.0.lock().expect("cache lock");
        let (at, v) = cache.get(&(cooperation_id.to_string(), date.to_string()))?;
        (*at == seq).then(|| v.clone())
    }

    /// Keeps an overview computed at `seq`, in place of any other of its cooperation.
    pub(super) fn put(&self, cooperation_id: &str, date: &str, seq: i64, v: Arc<CooperationOverview>) {
        let mut cache = self.0.lock().expect("cache lock");
        // One entry per cooperation: yesterday's date is of no further use.
        cache.retain(|(coop, _), _| coop != cooperation_id);
        cache.insert((cooperation_id.to_string(), date.to_string()), (seq, v));
    }
}
