//! The `Session` extractor: a request's session, read from its store the first time a handler
//! (or another extractor) asks for it, and written back by the middleware only when changed.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alder_db::Database;
use alder_web::ProjectState;
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::backend::{self, database, Backend, Data};
use crate::{SessionConfig, SessionError};

/// The data key holding a session's own expiry, as Django's `_session_expiry`.
pub(crate) const EXPIRY_KEY: &str = "_session_expiry";

/// What the middleware made at start-up: the settings and the engine.
pub(crate) struct Runtime {
    pub(crate) config: SessionConfig,
    pub(crate) backend: Backend,
    /// The project, for its database pool when the session is written back.
    pub(crate) state: ProjectState,
}

/// How long a session lives, set per session with [`Session::set_expiry`] (Django's
/// `set_expiry`).
///
/// ```
/// use alder_sessions::Expiry;
/// let remember_me = Expiry::Seconds(60 * 60 * 24 * 30);
/// assert_ne!(remember_me, Expiry::AtBrowserClose);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// As the settings say (`cookie_age`, `expire_at_browser_close`).
    Default,
    /// This many seconds from the last save (Django's `set_expiry(seconds)`); `Seconds(0)`
    /// is [`AtBrowserClose`](Self::AtBrowserClose), as Django's `set_expiry(0)`.
    Seconds(u64),
    /// When the browser closes: the cookie gets no `Max-Age` (Django's `set_expiry(0)`).
    /// The server still forgets the session after `cookie_age`.
    AtBrowserClose,
}

/// A request's session (Django's `request.session`, Flask's `session`): values of any type
/// that serializes to JSON, kept between requests of one browser.
///
/// Take it as an extractor. It is read from the store when first extracted; the sessions
/// middleware writes it back after the handler only if it changed, and sends the cookie then.
/// Clones share one session.
///
/// ```
/// use alder_sessions::Session;
/// async fn visit(session: Session) -> alder_web::Result<String> {
///     let visits: u32 = session.get("visits")?.unwrap_or(0) + 1;
///     session.insert("visits", visits)?;
///     Ok(format!("visit number {visits}"))
/// }
/// # let app = alder_web::App::new("counter").route("/", alder_web::routing::get(visit), "visit");
/// ```
#[derive(Clone)]
pub struct Session(pub(crate) Arc<Shared>);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.0.lock();
        f.debug_struct("Session")
            .field("keys", &inner.data.keys().collect::<Vec<_>>())
            .field("modified", &inner.modified)
            .finish_non_exhaustive()
    }
}

/// One request's session, shared by the middleware and every `Session` handle of the request.
pub(crate) struct Shared {
    pub(crate) runtime: Arc<Runtime>,
    /// The cookie's value as the request sent it.
    pub(crate) incoming: Option<String>,
    /// Held while the session is read, so two extractors of one request read it once.
    gate: tokio::sync::Mutex<()>,
    inner: Mutex<Inner>,
}

/// The session's state; locked only for moments, never across an await.
#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) loaded: bool,
    /// The stored row this session is written back to; `None` for a new session, after
    /// `flush` or `cycle_key`, and always with the cookie engine.
    pub(crate) key: Option<String>,
    pub(crate) data: Data,
    pub(crate) modified: bool,
    /// Rows to delete when the session is saved: the keys given up by `flush`/`cycle_key`.
    pub(crate) stale_keys: Vec<String>,
}

impl Shared {
    pub(crate) fn new(runtime: Arc<Runtime>, incoming: Option<String>) -> Self {
        Shared {
            runtime,
            incoming,
            gate: tokio::sync::Mutex::new(()),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the session the cookie names, once per request. A key that names no live
    /// session, a tampered or expired cookie: an empty new session, never an error.
    async fn load(&self, db: Option<Database>) -> Result<(), SessionError> {
        let _gate = self.gate.lock().await;
        if self.lock().loaded {
            return Ok(());
        }
        let name = &self.runtime.config.cookie_name;
        let (key, data) = match (&self.runtime.backend, &db) {
            (Backend::Database, Some(db)) => {
                match self
                    .incoming
                    .as_deref()
                    .filter(|k| backend::is_valid_key(k))
                {
                    Some(key) => match database::load(db, key).await? {
                        Some(data) => (Some(key.to_owned()), data),
                        None => (None, Data::new()),
                    },
                    None => (None, Data::new()),
                }
            }
            (Backend::Database, None) => return Err(SessionError::NoDatabase),
            (Backend::Redis(redis), _) => {
                match self
                    .incoming
                    .as_deref()
                    .filter(|k| backend::is_valid_key(k))
                {
                    Some(key) => match redis.load(key).await? {
                        Some(data) => (Some(key.to_owned()), data),
                        None => (None, Data::new()),
                    },
                    None => (None, Data::new()),
                }
            }
            (Backend::Cookie(codec), _) => {
                let now = alder_db::chrono::Utc::now().timestamp();
                let data = self
                    .incoming
                    .as_deref()
                    .and_then(|raw| codec.decode(name, raw, now));
                (None, data.unwrap_or_default())
            }
        };
        let mut inner = self.lock();
        inner.loaded = true;
        inner.key = key;
        inner.data = data;
        Ok(())
    }
}

impl Session {
    /// The value stored under `key`, as a `T`; `None` when there is none. A value of another
    /// type is an error naming the key.
    ///
    /// ```
    /// # async fn page(session: alder_sessions::Session) -> alder_web::Result<()> {
    /// let cart: Vec<i64> = session.get("cart")?.unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let Some(value) = self.0.lock().data.get(key).cloned() else {
            return Ok(None);
        };
        serde_json::from_value(value)
            .map(Some)
            .map_err(|source| SessionError::Decode {
                key: key.to_owned(),
                expected: std::any::type_name::<T>(),
                source,
            })
    }

    /// The raw JSON value stored under `key`.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.0.lock().data.get(key).cloned()
    }

    /// Stores `value` under `key` (anything that serializes to JSON) and returns the value it
    /// replaces. The session is saved after the handler.
    ///
    /// ```
    /// # async fn page(session: alder_sessions::Session) -> alder_web::Result<()> {
    /// session.insert("theme", "dark")?;
    /// # Ok(()) }
    /// ```
    pub fn insert<T: Serialize>(
        &self,
        key: impl Into<String>,
        value: T,
    ) -> Result<Option<Value>, SessionError> {
        let key = key.into();
        let value = serde_json::to_value(value).map_err(|source| SessionError::Encode {
            key: key.clone(),
            source,
        })?;
        let mut inner = self.0.lock();
        inner.modified = true;
        Ok(inner.data.insert(key, value))
    }

    /// Takes the value under `key` out of the session.
    pub fn remove(&self, key: &str) -> Option<Value> {
        let mut inner = self.0.lock();
        let old = inner.data.remove(key);
        inner.modified |= old.is_some();
        old
    }

    /// Whether a value is stored under `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.lock().data.contains_key(key)
    }

    /// The keys of the stored values, in order.
    pub fn keys(&self) -> Vec<String> {
        self.0.lock().data.keys().cloned().collect()
    }

    /// Whether the session holds nothing. An empty session is never stored and sends no
    /// cookie.
    pub fn is_empty(&self) -> bool {
        self.0.lock().data.is_empty()
    }

    /// Whether the session changed during this request (and will be saved).
    pub fn is_modified(&self) -> bool {
        self.0.lock().modified
    }

    /// Removes every value but keeps the session (Django's `clear()`).
    pub fn clear(&self) {
        let mut inner = self.0.lock();
        inner.data.clear();
        inner.modified = true;
    }

    /// Removes every value and ends the session: its stored row is deleted and its cookie
    /// removed; anything stored afterwards goes into a new session under a new key (Django's
    /// `flush()`, what logging out does).
    pub fn flush(&self) {
        let mut inner = self.0.lock();
        inner.data.clear();
        Self::give_up_key(&mut inner);
    }

    /// Keeps the values under a new key and deletes the old one (Django's `cycle_key()`,
    /// what logging in does), so a key an attacker planted before login is worthless after.
    pub fn cycle_key(&self) {
        Self::give_up_key(&mut self.0.lock());
    }

    fn give_up_key(inner: &mut Inner) {
        if let Some(old) = inner.key.take() {
            inner.stale_keys.push(old);
        }
        inner.modified = true;
    }

    /// The key the stored session has: `None` for a session not saved yet (a new key is made
    /// when it is), and with the cookie engine, which stores no row.
    pub fn key(&self) -> Option<String> {
        self.0.lock().key.clone()
    }

    /// Changes how long this session lives from its next save (Django's `set_expiry`).
    ///
    /// ```
    /// # async fn login(session: alder_sessions::Session, remember: bool) {
    /// use alder_sessions::Expiry;
    /// session.set_expiry(if remember { Expiry::Seconds(30 * 86_400) } else { Expiry::AtBrowserClose });
    /// # }
    /// ```
    pub fn set_expiry(&self, expiry: Expiry) {
        let mut inner = self.0.lock();
        match expiry {
            Expiry::Default => {
                inner.data.remove(EXPIRY_KEY);
            }
            Expiry::Seconds(seconds) if seconds > 0 => {
                inner.data.insert(EXPIRY_KEY.into(), Value::from(seconds));
            }
            Expiry::Seconds(_) | Expiry::AtBrowserClose => {
                inner.data.insert(EXPIRY_KEY.into(), Value::from(0));
            }
        }
        inner.modified = true;
    }

    /// Seconds this session lives from its next save (Django's `get_expiry_age`).
    pub fn expiry_age(&self) -> u64 {
        lifetime(&self.0.runtime.config, &self.0.lock().data).0
    }

    /// Whether this session's cookie ends when the browser closes (Django's
    /// `get_expire_at_browser_close`).
    pub fn expires_at_browser_close(&self) -> bool {
        lifetime(&self.0.runtime.config, &self.0.lock().data).1
    }
}

/// Seconds the session lives on the server, and whether its cookie is a browser-session one.
pub(crate) fn lifetime(config: &SessionConfig, data: &Data) -> (u64, bool) {
    let (age, at_browser_close) = match data.get(EXPIRY_KEY).and_then(Value::as_u64) {
        Some(0) => (config.cookie_age, true),
        Some(seconds) => (seconds, false),
        None => (config.cookie_age, config.expire_at_browser_close),
    };
    (age.min(crate::config::MAX_AGE), at_browser_close)
}

impl Session {
    /// Whether the sessions middleware has seen this request: `false` when the sessions app
    /// is not installed, or when the caller's middleware runs before it (its app was added
    /// before the sessions app), where a session changed would never be saved.
    ///
    /// ```
    /// let (parts, _) = http::Request::new(()).into_parts();
    /// assert!(!alder_sessions::Session::available(&parts));
    /// ```
    pub fn available(parts: &Parts) -> bool {
        parts.extensions.get::<Slot>().is_some()
    }

    /// An error for the middleware of app `app` when [`available`](Self::available) is
    /// false: it says which `.app(…)` line to move.
    ///
    /// ```
    /// let (parts, _) = http::Request::new(()).into_parts();
    /// let err = alder_sessions::Session::require(&parts, "alder_auth").unwrap_err();
    /// assert!(err.to_string().contains("before `.app(alder_auth::app())`"));
    /// ```
    pub fn require(parts: &Parts, app: &str) -> alder_web::Result<()> {
        if Self::available(parts) {
            return Ok(());
        }
        Err(alder_web::Error::Config(format!(
            "{app} comes before the sessions app: add `.app(alder_sessions::app())` before `.app({app}::app())`"
        )))
    }

    /// Whether the request came with a session cookie, found without reading the session:
    /// a request without one has an empty session, so middleware that only reads (the
    /// messages app, the current user) can skip the read. `false` without the sessions app.
    ///
    /// ```
    /// let (parts, _) = http::Request::new(()).into_parts();
    /// assert!(!alder_sessions::Session::cookie_sent(&parts));
    /// ```
    pub fn cookie_sent(parts: &Parts) -> bool {
        parts
            .extensions
            .get::<Slot>()
            .is_some_and(|Slot(shared)| shared.incoming.is_some())
    }
}

/// The request's session as the middleware leaves it in the request.
#[derive(Clone)]
pub(crate) struct Slot(pub(crate) Arc<Shared>);

impl<S> FromRequestParts<S> for Session
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = alder_web::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(Slot(shared)) = parts.extensions.get::<Slot>().cloned() else {
            return Err(SessionError::NotInstalled.into_web());
        };
        if !shared.lock().loaded {
            // The request's own database handle: the handler's queries and the session's
            // read share one connection. It is not kept: the write after the handler takes
            // a connection of its own, so `drop(db)` in a handler still gives one back early.
            let db = match shared.runtime.backend {
                Backend::Database => Some(alder_web::Db::from_request_parts(parts, state).await?.0),
                Backend::Cookie(_) | Backend::Redis(_) => None,
            };
            shared.load(db).await.map_err(SessionError::into_web)?;
        }
        Ok(Session(shared))
    }
}

/// The session is read from its cookie; the API document shows nothing for it.
#[cfg(feature = "api")]
impl alder_api::ApiInput for Session {}
