//! Alder's own server loop on hyper-util: unlike a bare `axum::serve`, it has a header-read
//! timeout (slowloris), a connection cap, header count and size limits, and drains in-flight
//! requests on SIGTERM or ctrl-c.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::{Error, Result, Site};

/// Serves `site` on `addr` until SIGTERM or ctrl-c, then lets in-flight requests finish for
/// up to `shutdown_grace` seconds.
pub(crate) async fn serve(site: Site, addr: &str) -> Result<()> {
    let listener = TcpListener::bind(addr).await.map_err(|e| {
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
    serve_listener(site, listener, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes; the test suite drives
/// real sockets through it.
pub async fn serve_listener(
    site: Site,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let settings = site.settings().clone();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(settings.header_read_timeout))
        .keep_alive(true)
        .max_buf_size(settings.max_header_bytes.max(8192));
    // hyper parses up to 100 headers in a stack array; any explicit limit, even 100, makes
    // it allocate and fill a buffer for every request.
    if settings.max_headers != 100 {
        builder.http1().max_headers(settings.max_headers);
    }
    // HTTP/2 has no header-read timeout: pings find dead peers, and a stream cap bounds the
    // work one connection can ask for.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(settings.header_read_timeout.max(1)))
        .keep_alive_timeout(Duration::from_secs(settings.header_read_timeout.max(1)))
        .max_concurrent_streams(200);
    let builder = Arc::new(builder);
    let service = site.service();
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
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
        // Handlers can ask for the client's address with `ConnectInfo<SocketAddr>`.
        let service = TowerToHyperService::new(service.clone().map_request(
            move |mut request: http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(axum::body::Body::new)
            },
        ));
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(err) = conn.await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            drop(permit);
        });
    }

    drop(listener);
    let grace = Duration::from_secs(settings.shutdown_grace);
    tracing::info!("shutting down: waiting up to {grace:?} for in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
    Ok(())
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
