//! The alias table as people edit it: TOML files of `[[entity]]` records,
//! parsed into plain serde structs and checked for structural problems.
//! Compiling a checked table into the matcher's index is `index`'s job.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result, TableError};
use crate::normalize::basic_key;
use crate::types::EntityType;

mod extend;
mod read;
mod sources;

pub use extend::ExtendRecord;
pub use sources::SourceRecord;

/// Largest alias file read, in bytes. The synthetic table of a million
/// aliases (`synth-table`, written as files of 50,000 entities) has files of
/// about 4 MB; 64 MiB leaves room for files ten times as big while an alias
/// file that is really `/dev/zero`, a log or a disk image is refused before
/// it fills memory.
pub const MAX_ALIAS_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most names one entity may have, over all its lists. The entity with the
/// most in the table has 23; 1,000 is room for any real one, while a
/// million names on one entity (a generator gone wrong) are refused instead
/// of taking gigabytes to check.
pub const MAX_NAMES_PER_ENTITY: usize = 1_000;
/// Longest name (canonical name, alias, acronym, native name), in
/// characters. The longest in the table has 65 ("Ministry for the
/// Propagation of Virtue and the Prevention of Vice"); a name four times
/// that is still a name, while one of a megabyte would make every text that
/// repeats its words slow to resolve.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest entity id, in bytes (ids are ASCII). Every mention carries its
/// entity's id, so an id of a megabyte would make every answer naming it
/// huge; real ids are slugs of the name, the longest in the table 41 bytes.
pub const MAX_ID_BYTES: usize = 128;

/// The default table, embedded at build time from `aliases/*.toml`.
const DEFAULT_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/default_aliases.rs"));

/// One alias file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    #[serde(default)]
    entity: Vec<EntityRecord>,
    #[serde(default)]
    extend: Vec<ExtendRecord>,
}

/// One entity as written in an alias file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntityRecord {
    pub id: String,
    pub name: String,
    /// Kept as text so that an unknown type is reported with its entity.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub acronyms: Vec<String>,
    /// Names in Arabic script (Arabic, Urdu, Pashto, Dari).
    #[serde(default)]
    pub native: Vec<String>,
    /// Aliases too generic to trust alone: they match only when the document
    /// mentions the entity some other way too.
    #[serde(default)]
    pub weak: Vec<String>,
    /// Aliases knowingly shared with other entities.
    #[serde(default)]
    pub ambiguous: Vec<String>,
    /// Words that look like a variant of a name but are not this entity
    /// (demonyms and the like); fuzzy matching never produces them.
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Ids of closely related entities, used to break ties between shared aliases.
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    #[serde(default)]
    pub notes: String,
    /// Where the names come from (empty for records written before sources
    /// were recorded).
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
}

/// A parsed and structurally valid table: every record with the file it came
/// from, in file order.
#[derive(Debug, Clone)]
pub struct AliasTable {
    pub entities: Vec<(String, EntityRecord, EntityType)>,
    /// Hash of the sources: the table version that answers requests.
    pub version: String,
}

impl AliasTable {
    /// The table embedded in the binary.
    pub fn embedded() -> Result<Self> {
        Self::from_sources(
            DEFAULT_FILES
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string())),
        )
    }

    /// Every `*.toml` file of a directory (not recursive), in name order.
    /// A directory that cannot be listed, and a file that is not a regular
    /// file, is too big or cannot be read, is a table error like a bad
    /// record: the table is refused, never half read.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let dir_name = dir.display().to_string();
        let refused =
            |message: String| Error::InvalidTable(vec![TableError::new(&dir_name, message)]);
        match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) => {
                return Err(refused(format!(
                    "not a directory of alias files (it is {})",
                    read::file_kind(&meta.file_type())
                )))
            }
            Err(error) => return Err(refused(format!("cannot read the alias directory: {error}"))),
        }
        let listing_failed =
            |error: std::io::Error| refused(format!("cannot list the alias directory: {error}"));
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(listing_failed)? {
            let path = entry.map_err(listing_failed)?.path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(refused("directory holds no *.toml alias file".to_string()));
        }
        let started = std::time::Instant::now();
        let mut sources = Vec::with_capacity(paths.len());
        let mut errors = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            match read::read_alias_file(&path, MAX_ALIAS_FILE_BYTES) {
                Ok(text) => sources.push((name, text)),
                Err(message) => errors.push(TableError::new(&name, message)),
            }
        }
        if !errors.is_empty() {
            return Err(Error::InvalidTable(errors));
        }
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "alias files read"
        );
        let table = Self::from_sources(sources);
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "alias files parsed and checked"
        );
        table
    }

    /// Parses and checks named TOML sources; all problems are reported at once.
    pub fn from_sources(sources: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        Self::parse(sources, false)
    }

    /// As `from_sources`, but an `[[extend]]` of an id that no source
    /// defines is left out instead of refused: the curated files a generated
    /// file is fitted into may extend the entities that file will create.
    pub fn from_sources_without_dangling_extensions(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        Self::parse(sources, true)
    }

    fn parse(
        sources: impl IntoIterator<Item = (String, String)>,
        skip_dangling_extensions: bool,
    ) -> Result<Self> {
        use rayon::prelude::*;
        let sources: Vec<(String, String)> = sources.into_iter().collect();
        // Big tables come as many files: parse them on all cores.
        let parsed: Vec<_> = sources
            .par_iter()
            .map(|(_, text)| toml::from_str::<AliasFile>(text))
            .collect();
        let mut errors = Vec::new();
        let mut entities = Vec::new();
        let mut extensions = Vec::new();
        for ((file, _), parsed) in sources.iter().zip(parsed) {
            match parsed {
                Ok(parsed) => {
                    for record in parsed.entity {
                        entities.push((file.clone(), record));
                    }
                    for record in parsed.extend {
                        extensions.push((file.clone(), record));
                    }
                }
                Err(error) => errors.push(TableError::new(
                    file,
                    format!("not valid alias TOML: {}", error.to_string().trim_end()),
                )),
            }
        }

        let mut types = Vec::with_capacity(entities.len());
        let mut first_file_of_id: HashMap<String, String> = HashMap::new();
        for (file, record) in &entities {
            check_record(file, record, &mut errors);
            if let Some(previous) = first_file_of_id.insert(record.id.clone(), file.clone()) {
                errors.push(
                    TableError::new(file, format!("duplicate id, first defined in {previous}"))
                        .entity(&record.id),
                );
            }
            match record.type_name.parse::<EntityType>() {
                Ok(entity_type) => types.push(entity_type),
                Err(()) => errors.push(
                    TableError::new(
                        file,
                        format!(
                            "unknown type {:?} (expected one of: {})",
                            record.type_name,
                            EntityType::NAMES.join(", ")
                        ),
                    )
                    .entity(&record.id),
                ),
            }
        }
        let extensions = if skip_dangling_extensions {
            extensions
                .into_iter()
                .filter(|(_, extension)| first_file_of_id.contains_key(&extension.id))
                .collect()
        } else {
            extensions
        };
        extend::merge_extensions(&mut entities, extensions, &mut errors);
        for (file, record) in &entities {
            for related in &record.related {
                if !first_file_of_id.contains_key(related) {
                    errors.push(
                        TableError::new(
                            file,
                            format!("related id {related:?} is not in the table"),
                        )
                        .entity(&record.id),
                    );
                }
            }
        }
        if entities.is_empty() && errors.is_empty() {
            errors.push(TableError::new("<table>", "the table holds no entity"));
        }
        if !errors.is_empty() {
            return Err(Error::InvalidTable(errors));
        }
        // No errors: every record has its type.
        let typed = entities
            .into_iter()
            .zip(types)
            .map(|((file, record), entity_type)| (file, record, entity_type))
            .collect();
        Ok(AliasTable {
            entities: typed,
            version: version_of(&sources),
        })
    }
}

/// A character that has no place in a name: C0 and C1 controls (ESC, BEL,
/// newline, DEL) and the bidirectional overrides, embeddings, isolates and
/// marks that make a name display differently from what it matches (U+202E
/// shows "Taliban" backwards). The zero-width joiners of Persian and Urdu
/// spelling are letters' business and stay allowed.
pub fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

pub(super) fn check_record(file: &str, record: &EntityRecord, errors: &mut Vec<TableError>) {
    let id = record.id.as_str();
    if id.trim().is_empty() {
        errors.push(TableError::new(file, "entity with an empty id").entity(&record.name));
        return;
    }
    if id.len() > MAX_ID_BYTES {
        errors.push(
            TableError::new(
                file,
                format!(
                    "id of {} bytes, over the limit of {MAX_ID_BYTES} bytes",
                    id.len()
                ),
            )
            .entity(id),
        );
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || id.starts_with('-')
        || id.ends_with('-')
    {
        errors.push(
            TableError::new(
                file,
                "id must be lowercase ASCII letters, digits and inner hyphens",
            )
            .entity(id),
        );
    }
    if !matchable(&record.name) {
        errors.push(
            TableError::new(file, "empty canonical name (no letter or digit to match)").entity(id),
        );
    }
    let names = std::iter::once(&record.name)
        .chain(&record.aliases)
        .chain(&record.acronyms)
        .chain(&record.native)
        .chain(&record.weak)
        .chain(&record.ambiguous)
        .chain(&record.not);
    let count = 1
        + record.aliases.len()
        + record.acronyms.len()
        + record.native.len()
        + record.weak.len()
        + record.ambiguous.len()
        + record.not.len();
    if count > MAX_NAMES_PER_ENTITY {
        errors.push(
            TableError::new(
                file,
                format!(
                    "{count} names (canonical, aliases, acronyms, native, weak, ambiguous, not), \
                     over the limit of {MAX_NAMES_PER_ENTITY} names per entity"
                ),
            )
            .entity(id),
        );
        // Each of a million names is not checked and reported on its own.
        return;
    }
    for name in names {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            errors.push(
                TableError::new(
                    file,
                    format!(
                        "name of {chars} characters, over the limit of {MAX_NAME_CHARS} characters"
                    ),
                )
                .entity(id)
                .alias(name),
            );
        }
        if let Some(bad) = name.chars().find(|&c| is_forbidden_in_name(c)) {
            errors.push(
                TableError::new(
                    file,
                    format!(
                        "name holds the control character U+{:04X}; names may not hold control \
                         or bidirectional formatting characters",
                        bad as u32
                    ),
                )
                .entity(id)
                .alias(name),
            );
        }
    }
    let lists: [(&str, &Vec<String>); 6] = [
        ("aliases", &record.aliases),
        ("acronyms", &record.acronyms),
        ("native", &record.native),
        ("weak", &record.weak),
        ("ambiguous", &record.ambiguous),
        ("not", &record.not),
    ];
    for (list, values) in lists {
        for value in values {
            if !matchable(value) {
                errors.push(
                    TableError::new(file, format!("empty name in `{list}`"))
                        .entity(id)
                        .alias(value),
                );
            }
        }
    }
    sources::check_sources(file, id, &record.sources, errors);
    for acronym in &record.acronyms {
        if acronym.chars().any(char::is_lowercase) {
            errors.push(
                TableError::new(file, "acronyms are written in upper case")
                    .entity(id)
                    .alias(acronym),
            );
        }
    }
    for native in &record.native {
        if !native.chars().any(is_arabic_script) {
            errors.push(
                TableError::new(file, "a `native` name must be written in Arabic script")
                    .entity(id)
                    .alias(native),
            );
        }
    }
}

/// Whether a name keeps something to match once normalised. The index
/// drops a name whose key is empty ("©", a lone tatweel or combining mark),
/// so an entity named only that could never be found.
fn matchable(name: &str) -> bool {
    name.chars().any(char::is_alphanumeric) && !basic_key(name).is_empty()
}

pub(crate) fn is_arabic_script(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// A short, stable content hash of the sources: equal tables, equal versions.
fn version_of(sources: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&(String, String)> = sources.iter().collect();
    sorted.sort_by(|a, b| file_name(&a.0).cmp(file_name(&b.0)));
    let mut hasher = Sha256::new();
    for (file, text) in sorted {
        hasher.update(file_name(file).as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(text: &str) -> Vec<String> {
        match AliasTable::from_sources([("t.toml".to_string(), text.to_string())]) {
            Ok(_) => vec![],
            Err(Error::InvalidTable(errors)) => errors.iter().map(|e| e.to_string()).collect(),
            Err(other) => vec![other.to_string()],
        }
    }

    #[test]
    fn structural_errors_name_file_entity_and_alias() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "unknown type",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"planet\"\n",
                "t.toml: entity \"a\": unknown type \"planet\"",
            ),
            (
                "empty name",
                "[[entity]]\nid = \"a\"\nname = \" \"\ntype = \"person\"\n",
                "t.toml: entity \"a\": empty canonical name",
            ),
            (
                "duplicate id",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\n[[entity]]\nid = \"a\"\nname = \"B\"\ntype = \"person\"\n",
                "t.toml: entity \"a\": duplicate id",
            ),
            (
                "empty alias",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\naliases = [\"--\"]\n",
                "t.toml: entity \"a\": alias \"--\": empty name in `aliases`",
            ),
            (
                "name of a symbol only",
                "[[entity]]\nid = \"a\"\nname = \"©\"\ntype = \"person\"\n",
                "t.toml: entity \"a\": empty canonical name",
            ),
            (
                "name of a tatweel only",
                "[[entity]]\nid = \"a\"\nname = \"ـ\"\ntype = \"person\"\n",
                "t.toml: entity \"a\": empty canonical name",
            ),
            (
                "alias of a combining mark only",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\naliases = [\"\\u0301\"]\n",
                "t.toml: entity \"a\": alias \"\\u{301}\": empty name in `aliases`",
            ),
            (
                "lowercase acronym",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\nacronyms = [\"abc\"]\n",
                "t.toml: entity \"a\": alias \"abc\": acronyms are written in upper case",
            ),
            (
                "unreadable toml",
                "[[entity]\nid = 1",
                "t.toml: not valid alias TOML",
            ),
            (
                "unknown field",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\nalias = [\"B\"]\n",
                "t.toml: not valid alias TOML",
            ),
            (
                "unknown related id",
                "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\nrelated = [\"b\"]\n",
                "t.toml: entity \"a\": related id \"b\" is not in the table",
            ),
            (
                "bad id",
                "[[entity]]\nid = \"Bad Id\"\nname = \"A\"\ntype = \"person\"\n",
                "t.toml: entity \"Bad Id\": id must be lowercase",
            ),
        ];
        for (name, text, expected) in cases {
            let errors = errors_of(text);
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "{name}: expected an error starting with {expected:?}, got {errors:?}"
            );
        }
    }

    #[test]
    fn valid_table_parses_and_versions_are_content_hashes() {
        let text = "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"person\"\n";
        let one = AliasTable::from_sources([("x/t.toml".to_string(), text.to_string())]).unwrap();
        let same = AliasTable::from_sources([("y/t.toml".to_string(), text.to_string())]).unwrap();
        let other =
            AliasTable::from_sources([("t.toml".to_string(), text.replace("\"A\"", "\"B\""))])
                .unwrap();
        assert_eq!(one.entities.len(), 1);
        assert_eq!(one.version, same.version);
        assert_ne!(one.version, other.version);
    }
}
