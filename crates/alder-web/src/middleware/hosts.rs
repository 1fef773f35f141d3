//! `allowed_hosts`: the site answers only requests addressed to it (Django's `ALLOWED_HOSTS`
//! and `DisallowedHost`). A forged `Host` would otherwise end up in password-reset links,
//! redirects and cache keys.

use http::header::HOST;
use http::{HeaderMap, Uri};

use crate::{Error, Result, Settings};

/// What an empty `allowed_hosts` means in debug.
pub(crate) const DEBUG_HOSTS: [&str; 3] = [".localhost", "127.0.0.1", "[::1]"];

/// The host patterns in force, parsed once at start-up.
#[derive(Clone, Debug)]
pub(crate) struct AllowedHosts {
    any: bool,
    /// Lower-case names without a trailing dot, matched exactly.
    exact: Vec<String>,
    /// `.example.com` entries, kept with their leading dot: they match `example.com` and
    /// every subdomain.
    suffixes: Vec<String>,
}

impl AllowedHosts {
    /// The hosts of `settings`; in debug with none set, the local names (`localhost` and its
    /// subdomains, `127.0.0.1`, `[::1]`), as Django does.
    pub(crate) fn new(settings: &Settings) -> Result<Self> {
        let mut allowed = AllowedHosts {
            any: false,
            exact: Vec::new(),
            suffixes: Vec::new(),
        };
        let entries: Vec<&str> = if settings.allowed_hosts.is_empty() && settings.debug {
            DEBUG_HOSTS.to_vec()
        } else {
            settings.allowed_hosts.iter().map(String::as_str).collect()
        };
        for entry in entries {
            let pattern = entry.trim().to_ascii_lowercase();
            let pattern = pattern.strip_suffix('.').unwrap_or(&pattern);
            if pattern == "*" {
                allowed.any = true;
            } else if let Some(domain) = pattern.strip_prefix('.') {
                if !valid_name(domain) {
                    return Err(bad_entry(entry));
                }
                allowed.suffixes.push(format!(".{domain}"));
            } else if split_port(pattern)
                .is_some_and(|(host, port)| port.is_none() && !host.is_empty())
            {
                allowed.exact.push(pattern.to_string());
            } else {
                return Err(bad_entry(entry));
            }
        }
        Ok(allowed)
    }

    /// Checks the host a request is addressed to: the one `Host` header and, when the
    /// target is in absolute form (or the request is HTTP/2), its authority. The error says
    /// what was wrong, for the 400 page and the log.
    pub(crate) fn check(&self, uri: &Uri, headers: &HeaderMap) -> std::result::Result<(), String> {
        let mut hosts = headers.get_all(HOST).iter();
        let header = hosts.next();
        if hosts.next().is_some() {
            return Err("the request has more than one Host header".into());
        }
        // Both the target's authority (absolute form, HTTP/2) and the Host header must be
        // this site's: handlers read either.
        if let Some(authority) = uri.authority() {
            self.check_one(authority.as_str())?;
        }
        match header {
            Some(value) => self.check_one(
                value
                    .to_str()
                    .map_err(|_| "the Host header is not ASCII".to_string())?,
            ),
            None if uri.authority().is_some() => Ok(()),
            None => Err("the request has no Host header".into()),
        }
    }

    fn check_one(&self, host: &str) -> std::result::Result<(), String> {
        // The common case, a host exactly as listed (entries are validated and lower-case),
        // needs no parsing.
        if self.exact.iter().any(|e| e == host) {
            return Ok(());
        }
        if host.contains('@') {
            return Err(format!(
                "invalid host `{}`: it has user information",
                printable(host)
            ));
        }
        let Some((name, _port)) = split_port(host) else {
            return Err(format!("invalid host `{}`", printable(host)));
        };
        if self.allows(name) {
            Ok(())
        } else {
            Err(format!(
                "host `{name}` is not in allowed_hosts; add it there (e.g. \
                 ALDER_ALLOWED_HOSTS='[\"{name}\"]') if this site should answer to it"
            ))
        }
    }

    /// Whether a host name (already split from its port, any case) is allowed.
    fn allows(&self, name: &str) -> bool {
        if self.any {
            return true;
        }
        let name = name.strip_suffix('.').unwrap_or(name);
        self.exact.iter().any(|e| e.eq_ignore_ascii_case(name))
            || self.suffixes.iter().any(|suffix| {
                let bare = &suffix[1..];
                name.eq_ignore_ascii_case(bare)
                    || (name.len() > suffix.len()
                        && name.is_char_boundary(name.len() - suffix.len())
                        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix))
            })
    }
}

fn bad_entry(entry: &str) -> Error {
    Error::Config(format!(
        "allowed_hosts has `{entry}`, which is not a host name: write `example.com`, \
         `.example.com` (the domain and its subdomains), an IP address, or `*` (any host)"
    ))
}

/// Splits `host[:port]` into the name and the port, or `None` when it is malformed: the
/// name is letters, digits, `-` and `.`, or a bracketed IPv6 address; the port is digits.
fn split_port(host: &str) -> Option<(&str, Option<&str>)> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        let inner = &name[1..name.len() - 1];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        match rest {
            "" => (name, None),
            _ => (name, Some(rest.strip_prefix(':')?)),
        }
    } else {
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        };
        if !valid_name(name.strip_suffix('.').unwrap_or(name)) {
            return None;
        }
        (name, port)
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some((name, port))
}

/// A DNS name or IPv4 address: non-empty labels of letters, digits and `-`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The host as it may be shown: control characters would forge log lines.
fn printable(host: &str) -> String {
    host.chars().filter(|c| !c.is_control()).take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str], debug: bool) -> AllowedHosts {
        let mut settings = Settings::debug();
        settings.debug = debug;
        settings.allowed_hosts = entries.iter().map(|s| s.to_string()).collect();
        AllowedHosts::new(&settings).unwrap()
    }

    fn check(allowed: &AllowedHosts, host_headers: &[&str], uri: &str) -> bool {
        let mut request = http::Request::builder().uri(uri);
        for host in host_headers {
            request = request.header(HOST, *host);
        }
        let request = request.body(()).unwrap();
        allowed.check(request.uri(), request.headers()).is_ok()
    }

    #[test]
    fn matches_as_django_does() {
        let allowed = hosts(&["example.com", ".example.org", "10.0.0.1", "[::1]"], false);
        for good in [
            "example.com",
            "EXAMPLE.com:8000",
            "example.com.",
            "example.org",
            "www.example.org",
            "a.b.example.org:443",
            "10.0.0.1",
            "[::1]:8000",
        ] {
            assert!(check(&allowed, &[good], "/"), "{good} should be allowed");
        }
        for bad in [
            "evil.com",
            "example.com.evil.com",
            "notexample.org",
            "example.com:80:80",
            "example.com:http",
            "exa mple.com",
            "user@example.com",
            "",
            "[::1",
            "[zz::1]",
            "example..com",
        ] {
            assert!(!check(&allowed, &[bad], "/"), "{bad} should be refused");
        }
        assert!(!check(&allowed, &[], "/"), "a missing Host is refused");
        assert!(!check(&allowed, &["example.com", "example.com"], "/"));
        assert!(!check(&allowed, &["example.com"], "http://evil.com/"));
        assert!(!check(&allowed, &["evil.com"], "http://example.com/x"));
        assert!(check(&allowed, &["example.com"], "http://example.com/x"));
        assert!(check(&allowed, &[], "http://example.com/x"));
    }

    #[test]
    fn star_allows_any_well_formed_host_and_debug_allows_local_names() {
        let any = hosts(&["*"], false);
        assert!(check(&any, &["anything.example:1"], "/"));
        assert!(!check(&any, &["bad host"], "/"));
        let debug = hosts(&[], true);
        for local in [
            "localhost",
            "LOCALHOST:8000",
            "app.localhost",
            "127.0.0.1:8000",
            "[::1]",
        ] {
            assert!(check(&debug, &[local], "/"), "{local}");
        }
        assert!(!check(&debug, &["example.com"], "/"));
    }

    #[test]
    fn malformed_entries_are_config_errors() {
        for entry in [
            "http://example.com",
            "example.com/",
            "exa mple.com",
            "example.com:80",
        ] {
            let mut settings = Settings::debug();
            settings.allowed_hosts = vec![entry.to_string()];
            let err = AllowedHosts::new(&settings).unwrap_err().to_string();
            assert!(err.contains("is not a host name"), "{entry}: {err}");
        }
    }
}
