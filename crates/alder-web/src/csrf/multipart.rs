//! Finding the token field in a multipart body (a form with a file input) without reading
//! the whole upload: the parts before it are scanned as they arrive, up to [`SCAN_LIMIT`]
//! bytes, and what was read is handed on in front of the rest of the body. `{{ csrf_input }}`
//! at the top of the form, where browsers send it first, is found in the first packet.

/// How far into a multipart body the token is looked for.
pub(crate) const SCAN_LIMIT: usize = 64 * 1024;

/// What the bytes read so far say.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    Found(String),
    /// The body ended, or its parts are malformed, without the field.
    Absent,
    NeedMore,
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// Looks for the part named `field` in `body`, which holds the first bytes of a multipart
/// body with `boundary`.
pub(crate) fn scan(body: &[u8], boundary: &str, field: &str) -> Scan {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n{delimiter}");
    let Some(mut at) = find(body, delimiter.as_bytes(), 0) else {
        return need_more_or_absent(body);
    };
    loop {
        let after = at + delimiter.len();
        match body.get(after..after + 2) {
            None => return Scan::NeedMore,
            Some(b"--") => return Scan::Absent, // the closing delimiter
            Some(b"\r\n") => {}
            Some(_) => return Scan::Absent,
        }
        let head_start = after + 2;
        let Some(head_end) = find(body, b"\r\n\r\n", head_start) else {
            return Scan::NeedMore;
        };
        let content_start = head_end + 4;
        let next = find(body, next_delimiter.as_bytes(), content_start);
        if names(&body[head_start..head_end], field) {
            return match next {
                Some(end) => match std::str::from_utf8(&body[content_start..end]) {
                    Ok(value) => Scan::Found(value.to_string()),
                    Err(_) => Scan::Absent,
                },
                None => Scan::NeedMore,
            };
        }
        match next {
            Some(end) => at = end + 2,
            None => return Scan::NeedMore,
        }
    }
}

fn need_more_or_absent(body: &[u8]) -> Scan {
    // A preamble may come before the first delimiter; give up only at the limit.
    if body.len() >= SCAN_LIMIT {
        Scan::Absent
    } else {
        Scan::NeedMore
    }
}

/// Whether a part's headers are `Content-Disposition: form-data; name="<field>"`.
fn names(head: &[u8], field: &str) -> bool {
    let Ok(head) = std::str::from_utf8(head) else {
        return false;
    };
    head.split("\r\n").any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && value.split(';').skip(1).any(|param| {
                param
                    .split_once('=')
                    .is_some_and(|(k, v)| k.trim() == "name" && v.trim().trim_matches('"') == field)
            })
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELD: &str = "csrfmiddlewaretoken";

    fn part(name: &str, value: &str) -> String {
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    }

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=XyZ"), Some("XyZ"));
        assert_eq!(
            boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("text/plain; boundary=x"), None);
        assert_eq!(
            boundary(&format!("multipart/form-data; boundary={}", "x".repeat(71))),
            None
        );
    }

    #[test]
    fn the_field_is_found_first_or_after_other_parts() {
        let first = part(FIELD, "tok") + &part("title", "hi") + "--XyZ--\r\n";
        assert_eq!(
            scan(first.as_bytes(), "XyZ", FIELD),
            Scan::Found("tok".into())
        );
        let file = "--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile body\r\n";
        let later = part("title", "hi") + file + &part(FIELD, "tok2") + "--XyZ--\r\n";
        assert_eq!(
            scan(later.as_bytes(), "XyZ", FIELD),
            Scan::Found("tok2".into())
        );
    }

    #[test]
    fn a_body_cut_short_asks_for_more_and_one_without_the_field_says_so() {
        let whole = part("title", "hi") + &part(FIELD, "tok") + "--XyZ--\r\n";
        for cut in [3, 20, 60, whole.len() - 12] {
            assert_eq!(
                scan(&whole.as_bytes()[..cut], "XyZ", FIELD),
                Scan::NeedMore,
                "{cut}"
            );
        }
        let without = part("title", "hi") + "--XyZ--\r\n";
        assert_eq!(scan(without.as_bytes(), "XyZ", FIELD), Scan::Absent);
        assert_eq!(scan(b"--XyZgarbage", "XyZ", FIELD), Scan::Absent);
        // A field whose name only starts like the token's is not it.
        let lookalike = part("csrfmiddlewaretoken2", "x") + "--XyZ--\r\n";
        assert_eq!(scan(lookalike.as_bytes(), "XyZ", FIELD), Scan::Absent);
    }
}
