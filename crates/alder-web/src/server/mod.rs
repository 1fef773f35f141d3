//! Alder's own server loop on hyper-util: unlike a bare `axum::serve`, it closes connections
//! that send no complete request head in time (slowloris, silent sockets, partial HTTP/2
//! prefaces) and connections left idle, caps connections, applies header count and size
//! limits to HTTP/1 and HTTP/2 alike, and drains in-flight requests on SIGTERM or ctrl-c.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::{Error, Result, Site};

mod conn_service;
mod slot;
mod stop;
mod watchdog;

use conn_service::ConnService;
use slot::SlotStream;
use stop::{Phase, Stop};
use watchdog::{watch_connection, Activity, Deadlines};

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
    let stop = Stop::default();
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
        let io = TokioIo::new(SlotStream::new(stream, permit));
        if let Some(http1) = &http1_only {
            let conn = http1.serve_connection(io, service).with_upgrades();
            tokio::spawn(watch_connection(
                conn,
                |conn| conn.graceful_shutdown(),
                activity,
                deadlines,
                stop,
                peer,
            ));
        } else {
            let conn = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            tokio::spawn(watch_connection(
                conn,
                |conn| conn.graceful_shutdown(),
                activity,
                deadlines,
                stop,
                peer,
            ));
        }
    }

    drop(listener);
    stop.advance(Phase::Graceful);
    let grace = Duration::from_secs(settings.shutdown_grace);
    tracing::info!("shutting down: waiting up to {grace:?} for in-flight requests");
    let all_closed = permits.acquire_many(u32::try_from(max_connections).unwrap_or(u32::MAX));
    tokio::select! {
        _ = all_closed => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over; closing remaining connections");
            stop.advance(Phase::Force);
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
            // The watchdog bounds every head (`Deadlines::idle_for`); hyper's own header
            // timer would add a timer to register and cancel on every request.
            .timer(TokioTimer::new())
            .header_read_timeout(None)
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
