//! Compiles the proto with protox (a pure-Rust protobuf compiler) so that
//! building needs nothing outside cargo, and writes the descriptor set that
//! server reflection serves. (The default alias table is embedded by the
//! core crate's own build script.)

use std::{env, fs, path::PathBuf};

use protox::prost::Message;

const PROTO: &str = "proto/entityresolution/v1/entity_resolver.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let descriptors = protox::compile([PROTO], ["proto"])?;
    fs::write(
        out_dir.join("entity_resolver_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure().compile_fds(descriptors)?;

    Ok(())
}
