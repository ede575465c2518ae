//! Replies a server sends as they were encoded once.
//!
//! A read the server keeps while the cooperation's log has not moved (the
//! shared list, an effective list, a page of proposals or events) is the same
//! bytes for every caller who asks for it. [`Reply::Encoded`] holds those
//! bytes, so that a kept reply is neither cloned nor encoded again per call;
//! on the wire it is the message itself. The server's services (see
//! `crate::server`) answer these reads with a `Reply`; clients decode the
//! plain message.

use prost::bytes::{BufMut, Bytes};
use prost::encoding::{DecodeContext, WireType};
use prost::{DecodeError, Message};

use crate::v1;

/// A message, or the bytes it encodes to.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply<T> {
    Message(T),
    Encoded(Bytes),
}

impl<T: Message> Reply<T> {
    /// `message`, encoded now and sent as these bytes from then on.
    pub fn encode(message: &T) -> Self {
        Reply::Encoded(message.encode_to_vec().into())
    }
}

impl<T: Message + Default> Reply<T> {
    /// The message (decoded, if it was kept encoded).
    pub fn into_message(self) -> Result<T, DecodeError> {
        match self {
            Reply::Message(m) => Ok(m),
            Reply::Encoded(b) => T::decode(b),
        }
    }
}

impl<T> From<T> for Reply<T> {
    fn from(message: T) -> Self {
        Reply::Message(message)
    }
}

impl<T: Default> Default for Reply<T> {
    fn default() -> Self {
        Reply::Message(T::default())
    }
}

impl<T: Message + Default> Message for Reply<T> {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        match self {
            Reply::Message(m) => m.encode_raw(buf),
            Reply::Encoded(b) => buf.put_slice(b),
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl prost::bytes::Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        match self {
            Reply::Message(m) => m.merge_field(tag, wire_type, buf, ctx),
            Reply::Encoded(b) => {
                let mut m = T::decode(b.clone())?;
                let merged = m.merge_field(tag, wire_type, buf, ctx);
                *self = Reply::Message(m);
                merged
            }
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Reply::Message(m) => m.encoded_len(),
            Reply::Encoded(b) => b.len(),
        }
    }

    fn clear(&mut self) {
        *self = Reply::Message(T::default());
    }
}

/// The replies the server keeps encoded (the types its services return).
pub type PriorityList = Reply<v1::PriorityList>;
pub type EffectiveList = Reply<v1::EffectiveList>;
pub type ListProposalsResponse = Reply<v1::ListProposalsResponse>;
pub type ListEventsResponse = Reply<v1::ListEventsResponse>;

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> v1::ListEventsResponse {
        v1::ListEventsResponse {
            events: vec![v1::Event {
                seq: 7,
                action: "ballot.cast".into(),
                ..Default::default()
            }],
            next_page_token: "next".into(),
        }
    }

    #[test]
    fn an_encoded_reply_is_the_message_on_the_wire() {
        let m = list();
        let encoded = Reply::encode(&m);
        assert_eq!(encoded.encoded_len(), m.encoded_len());
        assert_eq!(encoded.encode_to_vec(), m.encode_to_vec());
        assert_eq!(Reply::Message(m.clone()).encode_to_vec(), m.encode_to_vec());
        assert_eq!(v1::ListEventsResponse::decode(&encoded.encode_to_vec()[..]).unwrap(), m);
        assert_eq!(encoded.into_message().unwrap(), m);
    }

    #[test]
    fn a_reply_decodes_as_its_message() {
        let m = list();
        let decoded = ListEventsResponse::decode(&m.encode_to_vec()[..]).unwrap();
        assert_eq!(decoded, Reply::Message(m.clone()));
        let mut merged = Reply::encode(&m);
        merged
            .merge(
                &v1::ListEventsResponse {
                    next_page_token: "last".into(),
                    ..Default::default()
                }
                .encode_to_vec()[..],
            )
            .unwrap();
        assert_eq!(merged.into_message().unwrap().next_page_token, "last");
    }
}
