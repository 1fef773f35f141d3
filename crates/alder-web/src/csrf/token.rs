//! The CSRF secret and its masked tokens, in Django's format so that the same JavaScript
//! works: a secret of 32 letters and digits lives in the cookie; each page gets a token of
//! 64, a random mask followed by the secret shifted by the mask. The token changes with every
//! response while the secret does not, so a compressed page never repeats a secret an
//! attacker could guess byte by byte (BREACH).

/// Letters and digits, as Django's `CSRF_ALLOWED_CHARS`.
const CHARS: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Length of the secret, in characters.
pub(crate) const SECRET_LENGTH: usize = 32;
/// Length of a masked token: the mask, then the shifted secret.
pub(crate) const TOKEN_LENGTH: usize = 2 * SECRET_LENGTH;

/// A secret: 32 indexes into [`CHARS`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Secret([u8; SECRET_LENGTH]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// Why a token sent with a request could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    Length,
    Characters,
}

impl Secret {
    /// A fresh random secret from the operating system's generator.
    pub(crate) fn generate() -> Secret {
        Secret(random_indexes())
    }

    /// Reads the cookie's value: a 32-character secret, or a 64-character masked token as
    /// Django before 4.1 stored.
    pub(crate) fn parse(text: &str) -> Result<Secret, Malformed> {
        match text.len() {
            SECRET_LENGTH => Ok(Secret(indexes(text.as_bytes())?)),
            TOKEN_LENGTH => unmask(text),
            _ => Err(Malformed::Length),
        }
    }

    /// The secret as the cookie holds it.
    pub(crate) fn to_text(self) -> String {
        self.0.iter().map(|&i| CHARS[i as usize] as char).collect()
    }

    /// A masked token for a page: a new random mask each time.
    pub(crate) fn mask(self) -> String {
        let mask = random_indexes();
        let mut out = String::with_capacity(TOKEN_LENGTH);
        out.extend(mask.iter().map(|&m| CHARS[m as usize] as char));
        out.extend(
            self.0
                .iter()
                .zip(mask)
                .map(|(&s, m)| CHARS[((s + m) % 62) as usize] as char),
        );
        out
    }

    /// Whether `sent` (a masked token, or the bare secret as a script may copy it from the
    /// cookie) holds this secret. Compared in constant time, so response times reveal nothing
    /// of how much of a guess was right.
    pub(crate) fn matches(self, sent: &str) -> Result<bool, Malformed> {
        let theirs = Secret::parse(sent)?;
        let difference = self
            .0
            .iter()
            .zip(theirs.0)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        Ok(std::hint::black_box(difference) == 0)
    }
}

fn unmask(token: &str) -> Result<Secret, Malformed> {
    let all = indexes::<TOKEN_LENGTH>(token.as_bytes())?;
    let mut secret = [0u8; SECRET_LENGTH];
    for (i, out) in secret.iter_mut().enumerate() {
        let (mask, shifted) = (all[i], all[SECRET_LENGTH + i]);
        *out = (shifted + 62 - mask) % 62;
    }
    Ok(Secret(secret))
}

fn indexes<const N: usize>(text: &[u8]) -> Result<[u8; N], Malformed> {
    let mut out = [0u8; N];
    if text.len() != N {
        return Err(Malformed::Length);
    }
    for (slot, &byte) in out.iter_mut().zip(text) {
        *slot = match byte {
            b'a'..=b'z' => byte - b'a',
            b'A'..=b'Z' => byte - b'A' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            _ => return Err(Malformed::Characters),
        };
    }
    Ok(out)
}

/// 32 uniform indexes into [`CHARS`]: bytes of 248 and above are drawn again, since
/// 248 = 4 × 62 and a plain `% 62` would favour the first characters.
fn random_indexes() -> [u8; SECRET_LENGTH] {
    let mut out = [0u8; SECRET_LENGTH];
    let mut filled = 0;
    let mut pool = [0u8; 64];
    while filled < SECRET_LENGTH {
        getrandom::fill(&mut pool).expect("the operating system's random generator failed");
        for &byte in pool.iter().filter(|&&b| b < 248) {
            if filled == SECRET_LENGTH {
                break;
            }
            out[filled] = byte % 62;
            filled += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_unmasks_to_its_secret_and_differs_each_time() {
        let secret = Secret::generate();
        let (a, b) = (secret.mask(), secret.mask());
        assert_eq!(a.len(), TOKEN_LENGTH);
        assert_ne!(a, b, "a new mask per token");
        assert_eq!(Secret::parse(&a), Ok(secret));
        assert_eq!(secret.matches(&b), Ok(true));
        assert_eq!(
            secret.matches(&secret.to_text()),
            Ok(true),
            "the bare secret"
        );
        assert_eq!(Secret::generate().matches(&a), Ok(false));
    }

    #[test]
    fn malformed_tokens_say_why() {
        let secret = Secret::generate();
        assert_eq!(secret.matches("short"), Err(Malformed::Length));
        assert_eq!(secret.matches(&"-".repeat(32)), Err(Malformed::Characters));
        assert_eq!(secret.matches(&"é".repeat(16)), Err(Malformed::Characters));
    }

    #[test]
    fn a_token_masked_as_django_masks_it_is_read() {
        // Django's `_mask_cipher_secret` adds each mask character's index to the secret's;
        // with the mask a, b, c, … the shift is the position.
        let secret = Secret::parse("Y8uDmq6bb3PzYwG0YDnEeUC1hVrkNv4z").unwrap();
        let token = "abcdefghijklmnopqrstuvwxyzABCDEF".to_string()
            + &secret
                .0
                .iter()
                .enumerate()
                .map(|(i, &s)| CHARS[(s as usize + i) % 62] as char)
                .collect::<String>();
        assert_eq!(secret.matches(&token), Ok(true));
    }
}
