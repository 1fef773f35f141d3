//! The site as hyper calls it on one connection, and the response types that keep the
//! watchdog informed.

use std::sync::Arc;

use axum::extract::ConnectInfo;

use super::watchdog::{Activity, RequestGuard};
use crate::middleware::{Outcome, OutcomeFuture};

/// The site as hyper calls it on one connection: adds `ConnectInfo` for handlers and tells
/// the watchdog when requests start and end.
#[derive(Clone)]
pub(super) struct ConnService {
    pub(super) inner: Outcome<crate::csrf::Csrf>,
    pub(super) peer: std::net::SocketAddr,
    pub(super) activity: Arc<Activity>,
}

impl hyper::service::Service<http::Request<hyper::body::Incoming>> for ConnService {
    type Response = http::Response<TrackedBody>;
    type Error = std::convert::Infallible;
    type Future = Tracked<OutcomeFuture<crate::csrf::CsrfFuture>>;

    fn call(&self, request: http::Request<hyper::body::Incoming>) -> Self::Future {
        let guard = self.activity.begin(request.version());
        let mut request = request.map(axum::body::Body::new);
        // Handlers can ask for the client's address with `ConnectInfo<SocketAddr>`.
        request.extensions_mut().insert(ConnectInfo(self.peer));
        // axum's router is always ready, so the outcome service is too.
        Tracked {
            inner: self.inner.call_shared(request),
            guard: Some(guard),
        }
    }
}

pin_project_lite::pin_project! {
    /// A response future that holds its request's [`RequestGuard`] and hands it to the
    /// response body, so the request counts as in flight until the body is sent (a long
    /// download is not "idle").
    pub(super) struct Tracked<F> {
        #[pin]
        inner: F,
        guard: Option<RequestGuard>,
    }
}

impl<F> std::future::Future for Tracked<F>
where
    F: std::future::Future<
        Output = std::result::Result<axum::response::Response, std::convert::Infallible>,
    >,
{
    type Output = std::result::Result<http::Response<TrackedBody>, std::convert::Infallible>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.inner.poll(cx))?;
        let guard = this.guard.take();
        std::task::Poll::Ready(Ok(response.map(|body| TrackedBody {
            inner: body,
            _guard: guard,
        })))
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its request's [`RequestGuard`] when it is done or dropped.
    pub(crate) struct TrackedBody {
        #[pin]
        inner: axum::body::Body,
        _guard: Option<RequestGuard>,
    }
}

impl http_body::Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>>
    {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
