//! Read models: views of a cooperation (its shared list, a member's effective
//! list), made into what is sent once and kept while the cooperation's log
//! has not moved. Whether it has is read in the same snapshot as everything
//! else the request reads (the sequence number of the cooperation's last
//! event, see `StoreTx::cooperation_head`), so a kept view is never stale,
//! on one process or many — as `overrides::OverviewCache` does for overviews.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Views kept at most; past this they are all dropped and rebuilt on demand
/// (98 members × a few dates × the cooperations of one server fit easily).
const MAX_VIEWS: usize = 4096;

/// Views by key (the cooperation first), each with the head it is valid at.
pub struct Views<T>(Mutex<HashMap<Key, (i64, Arc<T>)>>);

/// The cooperation, then what else tells its views apart.
type Key = Vec<String>;

impl<T> Default for Views<T> {
    fn default() -> Self {
        Views(Mutex::new(HashMap::new()))
    }
}

impl<T> Views<T> {
    /// The view kept for `key` if it was made at `head`.
    pub fn get(&self, key: &[&str], head: i64) -> Option<Arc<T>> {
        let views = self.0.lock().expect("views lock");
        let owned: Vec<String> = key.iter().map(|s| s.to_string()).collect();
        let (at, v) = views.get(&owned)?;
        (*at == head).then(|| v.clone())
    }

    /// Keeps a view made at `head`. Views of the same cooperation made at an
    /// older head are of no further use and go.
    pub fn put(&self, key: &[&str], head: i64, v: Arc<T>) {
        let mut views = self.0.lock().expect("views lock");
        if views.len() >= MAX_VIEWS {
            views.clear();
        }
        views.retain(|k, (at, _)| k.first().map(String::as_str) != key.first().copied() || *at >= head);
        views.insert(key.iter().map(|s| s.to_string()).collect(), (head, v));
    }
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
        assert_eq!(views.0.lock().unwrap().len(), 2, "c@7 went, d@3 stays");
        assert_eq!(views.get(&["d", "0101"], 3).as_deref(), Some(&2));
    }
}
