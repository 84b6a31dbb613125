//! The layer that turns a handler's panic into an INTERNAL answer.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use tonic::body::Body;
use tonic::codegen::Bytes;
use tonic::Status;

/// Around the whole gRPC server: a handler that panics answers INTERNAL
/// instead of a reset stream. The answer says only that the server failed
/// (the panic message may quote the request); the method is logged.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanicLayer;

impl<S> tower_layer::Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic { inner }
    }
}

#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    inner: S,
}

/// The answer to a call whose handler panicked.
pub const PANIC_MESSAGE: &str = "internal error: the server failed on this call (logged)";

fn log_panic(method: &str, payload: &(dyn Any + Send)) {
    // The payload is logged only as its kind: it may quote request text.
    let kind = if payload.is::<&str>() || payload.is::<String>() {
        "message"
    } else {
        "other"
    };
    tracing::error!(
        method,
        payload = kind,
        "a handler panicked: answered INTERNAL"
    );
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for CatchPanic<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CatchPanicFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method: Arc<str> = request.uri().path().into();
        let inner = match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => Some(future),
            Err(payload) => {
                log_panic(&method, payload.as_ref());
                None
            }
        };
        CatchPanicFuture { inner, method }
    }
}

pin_project! {
    pub struct CatchPanicFuture<F> {
        #[pin]
        inner: Option<F>,
        method: Arc<str>,
    }
}

fn panic_response() -> Response<Body> {
    Status::internal(PANIC_MESSAGE).into_http()
}

impl<F, ResBody, E> Future for CatchPanicFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            return Poll::Ready(Ok(panic_response()));
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(result.map(|response| {
                let method = this.method.clone();
                response.map(|body| {
                    Body::new(CatchPanicBody {
                        inner: Some(body),
                        method,
                    })
                })
            })),
            Err(payload) => {
                log_panic(this.method, payload.as_ref());
                Poll::Ready(Ok(panic_response()))
            }
        }
    }
}

pin_project! {
    /// A response body whose panic (a response stream's) ends the call with
    /// INTERNAL trailers instead of a reset stream.
    struct CatchPanicBody<B> {
        #[pin]
        inner: Option<B>,
        method: Arc<str>,
    }
}

impl<B> HttpBody for CatchPanicBody<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<tonic::codegen::StdError>,
{
    type Data = Bytes;
    type Error = tonic::codegen::StdError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll_frame(cx))) {
            Ok(frame) => frame.map(|frame| frame.map(|frame| frame.map_err(Into::into))),
            Err(payload) => {
                log_panic(this.method, payload.as_ref());
                this.inner.set(None);
                let mut trailers = http::HeaderMap::new();
                let _ = Status::internal(PANIC_MESSAGE).add_header(&mut trailers);
                Poll::Ready(Some(Ok(Frame::trailers(trailers))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_layer::Layer;
    use tower_service::Service;

    /// Where the fake handler panics, quoting its request as slicing does.
    #[derive(Clone, Copy, Debug)]
    enum PanicsIn {
        Call,
        Future,
        Body,
        Nowhere,
    }

    /// A response body that panics on its first poll.
    struct PanickingBody;

    impl HttpBody for PanickingBody {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            panic!("byte index 1 is not a char boundary of `secret a€`")
        }
    }

    #[derive(Clone)]
    struct Handler(PanicsIn);

    impl Service<Request<Body>> for Handler {
        type Response = Response<Body>;
        type Error = std::convert::Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<Body>) -> Self::Future {
            match self.0 {
                PanicsIn::Call => panic!("secret a€ in call"),
                PanicsIn::Future => Box::pin(async { panic!("secret a€ in the handler") }),
                PanicsIn::Body => Box::pin(async { Ok(Response::new(Body::new(PanickingBody))) }),
                PanicsIn::Nowhere => Box::pin(async {
                    let mut trailers = http::HeaderMap::new();
                    trailers.insert("grpc-status", "0".parse().unwrap());
                    Ok(Response::new(Body::new(Trailers(Some(trailers)))))
                }),
            }
        }
    }

    struct Trailers(Option<http::HeaderMap>);

    impl HttpBody for Trailers {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            Poll::Ready(self.0.take().map(|t| Ok(Frame::trailers(t))))
        }
    }

    /// The grpc-status of a response: in its headers, or else its trailers.
    async fn grpc_status(response: Response<Body>) -> (http::StatusCode, Option<String>, String) {
        let (parts, body) = response.into_parts();
        let mut found = parts.headers.get("grpc-status").cloned();
        let mut message = parts
            .headers
            .get("grpc-message")
            .map(|m| m.to_str().unwrap().to_string())
            .unwrap_or_default();
        let mut body = std::pin::pin!(body);
        while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
            if let Ok(trailers) = frame.unwrap().into_trailers() {
                found = trailers.get("grpc-status").cloned();
                message = trailers
                    .get("grpc-message")
                    .map(|m| m.to_str().unwrap().to_string())
                    .unwrap_or_default();
            }
        }
        let status = found.map(|s| s.to_str().unwrap().to_string());
        (parts.status, status, message)
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_without_echoing_the_request() {
        let cases = [
            (PanicsIn::Call, "13"),
            (PanicsIn::Future, "13"),
            (PanicsIn::Body, "13"),
            (PanicsIn::Nowhere, "0"),
        ];
        for (panics_in, expected) in cases {
            let mut service = CatchPanicLayer.layer(Handler(panics_in));
            let request = Request::builder()
                .uri("/entityresolution.v1.EntityResolverService/ListEntities")
                .body(Body::empty())
                .unwrap();
            let response = service.call(request).await.unwrap();
            if expected == "13" && !matches!(panics_in, PanicsIn::Body) {
                assert_eq!(
                    response.headers().get(http::header::CONTENT_TYPE).unwrap(),
                    "application/grpc",
                    "{panics_in:?}"
                );
            }
            let (http_status, code, message) = grpc_status(response).await;
            assert_eq!(http_status, http::StatusCode::OK, "{panics_in:?}");
            assert_eq!(code.as_deref(), Some(expected), "{panics_in:?}");
            assert!(!message.contains("secret"), "{panics_in:?}: {message}");
        }
    }
}
