//! `[[extend]]` records: names added to an entity defined in another file.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{check_record, EntityRecord, SourceRecord};
use crate::error::TableError;

/// Names added to an entity defined elsewhere. Generated files (an import
/// from an official list) add to hand-curated entities this way, so an
/// entity is never defined twice and the generated file can be rewritten
/// whole without touching curated records.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExtendRecord {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub acronyms: Vec<String>,
    #[serde(default)]
    pub native: Vec<String>,
    #[serde(default)]
    pub weak: Vec<String>,
    /// Names shared with an entity of another file: both sides list them,
    /// so a file that adds a namesake can mark the name on the entity it
    /// does not own.
    #[serde(default)]
    pub ambiguous: Vec<String>,
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
}

/// Merges each `[[extend]]` record into the entity it names, after checking
/// its names as those of an entity (errors name the extension's file). An
/// unknown id is an error, never a silent new entity: the extension was
/// written for a curated record that has since been renamed or removed.
/// Aliases another entity claims are left to the index's ambiguity rules,
/// exactly as if they had been written in the entity itself.
pub(super) fn merge_extensions(
    entities: &mut [(String, EntityRecord)],
    extensions: Vec<(String, ExtendRecord)>,
    errors: &mut Vec<TableError>,
) {
    let position: HashMap<String, usize> = entities
        .iter()
        .enumerate()
        .map(|(i, (_, record))| (record.id.clone(), i))
        .collect();
    for (file, extension) in extensions {
        let Some(&at) = position.get(&extension.id) else {
            errors.push(
                TableError::new(
                    &file,
                    format!(
                        "[[extend]] of id {:?}, which is not in the table",
                        extension.id
                    ),
                )
                .entity(&extension.id),
            );
            continue;
        };
        let target = &mut entities[at].1;
        // Checked as a record of its own, so a bad name is reported with the
        // file that holds it.
        let as_record = EntityRecord {
            id: extension.id.clone(),
            name: target.name.clone(),
            type_name: target.type_name.clone(),
            aliases: extension.aliases.clone(),
            acronyms: extension.acronyms.clone(),
            native: extension.native.clone(),
            weak: extension.weak.clone(),
            ambiguous: extension.ambiguous.clone(),
            not: extension.not.clone(),
            tags: Vec::new(),
            related: Vec::new(),
            external_ids: extension.external_ids.clone(),
            notes: String::new(),
            sources: extension.sources.clone(),
        };
        let before = errors.len();
        check_record(&file, &as_record, errors);
        for (key, value) in &extension.external_ids {
            match target.external_ids.get(key) {
                Some(existing) if existing != value => errors.push(
                    TableError::new(
                        &file,
                        format!(
                            "[[extend]] sets external id {key:?} to {value:?}, but the entity \
                             already has {existing:?}"
                        ),
                    )
                    .entity(&extension.id),
                ),
                _ => {}
            }
        }
        if errors.len() > before {
            continue;
        }
        let add = |list: &mut Vec<String>, extra: Vec<String>| {
            for name in extra {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        };
        add(&mut target.aliases, extension.aliases);
        add(&mut target.acronyms, extension.acronyms);
        add(&mut target.native, extension.native);
        add(&mut target.weak, extension.weak);
        add(&mut target.ambiguous, extension.ambiguous);
        add(&mut target.not, extension.not);
        target.external_ids.extend(extension.external_ids);
        // The limit holds for the merged entity too, whoever added the names.
        let count = 1
            + target.aliases.len()
            + target.acronyms.len()
            + target.native.len()
            + target.weak.len()
            + target.ambiguous.len()
            + target.not.len();
        if count > super::MAX_NAMES_PER_ENTITY {
            errors.push(
                TableError::new(
                    &file,
                    format!(
                        "{count} names once extended, over the limit of {} names per entity",
                        super::MAX_NAMES_PER_ENTITY
                    ),
                )
                .entity(&extension.id),
            );
        }
        for source in extension.sources {
            if !target.sources.contains(&source) {
                target.sources.push(source);
            }
        }
    }
}
