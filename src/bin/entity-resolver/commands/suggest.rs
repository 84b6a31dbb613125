//! `suggest`: read a JSONL corpus, resolve every document, and list what the
//! alias table misses (the analysis is the core's `suggest`). Documents are
//! read one line at a time and dropped once counted.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;
use std::sync::Arc;

use entity_resolver::Error;
use entity_resolver_core::suggest::{AcronymStatus, Report, Sample, Suggester};
use entity_resolver_core::Resolver;

use super::batch::read::{parse_document_among_fields, LineReader};
use crate::args::{SuggestArgs, SuggestFormat};

/// Documents resolved together at most: enough to keep every core busy,
/// few enough that memory stays flat whatever the corpus.
const CHUNK_DOCUMENTS: usize = 256;
const CHUNK_BYTES: usize = 8 << 20;

/// Documents read and not yet counted, with their line numbers.
#[derive(Default)]
struct Chunk {
    documents: Vec<(String, String)>,
    numbers: Vec<usize>,
    bytes: usize,
}

pub fn run(args: SuggestArgs) -> Result<ExitCode, Error> {
    let resolver = Resolver::new(Arc::new(super::load_index(args.aliases.as_deref())?));
    let from_stdin = args.input.as_os_str() == "-";
    let input_name = if from_stdin {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let reader: Box<dyn BufRead> = if from_stdin {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(&args.input).map_err(|source| Error::Io {
            path: input_name.clone(),
            source,
        })?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let mut lines = LineReader::new(reader, args.max_line_bytes);
    let mut suggester = Suggester::new(resolver);
    let mut chunk = Chunk::default();
    let mut documents = 0usize;
    let read_error = |source| Error::Io {
        path: input_name.clone(),
        source,
    };
    let bad_line = |number: usize, message: String| {
        Error::invalid_argument(format!("{input_name}:{number}"), message)
    };
    // A chunk is resolved on all cores, then counted in input order; the
    // lines before a bad one are resolved first, so the error names the
    // first bad line, as `batch` does.
    let mut flush = |chunk: &mut Chunk, suggester: &mut Suggester| {
        let result = suggester
            .add_all(&chunk.documents)
            .map_err(|(at, error)| bad_line(chunk.numbers[at], error.to_string()));
        documents += chunk.documents.len();
        *chunk = Chunk::default();
        result
    };
    while let Some(line) = lines.next_line().map_err(read_error)? {
        let parsed = line
            .content
            .and_then(|content| parse_document_among_fields(&content));
        match parsed {
            Ok((id, text)) => {
                chunk.bytes += text.len();
                chunk.documents.push((id, text));
                chunk.numbers.push(line.number);
                if chunk.documents.len() >= CHUNK_DOCUMENTS || chunk.bytes >= CHUNK_BYTES {
                    flush(&mut chunk, &mut suggester)?;
                }
            }
            Err(message) => {
                flush(&mut chunk, &mut suggester)?;
                return Err(bad_line(line.number, message));
            }
        }
    }
    flush(&mut chunk, &mut suggester)?;
    let report = suggester.report(args.limit, args.min_count);
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        SuggestFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        SuggestFormat::Text => write_text(&mut out, &report),
    };
    written.map_err(|source| Error::Io {
        path: "<stdout>".to_string(),
        source,
    })?;
    eprintln!("suggest: {documents} documents read");
    Ok(ExitCode::SUCCESS)
}

/// Three sections, each a line per suggestion and its sample under it.
fn write_text(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    writeln!(out, "aliases to add ({})", report.aliases_to_add.len())?;
    for a in &report.aliases_to_add {
        writeln!(
            out,
            "  {:>5}  {:?} for {} ({}), {} of {:?}",
            a.count,
            a.text,
            a.entity_id,
            a.canonical_name,
            kind_name(a.match_kind),
            a.matched_alias
        )?;
        write_sample(out, &a.sample)?;
    }
    writeln!(out, "\nentities to add ({})", report.entities_to_add.len())?;
    for e in &report.entities_to_add {
        writeln!(
            out,
            "  {:>5}  {:?} {}, seen with {}",
            e.count,
            e.text,
            e.kind.as_str(),
            e.seen_with.join(", ")
        )?;
        write_sample(out, &e.sample)?;
    }
    writeln!(
        out,
        "\nacronyms defined in the text ({})",
        report.acronyms_defined.len()
    )?;
    for a in &report.acronyms_defined {
        let status = match a.status {
            AcronymStatus::New => "new".to_string(),
            AcronymStatus::Collision => format!(
                "possible collision: the table has it for {}",
                a.known_for.join(", ")
            ),
        };
        writeln!(
            out,
            "  {:>5}  {} = {:?}, {status}",
            a.count, a.acronym, a.expansion
        )?;
        write_sample(out, &a.sample)?;
    }
    Ok(())
}

fn kind_name(kind: entity_resolver_core::MatchKind) -> &'static str {
    match kind {
        entity_resolver_core::MatchKind::Normalized => "transliteration folding",
        other => other.as_str(),
    }
}

fn write_sample(out: &mut impl Write, sample: &Sample) -> std::io::Result<()> {
    writeln!(out, "         {}: {}", sample.document_id, sample.context)
}
