//! Connections that misbehave (issue 11, sections 1, 3 and 5): too many,
//! silent, idle, half-sent, broken off, guessing the admin token, carrying
//! a malformed page token or a 4 GB length prefix; and a process that must
//! stop when told, whatever runs in it.
//!
//! Nothing here times the server. Where a timeout is under test it is set to
//! a test-sized second, and a socket read that waits ten times longer counts
//! as "never closed"; child processes get a minute before they count as hung.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use entity_resolver::admin::{AdminToken, FREE_FAILURES};
use entity_resolver::proto::admin_service_client::AdminServiceClient;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::proto::{
    ListEntitiesRequest, ReloadTableRequest, ResolveRequest, ResolveStreamRequest,
};
use entity_resolver::server::Limits;
use entity_resolver::transport::Transport;
use http_body::Frame;
use tonic::codegen::Bytes;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

use common::Server;

const RESOLVE: &str = "/entityresolution.v1.EntityResolverService/Resolve";

/// A socket read waits this long before the connection counts as left
/// open: ten times the test-sized timeouts below.
const NEVER: Duration = Duration::from_secs(10);

/// Timeouts of one second, so that a test sees them act; no connection
/// limit unless a test sets one.
fn test_sized() -> Transport {
    Transport {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        ..Transport::default()
    }
}

fn start(transport: Transport) -> Server {
    Server::start_with(Limits::default(), |config| config.transport = transport)
}

fn host_port(url: &str) -> &str {
    url.trim_start_matches("http://")
}

fn connect(url: &str) -> TcpStream {
    let stream = TcpStream::connect(host_port(url)).unwrap();
    stream.set_read_timeout(Some(NEVER)).unwrap();
    stream
}

/// Reads until the server closes the connection: true when it did, false
/// when it kept it open for `NEVER`.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            // Reset: closed with data unread.
            Err(_) => return true,
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-built HTTP/2, for requests no well-behaved client sends
// ---------------------------------------------------------------------------

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    frame.extend([kind, flags]);
    frame.extend(stream.to_be_bytes());
    frame.extend(payload);
    frame
}

/// HPACK "literal header field without indexing, new name", no Huffman.
fn header(name: &str, value: &str) -> Vec<u8> {
    assert!(name.len() < 127 && value.len() < 127);
    let mut field = vec![0, name.len() as u8];
    field.extend(name.as_bytes());
    field.push(value.len() as u8);
    field.extend(value.as_bytes());
    field
}

/// The HEADERS frame that starts a gRPC call to `path` on `stream`.
fn call_headers(stream: u32, path: &str) -> Vec<u8> {
    let fields: Vec<u8> = [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", path),
        (":authority", "localhost"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]
    .iter()
    .flat_map(|(name, value)| header(name, value))
    .collect();
    const END_HEADERS: u8 = 0x4;
    frame(1, END_HEADERS, stream, &fields)
}

/// Reads frames until the server's HEADERS on `stream`.
fn wait_for_headers(connection: &mut TcpStream, stream: u32) {
    loop {
        let mut head = [0u8; 9];
        connection.read_exact(&mut head).unwrap();
        let length = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let mut payload = vec![0u8; length];
        connection.read_exact(&mut payload).unwrap();
        let on = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        if head[3] == 1 && on == stream {
            return;
        }
    }
}

/// The first bytes of a message that says it is 100 bytes long.
fn part_of_a_message() -> Vec<u8> {
    let mut message = vec![0, 0, 0, 0, 100];
    message.extend([0x0a, 0x08]);
    message.extend(b"Islamaba");
    message
}

/// A request body that sends `first` and then nothing, forever.
struct Stalled {
    first: Option<Bytes>,
}

impl http_body::Body for Stalled {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        match self.first.take() {
            Some(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            None => Poll::Pending,
        }
    }
}

/// A request body of `bytes`, then its end.
struct Whole(Option<Bytes>);

impl http_body::Body for Whole {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        Poll::Ready(self.0.take().map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// Sends a call with `body` over a real client connection and returns its
/// grpc-status and grpc-message, from the headers (a trailers-only answer)
/// or the trailers.
async fn raw_call(url: &str, body: tonic::body::Body) -> (Option<Code>, String) {
    use tower_service::Service;
    let mut channel = Endpoint::from_shared(url.to_string())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("{url}{RESOLVE}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(body)
        .unwrap();
    std::future::poll_fn(|cx| channel.poll_ready(cx))
        .await
        .unwrap();
    let response = tokio::time::timeout(NEVER, channel.call(request))
        .await
        .expect("the server answers the call")
        .unwrap();
    let (parts, body) = response.into_parts();
    let status_of = |headers: &http::HeaderMap| {
        headers.get("grpc-status").map(|code| {
            let message = headers
                .get("grpc-message")
                .map(|m| percent_decoded(m.as_bytes()))
                .unwrap_or_default();
            (Some(Code::from_bytes(code.as_bytes())), message)
        })
    };
    if let Some(found) = status_of(&parts.headers) {
        return found;
    }
    let mut body = std::pin::pin!(body);
    while let Some(frame) =
        std::future::poll_fn(|cx| http_body::Body::poll_frame(body.as_mut(), cx)).await
    {
        if let Ok(trailers) = frame.unwrap().into_trailers() {
            return status_of(&trailers).unwrap_or((None, String::new()));
        }
    }
    (None, String::new())
}

/// grpc-message travels percent-encoded.
fn percent_decoded(bytes: &[u8]) -> String {
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap()
}

// ---------------------------------------------------------------------------
// Metrics scrapes
// ---------------------------------------------------------------------------

/// One scrape; None when the connection was refused or closed (the port
/// at its connection limit).
fn try_scrape(metrics_url: &str) -> Option<String> {
    let mut stream = connect(metrics_url);
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    if response.is_empty() {
        return None;
    }
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    Some(response)
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

/// Scrapes until `done` holds for the text (the server counts a moment
/// after the client sees the end); the last scrape either way.
fn scrape_until(metrics_url: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + NEVER;
    loop {
        let text = try_scrape(metrics_url);
        match text {
            Some(text) if done(&text) || Instant::now() > deadline => return text,
            None if Instant::now() > deadline => panic!("no scrape answered"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn calls(text: &str, code: &str) -> f64 {
    sample(
        text,
        &format!("entity_resolver_grpc_requests_total{{method=\"{RESOLVE}\",code=\"{code}\"}}"),
    )
}

// ---------------------------------------------------------------------------
// Section 3: connection limits and timeouts
// ---------------------------------------------------------------------------

#[test]
fn connections_over_the_limit_are_closed_at_once_on_both_ports() {
    let server = start(Transport {
        max_connections: 3,
        max_metrics_connections: 2,
        header_timeout: Duration::from_secs(60),
        ..Transport::default()
    });
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&server.url);
        // Served: the server opens with its SETTINGS.
        let mut settings = [0u8; 9];
        stream.read_exact(&mut settings).unwrap();
        assert_eq!(settings[3], 4, "a SETTINGS frame");
        held.push(stream);
    }
    let mut over = connect(&server.url);
    assert!(closed_by_server(&mut over), "the 4th gRPC connection");

    let metrics_held: Vec<TcpStream> = (0..2).map(|_| connect(&server.metrics_url)).collect();
    let mut over = connect(&server.metrics_url);
    assert!(closed_by_server(&mut over), "the 3rd metrics connection");

    drop(metrics_held);
    drop(held);
    let refused =
        |port: &str| format!("entity_resolver_connections_refused_total{{port=\"{port}\"}}");
    let open = |port: &str| format!("entity_resolver_open_connections{{port=\"{port}\"}}");
    let text = scrape_until(&server.metrics_url, |text| {
        sample(text, &open("grpc")) == 0.0 && sample(text, &open("metrics")) == 1.0
    });
    assert_eq!(sample(&text, &refused("grpc")), 1.0, "{text}");
    // The test's own, and maybe a scrape that came before a place was free.
    assert!(sample(&text, &refused("metrics")) >= 1.0, "{text}");
    assert_eq!(sample(&text, &open("grpc")), 0.0, "{text}");
    // The scrape's own connection.
    assert_eq!(sample(&text, &open("metrics")), 1.0, "{text}");
    // Places are given back: a new connection is served again.
    let mut again = connect(&server.url);
    let mut settings = [0u8; 9];
    again.read_exact(&mut settings).unwrap();
}

#[test]
fn silent_idle_and_half_sent_connections_are_closed() {
    let server = start(test_sized());
    struct Case {
        name: &'static str,
        metrics_port: bool,
        sends: Vec<u8>,
    }
    let cases = [
        Case {
            name: "gRPC: connected, sends nothing",
            metrics_port: false,
            sends: vec![],
        },
        Case {
            name: "gRPC: preface and settings, then no call",
            metrics_port: false,
            sends: [PREFACE.to_vec(), frame(4, 0, 0, &[])].concat(),
        },
        Case {
            name: "metrics: connected, sends nothing",
            metrics_port: true,
            sends: vec![],
        },
        Case {
            name: "metrics: half a request line",
            metrics_port: true,
            sends: b"GET /metr".to_vec(),
        },
        Case {
            name: "metrics: headers without their end",
            metrics_port: true,
            sends: b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n".to_vec(),
        },
    ];
    // All at once: each waits for the same second.
    let mut streams: Vec<(&Case, TcpStream)> = cases
        .iter()
        .map(|case| {
            let url = if case.metrics_port {
                &server.metrics_url
            } else {
                &server.url
            };
            let mut stream = connect(url);
            stream.write_all(&case.sends).unwrap();
            (case, stream)
        })
        .collect();
    for (case, stream) in &mut streams {
        assert!(closed_by_server(stream), "{}", case.name);
    }
}

/// A call in progress keeps its connection open across many idle timeouts.
#[test]
fn a_connection_with_a_call_in_progress_is_not_idle() {
    let server = start(test_sized());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut client = EntityResolverServiceClient::connect(server.url.clone())
            .await
            .unwrap();
        let (documents, inbound) = tokio::sync::mpsc::channel(4);
        let mut answers = client
            .resolve_stream(tokio_stream::wrappers::ReceiverStream::new(inbound))
            .await
            .unwrap()
            .into_inner();
        for id in ["before", "after"] {
            documents
                .send(ResolveStreamRequest {
                    document: Some(ResolveRequest {
                        id: id.to_string(),
                        text: "Imran Khan spoke in Lahore.".to_string(),
                        options: None,
                    }),
                })
                .await
                .unwrap();
            let answer = answers.message().await.unwrap().unwrap();
            assert_eq!(answer.id, id);
            // Three idle timeouts with the stream open, the client silent.
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    });
}

/// A unary call whose request never ends is answered DEADLINE_EXCEEDED
/// after the request timeout, before any handler runs.
#[test]
fn a_unary_request_that_never_finishes_ends_with_deadline_exceeded() {
    let server = start(test_sized());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (code, message) = runtime.block_on(raw_call(
        &server.url,
        tonic::body::Body::new(Stalled {
            first: Some(Bytes::from(part_of_a_message())),
        }),
    ));
    assert_eq!(code, Some(Code::DeadlineExceeded), "{message}");
    assert!(message.contains("request timeout"), "{message}");
    let text = scrape_until(&server.metrics_url, |text| {
        calls(text, "DEADLINE_EXCEEDED") > 0.0
    });
    assert_eq!(calls(&text, "DEADLINE_EXCEEDED"), 1.0, "{text}");
}

// ---------------------------------------------------------------------------
// Section 5: malformed requests and clients that go away
// ---------------------------------------------------------------------------

/// tonic refuses a length prefix over the message limit with OUT_OF_RANGE
/// (the README documents tonic's status) without reading further.
#[test]
fn a_length_prefix_of_4_gb_is_refused_with_out_of_range() {
    let server = Server::start(Limits::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let prefix = Bytes::from_static(&[0, 0xff, 0xff, 0xff, 0xff]);
    for (name, body) in [
        (
            "prefix, then the end",
            tonic::body::Body::new(Whole(Some(prefix.clone()))),
        ),
        (
            "prefix, then nothing",
            tonic::body::Body::new(Stalled {
                first: Some(prefix.clone()),
            }),
        ),
    ] {
        let (code, message) = runtime.block_on(raw_call(&server.url, body));
        assert_eq!(code, Some(Code::OutOfRange), "{name}: {message}");
        assert!(message.contains("too large"), "{name}: {message}");
        assert!(message.contains("4294967295"), "{name}: {message}");
    }
}

#[test]
fn a_page_token_with_a_multibyte_character_is_invalid_argument() {
    let server = Server::start(Limits::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut client = EntityResolverServiceClient::connect(server.url.clone())
            .await
            .unwrap();
        for token in ["a€", "€€", "ab€c"] {
            let refused = client
                .list_entities(ListEntitiesRequest {
                    page_token: token.to_string(),
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert_eq!(
                refused.code(),
                Code::InvalidArgument,
                "{token}: {refused:?}"
            );
            assert!(
                refused.message().contains("page_token"),
                "{token}: {refused:?}"
            );
        }
        // The server is still there.
        let page = client
            .list_entities(ListEntitiesRequest::default())
            .await
            .unwrap();
        assert!(!page.into_inner().entities.is_empty());
    });
}

/// A client that closes its connection halfway through a request: the
/// call counts as CANCELLED (tonic hands the handler UNKNOWN).
#[test]
fn a_client_that_closes_mid_request_counts_as_cancelled() {
    let server = Server::start(Limits::default());
    let mut stream = connect(&server.url);
    const END_STREAM: u8 = 0x1;
    let empty_message = [0u8, 0, 0, 0, 0];
    stream
        .write_all(
            &[
                PREFACE.to_vec(),
                frame(4, 0, 0, &[]),
                // The call that breaks off, on stream 1.
                call_headers(1, RESOLVE),
                frame(0, 0, 1, &part_of_a_message()),
                // A whole call behind it, on stream 3: once it is answered,
                // the server has taken the call on stream 1 too.
                call_headers(3, "/entityresolution.v1.DiagnosticsService/Echo"),
                frame(0, END_STREAM, 3, &empty_message),
            ]
            .concat(),
        )
        .unwrap();
    wait_for_headers(&mut stream, 3);
    // A FIN, not a reset (which dropping a socket with unread data sends):
    // the server reads everything before it finds the end.
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed_by_server(&mut stream));
    let text = scrape_until(&server.metrics_url, |text| {
        calls(text, "CANCELLED") + calls(text, "UNKNOWN") > 0.0
    });
    assert_eq!(calls(&text, "CANCELLED"), 1.0, "{text}");
    assert_eq!(calls(&text, "UNKNOWN"), 0.0, "{text}");
}

// ---------------------------------------------------------------------------
// Admin token guessing
// ---------------------------------------------------------------------------

async fn admin_from(url: &str, local: &str) -> AdminServiceClient<Channel> {
    let local: IpAddr = local.parse().unwrap();
    let channel = Endpoint::from_shared(url.to_string())
        .unwrap()
        .local_address(Some(local))
        .connect()
        .await
        .unwrap();
    AdminServiceClient::new(channel)
}

async fn reload_with(client: &mut AdminServiceClient<Channel>, token: &str) -> Result<(), Code> {
    let mut request = tonic::Request::new(ReloadTableRequest {});
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    client
        .reload_table(request)
        .await
        .map(|_| ())
        .map_err(|status| status.code())
}

/// A guesser on 127.0.0.1 is held back after a few tries; the operator on
/// 127.0.0.2 (another address of the loopback network) still gets in.
#[test]
fn admin_failures_are_limited_per_address() {
    let server = Server::start_with(Limits::default(), |config| {
        config.admin_token = Some(AdminToken::new("the-right-token"));
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut guesser = admin_from(&server.url, "127.0.0.1").await;
        let mut outcomes = Vec::new();
        for i in 0..20 {
            outcomes.push(reload_with(&mut guesser, &format!("guess-{i}")).await);
        }
        let count = |code| outcomes.iter().filter(|&&o| o == Err(code)).count();
        // The waits run from one second up: the 20 tries take far less, so
        // at most one more try is looked at than the free ones.
        let looked_at = count(Code::Unauthenticated);
        assert!(
            (FREE_FAILURES as usize + 1..=FREE_FAILURES as usize + 2).contains(&looked_at),
            "{outcomes:?}"
        );
        assert_eq!(
            count(Code::ResourceExhausted),
            20 - looked_at,
            "{outcomes:?}"
        );
        let mut operator = admin_from(&server.url, "127.0.0.2").await;
        assert_eq!(reload_with(&mut operator, "the-right-token").await, Ok(()));
    });
}

// ---------------------------------------------------------------------------
// Section 1: the process stops when told
// ---------------------------------------------------------------------------

/// `entity-resolver serve` as a child process, its log collected.
struct Serving {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Serving {
    fn start(drain_seconds: &str) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--drain-seconds",
                drain_seconds,
            ])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address, found) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("serving entityresolution.v1.EntityResolverService") {
                    let addr = line
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix("addr="))
                        .map(str::to_string);
                    let _ = address.send(addr);
                }
                collected.lock().unwrap().push(line);
            }
        });
        let addr = found
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts within a minute")
            .expect("the log names the address");
        Serving {
            child,
            url: format!("http://{addr}"),
            log,
        }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for a log line containing `text`; false after a minute.
    fn logged(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self
                .log
                .lock()
                .unwrap()
                .iter()
                .any(|line| line.contains(text))
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The exit code; None when the process was still running after a
    /// minute (then it is killed: a hang).
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a ResolveStream that stays open (nothing sent, nothing ended): a
/// call in flight for the drain to wait for.
async fn open_stream(url: &str) -> impl Sized {
    let mut client = EntityResolverServiceClient::connect(url.to_string())
        .await
        .unwrap();
    let answers = client
        .resolve_stream(tokio_stream::pending::<ResolveStreamRequest>())
        .await
        .unwrap();
    (client, answers)
}

/// During a long drain, a second signal ends the process at once with 128
/// plus its number.
#[test]
fn a_second_signal_exits_at_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (first, second, expected) in [
        ("TERM", "TERM", 143),
        ("INT", "INT", 130),
        ("TERM", "INT", 130),
    ] {
        let mut serving = Serving::start("600");
        let _in_flight = runtime.block_on(open_stream(&serving.url));
        serving.signal(first);
        // Two signals close together may arrive as one: the second is sent
        // once the first has been seen.
        assert!(serving.logged("received"), "{first}: {}", serving.log());
        serving.signal(second);
        assert_eq!(
            serving.exit_code(),
            Some(expected),
            "{first} then {second}: {}",
            serving.log()
        );
        assert!(serving.logged("exiting at once"), "{}", serving.log());
    }
}

/// After the drain time the process exits, even while resolutions keep
/// the CPU busy (a text that took minutes to resolve before issue 11).
#[test]
fn the_process_exits_after_the_drain_time_while_work_runs() {
    let mut serving = Serving::start("1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = serving.url.clone();
    let _in_flight = runtime.block_on(async move {
        let stream = open_stream(&url).await;
        let client = EntityResolverServiceClient::connect(url).await.unwrap();
        // More calls than the machine has cores.
        let busy: Vec<_> = (0..4)
            .map(|_| {
                let mut client = client.clone();
                tokio::spawn(async move {
                    client
                        .resolve(ResolveRequest {
                            id: String::new(),
                            text: "Ab".repeat(2000),
                            options: None,
                        })
                        .await
                })
            })
            .collect();
        (stream, busy)
    });
    // Time for the calls to reach the server; they run for minutes.
    std::thread::sleep(Duration::from_millis(500));
    serving.signal("TERM");
    assert_eq!(serving.exit_code(), Some(0), "{}", serving.log());
}
