//! Static files: served from the apps' folders in development, with content-hashed names
//! (and a far-future cache) in production, gathered by `collectstatic` for a web server or CDN.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue};
use minijinja::value::Kwargs;
use minijinja::ErrorKind;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::files::is_safe_relative;
use crate::routing::{UrlArgs, Urls};
use crate::templates::EnvHook;
use crate::{Error, Files, ProjectState, Result, Settings};

/// The file `collectstatic` writes next to the files: logical name → hashed name.
pub const MANIFEST_NAME: &str = "staticfiles.json";

#[derive(Serialize, Deserialize)]
struct Manifest {
    version: u32,
    paths: BTreeMap<String, String>,
}

#[derive(Debug)]
pub(crate) struct StaticFiles {
    sources: Vec<(String, Files)>,
    static_url: String,
    /// Logical name → hashed name; empty in debug, where names are served as they are.
    hashed: HashMap<String, String>,
    /// Hashed name → logical name, to serve a hashed URL.
    unhashed: HashMap<String, String>,
}

impl StaticFiles {
    /// Gathers the sources; outside debug, names every file by its content hash, read from
    /// `static_root/staticfiles.json` when `collectstatic` wrote one, else computed now, once.
    pub(crate) fn new(settings: &Settings, sources: Vec<(String, Files)>) -> Result<Self> {
        let mut files = StaticFiles {
            sources,
            static_url: settings.static_url.clone(),
            hashed: HashMap::new(),
            unhashed: HashMap::new(),
        };
        if !settings.debug {
            let manifest_path = settings.static_root.join(MANIFEST_NAME);
            let paths = if manifest_path.exists() {
                read_manifest(&manifest_path)?
            } else {
                files.compute_hashes()
            };
            files.unhashed = paths.iter().map(|(k, v)| (v.clone(), k.clone())).collect();
            files.hashed = paths.into_iter().collect();
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

    fn compute_hashes(&self) -> BTreeMap<String, String> {
        self.all()
            .into_iter()
            .filter_map(|(name, files)| {
                let data = files.get(&name)?;
                Some((hashed_name(&name, &data), name))
            })
            .map(|(hashed, name)| (name, hashed))
            .collect()
    }

    fn find(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        self.sources.iter().find_map(|(_, files)| files.get(name))
    }

    /// The URL of a static file, through the manifest when there is one.
    pub(crate) fn url(&self, name: &str) -> String {
        let name = name.trim_start_matches('/');
        let served = self.hashed.get(name).map_or(name, String::as_str);
        format!("{}{served}", self.static_url)
    }
}

fn read_manifest(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "{} is not a valid static files manifest ({e}); run `collectstatic` again",
            path.display()
        ))
    })?;
    if manifest.version != 1 {
        return Err(Error::Config(format!(
            "{} has version {}, this Alder reads version 1; run `collectstatic` again",
            path.display(),
            manifest.version
        )));
    }
    Ok(manifest.paths)
}

/// `css/site.css` → `css/site.3f2a9c0d1b2e.css`: the first 12 hex digits of the SHA-256.
pub(crate) fn hashed_name(name: &str, data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let (dir, file) = match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    match file.rfind('.') {
        Some(dot) if dot > 0 => format!("{dir}{}.{hash}{}", &file[..dot], &file[dot..]),
        _ => format!("{dir}{file}.{hash}"),
    }
}

/// Serves one static file; hashed names are cached for a year since their content never changes.
pub(crate) async fn serve(
    State(state): State<ProjectState>,
    UrlPath(path): UrlPath<String>,
) -> Response {
    let files = state.static_files();
    if !is_safe_relative(&path) {
        return Error::NotFound.into_response();
    }
    let (logical, immutable) = match files.unhashed.get(&path) {
        Some(logical) => (logical.as_str(), true),
        None => (path.as_str(), false),
    };
    let Some(data) = files.find(logical) else {
        return Error::NotFound.into_response();
    };
    let mime = mime_guess::from_path(logical).first_or_octet_stream();
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let content_type = HeaderValue::from_str(mime.as_ref())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        data.into_owned(),
    )
        .into_response()
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

/// The template functions `url_for(name, **params)` and `static(path)`.
pub(crate) fn template_helpers(urls: Urls, static_files: Arc<StaticFiles>) -> EnvHook {
    Arc::new(move |env| {
        let urls = urls.clone();
        env.add_function("url_for", move |name: String, kwargs: Kwargs| {
            let mut pairs = Vec::new();
            for key in kwargs.args() {
                let value: minijinja::Value = kwargs.get(key)?;
                pairs.push((key.to_string(), value.to_string()));
            }
            // Reversed URLs are percent-encoded, HTML-special characters included, so they
            // need no escaping: marking them safe keeps `/` readable in the page source.
            urls.reverse(&name, UrlArgs::Named(pairs))
                .map(minijinja::Value::from_safe_string)
                .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string()))
        });
        let static_files = static_files.clone();
        env.add_function("static", move |path: String| {
            let url = static_files.url(&path);
            if url
                .bytes()
                .any(|b| matches!(b, b'"' | b'\'' | b'<' | b'>' | b'&'))
            {
                minijinja::Value::from(url)
            } else {
                minijinja::Value::from_safe_string(url)
            }
        });
    })
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
