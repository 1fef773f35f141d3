//! Values as the admin shows them: a choice's label, yes or no, a time to the minute, a
//! foreign key's row by its display string.

use std::collections::HashMap;

use alder_db::{display_value, Database, FieldKind, FieldMeta, Model};
use alder_web::Result;

use super::{Cell, Entries, Labels};

/// A value as a person reads it: a choice's label, yes/no, `-` for nothing, a foreign key's
/// row as `labels` shows it (its display string) when its model is registered.
pub(crate) fn cell(field: &FieldMeta, value: &alder_db::Value, labels: Option<&Labels>) -> Cell {
    let text = display_value(value);
    let null = matches!(value, alder_db::Value::String(None));
    if text.is_empty() && (null || field.kind != FieldKind::Text) {
        return Cell {
            text: "-".into(),
            kind: "empty",
        };
    }
    if field.kind == FieldKind::Boolean {
        let yes = matches!(value, alder_db::Value::Bool(Some(true)));
        return Cell {
            text: if yes { "yes" } else { "no" }.into(),
            kind: "bool",
        };
    }
    if let Some(readable) = readable_time(field.kind, &text) {
        return Cell {
            text: readable,
            kind: "text",
        };
    }
    if let Some((_, label)) = field.choices.iter().find(|(stored, _)| *stored == text) {
        return Cell {
            text: (*label).to_owned(),
            kind: "text",
        };
    }
    if let Some(found) = labels.and_then(|l| l.get(&text)) {
        return found.clone();
    }
    Cell { text, kind: "text" }
}

/// For the columns among `names` that show another model's row — a foreign key (its
/// row's display string) or `key__field` (that field of the row) — the cells by key text:
/// one query per column whatever the number of objects. A column whose model is not
/// registered is left out (the check at start-up refuses `key__field` columns of those).
pub(crate) async fn foreign_labels<M: Model>(
    db: &Database,
    entries: &dyn Entries,
    objects: &[M],
    names: &[&'static str],
) -> Result<HashMap<&'static str, Labels>> {
    let mut out = HashMap::new();
    for &name in names {
        let (key_name, field) = match name.split_once("__") {
            Some((key, field)) => (key, Some(field)),
            None => (name, None),
        };
        let Some(index) = M::META.fields.iter().position(|f| f.name == key_name) else {
            continue;
        };
        let Some(relation) = M::META.fields[index].relation else {
            continue;
        };
        let Some(target) = entries.by_table((relation.target)().table) else {
            continue;
        };
        let mut keys: Vec<String> = objects
            .iter()
            .map(|o| display_value(&o.values()[index]))
            .filter(|k| !k.is_empty())
            .collect();
        keys.sort();
        keys.dedup();
        if !keys.is_empty() {
            out.insert(name, target.labels(db, keys, field).await?);
        }
    }
    Ok(out)
}

/// A date and time to the minute (`2026-12-07 12:35 UTC`) instead of RFC 3339 with
/// nanoseconds.
pub(crate) fn readable_time(kind: FieldKind, text: &str) -> Option<String> {
    use alder_db::chrono::{DateTime, NaiveDateTime};
    match kind {
        FieldKind::DateTime => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string()),
        FieldKind::NaiveDateTime => NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
        _ => None,
    }
}

/// "published at" → "Published at", as Django's `capfirst`.
pub(crate) use alder_db::naming::capfirst as capitalise;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_to_the_minute() {
        assert_eq!(
            readable_time(FieldKind::DateTime, "2026-12-07T12:35:24.159740198+00:00").as_deref(),
            Some("2026-12-07 12:35 UTC")
        );
        assert_eq!(
            readable_time(FieldKind::DateTime, "2026-12-07T14:35:24+02:00").as_deref(),
            Some("2026-12-07 12:35 UTC")
        );
        assert_eq!(
            readable_time(FieldKind::NaiveDateTime, "2026-12-07 12:35:24.5").as_deref(),
            Some("2026-12-07 12:35")
        );
        assert_eq!(readable_time(FieldKind::Text, "2026-12-07T12:35:24Z"), None);
        assert_eq!(readable_time(FieldKind::DateTime, "not a time"), None);
    }

    #[test]
    fn capitalised_like_capfirst() {
        assert_eq!(capitalise("published at"), "Published at");
        assert_eq!(capitalise("élan"), "Élan");
        assert_eq!(capitalise(""), "");
    }
}
