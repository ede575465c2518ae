//! The `samprio.v1` gRPC contract: generated messages, clients and servers.

#![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation)]

pub use pbjson_types;

pub mod codec;
pub mod reply;

pub mod v1 {
    tonic::include_proto!("samprio.v1");
    include!(concat!(env!("OUT_DIR"), "/samprio.v1.serde.rs"));

    /// Encoded `FileDescriptorSet` of the contract, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("samprio_descriptor");
}

/// The services of `samprio.v1` to implement (a server's side): as the
/// contract generates them, except that the reads a server keeps return a
/// [`reply::Reply`].
pub mod server {
    include!(concat!(env!("OUT_DIR"), "/server/samprio.v1.rs"));
}
