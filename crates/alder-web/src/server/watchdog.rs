//! The per-connection watchdog: one timer that closes connections held without being used,
//! and the request counts it reads.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;
use std::task::Poll;

use tokio::time::Instant;

use super::stop::{Phase, Registration, Stop};

/// How long a connection that was asked to close may take to finish what it is sending.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
pub(super) struct Deadlines {
    /// From accept to the first complete request head, whatever the protocol; on HTTP/1 also
    /// from the end of one response to the next complete head.
    pub(super) head: Duration,
    /// From the end of the last response to the next request head.
    pub(super) idle: Duration,
}

impl Deadlines {
    /// How long a connection may wait between requests. On HTTP/1 the next head is bounded
    /// by `head` too (hyper's header timer is off: this watchdog is the one timer); an HTTP/2
    /// client may keep a quiet connection open for the idle limit.
    fn idle_for(self, http2: bool) -> Duration {
        if http2 {
            self.idle
        } else {
            self.idle.min(self.head)
        }
    }
}

/// Drives one connection and closes it when a client holds it without using it: no complete
/// request head within `head` of the accept (a silent socket, part of an HTTP/2 preface, part
/// of a request line), or nothing in flight for the idle limit. hyper's own HTTP/1 header
/// timer only starts once it has sniffed the protocol and costs a timer per request, and
/// HTTP/2 has no idle timer at all, so this one timer per connection covers both.
///
/// Written as one `poll_fn` rather than a `select!` loop: it runs on every wake-up of the
/// connection's task, and the stop signal is one atomic load (see [`Stop`]).
///
/// `close_gracefully` asks the connection to finish its in-flight requests and close: hyper's
/// HTTP/1 and auto connections each have a `graceful_shutdown` but share no trait for it, and a
/// closure at the call site names neither type's bounds.
pub(super) async fn watch_connection<C, E>(
    conn: C,
    close_gracefully: fn(std::pin::Pin<&mut C>),
    activity: Arc<Activity>,
    deadlines: Deadlines,
    stop: Stop,
    peer: std::net::SocketAddr,
) where
    C: Future<Output = std::result::Result<(), E>>,
    E: std::fmt::Display,
{
    tokio::pin!(conn);
    let timer = tokio::time::sleep(deadlines.head);
    tokio::pin!(timer);
    let mut closing = Closing::No;
    let mut seen_head = false;
    let mut registration: Option<Registration> = None;
    std::future::poll_fn(|cx| loop {
        if registration.is_none() {
            registration = Some(stop.register(cx.waker()));
        }
        if let Poll::Ready(result) = conn.as_mut().poll(cx) {
            if let Err(err) = result {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            return Poll::Ready(());
        }
        match stop.phase() {
            Phase::Force => return Poll::Ready(()),
            Phase::Graceful if closing != Closing::Shutdown => {
                close_gracefully(conn.as_mut());
                // In-flight requests keep the connection until the server's grace period
                // ends and the phase becomes `Force`.
                closing = Closing::Shutdown;
                timer
                    .as_mut()
                    .reset(Instant::now() + Duration::from_secs(60 * 60 * 24));
                // The connection must be polled again to act on the close.
                continue;
            }
            _ => {}
        }
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        match closing {
            // A request that started just as the idle close began may finish.
            Closing::Idle if activity.in_flight() > 0 => {
                timer.as_mut().reset(now + CLOSE_GRACE);
                continue;
            }
            Closing::Idle | Closing::Shutdown => {
                tracing::debug!(%peer, "closing a connection that did not finish in time");
                return Poll::Ready(());
            }
            Closing::No => {}
        }
        if !seen_head {
            if activity.started() == 0 {
                tracing::debug!(%peer, "no request head within header_read_timeout; closing");
                return Poll::Ready(());
            }
            seen_head = true;
        }
        let idle = deadlines.idle_for(activity.is_http2());
        match activity.idle_deadline(idle) {
            Some(deadline) if deadline > now => timer.as_mut().reset(deadline),
            None => timer.as_mut().reset(now + idle),
            Some(_) => {
                close_gracefully(conn.as_mut());
                closing = Closing::Idle;
                timer.as_mut().reset(now + CLOSE_GRACE);
            }
        }
    })
    .await;
}

/// Why a connection is being closed, if it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closing {
    No,
    /// Idle for its limit: it gets `CLOSE_GRACE` per request still running.
    Idle,
    /// The server is stopping: it gets until the phase is `Force`.
    Shutdown,
}

/// What the watchdog knows of a connection's requests, updated by [`ConnService`].
pub(super) struct Activity {
    epoch: Instant,
    started: AtomicU64,
    in_flight: AtomicUsize,
    /// Set by the first HTTP/2 request: HTTP/2 connections get the longer idle limit.
    http2: AtomicBool,
    /// Milliseconds from `epoch` to the end of the last response.
    last_end_ms: AtomicU64,
}

impl Activity {
    pub(super) fn new() -> Self {
        Activity {
            epoch: Instant::now(),
            started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            http2: AtomicBool::new(false),
            last_end_ms: AtomicU64::new(0),
        }
    }

    fn started(&self) -> u64 {
        self.started.load(Ordering::Acquire)
    }

    fn is_http2(&self) -> bool {
        self.http2.load(Ordering::Relaxed)
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

    pub(super) fn begin(self: &Arc<Self>, version: http::Version) -> RequestGuard {
        if version == http::Version::HTTP_2 && !self.is_http2() {
            self.http2.store(true, Ordering::Relaxed);
        }
        self.started.fetch_add(1, Ordering::AcqRel);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        RequestGuard(self.clone())
    }
}

/// Marks the end of a request when its response is ready, or when hyper drops it.
pub(super) struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let ms = u64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        // The end time is written before the count drops, so a watchdog that sees no
        // request in flight also sees when the last one ended.
        self.0.last_end_ms.store(ms, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}
