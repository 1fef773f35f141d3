//! The request's messages: those the session held when it arrived plus those added since,
//! the `Messages` extractor that adds them, and the template value that shows them once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use alder_sessions::Session;
use alder_web::{IntoResponse, ProjectState, TemplateContext};
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::request::Parts;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::{Deserialize, Serialize};

use crate::SESSION_KEY;

/// How important a message is; the numbers are Django's, so levels compare and custom ones fit
/// between.
///
/// ```
/// use alder_messages::Level;
/// assert!(Level::Error > Level::Warning);
/// assert_eq!(Level::Success.tag(), "success");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Level {
    /// Development notes; dropped unless `[messages] level = "debug"`.
    Debug = 10,
    /// Information.
    Info = 20,
    /// Something worked.
    Success = 25,
    /// Something to look at.
    Warning = 30,
    /// Something failed.
    Error = 40,
}

impl Level {
    /// The tag templates style the message by (Django's `DEFAULT_TAGS`).
    pub fn tag(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Success => "success",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// The level named `name` (`debug`, `info`, `success`, `warning`, `error`, any case).
    pub fn from_name(name: &str) -> Option<Level> {
        [
            Level::Debug,
            Level::Info,
            Level::Success,
            Level::Warning,
            Level::Error,
        ]
        .into_iter()
        .find(|level| level.tag().eq_ignore_ascii_case(name))
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level as u8
    }
}

impl TryFrom<u8> for Level {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, String> {
        match number {
            10 => Ok(Level::Debug),
            20 => Ok(Level::Info),
            25 => Ok(Level::Success),
            30 => Ok(Level::Warning),
            40 => Ok(Level::Error),
            other => Err(format!("no message level {other}")),
        }
    }
}

/// One message: its level, its text and any extra tags (Django's `extra_tags`).
///
/// ```
/// let message = alder_messages::Message::new(alder_messages::Level::Info, "Welcome back.");
/// assert_eq!(message.tags(), "info");
/// assert_eq!(message.with_tags("banner").tags(), "banner info");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// How important it is.
    #[serde(rename = "l")]
    pub level: Level,
    /// What it says (escaped in templates like any text).
    #[serde(rename = "m")]
    pub text: String,
    /// More CSS classes, separated by spaces.
    #[serde(rename = "t", default, skip_serializing_if = "String::is_empty")]
    pub extra_tags: String,
}

impl Message {
    /// A message of `level` saying `text`.
    pub fn new(level: Level, text: impl Into<String>) -> Self {
        Message {
            level,
            text: text.into(),
            extra_tags: String::new(),
        }
    }

    /// The same message with extra tags.
    pub fn with_tags(mut self, tags: impl Into<String>) -> Self {
        self.extra_tags = tags.into();
        self
    }

    /// The extra tags, then the level's tag: what a template puts in `class`.
    pub fn tags(&self) -> String {
        if self.extra_tags.is_empty() {
            self.level.tag().to_owned()
        } else {
            format!("{} {}", self.extra_tags, self.level.tag())
        }
    }
}

impl Object for Message {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "text" | "message" => Some(Value::from(self.text.clone())),
            "level" => Some(Value::from(self.level as u8)),
            "level_tag" => Some(Value::from(self.level.tag())),
            "tags" => Some(Value::from(self.tags())),
            "extra_tags" => Some(Value::from(self.extra_tags.clone())),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The most messages kept waiting; beyond it the oldest are dropped (a client that never
/// shows a page, such as a script, would otherwise grow the session without end).
const MAX_PENDING: usize = 100;

/// The request's messages, shared by the middleware, every `Messages` handle and the
/// template value.
struct Store {
    /// The request's session: read by the middleware when the request has a session cookie
    /// (it may hold messages), else by the first `Messages` extractor (to add one).
    session: OnceLock<Session>,
    minimum: Level,
    /// Messages not shown yet: those the session held, then those added.
    pending: Mutex<Vec<Message>>,
    /// Whether `pending` differs from what the session holds.
    changed: AtomicBool,
    /// Set once the session has been written: pages rendered later (error pages) show
    /// nothing, so what they would show stays in the session for the next page.
    closed: AtomicBool,
}

impl Store {
    fn pending(&self) -> MutexGuard<'_, Vec<Message>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mark_changed(&self) {
        self.changed.store(true, Ordering::Relaxed);
    }

    /// Takes every pending message: they are being shown.
    fn take(&self) -> Vec<Message> {
        if self.closed.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let taken = std::mem::take(&mut *self.pending());
        if !taken.is_empty() {
            self.mark_changed();
        }
        taken
    }

    /// Writes what is still pending back to the session, if it changed.
    fn finish(&self) {
        self.closed.store(true, Ordering::Relaxed);
        if !self.changed.load(Ordering::Relaxed) {
            return;
        }
        let Some(session) = self.session.get() else {
            // Changed without a session: only possible when nothing was stored or added.
            return;
        };
        let pending = self.pending().clone();
        if pending.is_empty() {
            session.remove(SESSION_KEY);
        } else if let Err(err) = session.insert(SESSION_KEY, pending) {
            // Messages always serialize; say so loudly if that ever changes.
            tracing::error!(target: "alder::messages", "messages not kept: {err}");
        }
    }
}

/// Adds messages for the next page that shows them (Django's `messages.success(request, …)`,
/// Flask's `flash`). Take it as an extractor; it needs the messages app.
///
/// ```
/// async fn delete(messages: alder_messages::Messages) -> &'static str {
///     messages.warning("The post was deleted.");
///     "deleted"
/// }
/// ```
#[derive(Clone)]
pub struct Messages(Arc<Store>);

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Messages").field(&*self.0.pending()).finish()
    }
}

impl Messages {
    /// Adds `message`, unless its level is below `[messages] level`.
    pub fn add(&self, message: Message) {
        if message.level < self.0.minimum {
            return;
        }
        let mut pending = self.0.pending();
        pending.push(message);
        if pending.len() > MAX_PENDING {
            let dropped = pending.len() - MAX_PENDING;
            pending.drain(..dropped);
            tracing::warn!(target: "alder::messages", "more than {MAX_PENDING} messages waiting: the oldest {dropped} dropped");
        }
        drop(pending);
        self.0.mark_changed();
    }

    /// Adds a debug message (dropped unless `[messages] level = "debug"`).
    pub fn debug(&self, text: impl Into<String>) {
        self.add(Message::new(Level::Debug, text));
    }

    /// Adds an information message.
    pub fn info(&self, text: impl Into<String>) {
        self.add(Message::new(Level::Info, text));
    }

    /// Adds a success message.
    pub fn success(&self, text: impl Into<String>) {
        self.add(Message::new(Level::Success, text));
    }

    /// Adds a warning.
    pub fn warning(&self, text: impl Into<String>) {
        self.add(Message::new(Level::Warning, text));
    }

    /// Adds an error message.
    pub fn error(&self, text: impl Into<String>) {
        self.add(Message::new(Level::Error, text));
    }

    /// Takes the pending messages to show them some other way (in a JSON answer, say); they
    /// will not be shown again. Django's iterating `get_messages(request)`.
    pub fn take(&self) -> Vec<Message> {
        self.0.take()
    }

    /// The pending messages, left pending.
    pub fn peek(&self) -> Vec<Message> {
        self.0.pending().clone()
    }
}

impl<S> FromRequestParts<S> for Messages
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = alder_web::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let messages = parts.extensions.get::<Messages>().cloned().ok_or_else(|| {
            alder_web::Error::other(
                "messages",
                std::io::Error::other(
                    "the messages app is not installed: add `.app(alder_messages::app())` after the sessions app",
                ),
            )
        })?;
        if messages.0.session.get().is_none() {
            // Adding needs the session, which the middleware did not read for a request
            // without a session cookie.
            let session = Session::from_request_parts(parts, state).await?;
            let _ = messages.0.session.set(session);
        }
        Ok(messages)
    }
}

/// `messages` as templates see it: the pending messages, taken (so shown once) the first
/// time the page looks at them, the same list however often it looks.
#[derive(Debug)]
struct TemplateMessages {
    store: Arc<Store>,
    shown: OnceLock<Vec<Value>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl TemplateMessages {
    fn shown(&self) -> &[Value] {
        self.shown.get_or_init(|| {
            self.store
                .take()
                .into_iter()
                .map(Value::from_object)
                .collect()
        })
    }
}

impl Object for TemplateMessages {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.shown().get(key.as_usize()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.shown().len())
    }
}

/// The messages middleware: reads what the session holds, offers `messages` to templates and
/// `Messages` to handlers, and writes back what was not shown.
pub(crate) async fn middleware(
    State((state, minimum)): State<(ProjectState, Level)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    // Messages added outside the sessions middleware would be written after it saved.
    if let Err(err) = Session::require(&parts, "alder_messages") {
        return err.into_response();
    }
    let session = OnceLock::new();
    let mut stored = Vec::new();
    // Only a request with a session cookie can have messages waiting; static files and
    // uploads never show them. Other requests read no session (no query, no `Vary`).
    if Session::cookie_sent(&parts) && !state.is_file_path(parts.uri.path()) {
        match Session::from_request_parts(&mut parts, &state).await {
            Ok(read) => {
                // A value that does not read as messages (written by something else) is
                // dropped.
                stored = read.get(SESSION_KEY).ok().flatten().unwrap_or_default();
                let _ = session.set(read);
            }
            Err(err) => return err.into_response(),
        }
    }
    let store = Arc::new(Store {
        session,
        minimum,
        pending: Mutex::new(stored),
        changed: AtomicBool::new(false),
        closed: AtomicBool::new(false),
    });
    parts.extensions.insert(Messages(store.clone()));
    TemplateContext::add(
        &mut parts.extensions,
        "messages",
        Value::from_object(TemplateMessages {
            store: store.clone(),
            shown: OnceLock::new(),
        }),
    );
    let response = next.run(Request::from_parts(parts, body)).await;
    store.finish();
    response
}

/// Messages ride on the session; the API document shows nothing for them.
#[cfg(feature = "api")]
impl alder_api::ApiInput for Messages {}
