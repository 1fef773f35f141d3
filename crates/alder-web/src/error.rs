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

    /// The HTTP status this error is answered with.
    ///
    /// ```
    /// assert_eq!(alder_web::Error::Config("x".into()).status(), 500);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Http { status, .. } => *status,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
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
        let public_message = match &self {
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
