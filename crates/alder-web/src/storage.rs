//! Where uploaded files are kept (Django's `django.core.files.storage`): a [`Storage`] saves
//! a file under a safe name of its own choosing and says at which URL it is served. The
//! default, [`FileSystemStorage`], writes under `media_root` and serves from `media_url`
//! (in debug the project serves those URLs itself; in production the web server in front
//! does). A handler reaches the project's storage with the [`Media`] extractor.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use crate::forms::UploadedFile;
use crate::{Error, ProjectState, Result};

/// A boxed future, so that [`Storage`] can be used as `dyn Storage`.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A place to keep uploaded files: the local disk ([`FileSystemStorage`]) or one of your
/// own (an object store), set with [`Project::storage`](crate::Project::storage).
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// Saves `file` under a name made from `name` (made safe and, when taken, unique) and
    /// returns the name it was saved under: what a model field stores.
    fn save<'a>(&'a self, name: &'a str, file: &'a UploadedFile) -> StorageFuture<'a, String>;

    /// The content of the file saved as `name`.
    fn open<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bytes::Bytes>;

    /// Deletes the file saved as `name`; whether there was one.
    fn delete<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bool>;

    /// Whether a file is saved as `name`.
    fn exists<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bool>;

    /// The URL the file saved as `name` is served at.
    fn url(&self, name: &str) -> String;
}

/// Files on the local disk under `root`, served at `base_url` (Django's
/// `FileSystemStorage`, with `MEDIA_ROOT` and `MEDIA_URL`).
///
/// ```
/// use alder_web::storage::{FileSystemStorage, Storage};
/// use alder_web::forms::UploadedFile;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let root = tempfile::tempdir().unwrap();
/// let media = FileSystemStorage::new(root.path(), "/media/");
/// let upload = UploadedFile::in_memory("My CV (final).pdf", "application/pdf", &b"%PDF-1.7"[..]);
/// let first = media.save("cvs/My CV (final).pdf", &upload).await.unwrap();
/// assert_eq!(first, "cvs/My_CV_final.pdf");
/// let second = media.save("cvs/My CV (final).pdf", &upload).await.unwrap();
/// assert!(second.starts_with("cvs/My_CV_final_") && second.ends_with(".pdf"), "{second}");
/// assert_eq!(media.url(&first), "/media/cvs/My_CV_final.pdf");
/// assert_eq!(&media.open(&first).await.unwrap()[..], b"%PDF-1.7");
/// assert!(media.delete(&first).await.unwrap());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct FileSystemStorage {
    root: PathBuf,
    base_url: String,
}

impl FileSystemStorage {
    /// Files under `root`, served at `base_url` (which ends with `/`).
    pub fn new(root: impl Into<PathBuf>, base_url: impl Into<String>) -> Self {
        FileSystemStorage {
            root: root.into(),
            base_url: base_url.into(),
        }
    }

    /// The project's: `media_root` and `media_url` of the settings.
    pub fn from_settings(settings: &crate::Settings) -> Self {
        Self::new(settings.media_root.clone(), settings.media_url.clone())
    }

    /// Where the file saved as `name` is on disk; an error for a name that could leave
    /// `root` (`..`, an absolute path), which no name this storage gave can be.
    pub fn path(&self, name: &str) -> Result<PathBuf> {
        if !crate::files::is_safe_relative(name) {
            return Err(Error::NotFound);
        }
        Ok(self.root.join(name))
    }

    async fn write_new(&self, name: &str, file: &UploadedFile) -> std::io::Result<bool> {
        let path = self.root.join(name);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        // `create_new`: two uploads of one name at once cannot overwrite each other.
        let mut out = match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(e),
        };
        let written = async {
            match file.temporary_path() {
                Some(temporary) => {
                    let mut input = tokio::fs::File::open(temporary).await?;
                    tokio::io::copy(&mut input, &mut out).await?;
                }
                None => {
                    use tokio::io::AsyncWriteExt;
                    out.write_all(&file.bytes().await?).await?;
                }
            }
            out.sync_all().await
        }
        .await;
        if let Err(e) = written {
            // No half-written file is left behind under a name a row may store.
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e);
        }
        Ok(true)
    }
}

impl Storage for FileSystemStorage {
    fn save<'a>(&'a self, name: &'a str, file: &'a UploadedFile) -> StorageFuture<'a, String> {
        Box::pin(async move {
            let wanted = safe_name(name);
            for attempt in 0..100 {
                let candidate = if attempt == 0 {
                    wanted.clone()
                } else {
                    with_suffix(&wanted, &random_suffix())
                };
                let saved = self
                    .write_new(&candidate, file)
                    .await
                    .map_err(|e| Error::io(format!("saving the upload as {candidate}"), e))?;
                if saved {
                    return Ok(candidate);
                }
            }
            Err(Error::Config(format!(
                "no free name found for the upload `{wanted}` in {}",
                self.root.display()
            )))
        })
    }

    fn open<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bytes::Bytes> {
        Box::pin(async move {
            let path = self.path(name)?;
            let data = tokio::fs::read(&path)
                .await
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            Ok(data.into())
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path(name)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io(format!("deleting {}", path.display()), e)),
            }
        })
    }

    fn exists<'a>(&'a self, name: &'a str) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path(name)?;
            Ok(tokio::fs::try_exists(&path).await.unwrap_or(false))
        })
    }

    fn url(&self, name: &str) -> String {
        // Saved names hold only URL-safe characters; any other name is encoded per segment,
        // as a reversed route's arguments are.
        let encoded: Vec<String> = name
            .split('/')
            .map(|part| {
                percent_encoding::utf8_percent_encode(part, crate::routing::pattern::SEGMENT)
                    .to_string()
            })
            .collect();
        format!("{}{}", self.base_url, encoded.join("/"))
    }
}

/// The longest name saved, as Django's `FileField(max_length=100)`.
const MAX_NAME: usize = 100;

/// `name` made safe to write and to put in a URL: each folder and the file name keep
/// ASCII letters, digits, `-`, `_` and `.` (spaces become `_`, the rest is dropped), no part
/// is empty, `.` or `..`, none starts with a dot, and the whole fits in 100 characters.
pub fn safe_name(name: &str) -> String {
    fit_name(name, MAX_NAME)
}

/// [`safe_name`] within `max` characters (a field's `max_length`), the suffix of a taken
/// name included.
pub(crate) fn fit_name(name: &str, max: usize) -> String {
    let parts: Vec<String> = name
        .split(['/', '\\'])
        .map(|part| {
            let cleaned: String = part
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('_'),
                    c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => Some(c),
                    _ => None,
                })
                .collect();
            cleaned.trim_start_matches('.').to_string()
        })
        .filter(|part| !part.is_empty())
        .collect();
    let (file, folders) = match parts.split_last() {
        Some((file, folders)) => (file.clone(), folders.join("/")),
        None => ("file".to_string(), String::new()),
    };
    let prefix = if folders.is_empty() {
        String::new()
    } else {
        format!("{folders}/")
    };
    // Room for the suffix a taken name gets (`_abc1234`).
    let room = max.saturating_sub(prefix.len() + 8).max(8);
    let (stem, extension) = split_extension(&file);
    let extension: String = extension.chars().take(room / 2).collect();
    let stem: String = stem
        .chars()
        .take(room.saturating_sub(extension.len()))
        .collect();
    let stem = if stem.is_empty() { "file".into() } else { stem };
    format!("{prefix}{stem}{extension}")
}

/// `("report", ".pdf")`; no extension for a name without a dot.
fn split_extension(file: &str) -> (&str, &str) {
    match file.rfind('.') {
        Some(dot) if dot > 0 => file.split_at(dot),
        _ => (file, ""),
    }
}

/// `cvs/report.pdf` with `abc1234` is `cvs/report_abc1234.pdf`, as Django's
/// `get_available_name`.
fn with_suffix(name: &str, suffix: &str) -> String {
    let (folder, file) = match name.rfind('/') {
        Some(slash) => name.split_at(slash + 1),
        None => ("", name),
    };
    let (stem, extension) = split_extension(file);
    format!("{folder}{stem}_{suffix}{extension}")
}

/// Seven random letters and digits.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 7];
    getrandom::fill(&mut bytes).unwrap_or_default();
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The project's storage, in a handler: `async fn upload(media: Media, …)`.
///
/// ```
/// use alder_web::forms::UploadedFile;
/// use alder_web::storage::Media;
/// async fn keep(media: Media, file: UploadedFile) -> alder_web::Result<String> {
///     let name = media.save(&format!("uploads/{}", file.file_name()), &file).await?;
///     Ok(media.url(&name))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Media(pub Arc<dyn Storage>);

impl std::ops::Deref for Media {
    type Target = dyn Storage;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl<S> FromRequestParts<S> for Media
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Media(ProjectState::from_ref(state).storage().clone()))
    }
}

/// Serves a file of `media_root` in debug (Django's `static.serve` for `MEDIA_URL`), with
/// the type its extension says, `nosniff`, and a sandboxing CSP, so an uploaded HTML page
/// cannot run scripts as the site.
pub(crate) async fn serve_media(
    axum::extract::State(state): axum::extract::State<ProjectState>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::{header, HeaderValue};
    let root: &Path = &state.settings().media_root;
    if !crate::files::is_safe_relative(&path) {
        return Error::NotFound.into_response();
    }
    let Ok(data) = tokio::fs::read(root.join(&path)).await else {
        return Error::NotFound.into_response();
    };
    let mut response = crate::files::uncached_file(&path, data);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    response
}
