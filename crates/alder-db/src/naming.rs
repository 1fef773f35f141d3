//! Default names the derive gives a model: its app label, taken from the module it is
//! defined in, and its table, `<app>_<model>` as in Django (`blog_post`), so two apps'
//! `Post` models never share a table.
//!
//! The derive cannot know which app a model is installed in (apps are assembled with the
//! project), but it can read the module path at compile time: the app is the module that
//! holds `models` (`blog::models::Post` and `mysite::blog::models::Post` are in app `blog`),
//! or the crate when no module of that name is on the path. `#[model(app = "…")]` names the
//! app outright and `#[model(table = "…")]` the table. Everything here is `const`, so the
//! names are in the binary, not computed at start-up.

/// The app label of a model defined in `module` (a `module_path!()`): the segment before
/// the last `models`, else the crate.
///
/// ```
/// use alder_db::naming::app_label;
/// assert_eq!(app_label("mysite::blog::models"), "blog");
/// assert_eq!(app_label("blog::models::post"), "blog");
/// assert_eq!(app_label("library"), "library");
/// assert_eq!(app_label("library::v2"), "library");
/// ```
pub const fn app_label(module: &'static str) -> &'static str {
    let bytes = module.as_bytes();
    // Segment boundaries: `start` of the current segment, and the previous segment's range.
    let (mut start, mut prev) = (0, (0, 0));
    let mut label = None;
    let mut i = 0;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        if at_end || (bytes[i] == b':' && i + 1 < bytes.len() && bytes[i + 1] == b':') {
            if start > 0 && same(bytes, start, i, b"models") {
                label = Some(prev);
            }
            prev = (start, i);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    let (from, to) = match label {
        Some(range) => range,
        None => first_segment(bytes),
    };
    slice(module, from, to)
}

/// The length of `parts` joined.
pub const fn joined_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

/// `parts` joined into an array of exactly `N` bytes (`N` from [`joined_len`]).
///
/// ```
/// use alder_db::naming::{join, joined_len};
/// const PARTS: &[&str] = &["blog", "_", "post"];
/// const BYTES: [u8; joined_len(PARTS)] = join(PARTS);
/// assert_eq!(alder_db::naming::text(&BYTES), "blog_post");
/// ```
pub const fn join<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut at, mut p) = (0, 0);
    while p < parts.len() {
        let part = parts[p].as_bytes();
        let mut i = 0;
        while i < part.len() {
            out[at] = part[i];
            at += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(at == N, "joined_len and join disagree");
    out
}

/// Bytes joined from text, as text again.
pub const fn text(bytes: &'static [u8]) -> &'static str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => panic!("a name joined from text is text"),
    }
}

/// `module[from..to]`, in a constant.
const fn slice(module: &'static str, from: usize, to: usize) -> &'static str {
    let (_, rest) = module.as_bytes().split_at(from);
    let (part, _) = rest.split_at(to - from);
    text(part)
}

const fn first_segment(bytes: &[u8]) -> (usize, usize) {
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b':' {
        i += 1;
    }
    (0, i)
}

const fn same(bytes: &[u8], from: usize, to: usize, word: &[u8]) -> bool {
    if to - from != word.len() {
        return false;
    }
    let mut i = 0;
    while i < word.len() {
        if bytes[from + i] != word[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The default table of a model: `<app>_<model in snake case>`, computed at compile time.
/// `$app` is a `&'static str` constant expression, `$rest` the literal parts after it
/// (`"_", "post"`; a through table adds `"_", "tags"`).
#[doc(hidden)]
#[macro_export]
macro_rules! __default_table {
    ($app:expr, $($rest:expr),+) => {{
        const PARTS: &[&str] = &[$app, $($rest),+];
        const BYTES: [u8; $crate::naming::joined_len(PARTS)] = $crate::naming::join(PARTS);
        $crate::naming::text(&BYTES)
    }};
}

/// `"published at"` → `"Published at"`: a verbose name at the start of a sentence or a
/// heading, as Django's `capfirst`.
///
/// ```
/// assert_eq!(alder_db::naming::capfirst("blog post"), "Blog post");
/// assert_eq!(alder_db::naming::capfirst(""), "");
/// ```
pub fn capfirst(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
