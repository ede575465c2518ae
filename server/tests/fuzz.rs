//! Request decoding and validation of every method, fuzzed through the real
//! server on both engines: arbitrary bytes, and well-formed messages whose
//! strings carry NUL, bidirectional overrides or 100 KB of text, and whose
//! 64-bit numbers are at their extremes. Whatever comes in, the answer is a
//! client error (never INTERNAL or UNKNOWN, never a panic), both engines
//! answer alike, and a message stays short (DESIGN.md §8).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MessageDescriptor, Value};
use samprio_e2e::samprio_server::grpc::edge;
use samprio_e2e::{TestApp, e2e, raw_call};
use samprio_proto::v1::FILE_DESCRIPTOR_SET;
use tonic::Code;

/// Every unary method of samprio.v1: its path and input type.
fn methods() -> Vec<(String, MessageDescriptor)> {
    let pool = DescriptorPool::decode(FILE_DESCRIPTOR_SET).unwrap();
    let mut out = Vec::new();
    for service in pool.services().filter(|s| s.package_name() == "samprio.v1") {
        for m in service
            .methods()
            .filter(|m| !m.is_server_streaming() && !m.is_client_streaming())
        {
            out.push((format!("/{}/{}", service.full_name(), m.name()), m.input()));
        }
    }
    assert!(out.len() > 30, "found only {} methods", out.len());
    out
}

/// A message of `desc` with every string field (nested ones too) set to
/// `text` and every 64-bit unsigned field to `big`.
fn filled(desc: &MessageDescriptor, text: &str, big: u64, depth: usize) -> DynamicMessage {
    let mut msg = DynamicMessage::new(desc.clone());
    for f in desc.fields() {
        let value = match f.kind() {
            Kind::String => Value::String(text.to_string()),
            Kind::Uint64 | Kind::Fixed64 => Value::U64(big),
            Kind::Message(m) if depth < 3 && !m.full_name().starts_with("google.") => {
                Value::Message(filled(&m, text, big, depth + 1))
            }
            _ => continue,
        };
        let value = if f.is_list() { Value::List(vec![value]) } else { value };
        if f.is_map() {
            continue;
        }
        msg.set_field(&f, value);
    }
    msg
}

/// Whether `desc` (or a message in it) has a field of one of `kinds`.
fn has(desc: &MessageDescriptor, kinds: &[Kind], depth: usize) -> bool {
    desc.fields().any(|f| match f.kind() {
        Kind::Message(m) => depth < 3 && !m.full_name().starts_with("google.") && has(&m, kinds, depth + 1),
        k => !f.is_map() && kinds.contains(&k),
    })
}

fn assert_client_error(method: &str, what: &str, r: Result<(), tonic::Status>) -> Code {
    match r {
        Ok(()) => Code::Ok,
        Err(s) => {
            assert!(
                !matches!(s.code(), Code::Internal | Code::Unknown | Code::DataLoss),
                "{method} with {what}: {s:?}"
            );
            assert!(
                s.message().len() <= 2048,
                "{method} with {what}: a message of {} bytes",
                s.message().len()
            );
            s.code()
        }
    }
}

async fn every_method_refuses_what_it_cannot_take(app: TestApp) {
    app.seed_default().await;
    let token = app.token("0101", &["operator", "secretariat:kombit-test", "chair:kombit-test"]);
    let channel = app.anonymous().channel();
    let mut runner = TestRunner::deterministic();
    let bytes = proptest::collection::vec(any::<u8>(), 0..200);
    for (path, input) in methods() {
        // Strings of NUL, bidi overrides, and very long ones; u64 past i64.
        let mut cases = vec![];
        if has(&input, &[Kind::String], 0) {
            cases.extend([("a\0b", 1u64), ("\u{202E}abc", 1)]);
        }
        if has(&input, &[Kind::Uint64, Kind::Fixed64], 0) {
            cases.push(("ok", u64::MAX));
        }
        {
            for (text, big) in cases {
                let body = filled(&input, text, big, 0).encode_to_vec();
                let r = raw_call(channel.clone(), &token, &path, body).await;
                let code = assert_client_error(&path, &format!("{text:?}/{big}"), r);
                assert_eq!(code, Code::InvalidArgument, "{path} with {text:?}/{big}");
            }
        }
        let long = filled(&input, &"k".repeat(100_000), 1, 0).encode_to_vec();
        assert_client_error(
            &path,
            "100 KB strings",
            raw_call(channel.clone(), &token, &path, long).await,
        );
        // Arbitrary bytes.
        for _ in 0..8 {
            let body = bytes.new_tree(&mut runner).unwrap().current();
            let r = raw_call(channel.clone(), &token, &path, body.clone()).await;
            assert_client_error(&path, &format!("bytes {body:02x?}"), r);
        }
    }
}

e2e!(every_method_refuses_what_it_cannot_take);

proptest! {
    /// The edge checks never panic, whatever the bytes, and refuse exactly the
    /// strings with control (but tab/newline) or bidi-control characters.
    #[test]
    fn edge_checks_take_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        for (_, input) in methods() {
            let _ = edge::check(input.full_name(), &body);
        }
    }

    #[test]
    fn edge_text_rule(s in "\\PC*", c in proptest::char::any()) {
        let text = format!("{s}{c}");
        let bad = (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        let s_bad = edge::text(&s).is_err();
        prop_assert_eq!(edge::text(&text).is_err(), bad || s_bad);
    }
}
