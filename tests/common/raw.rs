//! Raw connections and hand-built HTTP/2, for what no well-behaved client
//! sends: silence, half a request, a 4 GB length prefix, a call broken off.

use std::io::Read;
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::Frame;
use tonic::codegen::Bytes;
use tonic::transport::Endpoint;
use tonic::Code;

pub const RESOLVE: &str = "/entityresolution.v1.EntityResolverService/Resolve";

/// A socket read waits this long before the connection counts as left
/// open: ten times the test-sized timeouts of the connection tests.
pub const NEVER: Duration = Duration::from_secs(10);

pub fn host_port(url: &str) -> &str {
    url.trim_start_matches("http://")
}

pub fn connect(url: &str) -> TcpStream {
    let stream = TcpStream::connect(host_port(url)).unwrap();
    stream.set_read_timeout(Some(NEVER)).unwrap();
    stream
}
/// Reads until the server closes the connection: true when it did, false
/// when it kept it open for `NEVER`.
pub fn closed_by_server(stream: &mut TcpStream) -> bool {
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

pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    frame.extend([kind, flags]);
    frame.extend(stream.to_be_bytes());
    frame.extend(payload);
    frame
}

/// HPACK "literal header field without indexing, new name", no Huffman.
pub fn header(name: &str, value: &str) -> Vec<u8> {
    assert!(name.len() < 127 && value.len() < 127);
    let mut field = vec![0, name.len() as u8];
    field.extend(name.as_bytes());
    field.push(value.len() as u8);
    field.extend(value.as_bytes());
    field
}

/// The HEADERS frame that starts a gRPC call to `path` on `stream`.
pub fn call_headers(stream: u32, path: &str) -> Vec<u8> {
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
pub fn wait_for_headers(connection: &mut TcpStream, stream: u32) {
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
pub fn part_of_a_message() -> Vec<u8> {
    let mut message = vec![0, 0, 0, 0, 100];
    message.extend([0x0a, 0x08]);
    message.extend(b"Islamaba");
    message
}

/// A request body that sends `first` and then nothing, forever.
pub struct Stalled {
    pub first: Option<Bytes>,
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
pub struct Whole(pub Option<Bytes>);

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
pub async fn raw_call(url: &str, body: tonic::body::Body) -> (Option<Code>, String) {
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
pub fn percent_decoded(bytes: &[u8]) -> String {
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
