//! Logging in and out through the session (Django's `login`, `logout`, `get_user`): the user's
//! key and a fingerprint of their password hash are kept in the session, so changing the
//! password ends every other session of the user.

use alder_db::chrono::Utc;
use alder_db::Database;
use alder_sessions::Session;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::models::User;
use crate::AuthError;

/// The session key holding the logged-in user's key (Django's `_auth_user_id`).
pub const SESSION_USER_ID: &str = "_auth_user_id";
/// The session key holding the fingerprint of the user's password hash (Django's
/// `_auth_user_hash`).
pub const SESSION_HASH: &str = "_auth_user_hash";

/// What the auth app made at start-up from the secret key.
pub(crate) struct Keys {
    fingerprint: Vec<u8>,
}

impl Keys {
    pub(crate) fn new(secret: &str) -> Self {
        let mut key = Sha256::new();
        key.update(b"alder.auth.session-hash\0");
        key.update(secret.as_bytes());
        Keys {
            fingerprint: key.finalize().to_vec(),
        }
    }

    /// HMAC-SHA256 of the password hash (Django's `get_session_auth_hash`): the session keeps
    /// this, not the hash itself.
    pub(crate) fn fingerprint(&self, user: &User) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.fingerprint)
            .expect("HMAC takes keys of any length");
        mac.update(user.password.as_bytes());
        crate::hex::encode(&mac.finalize().into_bytes())
    }

    /// Whether `sent` is the fingerprint of `user`'s password, compared in constant time.
    fn matches(&self, user: &User, sent: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.fingerprint)
            .expect("HMAC takes keys of any length");
        mac.update(user.password.as_bytes());
        let Some(bytes) = crate::hex::decode(sent) else {
            return false;
        };
        mac.verify_slice(&bytes).is_ok()
    }
}

/// Logs `user` in on `session`: a session of another user is ended first, any other gets a
/// new key (so a key planted before login is worthless), and `last_login` is saved.
pub(crate) async fn login(
    keys: &Keys,
    db: &Database,
    session: &Session,
    user: &mut User,
) -> Result<(), AuthError> {
    let id = user.id.get().ok_or(AuthError::Unsaved)?;
    match session.get::<i64>(SESSION_USER_ID).ok().flatten() {
        Some(previous) if previous != id => session.flush(),
        _ => session.cycle_key(),
    }
    session.insert(SESSION_USER_ID, id)?;
    session.insert(SESSION_HASH, keys.fingerprint(user))?;
    user.last_login = Some(Utc::now());
    User::objects()
        .filter(User::id().eq(id))
        .update(db, [User::last_login().set(user.last_login)])
        .await?;
    Ok(())
}

/// The user the session is logged in as: `None` for none, for a user deleted or made
/// inactive since, and for a session whose password fingerprint no longer matches (the
/// password changed elsewhere) — that session is ended.
pub(crate) async fn session_user(
    keys: &Keys,
    db: &Database,
    session: &Session,
) -> Result<Option<User>, AuthError> {
    let Some(id) = session.get::<i64>(SESSION_USER_ID).ok().flatten() else {
        return Ok(None);
    };
    let user = User::objects().filter(User::id().eq(id)).first(db).await?;
    let fingerprint = session.get::<String>(SESSION_HASH).ok().flatten();
    match (user, fingerprint) {
        (Some(user), Some(sent)) if user.is_active && keys.matches(&user, &sent) => Ok(Some(user)),
        _ => {
            session.flush();
            Ok(None)
        }
    }
}

/// Keeps the current session logged in after its user's password changed (Django's
/// `update_session_auth_hash`); the user's other sessions end at their next request.
pub(crate) fn keep_session(keys: &Keys, session: &Session, user: &User) -> Result<(), AuthError> {
    session.cycle_key();
    session.insert(SESSION_HASH, keys.fingerprint(user))?;
    Ok(())
}
