//! The checks an unsafe request passes before its handler runs, in Django's order: the
//! `Origin` header (or, over HTTPS without one, the `Referer`) names this site or a trusted
//! origin, the cookie holds a secret, and the request carries a token of that secret.
//! Pure functions over the request's facts, so each refusal is tested without a server.

use super::token::{Malformed, Secret};

/// Why an unsafe request was refused; the messages are Django's, shown on the debug page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    BadOrigin(String),
    NoReferer,
    MalformedReferer,
    InsecureReferer,
    BadReferer(String),
    NoCookie,
    BadCookie(Malformed),
    TokenMissing,
    BadToken(Malformed, &'static str),
    TokenIncorrect(&'static str),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let malformed = |m: &Malformed| match m {
            Malformed::Length => "has incorrect length",
            Malformed::Characters => "has invalid characters",
        };
        match self {
            Failure::BadOrigin(origin) => write!(
                f,
                "Origin checking failed - {origin} does not match any trusted origins."
            ),
            Failure::NoReferer => f.write_str("Referer checking failed - no Referer."),
            Failure::MalformedReferer => {
                f.write_str("Referer checking failed - Referer is malformed.")
            }
            Failure::InsecureReferer => {
                f.write_str("Referer checking failed - Referer is insecure while host is secure.")
            }
            Failure::BadReferer(referer) => write!(
                f,
                "Referer checking failed - {referer} does not match any trusted origins."
            ),
            Failure::NoCookie => f.write_str("CSRF cookie not set."),
            Failure::BadCookie(m) => write!(f, "CSRF cookie {}.", malformed(m)),
            Failure::TokenMissing => f.write_str("CSRF token missing."),
            Failure::BadToken(m, from) => write!(f, "CSRF token from {from} {}.", malformed(m)),
            Failure::TokenIncorrect(from) => write!(f, "CSRF token from {from} incorrect."),
        }
    }
}

/// Where a request came from or may come from: scheme, host (lower case), port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let url = url::Url::parse(text).ok()?;
        Some(Origin {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }
}

#[derive(Debug)]
struct Subdomains {
    scheme: String,
    suffix: String,
    port: Option<u16>,
}

impl Subdomains {
    fn host_matches(&self, host: &str) -> bool {
        host.ends_with(self.suffix.as_str()) || host == &self.suffix[1..]
    }
}

/// `csrf_trusted_origins`, parsed once at start-up.
#[derive(Debug, Default)]
pub(crate) struct TrustedOrigins {
    exact: Vec<Origin>,
    /// `https://*.example.com[:port]`: the scheme, `.example.com` and the port (the
    /// scheme's default when none is written).
    subdomains: Vec<Subdomains>,
}

impl TrustedOrigins {
    /// Django requires the scheme since 4.0; an entry without one is a start-up error.
    pub(crate) fn new(entries: &[String]) -> Result<Self, String> {
        let mut trusted = TrustedOrigins::default();
        for entry in entries {
            let bad = || {
                format!(
                    "csrf_trusted_origins: `{entry}` is not an origin; write the scheme and the \
                     host, as `https://example.com` or `https://*.example.com`"
                )
            };
            let (scheme, rest) = entry.split_once("://").ok_or_else(bad)?;
            if let Some(domain) = rest.strip_prefix("*.") {
                // Parsed with a stand-in label, so the port is read as for any origin.
                let parsed = Origin::parse(&format!("{scheme}://x.{domain}")).ok_or_else(bad)?;
                if domain.is_empty() || domain.contains(['/', '*']) {
                    return Err(bad());
                }
                trusted.subdomains.push(Subdomains {
                    scheme: parsed.scheme,
                    suffix: format!(".{}", &parsed.host[2..]),
                    port: parsed.port,
                });
            } else {
                let origin = Origin::parse(entry).ok_or_else(bad)?;
                if rest.trim_end_matches('/').contains('/') {
                    return Err(bad());
                }
                trusted.exact.push(origin);
            }
        }
        Ok(trusted)
    }

    fn admits(&self, origin: &Origin) -> bool {
        self.exact.contains(origin)
            || self.subdomains.iter().any(|s| {
                s.scheme == origin.scheme && s.port == origin.port && s.host_matches(&origin.host)
            })
    }

    /// Whether a Referer's host is one of the trusted origins' hosts (the Referer check
    /// compares hosts only, as Django's `csrf_trusted_origins_hosts`).
    fn admits_host(&self, host: &str, port: Option<u16>) -> bool {
        self.exact.iter().any(|o| o.host == host && o.port == port)
            || self
                .subdomains
                .iter()
                .any(|s| s.port == port && s.host_matches(host))
    }
}

/// The `Origin` header names this site (`scheme://host` of the request) or a trusted origin.
pub(crate) fn check_origin(
    origin: &str,
    own_scheme: &str,
    own_host: &str,
    trusted: &TrustedOrigins,
) -> Result<(), Failure> {
    let refused = || Failure::BadOrigin(origin.to_string());
    let theirs = Origin::parse(origin).ok_or_else(refused)?;
    let own = Origin::parse(&format!("{own_scheme}://{own_host}"));
    if own.as_ref() == Some(&theirs) || trusted.admits(&theirs) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// Over HTTPS a request without `Origin` must name this site, or a trusted origin's host, in
/// an HTTPS `Referer`: a man in the middle of a plain-HTTP page cannot post to the HTTPS one.
pub(crate) fn check_referer(
    referer: Option<&str>,
    own_host: &str,
    trusted: &TrustedOrigins,
) -> Result<(), Failure> {
    let referer = referer.ok_or(Failure::NoReferer)?;
    let url = url::Url::parse(referer).map_err(|_| Failure::MalformedReferer)?;
    let host = url.host_str().ok_or(Failure::MalformedReferer)?;
    if url.scheme() != "https" {
        return Err(Failure::InsecureReferer);
    }
    let host = host.to_ascii_lowercase();
    let port = url.port_or_known_default();
    let own = Origin::parse(&format!("https://{own_host}"));
    let same = own.is_some_and(|o| o.host == host && o.port == port);
    if same || trusted.admits_host(&host, port) {
        Ok(())
    } else {
        Err(Failure::BadReferer(referer.to_string()))
    }
}

/// The cookie's secret and the token sent with the request agree.
pub(crate) fn check_token(
    cookie: Option<Result<Secret, Malformed>>,
    sent: Option<(&str, &'static str)>,
) -> Result<(), Failure> {
    let secret = match cookie {
        None => return Err(Failure::NoCookie),
        Some(Err(why)) => return Err(Failure::BadCookie(why)),
        Some(Ok(secret)) => secret,
    };
    let (token, from) = sent
        .filter(|(token, _)| !token.trim().is_empty())
        .ok_or(Failure::TokenMissing)?;
    match secret.matches(token.trim()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::TokenIncorrect(from)),
        Err(why) => Err(Failure::BadToken(why, from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(entries: &[&str]) -> TrustedOrigins {
        TrustedOrigins::new(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_sites_own_origin_and_trusted_ones_pass() {
        let none = trusted(&[]);
        assert_eq!(
            check_origin("http://testserver", "http", "testserver", &none),
            Ok(())
        );
        assert_eq!(
            check_origin("https://a.io:443", "https", "A.io", &none),
            Ok(())
        );
        assert_eq!(
            check_origin("http://localhost:8000", "http", "localhost:8000", &none),
            Ok(())
        );
        let some = trusted(&["https://pay.example.com", "https://*.shop.io"]);
        assert_eq!(
            check_origin("https://pay.example.com", "https", "a.io", &some),
            Ok(())
        );
        assert_eq!(
            check_origin("https://eu.shop.io", "https", "a.io", &some),
            Ok(())
        );
        assert_eq!(
            check_origin("https://shop.io", "https", "a.io", &some),
            Ok(())
        );
        let ported = trusted(&["https://*.dev.io:8443"]);
        assert_eq!(
            check_origin("https://x.dev.io:8443", "https", "a.io", &ported),
            Ok(())
        );
        assert!(check_origin("https://x.dev.io", "https", "a.io", &ported).is_err());
        assert!(check_origin("https://x.shop.io:8443", "https", "a.io", &some).is_err());
    }

    #[test]
    fn other_origins_are_refused() {
        let some = trusted(&["https://*.shop.io"]);
        for (origin, scheme, host) in [
            ("https://evil.com", "https", "a.io"),
            ("http://a.io", "https", "a.io"),       // scheme differs
            ("https://a.io:8443", "https", "a.io"), // port differs
            ("http://localhost:8001", "http", "localhost:8000"),
            ("null", "https", "a.io"),
            ("http://eu.shop.io", "https", "a.io"), // trusted only over https
            ("https://evilshop.io", "https", "a.io"), // not a subdomain
        ] {
            assert_eq!(
                check_origin(origin, scheme, host, &some),
                Err(Failure::BadOrigin(origin.into())),
                "{origin}"
            );
        }
    }

    #[test]
    fn trusted_origins_need_a_scheme() {
        for bad in [
            "example.com",
            "https://*.",
            "https://a.io/path",
            "https://*.a/*",
        ] {
            assert!(TrustedOrigins::new(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_referer_over_https() {
        let none = trusted(&[]);
        assert_eq!(
            check_referer(Some("https://a.io/form/"), "a.io", &none),
            Ok(())
        );
        assert_eq!(check_referer(None, "a.io", &none), Err(Failure::NoReferer));
        assert_eq!(
            check_referer(Some("::"), "a.io", &none),
            Err(Failure::MalformedReferer)
        );
        assert_eq!(
            check_referer(Some("http://a.io/"), "a.io", &none),
            Err(Failure::InsecureReferer)
        );
        assert_eq!(
            check_referer(Some("https://b.io/"), "a.io", &none),
            Err(Failure::BadReferer("https://b.io/".into()))
        );
        let some = trusted(&["https://*.a.io"]);
        assert_eq!(
            check_referer(Some("https://x.a.io/"), "b.io", &some),
            Ok(())
        );
    }

    #[test]
    fn tokens() {
        let secret = Secret::generate();
        let token = secret.mask();
        let field = "the 'csrfmiddlewaretoken' field";
        assert_eq!(check_token(Some(Ok(secret)), Some((&token, field))), Ok(()));
        assert_eq!(
            check_token(None, Some((&token, field))),
            Err(Failure::NoCookie)
        );
        assert_eq!(
            check_token(Some(Ok(secret)), None),
            Err(Failure::TokenMissing)
        );
        assert_eq!(
            check_token(Some(Ok(secret)), Some((&Secret::generate().mask(), field))),
            Err(Failure::TokenIncorrect(field))
        );
        assert_eq!(
            check_token(Some(Err(Malformed::Length)), Some((&token, field))),
            Err(Failure::BadCookie(Malformed::Length))
        );
        assert_eq!(
            check_token(Some(Ok(secret)), Some(("x", field)))
                .unwrap_err()
                .to_string(),
            "CSRF token from the 'csrfmiddlewaretoken' field has incorrect length."
        );
    }
}
