//! Password hashes: argon2id in PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), the
//! `argon2` crate's defaults (OWASP's recommendation). A hash made with weaker parameters
//! still verifies and is upgraded at the next login, as Django re-hashes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params, PasswordHash};

/// What an unusable password starts with (Django's `UNUSABLE_PASSWORD_PREFIX`).
const UNUSABLE_PREFIX: char = '!';

fn hasher() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        Params::DEFAULT,
    )
}

/// The hash of `raw`, with a fresh random salt.
pub(crate) fn make(raw: &str) -> String {
    match hasher().hash_password(raw.as_bytes()) {
        Ok(hash) => hash.to_string(),
        // Only a failing OS random generator gets here: store a password nobody can match.
        Err(err) => {
            tracing::error!(target: "alder::auth", "hashing a password failed: {err}");
            unusable()
        }
    }
}

/// A password no input matches, different for every call (Django's
/// `make_password(None)`).
pub(crate) fn unusable() -> String {
    let mut bytes = [0u8; 20];
    // Without randomness the marker alone still matches nothing.
    let _ = getrandom::fill(&mut bytes);
    format!("{UNUSABLE_PREFIX}{}", crate::hex::encode(&bytes))
}

/// Whether `stored` is a hash some password can match.
pub(crate) fn is_usable(stored: &str) -> bool {
    !stored.starts_with(UNUSABLE_PREFIX) && PasswordHash::new(stored).is_ok()
}

/// Whether `raw` matches `stored`. An unusable or malformed hash matches nothing, after the
/// same hashing work as a real check (so the answer's timing does not tell such users apart;
/// Django's CVE-2024-39329).
pub(crate) fn verify(raw: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) if is_usable(stored) => hasher().verify_password(raw.as_bytes(), &hash).is_ok(),
        _ => {
            let _ = verify(raw, dummy_hash());
            false
        }
    }
}

/// A real hash of nothing anyone knows, to spend the same time on as a real check.
pub(crate) fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| make("alder-dummy-password"))
}

/// At most this many hashes at once (one per core): each takes ~19 MiB and tens of
/// milliseconds, so a burst of logins queues here instead of exhausting memory.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs `work` on tokio's blocking threads, one slot per core, so hashing never stalls the
/// threads that serve requests.
async fn off_the_reactor<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    // The semaphore is never closed, so acquiring cannot fail; fall back to running inline.
    let _slot = hashing_slots().acquire().await.ok();
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic.into_panic()),
    }
}

/// [`make`] off the request threads.
pub(crate) async fn make_async(raw: &str) -> String {
    let raw = raw.to_owned();
    off_the_reactor(move || make(&raw)).await
}

/// [`verify`] off the request threads.
pub(crate) async fn verify_async(raw: &str, stored: &str) -> bool {
    let (raw, stored) = (raw.to_owned(), stored.to_owned());
    off_the_reactor(move || verify(&raw, &stored)).await
}

/// Whether a (matching) hash was made with other parameters than today's, and should be
/// made again now that the password is known (Django's `must_update`).
pub(crate) fn needs_upgrade(stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(&hash) {
        Ok(params) => {
            params.m_cost() != Params::DEFAULT_M_COST
                || params.t_cost() != Params::DEFAULT_T_COST
                || params.p_cost() != Params::DEFAULT_P_COST
        }
        Err(_) => true,
    }
}

/// A hash with deliberately weak parameters, for the upgrade test.
#[cfg(test)]
pub(crate) fn make_weak(raw: &str) -> String {
    let params = Params::new(1024, 1, 1, None).expect("valid parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(raw.as_bytes())
        .expect("hashing works")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_weak_ones_ask_for_an_upgrade() {
        let hash = make("s3cret-enough");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify("s3cret-enough", &hash));
        assert!(!verify("s3cret-enougH", &hash));
        assert!(!needs_upgrade(&hash));
        assert_ne!(make("s3cret-enough"), hash, "a fresh salt each time");

        let weak = make_weak("s3cret-enough");
        assert!(verify("s3cret-enough", &weak));
        assert!(needs_upgrade(&weak));
    }

    #[test]
    fn unusable_and_malformed_hashes_match_nothing() {
        let a = unusable();
        assert!(a.starts_with('!') && a != unusable());
        for stored in [a.as_str(), "", "plain", "$argon2id$v=19$garbage"] {
            assert!(!verify("", stored));
            assert!(!verify(stored, stored));
            assert!(!is_usable(stored));
        }
    }
}
