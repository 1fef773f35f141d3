//! Alder's own server loop on hyper-util: unlike a bare `axum::serve`, it closes connections
//! that send no complete request head in time (slowloris, silent sockets, partial HTTP/2
//! prefaces) and connections left idle, caps connections, applies header count and size
//! limits to HTTP/1 and HTTP/2 alike, and drains in-flight requests on SIGTERM or ctrl-c.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::middleware::{Outcome, OutcomeFuture};
use crate::{Error, Result, Site};

/// Serves `site` on `addr` until SIGTERM or ctrl-c, then lets in-flight requests finish for
/// up to `shutdown_grace` seconds.
pub(crate) async fn serve(site: Site, addr: &str) -> Result<()> {
    let listener = bind(addr).await.map_err(|e| {
        Error::io(
            format!("binding to {addr} (is another server running there?)"),
            e,
        )
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("reading the bound address", e))?;
    tracing::info!(
        "Alder serving on http://{local}/ (debug {}); quit with ctrl-c",
        if site.settings().debug { "on" } else { "off" }
    );
    if site.settings().debug && !local.ip().is_loopback() {
        tracing::warn!(
            "DEBUG IS ON AND THE SERVER LISTENS ON {local}, reachable from other machines: the \
             debug page shows source, settings and requests to anyone who reaches it. Bind to \
             127.0.0.1 or turn debug off."
        );
    }
    serve_listener(site, listener, shutdown_signal()).await
}

/// Binds a listener with a listen queue deeper than the standard library's 128: a burst of
/// new connections beyond it has SYNs dropped and waits a second for the retransmit.
async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the address resolved to nothing")))
}

/// The kernel's queue of connections not yet accepted (capped by `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 1024;

/// Serves on an already bound listener until `shutdown` completes; the test suite drives
/// real sockets through it.
pub async fn serve_listener(
    site: Site,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let settings = site.settings().clone();
    let mut builder = Builder::new(TokioExecutor::new());
    http1_options!(builder.http1(), settings);
    // HTTP/2 gets the same head size limit as HTTP/1 (the header count is checked per request
    // by the outcome middleware), pings to find dead peers, and a stream cap that bounds the
    // work one connection can ask for. Idle and head deadlines are the watchdog's below.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(settings.idle_timeout))
        .keep_alive_timeout(Duration::from_secs(settings.header_read_timeout))
        .max_header_list_size(u32::try_from(settings.max_header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(HTTP2_MAX_STREAMS);
    // hyper-util's `http1_only` is ignored by connections with upgrades, so HTTP/1-only
    // connections go to hyper's own HTTP/1 server instead.
    let http1_only = (!settings.http2).then(|| {
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1_options!(http1, settings);
        http1
    });
    let builder = Arc::new(builder);
    let service = site.service();
    let max_connections = settings.max_connections;
    let permits = Arc::new(Semaphore::new(max_connections));
    let stop = Stop {
        graceful: CancellationToken::new(),
        force: CancellationToken::new(),
    };
    let deadlines = Deadlines {
        head: Duration::from_secs(settings.header_read_timeout),
        idle: Duration::from_secs(settings.idle_timeout),
    };
    tokio::pin!(shutdown);

    loop {
        // Wait for a free connection slot first, so excess clients queue in the kernel's
        // backlog instead of consuming memory here.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(err) => {
                    // Running out of file descriptors is transient: wait instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let service = ConnService {
            inner: service.clone(),
            peer,
            activity: activity.clone(),
        };
        let stop = stop.clone();
        let io = TokioIo::new(stream);
        if let Some(http1) = &http1_only {
            let conn = http1.serve_connection(io, service).with_upgrades();
            tokio::spawn(async move {
                watch_connection(conn, activity, deadlines, stop, peer).await;
                drop(permit);
            });
        } else {
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            tokio::spawn(async move {
                watch_connection(conn, activity, deadlines, stop, peer).await;
                drop(permit);
            });
        }
    }

    drop(listener);
    stop.graceful.cancel();
    let grace = Duration::from_secs(settings.shutdown_grace);
    tracing::info!("shutting down: waiting up to {grace:?} for in-flight requests");
    let all_closed = permits.acquire_many(u32::try_from(max_connections).unwrap_or(u32::MAX));
    tokio::select! {
        _ = all_closed => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over; closing remaining connections");
            stop.force.cancel();
        }
    }
    Ok(())
}

/// Applies the HTTP/1 settings to hyper's builder or to hyper-util's (same method names,
/// different types).
macro_rules! http1_options {
    ($builder:expr, $settings:expr) => {{
        let builder = &mut $builder;
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs($settings.header_read_timeout))
            .keep_alive(true)
            .max_buf_size($settings.max_header_bytes);
        // hyper parses up to 100 headers in a stack array; any explicit limit, even 100,
        // makes it allocate and fill a buffer for every request.
        if $settings.max_headers != 100 {
            builder.max_headers($settings.max_headers);
        }
    }};
}
use http1_options;

/// The most HTTP/2 streams one connection may have open at once.
const HTTP2_MAX_STREAMS: u32 = 200;

/// How long a connection that was asked to close may take to finish what it is sending.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
struct Deadlines {
    /// From accept to the first complete request head, whatever the protocol.
    head: Duration,
    /// From the end of the last response to the next request head.
    idle: Duration,
}

/// Drives one connection and closes it when a client holds it without using it: no complete
/// request head within `head` of the accept (a silent socket, part of an HTTP/2 preface, part
/// of a request line), or nothing in flight for `idle`. hyper's own HTTP/1 header timer only
/// starts once it has sniffed the protocol, and HTTP/2 has no idle timer at all, so this one
/// timer per connection covers both.
async fn watch_connection<C, E>(
    conn: C,
    activity: Arc<Activity>,
    deadlines: Deadlines,
    stop: Stop,
    peer: std::net::SocketAddr,
) where
    C: std::future::Future<Output = std::result::Result<(), E>> + GracefulClose,
    E: std::fmt::Display,
{
    tokio::pin!(conn);
    let timer = tokio::time::sleep(deadlines.head);
    tokio::pin!(timer);
    let mut closing = Closing::No;
    let mut seen_head = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            () = stop.force.cancelled() => return,
            () = stop.graceful.cancelled(), if closing != Closing::Shutdown => {
                conn.as_mut().close_gracefully();
                // In-flight requests keep the connection until the server's grace period
                // ends and `force` fires.
                closing = Closing::Shutdown;
                timer.as_mut().reset(Instant::now() + Duration::from_secs(60 * 60 * 24));
            }
            () = &mut timer => {
                let now = Instant::now();
                match closing {
                    // A request that started just as the idle close began may finish.
                    Closing::Idle if activity.in_flight() > 0 => {
                        timer.as_mut().reset(now + CLOSE_GRACE);
                        continue;
                    }
                    Closing::Idle | Closing::Shutdown => {
                        tracing::debug!(%peer, "closing a connection that did not finish in time");
                        return;
                    }
                    Closing::No => {}
                }
                if !seen_head {
                    if activity.started() == 0 {
                        tracing::debug!(%peer, "no request head within header_read_timeout; closing");
                        return;
                    }
                    seen_head = true;
                }
                match activity.idle_deadline(deadlines.idle) {
                    Some(deadline) if deadline > now => timer.as_mut().reset(deadline),
                    None => timer.as_mut().reset(now + deadlines.idle),
                    Some(_) => {
                        conn.as_mut().close_gracefully();
                        closing = Closing::Idle;
                        timer.as_mut().reset(now + CLOSE_GRACE);
                    }
                }
            }
        }
    }
}

/// Why a connection is being closed, if it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closing {
    No,
    /// Idle for `idle_timeout`: it gets `CLOSE_GRACE` per request still running.
    Idle,
    /// The server is stopping: it gets until `force`.
    Shutdown,
}

/// The server's stop signals, as every connection's watchdog sees them.
#[derive(Clone)]
struct Stop {
    /// Finish in-flight requests, then close.
    graceful: CancellationToken,
    /// The grace period is over: close now.
    force: CancellationToken,
}

/// A connection that can be asked to finish its in-flight requests and close.
trait GracefulClose {
    fn close_gracefully(self: std::pin::Pin<&mut Self>);
}

impl<I, S, E, B> GracefulClose
    for hyper_util::server::conn::auto::UpgradeableConnection<'_, I, S, E>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    fn close_gracefully(self: std::pin::Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, B, S> GracefulClose for hyper::server::conn::http1::UpgradeableConnection<I, S>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn close_gracefully(self: std::pin::Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// What the watchdog knows of a connection's requests, updated by [`ConnService`].
struct Activity {
    epoch: Instant,
    started: AtomicU64,
    in_flight: AtomicUsize,
    /// Milliseconds from `epoch` to the end of the last response.
    last_end_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            epoch: Instant::now(),
            started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            last_end_ms: AtomicU64::new(0),
        }
    }

    fn started(&self) -> u64 {
        self.started.load(Ordering::Acquire)
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// When the connection counts as idle: `None` while a request is in flight.
    fn idle_deadline(&self, idle: Duration) -> Option<Instant> {
        if self.in_flight() > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last_end_ms.load(Ordering::Acquire));
        Some(self.epoch + last + idle)
    }

    fn begin(self: &Arc<Self>) -> RequestGuard {
        self.started.fetch_add(1, Ordering::AcqRel);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        RequestGuard(self.clone())
    }
}

/// Marks the end of a request when its response is ready, or when hyper drops it.
struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let ms = u64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        // The end time is written before the count drops, so a watchdog that sees no
        // request in flight also sees when the last one ended.
        self.0.last_end_ms.store(ms, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The site as hyper calls it on one connection: adds `ConnectInfo` for handlers and tells
/// the watchdog when requests start and end.
#[derive(Clone)]
struct ConnService {
    inner: Outcome<axum::Router>,
    peer: std::net::SocketAddr,
    activity: Arc<Activity>,
}

impl hyper::service::Service<http::Request<hyper::body::Incoming>> for ConnService {
    type Response = http::Response<TrackedBody>;
    type Error = std::convert::Infallible;
    type Future =
        Tracked<OutcomeFuture<axum::routing::future::RouteFuture<std::convert::Infallible>>>;

    fn call(&self, request: http::Request<hyper::body::Incoming>) -> Self::Future {
        let guard = self.activity.begin();
        let mut request = request.map(axum::body::Body::new);
        // Handlers can ask for the client's address with `ConnectInfo<SocketAddr>`.
        request.extensions_mut().insert(ConnectInfo(self.peer));
        // axum's router is always ready, so the outcome service is too.
        let mut inner = self.inner.clone();
        Tracked {
            inner: tower::Service::call(&mut inner, request),
            guard: Some(guard),
        }
    }
}

pin_project_lite::pin_project! {
    /// A response future that holds its request's [`RequestGuard`] and hands it to the
    /// response body, so the request counts as in flight until the body is sent (a long
    /// download is not "idle").
    struct Tracked<F> {
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
