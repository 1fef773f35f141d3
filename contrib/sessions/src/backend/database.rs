//! The database engine: a row of `sessions_session` per session.

use alder_db::chrono::{DateTime, Utc};
use alder_db::{crud, Database, DbError};

use super::Data;
use crate::models::StoredSession;
use crate::SessionError;

/// How many fresh keys to try when a new one clashes with a stored key (which at 165 bits
/// means the generator is broken, not bad luck).
const KEY_ATTEMPTS: usize = 10;

/// The values of the live session stored under `key`, or `None` when there is none (never
/// was, expired, or deleted by a logout). A row whose data is not a JSON object reads as an
/// empty session, with a warning, as Django treats corrupted session data.
pub(crate) async fn load(db: &Database, key: &str) -> Result<Option<Data>, SessionError> {
    let row = StoredSession::objects()
        .filter(StoredSession::session_key().eq(key))
        .filter(StoredSession::expire_date().gt(Utc::now()))
        .first(db)
        .await?;
    Ok(row.map(|row| match serde_json::from_str(&row.session_data) {
        Ok(data) => data,
        Err(err) => {
            tracing::warn!(target: "alder::sessions", "session data corrupted, starting afresh: {err}");
            Data::new()
        }
    }))
}

/// Writes new values for the session stored under `key`. A row that is gone (deleted by a
/// logout in another tab while this request ran) is [`SessionError::Interrupted`]: writing it
/// again would bring a logged-out session back.
pub(crate) async fn update(
    db: &Database,
    key: &str,
    data: &Data,
    expires: DateTime<Utc>,
) -> Result<(), SessionError> {
    let changed = StoredSession::objects()
        .filter(StoredSession::session_key().eq(key))
        .update(
            db,
            [
                StoredSession::session_data().set(encode(data)),
                StoredSession::expire_date().set(expires),
            ],
        )
        .await?;
    if changed == 0 {
        return Err(SessionError::Interrupted);
    }
    Ok(())
}

/// Stores a new session under a fresh key and returns the key.
pub(crate) async fn create(
    db: &Database,
    data: &Data,
    expires: DateTime<Utc>,
) -> Result<String, SessionError> {
    let session_data = encode(data);
    for _ in 0..KEY_ATTEMPTS {
        let mut row = StoredSession {
            session_key: super::new_key(),
            session_data: session_data.clone(),
            expire_date: expires,
        };
        match crud::insert(db, &mut row).await {
            Ok(()) => return Ok(row.session_key),
            Err(DbError::UniqueViolation { .. }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(SessionError::NoFreshKey)
}

/// Deletes the session stored under `key`, if any.
pub(crate) async fn delete(db: &Database, key: &str) -> Result<(), SessionError> {
    StoredSession::objects()
        .filter(StoredSession::session_key().eq(key))
        .delete(db)
        .await?;
    Ok(())
}

/// Deletes every expired session; returns how many (`clearsessions`).
pub(crate) async fn clear_expired(db: &Database) -> Result<u64, SessionError> {
    Ok(StoredSession::objects()
        .filter(StoredSession::expire_date().lte(Utc::now()))
        .delete(db)
        .await?)
}

fn encode(data: &Data) -> String {
    // A map of JSON values always serializes.
    serde_json::to_string(data).unwrap_or_else(|_| String::from("{}"))
}
