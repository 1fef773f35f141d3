//! Typed settings: defaults, overridden by `alder.toml`, overridden by the environment.

use std::path::PathBuf;
use std::sync::Arc;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The secret key used when none is set. Good enough for `debug = true` on a laptop; a project
/// refuses to start in production with it.
pub const INSECURE_SECRET_KEY: &str = "alder-insecure-development-key-change-me";

/// A project's settings, like Django's `settings.py`, as one typed struct.
///
/// Each value comes from, in rising priority: the defaults below, the TOML file named by
/// `ALDER_SETTINGS` (default `alder.toml` in the working directory, optional), and environment
/// variables `ALDER_<NAME>` (for example `ALDER_DEBUG=true`, `ALDER_MAX_BODY_SIZE=1048576`).
/// `SECRET_KEY` and `DATABASE_URL` are also read without the prefix, as Heroku-style hosts set them.
///
/// ```
/// let settings = alder_web::Settings::default();
/// assert!(!settings.debug);
/// assert!(settings.append_slash);
/// assert_eq!(settings.static_url, "/static/");
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Settings {
    /// Shows the debug error page and reloads templates from disk. Never on in production.
    pub debug: bool,
    /// Signs cookies and tokens. Must be set, long and random, when `debug` is off.
    pub secret_key: String,
    /// Host names this site answers to (Django's `ALLOWED_HOSTS`): `example.com`,
    /// `.example.com` for the domain and its subdomains, an IP address, or `*` for any. A
    /// request for another host gets 400. Required when `debug` is off; in debug, empty means
    /// `localhost` (and its subdomains), `127.0.0.1` and `[::1]`.
    pub allowed_hosts: Vec<String>,
    /// Where the database lives: `sqlite://db.sqlite3` (the default, created on first use)
    /// or `postgres://user:password@host/name`. `None` runs without a database.
    pub database_url: Option<String>,
    /// The most database connections open at once.
    pub database_pool_size: u32,
    /// Seconds a query waits for a connection (or for a down database to come back) before
    /// failing with 503.
    pub database_timeout: u64,
    /// Check each database connection with a round trip before using it (Django's
    /// `CONN_HEALTH_CHECKS`). Off: a connection the server has dropped fails one query and
    /// is replaced.
    pub database_health_checks: bool,
    /// Apply pending migrations when `runserver` starts (handy for demos and single-instance
    /// sites; run `migrate` as a deploy step when several instances share a database).
    pub migrate_on_start: bool,
    /// Redirect `/path` to `/path/` when only the latter has a route (Django's `APPEND_SLASH`).
    pub append_slash: bool,
    /// The largest request body accepted, in bytes; a larger one is answered with 413.
    pub max_body_size: usize,
    /// The most fields a form may send (urlencoded or multipart); more is a 400, as Django's
    /// `DATA_UPLOAD_MAX_NUMBER_FIELDS`, so a flood of tiny fields cannot cost much work.
    pub data_upload_max_number_fields: usize,
    /// The most files a multipart form may send; more is a 400. Django's
    /// `DATA_UPLOAD_MAX_NUMBER_FILES`.
    pub data_upload_max_number_files: usize,
    /// The most bytes of a multipart form's text fields together (files aside); more is a
    /// 413. Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`.
    pub data_upload_max_memory_size: usize,
    /// An uploaded file larger than this many bytes is written to a temporary file as it
    /// arrives instead of being kept in memory. Django's `FILE_UPLOAD_MAX_MEMORY_SIZE`.
    pub file_upload_max_memory_size: usize,
    /// Where those temporary files go (default: the system's temporary folder). Django's
    /// `FILE_UPLOAD_TEMP_DIR`.
    pub file_upload_temp_dir: Option<PathBuf>,
    /// The URL prefix static files are served under.
    pub static_url: String,
    /// Where uploaded files are saved by the default storage (Django's `MEDIA_ROOT`).
    pub media_root: PathBuf,
    /// The URL prefix uploaded files are served under (Django's `MEDIA_URL`); the project
    /// serves it itself in debug only.
    pub media_url: String,
    /// Where `collectstatic` writes files and `staticfiles.json`.
    pub static_root: PathBuf,
    /// The project's own static folder, searched before every app's.
    pub static_dir: PathBuf,
    /// The project's own template folder, searched before every app's (so it overrides them).
    pub templates_dir: PathBuf,
    /// Reload templates from disk on every render; defaults to `debug`.
    pub templates_reload: Option<bool>,
    /// Seconds a client has to send the request head before the connection is closed.
    pub header_read_timeout: u64,
    /// Seconds the server waits for the next piece of a request body before the request fails
    /// with 408.
    pub body_read_timeout: u64,
    /// The slowest a request body may arrive, in bytes per second, once its first
    /// `body_read_timeout` seconds are over (Apache's `MinRate`); a slower body fails with 408.
    /// It stops a client that sends one byte every few seconds from holding an upload open for
    /// ever. `0` turns the minimum off.
    pub body_min_rate: u64,
    /// Seconds a connection may stay open with no request in flight (HTTP/1 keep-alive and
    /// HTTP/2 alike) before the server closes it. An HTTP/1 connection waiting for its next
    /// request is also bound by `header_read_timeout`, whichever is shorter.
    pub idle_timeout: u64,
    /// The most connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// The most requests handled at once over all connections; one more is answered at once
    /// with 503 and `Retry-After`, instead of queueing without bound.
    pub max_requests_in_flight: usize,
    /// Serve HTTP/2 without TLS ("h2c", prior knowledge) beside HTTP/1.1. HTTP/2 gets the same
    /// head size, header count and timeouts as HTTP/1. Off: HTTP/1.1 only.
    pub http2: bool,
    /// The most header lines a request may have.
    pub max_headers: usize,
    /// The most bytes a request head (request line plus headers) may take.
    pub max_header_bytes: usize,
    /// Seconds in-flight requests get to finish after SIGTERM or ctrl-c.
    pub shutdown_grace: u64,
    /// Addresses of the reverse proxies in front of the site (`10.0.0.5`, `10.0.0.0/8`,
    /// `::1`). A request from one of them is believed about the client: its
    /// `X-Forwarded-For` becomes the client address (`ConnectInfo`), `X-Forwarded-Proto` the
    /// scheme and, with `use_x_forwarded_host`, `X-Forwarded-Host` the host. Empty (the
    /// default): those headers are ignored,
    /// since any client can send them. Flask's `ProxyFix`; Django's `SECURE_PROXY_SSL_HEADER`
    /// and `USE_X_FORWARDED_HOST`.
    pub trusted_proxies: Vec<String>,
    /// Believe a trusted proxy's `X-Forwarded-Host` for the request's host (Django's
    /// `USE_X_FORWARDED_HOST`). Off: the `Host` the proxy sent is used, which is right when it
    /// passes the client's `Host` on (nginx's `proxy_set_header Host $host`).
    pub use_x_forwarded_host: bool,
    /// `X-Frame-Options` on every response: `DENY` (the default), `SAMEORIGIN`, or empty for
    /// none. Django's `X_FRAME_OPTIONS`.
    pub x_frame_options: String,
    /// `X-Content-Type-Options: nosniff` on every response. Django's
    /// `SECURE_CONTENT_TYPE_NOSNIFF`.
    pub secure_content_type_nosniff: bool,
    /// `Referrer-Policy` on every response (`same-origin` by default; empty for none).
    /// Django's `SECURE_REFERRER_POLICY`.
    pub secure_referrer_policy: String,
    /// `Cross-Origin-Opener-Policy` on every response (`same-origin` by default; empty for
    /// none). Django's `SECURE_CROSS_ORIGIN_OPENER_POLICY`.
    pub secure_cross_origin_opener_policy: String,
    /// `Strict-Transport-Security: max-age=…` on HTTPS responses; 0 (the default) sends none.
    /// Raise it step by step: browsers remember it. Django's `SECURE_HSTS_SECONDS`.
    pub secure_hsts_seconds: u64,
    /// Adds `includeSubDomains` to HSTS. Django's `SECURE_HSTS_INCLUDE_SUBDOMAINS`.
    pub secure_hsts_include_subdomains: bool,
    /// Adds `preload` to HSTS. Django's `SECURE_HSTS_PRELOAD`.
    pub secure_hsts_preload: bool,
    /// Redirect every plain-HTTP request to HTTPS (301). Behind a TLS-terminating proxy, list
    /// it in `trusted_proxies` so its `X-Forwarded-Proto: https` is believed. Django's
    /// `SECURE_SSL_REDIRECT`.
    pub secure_ssl_redirect: bool,
    /// Origins besides the site's own that may send unsafe requests (POST, PUT, PATCH,
    /// DELETE) past the CSRF check, with their scheme: `https://shop.example.com`, or
    /// `https://*.example.com` for every subdomain. Django's `CSRF_TRUSTED_ORIGINS`.
    pub csrf_trusted_origins: Vec<String>,
    /// The name of the cookie holding the CSRF secret. Django's `CSRF_COOKIE_NAME`.
    pub csrf_cookie_name: String,
    /// Seconds the CSRF cookie lives (a year by default; 0 makes it a session cookie).
    /// Django's `CSRF_COOKIE_AGE`.
    pub csrf_cookie_age: u64,
    /// Send the CSRF cookie over HTTPS only. Django's `CSRF_COOKIE_SECURE`.
    pub csrf_cookie_secure: bool,
    /// Hide the CSRF cookie from JavaScript. Off by default, as in Django, so that scripts
    /// can copy it into the `X-CSRFToken` header. Django's `CSRF_COOKIE_HTTPONLY`.
    pub csrf_cookie_httponly: bool,
    /// The CSRF cookie's `SameSite`: `Lax` (the default), `Strict` or `None`. Django's
    /// `CSRF_COOKIE_SAMESITE`.
    pub csrf_cookie_samesite: String,
    /// The header scripts send the token in. Django's `CSRF_HEADER_NAME`.
    pub csrf_header_name: String,
    /// The log filter, in `tracing-subscriber`'s `EnvFilter` syntax (`RUST_LOG` wins). Empty
    /// (the default) means `info` in debug, where every request is logged as by Django's
    /// `runserver`, and `info,alder::request=warn` otherwise: only requests that ended in a
    /// 4xx or 5xx, as a production Django logs them.
    pub log: String,
    #[serde(skip)]
    figment: Option<Arc<Figment>>,
}

/// Every setting, with secrets masked: those named like a secret (`secret_key`, any
/// `…password…`, `…token…`) and the password in `database_url`. What `{:?}`, the debug page
/// and logs show.
///
/// ```
/// let mut settings = alder_web::Settings::debug();
/// settings.secret_key = "do-not-print-me".into();
/// settings.database_url = Some("postgres://app:hunter2@db/app".into());
/// let shown = format!("{settings:?}");
/// assert!(!shown.contains("do-not-print-me") && !shown.contains("hunter2"), "{shown}");
/// assert!(shown.contains("postgres://app:***@db/app"), "{shown}");
/// ```
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.masked() {
            map.entry(&name, &format_args!("{value}"));
        }
        map.finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debug: false,
            secret_key: String::new(),
            allowed_hosts: Vec::new(),
            database_url: Some("sqlite://db.sqlite3".into()),
            migrate_on_start: false,
            database_pool_size: 10,
            database_timeout: 5,
            database_health_checks: false,
            append_slash: true,
            max_body_size: 2_621_440,
            data_upload_max_number_fields: 1000,
            data_upload_max_number_files: 100,
            data_upload_max_memory_size: 2_621_440,
            file_upload_max_memory_size: 2_621_440,
            file_upload_temp_dir: None,
            static_url: "/static/".into(),
            media_root: "media".into(),
            media_url: "/media/".into(),
            static_root: "staticfiles".into(),
            static_dir: "static".into(),
            templates_dir: "templates".into(),
            templates_reload: None,
            header_read_timeout: 30,
            body_read_timeout: 30,
            body_min_rate: 1024,
            idle_timeout: 60,
            max_connections: 10_000,
            max_requests_in_flight: 4096,
            http2: true,
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            shutdown_grace: 30,
            trusted_proxies: Vec::new(),
            use_x_forwarded_host: false,
            x_frame_options: "DENY".into(),
            secure_content_type_nosniff: true,
            secure_referrer_policy: "same-origin".into(),
            secure_cross_origin_opener_policy: "same-origin".into(),
            secure_hsts_seconds: 0,
            secure_hsts_include_subdomains: false,
            secure_hsts_preload: false,
            secure_ssl_redirect: false,
            csrf_trusted_origins: Vec::new(),
            csrf_cookie_name: "csrftoken".into(),
            csrf_cookie_age: 60 * 60 * 24 * 364,
            csrf_cookie_secure: false,
            csrf_cookie_httponly: false,
            csrf_cookie_samesite: "Lax".into(),
            csrf_header_name: "X-CSRFToken".into(),
            log: String::new(),
            figment: None,
        }
    }
}

impl Settings {
    /// Reads the settings from defaults, the settings file and the environment.
    ///
    /// ```
    /// let settings = alder_web::Settings::from_env().unwrap();
    /// assert!(settings.max_body_size > 0);
    /// ```
    pub fn from_env() -> Result<Self> {
        let named = std::env::var("ALDER_SETTINGS").ok();
        let file = named.clone().unwrap_or_else(|| "alder.toml".into());
        if named.is_some() && !std::path::Path::new(&file).is_file() {
            return Err(Error::Config(format!(
                "ALDER_SETTINGS names `{file}`, which is not a file (the working directory is {})",
                std::env::current_dir()
                    .map_or_else(|_| "unknown".into(), |d| d.display().to_string())
            )));
        }
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(&file))
            .merge(Env::raw().only(&["SECRET_KEY", "DATABASE_URL"]))
            .merge(Env::prefixed("ALDER_").ignore(&["SETTINGS"]).split("__"));
        Self::from_figment(figment).map_err(|e| {
            Error::Config(format!(
                "reading settings ({file} and ALDER_* variables): {e}"
            ))
        })
    }

    /// Builds settings from any figment, for tests and for projects with their own sources.
    ///
    /// ```
    /// use figment::{Figment, providers::Serialized};
    /// let fig = Figment::from(Serialized::defaults(alder_web::Settings::default()))
    ///     .merge(("debug", true));
    /// assert!(alder_web::Settings::from_figment(fig).unwrap().debug);
    /// ```
    pub fn from_figment(figment: Figment) -> Result<Self> {
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| Error::Config(format!("reading settings: {e}")))?;
        settings.figment = Some(Arc::new(figment));
        Ok(settings)
    }

    /// Settings for tests and examples: `debug` on, the development secret key.
    ///
    /// ```
    /// assert!(alder_web::Settings::debug().debug);
    /// ```
    pub fn debug() -> Self {
        Settings {
            debug: true,
            ..Settings::default()
        }
    }

    /// Reads a setting of the application's own (`[myapp]` in `alder.toml`, `ALDER_MYAPP__KEY`).
    /// `None` when it is not set; an error names the key when it has the wrong type.
    ///
    /// ```
    /// let s = alder_web::Settings::default();
    /// assert_eq!(s.custom::<u32>("blog.page_size").unwrap(), None);
    /// ```
    pub fn custom<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let Some(figment) = &self.figment else {
            return Ok(None);
        };
        if !figment.contains(key) {
            return Ok(None);
        }
        figment
            .extract_inner(key)
            .map(Some)
            .map_err(|e| Error::Config(format!("setting `{key}`: {e}")))
    }

    /// Every setting by name, as JSON values, with secrets masked (see the `Debug` output).
    pub(crate) fn masked(&self) -> Vec<(String, serde_json::Value)> {
        let serde_json::Value::Object(map) = serde_json::to_value(self).unwrap_or_default() else {
            return Vec::new();
        };
        map.into_iter()
            .map(|(name, value)| {
                let value = match value {
                    serde_json::Value::String(url) if name == "database_url" => {
                        serde_json::Value::String(alder_db::redact_url(&url))
                    }
                    _ if crate::sensitive::is_sensitive(&name) => {
                        serde_json::Value::String(crate::sensitive::MASK.into())
                    }
                    value => value,
                };
                (name, value)
            })
            .collect()
    }

    /// Whether templates are read again from disk on each render.
    ///
    /// ```
    /// assert!(alder_web::Settings::debug().reload_templates());
    /// ```
    pub fn reload_templates(&self) -> bool {
        self.templates_reload.unwrap_or(self.debug)
    }

    /// The secret key in force: the configured one, or the insecure development key when none
    /// is set (which [`validate`](Self::validate) refuses outside debug). What signs cookies
    /// and tokens, in Alder and in contrib apps, reads it here.
    ///
    /// ```
    /// let mut settings = alder_web::Settings::debug();
    /// assert_eq!(settings.effective_secret_key(), alder_web::INSECURE_SECRET_KEY);
    /// settings.secret_key = "k".repeat(50);
    /// assert_eq!(settings.effective_secret_key(), "k".repeat(50));
    /// ```
    pub fn effective_secret_key(&self) -> &str {
        if self.secret_key.is_empty() {
            INSECURE_SECRET_KEY
        } else {
            &self.secret_key
        }
    }

    /// Refuses settings that are unsafe in production: a missing or default secret key.
    ///
    /// ```
    /// assert!(alder_web::Settings::default().validate().is_err());
    /// assert!(alder_web::Settings::debug().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if !self.debug && self.effective_secret_key() == INSECURE_SECRET_KEY {
            return Err(Error::Config(
                "refusing to start with debug off and no SECRET_KEY: set SECRET_KEY (or \
                 ALDER_SECRET_KEY) to a long random value, or set ALDER_DEBUG=true for development"
                    .into(),
            ));
        }
        if !self.debug && self.secret_key.len() < 32 {
            return Err(Error::Config(format!(
                "SECRET_KEY is {} characters long; use at least 32 random characters in production",
                self.secret_key.len()
            )));
        }
        if !self.debug && self.allowed_hosts.is_empty() {
            return Err(Error::Config(
                "refusing to start with debug off and no allowed_hosts: every request would be \
                 refused. Set the host names this site answers to, e.g. \
                 ALDER_ALLOWED_HOSTS='[\"example.com\", \"www.example.com\"]'"
                    .into(),
            ));
        }
        for (name, url) in [
            ("static_url", &self.static_url),
            ("media_url", &self.media_url),
        ] {
            if !url.starts_with('/') || !url.ends_with('/') {
                return Err(Error::Config(format!(
                    "{name} must start and end with `/`, found `{url}`"
                )));
            }
        }
        if self.media_url == self.static_url {
            // Django's check too: uploads would be served as the site's own files.
            return Err(Error::Config(format!(
                "media_url and static_url must differ, both are `{}`",
                self.media_url
            )));
        }
        self.validate_limits()
    }

    /// Refuses limits that would make the server useless or unsafe: a zero timeout closes
    /// every connection at once, a zero cap serves nobody, an absurd one is a typo.
    fn validate_limits(&self) -> Result<()> {
        const DAY: u64 = 24 * 60 * 60;
        let ranges: [(&str, u64, u64, u64); 11] = [
            ("header_read_timeout", self.header_read_timeout, 1, DAY),
            ("body_read_timeout", self.body_read_timeout, 1, DAY),
            ("idle_timeout", self.idle_timeout, 1, DAY),
            ("shutdown_grace", self.shutdown_grace, 0, DAY),
            ("database_timeout", self.database_timeout, 1, DAY),
            (
                "database_pool_size",
                self.database_pool_size.into(),
                1,
                10_000,
            ),
            (
                "max_connections",
                as_u64(self.max_connections),
                1,
                1_000_000,
            ),
            (
                "max_requests_in_flight",
                as_u64(self.max_requests_in_flight),
                1,
                1_000_000,
            ),
            ("max_headers", as_u64(self.max_headers), 1, 10_000),
            (
                "max_header_bytes",
                as_u64(self.max_header_bytes),
                8192,
                16 << 20,
            ),
            ("max_body_size", as_u64(self.max_body_size), 1, 1 << 40),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(Error::Config(format!(
                    "setting `{name}` is {value}; it must be between {min} and {max}"
                )));
            }
        }
        Ok(())
    }
}

fn as_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}
