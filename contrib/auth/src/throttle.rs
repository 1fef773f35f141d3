//! Login throttling: failed attempts counted per username and per client address in a fixed
//! window; at the limit, further attempts are refused until the window ends, whether or not
//! the password would be right (so a brute force learns nothing), and a success clears the
//! username's count. The clock is tokio's, so tests can move time on.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The most keys remembered; past it, keys whose window is over are forgotten first.
const MAX_KEYS: usize = 100_000;

/// Failed attempts per key in the current window.
pub(crate) struct Throttle {
    limit: u32,
    window: Duration,
    keys: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Throttle {
            limit,
            window,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)` when `key` has used its attempts: how long until it may try again.
    pub(crate) fn check(&self, key: &str) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        match self.keys().get(key) {
            Some((start, count)) if *count >= self.limit && now < *start + self.window => {
                Err(*start + self.window - now)
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt of `key`.
    pub(crate) fn fail(&self, key: &str) {
        if self.limit == 0 {
            return;
        }
        let now = Instant::now();
        let mut keys = self.keys();
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            let window = self.window;
            keys.retain(|_, (start, _)| now < *start + window);
            if keys.len() >= MAX_KEYS {
                // Under a flood of distinct keys, forget the lot rather than grow.
                keys.clear();
            }
        }
        let entry = keys.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// Forgets `key`'s failures (a successful login).
    pub(crate) fn clear(&self, key: &str) {
        self.keys().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_limit_holds_for_the_window_and_then_lifts() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("ada").is_ok());
            throttle.fail("ada");
        }
        let wait = throttle.check("ada").unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
        assert!(throttle.check("bob").is_ok(), "other keys are not affected");
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(throttle.check("ada").is_err());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(throttle.check("ada").is_ok());
        throttle.fail("ada");
        assert!(
            throttle.check("ada").is_ok(),
            "a new window starts counting afresh"
        );
        throttle.clear("ada");
        assert!(throttle.keys().is_empty());
    }
}
