//! The hash chain of the event log (DESIGN.md §7): each event's hash covers the
//! previous hash and every recorded field, so altering, removing or inserting
//! a row breaks the chain from that row on.

use sha2::{Digest, Sha256};

use super::model::{Actor, Event};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an event given the previous event's hash.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    time: i64,
    actor: &Actor,
    action: &str,
    subject: &str,
    cooperation_id: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&seq.to_be_bytes());
    field(&time.to_be_bytes());
    field(actor.sub.as_bytes());
    field(actor.municipality.as_bytes());
    field(actor.roles.join(",").as_bytes());
    // Events recorded before display names were kept have none, and hash as
    // they always did; a name, once recorded, is covered like every field.
    if !actor.name.is_empty() {
        field(actor.name.as_bytes());
    }
    field(action.as_bytes());
    field(subject.as_bytes());
    field(cooperation_id.as_bytes());
    field(payload.as_bytes());
    hex::encode(h.finalize())
}

pub fn event_hash(e: &Event) -> String {
    chain_hash(
        &e.prev_hash,
        e.seq,
        e.time,
        &e.actor,
        &e.action,
        &e.subject,
        &e.cooperation_id,
        &e.payload,
    )
}

/// Where a chain stops matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// Checks a run of events that continues a chain whose last event had
/// sequence `prev_seq` and hash `prev_hash`.
pub fn verify_run(prev_seq: i64, prev_hash: &str, events: &[Event]) -> Result<(), Break> {
    let (mut seq, mut hash) = (prev_seq, prev_hash.to_string());
    for e in events {
        if e.seq != seq + 1 {
            return Err(Break {
                seq: seq + 1,
                reason: format!("event {} is missing (next stored is {})", seq + 1, e.seq),
            });
        }
        if e.prev_hash != hash {
            return Err(Break {
                seq: e.seq,
                reason: "prev_hash does not match the previous event's hash".into(),
            });
        }
        if event_hash(e) != e.hash {
            return Err(Break {
                seq: e.seq,
                reason: "hash does not match the event's contents".into(),
            });
        }
        seq = e.seq;
        hash = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Event> {
        let actor = Actor {
            sub: "a".into(),
            municipality: "0101".into(),
            roles: vec!["board".into()],
            name: String::new(),
        };
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = Event {
                    seq,
                    time: seq * 10,
                    actor: actor.clone(),
                    action: "x.done".into(),
                    subject: format!("x/{seq}"),
                    cooperation_id: "c".into(),
                    payload: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = event_hash(&e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_run(0, GENESIS_HASH, &chain(5)), Ok(()));
    }

    #[test]
    fn altered_payload_is_named() {
        let mut c = chain(5);
        c[2].payload = "{\"x\":1}".into();
        assert_eq!(verify_run(0, GENESIS_HASH, &c).unwrap_err().seq, 3);
    }

    #[test]
    fn removed_event_is_named() {
        let mut c = chain(5);
        c.remove(3);
        assert_eq!(verify_run(0, GENESIS_HASH, &c).unwrap_err().seq, 4);
    }

    #[test]
    fn a_recorded_name_is_covered_by_the_hash() {
        let mut c = chain(3);
        c[1].actor.name = "Anna Jensen".into();
        assert_eq!(verify_run(0, GENESIS_HASH, &c).unwrap_err().seq, 2);
        c[1].hash = event_hash(&c[1]);
        c[2].prev_hash = c[1].hash.clone();
        c[2].hash = event_hash(&c[2]);
        assert_eq!(verify_run(0, GENESIS_HASH, &c), Ok(()));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let a = Actor {
            sub: "ab".into(),
            municipality: "c".into(),
            roles: vec![],
            name: String::new(),
        };
        let b = Actor {
            sub: "a".into(),
            municipality: "bc".into(),
            roles: vec![],
            name: String::new(),
        };
        assert_ne!(
            chain_hash("", 1, 1, &a, "x", "y", "z", "p"),
            chain_hash("", 1, 1, &b, "x", "y", "z", "p")
        );
    }
}
