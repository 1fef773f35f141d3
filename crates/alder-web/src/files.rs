//! Folders of files an app ships (templates, static files): embedded in release builds,
//! read from disk in debug builds, so editing a template needs no rebuild during development.

use std::borrow::Cow;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A folder of files: either compiled into the binary with [`embed_dir!`](crate::embed_dir) or a
/// folder on disk.
///
/// Dotfiles and dot-folders (`.env`, `.git/`, `.DS_Store`) are never found, listed, served or
/// collected, nor is anything a symbolic link leads to that is one (`static/vendor` linked to
/// `../.git`), and a symbolic link that loops back into the folder is listed once.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.txt"), "hi").unwrap();
/// let files = alder_web::Files::dir(dir.path());
/// assert_eq!(files.get("a.txt").unwrap().as_ref(), b"hi");
/// assert_eq!(files.list(), vec!["a.txt".to_string()]);
/// assert!(files.get("../etc/passwd").is_none());
/// std::fs::write(dir.path().join(".env"), "SECRET_KEY=x").unwrap();
/// assert!(files.get(".env").is_none());
/// assert_eq!(files.list(), vec!["a.txt".to_string()]);
/// ```
#[derive(Clone)]
pub struct Files {
    source: Source,
}

#[derive(Clone)]
enum Source {
    Embedded {
        get: fn(&str) -> Option<rust_embed::EmbeddedFile>,
        list: fn() -> Vec<String>,
        folder: &'static str,
        /// The folder on disk it was embedded from, when known: debug builds read it there,
        /// and its symbolic links are checked as a disk folder's are.
        root: Option<&'static str>,
    },
    Disk(PathBuf),
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Embedded { folder, .. } => write!(f, "embedded folder {folder}"),
            Source::Disk(path) => write!(f, "folder {}", path.display()),
        }
    }
}

fn list_embedded<E: rust_embed::RustEmbed>() -> Vec<String> {
    let mut names: Vec<String> = E::iter().map(Cow::into_owned).collect();
    names.sort();
    names
}

impl Files {
    /// Files from a `rust_embed::RustEmbed` type; [`embed_dir!`](crate::embed_dir) writes it
    /// for you. `folder` names the folder in messages.
    pub fn embedded<E: rust_embed::RustEmbed>(folder: &'static str) -> Self {
        Files {
            source: Source::Embedded {
                get: E::get,
                list: list_embedded::<E>,
                folder,
                root: None,
            },
        }
    }

    /// [`embedded`](Self::embedded), knowing the folder on disk it comes from; used by
    /// [`embed_dir!`](crate::embed_dir).
    #[doc(hidden)]
    pub fn __embedded_from<E: rust_embed::RustEmbed>(
        folder: &'static str,
        root: Option<&'static str>,
    ) -> Self {
        let mut files = Self::embedded::<E>(folder);
        if let Source::Embedded { root: r, .. } = &mut files.source {
            *r = root;
        }
        files
    }

    /// Whether `path` is refused: it climbs out, names a dot-path, or is a symbolic link
    /// (or lies in a linked folder) that leads to one, such as `static/vendor` -> `../.git`.
    fn refused(&self, path: &str) -> bool {
        if !is_safe_relative(path) || is_hidden(path) {
            return true;
        }
        let root = match &self.source {
            Source::Disk(root) => root.as_path(),
            Source::Embedded {
                root: Some(root), ..
            } => Path::new(root),
            Source::Embedded { root: None, .. } => return false,
        };
        leads_to_hidden(root, &root.join(path))
    }

    /// Files read from a folder on disk at each access (a missing folder holds no files).
    pub fn dir(path: impl Into<PathBuf>) -> Self {
        Files {
            source: Source::Disk(path.into()),
        }
    }

    /// The content of the file at the `/`-separated relative `path`, if there is one.
    /// Paths that climb out of the folder (`..`, absolute paths) are never found.
    pub fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        if self.refused(path) {
            return None;
        }
        match &self.source {
            Source::Embedded { get, .. } => get(path).map(|f| f.data),
            Source::Disk(root) => std::fs::read(root.join(path)).ok().map(Cow::Owned),
        }
    }

    /// Whether the folder has a file at `path`, without reading it.
    ///
    /// ```
    /// let files = alder_web::Files::dir("no-such-folder");
    /// assert!(!files.contains("a.txt"));
    /// ```
    pub fn contains(&self, path: &str) -> bool {
        if self.refused(path) {
            return false;
        }
        match &self.source {
            Source::Embedded { get, .. } => get(path).is_some(),
            Source::Disk(root) => root.join(path).is_file(),
        }
    }

    /// Every file in the folder, as sorted `/`-separated relative paths.
    pub fn list(&self) -> Vec<String> {
        match &self.source {
            Source::Embedded { list, .. } => {
                list().into_iter().filter(|p| !self.refused(p)).collect()
            }
            Source::Disk(root) => {
                let mut out = Vec::new();
                let mut seen = std::collections::HashSet::new();
                walk(root, root, &mut seen, &mut out);
                out.sort();
                out
            }
        }
    }
}

/// Lists the files below `dir`. `seen` holds the real paths of the folders listed so far,
/// so a symbolic link back to one of them (a loop) is skipped instead of followed for ever.
fn walk(
    root: &Path,
    dir: &Path,
    seen: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<String>,
) {
    let Ok(real) = std::fs::canonicalize(dir) else {
        return;
    };
    if dir != root && leads_to_hidden(root, dir) {
        tracing::warn!(
            "skipping {}: a symbolic link leads to a hidden folder",
            dir.display()
        );
        return;
    }
    if !seen.insert(real) {
        tracing::warn!(
            "skipping {}: a symbolic link leads to a folder already listed (a loop, or a second link)",
            dir.display()
        );
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, seen, out);
        } else if leads_to_hidden(root, &path) {
            tracing::warn!(
                "skipping {}: a symbolic link leads to a dotfile",
                path.display()
            );
        } else if let Ok(rel) = path.strip_prefix(root) {
            let parts: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            out.push(parts.join("/"));
        }
    }
}

/// True when the real location of `path`, a file or folder below `root`, is a dot-path once
/// symbolic links are followed: the parts of its real path that it does not share with the
/// real `root` (a link to `../.git` from `static/` leads into `.git`, one to
/// `/usr/share/javascript` does not) name a dotfile or dot-folder. A path that does not exist
/// is not hidden (it is not found anyway).
fn leads_to_hidden(root: &Path, path: &Path) -> bool {
    let (Ok(root), Ok(real)) = (std::fs::canonicalize(root), std::fs::canonicalize(path)) else {
        return false;
    };
    let shared = root
        .components()
        .zip(real.components())
        .take_while(|(a, b)| a == b)
        .count();
    real.components()
        .skip(shared)
        .any(|part| part.as_os_str().to_string_lossy().starts_with('.'))
}

/// A file read from disk in debug: its type from the extension, never cached, never sniffed.
pub(crate) fn uncached_file(path: &str, data: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::{header, HeaderValue};
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type_of(path)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        data,
    )
        .into_response()
}

/// The content type of a file, guessed from its extension (`application/octet-stream` when
/// unknown); the one guess shared by static files and file responses.
pub(crate) fn content_type_of(path: impl AsRef<Path>) -> &'static str {
    mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream")
}

/// True when a segment of `path` starts with a dot: `.env`, `.git/config`.
fn is_hidden(path: &str) -> bool {
    path.split('/').any(|segment| segment.starts_with('.'))
}

/// True when `path` stays inside the folder it is relative to.
pub(crate) fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Embeds a folder of the calling crate (relative to its `Cargo.toml`) as [`Files`].
///
/// In debug builds the files are read from disk at each access, so edits show without a
/// rebuild; release builds carry them inside the binary. A missing folder holds no files.
///
/// ```
/// let templates = alder_web::embed_dir!("templates");
/// assert!(templates.get("nothing-here.html").is_none());
/// ```
#[macro_export]
macro_rules! embed_dir {
    ($path:tt) => {
        $crate::__embed_dir!("alder_web::__private::rust_embed", $path)
    };
}

/// Shared body of `embed_dir!` in this crate and in the `alder` facade, which differ only in
/// the path through which the calling crate reaches `rust_embed`.
#[doc(hidden)]
#[macro_export]
macro_rules! __embed_dir {
    ($krate:tt, $path:tt) => {{
        #[derive($crate::__private::rust_embed::RustEmbed)]
        #[crate_path = $krate]
        #[folder = $path]
        #[allow_missing = true]
        struct __AlderEmbeddedFiles;
        // Debug builds read the folder from disk, so its links are checked there; release
        // builds carry what was embedded and touch no disk per request.
        $crate::Files::__embedded_from::<__AlderEmbeddedFiles>(
            concat!(env!("CARGO_PKG_NAME"), "/", $path),
            cfg!(debug_assertions).then_some(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)),
        )
    }};
}
