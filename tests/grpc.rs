//! End-to-end tests of the gRPC API. Each test runs the production `serve`
//! function in-process on `127.0.0.1:0`, talks to it through the generated
//! client over a real HTTP/2 connection, and shuts it down through a oneshot
//! channel, asserting that the server returned `Ok`.
//!
//! The news paragraphs below were written for these tests; they are not taken
//! from any corpus.

use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    self, resolve_stream_response::Outcome, EntityType, GetEntityRequest, ListEntitiesRequest,
    LookupRequest, MatchKind, ResolveBatchRequest, ResolveOptions, ResolveRequest, ResolveResponse,
    ResolveStreamRequest,
};
use entity_resolver::server::{serve, Activity, Limits, ResolverService};
use entity_resolver::{AliasTable, Index};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

type BoxError = Box<dyn Error + Send + Sync>;
type TestResult = Result<(), BoxError>;
type Client = EntityResolverServiceClient<Channel>;

const SERVICE_NAME: &str = "entityresolution.v1.EntityResolverService";
const HEALTH_SERVICE_NAME: &str = "grpc.health.v1.Health";

// ---------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------

/// One in-process server, started exactly as `main` starts it.
struct TestServer {
    addr: SocketAddr,
    channel: Channel,
    activity: Arc<Activity>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), BoxError>>,
}

impl TestServer {
    async fn start() -> Result<Self, BoxError> {
        Self::with_limits(Limits::default()).await
    }

    async fn with_limits(limits: Limits) -> Result<Self, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let service = ResolverService::new(Arc::new(Index::embedded()?), limits);
        let activity = service.activity();
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, service, async move {
            // A dropped sender also stops the server, so a failed test does
            // not leave it running.
            let _ = signal.await;
        }));
        let channel = Endpoint::from_shared(format!("http://{addr}"))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .connect()
            .await?;
        Ok(TestServer {
            addr,
            channel,
            activity,
            shutdown,
            task,
        })
    }

    fn client(&self) -> Client {
        EntityResolverServiceClient::new(self.channel.clone())
    }

    /// Sends the shutdown signal and asserts the server returned `Ok` promptly.
    async fn stop(self) {
        let TestServer {
            channel,
            shutdown,
            task,
            ..
        } = self;
        drop(channel);
        shutdown
            .send(())
            .expect("the server stopped before it was told to");
        let joined = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the server did not shut down within 10 s");
        let returned = joined.expect("the server task panicked");
        assert!(returned.is_ok(), "serve returned an error: {returned:?}");
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn request(text: &str) -> ResolveRequest {
    ResolveRequest {
        id: String::new(),
        text: text.to_string(),
        options: None,
    }
}

fn request_with(text: &str, options: ResolveOptions) -> ResolveRequest {
    ResolveRequest {
        id: String::new(),
        text: text.to_string(),
        options: Some(options),
    }
}

fn min_score(value: f32) -> ResolveOptions {
    ResolveOptions {
        min_score: value,
        ..Default::default()
    }
}

fn types_filter(types: &[i32]) -> ResolveOptions {
    ResolveOptions {
        entity_types: types.to_vec(),
        ..Default::default()
    }
}

async fn resolve(client: &mut Client, request: ResolveRequest) -> ResolveResponse {
    let text = request.text.clone();
    let response = client
        .resolve(request)
        .await
        .unwrap_or_else(|status| panic!("Resolve({text:?}) failed: {status:?}"))
        .into_inner();
    check_invariants(&text, &response);
    response
}

fn ids(response: &ResolveResponse) -> Vec<&str> {
    response
        .mentions
        .iter()
        .map(|m| m.entity_id.as_str())
        .collect()
}

fn char_offset(text: &str, byte: usize) -> u32 {
    text[..byte].chars().count() as u32
}

fn utf16_offset(text: &str, byte: usize) -> u32 {
    text[..byte].encode_utf16().count() as u32
}

/// What every ResolveResponse must satisfy, whatever the text: the mention
/// text is the slice it claims to be, the three offset units agree with each
/// other, mentions are ordered and disjoint, every field is filled in, and the
/// normalised text is the input with each mention replaced by its canonical
/// name.
fn check_invariants(text: &str, response: &ResolveResponse) {
    assert!(
        !response.table_version.is_empty(),
        "table_version is empty for {text:?}"
    );
    let mut expected_normalized = String::new();
    let mut copied = 0usize;
    for (i, m) in response.mentions.iter().enumerate() {
        let (start, end) = (m.start as usize, m.end as usize);
        assert!(
            start < end && end <= text.len(),
            "mention {i} {m:?} is out of bounds of {text:?}"
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "mention {i} {m:?} does not fall on char boundaries"
        );
        assert_eq!(
            m.text,
            text[start..end],
            "mention {i}: text is not text[start..end]"
        );
        assert_eq!(
            m.char_start,
            char_offset(text, start),
            "mention {i} {:?}: char_start",
            m.text
        );
        assert_eq!(
            m.char_end,
            char_offset(text, end),
            "mention {i} {:?}: char_end",
            m.text
        );
        assert_eq!(
            m.utf16_start,
            utf16_offset(text, start),
            "mention {i} {:?}: utf16_start",
            m.text
        );
        assert_eq!(
            m.utf16_end,
            utf16_offset(text, end),
            "mention {i} {:?}: utf16_end",
            m.text
        );
        assert!(
            start >= copied,
            "mention {i} {m:?} overlaps or precedes the one before it"
        );
        assert!(!m.entity_id.is_empty(), "mention {i}: empty entity_id");
        assert!(
            !m.canonical_name.is_empty(),
            "mention {i}: empty canonical_name"
        );
        assert!(
            !m.matched_alias.is_empty(),
            "mention {i}: empty matched_alias"
        );
        assert!(
            !m.explanation.is_empty(),
            "mention {i} {:?}: empty explanation",
            m.text
        );
        assert_ne!(
            m.r#type(),
            EntityType::Unspecified,
            "mention {i}: type unset"
        );
        assert_ne!(
            m.match_kind(),
            MatchKind::Unspecified,
            "mention {i}: match_kind unset"
        );
        assert!(
            m.score > 0.0 && m.score <= 1.0,
            "mention {i}: score {} outside (0, 1]",
            m.score
        );
        for alternative in &m.alternatives {
            assert_ne!(
                alternative.entity_id, m.entity_id,
                "mention {i}: the chosen entity is its own alternative"
            );
            assert!(
                alternative.score <= m.score,
                "mention {i}: alternative {alternative:?} outranks the choice"
            );
        }
        expected_normalized.push_str(&text[copied..start]);
        expected_normalized.push_str(&m.canonical_name);
        copied = end;
    }
    expected_normalized.push_str(&text[copied..]);
    assert_eq!(
        response.normalized_text.as_deref(),
        Some(expected_normalized.as_str()),
        "normalized_text of {text:?}"
    );
}

fn assert_status(
    result: Result<impl std::fmt::Debug, tonic::Status>,
    code: Code,
    needles: &[&str],
    case: &str,
) {
    match result {
        Ok(value) => panic!("{case}: expected {code:?}, got Ok({value:?})"),
        Err(status) => {
            assert_eq!(
                status.code(),
                code,
                "{case}: wrong code, message {:?}",
                status.message()
            );
            for needle in needles {
                assert!(
                    status.message().contains(needle),
                    "{case}: message {:?} does not name {needle:?}",
                    status.message()
                );
            }
        }
    }
}

/// A batch answer with exactly one failed document, at `index`, whose error
/// has `code` and names every needle; the other entries are resolved.
fn assert_one_document_failed(
    response: &proto::ResolveBatchResponse,
    index: u32,
    code: Code,
    needles: &[&str],
    case: &str,
) {
    assert_eq!(response.errors.len(), 1, "{case}: {:?}", response.errors);
    let failure = &response.errors[0];
    assert_eq!(failure.index, index, "{case}: {failure:?}");
    let error = failure.error.as_ref().expect("the error of the document");
    assert_eq!(error.code, code as i32, "{case}: {error:?}");
    for needle in needles {
        assert!(
            error.message.contains(needle),
            "{case}: {error:?} lacks {needle:?}"
        );
    }
    for (i, result) in response.results.iter().enumerate() {
        assert_eq!(
            result.table_version.is_empty(),
            i as u32 == index,
            "{case}: entry {i} {result:?}"
        );
    }
}

const ORG: i32 = EntityType::Organization as i32;
const PERSON: i32 = EntityType::Person as i32;
const LOCATION: i32 = EntityType::Location as i32;

// ---------------------------------------------------------------------------
// Resolve
// ---------------------------------------------------------------------------

#[tokio::test]
async fn resolve_reference_sentence() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let text = "ISKP and the TTP clashed near Torkham.";
    let response = resolve(
        &mut client,
        ResolveRequest {
            id: "ref-1".into(),
            text: text.into(),
            options: None,
        },
    )
    .await;

    assert_eq!(response.id, "ref-1");
    struct Want {
        id: &'static str,
        text: &'static str,
        range: (u32, u32),
        name: &'static str,
        kind: EntityType,
        matched: MatchKind,
    }
    let want = [
        Want {
            id: "isis-k",
            text: "ISKP",
            range: (0, 4),
            name: "Islamic State Khorasan Province",
            kind: EntityType::Organization,
            matched: MatchKind::Acronym,
        },
        Want {
            id: "ttp",
            text: "TTP",
            range: (13, 16),
            name: "Tehrik-i-Taliban Pakistan",
            kind: EntityType::Organization,
            matched: MatchKind::Acronym,
        },
        Want {
            id: "torkham",
            text: "Torkham",
            range: (30, 37),
            name: "Torkham",
            kind: EntityType::Location,
            matched: MatchKind::Exact,
        },
    ];
    assert_eq!(
        ids(&response),
        want.iter().map(|w| w.id).collect::<Vec<_>>(),
        "{response:#?}"
    );
    for (m, w) in response.mentions.iter().zip(&want) {
        assert_eq!(m.text, w.text);
        assert_eq!((m.start, m.end), w.range, "byte range of {}", w.text);
        // ASCII text: all three units agree.
        assert_eq!(
            (m.char_start, m.char_end),
            w.range,
            "char range of {}",
            w.text
        );
        assert_eq!(
            (m.utf16_start, m.utf16_end),
            w.range,
            "utf16 range of {}",
            w.text
        );
        assert_eq!(m.canonical_name, w.name);
        assert_eq!(m.r#type(), w.kind, "type of {}", w.text);
        assert_eq!(m.match_kind(), w.matched, "match kind of {}", w.text);
        assert_eq!(m.matched_alias, w.text, "matched alias of {}", w.text);
        assert!(!m.explanation.trim().is_empty());
        assert!(
            m.alternatives.is_empty(),
            "{} is unambiguous: {:?}",
            w.text,
            m.alternatives
        );
    }
    // An exact canonical name is more certain than an acronym.
    assert!(response.mentions[2].score > response.mentions[0].score);
    assert_eq!(
        response.normalized_text.as_deref(),
        Some("Islamic State Khorasan Province and the Tehrik-i-Taliban Pakistan clashed near Torkham.")
    );
    assert_eq!(
        response.table_version,
        AliasTable::embedded()?.version,
        "table_version is the served table's hash"
    );

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_empty_text_has_no_mentions() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for text in ["", " ", "\n\n", "nothing to see here, just words."] {
        let response = resolve(&mut client, request(text)).await;
        assert!(
            response.mentions.is_empty(),
            "{text:?}: {:?}",
            response.mentions
        );
        assert_eq!(response.normalized_text.as_deref(), Some(text));
    }
    server.stop().await;
    Ok(())
}

/// A paragraph, the (entity id, mention text) pairs it must yield, and the
/// look-alike entities it must never yield.
struct Paragraph {
    name: &'static str,
    text: &'static str,
    present: &'static [(&'static str, &'static str)],
    absent: &'static [&'static str],
}

const PARAGRAPHS: &[Paragraph] = &[
    Paragraph {
        name: "ISI is the Pakistani agency, never the Islamic State; the TTP is not the Afghan Taliban",
        text: "Pakistan's foreign ministry said on Tuesday that fighters of the Tehrik-i-Taliban Pakistan \
               had slipped across from Kunar into Bajaur overnight. The ISI briefed Prime Minister Shehbaz \
               Sharif in Islamabad, while Zabihullah Mujahid, the Taliban spokesman in Kabul, denied that \
               the group operates from Afghan soil. Sharif later chaired a meeting of the security committee.",
        present: &[
            ("pakistan", "Pakistan"),
            ("ttp", "Tehrik-i-Taliban Pakistan"),
            ("kunar", "Kunar"),
            ("bajaur", "Bajaur"),
            ("isi", "ISI"),
            ("shehbaz-sharif", "Shehbaz Sharif"),
            ("islamabad", "Islamabad"),
            ("zabihullah-mujahid", "Zabihullah Mujahid"),
            ("taliban", "Taliban"),
            ("kabul", "Kabul"),
            // The surname alone, after the full name, is the same person.
            ("shehbaz-sharif", "Sharif"),
        ],
        absent: &["islamic-state", "isis-k", "nawaz-sharif", "raheel-sharif", "united-states"],
    },
    Paragraph {
        name: "Tehreek-e-Labbaik is the TLP, not the TTP; 'Is', 'us' and 'let' are English words",
        text: "Supporters of Tehreek-e-Labbaik Pakistan blocked the main highway into Lahore for a third \
               day. The TLP says the sit-in will go on until its demands are met. Police in Punjab said \
               nobody from the TTP was involved. Is the government ready to talk? Two ministers told us \
               they were, and let us know a deal was near.",
        present: &[
            ("tehreek-e-labbaik-pakistan", "Tehreek-e-Labbaik Pakistan"),
            ("lahore", "Lahore"),
            ("tehreek-e-labbaik-pakistan", "TLP"),
            ("punjab", "Punjab"),
            ("ttp", "TTP"),
        ],
        absent: &["islamic-state", "united-states", "lashkar-e-taiba", "tehreek-e-jihad-pakistan"],
    },
    Paragraph {
        name: "BLA is the Balochistan Liberation Army, not a Baloch look-alike; upper-case US is the country",
        text: "A suicide bomber from the Balochistan Liberation Army (BLA) rammed a car into a convoy near \
               Gwadar on Sunday. The BLA said its Majeed Brigade carried out the attack, the third this year \
               on Chinese nationals in Balochistan. The US embassy in Islamabad condemned the bombing, and \
               the United Nations called for restraint.",
        present: &[
            ("bla", "Balochistan Liberation Army"),
            ("bla", "BLA"),
            ("bla", "BLA"),
            ("gwadar", "Gwadar"),
            ("majeed-brigade", "Majeed Brigade"),
            ("balochistan", "Balochistan"),
            ("united-states", "US"),
            ("islamabad", "Islamabad"),
            ("united-nations", "United Nations"),
        ],
        absent: &[
            "balochistan-liberation-front",
            "baloch-republican-army",
            "baloch-nationalist-army",
            "united-baloch-army",
        ],
    },
    Paragraph {
        name: "Daesh is the Khorasan branch, LeJ al-Alami is not LeJ, and 'Tip'/'let' are words",
        text: "Daesh claimed the bombing of a Shia mosque in Kandahar, but officials in Kabul blamed \
               Lashkar-e-Jhangvi al-Alami. Sirajuddin Haqqani, whose Haqqani Network once sheltered \
               al-Qaeda leaders, promised an inquiry. Tip: let investigators finish before drawing \
               conclusions, Haqqani said.",
        present: &[
            ("isis-k", "Daesh"),
            ("kandahar", "Kandahar"),
            ("kabul", "Kabul"),
            ("lashkar-e-jhangvi-al-alami", "Lashkar-e-Jhangvi al-Alami"),
            ("sirajuddin-haqqani", "Sirajuddin Haqqani"),
            ("haqqani-network", "Haqqani Network"),
            ("al-qaeda", "al-Qaeda"),
            ("sirajuddin-haqqani", "Haqqani"),
        ],
        absent: &[
            "islamic-state",
            "lashkar-e-jhangvi",
            "lashkar-e-taiba",
            "etim",
            "jalaluddin-haqqani",
            "anas-haqqani",
        ],
    },
];

fn check_paragraph(paragraph: &Paragraph, response: &ResolveResponse) {
    let name = paragraph.name;
    let mut wanted: HashMap<(&str, &str), usize> = HashMap::new();
    for &pair in paragraph.present {
        *wanted.entry(pair).or_default() += 1;
    }
    for (&(id, text), &count) in &wanted {
        let found = response
            .mentions
            .iter()
            .filter(|m| m.entity_id == id && m.text == text)
            .count();
        assert!(
            found >= count,
            "[{name}] expected {count} mention(s) of {id} as {text:?}, found {found}; got {:#?}",
            response
                .mentions
                .iter()
                .map(|m| (&m.entity_id, &m.text, m.start))
                .collect::<Vec<_>>()
        );
    }
    for &id in paragraph.absent {
        let wrong: Vec<_> = response
            .mentions
            .iter()
            .filter(|m| m.entity_id == id)
            .collect();
        assert!(
            wrong.is_empty(),
            "[{name}] look-alike {id} must not be returned: {wrong:#?}"
        );
    }
}

#[tokio::test]
async fn resolve_news_paragraphs() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for paragraph in PARAGRAPHS {
        let response = resolve(&mut client, request(paragraph.text)).await;
        check_paragraph(paragraph, &response);
    }
    server.stop().await;
    Ok(())
}

/// Short sentences, each proving one look-alike is kept apart.
const LOOK_ALIKES: &[Paragraph] = &[
    Paragraph {
        name: "a one-word name in lower case is a common noun",
        text: "We ate turkey and rice before the talks.",
        present: &[],
        absent: &["turkey"],
    },
    Paragraph {
        name: "Title-case 'Let' is a word, not LeT",
        text: "Let the talks resume, the envoy said.",
        present: &[],
        absent: &["lashkar-e-taiba"],
    },
    Paragraph {
        name: "Title-case 'Tip' is a word, not TIP",
        text: "Tip: check the border crossing first.",
        present: &[],
        absent: &["etim"],
    },
    Paragraph {
        name: "'Is' opening a question is not IS",
        text: "Is it true that the talks failed?",
        present: &[],
        absent: &["islamic-state"],
    },
    Paragraph {
        name: "lower-case 'us' is a pronoun, not the US",
        text: "They told us nothing about the raid.",
        present: &[],
        absent: &["united-states"],
    },
    Paragraph {
        name: "a two-letter acronym matches only as written",
        text: "Nobody asked Us about the US decision.",
        present: &[("united-states", "US")],
        absent: &[],
    },
    Paragraph {
        name: "ISI is the Pakistani agency, not ISIS",
        text: "The ISI denied it.",
        present: &[("isi", "ISI")],
        absent: &["islamic-state", "isis-k"],
    },
    Paragraph {
        name: "a demonym is neither the country nor the Pakistani Taliban",
        text: "Pakistani officials said the raid failed.",
        present: &[],
        absent: &["pakistan", "ttp"],
    },
    Paragraph {
        name: "a weak alias alone is not enough",
        text: "Fighters loyal to Khorasan Province were seen near the border.",
        present: &[],
        absent: &["isis-k"],
    },
    Paragraph {
        name: "the Khorasan Group is not the Khorasan province of IS",
        text: "The Khorasan Group was named in the report.",
        present: &[("khorasan-group", "Khorasan Group")],
        absent: &["isis-k"],
    },
    Paragraph {
        name: "Sipah-e-Sahaba and Sipah-e-Muhammad are rivals, not variants",
        text: "Sipah-e-Sahaba Pakistan and Sipah-e-Muhammad Pakistan clashed in Jhang.",
        present: &[
            ("sipah-e-sahaba-pakistan", "Sipah-e-Sahaba Pakistan"),
            ("sipah-e-muhammad-pakistan", "Sipah-e-Muhammad Pakistan"),
        ],
        absent: &["pakistan"],
    },
    Paragraph {
        name: "title-case acronyms of three letters or more match",
        text: "Isis-K and Nato both issued statements.",
        present: &[("isis-k", "Isis-K"), ("nato", "Nato")],
        absent: &["islamic-state"],
    },
];

/// Acronyms that are not in the table but are defined in the text, as in
/// "Jamaat Ansarullah (JA)": (text, entity, name as written, acronym).
const DEFINED_ACRONYMS: &[(&str, &str, &str, &str)] = &[
    (
        "Fighters of the Jamaat Ansarullah (JA) crossed the river; the JA later retreated.",
        "jamaat-ansarullah",
        "Jamaat Ansarullah",
        "JA",
    ),
    (
        "The Majeed Brigade (MB) said the MB would fight on.",
        "majeed-brigade",
        "Majeed Brigade",
        "MB",
    ),
];

/// Regression: up to 758200e every acronym defined in the document and not in
/// the table made the resolver panic in `resolve::emit` ("begin > end (22 >
/// 20) when slicing ..."), the defined acronym being emitted twice with the
/// same span. Resolve then failed with CANCELLED "h2 protocol error" and
/// ResolveBatch with INTERNAL "batch worker failed". Fixed in 6c78bdc.
#[tokio::test]
async fn resolve_links_acronyms_defined_in_the_document() -> TestResult {
    let server = TestServer::start().await?;
    let mut failures = Vec::new();
    for &(text, id, name, acronym) in DEFINED_ACRONYMS {
        // A fresh client per case, so one broken connection cannot hide the next case.
        let mut client = server.client();
        let batch = client
            .resolve_batch(ResolveBatchRequest {
                documents: vec![request(text)],
            })
            .await;
        if let Err(status) = &batch {
            failures.push(format!(
                "ResolveBatch {text:?}: {:?} {:?}",
                status.code(),
                status.message()
            ));
        }
        let response = match client.resolve(request(text)).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                failures.push(format!(
                    "Resolve {text:?}: {:?} {:?}",
                    status.code(),
                    status.message()
                ));
                continue;
            }
        };
        let batch = batch?.into_inner().results;
        assert_eq!(
            batch,
            std::slice::from_ref(&response),
            "batch and unary differ"
        );
        check_invariants(text, &response);
        let defined = response
            .mentions
            .iter()
            .find(|m| m.text == name)
            .unwrap_or_else(|| panic!("{name} not found in {text:?}"));
        assert_eq!(defined.entity_id, id);
        // The later use of the acronym refers back to the definition.
        let later = text.rfind(acronym).expect("acronym in text") as u32;
        let use_ = response
            .mentions
            .iter()
            .find(|m| m.start == later)
            .unwrap_or_else(|| {
                panic!("{acronym} at {later} not resolved in {text:?}: {response:#?}")
            });
        assert_eq!(use_.text, acronym);
        assert_eq!(use_.entity_id, id);
        assert_eq!(use_.match_kind(), MatchKind::DocumentAcronym);
        assert_eq!(use_.matched_alias, name, "the definition it refers to");
        assert!(use_.score < defined.score);
    }
    // Whatever happened above, the server still answers.
    let mut client = server.client();
    let after = resolve(&mut client, request("Torkham")).await;
    assert_eq!(ids(&after), ["torkham"]);
    server.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}

/// ResolveStream promises exactly one response per request document, a failed
/// document answering with its own `error`. Regression: up to 758200e the
/// document below made the resolver panic, which killed the stream's worker
/// task; its sender was dropped and the stream ended early with status OK,
/// every later document silently lost. That panic is fixed (6c78bdc), but the
/// worker task still does not catch one, so any future panic in `resolve_one`
/// would truncate a stream the same way.
#[tokio::test]
async fn resolve_stream_survives_a_document_that_breaks_the_resolver() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let texts = ["Torkham", DEFINED_ACRONYMS[0].0, "Kurram", "Chaman"];
    let requests: Vec<ResolveStreamRequest> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: format!("s-{i}"),
                text: text.to_string(),
                options: None,
            }),
        })
        .collect();
    let mut inbound = client
        .resolve_stream(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let mut replies = Vec::new();
    let ended = loop {
        match inbound.message().await {
            Ok(Some(reply)) => replies.push(reply),
            Ok(None) => break Ok(()),
            Err(status) => break Err(status),
        }
    };
    let got: Vec<&str> = replies.iter().map(|r| r.id.as_str()).collect();
    server.stop().await;
    assert_eq!(
        got,
        ["s-0", "s-1", "s-2", "s-3"],
        "one response per document (stream ended with {ended:?})"
    );
    for (reply, want) in replies
        .iter()
        .zip([Some("torkham"), None, Some("kurram"), Some("chaman")])
    {
        if let Some(want) = want {
            assert!(
                matches!(&reply.outcome, Some(Outcome::Result(r)) if ids(r) == [want]),
                "{reply:?}"
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn resolve_keeps_look_alikes_apart() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in LOOK_ALIKES {
        let response = resolve(&mut client, request(case.text)).await;
        check_paragraph(case, &response);
        if case.present.is_empty() {
            assert!(
                response.mentions.is_empty(),
                "[{}] {:#?}",
                case.name,
                response.mentions
            );
        }
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_answers_concurrent_requests_independently() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let mut expected = Vec::new();
    for paragraph in PARAGRAPHS {
        expected.push(resolve(&mut client, request(paragraph.text)).await);
    }
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let mut client = client.clone();
            tokio::spawn(async move {
                let text = PARAGRAPHS[i % PARAGRAPHS.len()].text;
                let response = client
                    .resolve(ResolveRequest {
                        id: format!("concurrent-{i}"),
                        text: text.into(),
                        options: None,
                    })
                    .await;
                (i, response)
            })
        })
        .collect();
    for task in tasks {
        let (i, response) = task.await?;
        let response = response?.into_inner();
        let want = ResolveResponse {
            id: format!("concurrent-{i}"),
            ..expected[i % PARAGRAPHS.len()].clone()
        };
        assert_eq!(response, want, "request {i}");
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_reports_offsets_in_bytes_chars_and_utf16() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    // A curly apostrophe (3 bytes, 1 char, 1 UTF-16 unit), a flag (two regional
    // indicators: 8 bytes, 2 chars, 4 units), a ZWJ family emoji, a diacritic
    // and Urdu script (2 bytes per letter) before and around mentions.
    let text = "Pakistan’s army said 🇵🇰 TTP fighters regrouped in Kurram; 👩‍👩‍👧 families fled to \
                Parachinar. Kābul’s envoy met Amir Khan Muttaqi, and the Urdu press wrote \
                تحریک طالبان پاکستان.";
    assert!(text.len() > text.chars().count() && text.chars().count() > 0);
    assert_ne!(text.chars().count(), text.encode_utf16().count());

    let response = resolve(&mut client, request(text)).await;
    // (entity id, the mention as written, its match kind)
    let want: &[(&str, &str, MatchKind)] = &[
        ("pakistan", "Pakistan", MatchKind::Exact),
        ("ttp", "TTP", MatchKind::Acronym),
        ("kurram", "Kurram", MatchKind::Exact),
        ("parachinar", "Parachinar", MatchKind::Exact),
        ("kabul", "Kābul", MatchKind::Normalized),
        ("amir-khan-muttaqi", "Amir Khan Muttaqi", MatchKind::Exact),
        ("ttp", "تحریک طالبان پاکستان", MatchKind::NativeScript),
    ];
    assert_eq!(
        response
            .mentions
            .iter()
            .map(|m| (m.entity_id.as_str(), m.text.as_str()))
            .collect::<Vec<_>>(),
        want.iter().map(|&(id, t, _)| (id, t)).collect::<Vec<_>>()
    );
    for (m, &(id, written, kind)) in response.mentions.iter().zip(want) {
        // Each needle occurs once in the text, so its position is known.
        let start = text.find(written).expect("needle in text");
        let end = start + written.len();
        assert_eq!((m.start, m.end), (start as u32, end as u32), "{id}: bytes");
        let chars = (char_offset(text, start), char_offset(text, end));
        assert_eq!((m.char_start, m.char_end), chars, "{id}: chars");
        let units = (utf16_offset(text, start), utf16_offset(text, end));
        assert_eq!((m.utf16_start, m.utf16_end), units, "{id}: utf16");
        assert_eq!(m.match_kind(), kind, "{id}: match kind");
    }
    // Spot-check the helpers against values worked out by hand: "Kurram"
    // follows 3 extra bytes for ’ and 8 for the flag, which are 2 chars and
    // 4 UTF-16 units.
    let kurram = &response.mentions[2];
    assert_eq!(kurram.start - kurram.char_start, 2 + 6);
    assert_eq!(kurram.utf16_start - kurram.char_start, 2);
    let normalized = response.normalized_text.unwrap_or_default();
    assert!(normalized.contains("🇵🇰 Tehrik-i-Taliban Pakistan fighters"));
    assert!(normalized.contains("Kabul’s envoy"));
    server.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

#[tokio::test]
async fn resolve_options_filter_mentions() -> TestResult {
    const REFERENCE: &str = "ISKP and the TTP clashed near Torkham.";
    const FUZZY: &str = "Taliban spokesman Zabiullah Mujahed said the talks in Khost had ended.";
    const EMIRATE: &str =
        "The Islamic Emirate of Afghanistan denied that Shehbaz Sharif had called.";
    struct Case {
        name: &'static str,
        text: &'static str,
        options: ResolveOptions,
        want: &'static [&'static str],
    }
    let cases = [
        Case {
            name: "defaults keep everything",
            text: REFERENCE,
            options: ResolveOptions::default(),
            want: &["isis-k", "ttp", "torkham"],
        },
        Case {
            name: "min_score equal to the acronym score keeps it (below, not at, is dropped)",
            text: REFERENCE,
            options: min_score(0.93),
            want: &["isis-k", "ttp", "torkham"],
        },
        Case {
            name: "min_score 0.95 drops acronyms scoring 0.93",
            text: REFERENCE,
            options: min_score(0.95),
            want: &["torkham"],
        },
        Case {
            name: "min_score 1 drops everything short of certainty",
            text: REFERENCE,
            options: min_score(1.0),
            want: &[],
        },
        Case {
            name: "a misspelt name is found by fuzzy matching",
            text: FUZZY,
            options: ResolveOptions::default(),
            want: &["taliban", "zabihullah-mujahid", "khost"],
        },
        Case {
            name: "disable_fuzzy drops the misspelt name",
            text: FUZZY,
            options: ResolveOptions {
                disable_fuzzy: true,
                ..Default::default()
            },
            want: &["taliban", "khost"],
        },
        Case {
            name: "locations only",
            text: REFERENCE,
            options: types_filter(&[LOCATION]),
            want: &["torkham"],
        },
        Case {
            name: "organizations only",
            text: REFERENCE,
            options: types_filter(&[ORG]),
            want: &["isis-k", "ttp"],
        },
        Case {
            name: "persons only, none in the text",
            text: REFERENCE,
            options: types_filter(&[PERSON]),
            want: &[],
        },
        Case {
            name: "two types",
            text: REFERENCE,
            options: types_filter(&[PERSON, LOCATION]),
            want: &["torkham"],
        },
        Case {
            name:
                "the type filter does not let Afghanistan out of the Islamic Emirate of Afghanistan",
            text: EMIRATE,
            options: types_filter(&[LOCATION, PERSON]),
            want: &["shehbaz-sharif"],
        },
        Case {
            name: "filters combine",
            text: FUZZY,
            options: ResolveOptions {
                min_score: 0.5,
                disable_fuzzy: false,
                entity_types: vec![PERSON],
                ..Default::default()
            },
            want: &["zabihullah-mujahid"],
        },
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in cases {
        let options = case.options.clone();
        let response = resolve(&mut client, request_with(case.text, case.options)).await;
        assert_eq!(ids(&response), case.want, "{}", case.name);
        for m in &response.mentions {
            assert!(
                m.score >= options.min_score,
                "{}: {m:?} under min_score",
                case.name
            );
            if !options.entity_types.is_empty() {
                assert!(
                    options.entity_types.contains(&m.r#type),
                    "{}: {m:?} not of a wanted type",
                    case.name
                );
            }
            if options.disable_fuzzy {
                assert_ne!(m.match_kind(), MatchKind::Fuzzy, "{}", case.name);
            }
        }
    }
    // The fuzzy match is reported as such.
    let fuzzy = resolve(&mut client, request(FUZZY)).await;
    let zabihullah = &fuzzy.mentions[1];
    assert_eq!(zabihullah.text, "Zabiullah Mujahed");
    assert_eq!(zabihullah.match_kind(), MatchKind::Fuzzy);
    assert_eq!(zabihullah.canonical_name, "Zabihullah Mujahid");
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_rejects_invalid_options_naming_the_field() -> TestResult {
    let cases: Vec<(&str, ResolveOptions, &[&str])> = vec![
        (
            "min_score above 1",
            min_score(2.0),
            &["options.min_score", "2"],
        ),
        (
            "min_score negative",
            min_score(-0.1),
            &["options.min_score"],
        ),
        ("min_score NaN", min_score(f32::NAN), &["options.min_score"]),
        (
            "min_score infinite",
            min_score(f32::INFINITY),
            &["options.min_score"],
        ),
        (
            "unknown entity type",
            types_filter(&[99]),
            &["options.entity_types[0]", "99"],
        ),
        (
            "negative entity type",
            types_filter(&[-1]),
            &["options.entity_types[0]"],
        ),
        (
            "unknown entity type after a good one",
            types_filter(&[ORG, 99]),
            &["options.entity_types[1]"],
        ),
        (
            "ENTITY_TYPE_UNSPECIFIED is not a filter",
            types_filter(&[EntityType::Unspecified as i32]),
            &["options.entity_types[0]"],
        ),
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for (name, options, needles) in cases {
        let result = client
            .resolve(request_with(
                "ISKP and the TTP clashed near Torkham.",
                options,
            ))
            .await;
        assert_status(result, Code::InvalidArgument, needles, name);
    }
    server.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

#[tokio::test]
async fn text_over_the_limit_is_resource_exhausted() -> TestResult {
    let server = TestServer::with_limits(Limits {
        max_text_bytes: 100,
        ..Limits::default()
    })
    .await?;
    let mut client = server.client();

    // At the limit: fine.
    let at_limit = format!(
        "ISKP near Torkham.{}",
        " ".repeat(100 - "ISKP near Torkham.".len())
    );
    assert_eq!(at_limit.len(), 100);
    let response = resolve(&mut client, request(&at_limit)).await;
    assert_eq!(ids(&response), ["isis-k", "torkham"]);

    // One byte over, and a text of only 34 chars that is 136 bytes: the limit
    // counts bytes.
    let over = "a".repeat(101);
    let emoji = "🇵🇰".repeat(17);
    assert!(emoji.chars().count() < 100 && emoji.len() > 100);
    for (name, text) in [
        ("101 ASCII bytes", over.as_str()),
        ("136 bytes in 34 chars", emoji.as_str()),
    ] {
        let result = client.resolve(request(text)).await;
        let actual = text.len().to_string();
        assert_status(
            result,
            Code::ResourceExhausted,
            &["100", actual.as_str()],
            name,
        );
    }

    // In a batch, only that document fails, named, as on a stream.
    let response = client
        .resolve_batch(ResolveBatchRequest {
            documents: vec![request("Torkham"), request(&over)],
        })
        .await?
        .into_inner();
    assert_one_document_failed(
        &response,
        1,
        Code::ResourceExhausted,
        &["documents[1]", "100"],
        "batch",
    );
    assert_eq!(ids(&response.results[0]), ["torkham"]);

    // On a stream, only that document fails, with the unary code.
    let outbound =
        tokio_stream::iter(
            ["Torkham", over.as_str(), "Kurram"].map(|text| ResolveStreamRequest {
                document: Some(request(text)),
            }),
        );
    let mut inbound = client.resolve_stream(outbound).await?.into_inner();
    let mut outcomes = Vec::new();
    while let Some(reply) = inbound.message().await? {
        outcomes.push(reply.outcome);
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(
        matches!(&outcomes[0], Some(Outcome::Result(r)) if ids(r) == ["torkham"]),
        "{:?}",
        outcomes[0]
    );
    match &outcomes[1] {
        Some(Outcome::Error(error)) => {
            assert_eq!(error.code, Code::ResourceExhausted as i32, "{error:?}");
            assert!(error.message.contains("100"), "{error:?}");
        }
        other => panic!("the oversized stream document should fail: {other:?}"),
    }
    assert!(
        matches!(&outcomes[2], Some(Outcome::Result(r)) if ids(r) == ["kurram"]),
        "{:?}",
        outcomes[2]
    );

    server.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------
// ResolveBatch
// ---------------------------------------------------------------------------

#[tokio::test]
async fn resolve_batch_keeps_order_and_echoes_ids() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();

    let mut documents: Vec<ResolveRequest> = PARAGRAPHS
        .iter()
        .enumerate()
        .map(|(i, p)| ResolveRequest {
            id: format!("paragraph-{i}"),
            text: p.text.to_string(),
            options: None,
        })
        .collect();
    documents.insert(
        2,
        ResolveRequest {
            id: "reference".into(),
            text: "ISKP and the TTP clashed near Torkham.".into(),
            options: Some(min_score(0.95)),
        },
    );
    documents.push(ResolveRequest {
        id: "empty".into(),
        text: String::new(),
        options: None,
    });

    let results = client
        .resolve_batch(ResolveBatchRequest {
            documents: documents.clone(),
        })
        .await?
        .into_inner()
        .results;
    assert_eq!(results.len(), documents.len());
    for (document, result) in documents.iter().zip(&results) {
        assert_eq!(result.id, document.id, "results out of order");
        check_invariants(&document.text, result);
        // A batch answers exactly what Resolve answers for each document.
        let alone = resolve(&mut client, document.clone()).await;
        assert_eq!(result, &alone, "batch and unary differ for {}", document.id);
    }
    assert_eq!(ids(&results[2]), ["torkham"], "options apply per document");
    assert!(results.last().is_some_and(|r| r.mentions.is_empty()));
    let paragraphs: Vec<_> = results
        .iter()
        .filter(|r| r.id.starts_with("paragraph-"))
        .collect();
    for (paragraph, result) in PARAGRAPHS.iter().zip(paragraphs) {
        check_paragraph(paragraph, result);
    }

    // An empty batch is an empty answer.
    let empty = client
        .resolve_batch(ResolveBatchRequest { documents: vec![] })
        .await?;
    assert!(empty.into_inner().results.is_empty());

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_batch_limits_and_errors() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let max = Limits::default().max_batch_documents;
    let batch = |n: usize| ResolveBatchRequest {
        documents: (0..n)
            .map(|i| ResolveRequest {
                id: i.to_string(),
                text: "Torkham".into(),
                options: None,
            })
            .collect(),
    };

    let full = client.resolve_batch(batch(max)).await?.into_inner().results;
    assert_eq!(full.len(), max);
    assert!(full
        .iter()
        .enumerate()
        .all(|(i, r)| r.id == i.to_string() && ids(r) == ["torkham"]));

    let too_many = client.resolve_batch(batch(max + 1)).await;
    let (over, limit) = ((max + 1).to_string(), max.to_string());
    assert_status(
        too_many,
        Code::ResourceExhausted,
        &[&over, &limit],
        "one document too many",
    );

    let invalid_cases: Vec<(&str, usize, ResolveOptions, &[&str])> = vec![
        (
            "bad min_score",
            2,
            min_score(2.0),
            &["documents[2].options.min_score"],
        ),
        (
            "bad type",
            0,
            types_filter(&[99]),
            &["documents[0].options.entity_types[0]"],
        ),
        (
            "unspecified type",
            4,
            types_filter(&[EntityType::Unspecified as i32]),
            &["documents[4].options.entity_types[0]"],
        ),
    ];
    for (name, at, options, needles) in invalid_cases {
        let mut request = batch(5);
        request.documents[at].options = Some(options);
        let response = client.resolve_batch(request).await?.into_inner();
        assert_one_document_failed(&response, at as u32, Code::InvalidArgument, needles, name);
        assert_eq!(response.results.len(), 5, "{name}: one entry per document");
    }

    server.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------
// ResolveStream
// ---------------------------------------------------------------------------

#[tokio::test]
async fn resolve_stream_answers_each_document_in_order() -> TestResult {
    const DOCUMENTS: usize = 200;
    const BAD: usize = 117;
    let server = TestServer::start().await?;
    let mut client = server.client();

    let texts: Vec<&str> = PARAGRAPHS
        .iter()
        .map(|p| p.text)
        .chain(["ISKP and the TTP clashed near Torkham.", ""])
        .collect();
    let mut expected = Vec::new();
    for text in &texts {
        expected.push(resolve(&mut client, request(text)).await);
    }

    let requests: Vec<ResolveStreamRequest> = (0..DOCUMENTS)
        .map(|i| ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: format!("doc-{i:03}"),
                text: texts[i % texts.len()].to_string(),
                options: (i == BAD).then(|| min_score(5.0)),
            }),
        })
        .collect();
    let mut inbound = client
        .resolve_stream(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let mut replies = Vec::new();
    while let Some(reply) = inbound.message().await? {
        replies.push(reply);
    }

    assert_eq!(replies.len(), DOCUMENTS, "one response per request");
    for (i, reply) in replies.iter().enumerate() {
        let id = format!("doc-{i:03}");
        assert_eq!(reply.id, id, "responses out of order");
        match (&reply.outcome, i == BAD) {
            (Some(Outcome::Error(error)), true) => {
                assert_eq!(error.code, Code::InvalidArgument as i32, "{error:?}");
                assert!(error.message.contains("options.min_score"), "{error:?}");
            }
            (Some(Outcome::Result(result)), false) => {
                assert_eq!(result.id, id);
                let text = texts[i % texts.len()];
                check_invariants(text, result);
                let want = ResolveResponse {
                    id: id.clone(),
                    ..expected[i % texts.len()].clone()
                };
                assert_eq!(result, &want, "stream and unary differ for {id}");
            }
            (outcome, bad) => panic!("{id} (bad: {bad}): unexpected outcome {outcome:?}"),
        }
    }

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_batch_refuses_too_many_bytes_naming_the_limit() -> TestResult {
    let limits = Limits {
        max_batch_bytes: 1000,
        ..Limits::default()
    };
    let server = TestServer::with_limits(limits).await?;
    let mut client = server.client();
    let batch = |sizes: &[usize]| ResolveBatchRequest {
        documents: sizes
            .iter()
            .map(|&n| ResolveRequest {
                id: n.to_string(),
                text: "x".repeat(n),
                options: None,
            })
            .collect(),
    };
    let at_limit = client.resolve_batch(batch(&[500, 500])).await?.into_inner();
    assert_eq!(at_limit.results.len(), 2, "exactly the limit is allowed");
    let over = client.resolve_batch(batch(&[500, 400, 101])).await;
    assert_status(
        over,
        Code::ResourceExhausted,
        &["bytes of text in one ResolveBatch call", "1001", "1000"],
        "one byte over the batch limit",
    );
    server.stop().await;
    Ok(())
}

/// `count` requests numbered from 0, counting how many the transport has taken.
fn counted_requests(
    count: usize,
    taken: Arc<AtomicUsize>,
    text: &'static str,
) -> impl tokio_stream::Stream<Item = ResolveStreamRequest> {
    use tokio_stream::StreamExt;
    tokio_stream::iter(0..count).map(move |i| {
        taken.fetch_add(1, Ordering::SeqCst);
        ResolveStreamRequest {
            document: Some(ResolveRequest {
                id: i.to_string(),
                text: text.to_string(),
                options: None,
            }),
        }
    })
}

/// Waits until `value` stops changing for half a second (at most 20 s) and
/// returns where it settled.
async fn settled(value: impl Fn() -> usize) -> usize {
    let mut last = value();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = value();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("still changing after 20 s: {last}");
}

#[tokio::test]
async fn resolve_stream_holds_a_producer_that_outruns_its_reader() -> TestResult {
    const DOCUMENTS: usize = 40_000;
    let server = TestServer::start().await?;
    let mut client = server.client();
    let taken = Arc::new(AtomicUsize::new(0));
    // A fast producer; the client reads nothing at first.
    let text =
        "Torkham was closed again on Tuesday, traders said, and the queue of lorries grew longer.";
    let requests = counted_requests(DOCUMENTS, taken.clone(), text);
    let mut inbound = client.resolve_stream(requests).await?.into_inner();
    let stalled_at = settled(|| taken.load(Ordering::SeqCst)).await;
    // What is in flight is bounded by the HTTP/2 flow-control windows (about
    // 1 MiB each way) and the server's window of documents, not by the input.
    let held_bytes = stalled_at * text.len();
    eprintln!("the producer stalled after {stalled_at} documents ({held_bytes} bytes of text)");
    assert!(
        held_bytes < 4 << 20 && stalled_at < DOCUMENTS,
        "the server kept reading a stream nobody answers: {stalled_at} documents"
    );
    // Reading lets the producer go on; every answer comes, in order.
    for i in 0..DOCUMENTS {
        let reply = inbound.message().await?.expect("the stream goes on");
        assert_eq!(reply.id, i.to_string(), "responses out of order");
    }
    assert!(inbound.message().await?.is_none(), "one answer per request");
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn resolve_stream_of_a_client_that_vanishes_frees_its_work() -> TestResult {
    let server = TestServer::start().await?;
    let activity = server.activity.clone();
    let taken = Arc::new(AtomicUsize::new(0));
    let long_text: &'static str = "The TTP attacked near Torkham; Kabul denied it. "
        .repeat(400)
        .leak();
    // The client lives on a runtime of its own, so the test can kill it the
    // way a crashed client process goes: its connection closes mid-stream.
    let client_process = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (first, first_answer) = oneshot::channel();
    let url = format!("http://{}", server.addr);
    let requests = counted_requests(usize::MAX, taken.clone(), long_text);
    client_process.spawn(async move {
        let mut client = EntityResolverServiceClient::connect(url).await?;
        let mut inbound = client.resolve_stream(requests).await?.into_inner();
        let _ = first.send(inbound.message().await?.map(|reply| reply.id));
        std::future::pending::<()>().await;
        Ok::<(), BoxError>(())
    });
    assert_eq!(first_answer.await?, Some("0".to_string()));
    assert_eq!(activity.open_streams(), 1, "the stream is being served");
    client_process.shutdown_background();
    let left = settled(|| activity.open_streams() + activity.stream_documents()).await;
    assert_eq!(left, 0, "the stream of a vanished client still holds work");
    let after = taken.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(taken.load(Ordering::SeqCst), after, "requests still read");
    server.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------
// Lookup
// ---------------------------------------------------------------------------

#[tokio::test]
async fn lookup_ranks_candidates() -> TestResult {
    struct Case {
        name: &'static str,
        limit: u32,
        types: &'static [i32],
        first: Option<(&'static str, MatchKind)>,
    }
    let cases = [
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[],
            first: Some(("aslam-farooqi", MatchKind::Fuzzy)),
        },
        Case {
            name: "Aslam Farooqi",
            limit: 0,
            types: &[],
            first: Some(("aslam-farooqi", MatchKind::Exact)),
        },
        Case {
            name: "ISI",
            limit: 0,
            types: &[],
            first: Some(("isi", MatchKind::Acronym)),
        },
        Case {
            name: "  Torkham  ",
            limit: 1,
            types: &[],
            first: Some(("torkham", MatchKind::Exact)),
        },
        Case {
            name: "Tehreek-e-Labbaik Pakistan",
            limit: 5,
            types: &[],
            first: Some(("tehreek-e-labbaik-pakistan", MatchKind::Exact)),
        },
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[PERSON],
            first: Some(("aslam-farooqi", MatchKind::Fuzzy)),
        },
        Case {
            name: "Aslam Faroqqi",
            limit: 0,
            types: &[LOCATION, ORG],
            first: None,
        },
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    for case in cases {
        let response = client
            .lookup(LookupRequest {
                name: case.name.into(),
                limit: case.limit,
                entity_types: case.types.to_vec(),
            })
            .await?
            .into_inner();
        let label = format!(
            "{:?} limit {} types {:?}",
            case.name, case.limit, case.types
        );
        assert!(!response.table_version.is_empty(), "{label}");
        match case.first {
            None => assert!(
                response.candidates.is_empty(),
                "{label}: {:?}",
                response.candidates
            ),
            Some((id, kind)) => {
                let first = response
                    .candidates
                    .first()
                    .unwrap_or_else(|| panic!("{label}: no candidate"));
                let entity = first.entity.as_ref().expect("candidate carries its entity");
                assert_eq!(entity.id, id, "{label}: {:?}", response.candidates);
                assert_eq!(first.match_kind(), kind, "{label}");
                assert!(first.score > 0.0 && first.score <= 1.0, "{label}");
                assert!(
                    !first.matched_alias.is_empty() && !first.explanation.is_empty(),
                    "{label}"
                );
            }
        }
        let limit = if case.limit == 0 {
            10
        } else {
            case.limit as usize
        };
        assert!(response.candidates.len() <= limit, "{label}");
        for candidate in &response.candidates {
            let entity = candidate.entity.as_ref().expect("entity");
            if !case.types.is_empty() {
                assert!(case.types.contains(&entity.r#type), "{label}: {entity:?}");
            }
        }
        assert!(
            response
                .candidates
                .windows(2)
                .all(|w| w[0].score >= w[1].score),
            "{label}: not best first"
        );
    }
    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn lookup_respects_limit() -> TestResult {
    // "Abdul" is the first word of many people's names: more than ten candidates.
    let server = TestServer::start().await?;
    let mut client = server.client();
    let lookup = |limit: u32| {
        let mut client = client.clone();
        async move {
            client
                .lookup(LookupRequest {
                    name: "Abdul".into(),
                    limit,
                    entity_types: vec![],
                })
                .await
                .map(|r| r.into_inner().candidates)
        }
    };
    let all = lookup(100).await?;
    assert!(
        all.len() > 10,
        "the test needs a name with many candidates, got {}",
        all.len()
    );
    for (limit, want) in [(1, 1), (3, 3), (0, 10), (10, 10), (100, all.len())] {
        let got = lookup(limit).await?;
        assert_eq!(got.len(), want, "limit {limit}");
        assert_eq!(
            got[..],
            all[..want],
            "limit {limit} is a prefix of the full ranking"
        );
    }
    let cases: Vec<(&str, u32, Vec<i32>, &[&str])> = vec![
        ("", 0, vec![], &["name"]),
        ("   ", 0, vec![], &["name"]),
        ("?!", 0, vec![], &["name"]),
        ("ISI", 101, vec![], &["limit", "101"]),
        ("ISI", 0, vec![99], &["entity_types[0]"]),
        (
            "ISI",
            0,
            vec![EntityType::Unspecified as i32],
            &["entity_types[0]"],
        ),
    ];
    for (name, limit, entity_types, needles) in cases {
        let result = client
            .lookup(LookupRequest {
                name: name.into(),
                limit,
                entity_types,
            })
            .await;
        assert_status(
            result,
            Code::InvalidArgument,
            needles,
            &format!("lookup {name:?} limit {limit}"),
        );
    }
    server.stop().await;
    Ok(())
}

/// One word of a person's full name, wherever it stands ("Akram", not only
/// "Munir"), is offered as a low-ranked candidate. Regression test: only the
/// first word used to work.
#[tokio::test]
async fn lookup_finds_a_person_by_one_word_of_the_name() -> TestResult {
    let cases = [
        ("Munir", "munir-akram"),
        ("Akram", "munir-akram"),
        ("Pashteen", "manzoor-pashteen"),
        ("Muttaqi", "amir-khan-muttaqi"),
    ];
    let server = TestServer::start().await?;
    let mut client = server.client();
    let mut failures = Vec::new();
    for (name, id) in cases {
        let candidates = client
            .lookup(LookupRequest {
                name: name.into(),
                limit: 100,
                entity_types: vec![],
            })
            .await?
            .into_inner()
            .candidates;
        let found = candidates
            .iter()
            .find(|c| c.entity.as_ref().is_some_and(|e| e.id == id));
        match found {
            Some(c) => assert_eq!(c.match_kind(), MatchKind::PartialName, "{name}"),
            None => failures.push(format!("{name:?} does not find {id}")),
        }
    }
    server.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}

// ---------------------------------------------------------------------------
// GetEntity and ListEntities
// ---------------------------------------------------------------------------

fn proto_type(name: &str) -> i32 {
    match name {
        "organization" => ORG,
        "person" => PERSON,
        "location" => LOCATION,
        "event" => EntityType::Event as i32,
        "other" => EntityType::Other as i32,
        other => panic!("unknown type {other:?} in the alias table"),
    }
}

#[tokio::test]
async fn get_entity() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();

    let ttp = client
        .get_entity(GetEntityRequest { id: "ttp".into() })
        .await?
        .into_inner()
        .entity
        .expect("entity set");
    assert_eq!(ttp.id, "ttp");
    assert_eq!(ttp.canonical_name, "Tehrik-i-Taliban Pakistan");
    assert_eq!(ttp.r#type(), EntityType::Organization);
    assert_eq!(ttp.acronyms, ["TTP"]);
    for alias in ["Tehrik-e-Taliban Pakistan", "Pakistani Taliban"] {
        assert!(
            ttp.aliases.iter().any(|a| a == alias),
            "{alias} missing from {:?}",
            ttp.aliases
        );
    }
    assert!(!ttp.native_names.is_empty() && !ttp.tags.is_empty());

    // Every field is the record of the alias table.
    let table = AliasTable::embedded()?;
    let (_, record, _) = table
        .entities
        .iter()
        .find(|(_, r, _)| r.id == "ttp")
        .expect("ttp in table");
    assert_eq!(ttp.aliases, record.aliases);
    assert_eq!(ttp.native_names, record.native);
    assert_eq!(ttp.tags, record.tags);
    assert_eq!(ttp.notes, record.notes);
    assert_eq!(
        ttp.external_ids,
        record
            .external_ids
            .clone()
            .into_iter()
            .collect::<HashMap<_, _>>()
    );

    let isis_k = client
        .get_entity(GetEntityRequest {
            id: "isis-k".into(),
        })
        .await?
        .into_inner()
        .entity
        .expect("entity set");
    assert_eq!(isis_k.canonical_name, "Islamic State Khorasan Province");
    assert!(isis_k.acronyms.iter().any(|a| a == "ISKP"));

    let cases: [(&str, Code, &[&str]); 4] = [
        ("no-such-entity", Code::NotFound, &["no-such-entity"]),
        ("TTP", Code::NotFound, &["TTP"]),
        ("ttp ", Code::NotFound, &[]),
        ("", Code::InvalidArgument, &["id"]),
    ];
    for (id, code, needles) in cases {
        let result = client.get_entity(GetEntityRequest { id: id.into() }).await;
        assert_status(result, code, needles, &format!("GetEntity({id:?})"));
    }
    server.stop().await;
    Ok(())
}

/// Pages through ListEntities, checking each page, and returns every entity.
async fn list_all(
    client: &mut Client,
    page_size: u32,
    r#type: i32,
) -> Result<Vec<proto::Entity>, BoxError> {
    let mut all = Vec::new();
    let mut token = String::new();
    let mut total = None;
    for _ in 0..10_000 {
        let page = client
            .list_entities(ListEntitiesRequest {
                page_size,
                page_token: token.clone(),
                r#type,
            })
            .await?
            .into_inner();
        let size = if page_size == 0 {
            100
        } else {
            page_size as usize
        };
        assert!(page.entities.len() <= size, "page over page_size");
        if !page.next_page_token.is_empty() {
            assert_eq!(page.entities.len(), size, "only the last page may be short");
        }
        assert_eq!(
            *total.get_or_insert(page.total_size),
            page.total_size,
            "total_size changed between pages"
        );
        all.extend(page.entities);
        if page.next_page_token.is_empty() {
            assert_eq!(
                all.len(),
                page.total_size as usize,
                "total_size is the number listed"
            );
            return Ok(all);
        }
        assert_ne!(
            page.next_page_token, token,
            "the page token did not advance"
        );
        token = page.next_page_token;
    }
    panic!("ListEntities never reached the last page");
}

#[tokio::test]
async fn list_entities_pages_through_the_table() -> TestResult {
    let table = AliasTable::embedded()?;
    let mut table_ids: Vec<&str> = table
        .entities
        .iter()
        .map(|(_, r, _)| r.id.as_str())
        .collect();
    table_ids.sort_unstable();
    let table_types: HashMap<&str, i32> = table
        .entities
        .iter()
        .map(|(_, r, _)| (r.id.as_str(), proto_type(&r.type_name)))
        .collect();

    let server = TestServer::start().await?;
    let mut client = server.client();

    let all = list_all(&mut client, 50, 0).await?;
    let listed: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert!(listed.len() > 50, "the table should span several pages");
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>().len(),
        listed.len(),
        "duplicate ids"
    );
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "not sorted by id");
    assert_eq!(listed, table_ids, "the listing is not the alias table");

    // Other page sizes see the same listing.
    for page_size in [0, 1000, 7] {
        let again = list_all(&mut client, page_size, 0).await?;
        assert_eq!(again, all, "page_size {page_size}");
    }

    // A listed entity is what GetEntity returns.
    for i in [0, all.len() / 2, all.len() - 1] {
        let got = client
            .get_entity(GetEntityRequest {
                id: all[i].id.clone(),
            })
            .await?
            .into_inner()
            .entity;
        assert_eq!(got.as_ref(), Some(&all[i]));
    }

    // Type filters return exactly the entities of that type.
    for (name, r#type) in [
        ("organization", ORG),
        ("person", PERSON),
        ("location", LOCATION),
    ] {
        let entities = list_all(&mut client, 50, r#type).await?;
        assert!(!entities.is_empty(), "{name}");
        assert!(
            entities.iter().all(|e| e.r#type == r#type),
            "{name}: wrong type listed"
        );
        let want: Vec<&str> = table_ids
            .iter()
            .copied()
            .filter(|id| table_types[id] == r#type)
            .collect();
        let got: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(got, want, "{name}");
    }

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn list_entities_rejects_bad_requests() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let cases: [(&str, ListEntitiesRequest, &[&str]); 6] = [
        (
            "token that is not hex",
            ListEntitiesRequest {
                page_token: "zz".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "token of odd length",
            ListEntitiesRequest {
                page_token: "abc".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "token that is not UTF-8",
            ListEntitiesRequest {
                page_token: "ff".into(),
                ..Default::default()
            },
            &["page_token"],
        ),
        (
            "page_size 5000",
            ListEntitiesRequest {
                page_size: 5000,
                ..Default::default()
            },
            &["page_size", "5000"],
        ),
        (
            "page_size 1001",
            ListEntitiesRequest {
                page_size: 1001,
                ..Default::default()
            },
            &["page_size"],
        ),
        (
            "unknown type",
            ListEntitiesRequest {
                r#type: 99,
                ..Default::default()
            },
            &["type", "99"],
        ),
    ];
    for (name, request, needles) in cases {
        let result = client.list_entities(request).await;
        assert_status(result, Code::InvalidArgument, needles, name);
    }
    server.stop().await;
    Ok(())
}

/// README: on shutdown "health turns NOT_SERVING, requests in flight finish".
/// A stream opened before the signal keeps being answered until the client
/// closes it, and only then does `serve` return.
#[tokio::test]
async fn shutdown_lets_a_stream_in_flight_finish() -> TestResult {
    let server = TestServer::start().await?;
    let mut client = server.client();
    let (outbound, requests) = tokio::sync::mpsc::channel(4);
    let mut inbound = client
        .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(requests))
        .await?
        .into_inner();
    let document = |id: &str, text: &str| ResolveStreamRequest {
        document: Some(ResolveRequest {
            id: id.into(),
            text: text.into(),
            options: None,
        }),
    };

    outbound.send(document("before", "Torkham")).await?;
    let before = inbound.message().await?.expect("a reply before shutdown");
    assert_eq!(before.id, "before");

    let TestServer {
        channel,
        shutdown,
        task,
        ..
    } = server;
    shutdown.send(()).expect("server running");
    // Give the server time to act on the signal before sending more.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !task.is_finished(),
        "serve returned with a stream still open"
    );

    outbound.send(document("during", "Kurram")).await?;
    let during = tokio::time::timeout(Duration::from_secs(5), inbound.message())
        .await
        .expect("the open stream is still answered")?
        .expect("a reply during shutdown");
    assert_eq!(during.id, "during");
    assert!(
        matches!(&during.outcome, Some(Outcome::Result(r)) if ids(r) == ["kurram"]),
        "{during:?}"
    );

    drop(outbound);
    assert!(
        inbound.message().await?.is_none(),
        "the stream ends when the client closes it"
    );
    drop((inbound, client, channel));
    let returned = tokio::time::timeout(Duration::from_secs(10), task).await??;
    assert!(returned.is_ok(), "serve returned an error: {returned:?}");
    Ok(())
}

// ---------------------------------------------------------------------------
// Health and reflection
// ---------------------------------------------------------------------------

#[tokio::test]
async fn health_reports_serving() -> TestResult {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;

    let server = TestServer::start().await?;
    let mut health = HealthClient::new(server.channel.clone());
    for service in ["", SERVICE_NAME] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await?
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "service {service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await;
    assert_status(unknown, Code::NotFound, &[], "unknown service");

    // On shutdown the service turns NOT_SERVING before the listener closes,
    // so load balancers stop routing to it.
    let mut watch = health
        .watch(HealthCheckRequest {
            service: SERVICE_NAME.into(),
        })
        .await?
        .into_inner();
    let first = watch.message().await?.expect("a first status");
    assert_eq!(first.status(), ServingStatus::Serving);
    let TestServer {
        channel,
        shutdown,
        task,
        ..
    } = server;
    shutdown.send(()).expect("server running");
    let next = tokio::time::timeout(Duration::from_secs(5), watch.message())
        .await
        .expect("a status change within 5 s")?
        .expect("a status before the stream ends");
    assert_eq!(next.status(), ServingStatus::NotServing);
    drop((watch, health, channel));
    let returned = tokio::time::timeout(Duration::from_secs(10), task).await??;
    assert!(returned.is_ok(), "serve returned an error: {returned:?}");
    Ok(())
}

/// The few fields of `google.protobuf.FileDescriptorProto` these tests read
/// (prost-types is not a dependency).
#[derive(Clone, PartialEq, prost::Message)]
struct FileDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    package: Option<String>,
    #[prost(message, repeated, tag = "6")]
    service: Vec<ServiceDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ServiceDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    method: Vec<MethodDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct MethodDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
}

#[tokio::test]
async fn reflection_v1_lists_and_describes_the_services() -> TestResult {
    use prost::Message;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let server = TestServer::start().await?;
    let mut reflection = ServerReflectionClient::new(server.channel.clone());
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol(SERVICE_NAME.into()),
    ]
    .map(|message| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await?
        .into_inner();

    let listed = replies.message().await?.expect("a reply to list_services");
    let services: BTreeSet<String> = match listed.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("list_services answered {other:?}"),
    };
    for name in [SERVICE_NAME, HEALTH_SERVICE_NAME] {
        assert!(services.contains(name), "{name} not in {services:?}");
    }

    let described = replies
        .message()
        .await?
        .expect("a reply to file_containing_symbol");
    let files = match described.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => files.file_descriptor_proto,
        other => panic!("file_containing_symbol answered {other:?}"),
    };
    let files: Vec<FileDescriptor> = files
        .iter()
        .map(|bytes| FileDescriptor::decode(bytes.as_slice()))
        .collect::<Result<_, _>>()?;
    let file = files
        .iter()
        .find(|f| f.package.as_deref() == Some("entityresolution.v1"))
        .unwrap_or_else(|| panic!("no entityresolution.v1 file in {files:?}"));
    assert_eq!(
        file.name.as_deref(),
        Some("entityresolution/v1/entity_resolver.proto")
    );
    let service = file
        .service
        .iter()
        .find(|s| s.name.as_deref() == Some("EntityResolverService"))
        .expect("the service is described");
    let methods: BTreeSet<&str> = service
        .method
        .iter()
        .filter_map(|m| m.name.as_deref())
        .collect();
    let want: BTreeSet<&str> = [
        "Resolve",
        "ResolveBatch",
        "ResolveStream",
        "Lookup",
        "GetEntity",
        "ListEntities",
    ]
    .into();
    assert_eq!(methods, want);
    drop(replies);
    drop(reflection);

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn reflection_v1alpha_lists_the_service() -> TestResult {
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;

    let server = TestServer::start().await?;
    let mut reflection = ServerReflectionClient::new(server.channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await?
        .into_inner();
    let listed = replies.message().await?.expect("a reply to list_services");
    let services: BTreeSet<String> = match listed.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("list_services answered {other:?}"),
    };
    for name in [SERVICE_NAME, HEALTH_SERVICE_NAME] {
        assert!(services.contains(name), "{name} not in {services:?}");
    }
    drop(replies);
    drop(reflection);
    server.stop().await;
    Ok(())
}
