//! The server's stop signal as every connection sees it.
//!
//! Each connection's watchdog checks it on every wake-up of its task, so the check must not
//! touch memory that other threads write: a shared `CancellationToken` takes its node's mutex
//! on each poll, which put one lock that every connection contends for on the hot path
//! (measured with `perf` in `bench/`). Here the state is an atomic that only changes at
//! shutdown, and a connection's waker is registered once, when its watchdog starts.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Waker;

/// How far the server is in stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    Running = 0,
    /// Finish in-flight requests, then close.
    Graceful = 1,
    /// The grace period is over: close now.
    Force = 2,
}

/// The server's stop signal; clones share it.
#[derive(Clone, Default)]
pub(super) struct Stop {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    phase: AtomicU8,
    /// The wakers of the connections being served, to wake them when the phase changes.
    wakers: Mutex<slab::Slab<Waker>>,
}

impl Stop {
    /// The current phase: one atomic load of a value written only at shutdown.
    pub(super) fn phase(&self) -> Phase {
        match self.inner.phase.load(Ordering::Acquire) {
            0 => Phase::Running,
            1 => Phase::Graceful,
            _ => Phase::Force,
        }
    }

    /// Moves to `phase` (never back) and wakes every connection so it sees the change.
    pub(super) fn advance(&self, phase: Phase) {
        self.inner.phase.fetch_max(phase as u8, Ordering::AcqRel);
        let wakers = self
            .inner
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (_, waker) in wakers.iter() {
            waker.wake_by_ref();
        }
    }

    /// Registers the waker of a connection's task until the returned guard is dropped. A
    /// task's waker stays the same for its life, so once is enough.
    pub(super) fn register(&self, waker: &Waker) -> Registration {
        let key = self
            .inner
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(waker.clone());
        Registration {
            stop: self.clone(),
            key,
        }
    }
}

/// A connection's place in the stop signal's waker list.
pub(super) struct Registration {
    stop: Stop,
    key: usize,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.stop
            .inner
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_wakes_registered_connections_and_never_goes_back() {
        let stop = Stop::default();
        let (waker, count) = counting_waker();
        let registration = stop.register(&waker);
        assert_eq!(stop.phase(), Phase::Running);
        stop.advance(Phase::Force);
        stop.advance(Phase::Graceful);
        assert_eq!(stop.phase(), Phase::Force);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        drop(registration);
        stop.advance(Phase::Force);
        assert_eq!(
            count.load(Ordering::SeqCst),
            2,
            "a closed connection is not woken"
        );
    }

    fn counting_waker() -> (Waker, Arc<std::sync::atomic::AtomicUsize>) {
        struct Count(Arc<std::sync::atomic::AtomicUsize>);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        (Waker::from(Arc::new(Count(count.clone()))), count)
    }
}
