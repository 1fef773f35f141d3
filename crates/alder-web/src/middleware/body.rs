//! The request body as handlers see it: bounded in size, in the wait for each piece, and in
//! total time through a minimum rate, so a client that drips one byte every few seconds
//! cannot hold an upload (and its connection slot) open for ever.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use http_body::{Frame, SizeHint};
use http_body_util::Limited;
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

/// How a request body may arrive.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyPace {
    /// The longest wait for the next piece of the body.
    pub(crate) read_timeout: Duration,
    /// Bytes per second the body must average once `read_timeout` has passed; 0 for none.
    pub(crate) min_rate: u64,
}

/// Set when a body was cut off for being too slow, so the response can say 408 whatever
/// the extractor made of the read error.
#[derive(Clone, Default)]
pub(crate) struct TimedOut(Arc<AtomicBool>);

impl TimedOut {
    pub(crate) fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Wraps `body` so it yields at most `limit` bytes (then the `LengthLimitError` axum's
/// extractors answer with 413) and fails once it arrives slower than `pace` allows.
///
/// The clock starts when the handler first reads the body, so time spent before that (waiting
/// for a database connection, say) is not held against the client.
pub(crate) fn guard(body: Body, limit: usize, pace: BodyPace, timed_out: TimedOut) -> Body {
    let start = Instant::now();
    Body::new(PacedBody {
        inner: Limited::new(body, limit),
        timer: tokio::time::sleep_until(start + pace.read_timeout),
        start,
        started: false,
        received: 0,
        pace,
        timed_out,
    })
}

pin_project! {
    struct PacedBody<B> {
        #[pin]
        inner: B,
        #[pin]
        timer: Sleep,
        start: Instant,
        started: bool,
        received: u64,
        pace: BodyPace,
        timed_out: TimedOut,
    }
}

impl<B> PacedBody<B> {
    /// The next piece is due by the earlier of: `read_timeout` from now, and the time by
    /// which `received` bytes were owed at the minimum rate (after the first `read_timeout`).
    fn deadline(start: Instant, received: u64, pace: BodyPace) -> Instant {
        let next = Instant::now() + pace.read_timeout;
        if pace.min_rate == 0 {
            return next;
        }
        let owed = Duration::from_secs_f64(received as f64 / pace.min_rate as f64);
        next.min(start + pace.read_timeout + owed)
    }
}

/// The body stopped arriving, or arrived slower than the minimum rate.
#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly and was cut off (see `body_read_timeout` and `body_min_rate`)")]
struct TooSlow;

impl<B> http_body::Body for PacedBody<B>
where
    B: http_body::Body<Data = bytes::Bytes, Error = axum::BoxError>,
{
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        if !*this.started {
            *this.started = true;
            *this.start = Instant::now();
            this.timer
                .as_mut()
                .reset(*this.start + this.pace.read_timeout);
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.received += data.len() as u64;
                }
                let deadline = Self::deadline(*this.start, *this.received, *this.pace);
                this.timer.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match this.timer.poll(cx) {
                Poll::Ready(()) => {
                    this.timed_out.0.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(Box::new(TooSlow))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether reading a body failed because it passed the body limit (so the answer is 413):
/// the limit's error somewhere in the chain of whatever error the reader wraps it in.
pub(crate) fn passed_the_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}
