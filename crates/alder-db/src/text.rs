//! Field values as the text a person types, a URL carries or a fixture holds: read with the
//! error a form shows (Django's messages), written back in the form an HTML input takes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use crate::ValidationError;

/// A field type that reads from text and writes back to it: what forms, the admin's filters
/// and query-string lookups use. `#[derive(Choices)]` implements it for its enum (the stored
/// value is the text).
///
/// ```
/// use alder_db::FieldText;
/// assert_eq!(i32::parse_text(" 42 ").unwrap(), 42);
/// assert_eq!(i32::parse_text("4.2").unwrap_err().message(), "Enter a whole number.");
/// let day = alder_db::chrono::NaiveDate::parse_text("2026-12-04").unwrap();
/// assert_eq!(day.to_text(), "2026-12-04");
/// ```
pub trait FieldText: Sized {
    /// Reads the value; the error says what was expected, in words for the person who typed it.
    fn parse_text(text: &str) -> Result<Self, ValidationError>;
    /// The value as an HTML input shows it (`2026-12-04`, `14:30`, `3.50`).
    fn to_text(&self) -> String;
}

impl FieldText for String {
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        Ok(text.to_string())
    }
    fn to_text(&self) -> String {
        self.clone()
    }
}

macro_rules! integer_text {
    ($($ty:ty),*) => {$(
        impl FieldText for $ty {
            fn parse_text(text: &str) -> Result<Self, ValidationError> {
                let text = text.trim();
                text.parse().map_err(|_| {
                    // A whole number too large for the type says so, rather than "not a number".
                    if !text.is_empty() && text.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) {
                        ValidationError::new(
                            "invalid",
                            format!("Enter a whole number from {} to {}.", <$ty>::MIN, <$ty>::MAX),
                        )
                    } else {
                        ValidationError::new("invalid", "Enter a whole number.")
                    }
                })
            }
            fn to_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

integer_text!(i16, i32, i64);

impl FieldText for f64 {
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        match text.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(ValidationError::new("invalid", "Enter a number.")),
        }
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

impl FieldText for Decimal {
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        // Exponents (`1e3`) are refused, as Django's DecimalField does for typed input.
        Decimal::from_str_exact(text)
            .map_err(|_| ValidationError::new("invalid", "Enter a number."))
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// A checkbox sends `on` (or the value it was given) when ticked and nothing when not; the
/// words Django's `CheckboxInput` and HTML select values use are read too.
impl FieldText for bool {
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "" | "off" | "false" | "0" | "no" => Ok(false),
            _ => Err(ValidationError::new("invalid", "Enter yes or no.")),
        }
    }
    fn to_text(&self) -> String {
        if *self { "true" } else { "false" }.to_string()
    }
}

impl FieldText for NaiveDate {
    /// `2026-12-04`, what `<input type="date">` sends.
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| ValidationError::new("invalid", "Enter a valid date (YYYY-MM-DD)."))
    }
    fn to_text(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

impl FieldText for NaiveTime {
    /// `14:30`, `14:30:05` or `14:30:05.250`, as `<input type="time">` sends.
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveTime::parse_from_str(text, format).ok())
            .ok_or_else(|| ValidationError::new("invalid", "Enter a valid time (HH:MM)."))
    }
    fn to_text(&self) -> String {
        use chrono::Timelike;
        let format = match (self.second(), self.nanosecond()) {
            (0, 0) => "%H:%M",
            (_, 0) => "%H:%M:%S",
            _ => "%H:%M:%S%.f",
        };
        self.format(format).to_string()
    }
}

impl FieldText for NaiveDateTime {
    /// `2026-12-04T14:30` (`<input type="datetime-local">`), with seconds, or a space for the `T`.
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M:%S%.f",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            ValidationError::new("invalid", "Enter a valid date and time (YYYY-MM-DD HH:MM).")
        })
    }
    fn to_text(&self) -> String {
        self.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

impl FieldText for DateTime<Utc> {
    /// RFC 3339 (`2026-12-04T14:30:00Z`, any offset), or a local date and time taken as UTC
    /// (Alder keeps every moment in UTC).
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        let text = text.trim();
        if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
            return Ok(moment.with_timezone(&Utc));
        }
        NaiveDateTime::parse_text(text).map(|naive| naive.and_utc())
    }
    fn to_text(&self) -> String {
        self.naive_utc().to_text()
    }
}

impl FieldText for uuid::Uuid {
    fn parse_text(text: &str) -> Result<Self, ValidationError> {
        uuid::Uuid::parse_str(text.trim())
            .map_err(|_| ValidationError::new("invalid", "Enter a valid UUID."))
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_say_what_was_expected() {
        assert_eq!(
            i16::parse_text("70000").unwrap_err().message(),
            "Enter a whole number from -32768 to 32767."
        );
        assert_eq!(
            i64::parse_text("12abc").unwrap_err().message(),
            "Enter a whole number."
        );
        assert_eq!(f64::parse_text("NaN").unwrap_err().code(), "invalid");
        assert_eq!(f64::parse_text("2.5").unwrap(), 2.5);
        assert_eq!(Decimal::parse_text("3.50").unwrap().to_text(), "3.50");
        assert!(Decimal::parse_text("1e3").is_err());
    }

    #[test]
    fn dates_and_times_in_the_forms_html_inputs_send() {
        assert!(NaiveDate::parse_text("04/12/2026").is_err());
        assert_eq!(NaiveTime::parse_text("14:30").unwrap().to_text(), "14:30");
        assert_eq!(
            NaiveTime::parse_text("14:30:05").unwrap().to_text(),
            "14:30:05"
        );
        for on_the_hour in ["09:00", "00:00"] {
            assert_eq!(
                NaiveTime::parse_text(on_the_hour).unwrap().to_text(),
                on_the_hour
            );
        }
        assert_eq!(
            NaiveTime::parse_text("09:00:00.5").unwrap().to_text(),
            "09:00:00.500"
        );
        let local = NaiveDateTime::parse_text("2026-12-04T14:30").unwrap();
        assert_eq!(local.to_text(), "2026-12-04T14:30:00");
        let utc = DateTime::<Utc>::parse_text("2026-12-04T15:30:00+01:00").unwrap();
        assert_eq!(utc.to_text(), "2026-12-04T14:30:00");
        assert!(DateTime::<Utc>::parse_text("2026-13-01T00:00").is_err());
    }

    #[test]
    fn checkboxes_and_uuids() {
        assert!(bool::parse_text("on").unwrap());
        assert!(!bool::parse_text("").unwrap());
        assert!(bool::parse_text("maybe").is_err());
        assert!(uuid::Uuid::parse_text("nope").is_err());
    }
}
