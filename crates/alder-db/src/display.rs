//! A field value as a person reads it: what `#[model(display = "{title}")]` fills in, and what
//! forms and the admin show as a field's current or initial value.

use sea_query::Value;

/// The value as text: numbers and booleans as Rust writes them, dates in ISO 8601, text as is,
/// bytes as lowercase hex, and NULL as the empty string (so `"{subtitle}"` of an unset
/// `Option<String>` shows nothing rather than `None`).
///
/// ```
/// use alder_db::{display_value, Value};
/// assert_eq!(display_value(&Value::from("Dune")), "Dune");
/// assert_eq!(display_value(&Value::from(42_i64)), "42");
/// assert_eq!(display_value(&Value::Int(None)), "");
/// ```
pub fn display_value(value: &Value) -> String {
    fn text<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(ToString::to_string).unwrap_or_default()
    }
    match value {
        Value::Bool(v) => text(v),
        Value::TinyInt(v) => text(v),
        Value::SmallInt(v) => text(v),
        Value::Int(v) => text(v),
        Value::BigInt(v) => text(v),
        Value::TinyUnsigned(v) => text(v),
        Value::SmallUnsigned(v) => text(v),
        Value::Unsigned(v) => text(v),
        Value::BigUnsigned(v) => text(v),
        Value::Float(v) => text(v),
        Value::Double(v) => text(v),
        Value::String(v) => v.clone().unwrap_or_default(),
        Value::Char(v) => text(v),
        Value::Bytes(v) => v
            .as_ref()
            .map(|b| b.iter().map(|byte| format!("{byte:02x}")).collect())
            .unwrap_or_default(),
        Value::Json(v) => text(v),
        Value::ChronoDate(v) => text(v),
        Value::ChronoTime(v) => text(v),
        Value::ChronoDateTime(v) => text(v),
        Value::ChronoDateTimeUtc(v) => v.map(|t| t.to_rfc3339()).unwrap_or_default(),
        Value::ChronoDateTimeLocal(v) => v.map(|t| t.to_rfc3339()).unwrap_or_default(),
        Value::ChronoDateTimeWithTimeZone(v) => v.map(|t| t.to_rfc3339()).unwrap_or_default(),
        Value::Uuid(v) => text(v),
        Value::Decimal(v) => text(v),
        // Types no model field has (enums of a database, arrays): their debug form says
        // at least what they are.
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_kind_reads_as_a_person_expects() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(display_value(&Value::from(day)), "2026-12-03");
        assert_eq!(display_value(&Value::from(true)), "true");
        assert_eq!(display_value(&Value::from(vec![0xab_u8, 1])), "ab01");
        assert_eq!(display_value(&Value::String(None)), "");
        let d: rust_decimal::Decimal = "12.50".parse().unwrap();
        assert_eq!(display_value(&Value::from(d)), "12.50");
    }
}
