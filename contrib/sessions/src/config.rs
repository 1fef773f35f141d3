//! The sessions app's settings: where sessions are kept and how their cookie is sent.

use serde::Deserialize;

/// The longest a session may live, in seconds: a century.
pub(crate) const MAX_AGE: u64 = 100 * 365 * 24 * 60 * 60;

/// Where session data is kept (Django's `SESSION_ENGINE`).
///
/// ```
/// let engine: alder_sessions::Engine = serde_json::from_str("\"cookie\"").unwrap();
/// assert_eq!(engine, alder_sessions::Engine::Cookie);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Engine {
    /// A row per session in the project's database, table `sessions_session` (Django's
    /// `sessions.backends.db`, the default). The cookie holds only a random key; logging
    /// out deletes the row, so a copied cookie is worthless afterwards.
    #[default]
    Database,
    /// The data itself in the cookie, signed with the secret key so it cannot be changed
    /// (Django's `signed_cookies`, Flask's default session). Readable by the client unless
    /// [`SessionConfig::encrypt_cookie`] is on; at most about 4 KB; and a copied cookie stays
    /// valid until it expires, even after logout.
    Cookie,
    /// A key per session in Redis (`redis_url`), with Redis's own expiry: what several
    /// instances of a site share without a shared database (Django's `cache` engine on a
    /// Redis cache).
    Redis,
}

/// The settings of the sessions app: the `[sessions]` table of `alder.toml` or
/// `ALDER_SESSIONS__<NAME>` variables, with Django's `SESSION_*` names. Every field has
/// Django's default.
///
/// ```toml
/// [sessions]
/// engine = "cookie"          # SESSION_ENGINE: "database" (default) or "cookie"
/// cookie_age = 86400         # SESSION_COOKIE_AGE, seconds
/// cookie_secure = true       # SESSION_COOKIE_SECURE
/// ```
///
/// ```
/// let config = alder_sessions::SessionConfig::default();
/// assert_eq!(config.cookie_name, "sessionid");
/// assert_eq!(config.cookie_age, 1_209_600);
/// assert!(config.cookie_httponly);
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Where sessions are kept (`SESSION_ENGINE`).
    pub engine: Engine,
    /// With the cookie engine, encrypt the cookie (AES-256-GCM, the `cookie` crate's private
    /// jar) instead of only signing it, so the client cannot read what it holds.
    pub encrypt_cookie: bool,
    /// The cookie's name (`SESSION_COOKIE_NAME`).
    pub cookie_name: String,
    /// Seconds a session lives, in the cookie and on the server (`SESSION_COOKIE_AGE`, two
    /// weeks).
    pub cookie_age: u64,
    /// The cookie's `Domain` (`SESSION_COOKIE_DOMAIN`); none by default: this host only.
    pub cookie_domain: Option<String>,
    /// The cookie's `Path` (`SESSION_COOKIE_PATH`).
    pub cookie_path: String,
    /// Send the cookie over HTTPS only (`SESSION_COOKIE_SECURE`). `check --deploy` warns
    /// while it is off.
    pub cookie_secure: bool,
    /// Hide the cookie from JavaScript (`SESSION_COOKIE_HTTPONLY`).
    pub cookie_httponly: bool,
    /// The cookie's `SameSite`: `Lax` (the default), `Strict` or `None`
    /// (`SESSION_COOKIE_SAMESITE`).
    pub cookie_samesite: String,
    /// End the session when the browser closes: the cookie gets no `Max-Age`
    /// (`SESSION_EXPIRE_AT_BROWSER_CLOSE`). The server still forgets it after `cookie_age`.
    pub expire_at_browser_close: bool,
    /// Save the session, and send its cookie again, on every request that reads it, so it
    /// expires `cookie_age` after the last visit rather than the last change
    /// (`SESSION_SAVE_EVERY_REQUEST`).
    pub save_every_request: bool,
    /// The Redis engine's server: `redis://host:port/db`.
    pub redis_url: String,
    /// What the Redis engine's keys start with.
    pub redis_prefix: String,
    /// Seconds the Redis engine waits for the server before the request fails with 503.
    pub redis_timeout: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            engine: Engine::Database,
            encrypt_cookie: false,
            cookie_name: "sessionid".into(),
            cookie_age: 60 * 60 * 24 * 7 * 2,
            cookie_domain: None,
            cookie_path: "/".into(),
            cookie_secure: false,
            cookie_httponly: true,
            cookie_samesite: "Lax".into(),
            expire_at_browser_close: false,
            save_every_request: false,
            redis_url: "redis://127.0.0.1:6379/0".into(),
            redis_prefix: "alder:session:".into(),
            redis_timeout: 2,
        }
    }
}

impl SessionConfig {
    /// The settings of `[sessions]`, or the defaults where it says nothing.
    ///
    /// ```
    /// let config = alder_sessions::SessionConfig::from_settings(&alder_web::Settings::debug()).unwrap();
    /// assert_eq!(config.engine, alder_sessions::Engine::Database);
    /// ```
    pub fn from_settings(settings: &alder_web::Settings) -> alder_web::Result<Self> {
        let config = settings
            .custom::<SessionConfig>("sessions")?
            .unwrap_or_default();
        config.validate()?;
        Ok(config)
    }

    /// Refuses settings no browser could follow, naming the setting.
    pub(crate) fn validate(&self) -> alder_web::Result<()> {
        let problem = if self.cookie_name.is_empty()
            || !self
                .cookie_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            Some(format!(
                "sessions.cookie_name is `{}`: use letters, digits, `-`, `_` or `.`",
                self.cookie_name
            ))
        } else if self.same_site().is_none() {
            Some(format!(
                "sessions.cookie_samesite is `{}`: expected `Lax`, `Strict` or `None`",
                self.cookie_samesite
            ))
        } else if self.same_site() == Some(cookie::SameSite::None) && !self.cookie_secure {
            Some(
                "sessions.cookie_samesite is `None` but cookie_secure is off: browsers drop \
                 such a cookie; set cookie_secure = true (and serve the site over HTTPS)"
                    .into(),
            )
        } else if self.cookie_age == 0 || self.cookie_age > MAX_AGE {
            Some(format!(
                "sessions.cookie_age is {}: expected seconds from 1 to {MAX_AGE} (a century)",
                self.cookie_age
            ))
        } else if let Some(domain) = self.cookie_domain.as_deref().filter(|d| {
            d.is_empty()
                || !d
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        }) {
            Some(format!(
                "sessions.cookie_domain is `{domain}`: expected a host name such as `.example.com`"
            ))
        } else if !self.cookie_path.starts_with('/')
            || self
                .cookie_path
                .bytes()
                .any(|b| b.is_ascii_control() || b == b';')
        {
            Some(format!(
                "sessions.cookie_path is `{}`: a path starts with `/`",
                self.cookie_path
            ))
        } else {
            None
        };
        match problem {
            Some(message) => Err(alder_web::Error::Config(message)),
            None => Ok(()),
        }
    }

    pub(crate) fn same_site(&self) -> Option<cookie::SameSite> {
        match self.cookie_samesite.to_ascii_lowercase().as_str() {
            "lax" => Some(cookie::SameSite::Lax),
            "strict" => Some(cookie::SameSite::Strict),
            "none" => Some(cookie::SameSite::None),
            _ => None,
        }
    }
}
