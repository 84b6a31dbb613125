//! What the fuzz targets feed the resolver and the invariants they hold it
//! to. The same file is compiled into `tests/fuzz_regressions.rs`, so a kept
//! input is replayed by plain `cargo test` against exactly these checks.
//!
//! A check returns `Err(description)` instead of panicking, so the replay
//! test can name every failing file at once; the fuzz targets panic on it.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
// The options of a `resolve` input arrive as the proto's, so that target
// needs the service crate's conversion; everything else is the core's.
use entity_resolver::convert::options_from_proto;
use entity_resolver::proto;
use entity_resolver_core::lookup::{lookup, MAX_LIMIT};
use entity_resolver_core::{AliasTable, Index, Resolution, ResolveOptions, Resolver};

/// One `resolve` input: options as a client would send them, then the text.
/// The option bytes come first and have fixed sizes, so a seed is four bytes
/// (zero: the default options) followed by a sentence.
#[derive(Debug, Arbitrary)]
pub struct ResolveInput {
    /// 0..=200 map onto [0, 1] in steps of 0.005; above, values outside it.
    pub min_score: u8,
    pub disable_fuzzy: bool,
    /// Bits 0-4: filter by the five entity types. Bits 5-7: 6 adds
    /// ENTITY_TYPE_UNSPECIFIED, 7 adds an unknown value; both are refused.
    pub entity_types: u8,
    /// 0..=3 are the proto's modes; 255 an unknown one; the rest wrap.
    pub normalized_text_mode: u8,
    pub text: String,
}

/// Scores a client may send that are not in [0, 1], or are on its edges.
const ODD_SCORES: [f32; 9] = [
    f32::NAN,
    -0.01,
    1.01,
    2.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    -0.0,
    f32::MIN_POSITIVE,
    1.0,
];

impl ResolveInput {
    pub fn options(&self) -> proto::ResolveOptions {
        let min_score = match self.min_score {
            step @ 0..=200 => f32::from(step) / 200.0,
            odd => ODD_SCORES[usize::from(odd - 201) % ODD_SCORES.len()],
        };
        let mut entity_types: Vec<i32> = (0..5)
            .filter(|bit| self.entity_types & (1 << bit) != 0)
            .map(|bit| bit + 1)
            .collect();
        match self.entity_types >> 5 {
            6 => entity_types.push(proto::EntityType::Unspecified as i32),
            7 => entity_types.push(99),
            _ => {}
        }
        let normalized_text_mode = match self.normalized_text_mode {
            255 => 17,
            mode => i32::from(mode % 4),
        };
        proto::ResolveOptions {
            min_score,
            disable_fuzzy: self.disable_fuzzy,
            entity_types,
            normalized_text_mode,
        }
    }
}

/// Whether a client's options are ones the service must accept, decided
/// from the proto's documentation, not from the code under test.
fn acceptable(options: &proto::ResolveOptions) -> bool {
    let score_in_range = options.min_score >= 0.0 && options.min_score <= 1.0;
    let types_known = options.entity_types.iter().all(|t| (1..=5).contains(t));
    let mode_known = (0..=3).contains(&options.normalized_text_mode);
    score_in_range && types_known && mode_known
}

/// The resolver on the embedded table, built once per process.
pub fn embedded_resolver() -> &'static Resolver {
    static RESOLVER: OnceLock<Resolver> = OnceLock::new();
    RESOLVER.get_or_init(|| Resolver::embedded().expect("the embedded table is valid"))
}

/// Options are accepted exactly when valid (a refusal names the field), and
/// the resolution of the text keeps every invariant of `check_resolution`.
pub fn check_resolve(input: &ResolveInput) -> Result<(), String> {
    let proto_options = input.options();
    let converted = options_from_proto(proto_options.clone());
    match (&converted, acceptable(&proto_options)) {
        (Ok(_), true) => {}
        (Err(entity_resolver::Error::InvalidArgument { field, .. }), false)
            if field.starts_with("options.") =>
        {
            return Ok(())
        }
        (outcome, expected) => {
            return Err(format!(
                "options {proto_options:?}: acceptable is {expected}, conversion gave {outcome:?}"
            ))
        }
    }
    let options = converted.expect("matched as Ok above");
    let resolution = embedded_resolver()
        .resolve(&input.text, &options)
        .map_err(|error| format!("resolve failed: {error}"))?;
    check_resolution(&input.text, &options, &resolution)
}

/// What every resolution must satisfy whatever the text: each mention's
/// byte, char and UTF-16 offsets land on boundaries and slice back to its
/// text; mentions are in order and disjoint; scores are in [0, 1] and at
/// least `min_score`; types pass the filter; the normalised text is there
/// unless omitted.
pub fn check_resolution(
    text: &str,
    options: &ResolveOptions,
    resolution: &Resolution,
) -> Result<(), String> {
    let chars: Vec<char> = text.chars().collect();
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut previous_end = 0;
    for (i, mention) in resolution.mentions.iter().enumerate() {
        let at = format!("mention {i} {:?} of {text:?}", mention.text);
        let (start, end) = (mention.start, mention.end);
        if !(previous_end <= start && start < end && end <= text.len()) {
            return Err(format!(
                "{at}: bytes {start}..{end} out of order or bounds (previous end {previous_end})"
            ));
        }
        if text.get(start..end) != Some(mention.text.as_str()) {
            return Err(format!(
                "{at}: bytes {start}..{end} do not slice back to it"
            ));
        }
        let by_chars = chars
            .get(mention.char_start..mention.char_end)
            .map(|c| c.iter().collect::<String>());
        if by_chars.as_deref() != Some(mention.text.as_str()) {
            return Err(format!(
                "{at}: chars {}..{} give {by_chars:?}",
                mention.char_start, mention.char_end
            ));
        }
        let by_units = units
            .get(mention.utf16_start..mention.utf16_end)
            .map(String::from_utf16);
        if !matches!(&by_units, Some(Ok(s)) if *s == mention.text) {
            return Err(format!(
                "{at}: UTF-16 units {}..{} give {by_units:?}",
                mention.utf16_start, mention.utf16_end
            ));
        }
        if !(0.0..=1.0).contains(&mention.score) || mention.score < options.min_score {
            return Err(format!(
                "{at}: score {} outside [{}, 1]",
                mention.score, options.min_score
            ));
        }
        if !options.entity_types.is_empty() && !options.entity_types.contains(&mention.entity_type)
        {
            return Err(format!(
                "{at}: type {:?} not in the filter {:?}",
                mention.entity_type, options.entity_types
            ));
        }
        previous_end = end;
    }
    let omitted = options.normalized_text == entity_resolver_core::NormalizedText::Omit;
    if omitted != resolution.normalized_text.is_none() {
        return Err(format!(
            "normalized_text is {:?} with mode {:?}",
            resolution.normalized_text, options.normalized_text
        ));
    }
    Ok(())
}

/// The bytes of an `alias_table` input as alias files: split at 0xFF, a byte
/// UTF-8 never holds, so files of real tables concatenate into one seed.
pub fn alias_sources(data: &[u8]) -> Vec<(String, String)> {
    data.split(|&b| b == 0xFF)
        .enumerate()
        .map(|(i, file)| {
            (
                format!("fuzz{i}.toml"),
                String::from_utf8_lossy(file).into_owned(),
            )
        })
        .collect()
}

/// Entities, and aliases, of a built table that must be found again by name.
const NAMES_LOOKED_UP: usize = 8;

/// Parsing, validating and building an index from any files ends in a table
/// or in `InvalidTable` listing located problems, never a panic; a table
/// that builds finds its entities by Lookup of their names and aliases and resolves a text made of
/// them within the invariants of `check_resolution`.
pub fn check_alias_table(data: &[u8]) -> Result<(), String> {
    let sources = alias_sources(data);
    let names: Vec<String> = sources.iter().map(|(name, _)| name.clone()).collect();
    let index = match AliasTable::from_sources(sources).and_then(|table| Index::build(&table)) {
        Ok(index) => index,
        Err(entity_resolver_core::Error::InvalidTable(problems)) => {
            let unlocated = problems.iter().find(|p| {
                p.message.is_empty() || !(names.contains(&p.file) || p.file == "<table>")
            });
            return match (problems.is_empty(), unlocated) {
                (true, _) => Err("InvalidTable without a problem".to_string()),
                (false, Some(problem)) => Err(format!("problem not located: {problem:?}")),
                (false, None) => Ok(()),
            };
        }
        Err(other) => return Err(format!("not a table error: {other:?}")),
    };
    // Every entity by its canonical name, then the first aliases of any kind.
    let names = index
        .entities()
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u32, &e.name));
    let aliases = index.aliases().iter().map(|a| (a.entity, &a.surface));
    let mut text = String::new();
    for (entity, name) in names
        .take(NAMES_LOOKED_UP)
        .chain(aliases.take(NAMES_LOOKED_UP))
    {
        let found = lookup(&index, name, MAX_LIMIT, &[])
            .map_err(|error| format!("Lookup({name:?}) failed: {error}"))?;
        if !found.iter().any(|c| c.entity == entity) {
            return Err(format!(
                "Lookup({name:?}) does not find {:?}, whose name it is: {found:?}",
                index.entity_at(entity).id
            ));
        }
        text.push_str(name);
        text.push_str(" and ");
    }
    let resolver = Resolver::new(std::sync::Arc::new(index));
    let options = ResolveOptions::default();
    let resolution = resolver
        .resolve(&text, &options)
        .map_err(|error| format!("resolve({text:?}) failed: {error}"))?;
    check_resolution(&text, &options, &resolution)
}
