//! Static files: served from the apps' folders in development, with content-hashed names
//! (and a far-future cache) in production, gathered by `collectstatic` for a web server or CDN.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::{content_type_of, is_safe_relative};
use crate::{Error, Files, ProjectState, Result, Settings};

/// The file `collectstatic` writes next to the files: logical name → hashed name.
pub const MANIFEST_NAME: &str = "staticfiles.json";

#[derive(Serialize, Deserialize)]
struct Manifest {
    version: u32,
    paths: BTreeMap<String, String>,
}

/// A file ready to serve in production: read once at start-up.
#[derive(Debug)]
struct Served {
    data: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
    immutable: bool,
}

#[derive(Debug)]
pub(crate) struct StaticFiles {
    sources: Vec<(String, Files)>,
    static_url: String,
    /// Logical name → hashed name; empty in debug, where names are served as they are.
    hashed: HashMap<String, String>,
    /// Outside debug, every servable name (logical and hashed) → its content, so that serving
    /// does no I/O and a file changed on disk after start-up can never be served under the
    /// hashed name of its old content.
    table: HashMap<String, Arc<Served>>,
}

impl StaticFiles {
    /// Gathers the sources; outside debug, reads every file once and names it by its content
    /// hash, taken from `static_root/staticfiles.json` when `collectstatic` wrote one.
    pub(crate) fn new(settings: &Settings, sources: Vec<(String, Files)>) -> Result<Self> {
        let mut files = StaticFiles {
            sources,
            static_url: settings.static_url.clone(),
            hashed: HashMap::new(),
            table: HashMap::new(),
        };
        if !settings.debug {
            let manifest_path = settings.static_root.join(MANIFEST_NAME);
            let manifest = if manifest_path.exists() {
                Some(read_manifest(&manifest_path)?)
            } else {
                None
            };
            let (mut table, mut hashed_names) = (HashMap::new(), HashMap::new());
            for (name, source) in files.all() {
                let Some(data) = source.get(&name) else {
                    continue;
                };
                let data = match data {
                    Cow::Borrowed(bytes) => Bytes::from_static(bytes),
                    Cow::Owned(bytes) => Bytes::from(bytes),
                };
                let digest = content_hash(&data);
                let hashed = match manifest.as_ref().and_then(|m| m.get(&name)) {
                    Some(listed) => listed.clone(),
                    None => with_hash(&name, &digest),
                };
                let content_type = HeaderValue::from_static(content_type_of(&name));
                let etag = HeaderValue::from_str(&format!("\"{digest}\""))
                    .unwrap_or(HeaderValue::from_static("\"0\""));
                let served = |immutable| {
                    Arc::new(Served {
                        data: data.clone(),
                        content_type: content_type.clone(),
                        etag: etag.clone(),
                        immutable,
                    })
                };
                table.insert(name.clone(), served(false));
                table.insert(hashed.clone(), served(true));
                hashed_names.insert(name, hashed);
            }
            files.table = table;
            files.hashed = hashed_names;
        }
        Ok(files)
    }

    /// Every logical name with the source that provides it; the first source wins, so the
    /// project's `static/` overrides an app's file of the same name.
    fn all(&self) -> BTreeMap<String, &Files> {
        let mut out = BTreeMap::new();
        for (_, files) in &self.sources {
            for name in files.list() {
                out.entry(name).or_insert(files);
            }
        }
        out
    }

    fn find(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        self.sources.iter().find_map(|(_, files)| files.get(name))
    }

    /// The URL of a static file, through the manifest outside debug; an error names a file
    /// that no static folder has (a typo in a template shows in development, not as a 404
    /// in production).
    pub(crate) fn url(&self, name: &str) -> Result<String, String> {
        let name = name.trim_start_matches('/');
        let served = if self.table.is_empty() {
            self.sources
                .iter()
                .any(|(_, files)| files.contains(name))
                .then_some(name)
        } else {
            self.hashed.get(name).map(String::as_str)
        };
        match served {
            Some(served) => Ok(format!("{}{served}", self.static_url)),
            None => {
                let searched: Vec<&str> = self
                    .sources
                    .iter()
                    .map(|(label, _)| label.as_str())
                    .collect();
                Err(format!(
                    "static file `{name}` not found in the static folders of: {}",
                    searched.join(", ")
                ))
            }
        }
    }
}

fn read_manifest(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "{} is not a valid static files manifest ({e}); delete it and run `collectstatic` again",
            path.display()
        ))
    })?;
    if manifest.version != 1 {
        return Err(Error::Config(format!(
            "{} has version {}, this Alder reads version 1; delete it and run `collectstatic` again",
            path.display(),
            manifest.version
        )));
    }
    Ok(manifest.paths)
}

/// `css/site.css` → `css/site.3f2a9c0d1b2e.css`: the first 12 hex digits of the SHA-256.
pub(crate) fn hashed_name(name: &str, data: &[u8]) -> String {
    with_hash(name, &content_hash(data))
}

fn content_hash(data: &[u8]) -> String {
    Sha256::digest(data)[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_hash(name: &str, hash: &str) -> String {
    let (dir, file) = match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    match file.rfind('.') {
        Some(dot) if dot > 0 => format!("{dir}{}.{hash}{}", &file[..dot], &file[dot..]),
        _ => format!("{dir}{file}.{hash}"),
    }
}

/// Serves one static file: outside debug from the table read at start-up (hashed names cached
/// for a year, all with an ETag); in debug from the folders, uncached.
pub(crate) async fn serve(
    State(state): State<ProjectState>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let files = state.static_files();
    if !is_safe_relative(&path) {
        return Error::NotFound.into_response();
    }
    if !files.table.is_empty() {
        let Some(served) = files.table.get(&path) else {
            return Error::NotFound.into_response();
        };
        let cache = HeaderValue::from_static(if served.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        });
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|tag| tag.as_bytes() == served.etag.as_bytes());
        let common = [
            (header::CACHE_CONTROL, cache),
            (header::ETAG, served.etag.clone()),
        ];
        if fresh {
            return (StatusCode::NOT_MODIFIED, common).into_response();
        }
        return (
            common,
            [
                (header::CONTENT_TYPE, served.content_type.clone()),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            served.data.clone(),
        )
            .into_response();
    }
    // Debug reads come from disk: off the async threads, so a slow disk or a big file does
    // not stall other requests.
    let lookup = path.clone();
    let found = tokio::task::spawn_blocking(move || state.static_files().find(&lookup)).await;
    let Ok(Some(data)) = found else {
        return Error::NotFound.into_response();
    };
    crate::files::uncached_file(&path, data.into_owned())
}

/// Writes every static file, under its own name and its hashed name, plus the manifest, to
/// `static_root`. Returns how many files were collected.
pub(crate) fn collect(settings: &Settings, sources: &StaticFiles, clear: bool) -> Result<usize> {
    let root = &settings.static_root;
    if clear && root.exists() {
        std::fs::remove_dir_all(root)
            .map_err(|e| Error::io(format!("clearing {}", root.display()), e))?;
    }
    let mut paths = BTreeMap::new();
    for (name, files) in sources.all() {
        let Some(data) = files.get(&name) else {
            continue;
        };
        let hashed = hashed_name(&name, &data);
        for target in [&name, &hashed] {
            let dest = root.join(target);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
            }
            std::fs::write(&dest, &data)
                .map_err(|e| Error::io(format!("writing {}", dest.display()), e))?;
        }
        paths.insert(name, hashed);
    }
    let count = paths.len();
    let manifest = serde_json::to_string_pretty(&Manifest { version: 1, paths })
        .map_err(|e| Error::other("encoding the static files manifest", e))?;
    let dest = root.join(MANIFEST_NAME);
    std::fs::create_dir_all(root)
        .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
    std::fs::write(&dest, manifest)
        .map_err(|e| Error::io(format!("writing {}", dest.display()), e))?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_folder_and_extension() {
        let a = hashed_name("css/site.css", b"body{}");
        assert!(a.starts_with("css/site.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "css/site..css".len() + 12);
        assert_ne!(a, hashed_name("css/site.css", b"body{color:red}"));
        assert!(hashed_name("LICENSE", b"x").starts_with("LICENSE."));
        assert!(hashed_name(".env", b"x").starts_with(".env."));
    }
}
