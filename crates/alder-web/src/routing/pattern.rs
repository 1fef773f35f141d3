//! A route's path split into literal text and parameters, and filling it in.

use std::fmt::Display;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::ReverseError;

/// Bytes escaped in one path segment: everything but RFC 3986's unreserved characters and the
/// sub-delimiters that are safe inside a segment. `&` and `'` are escaped too, so that a URL
/// is safe to put in an HTML attribute as it is.
pub(crate) const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param { name: String, catch_all: bool },
}

/// A route path in axum's syntax (`/posts/{id}/`, `/files/{*path}`), parsed once at start-up.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    path: String,
    parts: Vec<Part>,
}

impl Pattern {
    /// Parses `path`; an error says what is wrong with it.
    pub(crate) fn parse(path: &str) -> Result<Self, String> {
        if !path.starts_with('/') {
            return Err(format!("route path `{path}` must start with `/`"));
        }
        if let Some(old) = path
            .split('/')
            .find(|segment| segment.starts_with(':') || segment.starts_with('*'))
        {
            return Err(format!(
                "route path `{path}` has the segment `{old}`: write parameters in braces, `{{{}}}` (or `{{*{}}}` for the rest of the path)",
                &old[1..],
                &old[1..]
            ));
        }
        let mut parts = Vec::new();
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            if rest[..open].contains('}') {
                return Err(format!("route path `{path}` has a `}}` without its `{{`"));
            }
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("route path `{path}` has a `{{` without its `}}`"))?
                + open;
            let inner = &rest[open + 1..close];
            let (name, catch_all) = match inner.strip_prefix('*') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(format!(
                    "route path `{path}` has a parameter `{{{inner}}}`: a parameter name is letters, digits and `_`"
                ));
            }
            if parts
                .iter()
                .any(|p| matches!(p, Part::Param { name: n, .. } if n == name))
            {
                return Err(format!(
                    "route path `{path}` names parameter `{name}` twice"
                ));
            }
            parts.push(Part::Param {
                name: name.to_string(),
                catch_all,
            });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("route path `{path}` has a `}}` without its `{{`"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        Ok(Pattern {
            path: path.to_string(),
            parts,
        })
    }

    pub(crate) fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Param { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Fills in the parameters, percent-encoding each value.
    pub(crate) fn build(&self, route: &str, args: &UrlArgs) -> Result<String, ReverseError> {
        let count = self.params().count();
        match args {
            UrlArgs::Positional(values) if values.len() != count => {
                return Err(ReverseError::WrongArgumentCount {
                    route: route.to_string(),
                    expected: self.params().map(str::to_string).collect(),
                    found: values.len(),
                })
            }
            UrlArgs::Named(pairs) => {
                if let Some((unknown, _)) =
                    pairs.iter().find(|(k, _)| !self.params().any(|p| p == k))
                {
                    return Err(ReverseError::UnexpectedParameter {
                        route: route.to_string(),
                        param: unknown.clone(),
                        expected: self.params().map(str::to_string).collect(),
                    });
                }
            }
            UrlArgs::Positional(_) => {}
        }
        let mut url = String::with_capacity(self.path.len() + 16);
        let mut index = 0;
        for part in &self.parts {
            match part {
                Part::Literal(text) => url.push_str(text),
                Part::Param { name, catch_all } => {
                    let value = match args {
                        UrlArgs::Positional(values) => Some(values[index].as_str()),
                        UrlArgs::Named(pairs) => pairs
                            .iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.as_str()),
                    };
                    index += 1;
                    let value = value.ok_or_else(|| ReverseError::MissingParameter {
                        route: route.to_string(),
                        param: name.clone(),
                    })?;
                    if value.is_empty() {
                        return Err(ReverseError::EmptyParameter {
                            route: route.to_string(),
                            param: name.clone(),
                        });
                    }
                    push_value(&mut url, value, *catch_all);
                }
            }
        }
        Ok(url)
    }
}

/// Appends a parameter value, percent-encoded so that the URL stays on this site and keeps
/// its shape: a catch-all keeps inner slashes but may not start one (`//host` is another
/// site), and `.`/`..` segments are escaped so that browsers do not collapse the path.
fn push_value(url: &mut String, value: &str, catch_all: bool) {
    let mut rest = value;
    if catch_all {
        while let Some(stripped) = rest.strip_prefix('/') {
            url.push_str("%2F");
            rest = stripped;
        }
    }
    let segments: Vec<&str> = if catch_all {
        rest.split('/').collect()
    } else {
        vec![rest]
    };
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            url.push('/');
        }
        match *segment {
            "." => url.push_str("%2E"),
            ".." => url.push_str("%2E%2E"),
            other => url.extend(utf8_percent_encode(other, SEGMENT)),
        }
    }
}

/// The parameters given to [`Urls::reverse`](super::Urls::reverse): positional (a tuple, in
/// the order of the path) or named (pairs, or `url_for!`'s `name = value`).
///
/// ```
/// use alder_web::routing::UrlArgs;
/// assert_eq!(UrlArgs::from(()), UrlArgs::Positional(vec![]));
/// assert_eq!(UrlArgs::from((7, "x")), UrlArgs::Positional(vec!["7".into(), "x".into()]));
/// assert_eq!(UrlArgs::from([("id", 7)]), UrlArgs::Named(vec![("id".into(), "7".into())]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlArgs {
    /// Values in the order the parameters appear in the path.
    Positional(Vec<String>),
    /// Values by parameter name.
    Named(Vec<(String, String)>),
}

impl From<()> for UrlArgs {
    fn from((): ()) -> Self {
        UrlArgs::Positional(Vec::new())
    }
}

macro_rules! tuple_args {
    ($($t:ident),+) => {
        impl<$($t: Display),+> From<($($t,)+)> for UrlArgs {
            #[allow(non_snake_case)]
            fn from(($($t,)+): ($($t,)+)) -> Self {
                UrlArgs::Positional(vec![$($t.to_string()),+])
            }
        }
    };
}
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);

impl<K: Into<String>, V: Display, const N: usize> From<[(K, V); N]> for UrlArgs {
    fn from(pairs: [(K, V); N]) -> Self {
        UrlArgs::Named(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.to_string()))
                .collect(),
        )
    }
}

impl From<Vec<(String, String)>> for UrlArgs {
    fn from(pairs: Vec<(String, String)>) -> Self {
        UrlArgs::Named(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(path: &str, args: impl Into<UrlArgs>) -> Result<String, ReverseError> {
        Pattern::parse(path).unwrap().build("r", &args.into())
    }

    #[test]
    fn fills_parameters_in_order_and_by_name() {
        assert_eq!(build("/p/{id}/{slug}/", (3, "a-b")).unwrap(), "/p/3/a-b/");
        assert_eq!(
            build("/p/{id}/{slug}/", [("slug", "x"), ("id", "9")]).unwrap(),
            "/p/9/x/"
        );
    }

    #[test]
    fn percent_encodes_values_but_keeps_slashes_of_catch_all() {
        assert_eq!(build("/s/{q}", ("a b/c?",)).unwrap(), "/s/a%20b%2Fc%3F");
        assert_eq!(
            build("/f/{*path}", ("css/a b.css",)).unwrap(),
            "/f/css/a%20b.css"
        );
        assert_eq!(build("/u/{name}", ("zoë",)).unwrap(), "/u/zo%C3%AB");
    }

    #[test]
    fn values_cannot_lead_off_the_site_or_collapse_the_path() {
        assert_eq!(
            build("/f/{*path}", ("/evil.com",)).unwrap(),
            "/f/%2Fevil.com"
        );
        assert_eq!(
            build("/{*path}", ("/evil.com/x",)).unwrap(),
            "/%2Fevil.com/x"
        );
        assert_eq!(build("/f/{*path}", ("a/../b",)).unwrap(), "/f/a/%2E%2E/b");
        assert_eq!(build("/u/{name}", ("..",)).unwrap(), "/u/%2E%2E");
        assert_eq!(build("/u/{name}", (".",)).unwrap(), "/u/%2E");
    }

    #[test]
    fn reports_missing_extra_and_empty_parameters() {
        assert!(matches!(
            build("/p/{id}", [("slug", "x")]),
            Err(ReverseError::UnexpectedParameter { .. })
        ));
        assert!(matches!(
            build("/p/{id}/{slug}", [("id", "1")]),
            Err(ReverseError::MissingParameter { ref param, .. }) if param == "slug"
        ));
        assert!(matches!(
            build("/p/{id}", ()),
            Err(ReverseError::WrongArgumentCount { found: 0, .. })
        ));
        assert!(matches!(
            build("/p/{id}", ("",)),
            Err(ReverseError::EmptyParameter { .. })
        ));
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "p/{id}",
            "/p/{id",
            "/p/id}",
            "/p/{}",
            "/p/{a-b}",
            "/p/{a}/{a}",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
