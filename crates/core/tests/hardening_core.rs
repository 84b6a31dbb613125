//! Hardening of the library (issue 11): no text, name or alias table can make
//! resolution do more than a small constant of work per byte, stop it from
//! being interrupted, build an answer past the mention limit, or make the
//! loader read what is not a bounded regular file. Work is counted
//! (`resolve::Work`), never timed.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use entity_resolver_core::error::TableError;
use entity_resolver_core::lookup::{lookup_counted, MAX_NAME_BYTES};
use entity_resolver_core::resolve::Work;
use entity_resolver_core::table::{MAX_ALIAS_FILE_BYTES, MAX_NAMES_PER_ENTITY, MAX_NAME_CHARS};
use entity_resolver_core::{
    AliasTable, EntityType, Error, Index, Interrupt, ResolveOptions, Resolver,
};

fn resolver() -> &'static Resolver {
    static RESOLVER: OnceLock<Resolver> = OnceLock::new();
    RESOLVER.get_or_init(|| Resolver::embedded().expect("the embedded table is valid"))
}

/// The work of resolving `text` with fuzzy matching on and no mention limit
/// (shapes of many mentions are measured for their work, not refused).
fn work_of(text: &str) -> Work {
    let unlimited = resolver().clone().with_max_mentions(usize::MAX);
    let mut work = Work::default();
    unlimited
        .resolve_counted(
            text,
            &ResolveOptions::default(),
            &Interrupt::never(),
            &mut work,
        )
        .expect("resolves");
    work
}

/// A deterministic pseudo-random sequence, so the shapes are the same on
/// every run.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A capitalised word of `letters` random lower-case letters.
    fn word(&mut self, letters: usize) -> String {
        (0..letters)
            .map(|i| {
                let c = (b'a' + (self.next() % 26) as u8) as char;
                if i == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }
}

/// Repeats `unit` until the text is `bytes` long (cut on a char boundary).
fn repeated(unit: &str, bytes: usize) -> String {
    let mut text = unit.repeat(bytes / unit.len() + 1);
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// Words from `make` joined by spaces until the text is `bytes` long.
fn words(bytes: usize, mut make: impl FnMut(usize) -> String) -> String {
    let mut text = String::with_capacity(bytes + 64);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&make(i));
        text.push(' ');
        i += 1;
    }
    text
}

/// Names of the people of the embedded table, for texts that mention them.
fn people() -> Vec<String> {
    let index = resolver().index();
    index
        .entities()
        .iter()
        .filter(|e| e.entity_type == EntityType::Person)
        .map(|e| e.name.clone())
        .collect()
}

/// Every word of every person's name with one letter changed: misspelt
/// surnames the linker has to compare with the names seen before.
fn misspelt_surnames() -> Vec<String> {
    let mut out = Vec::new();
    for name in people() {
        for word in name.split(' ').filter(|w| w.chars().count() >= 7) {
            let mut chars: Vec<char> = word.chars().collect();
            let last = chars.len() - 1;
            chars[last] = if chars[last] == 'x' { 'y' } else { 'x' };
            out.push(chars.into_iter().collect());
        }
    }
    out
}

type Shape = (&'static str, fn(usize) -> String);

/// Every pathological shape of text we know of, each a function of its size.
fn shapes() -> Vec<Shape> {
    vec![
        ("CamelCase run", |n| repeated("Ab", n)),
        ("one long capitalised word", |n| {
            format!("K{}", repeated("a", n - 1))
        }),
        ("digits mixed in", |n| repeated("A1b2C3", n)),
        ("stacked combining marks", |n| {
            repeated("Ta\u{301}\u{302}\u{303}\u{304}", n)
        }),
        ("Arabic letters without spaces", |n| repeated("طالبان", n)),
        ("many distinct capitalised words", |n| {
            let mut sequence = Sequence(1);
            words(n, |i| sequence.word(5 + i % 8))
        }),
        ("distinct words at the fuzzy cap", |n| {
            let mut sequence = Sequence(2);
            words(n, |_| sequence.word(32))
        }),
        ("distinct words just past the cap", |n| {
            let mut sequence = Sequence(3);
            words(n, |_| sequence.word(33))
        }),
        ("misspellings of names", |n| {
            let names = misspelt_surnames();
            words(n, |i| names[i % names.len()].clone())
        }),
        ("acronym repeated", |n| repeated("TTP ", n)),
        ("people then misspelt surnames", |n| {
            let people = people();
            let names = misspelt_surnames();
            words(n, |i| {
                if i % 2 == 0 {
                    people[(i / 2) % people.len()].clone()
                } else {
                    names[(i / 2) % names.len()].clone()
                }
            })
        }),
        ("acronym definitions", |n| {
            repeated("Balochistan Liberation Army (BLA) and the BLA. ", n)
        }),
        ("punctuation between names", |n| {
            repeated("Taliban ((((((((((((((((((((( ", n)
        }),
    ]
}

/// Work per byte no shape may exceed. Ordinary news costs about 3 units a
/// byte (tokens, trie steps, candidates); the worst shape, distinct words at
/// the fuzzy cap, costs its budget of 4 units a byte on top.
const MAX_WORK_PER_BYTE: u64 = 40;

#[test]
fn work_grows_linearly_with_the_text_for_every_shape() {
    for (name, make) in shapes() {
        let mut previous: Option<(usize, u64)> = None;
        // From small to large, so the code before the caps failed on the
        // first, small size instead of running for minutes.
        let mut bytes = 256;
        while bytes <= 64 * 1024 {
            let text = make(bytes);
            let work = work_of(&text).total();
            assert!(
                work <= MAX_WORK_PER_BYTE * text.len() as u64 + 1_000,
                "{name}: {work} units of work for {} bytes",
                text.len()
            );
            if let Some((previous_bytes, previous_work)) = previous {
                if previous_bytes >= 4096 {
                    assert!(
                        work as f64 <= 2.2 * previous_work as f64 + 1_000.0,
                        "{name}: {previous_work} units for {previous_bytes} bytes, \
                         {work} for {}",
                        text.len()
                    );
                }
            }
            previous = Some((text.len(), work));
            bytes *= 2;
        }
    }
}

#[test]
fn no_word_past_the_cap_is_looked_up_fuzzily() {
    let cases: &[(&str, String, u64)] = &[
        ("a word of 32 letters", "Ab".repeat(16), 1),
        ("a word of 33 letters", format!("{}a", "Ab".repeat(16)), 0),
        ("a word of 2,000 letters", "Ab".repeat(1000), 0),
        ("a CamelCase word of 64 KiB", "Ab".repeat(32 * 1024), 0),
    ];
    for (name, text, looked_up) in cases {
        let work = work_of(text);
        assert_eq!(work.fuzzy_words, *looked_up, "{name}");
        assert!(work.deletion_hashes <= 529, "{name}: {work:?}");
    }
}

#[test]
fn the_fuzzy_budget_caps_a_document_of_misspellable_words() {
    let mut sequence = Sequence(4);
    let text = words(256 * 1024, |_| sequence.word(32));
    let work = work_of(&text);
    let budget = entity_resolver_core::matching::fuzzy::fuzzy_budget(text.len());
    assert!(work.fuzzy_budget_exhausted, "{work:?}");
    // The last word looked up may overrun the budget by its own cost.
    assert!(
        work.fuzzy_charged <= budget + 1_000,
        "{} charged, budget {budget}",
        work.fuzzy_charged
    );
}

/// The evaluation documents, in name order.
fn evaluation_documents() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../eval/own/corpus");
    let mut docs: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the evaluation corpus is there")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            (path.display().to_string(), text)
        })
        .collect();
    docs.sort();
    assert!(!docs.is_empty());
    docs
}

#[test]
fn no_news_document_comes_near_the_fuzzy_budget() {
    for (name, text) in evaluation_documents() {
        let work = work_of(&text);
        let budget = entity_resolver_core::matching::fuzzy::fuzzy_budget(text.len());
        // A tenth of the budget: the caps must never change what news gets.
        assert!(
            work.fuzzy_charged * 10 < budget,
            "{name}: {} fuzzy units charged of a budget of {budget}",
            work.fuzzy_charged
        );
    }
}

/// About 1 MiB of news: the evaluation documents repeated.
fn a_megabyte_of_news() -> String {
    let docs = evaluation_documents();
    let mut text = String::new();
    while text.len() < 1024 * 1024 {
        for (_, doc) in &docs {
            text.push_str(doc);
            text.push_str("\n\n");
        }
    }
    text
}

#[test]
fn every_stage_asks_the_interrupt_once_per_64_kib() {
    let text = a_megabyte_of_news();
    let unlimited = resolver().clone().with_max_mentions(usize::MAX);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let count = || {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    };
    let found = unlimited
        .resolve_until(&text, &ResolveOptions::default(), &Interrupt::new(&count))
        .expect("never stopped");
    assert!(!found.mentions.is_empty());
    let per_pass = text.len() / Interrupt::EVERY_BYTES;
    // Normalise, both key scans, fuzzy, link and emit each walk the text.
    let asked = calls.into_inner();
    assert!(
        asked >= 6 * per_pass,
        "asked {asked} times over {} bytes",
        text.len()
    );
}

#[test]
fn an_interrupt_stops_a_megabyte_with_its_error_at_once() {
    let text = a_megabyte_of_news();
    let unlimited = resolver().clone().with_max_mentions(usize::MAX);
    // The check that fails: early in normalisation, then in each later stage.
    for fail_at in [1, 2, 10, 20, 40, 60, 80, 100] {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let stop = || {
            let call = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if call >= fail_at {
                Err(Error::DeadlineExceeded(format!("at check {call}")))
            } else {
                Ok(())
            }
        };
        let outcome =
            unlimited.resolve_until(&text, &ResolveOptions::default(), &Interrupt::new(&stop));
        match outcome {
            Err(Error::DeadlineExceeded(message)) => {
                assert_eq!(message, format!("at check {fail_at}"))
            }
            other => panic!(
                "failing at check {fail_at}: expected the interrupt's error, got {:?}",
                other.map(|r| r.mentions.len())
            ),
        }
        assert_eq!(
            calls.into_inner(),
            fail_at,
            "no check after the one that failed"
        );
    }
}

#[test]
fn a_document_past_the_mention_limit_is_refused_before_its_answer_is_built() {
    assert_eq!(Resolver::DEFAULT_MAX_MENTIONS, 32_768);
    assert_eq!(resolver().max_mentions(), Resolver::DEFAULT_MAX_MENTIONS);
    let cases: &[(&str, usize, Option<usize>)] = &[
        ("at the limit", 32_768, None),
        ("one past it", 32_769, Some(32_769)),
        ("TTP repeated to 1 MiB", 262_144, Some(262_144)),
    ];
    for (name, repeats, refused) in cases {
        let text = "TTP ".repeat(*repeats);
        let mut work = Work::default();
        let outcome = resolver().resolve_counted(
            &text,
            &ResolveOptions::default(),
            &Interrupt::never(),
            &mut work,
        );
        match (outcome, refused) {
            (Ok(resolution), None) => assert_eq!(resolution.mentions.len(), *repeats, "{name}"),
            (
                Err(Error::LimitExceeded {
                    what,
                    actual,
                    limit,
                }),
                Some(expected),
            ) => {
                assert_eq!(what, "mentions in one document", "{name}");
                assert_eq!((actual, limit), (*expected, 32_768), "{name}");
                assert_eq!(work.mentions, 0, "{name}: no answer was built");
            }
            (other, _) => panic!("{name}: {:?}", other.map(|r| r.mentions.len())),
        }
    }
    let small = resolver().clone().with_max_mentions(2);
    let refused = small.resolve("TTP, TTP and the TTP", &ResolveOptions::default());
    assert!(
        matches!(refused, Err(Error::LimitExceeded { limit: 2, .. })),
        "{refused:?}"
    );
}

fn lookup_work(name: &str) -> (Result<usize, Error>, Work) {
    let mut work = Work::default();
    let found = lookup_counted(resolver().index(), name, 10, &[], &mut work);
    (found.map(|c| c.len()), work)
}

#[test]
fn lookup_refuses_names_past_its_limit_and_bounds_the_work_below_it() {
    assert_eq!(MAX_NAME_BYTES, 1024);
    let refused: &[(&str, String)] = &[
        ("one byte past the limit", "a".repeat(MAX_NAME_BYTES + 1)),
        ("2 MiB of short words", "ab ".repeat(2 * 1024 * 1024 / 3)),
        ("2 MiB of one word", "Ab".repeat(1024 * 1024)),
    ];
    for (name, text) in refused {
        match lookup_work(text) {
            (Err(Error::InvalidArgument { field, message }), work) => {
                assert_eq!(field, "name", "{name}");
                assert!(message.contains("1024"), "{name}: {message}");
                assert_eq!(work.total(), 0, "{name}: refused before any work");
            }
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
    let mut sequence = Sequence(5);
    let distinct: String = (0..40)
        .map(|_| sequence.word(24))
        .collect::<Vec<_>>()
        .join(" ");
    let cheap: &[(&str, String)] = &[
        (
            "at the limit",
            format!("K{}", "a".repeat(MAX_NAME_BYTES - 1)),
        ),
        ("CamelCase of 1000 bytes", "Ab".repeat(500)),
        ("digits mixed in", "A1b2".repeat(250)),
        ("many words at the cap", distinct),
        ("a name repeated", "Sirajuddin Haqqani ".repeat(50)),
        (
            "misspelt names",
            misspelt_surnames().join(" ")[..1000].to_string(),
        ),
    ];
    for (name, text) in cheap {
        let text = text.trim_end_matches(|c: char| !c.is_alphanumeric());
        assert!(text.len() <= MAX_NAME_BYTES, "{name}");
        let (found, work) = lookup_work(text);
        assert!(found.is_ok(), "{name}: {found:?}");
        // 40 words at the cap cost 40 x 529 deletion variants: the bound is
        // a few dozen units per byte, as for running text.
        assert!(
            work.total() <= 64 * MAX_NAME_BYTES as u64,
            "{name}: {work:?}"
        );
    }
}

/// A scratch directory holding `files` (name, TOML).
fn alias_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    dir
}

const ONE_ENTITY: &str =
    "[[entity]]\nid = \"a\"\nname = \"Alpha Group\"\ntype = \"organization\"\n";

/// The problems of a refused table, as text; panics on anything else.
fn problems_of(outcome: Result<AliasTable, Error>) -> Vec<String> {
    match outcome {
        Err(error @ Error::InvalidTable(_)) => {
            error.problems().iter().map(|p| p.to_string()).collect()
        }
        Err(other) => panic!("expected a table error, got {other:?}"),
        Ok(_) => panic!("expected a table error, the table loaded"),
    }
}

#[test]
fn only_regular_alias_files_are_read() {
    let dir = alias_dir(&[("a.toml", ONE_ENTITY)]);
    let path = dir.path();
    assert!(AliasTable::from_dir(path).is_ok());
    // A FIFO would block the reader until a writer comes: it must never be
    // opened. mkfifo(1) is the portable way to make one without libc.
    let fifo = path.join("fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo works here");
    let cases: &[(&str, &str, &str)] = &[("a FIFO", "fifo.toml", "a FIFO")];
    for (name, file, kind) in cases {
        let problems = problems_of(AliasTable::from_dir(path));
        assert!(
            problems
                .iter()
                .any(|p| p.contains(file) && p.contains(kind) && p.contains("not a regular file")),
            "{name}: {problems:?}"
        );
    }
    std::fs::remove_file(&fifo).unwrap();

    let links: &[(&str, &Path, &str)] = &[
        (
            "a symlink to /dev/zero",
            Path::new("/dev/zero"),
            "a character device",
        ),
        (
            "a symlink to /dev/null",
            Path::new("/dev/null"),
            "a character device",
        ),
        ("a symlink to a directory", Path::new("/"), "a directory"),
    ];
    for (name, target, kind) in links {
        let link = path.join("link.toml");
        std::os::unix::fs::symlink(target, &link).unwrap();
        let problems = problems_of(AliasTable::from_dir(path));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("link.toml") && p.contains(kind)),
            "{name}: {problems:?}"
        );
        std::fs::remove_file(&link).unwrap();
    }

    // A sparse file past the size limit: refused from its size, unread.
    let big = path.join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_ALIAS_FILE_BYTES + 1)
        .unwrap();
    let problems = problems_of(AliasTable::from_dir(path));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("big.toml") && p.contains("over the limit")),
        "{problems:?}"
    );
    std::fs::remove_file(&big).unwrap();

    std::fs::write(path.join("latin1.toml"), b"\xff\xfe").unwrap();
    let problems = problems_of(AliasTable::from_dir(path));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("latin1.toml") && p.contains("not UTF-8")),
        "{problems:?}"
    );
}

#[test]
fn a_broken_alias_directory_is_a_table_error() {
    let dir = alias_dir(&[("a.toml", ONE_ENTITY)]);
    let missing = dir.path().join("missing");
    let a_file = dir.path().join("a.toml");
    let empty = tempfile::tempdir().unwrap();
    let cases: &[(&str, &Path, &str)] = &[
        ("missing", &missing, "cannot read the alias directory"),
        ("a file", &a_file, "not a directory"),
        ("empty", empty.path(), "no *.toml alias file"),
    ];
    for (name, path, expected) in cases {
        let problems = problems_of(AliasTable::from_dir(path));
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&path.display().to_string()) && p.contains(expected)),
            "{name}: {problems:?}"
        );
    }
}

/// `value` as a TOML basic string, every character past ASCII escaped.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn entity_with(field: &str, values: &[String]) -> String {
    let list: Vec<String> = values.iter().map(|v| toml_string(v)).collect();
    format!("{ONE_ENTITY}{field} = [{}]\n", list.join(", "))
}

fn problems_of_source(text: &str) -> Vec<String> {
    match AliasTable::from_sources([("t.toml".to_string(), text.to_string())]) {
        Ok(_) => vec![],
        Err(error) => error.problems().iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn names_past_the_limits_or_with_control_characters_are_refused() {
    let many: Vec<String> = (0..MAX_NAMES_PER_ENTITY)
        .map(|i| format!("Alias {i}"))
        .collect();
    let at_limit: Vec<String> = many[..MAX_NAMES_PER_ENTITY - 1].to_vec();
    let cases: &[(&str, String, Option<&str>)] = &[
        (
            "names at the per-entity limit",
            entity_with("aliases", &at_limit),
            None,
        ),
        (
            "one name past the per-entity limit",
            entity_with("aliases", &many),
            Some("1001 names"),
        ),
        (
            "an alias at the length limit",
            entity_with("aliases", &["A".repeat(MAX_NAME_CHARS)]),
            None,
        ),
        (
            "an alias past the length limit",
            entity_with("aliases", &["A".repeat(MAX_NAME_CHARS + 1)]),
            Some("name of 257 characters"),
        ),
        (
            "an alias of 1 MB",
            entity_with("aliases", &["Ab ".repeat(350_000)]),
            Some("over the limit of 256 characters"),
        ),
        (
            "ESC",
            entity_with("aliases", &["Alpha\u{1b}[31m".to_string()]),
            Some("U+001B"),
        ),
        (
            "BEL",
            entity_with("weak", &["Alpha\u{7}".to_string()]),
            Some("U+0007"),
        ),
        (
            "right-to-left override",
            entity_with("aliases", &["\u{202e}nabilaT".to_string()]),
            Some("U+202E"),
        ),
        (
            "first strong isolate",
            entity_with("native", &["\u{2068}طالبان".to_string()]),
            Some("U+2068"),
        ),
        (
            "a newline in a canonical name",
            "[[entity]]\nid = \"a\"\nname = \"Alpha\\nGroup\"\ntype = \"organization\"\n"
                .to_string(),
            Some("U+000A"),
        ),
        (
            "C1 control",
            entity_with("aliases", &["Alpha\u{85}".to_string()]),
            Some("U+0085"),
        ),
        (
            "zero-width non-joiner of Persian spelling",
            entity_with("native", &["می\u{200c}شود".to_string()]),
            None,
        ),
        (
            "an id past its limit",
            format!(
                "[[entity]]\nid = \"{}\"\nname = \"A\"\ntype = \"organization\"\n",
                "a".repeat(129)
            ),
            Some("id of 129 bytes"),
        ),
    ];
    for (name, text, expected) in cases {
        let problems = problems_of_source(text);
        match expected {
            None => assert!(problems.is_empty(), "{name}: {problems:?}"),
            Some(expected) => assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{name}: expected {expected:?} in {problems:?}"
            ),
        }
        for problem in &problems {
            assert!(
                problem.len() <= TableError::SHOWN_BYTES + 4,
                "{name}: a problem of {} bytes",
                problem.len()
            );
        }
    }
}

#[test]
fn the_real_tables_longest_names_are_within_the_limits() {
    let index = resolver().index();
    let longest = index
        .aliases()
        .iter()
        .map(|a| a.surface.chars().count())
        .max()
        .unwrap();
    assert!(longest * 2 <= MAX_NAME_CHARS, "longest alias {longest}");
    let most = index
        .entities()
        .iter()
        .map(|e| {
            let r = &e.record;
            1 + r.aliases.len()
                + r.acronyms.len()
                + r.native.len()
                + r.weak.len()
                + r.ambiguous.len()
                + r.not.len()
        })
        .max()
        .unwrap();
    assert!(most * 10 <= MAX_NAMES_PER_ENTITY, "most names {most}");
}

#[test]
fn a_table_error_message_is_bounded_and_keeps_every_problem() {
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!(
            "[[entity]]\nid = \"e{i}\"\nname = \"{}\"\ntype = \"planet\"\n",
            "N".repeat(300)
        ));
    }
    let error = AliasTable::from_sources([("t.toml".to_string(), text)]).unwrap_err();
    let message = error.to_string();
    // Tonic refuses a status whose headers pass 16 KiB.
    assert!(message.len() < 12 * 1024, "{} bytes", message.len());
    assert!(
        message.starts_with("invalid alias table (2000 problems)"),
        "{}",
        &message[..200]
    );
    assert!(message.ends_with("… and 1980 more"), "{message}");
    assert_eq!(error.problems().len(), 2000);

    // One problem quoting a megabyte: cut, still naming file and entity.
    let huge = format!(
        "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"organization\"\nacronyms = [\"{}\"]\n",
        "ab".repeat(500_000)
    );
    let error = AliasTable::from_sources([("t.toml".to_string(), huge)]).unwrap_err();
    let message = error.to_string();
    assert!(message.len() < 4 * 1024, "{} bytes", message.len());
    assert!(
        message.contains("t.toml: entity \"a\": alias \"abab"),
        "{message}"
    );
    assert!(message.contains("(1000000 characters)"), "{message}");
}

#[test]
fn a_megabyte_alias_cannot_reach_the_index() {
    // The index is only ever built from a checked table: the alias of 1 MB
    // that made resolving its words take seconds is refused at the check.
    let table = format!(
        "[[entity]]\nid = \"a\"\nname = \"A\"\ntype = \"organization\"\naliases = [\"{}\"]\n",
        "Word ".repeat(200_000)
    );
    let outcome = AliasTable::from_sources([("t.toml".to_string(), table)]);
    assert!(matches!(outcome, Err(Error::InvalidTable(_))));
    // At the limit, a name of 128 words resolves in work linear in the text.
    let words: Vec<&str> = ["Word"; 51].to_vec();
    let name = words.join(" ");
    assert!(name.chars().count() <= MAX_NAME_CHARS);
    let text = format!("[[entity]]\nid = \"a\"\nname = \"{name}\"\ntype = \"organization\"\n");
    let table = AliasTable::from_sources([("t.toml".to_string(), text)]).unwrap();
    let resolver = Resolver::new(Arc::new(Index::build(&table).unwrap()));
    let mut previous = 0;
    for repeats in [2_000, 4_000] {
        let mut work = Work::default();
        let document = "Word ".repeat(repeats);
        resolver
            .resolve_counted(
                &document,
                &ResolveOptions::default(),
                &Interrupt::never(),
                &mut work,
            )
            .unwrap();
        assert!(
            work.total() <= 400 * document.len() as u64,
            "{work:?} for {} bytes",
            document.len()
        );
        if previous > 0 {
            assert!(work.total() as f64 <= 2.2 * previous as f64);
        }
        previous = work.total();
    }
}

#[test]
fn a_megabyte_of_dense_news_is_within_the_default_mention_limit() {
    let text = a_megabyte_of_news();
    let found = resolver()
        .resolve(&text, &ResolveOptions::default())
        .expect("real news is never refused for its mentions");
    assert!(found.mentions.len() > 20_000, "{}", found.mentions.len());
}

#[test]
fn a_misspelt_name_before_the_noise_is_still_found_when_the_budget_runs_out() {
    let mut sequence = Sequence(6);
    let noise = words(256 * 1024, |_| sequence.word(32));
    let text = format!("Commander Sirajuddin Haqqami spoke. {noise}");
    let mut work = Work::default();
    let found = resolver()
        .resolve_counted(
            &text,
            &ResolveOptions::default(),
            &Interrupt::never(),
            &mut work,
        )
        .unwrap();
    assert!(work.fuzzy_budget_exhausted, "{work:?}");
    assert!(
        found
            .mentions
            .iter()
            .any(|m| m.entity_id == "sirajuddin-haqqani"
                && m.text == "Sirajuddin Haqqami"
                && m.match_kind == entity_resolver_core::MatchKind::Fuzzy),
        "{:?}",
        found.mentions
    );
}
