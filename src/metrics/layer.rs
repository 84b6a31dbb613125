//! The tower layer that counts every call of the gRPC server, so no handler
//! has to remember to count itself: it sees the request path and the
//! status, wherever gRPC puts it (in the response headers when a call fails
//! before any message, in the trailers at the end of the body otherwise). A
//! call ends when its body does, so a stream's latency is the stream's whole
//! life.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tonic::Code;

use super::registry::Metrics;

/// Counts every call through the service it wraps (tonic's
/// `Server::builder().layer(..)`).
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        MetricsLayer { metrics }
    }
}

impl<S> tower_layer::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, ResponseBody> tower_service::Service<Request<tonic::body::Body>> for MetricsService<S>
where
    S: tower_service::Service<Request<tonic::body::Body>, Response = Response<ResponseBody>>,
{
    type Response = Response<MetricsBody<ResponseBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
        let client_gone = Arc::new(AtomicBool::new(false));
        let call = Call {
            metrics: self.metrics.clone(),
            method: request.uri().path().to_string(),
            started: Instant::now(),
            code: None,
            client_gone: client_gone.clone(),
        };
        let request = request.map(|inner| {
            tonic::body::Body::new(WatchedRequest {
                inner,
                client_gone: Some(client_gone),
            })
        });
        ResponseFuture {
            inner: self.inner.call(request),
            call: Some(call),
        }
    }
}

/// One call on its way. It is recorded once, when dropped: by then its code
/// is known, or it never will be because the client went away.
struct Call {
    metrics: Arc<Metrics>,
    method: String,
    started: Instant,
    /// From the response headers (a call that failed before any message)
    /// or the trailers. None at the end means the call was cut short.
    code: Option<Code>,
    /// Set when the request broke off (the client reset the call or closed
    /// its connection): whatever the handler then answered, nobody was
    /// there to read it, and the call counts as CANCELLED.
    client_gone: Arc<AtomicBool>,
}

impl Drop for Call {
    fn drop(&mut self) {
        let code = match self.code {
            _ if self.client_gone.load(AtomicOrdering::SeqCst) => Code::Cancelled,
            Some(code) => code,
            None => Code::Cancelled,
        };
        self.metrics.record_call(
            std::mem::take(&mut self.method),
            code,
            self.started.elapsed(),
        );
    }
}

pin_project! {
    /// A request body that notes when it breaks off: the transport's error,
    /// a reset call or a closed connection, before the handler sees it
    /// (tonic turns a closed connection into an UNKNOWN status).
    struct WatchedRequest<B> {
        #[pin]
        inner: B,
        client_gone: Option<Arc<AtomicBool>>,
    }
}

impl<B: Body> Body for WatchedRequest<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let Some(Err(_)) = &frame {
            if let Some(gone) = this.client_gone.take() {
                gone.store(true, AtomicOrdering::SeqCst);
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn grpc_status(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|value| Code::from_bytes(value.as_bytes()))
}

pin_project! {
    /// The response of a call still being worked out.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        call: Option<Call>,
    }
}

impl<F, ResponseBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
{
    type Output = Result<Response<MetricsBody<ResponseBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut call = this.call.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(call) = call.as_mut() {
                    call.code = grpc_status(response.headers());
                }
                Ok(response.map(|inner| MetricsBody { inner, call }))
            }
            Err(error) => {
                if let Some(call) = call.as_mut() {
                    call.code = Some(Code::Unknown);
                }
                Err(error)
            }
        })
    }
}

pin_project! {
    /// A response body that records its call when it ends or is dropped.
    pub struct MetricsBody<B> {
        #[pin]
        inner: B,
        call: Option<Call>,
    }
}

impl<B: Body> Body for MetricsBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let ended_with = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|trailers| grpc_status(trailers).unwrap_or(Code::Unknown)),
            // A body that fails is a transport failure the client sees as
            // a broken call, whatever the handler meant.
            Some(Err(_)) => Some(Code::Unknown),
            None => Some(Code::Unknown),
        };
        if let Some(code) = ended_with {
            if let Some(mut call) = this.call.take() {
                // Trailers-only responses put the code in the headers and
                // end the body without trailers.
                call.code = match (frame.is_none(), call.code) {
                    (true, Some(from_headers)) => Some(from_headers),
                    _ => Some(code),
                };
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::{code_name, UNKNOWN_METHOD};
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::time::Duration;
    use tower_layer::Layer;
    use tower_service::Service;
    /// A response body made of given frames.
    struct Frames(VecDeque<Frame<&'static [u8]>>);

    impl Body for Frames {
        type Data = &'static [u8];
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn status_map(code: Code) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", (code as i32).to_string().parse().unwrap());
        headers
    }

    /// What the fake server answers.
    #[derive(Clone)]
    struct Answer {
        headers_code: Option<Code>,
        messages: usize,
        trailers_code: Option<Code>,
    }

    #[derive(Clone)]
    struct FakeServer(Answer);

    impl Service<Request<tonic::body::Body>> for FakeServer {
        type Response = Response<Frames>;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Response<Frames>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
            // Reads the request as tonic does before a handler runs.
            let mut body = std::pin::pin!(request.into_body());
            let mut cx = Context::from_waker(std::task::Waker::noop());
            while let Poll::Ready(Some(Ok(_))) = body.as_mut().poll_frame(&mut cx) {}
            let answer = &self.0;
            let mut frames: VecDeque<_> = (0..answer.messages)
                .map(|_| Frame::data(b"message".as_slice()))
                .collect();
            if let Some(code) = answer.trailers_code {
                frames.push_back(Frame::trailers(status_map(code)));
            }
            let mut response = Response::new(Frames(frames));
            if let Some(code) = answer.headers_code {
                *response.headers_mut() = status_map(code);
            }
            std::future::ready(Ok(response))
        }
    }

    /// How far the client reads the response.
    #[derive(Clone, Copy, Debug)]
    enum Reading {
        ToTheEnd,
        /// Reads this many frames, then drops the body.
        Frames(usize),
        /// Drops the response future before it completes.
        NotEvenTheHeaders,
        /// The request breaks off before the server has read it whole; the
        /// server answers anyway (tonic: UNKNOWN), to nobody.
        RequestBrokenOff,
    }

    const RESOLVE: &str = "/entityresolution.v1.EntityResolverService/Resolve";

    /// A request body that breaks off after its first bytes, as hyper's
    /// does when the client closes its connection mid-request.
    struct BrokenOff {
        sent: bool,
    }

    impl Body for BrokenOff {
        type Data = tonic::codegen::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            if !std::mem::replace(&mut self.sent, true) {
                return Poll::Ready(Some(Ok(Frame::data(tonic::codegen::Bytes::from_static(
                    &[0, 0, 0, 0, 100, 0x0a],
                )))));
            }
            Poll::Ready(Some(Err(std::io::Error::other(
                "connection closed before message completed",
            ))))
        }
    }

    async fn run(path: &str, answer: Answer, reading: Reading) -> Arc<Metrics> {
        let metrics = Arc::new(Metrics::new());
        let mut service = MetricsLayer::new(metrics.clone()).layer(FakeServer(answer));
        let body = match reading {
            Reading::RequestBrokenOff => tonic::body::Body::new(BrokenOff { sent: false }),
            _ => tonic::body::Body::empty(),
        };
        let request = Request::builder().uri(path).body(body).unwrap();
        let future = service.call(request);
        let frames_to_read = match reading {
            Reading::NotEvenTheHeaders => {
                drop(future);
                return metrics;
            }
            Reading::ToTheEnd | Reading::RequestBrokenOff => usize::MAX,
            Reading::Frames(n) => n,
        };
        let mut body = Box::pin(future.await.unwrap().into_body());
        for _ in 0..frames_to_read {
            let frame = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await;
            if frame.is_none() {
                break;
            }
        }
        drop(body);
        metrics
    }

    /// The value of one series in the encoded text; none when absent.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
    }

    fn calls(text: &str, method: &str, code: Code) -> Option<f64> {
        let series = format!(
            "entity_resolver_grpc_requests_total{{method=\"{method}\",code=\"{}\"}}",
            code_name(code)
        );
        value(text, &series)
    }

    fn latency(text: &str, method: &str, part: &str) -> Option<f64> {
        let series =
            format!("entity_resolver_grpc_request_duration_seconds_{part}{{method=\"{method}\"}}");
        value(text, &series)
    }

    #[tokio::test]
    async fn the_layer_counts_each_call_once_with_the_code_wherever_grpc_put_it() {
        let ok = Answer {
            headers_code: None,
            messages: 1,
            trailers_code: Some(Code::Ok),
        };
        struct Case {
            name: &'static str,
            path: &'static str,
            answer: Answer,
            reading: Reading,
            method: &'static str,
            code: Code,
        }
        let cases = [
            Case {
                name: "success: status in the trailers",
                path: RESOLVE,
                answer: ok.clone(),
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::Ok,
            },
            Case {
                name: "trailers-only error: status in the headers, empty body",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::InvalidArgument),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::InvalidArgument,
            },
            Case {
                name: "trailers-only error the transport never polls",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::NotFound),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::Frames(0),
                method: RESOLVE,
                code: Code::NotFound,
            },
            Case {
                name: "a stream that fails after some messages",
                path: "/entityresolution.v1.EntityResolverService/ResolveStream",
                answer: Answer {
                    headers_code: None,
                    messages: 3,
                    trailers_code: Some(Code::Internal),
                },
                reading: Reading::ToTheEnd,
                method: "/entityresolution.v1.EntityResolverService/ResolveStream",
                code: Code::Internal,
            },
            Case {
                name: "a body dropped before its trailers",
                path: "/entityresolution.v1.EntityResolverService/ResolveStream",
                answer: Answer {
                    headers_code: None,
                    messages: 3,
                    trailers_code: Some(Code::Ok),
                },
                reading: Reading::Frames(2),
                method: "/entityresolution.v1.EntityResolverService/ResolveStream",
                code: Code::Cancelled,
            },
            Case {
                name: "a call dropped before its response",
                path: RESOLVE,
                answer: ok.clone(),
                reading: Reading::NotEvenTheHeaders,
                method: RESOLVE,
                code: Code::Cancelled,
            },
            Case {
                name: "a request broken off by the client (closed connection)",
                path: RESOLVE,
                answer: Answer {
                    headers_code: Some(Code::Unknown),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::RequestBrokenOff,
                method: RESOLVE,
                code: Code::Cancelled,
            },
            Case {
                name: "a body that ends without any status",
                path: RESOLVE,
                answer: Answer {
                    headers_code: None,
                    messages: 1,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: RESOLVE,
                code: Code::Unknown,
            },
            Case {
                name: "a path the server has no method for",
                path: "/scanner.Probe/Anything",
                answer: Answer {
                    headers_code: Some(Code::Unimplemented),
                    messages: 0,
                    trailers_code: None,
                },
                reading: Reading::ToTheEnd,
                method: UNKNOWN_METHOD,
                code: Code::Unimplemented,
            },
        ];
        for case in cases {
            let text = run(case.path, case.answer, case.reading).await.encode();
            assert_eq!(
                calls(&text, case.method, case.code),
                Some(1.0),
                "{}: {text}",
                case.name
            );
            assert_eq!(
                text.matches("entity_resolver_grpc_requests_total{").count(),
                1,
                "{}: exactly one series: {text}",
                case.name
            );
            assert_eq!(
                latency(&text, case.method, "count"),
                Some(1.0),
                "{}: latency observed once: {text}",
                case.name
            );
        }
    }

    #[tokio::test]
    async fn a_stream_is_timed_until_its_body_ends() {
        let metrics = Arc::new(Metrics::new());
        let mut service = MetricsLayer::new(metrics.clone()).layer(FakeServer(Answer {
            headers_code: None,
            messages: 1,
            trailers_code: Some(Code::Ok),
        }));
        let request = Request::builder()
            .uri(RESOLVE)
            .body(tonic::body::Body::empty())
            .unwrap();
        let mut body = Box::pin(service.call(request).await.unwrap().into_body());
        tokio::time::sleep(Duration::from_millis(30)).await;
        while std::future::poll_fn(|cx| body.as_mut().poll_frame(cx))
            .await
            .is_some()
        {}
        let text = metrics.encode();
        assert_eq!(latency(&text, RESOLVE, "count"), Some(1.0), "{text}");
        let seconds = latency(&text, RESOLVE, "sum").unwrap_or_default();
        assert!(seconds >= 0.030, "{seconds} s: {text}");
    }
}
