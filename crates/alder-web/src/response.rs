//! Responses beyond axum's `Html`, `Json` and `Redirect`: files and downloads.

use std::path::Path;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::{Error, Result};

/// A file streamed from disk, like Django's `FileResponse`: content type from the extension,
/// `Content-Length` from the file, optionally as a download with its file name.
///
/// ```no_run
/// use alder_web::FileResponse;
/// async fn report() -> alder_web::Result<FileResponse> {
///     Ok(FileResponse::open("reports/2026.pdf").await?.as_attachment("report.pdf"))
/// }
/// ```
#[derive(Debug)]
pub struct FileResponse {
    file: tokio::fs::File,
    len: u64,
    content_type: String,
    disposition: Option<String>,
}

impl FileResponse {
    /// Opens `path`, which must not come from the request (see [`open_in`](Self::open_in));
    /// a missing file is a 404, any other failure a 500 naming the path.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound,
                _ => Error::io(format!("opening {}", path.display()), e),
            })?;
        let meta = file
            .metadata()
            .await
            .map_err(|e| Error::io(format!("reading the size of {}", path.display()), e))?;
        if meta.is_dir() {
            return Err(Error::NotFound);
        }
        Ok(FileResponse {
            file,
            len: meta.len(),
            content_type: crate::files::content_type_of(path).to_string(),
            disposition: None,
        })
    }

    /// Opens `name`, a path taken from the request, inside `folder`: a name that would climb
    /// out of it (`..`, an absolute path, a backslash) is a 404, so a URL cannot reach other
    /// files. Prefer this to [`open`](Self::open) whenever the name comes from a user.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let err = alder_web::FileResponse::open_in("media", "../secrets.txt").await.unwrap_err();
    /// assert_eq!(err.status(), 404);
    /// # });
    /// ```
    pub async fn open_in(folder: impl AsRef<Path>, name: &str) -> Result<Self> {
        if !crate::files::is_safe_relative(name) {
            return Err(Error::NotFound);
        }
        Self::open(folder.as_ref().join(name)).await
    }

    /// Makes the browser download the file, saved as `filename`.
    pub fn as_attachment(mut self, filename: &str) -> Self {
        let ascii: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded = utf8_percent_encode(filename, NON_ALPHANUMERIC);
        self.disposition = Some(format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
        ));
        self
    }
}

impl IntoResponse for FileResponse {
    fn into_response(self) -> Response {
        let stream = tokio_util::io::ReaderStream::new(self.file);
        let mut response = Response::new(Body::from_stream(stream));
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(self.len));
        if let Some(value) = self
            .disposition
            .and_then(|d| HeaderValue::from_str(&d).ok())
        {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    }
}
