//! System checks (Django's system check framework): `check` runs the project's and every
//! app's, `check --deploy` adds those that matter only in production. Each finding has a
//! stable id (`security.W004`), so a team can look it up or silence it knowingly.
//!
//! An app adds its own with [`App::check`](crate::App::check):
//!
//! ```
//! use alder_web::{checks::Finding, App, Site};
//! fn page_size(site: &Site) -> Vec<Finding> {
//!     match site.settings().custom::<u32>("blog.page_size") {
//!         Ok(Some(0)) => vec![Finding::error("blog.E001", "blog.page_size is 0")
//!             .hint("set it to the number of posts per page, e.g. 20")],
//!         _ => vec![],
//!     }
//! }
//! let app = App::new("blog").check(page_size);
//! ```

use std::fmt;
use std::sync::Arc;

use crate::{Settings, Site, INSECURE_SECRET_KEY};

/// How bad a finding is: errors make `check` exit non-zero; warnings do only with
/// `--fail-level warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth fixing; the site works.
    Warning,
    /// The site is broken or unsafe as configured.
    Error,
}

/// One problem a check found.
///
/// ```
/// let f = alder_web::checks::Finding::warning("app.W001", "something is off").hint("fix it");
/// assert_eq!(f.to_string(), "WARNING app.W001: something is off\n    HINT: fix it");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Error or warning.
    pub level: Level,
    /// `area.E001` / `area.W001`: stable, to look up and to silence.
    pub id: String,
    /// What is wrong, naming the setting or the item.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Finding {
    /// An error with a stable id.
    pub fn error(id: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, id, message)
    }

    /// A warning with a stable id.
    pub fn warning(id: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, id, message)
    }

    fn new(level: Level, id: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            level,
            id: id.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        };
        write!(f, "{level} {}: {}", self.id, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n    HINT: {hint}")?;
        }
        Ok(())
    }
}

/// A check an app registers: looks at the built site, returns what it found.
pub(crate) type CheckFn = Arc<dyn Fn(&Site) -> Vec<Finding> + Send + Sync>;

/// A registered check, and whether it runs only with `--deploy`.
#[derive(Clone)]
pub(crate) struct Registered {
    pub(crate) deploy_only: bool,
    pub(crate) run: CheckFn,
}

impl fmt::Debug for Registered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("deploy_only", &self.deploy_only)
            .finish_non_exhaustive()
    }
}

/// The deployment checks of the settings themselves (Django's `security.W0xx`, with the
/// same numbers where Django has one).
pub(crate) fn deploy(settings: &Settings) -> Vec<Finding> {
    let mut found = Vec::new();
    if settings.debug {
        found.push(
            Finding::error(
                "security.W018",
                "debug is on: the debug page shows source, settings and requests to anyone",
            )
            .hint("set ALDER_DEBUG=false (or leave debug out of alder.toml) in production"),
        );
    }
    if weak_secret_key(&settings.secret_key) {
        found.push(
            Finding::error(
                "security.W009",
                "secret_key is missing, the development key, shorter than 50 characters or \
                 has fewer than 5 distinct characters, so signed cookies can be forged",
            )
            .hint("set SECRET_KEY to 50+ random characters, e.g. `openssl rand -base64 48`"),
        );
    }
    if settings.allowed_hosts.is_empty() {
        found.push(
            Finding::error(
                "security.W020",
                "allowed_hosts is empty: with debug off every request is refused",
            )
            .hint("ALDER_ALLOWED_HOSTS='[\"example.com\"]'"),
        );
    }
    if settings.allowed_hosts.iter().any(|h| h.trim() == "*") {
        found.push(
            Finding::warning(
                "security.W101",
                "allowed_hosts has `*`: the site answers to any Host, which ends up in \
                 absolute links such as password-reset mails",
            )
            .hint("list the site's host names instead"),
        );
    }
    if settings.secure_hsts_seconds == 0 {
        found.push(
            Finding::warning(
                "security.W004",
                "secure_hsts_seconds is 0: browsers may still try the site over plain HTTP",
            )
            .hint(
                "once the whole site works over HTTPS, set secure_hsts_seconds (start with 3600, \
                 then 31536000); browsers remember it, so be sure first",
            ),
        );
    } else {
        if !settings.secure_hsts_include_subdomains {
            found.push(
                Finding::warning(
                    "security.W005",
                    "HSTS does not cover subdomains (secure_hsts_include_subdomains is off)",
                )
                .hint("set secure_hsts_include_subdomains = true if every subdomain is HTTPS-only"),
            );
        }
        if !settings.secure_hsts_preload {
            found.push(
                Finding::warning(
                    "security.W021",
                    "the site cannot be put on the HSTS preload list (secure_hsts_preload is off)",
                )
                .hint("set secure_hsts_preload = true, then submit the domain to hstspreload.org"),
            );
        }
    }
    if !settings.secure_content_type_nosniff {
        found.push(
            Finding::warning(
                "security.W006",
                "secure_content_type_nosniff is off: browsers may guess a content type and run \
                 an upload as a script",
            )
            .hint("set secure_content_type_nosniff = true"),
        );
    }
    if !settings.secure_ssl_redirect {
        found.push(
            Finding::warning(
                "security.W008",
                "secure_ssl_redirect is off: plain-HTTP requests are served instead of being \
                 sent to HTTPS",
            )
            .hint(
                "set secure_ssl_redirect = true, or redirect at the proxy; behind a proxy that \
                 ends TLS, list it in trusted_proxies so its X-Forwarded-Proto is believed",
            ),
        );
    }
    if !settings.csrf_cookie_secure {
        found.push(
            Finding::warning(
                "security.W016",
                "csrf_cookie_secure is off: the CSRF cookie is also sent over plain HTTP, where \
                 a network attacker can read it",
            )
            .hint("set csrf_cookie_secure = true once the site is served over HTTPS"),
        );
    }
    if settings.x_frame_options.trim() != "DENY" {
        found.push(
            Finding::warning(
                "security.W019",
                format!(
                    "x_frame_options is `{}`, not DENY: other pages may frame this site",
                    settings.x_frame_options
                ),
            )
            .hint("unless the site frames itself, set x_frame_options = \"DENY\""),
        );
    }
    if settings.secure_referrer_policy.trim().is_empty() {
        found.push(
            Finding::warning(
                "security.W022",
                "secure_referrer_policy is empty: full URLs leak to other sites in Referer",
            )
            .hint("set secure_referrer_policy = \"same-origin\""),
        );
    }
    if settings
        .trusted_proxies
        .iter()
        .any(|p| matches!(p.trim(), "0.0.0.0/0" | "::/0"))
    {
        found.push(
            Finding::warning(
                "security.W102",
                "trusted_proxies trusts every address: any client can forge its IP and scheme",
            )
            .hint("list only the proxies' own addresses or network"),
        );
    }
    found
}

/// Django's test: missing, the insecure default, short, or few distinct characters.
fn weak_secret_key(key: &str) -> bool {
    let distinct: std::collections::HashSet<char> = key.chars().collect();
    key.is_empty() || key == INSECURE_SECRET_KEY || key.chars().count() < 50 || distinct.len() < 5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(settings: &Settings) -> Vec<String> {
        deploy(settings).into_iter().map(|f| f.id).collect()
    }

    #[test]
    fn a_hardened_configuration_has_no_findings() {
        let mut s = Settings::default();
        s.secret_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".into();
        s.allowed_hosts = vec!["example.com".into()];
        s.secure_hsts_seconds = 31_536_000;
        s.secure_hsts_include_subdomains = true;
        s.secure_hsts_preload = true;
        s.secure_ssl_redirect = true;
        s.csrf_cookie_secure = true;
        assert_eq!(ids(&s), Vec::<String>::new());
        s.debug = true;
        s.secret_key = "k".repeat(60);
        s.allowed_hosts = vec!["*".into()];
        s.x_frame_options = String::new();
        assert_eq!(
            ids(&s),
            [
                "security.W018",
                "security.W009",
                "security.W101",
                "security.W019"
            ]
        );
    }
}
