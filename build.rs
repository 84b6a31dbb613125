//! Compiles the proto with protox (a pure-Rust protobuf compiler) so that
//! building needs nothing outside cargo, and writes the descriptor set that
//! server reflection serves.

use std::{env, fs, path::PathBuf};

use protox::prost::Message;

const PROTO: &str = "proto/entityresolution/v1/entity_resolver.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=aliases");

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let descriptors = protox::compile([PROTO], ["proto"])?;
    fs::write(
        out_dir.join("entity_resolver_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure().compile_fds(descriptors)?;

    embed_default_aliases(&out_dir)?;
    Ok(())
}

/// Lists aliases/*.toml into a generated array of `(file name, contents)`, so
/// the default table is embedded in the binary and a new file needs no code
/// change.
fn embed_default_aliases(out_dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("aliases");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "toml"));
    files.sort();

    let mut generated = String::from("&[\n");
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        generated.push_str(&format!(
            "    ({name:?}, include_str!({path:?})),\n",
            path = path.display().to_string()
        ));
    }
    generated.push(']');
    fs::write(out_dir.join("default_aliases.rs"), generated)?;
    Ok(())
}
