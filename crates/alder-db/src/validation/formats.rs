//! The text formats a field can be declared to hold: `email`, `url`, `slug`, `ip`. The same
//! rules as Django's validators, in a form an HTML `type=email` or an OpenAPI `format` names.

use std::net::IpAddr;

/// Whether `text` is an email address as Django's `EmailValidator` takes it: a local part of
/// letters, digits, ``!#$%&'*+/=?^_`{|}~-`` and single dots, `@`, and a domain name with at
/// least one dot and a letter-only top level (international names allowed), or an IP literal
/// in brackets.
///
/// ```
/// use alder_db::validation::is_email;
/// assert!(is_email("ann.lee+news@example.co.uk"));
/// assert!(is_email("ann@[127.0.0.1]"));
/// assert!(!is_email("ann@localhost"));
/// assert!(!is_email("ann..lee@example.com"));
/// assert!(!is_email("@example.com"));
/// ```
pub fn is_email(text: &str) -> bool {
    // Django caps the whole address at 320 characters.
    if text.len() > 320 {
        return false;
    }
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c))
        });
    local_ok && is_email_domain(domain)
}

fn is_email_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let literal = literal.strip_prefix("IPv6:").unwrap_or(literal);
        return literal.parse::<IpAddr>().is_ok();
    }
    is_domain_name(domain, true)
}

/// A DNS name: labels of letters, digits and inner hyphens (non-ASCII letters allowed, as
/// IDNA names), at most 63 characters each; `dotted` asks for a top level of letters after
/// at least one dot.
fn is_domain_name(name: &str, dotted: bool) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    if !dotted {
        return true;
    }
    let top = labels[labels.len() - 1];
    labels.len() >= 2
        && (top.chars().all(char::is_alphabetic) && top.chars().count() >= 2
            || top.starts_with("xn--"))
}

/// Whether `text` is an absolute `http`, `https`, `ftp` or `ftps` URL with a host, as Django's
/// `URLValidator`: a dotted domain name, `localhost`, or an IP address; no spaces.
///
/// ```
/// use alder_db::validation::is_url;
/// assert!(is_url("https://example.com/a?b=1#c"));
/// assert!(is_url("http://localhost:8000/"));
/// assert!(is_url("http://[::1]/"));
/// assert!(!is_url("example.com"));
/// assert!(!is_url("javascript:alert(1)"));
/// assert!(!is_url("http://exa mple.com"));
/// ```
pub fn is_url(text: &str) -> bool {
    if text.len() > 2048 || text.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    if !["http", "https", "ftp", "ftps"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials are allowed before the host, as in Django.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let Some((ip, after)) = inner.split_once(']') else {
            return false;
        };
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        (None, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(host_port), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    match host {
        None => true,
        Some(host) => {
            host.eq_ignore_ascii_case("localhost")
                || host.parse::<std::net::Ipv4Addr>().is_ok()
                || is_domain_name(host, true)
        }
    }
}

/// Whether `text` is a slug: ASCII letters, digits, hyphens and underscores, at least one.
///
/// ```
/// use alder_db::validation::is_slug;
/// assert!(is_slug("hello-world_2"));
/// assert!(!is_slug("hello world"));
/// assert!(!is_slug(""));
/// ```
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `text` is an IPv4 or IPv6 address.
///
/// ```
/// use alder_db::validation::is_ip;
/// assert!(is_ip("192.168.0.1") && is_ip("::1"));
/// assert!(!is_ip("256.0.0.1"));
/// ```
pub fn is_ip(text: &str) -> bool {
    text.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_as_django_takes_them() {
        for good in [
            "a@b.cd",
            "first.last@sub.example.org",
            "x_y-z!#@example.museum",
            "juergen@bücher.de",
            "a@[IPv6:::1]",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "a@b",
            "a@.com",
            "a.@b.com",
            ".a@b.com",
            "a b@c.com",
            "a@b.c",
            "a@-b.com",
            "a@b.123",
            "a@[300.1.1.1]",
            "jürgen@example.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn urls_as_django_takes_them() {
        for good in [
            "http://example.com",
            "HTTPS://EXAMPLE.COM/x",
            "ftp://user:pw@files.example.org:21/a",
            "http://127.0.0.1:8000",
        ] {
            assert!(is_url(good), "{good}");
        }
        for bad in [
            "http://",
            "http://example",
            "http://example.com:",
            "http://example.com:123456",
            "mailto:a@b.com",
            "//example.com",
            "http://[::1/",
            "http://-x.com",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }
}
