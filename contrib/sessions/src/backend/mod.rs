//! Where sessions are kept: the engines behind [`Engine`](crate::Engine).

pub(crate) mod cookie_store;
pub(crate) mod database;
pub(crate) mod redis_store;

use serde_json::{Map, Value};

/// A session's values, as JSON.
pub(crate) type Data = Map<String, Value>;

/// The engine a project runs, made once at start-up.
pub(crate) enum Backend {
    /// Rows of `sessions_session` in the project's database.
    Database,
    /// The data in the cookie, signed (or sealed) with a key derived from the secret key.
    Cookie(cookie_store::CookieCodec),
    /// A key per session in Redis, shared by every instance.
    Redis(redis_store::RedisStore),
}

/// Letters and digits of a session key, as Django's `VALID_KEY_CHARS`.
const KEY_CHARS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The length of a new session key.
pub(crate) const KEY_LENGTH: usize = 32;

/// A new random session key from the operating system's generator: 32 characters of 36,
/// about 165 bits.
pub(crate) fn new_key() -> String {
    let mut key = String::with_capacity(KEY_LENGTH);
    while key.len() < KEY_LENGTH {
        let mut bytes = [0u8; 48];
        // The OS generator failing is an unusable machine; there is no safe key to fall
        // back to, and the panic fails this request only.
        getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
        // Bytes of 252 and above are dropped so that every character is equally likely
        // (252 is the largest multiple of 36 below 256).
        for byte in bytes.into_iter().filter(|b| *b < 252) {
            if key.len() < KEY_LENGTH {
                key.push(KEY_CHARS[byte as usize % KEY_CHARS.len()] as char);
            }
        }
    }
    key
}

/// Whether `text` can be a key this app made: anything else in the cookie is ignored without
/// a query (Django's `_validate_session_key`).
pub(crate) fn is_valid_key(text: &str) -> bool {
    (8..=40).contains(&text.len()) && text.bytes().all(|b| KEY_CHARS.contains(&b))
}
