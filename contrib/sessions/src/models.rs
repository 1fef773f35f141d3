//! The table the database engine keeps sessions in.

use alder_db::chrono::{DateTime, Utc};
use alder_db::Model;

/// One session as the database engine stores it (Django's `Session` model, table
/// `sessions_session`): the random key the cookie holds, the data as JSON, and when it
/// expires. `clearsessions` deletes the expired rows.
///
/// ```
/// use alder_db::Model;
/// use alder_sessions::models::StoredSession;
/// assert_eq!(StoredSession::META.table, "sessions_session");
/// ```
#[derive(Model, Debug, Clone)]
#[model(app = "sessions", table = "sessions_session", verbose_name = "session")]
pub struct StoredSession {
    /// The key in the session cookie: 32 random lowercase letters and digits.
    #[model(primary_key, max_length = 40)]
    pub session_key: String,
    /// The session's values, a JSON object.
    pub session_data: String,
    /// When the session stops being valid.
    #[model(db_index)]
    pub expire_date: DateTime<Utc>,
}
