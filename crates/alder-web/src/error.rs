//! The one error type of the web layer and how it becomes a response.

use std::sync::Arc;

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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The page does not exist: answered with 404, like Django's `Http404`.
    #[error("page not found")]
    NotFound,
    /// An error with a chosen status code and a message safe to show to the client.
    #[error("{message}")]
    Http {
        /// The status of the response.
        status: StatusCode,
        /// A message shown to the client, so it must hold no secrets.
        message: String,
    },
    /// A template could not be found, compiled or rendered.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A URL could not be built from a route name.
    #[error(transparent)]
    Reverse(#[from] ReverseError),
    /// The project is configured wrongly; raised at start-up, before any request.
    #[error("configuration error: {0}")]
    Config(String),
    /// The command line was wrong; the text is clap's message with the usage.
    #[error("{0}")]
    Usage(String),
    /// A file or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What Alder was doing, e.g. "writing staticfiles/app.css".
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A handler panicked; the panic was caught and only this request failed.
    #[error("handler panicked: {0}")]
    Panic(String),
    /// Any other error, with the context of where it happened.
    #[error("{context}")]
    Other {
        /// What Alder or the application was doing.
        context: String,
        /// The underlying error.
        #[source]
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
            match source.downcast_ref::<Error>() {
                Some(inner) => current = inner,
                None => break,
            }
        }
        current
    }

    /// The messages of this error and of every error that caused it, outermost first.
    ///
    /// ```
    /// let err = alder_web::Error::other("loading", std::io::Error::other("denied"));
    /// assert_eq!(err.chain(), vec!["loading".to_string(), "denied".to_string()]);
    /// ```
    pub fn chain(&self) -> Vec<String> {
        let mut out = vec![self.to_string()];
        let mut source = std::error::Error::source(self);
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

/// `.context("…")` on any `Result` whose error is a `std::error::Error`: the error becomes
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
    E: std::error::Error + Send + Sync + 'static,
{
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::other(context, e))
    }

    fn with_context<C: Into<String>>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| Error::other(context(), e))
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
        response.extensions_mut().insert(ErrorReport {
            chain,
            template,
            public_message,
        });
        response
    }
}
