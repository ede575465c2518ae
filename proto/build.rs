//! Compiles `samprio/v1/*.proto` with protox (pure Rust, so no system protoc is
//! needed), writes the descriptor set that server reflection serves, and
//! generates serde impls in protobuf's canonical JSON mapping with pbjson.

use std::path::PathBuf;

use protox::prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "samprio/v1/common.proto",
        "samprio/v1/cooperation.proto",
        "samprio/v1/proposal.proto",
        "samprio/v1/session.proto",
        "samprio/v1/priority.proto",
        "samprio/v1/audit.proto",
        "samprio/v1/register.proto",
        "samprio/v1/portfolio.proto",
        "samprio/v1/follow_up.proto",
    ];
    println!("cargo:rerun-if-changed=samprio");
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor = fds.encode_to_vec();
    std::fs::write(out.join("samprio_descriptor.bin"), &descriptor)?;
    // Type names (`prost::Name`) let the server find each request's descriptor
    // and check its fields generically; the codec maps decode errors to
    // INVALID_ARGUMENT (see `codec.rs`).
    let mut config = tonic_prost_build::Config::new();
    config.enable_type_names();
    // Both generations: the well-known types as pbjson's, and our codec.
    let configure = || {
        tonic_prost_build::configure()
            .compile_well_known_types(true)
            .extern_path(".google.protobuf", "::pbjson_types")
            .codec_path("crate::codec::Codec")
    };
    configure()
        .build_server(false)
        .compile_fds_with_config(fds.clone(), config)?;
    // The servers, apart: their messages are the ones above, except that the
    // reads a server keeps are answered with a `reply::Reply`, encoded once.
    let servers = out.join("server");
    std::fs::create_dir_all(&servers)?;
    let mut builder = configure()
        .build_client(false)
        .generate_default_stubs(true)
        .extern_path(".samprio.v1", "crate::v1");
    // The aliases `reply.rs` defines, one per kept reply.
    for kept in [
        "PriorityList",
        "EffectiveList",
        "ListProposalsResponse",
        "ListEventsResponse",
    ] {
        builder = builder.extern_path(format!(".samprio.v1.{kept}"), format!("crate::reply::{kept}"));
    }
    builder.out_dir(&servers).compile_fds(fds)?;
    // Canonical protobuf JSON (for the CLI's --json and for scripts).
    pbjson_build::Builder::new()
        .register_descriptors(&descriptor)?
        .build(&[".samprio"])?;
    Ok(())
}
