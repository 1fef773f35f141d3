//! Lowercase hexadecimal for the tokens and fingerprints the app writes into sessions and
//! links, and back.

/// `bytes` as lowercase hexadecimal.
pub(crate) fn encode(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The bytes `text` spells in hexadecimal; `None` for an odd length or another character.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    // `from_str_radix` alone would take a sign ("+1").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(super::encode(&[0, 171, 255]), "00abff");
        assert_eq!(super::decode("00abff"), Some(vec![0, 171, 255]));
        for bad in ["0", "zz", "+1", "é0"] {
            assert_eq!(super::decode(bad), None, "{bad}");
        }
    }
}
