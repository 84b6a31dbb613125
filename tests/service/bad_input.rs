//! Bad, odd and hostile input through a real in-process server: every text
//! case goes through Resolve, ResolveBatch and ResolveStream and must give
//! the same outcome on each, and every answer that resolves keeps its
//! offsets on character boundaries in all three units. The other RPCs get
//! their own table of refusals.
//!
//! The sentences were written for these tests.

use entity_resolver::proto::{
    resolve_stream_response::Outcome, GetEntityRequest, ListEntitiesRequest, LookupRequest,
    ResolveBatchRequest, ResolveOptions, ResolveRequest, ResolveResponse, ResolveStreamRequest,
};
use entity_resolver::server::Limits;
use tonic::Code;

use crate::common::{runtime, Client, Server};

/// The per-document text limit of the server under test: small, so the
/// cases at and just over it stay cheap.
const TEXT_LIMIT: usize = 4096;

/// What a call must give.
#[derive(Debug)]
enum Expect {
    /// Resolves, and the mentions are exactly these entities, in order.
    Mentions(&'static [&'static str]),
    /// Refused with this code; the message names each of these.
    Refused(Code, &'static [&'static str]),
}

struct TextCase {
    name: &'static str,
    text: String,
    options: Option<ResolveOptions>,
    expect: Expect,
}

fn case(name: &'static str, text: impl Into<String>, expect: Expect) -> TextCase {
    TextCase {
        name,
        text: text.into(),
        options: None,
        expect,
    }
}

fn with_options(
    name: &'static str,
    options: ResolveOptions,
    expect: &'static [&'static str],
) -> TextCase {
    TextCase {
        name,
        text: "Imran Khan met the TTP in Kabul.".to_string(),
        options: Some(options),
        expect: Expect::Refused(Code::InvalidArgument, expect),
    }
}

fn min_score(value: f32) -> ResolveOptions {
    ResolveOptions {
        min_score: value,
        ..Default::default()
    }
}

/// `filler` repeated and cut to exactly `bytes` bytes after `head`; the
/// filler's multi-byte letters make sure the limit counts bytes, not chars.
fn text_of_bytes(head: &str, bytes: usize) -> String {
    let filler = " Пакистан ";
    let mut text = head.to_string();
    while text.len() + filler.len() <= bytes {
        text.push_str(filler);
    }
    while text.len() < bytes {
        text.push(' ');
    }
    text
}

fn text_cases() -> Vec<TextCase> {
    use Expect::{Mentions, Refused};
    vec![
        case("empty", "", Mentions(&[])),
        case("spaces", "   ", Mentions(&[])),
        case(
            "whitespace of every kind",
            "\t\n\r \u{a0}\u{2003}\u{3000}\u{2028}\u{2029}\u{85}",
            Mentions(&[]),
        ),
        case(
            "exactly at the text limit",
            text_of_bytes("Imran Khan visited Kabul.", TEXT_LIMIT),
            Mentions(&["imran-khan", "kabul"]),
        ),
        case(
            "one byte over the text limit",
            text_of_bytes("Imran Khan visited Kabul.", TEXT_LIMIT + 1),
            Refused(
                Code::ResourceExhausted,
                &["text size in bytes", "4097", "4096"],
            ),
        ),
        case(
            "NUL bytes between names",
            "Imran Khan\0met\0the ISI\0in Kabul.",
            Mentions(&["imran-khan", "isi", "kabul"]),
        ),
        case(
            "control characters and an escape sequence",
            "\u{1}\u{7}Imran Khan\u{1b}[31m met the TTP\u{1b}[0m\u{7f} in Kabul\u{8}.",
            Mentions(&["imran-khan", "ttp", "kabul"]),
        ),
        case(
            "only control characters",
            "\0\u{1}\u{1f}\u{7f}\u{9f}",
            Mentions(&[]),
        ),
        case(
            "Latin, Arabic, Devanagari and Cyrillic",
            "Imran Khan (عمران خان) said in Kabul, पाकिस्तान, that Пакистан and کابل matter.",
            Mentions(&["imran-khan", "imran-khan", "kabul", "kabul"]),
        ),
        case(
            "decomposed accents in a known name",
            "The Tehri\u{304}k-i\u{301}-Taliban Pakista\u{301}n struck Pes\u{30c}hawar.",
            Mentions(&["ttp", "peshawar"]),
        ),
        case(
            "combining marks stacked on every letter",
            "K\u{301}\u{302}\u{303}a\u{301}\u{302}\u{303}bul and \u{301}\u{301}TTP",
            Mentions(&["kabul", "ttp"]),
        ),
        case(
            "emoji, a ZWJ family and flags around names",
            "🇵🇰 Imran Khan 👩\u{200d}👩\u{200d}👧 met the TTP 🚀 in Kabul 🇦🇫.",
            Mentions(&["imran-khan", "ttp", "kabul"]),
        ),
        case(
            "right-to-left marks around names",
            "\u{200f}Imran Khan\u{200f} and \u{202e}the TTP\u{202c} in \u{200f}Kabul\u{200e}.",
            Mentions(&["imran-khan", "ttp", "kabul"]),
        ),
        case(
            "zero-width joiners inside known names",
            "Im\u{200d}ran Khan met the T\u{200d}TP in Ka\u{200c}bul; طال\u{200d}بان.",
            Mentions(&["imran-khan", "ttp", "kabul", "taliban"]),
        ),
        case(
            "a lone surrogate's replacement character and noncharacters",
            "\u{fffd}Imran Khan\u{fffe}\u{ffff} in Kabul\u{10ffff}",
            Mentions(&["imran-khan", "kabul"]),
        ),
        with_options("min_score 2.0", min_score(2.0), &["options.min_score", "2"]),
        with_options(
            "min_score negative",
            min_score(-0.5),
            &["options.min_score", "-0.5"],
        ),
        with_options(
            "min_score NaN",
            min_score(f32::NAN),
            &["options.min_score", "NaN"],
        ),
        with_options(
            "unknown entity type value",
            ResolveOptions {
                entity_types: vec![42],
                ..Default::default()
            },
            &["options.entity_types[0]", "42"],
        ),
        with_options(
            "unknown normalized text mode",
            ResolveOptions {
                normalized_text_mode: 9,
                ..Default::default()
            },
            &["options.normalized_text_mode", "9"],
        ),
    ]
}

fn request(id: usize, case: &TextCase) -> ResolveRequest {
    ResolveRequest {
        id: format!("case-{id}"),
        text: case.text.clone(),
        options: case.options.clone(),
    }
}

/// A call's outcome in one shape for all three RPCs.
type Outcome3 = Result<ResolveResponse, (Code, String)>;

fn refused(status: tonic::Status) -> Outcome3 {
    Err((status.code(), status.message().to_string()))
}

async fn by_resolve(client: &mut Client, cases: &[TextCase]) -> Vec<Outcome3> {
    let mut outcomes = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        outcomes.push(match client.resolve(request(i, case)).await {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => refused(status),
        });
    }
    outcomes
}

/// Every case in one batch: a refused document gets its own error, as on a
/// stream, and the others are answered.
async fn by_batch(client: &mut Client, cases: &[TextCase]) -> Vec<Outcome3> {
    let batch = ResolveBatchRequest {
        documents: cases
            .iter()
            .enumerate()
            .map(|(i, case)| request(i, case))
            .collect(),
    };
    let response = client
        .resolve_batch(batch)
        .await
        .expect("a batch within the limits is answered")
        .into_inner();
    assert_eq!(
        response.results.len(),
        cases.len(),
        "one entry per document"
    );
    let mut errors = response.errors.into_iter().peekable();
    let mut outcomes = Vec::new();
    for (i, result) in response.results.into_iter().enumerate() {
        assert_eq!(result.id, format!("case-{i}"), "entries in request order");
        match errors.next_if(|error| error.index as usize == i) {
            Some(error) => {
                let error = error.error.expect("a document error has its error");
                outcomes.push(Err((Code::from(error.code), error.message)));
            }
            None => outcomes.push(Ok(result)),
        }
    }
    assert!(errors.next().is_none(), "errors in ascending index order");
    outcomes
}

/// Every case on one stream: a refused document must not end it.
async fn by_stream(client: &mut Client, cases: &[TextCase]) -> Vec<Outcome3> {
    let requests: Vec<ResolveStreamRequest> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| ResolveStreamRequest {
            document: Some(request(i, case)),
        })
        .collect();
    let mut responses = client
        .resolve_stream(tokio_stream::iter(requests))
        .await
        .expect("the stream opens")
        .into_inner();
    let mut outcomes = Vec::new();
    while let Some(response) = responses.message().await.expect("the stream goes on") {
        let i = outcomes.len();
        assert_eq!(response.id, format!("case-{i}"), "stream answers in order");
        outcomes.push(
            match response.outcome.expect("every answer has an outcome") {
                Outcome::Result(result) => Ok(result),
                Outcome::Error(error) => Err((Code::from(error.code), error.message)),
            },
        );
    }
    outcomes
}

/// The offsets of every mention, in bytes, chars and UTF-16 units, land on
/// boundaries of `text` and slice back to the mention's text; mentions are
/// ordered and disjoint, scores within [0, 1].
fn assert_offsets_slice_back(text: &str, response: &ResolveResponse, case: &str) {
    let chars: Vec<char> = text.chars().collect();
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut previous_end = 0;
    for m in &response.mentions {
        let (start, end) = (m.start as usize, m.end as usize);
        assert!(
            previous_end <= start && start < end,
            "{case}: {m:?} overlaps or is empty"
        );
        assert_eq!(
            text.get(start..end),
            Some(m.text.as_str()),
            "{case}: bytes {start}..{end} are not {:?}",
            m.text
        );
        let by_chars = chars
            .get(m.char_start as usize..m.char_end as usize)
            .map(|c| c.iter().collect::<String>());
        assert_eq!(
            by_chars.as_deref(),
            Some(m.text.as_str()),
            "{case}: chars {}..{}",
            m.char_start,
            m.char_end
        );
        let by_units = units
            .get(m.utf16_start as usize..m.utf16_end as usize)
            .map(String::from_utf16);
        assert!(
            matches!(&by_units, Some(Ok(s)) if *s == m.text),
            "{case}: UTF-16 units {}..{} give {by_units:?}, not {:?}",
            m.utf16_start,
            m.utf16_end,
            m.text
        );
        assert!((0.0..=1.0).contains(&m.score), "{case}: score {}", m.score);
        previous_end = end;
    }
}

fn assert_outcome(case: &TextCase, rpc: &str, outcome: &Outcome3) {
    let at = format!("{} ({rpc})", case.name);
    match (&case.expect, outcome) {
        (Expect::Mentions(ids), Ok(response)) => {
            assert_offsets_slice_back(&case.text, response, &at);
            let found: Vec<&str> = response
                .mentions
                .iter()
                .map(|m| m.entity_id.as_str())
                .collect();
            assert_eq!(&found, ids, "{at}: {:#?}", response.mentions);
        }
        (Expect::Refused(code, needles), Err((actual, message))) => {
            assert_eq!(actual, code, "{at}: {message}");
            for needle in *needles {
                assert!(
                    message.contains(needle),
                    "{at}: {message:?} does not name {needle:?}"
                );
            }
        }
        (expect, outcome) => panic!("{at}: expected {expect:?}, got {outcome:?}"),
    }
}

fn limited_server() -> Server {
    Server::start(Limits {
        max_text_bytes: TEXT_LIMIT,
        ..Limits::default()
    })
}

#[test]
fn bad_text_gives_the_same_outcome_through_resolve_batch_and_stream() {
    let server = limited_server();
    let runtime = runtime();
    let cases = text_cases();
    runtime.block_on(async {
        let mut client = Client::connect(server.url.clone()).await.expect("connects");
        let rpcs = [
            ("Resolve", by_resolve(&mut client, &cases).await),
            ("ResolveBatch", by_batch(&mut client, &cases).await),
            ("ResolveStream", by_stream(&mut client, &cases).await),
        ];
        for (rpc, outcomes) in &rpcs {
            assert_eq!(outcomes.len(), cases.len(), "{rpc}: one outcome per case");
            for (case, outcome) in cases.iter().zip(outcomes) {
                assert_outcome(case, rpc, outcome);
            }
        }
    });
}

/// A call to one of the RPCs that take no text to resolve.
#[derive(Debug)]
enum Call {
    GetEntity(&'static str),
    ListEntities {
        page_token: &'static str,
        page_size: u32,
        entity_type: i32,
    },
    Lookup {
        name: &'static str,
        limit: u32,
        entity_types: &'static [i32],
    },
}

impl Call {
    /// The call's status code and message ("" when it succeeds).
    async fn run(&self, client: &mut Client) -> (Code, String) {
        let result = match *self {
            Call::GetEntity(id) => client
                .get_entity(GetEntityRequest { id: id.to_string() })
                .await
                .map(drop),
            Call::ListEntities {
                page_token,
                page_size,
                entity_type,
            } => client
                .list_entities(ListEntitiesRequest {
                    page_size,
                    page_token: page_token.to_string(),
                    r#type: entity_type,
                })
                .await
                .map(drop),
            Call::Lookup {
                name,
                limit,
                entity_types,
            } => client
                .lookup(LookupRequest {
                    name: name.to_string(),
                    limit,
                    entity_types: entity_types.to_vec(),
                })
                .await
                .map(drop),
        };
        match result {
            Ok(()) => (Code::Ok, String::new()),
            Err(status) => (status.code(), status.message().to_string()),
        }
    }
}

fn lookup(name: &'static str) -> Call {
    Call::Lookup {
        name,
        limit: 0,
        entity_types: &[],
    }
}

fn page_token(page_token: &'static str) -> Call {
    Call::ListEntities {
        page_token,
        page_size: 0,
        entity_type: 0,
    }
}

#[test]
fn bad_requests_to_the_entity_rpcs_name_what_is_wrong() {
    let cases: Vec<(Call, Code, &[&str])> = vec![
        (
            Call::GetEntity("no-such-entity"),
            Code::NotFound,
            &["no-such-entity"],
        ),
        (Call::GetEntity("ttp\0"), Code::NotFound, &["ttp\\0"]),
        (Call::GetEntity("تحریک"), Code::NotFound, &["تحریک"]),
        (Call::GetEntity(""), Code::InvalidArgument, &["id"]),
        (Call::GetEntity("ttp"), Code::Ok, &[]),
        (page_token("zz"), Code::InvalidArgument, &["page_token"]),
        (page_token("abc"), Code::InvalidArgument, &["page_token"]),
        (page_token("ff"), Code::InvalidArgument, &["page_token"]),
        (page_token("é0"), Code::InvalidArgument, &["page_token"]),
        (page_token("00"), Code::Ok, &[]),
        (
            Call::ListEntities {
                page_token: "",
                page_size: 1001,
                entity_type: 0,
            },
            Code::InvalidArgument,
            &["page_size", "1001"],
        ),
        (
            Call::ListEntities {
                page_token: "",
                page_size: 10,
                entity_type: 42,
            },
            Code::InvalidArgument,
            &["type", "42"],
        ),
        (lookup(""), Code::InvalidArgument, &["name"]),
        (lookup("\0\u{1}"), Code::InvalidArgument, &["name"]),
        (
            lookup("🇵🇰 👩\u{200d}👩\u{200d}👧"),
            Code::InvalidArgument,
            &["name"],
        ),
        (lookup("\u{200f}\u{202e}"), Code::InvalidArgument, &["name"]),
        (lookup("Im\u{200d}ran Kha\u{301}n"), Code::Ok, &[]),
        (
            Call::Lookup {
                name: "Imran Khan",
                limit: 101,
                entity_types: &[],
            },
            Code::InvalidArgument,
            &["limit", "101"],
        ),
        (
            Call::Lookup {
                name: "Imran Khan",
                limit: 0,
                entity_types: &[2, 42],
            },
            Code::InvalidArgument,
            &["entity_types[1]", "42"],
        ),
    ];
    let server = limited_server();
    let runtime = runtime();
    runtime.block_on(async {
        let mut client = Client::connect(server.url.clone()).await.expect("connects");
        for (call, code, needles) in &cases {
            let (actual, message) = call.run(&mut client).await;
            assert_eq!(actual, *code, "{call:?}: {message}");
            for needle in *needles {
                assert!(
                    message.contains(needle),
                    "{call:?}: {message:?} does not name {needle:?}"
                );
            }
        }
    });
}
