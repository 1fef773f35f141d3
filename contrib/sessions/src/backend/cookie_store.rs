//! The cookie engine: the session's values in the cookie itself, signed with HMAC-SHA256 (or
//! sealed with AES-256-GCM) by the `cookie` crate's jars, with the expiry inside so that an
//! old cookie a client kept is refused by the server too.

use base64::Engine as _;
use cookie::{Cookie, CookieJar, Key};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::Data;

/// Signs or seals session cookies with a key derived from the project's secret key.
pub(crate) struct CookieCodec {
    key: Key,
    encrypt: bool,
}

/// What the cookie carries.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// The cookie's name: the signed jar signs the value alone, and a value signed for
    /// another of the site's cookies must not pass for this one.
    #[serde(rename = "n")]
    name: String,
    /// When the session expires, in seconds since 1970.
    #[serde(rename = "e")]
    expires: i64,
    #[serde(rename = "d")]
    data: Data,
}

impl CookieCodec {
    /// A codec whose key is derived from `secret` (any length: SHA-512 of it, kept apart
    /// from other uses of the secret by a label).
    pub(crate) fn new(secret: &str, encrypt: bool) -> Self {
        let mut hash = sha2::Sha512::new();
        hash.update(b"alder.sessions.cookie\0");
        hash.update(secret.as_bytes());
        let key = Key::from(hash.finalize().as_slice());
        CookieCodec { key, encrypt }
    }

    /// The values in the cookie `name` sent as `raw`: `None` when it was changed, cut short,
    /// signed with another key, or has expired.
    pub(crate) fn decode(&self, name: &str, raw: &str, now: i64) -> Option<Data> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(name.to_owned(), raw.to_owned()));
        let json = if self.encrypt {
            jar.private(&self.key).get(name)?.value().to_owned()
        } else {
            let verified = jar.signed(&self.key).get(name)?;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(verified.value())
                .ok()?;
            String::from_utf8(bytes).ok()?
        };
        let payload: Payload = serde_json::from_str(&json).ok()?;
        (payload.name == name && payload.expires > now).then_some(payload.data)
    }

    /// The cookie value that carries `data` until `expires` (seconds since 1970).
    pub(crate) fn encode(&self, name: &str, data: &Data, expires: i64) -> String {
        let payload = Payload {
            name: name.to_owned(),
            expires,
            data: data.clone(),
        };
        // A map of JSON values always serializes.
        let json = serde_json::to_string(&payload).unwrap_or_default();
        let mut jar = CookieJar::new();
        if self.encrypt {
            jar.private_mut(&self.key)
                .add(Cookie::new(name.to_owned(), json));
        } else {
            // Base64 keeps JSON's quotes, commas and spaces out of the cookie, where browsers
            // do not all accept them.
            let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
            jar.signed_mut(&self.key)
                .add(Cookie::new(name.to_owned(), encoded));
        }
        jar.get(name)
            .map(|cookie| cookie.value().to_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Data {
        let mut data = Data::new();
        data.insert("cart".into(), serde_json::json!([1, 2, 3]));
        data
    }

    #[test]
    fn values_round_trip_signed_and_sealed() {
        for encrypt in [false, true] {
            let codec = CookieCodec::new("secret", encrypt);
            let value = codec.encode("sessionid", &data(), 2_000);
            assert_eq!(codec.decode("sessionid", &value, 1_000), Some(data()));
            assert!(!value.contains('"') && !value.contains(' ') && !value.contains(','));
            if encrypt {
                // A sealed cookie does not show what it holds, even decoded.
                let codec = CookieCodec::new("secret", false);
                assert_eq!(codec.decode("sessionid", &value, 1_000), None);
            }
        }
    }

    #[test]
    fn tampered_truncated_foreign_and_expired_cookies_are_refused() {
        for encrypt in [false, true] {
            let codec = CookieCodec::new("secret", encrypt);
            let value = codec.encode("sessionid", &data(), 2_000);
            let mut flipped = value.clone().into_bytes();
            let last = flipped.len() - 2;
            flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
            let flipped = String::from_utf8(flipped).unwrap();
            assert_eq!(codec.decode("sessionid", &flipped, 1_000), None);
            assert_eq!(
                codec.decode("sessionid", &value[..value.len() - 3], 1_000),
                None
            );
            assert_eq!(codec.decode("sessionid", "", 1_000), None);
            assert_eq!(
                CookieCodec::new("other", encrypt).decode("sessionid", &value, 1_000),
                None
            );
            // Bound to its name: the same value under another cookie name is refused.
            assert_eq!(codec.decode("other", &value, 1_000), None);
            assert_eq!(codec.decode("sessionid", &value, 2_000), None);
        }
    }
}
