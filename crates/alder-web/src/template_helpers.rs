//! The template functions every project has: `url_for(name, **params)` (Flask's name,
//! Django's `{% url %}`), `static(path)` (Django's `{% static %}`) and `media_url(name)`
//! (Django's `{{ obj.file.url }}`: the URL of a stored upload).

use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::ErrorKind;

use crate::routing::{UrlArgs, Urls};
use crate::staticfiles::StaticFiles;
use crate::templates::EnvHook;

/// The template functions `url_for(name, **params)` and `static(path)`.
pub(crate) fn url_and_static(
    urls: Urls,
    static_files: Arc<StaticFiles>,
    storage: Arc<dyn crate::storage::Storage>,
) -> EnvHook {
    Arc::new(move |env| {
        let storage = storage.clone();
        env.add_function("media_url", move |name: String| storage.url(&name));
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
            let url = static_files
                .url(&path)
                .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e))?;
            Ok(
                if url
                    .bytes()
                    .any(|b| matches!(b, b'"' | b'\'' | b'<' | b'>' | b'&'))
                {
                    minijinja::Value::from(url)
                } else {
                    minijinja::Value::from_safe_string(url)
                },
            )
        });
    })
}
