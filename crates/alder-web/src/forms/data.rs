//! What a form sent: every `name=value` pair in order, repeated names kept (a multiple
//! select, a list of checkboxes), which serde's urlencoded reader cannot keep.

use axum::extract::{FromRef, FromRequest, Request};
use http::{header, Method};

use super::multipart::{self, Limits};
use super::UploadedFile;
use crate::{Error, ProjectState};

/// The submitted fields of a form, Django's `request.POST` and `request.FILES`: read from the
/// body of a POST (`application/x-www-form-urlencoded`, or `multipart/form-data` with files),
/// or from the query string of a GET (a search form). An extractor: a body that is not a form
/// is 415, one over the limits 413, more than `data_upload_max_number_fields` fields or a
/// malformed multipart body 400.
///
/// ```
/// use alder_web::forms::FormData;
/// let data = FormData::parse("tag=rust&tag=web&q=forms+%26+more");
/// assert_eq!(data.get("q"), Some("forms & more"));
/// assert_eq!(data.get_all("tag").collect::<Vec<_>>(), ["rust", "web"]);
/// assert_eq!(data.get("missing"), None);
/// ```
#[derive(Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
    files: Vec<(String, UploadedFile)>,
    /// Per file field of a model, the name its upload was (or will be) stored under: put
    /// here only by code ([`ModelForm::save_form_with`](super::ModelForm::save_form_with)),
    /// never read from a request, so a forger cannot point a row at a file of their choosing.
    staged: Vec<(String, String)>,
}

/// Values of fields named like a secret (`password`, `token`, …) are masked, so a form
/// logged with `{:?}` does not write a password into the log.
impl std::fmt::Debug for FormData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in &self.pairs {
            if crate::sensitive::is_sensitive(name) {
                list.entry(&(name, "********"));
            } else {
                list.entry(&(name, value));
            }
        }
        for (name, file) in &self.files {
            list.entry(&(name, file));
        }
        list.finish()
    }
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
            files: Vec::new(),
            staged: Vec::new(),
        }
    }

    /// Reads a urlencoded body or query within the limits: at most `max_text` bytes (413) and
    /// `max_fields` pairs (400), stopping at the first pair over, so a flood of empty fields
    /// costs no more than the limit.
    fn parse_limited(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        if bytes.len() > limits.max_text {
            return Err(Error::http(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the form is over {} bytes (data_upload_max_memory_size)",
                    limits.max_text
                ),
            ));
        }
        let mut pairs = Vec::new();
        for (k, v) in url::form_urlencoded::parse(bytes) {
            multipart::check_count(pairs.len() + 1, limits.max_fields)?;
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(FormData {
            pairs,
            files: Vec::new(),
            staged: Vec::new(),
        })
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
            files: Vec::new(),
            staged: Vec::new(),
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

    /// Takes out every value and file sent for `name` (a form that shows only some of its
    /// fields puts the stored values of the others in their place, so a forged field cannot
    /// change them).
    ///
    /// ```
    /// let mut data = alder_web::forms::FormData::parse("title=Dune&is_superuser=on&tag=1&tag=2");
    /// data.remove("is_superuser");
    /// data.remove("tag");
    /// assert_eq!(data.get("is_superuser"), None);
    /// assert_eq!(data.get_all("tag").count(), 0);
    /// assert_eq!(data.get("title"), Some("Dune"));
    /// ```
    pub fn remove(&mut self, name: &str) {
        self.pairs.retain(|(k, _)| k != name);
        self.files.retain(|(k, _)| k != name);
    }

    /// Adds a file for `name`, as a multipart form sends it.
    ///
    /// ```
    /// use alder_web::forms::{FormData, UploadedFile};
    /// let mut data = FormData::default();
    /// data.push_file("cv", UploadedFile::in_memory("cv.pdf", "application/pdf", "%PDF"));
    /// assert_eq!(data.file("cv").unwrap().file_name(), "cv.pdf");
    /// ```
    pub fn push_file(&mut self, name: impl Into<String>, file: UploadedFile) {
        self.files.push((name.into(), file));
    }

    /// The last file sent for `name`, if any (Django's `request.FILES.get`).
    pub fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, f)| f)
    }

    /// Every file sent for `name`, in order (an `<input type="file" multiple>`).
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a UploadedFile> + 'a {
        self.files
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, f)| f)
    }

    /// Records that the upload of file field `name` is stored as `stored`.
    pub(crate) fn stage_file(&mut self, name: &str, stored: String) {
        self.staged.retain(|(k, _)| k != name);
        self.staged.push((name.to_string(), stored));
    }

    /// The stored name recorded for file field `name` by [`stage_file`](Self::stage_file).
    pub(crate) fn staged_file(&self, name: &str) -> Option<&str> {
        self.staged
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, n)| n.as_str())
    }

    /// The fields whose names start with `prefix` (a formset's `form-0-`), without it: what
    /// one form of the set reads.
    ///
    /// ```
    /// let data = alder_web::forms::FormData::parse("form-0-title=A&form-1-title=B");
    /// assert_eq!(data.with_prefix("form-1-").get("title"), Some("B"));
    /// ```
    pub fn with_prefix(&self, prefix: &str) -> FormData {
        FormData {
            pairs: self
                .pairs
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
                .collect(),
            files: self
                .files
                .iter()
                .filter_map(|(k, f)| Some((k.strip_prefix(prefix)?.to_string(), f.clone())))
                .collect(),
            staged: self
                .staged
                .iter()
                .filter_map(|(k, n)| Some((k.strip_prefix(prefix)?.to_string(), n.clone())))
                .collect(),
        }
    }

    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty() && self.files.is_empty()
    }

    /// Every pair, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<S> FromRequest<S> for FormData
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let project = ProjectState::from_ref(state);
        let limits = Limits::of(project.settings());
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            let query = request.uri().query().unwrap_or("");
            return Self::parse_limited(query.as_bytes(), &limits);
        }
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let kind = content_type.split(';').next().unwrap_or("").trim();
        if kind.eq_ignore_ascii_case("multipart/form-data") {
            let content_type = content_type.to_string();
            // The body carries the request's limit already (413 past it).
            return multipart::read(request.into_body(), &content_type, &limits).await;
        }
        if !kind.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(Error::http(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "expected a form (`Content-Type: application/x-www-form-urlencoded` or \
                     `multipart/form-data`), got `{content_type}`"
                ),
            ));
        }
        // Bytes keeps the body limit: past it, 413 with the usual page.
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| Error::http(rejection.status(), rejection.body_text()))?;
        Self::parse_limited(&bytes, &limits)
    }
}
