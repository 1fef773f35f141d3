//! What a form sent: every `name=value` pair in order, repeated names kept (a multiple
//! select, a list of checkboxes), which serde's urlencoded reader cannot keep.

use axum::extract::{FromRequest, Request};
use http::{header, Method};

use crate::Error;

/// The submitted fields of a form, Django's `QueryDict`: read from the body of a POST
/// (`application/x-www-form-urlencoded`), or from the query string of a GET (a search form).
/// An extractor, answering a body that is not a form with 415 and one over the limit with 413.
///
/// ```
/// use alder_web::forms::FormData;
/// let data = FormData::parse("tag=rust&tag=web&q=forms+%26+more");
/// assert_eq!(data.get("q"), Some("forms & more"));
/// assert_eq!(data.get_all("tag").collect::<Vec<_>>(), ["rust", "web"]);
/// assert_eq!(data.get("missing"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    /// Reads `a=1&b=2` (percent-decoding, `+` as a space). Invalid UTF-8 is replaced with
    /// `�` rather than refused, as browsers send what the page's encoding allows.
    pub fn parse(text: &str) -> Self {
        Self::parse_bytes(text.as_bytes())
    }

    fn parse_bytes(bytes: &[u8]) -> Self {
        FormData {
            pairs: url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// Builds data from pairs, for tests and for a form's initial values.
    ///
    /// ```
    /// let data = alder_web::forms::FormData::from_pairs([("title", "Hello")]);
    /// assert_eq!(data.get("title"), Some("Hello"));
    /// ```
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        FormData {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The last value sent for `name` (as Django's `QueryDict.get`), if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value sent for `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Adds a value for `name`, after any it has.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((name.into(), value.into()));
    }

    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Every pair, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            return Ok(Self::parse(request.uri().query().unwrap_or("")));
        }
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let kind = content_type.split(';').next().unwrap_or("").trim();
        if !kind.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            let message = if kind.eq_ignore_ascii_case("multipart/form-data") {
                "this form takes no files: expected `Content-Type: \
                 application/x-www-form-urlencoded` (a form with a file input needs `Multipart`)"
                    .to_string()
            } else {
                format!(
                    "expected a form (`Content-Type: application/x-www-form-urlencoded`), \
                     got `{content_type}`"
                )
            };
            return Err(Error::http(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message,
            ));
        }
        // Bytes keeps the body limit: past it, 413 with the usual page.
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Error::http(rejection.status(), rejection.body_text()))?;
        Ok(Self::parse_bytes(&bytes))
    }
}
