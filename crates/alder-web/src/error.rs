//! The one error type of the web layer and how it becomes a response.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;

use alder_db::DbError;

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::routing::ReverseError;
use crate::templates::TemplateError;

/// A `Result` whose error is Alder's [`Error`].
///
/// ```
/// fn parse(n: &str) -> alder_web::Result<u32> {
///     n.parse().map_err(|_| alder_web::Error::bad_request("expected a number"))
/// }
/// assert!(parse("x").is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the web layer, from a missing page to a broken template.
///
/// A handler returns `alder::Result<T>`; an `Err` becomes a response with the right status.
/// In production its body is the project's `404.html`/`500.html` (or a plain built-in page);
/// with `debug = true` a 500 shows the debug page with the whole error chain.
///
/// ```
/// use alder_web::Error;
/// let err = Error::NotFound;
/// assert_eq!(err.status(), http::StatusCode::NOT_FOUND);
/// ```
///
/// `?` works on any `std::error::Error` in a handler, as with anyhow: the error keeps its
/// chain for the debug page and the log, and answers 500. A database error keeps its meaning
/// (a `get` finding nothing is 404, an unreachable database 503), and so do template and URL
/// errors. For that reason `Error` is not itself a `std::error::Error`; it converts into
/// `Box<dyn std::error::Error>` where one is needed.
///
/// ```
/// async fn total(axum::extract::Path(n): axum::extract::Path<String>) -> alder_web::Result<String> {
///     let n: u32 = n.parse()?; // a ParseIntError, answered 500 with its message in the log
///     Ok((n * 2).to_string())
/// }
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let err: alder_web::Error = "x".parse::<u32>().unwrap_err().into();
///     assert_eq!(err.to_string(), "invalid digit found in string");
///     Err(alder_web::Error::NotFound)?; // into a Box<dyn Error>, as a `main` wants
///     # Ok(())
/// }
/// # let _ = total; let _ = main();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The page does not exist: answered with 404, like Django's `Http404`.
    NotFound,
    /// An error with a chosen status code and a message safe to show to the client.
    Http {
        /// The status of the response.
        status: StatusCode,
        /// A message shown to the client, so it must hold no secrets.
        message: String,
    },
    /// A template could not be found, compiled or rendered.
    Template(TemplateError),
    /// A URL could not be built from a route name.
    Reverse(ReverseError),
    /// The project is configured wrongly; raised at start-up, before any request.
    Config(String),
    /// The command line was wrong; the text is clap's message with the usage.
    Usage(String),
    /// A file or socket operation failed.
    Io {
        /// What Alder was doing, e.g. "writing staticfiles/app.css".
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A handler panicked; the panic was caught and only this request failed.
    Panic(String),
    /// Any other error, with the context of where it happened.
    Other {
        /// What Alder or the application was doing.
        context: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// An error answered with `status` and a `message` shown to the client.
    ///
    /// ```
    /// let err = alder_web::Error::http(http::StatusCode::FORBIDDEN, "not yours");
    /// assert_eq!(err.status(), 403);
    /// ```
    pub fn http(status: StatusCode, message: impl Into<String>) -> Self {
        Error::Http {
            status,
            message: message.into(),
        }
    }

    /// A 400 Bad Request with a message for the client.
    ///
    /// ```
    /// assert_eq!(alder_web::Error::bad_request("no").status(), 400);
    /// ```
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::http(StatusCode::BAD_REQUEST, message)
    }

    /// Wraps any error with a sentence saying what was being done.
    ///
    /// ```
    /// let io = std::io::Error::other("disk full");
    /// let err = alder_web::Error::other("saving the upload", io);
    /// assert_eq!(err.to_string(), "saving the upload");
    /// ```
    pub fn other(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Other {
            context: context.into(),
            source: source.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The HTTP status this error is answered with. An error given context with
    /// [`ResultExt::context`] keeps the status of the Alder error inside it.
    ///
    /// ```
    /// use alder_web::{Error, ResultExt};
    /// assert_eq!(Error::Config("x".into()).status(), 500);
    /// let missing: alder_web::Result<()> = Err(Error::NotFound);
    /// assert_eq!(missing.context("loading the post").unwrap_err().status(), 404);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self.innermost() {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Http { status, .. } => *status,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Alder error this one wraps through `Other`, if any: it decides the status and
    /// the message the client sees.
    fn innermost(&self) -> &Error {
        let mut current = self;
        while let Error::Other { source, .. } = current {
            match source.downcast_ref::<Wrapped>() {
                Some(Wrapped(inner)) => current = inner,
                None => break,
            }
        }
        current
    }

    /// The error that caused this one, as the standard library's `source` would say.
    fn cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Template(err) => err.source(),
            Error::Reverse(err) => err.source(),
            Error::Io { source, .. } => Some(source),
            Error::Other { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }

    /// Turns any boxed error into an Alder error, recovering the meaning of the errors Alder
    /// knows: a database error keeps its status, an Alder error given as a source is itself.
    fn from_boxed(err: Box<dyn std::error::Error + Send + Sync>) -> Self {
        let err = match err.downcast::<Wrapped>() {
            Ok(wrapped) => return wrapped.0,
            Err(err) => err,
        };
        let err = match err.downcast::<DbError>() {
            Ok(db) => return crate::database::db_error(*db),
            Err(err) => err,
        };
        let err = match err.downcast::<TemplateError>() {
            Ok(template) => return Error::Template(*template),
            Err(err) => err,
        };
        let err = match err.downcast::<ReverseError>() {
            Ok(reverse) => return Error::Reverse(*reverse),
            Err(err) => err,
        };
        Error::Other {
            context: err.to_string(),
            source: err,
        }
    }

    /// The messages of this error and of every error that caused it, outermost first.
    ///
    /// ```
    /// let err = alder_web::Error::other("loading", std::io::Error::other("denied"));
    /// assert_eq!(err.chain(), vec!["loading".to_string(), "denied".to_string()]);
    /// ```
    pub fn chain(&self) -> Vec<String> {
        let mut out = vec![self.to_string()];
        let mut source = self.cause();
        while let Some(err) = source {
            let text = err.to_string();
            if out.last() != Some(&text) {
                out.push(text);
            }
            source = err.source();
        }
        out
    }
}

/// `.context("…")` on any `Result` whose error is a `std::error::Error` or an Alder [`Error`]:
/// the error becomes
/// an Alder [`Error`] that says what was being done and keeps the whole chain for the debug
/// page and the log (anyhow's `Context`). An Alder error inside keeps its status, so a 404
/// stays a 404.
///
/// ```
/// use alder_web::ResultExt;
/// fn read_config() -> alder_web::Result<String> {
///     std::fs::read_to_string("/no/such/file").context("reading the shop's config")
/// }
/// let err = read_config().unwrap_err();
/// assert_eq!(err.chain()[0], "reading the shop's config");
/// assert_eq!(err.status(), 500);
/// ```
pub trait ResultExt<T> {
    /// Wraps the error with a sentence saying what was being done.
    fn context(self, context: impl Into<String>) -> Result<T>;

    /// Like [`context`](Self::context), with the sentence built only on error.
    ///
    /// ```
    /// use alder_web::ResultExt;
    /// let id = 7;
    /// let parsed: alder_web::Result<u32> = "x".parse::<u32>().with_context(|| format!("post {id}"));
    /// assert_eq!(parsed.unwrap_err().to_string(), "post 7");
    /// ```
    fn with_context<C: Into<String>>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E> ResultExt<T> for std::result::Result<T, E>
where
    E: Into<Error>,
{
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::other(context, e.into()))
    }

    fn with_context<C: Into<String>>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| Error::other(context(), e.into()))
    }
}

/// `.context("…")` on an `Option`: `None` becomes a 404 carrying the sentence in its chain,
/// as Django's `get_object_or_404`.
///
/// ```
/// use alder_web::OptionExt;
/// let post: Option<u32> = None;
/// let err = post.or_404("no post with this slug").unwrap_err();
/// assert_eq!(err.status(), 404);
/// ```
pub trait OptionExt<T> {
    /// `None` becomes [`Error::NotFound`], with `context` for the debug page.
    fn or_404(self, context: impl Into<String>) -> Result<T>;
}

impl<T> OptionExt<T> for Option<T> {
    fn or_404(self, context: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::other(context, Error::NotFound))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound => f.write_str("page not found"),
            Error::Http { message, .. } => f.write_str(message),
            Error::Template(err) => err.fmt(f),
            Error::Reverse(err) => err.fmt(f),
            Error::Config(message) => write!(f, "configuration error: {message}"),
            Error::Usage(message) => f.write_str(message),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Panic(message) => write!(f, "handler panicked: {message}"),
            Error::Other { context, .. } => f.write_str(context),
        }
    }
}

/// `?` on any error in a handler (anyhow's blanket conversion).
impl<E> From<E> for Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(err: E) -> Self {
        Error::from_boxed(Box::new(err))
    }
}

/// An Alder error where a `std::error::Error` is needed: as the source inside another error,
/// or behind `?` in a function returning `Box<dyn Error>`. Private, so that the blanket
/// conversion above can recognise (and unwrap) it.
struct Wrapped(Error);

impl fmt::Debug for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.cause()
    }
}

impl From<Error> for Box<dyn std::error::Error + Send + Sync> {
    fn from(err: Error) -> Self {
        Box::new(Wrapped(err))
    }
}

impl From<Error> for Box<dyn std::error::Error> {
    fn from(err: Error) -> Self {
        Box::new(Wrapped(err))
    }
}

/// What the error-page middleware needs to know about a failed request: attached to the
/// response of an [`Error`] so that the page is rendered once, by one piece of code.
#[derive(Clone, Debug)]
pub(crate) struct ErrorReport {
    pub(crate) chain: Arc<Vec<String>>,
    pub(crate) template: Option<Arc<TemplateError>>,
    /// Shown to the client even in production (only for [`Error::Http`]).
    pub(crate) public_message: Option<String>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self.chain().join(": "), "request failed");
        }
        let public_message = match self.innermost() {
            Error::Http { message, .. } => Some(message.clone()),
            _ => None,
        };
        let chain = Arc::new(self.chain());
        let template = match self {
            Error::Template(t) => Some(Arc::new(t)),
            _ => None,
        };
        let mut response = status.into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Worth trying again soon (the database is being probed meanwhile).
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("5"),
            );
        }
        response.extensions_mut().insert(ErrorReport {
            chain,
            template,
            public_message,
        });
        response
    }
}
