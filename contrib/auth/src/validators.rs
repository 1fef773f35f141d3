//! Password validators, Django's four defaults (`AUTH_PASSWORD_VALIDATORS`): too similar to
//! the user's name or address, too short, too common (Django's list of 20,000, shipped in the
//! crate), entirely numeric. Each refusal has Django's code and message.

use std::collections::HashSet;
use std::sync::OnceLock;

use alder_db::ValidationError;

/// Django's list of common passwords (from Royce Williams' list), one per line, lowercase.
const COMMON: &str = include_str!("common-passwords.txt");

/// How close (0 to 1) a password may come to the user's name or address; Django's default.
const MAX_SIMILARITY: f64 = 0.7;

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().map(str::trim).collect())
}

/// Every reason `password` is refused for a user with these `attributes` (their verbose
/// name and value: `("username", "ada")`), in Django's order; empty when it is acceptable.
///
/// ```
/// let problems = alder_auth::validate_password("ada12345", 8, &[("username", "ada1234")]);
/// assert_eq!(problems[0].code(), "password_too_similar");
/// assert!(alder_auth::validate_password("correct horse battery", 8, &[]).is_empty());
/// assert_eq!(alder_auth::validate_password("12345678", 8, &[])[0].code(), "password_too_common");
/// ```
pub fn validate_password(
    password: &str,
    min_length: usize,
    attributes: &[(&str, &str)],
) -> Vec<ValidationError> {
    let mut problems = Vec::new();
    if let Some(name) = too_similar(password, attributes) {
        problems.push(ValidationError::new(
            "password_too_similar",
            format!("The password is too similar to the {name}."),
        ));
    }
    if password.chars().count() < min_length {
        problems.push(ValidationError::new(
            "password_too_short",
            format!(
                "This password is too short. It must contain at least {min_length} character{}.",
                if min_length == 1 { "" } else { "s" }
            ),
        ));
    }
    if common().contains(password.trim().to_lowercase().as_str()) {
        problems.push(ValidationError::new(
            "password_too_common",
            "This password is too common.",
        ));
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push(ValidationError::new(
            "password_entirely_numeric",
            "This password is entirely numeric.",
        ));
    }
    problems
}

/// The verbose name of the first attribute the password is too close to (Django's
/// `UserAttributeSimilarityValidator`: each attribute and each of its word-separated parts,
/// compared by `SequenceMatcher.quick_ratio`).
fn too_similar<'a>(password: &str, attributes: &[(&'a str, &str)]) -> Option<&'a str> {
    let password = password.to_lowercase();
    for (name, value) in attributes {
        let value = value.to_lowercase();
        if value.is_empty() {
            continue;
        }
        let mut parts: Vec<&str> = value
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|p| !p.is_empty())
            .collect();
        parts.push(&value);
        for part in parts {
            if far_longer(&password, part) {
                continue;
            }
            if quick_ratio(&password, part) >= MAX_SIMILARITY {
                return Some(name);
            }
        }
    }
    None
}

/// Django's `exceeds_maximum_length_ratio`: a password ten times the length of a short part
/// cannot be "similar" to it.
fn far_longer(password: &str, part: &str) -> bool {
    let password_len = password.chars().count() as f64;
    let part_len = part.chars().count() as f64;
    password_len >= 10.0 * part_len && part_len < MAX_SIMILARITY / 2.0 * password_len
}

/// Python's `SequenceMatcher(a, b).quick_ratio()`: twice the characters in common (as
/// multisets) over the total length.
fn quick_ratio(a: &str, b: &str) -> f64 {
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        return 1.0;
    }
    let mut counts = std::collections::HashMap::<char, i64>::new();
    for c in b.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let mut matches = 0;
    for c in a.chars() {
        if let Some(n) = counts.get_mut(&c) {
            if *n > 0 {
                *n -= 1;
                matches += 1;
            }
        }
    }
    2.0 * f64::from(matches) / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(password: &str, attributes: &[(&str, &str)]) -> Vec<String> {
        validate_password(password, 8, attributes)
            .into_iter()
            .map(|e| e.code().to_string())
            .collect()
    }

    #[test]
    fn django_s_four_validators() {
        assert!(codes("a sound passphrase", &[]).is_empty());
        assert_eq!(codes("short", &[]), ["password_too_short"]);
        assert_eq!(
            codes("password", &[]),
            ["password_too_common"],
            "Django's list includes it"
        );
        assert_eq!(codes("PASSWORD ", &[]), ["password_too_common"]);
        assert_eq!(codes("83749501274", &[]), ["password_entirely_numeric"]);
        assert_eq!(
            codes(
                "ada.lovelace",
                &[("email address", "ada.lovelace@example.com")]
            ),
            ["password_too_similar"]
        );
        assert_eq!(
            codes(
                "lovelace1815",
                &[("username", "ada"), ("email address", "lovelace@x.io")]
            ),
            ["password_too_similar"]
        );
        // A long passphrase that merely contains a short name is fine.
        assert!(codes("ada went to the seaside in winter", &[("username", "ada")]).is_empty());
        assert!(validate_password("12", 8, &[])
            .iter()
            .any(|e| e.message().contains("at least 8 characters")));
    }
}
