//! `import`: turns a public list into alias files of the table's format.

pub mod un_sanctions;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use entity_resolver::Error;
use entity_resolver_core::{AliasTable, Index};

use crate::args::{ImportCommand, UnSanctionsArgs};

/// The file the UN import writes in `--out`, and ignores in `--aliases`
/// (an earlier output is not part of the table it is fitted into).
pub const UN_SANCTIONS_FILE: &str = "un-sanctions.toml";

pub fn run(command: ImportCommand) -> Result<ExitCode, Error> {
    match command {
        ImportCommand::UnSanctions(args) => un_sanctions_command(args),
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidArgument {
        field: field.to_string(),
        message,
    }
}

/// Every `*.toml` of the table directory but the import's own output.
fn table_sources(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let listing = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<_> = listing
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name != UN_SANCTIONS_FILE)
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| Ok((path.display().to_string(), read(&path)?)))
        .collect()
}

fn un_sanctions_command(args: UnSanctionsArgs) -> Result<ExitCode, Error> {
    let xml = read(&args.list)?;
    let list = un_sanctions::list::parse(&xml).map_err(|message| invalid("--list", message))?;
    let existing: BTreeMap<String, String> = match &args.existing {
        Some(path) => toml::from_str(&read(path)?).map_err(|error| {
            invalid(
                "--existing",
                format!("{}: {}", path.display(), error.to_string().trim_end()),
            )
        })?,
        None => BTreeMap::new(),
    };
    let sources = table_sources(&args.aliases)?;
    // Curated files may extend entities this import creates: those
    // extensions wait for the output, with which the table is checked whole.
    let table = AliasTable::from_sources_without_dangling_extensions(sources.clone())?;
    let import = un_sanctions::build(&list, &table, &existing)
        .map_err(|message| invalid("--existing", message))?;
    let resembling = resemblances(&import, Index::from_table(table)?)?;
    let list_name = args.list.file_name().map_or_else(
        || args.list.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = un_sanctions::render(&import, &list_name);

    // The output must load with the table it was fitted into: a file that
    // would make the server refuse its table is never written.
    let mut with_import = sources;
    with_import.push((UN_SANCTIONS_FILE.to_string(), text.clone()));
    Index::from_table(AliasTable::from_sources(with_import)?)?;

    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
        path: args.out.display().to_string(),
        source,
    })?;
    let out = args.out.join(UN_SANCTIONS_FILE);
    std::fs::write(&out, &text).map_err(|source| Error::Io {
        path: out.display().to_string(),
        source,
    })?;

    let count = |f: fn(&un_sanctions::build::Record) -> usize| {
        import
            .created
            .iter()
            .chain(&import.extended)
            .map(f)
            .sum::<usize>()
    };
    println!(
        "selected:  {} entries of the list of {}",
        import.selected, import.date
    );
    println!("created:   {} entities", import.created.len());
    println!("extended:  {} entities", import.extended.len());
    for record in &import.extended {
        println!("  {} <- {}", record.id, record.references.join(","));
    }
    println!(
        "names:     {} aliases, {} acronyms, {} weak, {} native, {} ambiguous",
        count(|r| r.aliases.len()),
        count(|r| r.acronyms.len()),
        count(|r| r.weak.len()),
        count(|r| r.native.len()),
        count(|r| r.ambiguous.len()),
    );
    println!("left ambiguous: {}", import.ambiguous.len());
    for line in &import.ambiguous {
        println!("  {line}");
    }
    println!(
        "created but resembling a curated entity (check; map it if it is the same): {}",
        resembling.len()
    );
    for line in &resembling {
        println!("  {line}");
    }
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Created entities whose names Lookup finds, fuzzily, on a curated entity
/// of the same type: spellings too far apart to share a key ("Aiman" and
/// "Ayman") may still be one person. Reported for a curator to read both
/// records; never decided here, since namesakes are common.
fn resemblances(
    import: &un_sanctions::build::Import,
    curated: Index,
) -> Result<Vec<String>, Error> {
    use entity_resolver_core::lookup::lookup;
    use entity_resolver_core::EntityType;
    let mut lines = Vec::new();
    for record in &import.created {
        let entity_type = if record.person {
            EntityType::Person
        } else {
            EntityType::Organization
        };
        let names = std::iter::once(&record.name).chain(&record.aliases);
        let mut best: Option<(f32, String, String)> = None;
        for name in names {
            if let Some(top) = lookup(&curated, name, 1, &[entity_type])?.first() {
                // Below this a fuzzy candidate is a shared first name, not a
                // spelling of the same name (measured on the 2024-09-26 list).
                if top.score >= 0.6 && best.as_ref().is_none_or(|(score, _, _)| top.score > *score)
                {
                    let id = curated.entity_at(top.entity).id.clone();
                    best = Some((top.score, id, name.clone()));
                }
            }
        }
        if let Some((score, id, name)) = best {
            lines.push(format!(
                "{} {:?}: {name:?} looks up to {id} ({score:.2})",
                record.references.join(","),
                record.name
            ));
        }
    }
    Ok(lines)
}
