//! What must never be shown: secrets in settings, headers, cookies and query strings,
//! masked wherever Alder prints them (the debug page, `Debug` output, logs). Django's
//! `SafeExceptionReporterFilter`, with the same name test. Database URLs are masked by
//! [`alder_db::redact_url`].

/// What a masked value is shown as.
pub(crate) const MASK: &str = "********";

/// Whether a setting, header, cookie or parameter named `name` may hold a secret: its name
/// contains `pass`, `secret`, `token`, `key`, `signature`, `auth`, `api` or `cookie`, in any
/// case (`password`, `secret_key`, `X-Api-Key`, `Authorization`, `csrfmiddlewaretoken`).
pub(crate) fn is_sensitive(name: &str) -> bool {
    const WORDS: [&str; 8] = [
        "pass",
        "secret",
        "token",
        "key",
        "signature",
        "auth",
        "api",
        "cookie",
    ];
    let name = name.to_ascii_lowercase();
    WORDS.iter().any(|word| name.contains(word))
}

/// A query string with the values of sensitive parameters masked: `user=ann&password=…`.
pub(crate) fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_sensitive(&decode(name)) => format!("{name}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A `Cookie` header with every value masked and the names kept: which cookies were sent
/// helps debugging, their values are sessions and tokens.
pub(crate) fn mask_cookies(header: &str) -> String {
    header
        .split(';')
        .map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim();
            format!("{name}={MASK}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_secrets_are_sensitive() {
        for name in [
            "password",
            "SECRET_KEY",
            "api_token",
            "Authorization",
            "x-api-key",
            "signature",
            "Cookie",
            "new_password2",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in ["page", "username", "debug", "static_url", "q"] {
            assert!(!is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn urls_queries_and_cookies_are_masked() {
        assert_eq!(
            mask_query("page=2&password=hunter2&pass%77ord=x&q=a"),
            "page=2&password=********&pass%77ord=********&q=a"
        );
        assert_eq!(
            mask_cookies("sessionid=abc; theme=dark"),
            "sessionid=********; theme=********"
        );
    }
}
