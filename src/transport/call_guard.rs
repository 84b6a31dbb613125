//! The layer that counts each call against its connection and gives the
//! request of a unary call a time limit to arrive whole.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::Sleep;
use tonic::body::Body;
use tonic::codegen::Bytes;
use tonic::Status;

use super::peer::{CallInProgress, PeerInfo};

/// gRPC methods whose request is a stream: their request body lives as long
/// as the call, so the request timeout does not apply to them.
const CLIENT_STREAMING: [&str; 3] = [
    "/entityresolution.v1.EntityResolverService/ResolveStream",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// Around the whole gRPC server: counts each call against its connection
/// (the idle timer waits for none), and gives the request of a unary call
/// `request_timeout` to arrive whole. A request still arriving then fails
/// with DEADLINE_EXCEEDED, so tonic answers the call and the stream ends
/// before any handler ran.
#[derive(Debug, Clone, Copy)]
pub struct CallGuardLayer {
    request_timeout: Duration,
}

impl CallGuardLayer {
    pub fn new(request_timeout: Duration) -> Self {
        CallGuardLayer { request_timeout }
    }
}

impl<S> tower_layer::Layer<S> for CallGuardLayer {
    type Service = CallGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallGuard {
            inner,
            request_timeout: self.request_timeout,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CallGuard<S> {
    inner: S,
    request_timeout: Duration,
}

impl<S, ResBody> tower_service::Service<Request<Body>> for CallGuard<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let call = PeerInfo::of(request.extensions()).map(|peer| peer.calls.begin());
        let unary = !CLIENT_STREAMING.contains(&request.uri().path());
        let request = if unary {
            let timeout = self.request_timeout;
            request.map(|body| {
                Body::new(TimedRequest {
                    inner: body,
                    timeout,
                    deadline: Some(Box::pin(tokio::time::sleep(timeout))),
                })
            })
        } else {
            request
        };
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            // The call lasts as long as its response body.
            Ok(response.map(|body| {
                Body::new(HeldBody {
                    inner: body,
                    _call: call,
                })
            }))
        })
    }
}

pin_project! {
    /// A request body that must end before its deadline.
    struct TimedRequest<B> {
        #[pin]
        inner: B,
        timeout: Duration,
        deadline: Option<Pin<Box<Sleep>>>,
    }
}

impl<B: HttpBody<Data = Bytes>> HttpBody for TimedRequest<B>
where
    B::Error: Into<tonic::codegen::StdError>,
{
    type Data = Bytes;
    type Error = tonic::codegen::StdError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            if frame.is_none() {
                *this.deadline = None;
            }
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if let Some(deadline) = this.deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                *this.deadline = None;
                // A Status, so tonic answers with it as it is.
                return Poll::Ready(Some(Err(Box::new(Status::deadline_exceeded(format!(
                    "the request did not arrive whole within {} s (the server's request timeout)",
                    this.timeout.as_secs_f64()
                ))))));
            }
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A response body that keeps its call counted until it is done.
    struct HeldBody<B> {
        #[pin]
        inner: B,
        _call: Option<CallInProgress>,
    }
}

impl<B: HttpBody> HttpBody for HeldBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
