//! Checks every request gets before any handler sees it, walking the message
//! by its descriptor so that no field of any method is missed:
//!
//! * no string holds control characters other than tab and line breaks (a
//!   NUL is legal UTF-8 but PostgreSQL refuses it, so without this check the
//!   engines would answer the same request differently), nor bidirectional
//!   embedding, override or isolate characters, which make text display in
//!   another order than it is stored (a title that reads backwards in lists
//!   and minutes);
//! * no `uint64` exceeds `i64::MAX`, the largest sequence number or revision
//!   the store can hold (above it the value would wrap when bound).
//!
//! Field-specific rules (required, lengths, formats) stay with the domain.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DynamicMessage, MapKey, Value};
use samprio_proto::v1::FILE_DESCRIPTOR_SET;

use crate::domain::error::Violations;

static POOL: LazyLock<DescriptorPool> =
    LazyLock::new(|| DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("the contract's own descriptor set decodes"));

/// At most this many violations are reported; one bad field in every element
/// of a long list must not make a response of megabytes.
const MAX_VIOLATIONS: usize = 10;

/// Checks the encoded request `bytes` of message type `full_name`.
pub fn check(full_name: &str, bytes: &[u8]) -> crate::domain::Result<()> {
    let Some(desc) = POOL.get_message_by_name(full_name) else {
        // Not one of ours (cannot happen for generated services).
        return Ok(());
    };
    let mut found = Found::default();
    if let Ok(msg) = DynamicMessage::decode(desc, bytes) {
        walk(&msg, "", &mut found);
    }
    found.finish()
}

#[derive(Default)]
struct Found {
    violations: Vec<(String, String)>,
    more: usize,
}

impl Found {
    fn add(&mut self, field: String, description: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push((field, description));
        } else {
            self.more += 1;
        }
    }

    fn finish(self) -> crate::domain::Result<()> {
        let mut vs = Violations::default();
        for (f, d) in self.violations {
            vs.add(f, d);
        }
        if self.more > 0 {
            vs.add("", format!("and {} more fields like these", self.more));
        }
        vs.finish()
    }
}

fn walk(msg: &DynamicMessage, prefix: &str, found: &mut Found) {
    for (field, value) in msg.fields() {
        let path = if prefix.is_empty() {
            field.name().to_string()
        } else {
            format!("{prefix}.{}", field.name())
        };
        value_at(value, path, found);
    }
}

fn value_at(value: &Value, path: String, found: &mut Found) {
    match value {
        Value::String(s) => {
            if let Err(d) = text(s) {
                found.add(path, d);
            }
        }
        Value::U64(n) if *n > i64::MAX as u64 => found.add(path, format!("must be at most {}", i64::MAX)),
        Value::Message(m) => walk(m, &path, found),
        Value::List(items) => {
            for (i, v) in items.iter().enumerate() {
                value_at(v, format!("{path}[{i}]"), found);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = match k {
                    MapKey::String(s) => {
                        if let Err(d) = text(s) {
                            found.add(format!("{path} key"), d);
                        }
                        crate::grpc::quote(s)
                    }
                    other => format!("{other:?}"),
                };
                value_at(v, format!("{path}[{key}]"), found);
            }
        }
        _ => {}
    }
}

/// Characters no string of the API may hold.
pub fn text(s: &str) -> Result<(), String> {
    for c in s.chars() {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            return Err(format!("contains the control character U+{:04X}", c as u32));
        }
        if is_bidi_control(c) {
            return Err(format!(
                "contains the bidirectional formatting character U+{:04X}, which can make text display in another order than it is written",
                c as u32
            ));
        }
    }
    Ok(())
}

/// Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). The
/// marks U+200E, U+200F and U+061C only nudge neutral characters and stay
/// allowed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use prost::{Message, Name};
    use samprio_proto::v1 as pb;

    use super::*;

    fn violations(r: crate::domain::Result<()>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(crate::domain::Error::Invalid(vs)) => vs.into_iter().map(|v| v.field).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn names_nested_string_and_number_fields() {
        let req = pb::CreateProposalRequest {
            cooperation_id: "kombit\0".into(),
            request_id: "ok".into(),
            content: Some(pb::ProposalContent {
                title: "\u{202E}txet".into(),
                ..Default::default()
            }),
        };
        assert_eq!(
            violations(check(&pb::CreateProposalRequest::full_name(), &req.encode_to_vec())),
            ["cooperation_id", "content.title"]
        );
        let req = pb::ListEventsRequest {
            after_seq: u64::MAX,
            ..Default::default()
        };
        assert_eq!(
            violations(check(&pb::ListEventsRequest::full_name(), &req.encode_to_vec())),
            ["after_seq"]
        );
    }

    #[test]
    fn ordinary_text_passes() {
        assert!(text("Fælles ESDH-løsning\n\tafsnit 2 \u{200F}עברית").is_ok());
        assert!(text("a\u{0}b").is_err());
        assert!(text("\u{85}").is_err());
        assert!(text("abc\u{2067}").is_err());
    }
}
