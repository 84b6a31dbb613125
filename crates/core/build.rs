//! Embeds the default alias table (the repository's top-level aliases/*.toml)
//! in the core, so the service, the CLI and any other front end share it.

use std::{env, fs, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("../../aliases");
    println!("cargo:rerun-if-changed={}", dir.display());
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    embed_default_aliases(&dir, &out_dir)
}

/// Lists aliases/*.toml into a generated array of `(file name, contents)`, so
/// the default table is embedded in the binary and a new file needs no code
/// change.
fn embed_default_aliases(
    dir: &std::path::Path,
    out_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
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
