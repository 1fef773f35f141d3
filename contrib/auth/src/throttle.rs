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

    /// Counts an attempt of `key` now, before its password is checked, so parallel guesses
    /// cannot all slip under the limit: `Err(wait)` (nothing counted) when `key` has used its
    /// attempts, with how long until it may try again.
    pub(crate) fn attempt(&self, key: &str) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut keys = self.keys();
        if let Some((start, count)) = keys.get_mut(key) {
            if now >= *start + self.window {
                *start = now;
                *count = 0;
            }
            if *count >= self.limit {
                return Err(*start + self.window - now);
            }
            *count += 1;
            return Ok(());
        }
        if keys.len() >= MAX_KEYS {
            let window = self.window;
            keys.retain(|_, (start, _)| now < *start + window);
            if keys.len() >= MAX_KEYS {
                // Never forget a lock to make room: leave the new key uncounted instead.
                tracing::warn!(target: "alder::security", "login throttle full ({MAX_KEYS} keys): not counting a new one");
                return Ok(());
            }
        }
        keys.insert(key.to_owned(), (now, 1));
        Ok(())
    }

    /// Takes back one attempt of `key` (it logged in, or another throttle refused it).
    pub(crate) fn forgive(&self, key: &str) {
        if let Some((_, count)) = self.keys().get_mut(key) {
            *count = count.saturating_sub(1);
        }
    }

    /// Forgets `key`'s attempts (a successful login).
    pub(crate) fn clear(&self, key: &str) {
        self.keys().remove(key);
    }
}

/// The key a client address is counted under: IPv4 as it is (also when it came mapped into
/// IPv6), IPv6 by its /64, which one client usually has whole.
pub(crate) fn address_key(addr: std::net::IpAddr) -> String {
    match addr {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_limit_holds_for_the_window_and_then_lifts() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.attempt("ada").is_ok());
        }
        let wait = throttle.attempt("ada").unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
        assert!(
            throttle.attempt("bob").is_ok(),
            "other keys are not affected"
        );
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(throttle.attempt("ada").is_err());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(
            throttle.attempt("ada").is_ok(),
            "a new window starts counting afresh"
        );
        assert!(throttle.attempt("ada").is_ok());
        throttle.forgive("ada");
        assert!(throttle.attempt("ada").is_ok());
        assert!(throttle.attempt("ada").is_ok());
        assert!(throttle.attempt("ada").is_err());
        throttle.clear("ada");
        assert!(throttle.attempt("ada").is_ok());
    }

    #[test]
    fn addresses_are_keyed_by_client() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }
}
