//! Failing fast while PostgreSQL is down. Without this, every request during an outage waits
//! the whole acquire timeout (sqlx retries the connection until then) before its error: a
//! dozen clients make a queue of slow failures. Once a connection attempt has failed, acquires
//! are refused at once with `DbError::Unavailable`, and one background task probes the server
//! (a fresh connection, backing off from 50 ms to 500 ms) until it answers; the first request
//! after that goes through as usual.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::ConnectOptions;

use crate::error::DbError;

/// Whether the database is known to be down, shared by every handle on one pool.
#[derive(Default)]
pub(super) struct Health {
    down: AtomicBool,
    /// When it was found down, and why.
    detail: Mutex<Option<(Instant, String)>>,
    probing: AtomicBool,
}

/// The longest wait between two probes: a database that comes back is used within it.
const MAX_BACKOFF: Duration = Duration::from_millis(500);

impl Health {
    /// `Err(Unavailable)` while the database is known to be down (one atomic load otherwise).
    pub(super) fn refuse(&self, url: &str) -> Result<(), DbError> {
        if !self.down.load(Ordering::Acquire) {
            return Ok(());
        }
        let detail = self.detail.lock().unwrap_or_else(|p| p.into_inner());
        let (since, reason) = detail
            .as_ref()
            .map_or((Instant::now(), String::new()), |(t, r)| (*t, r.clone()));
        Err(DbError::Unavailable {
            url: url.to_string(),
            since_ms: u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX),
            reason,
        })
    }

    /// Records that a connection to `pool`'s server could not be made, and starts the probe
    /// if none runs.
    pub(super) fn mark_down(self: &Arc<Self>, reason: String, pool: &sqlx::PgPool) {
        *self.detail.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), reason));
        self.down.store(true, Ordering::Release);
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let health = Arc::clone(self);
        let options = pool.connect_options();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(50);
            loop {
                tokio::time::sleep(backoff).await;
                let attempt = tokio::time::timeout(Duration::from_secs(2), options.connect()).await;
                if let Ok(Ok(conn)) = attempt {
                    let _ = sqlx::Connection::close(conn).await;
                    health.down.store(false, Ordering::Release);
                    health.probing.store(false, Ordering::Release);
                    tracing::info!("the database answers again");
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
    }
}
