//! Reading each field of a submitted form into its Rust type: what `#[derive(Form)]` calls,
//! one function per shape of field (a value, an `Option`, a `Vec`, a checkbox). Each adds its
//! problems to the form's errors and gives `None` when the field is not usable.

use alder_db::validation::check_value;
use alder_db::{FieldText, FieldType, ValidationError, ValidationErrors};

use super::{FormData, FormField, Widget};

fn required() -> ValidationError {
    ValidationError::new("required", "This field is required.")
}

/// The text sent for the field: trimmed as Django's `CharField(strip=True)`, except a
/// password's, whose spaces may be part of it.
fn sent<'a>(field: &FormField, data: &'a FormData) -> Option<&'a str> {
    let raw = data.get(field.name())?;
    let text = if field.widget == Widget::Password {
        raw
    } else {
        raw.trim()
    };
    (!text.is_empty()).then_some(text)
}

/// Parses one non-empty text and checks the field's rules (lengths, choices, validators).
fn read<T: FieldText + FieldType>(
    field: &FormField,
    text: &str,
    errors: &mut ValidationErrors,
) -> Option<T> {
    // PostgreSQL cannot store NUL in text; refused here rather than failing at save (Django's
    // ProhibitNullCharactersValidator).
    if text.contains('\0') {
        errors.add(
            field.name(),
            ValidationError::new(
                "null_characters_not_allowed",
                "Null characters are not allowed.",
            ),
        );
        return None;
    }
    let value = match T::parse_text(text) {
        Ok(value) => value,
        Err(error) => {
            errors.add(field.name(), error);
            return None;
        }
    };
    let problems = check_value(&field.meta, &value.to_value());
    if problems.is_empty() {
        Some(value)
    } else {
        for problem in problems {
            errors.add(field.name(), problem);
        }
        None
    }
}

/// A field of type `T`: required unless the form says otherwise; an optional text field left
/// empty is the empty string (the derive allows `required = false` only on text).
#[doc(hidden)]
pub fn value<T: FieldText + FieldType>(
    field: &FormField,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Option<T> {
    match sent(field, data) {
        Some(text) => read(field, text, errors),
        None if field.required => {
            errors.add(field.name(), required());
            None
        }
        None => T::parse_text("").ok(),
    }
}

/// An `Option<T>` field: empty is `None`.
#[doc(hidden)]
pub fn optional<T: FieldText + FieldType>(
    field: &FormField,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Option<Option<T>> {
    match sent(field, data) {
        Some(text) => read(field, text, errors).map(Some),
        None if field.required => {
            errors.add(field.name(), required());
            None
        }
        None => Some(None),
    }
}

/// A `Vec<T>` field (multiple select, a list of checkboxes): every value sent, each checked.
#[doc(hidden)]
pub fn many<T: FieldText + FieldType>(
    field: &FormField,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Option<Vec<T>> {
    let texts: Vec<&str> = data
        .get_all(field.name())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if texts.is_empty() && field.required {
        errors.add(field.name(), required());
        return None;
    }
    let before = errors.field(field.name()).len();
    let values: Vec<T> = texts
        .into_iter()
        .filter_map(|text| read(field, text, errors))
        .collect();
    (errors.field(field.name()).len() == before).then_some(values)
}

/// A `bool` field: a checkbox, ticked or not; `required` means it must be ticked (terms
/// accepted), as Django's `BooleanField(required=True)`.
#[doc(hidden)]
pub fn checkbox(field: &FormField, data: &FormData, errors: &mut ValidationErrors) -> Option<bool> {
    let ticked = match data.get(field.name()) {
        None => false,
        Some(text) => match bool::parse_text(text) {
            Ok(ticked) => ticked,
            Err(error) => {
                errors.add(field.name(), error);
                return None;
            }
        },
    };
    if field.required && !ticked {
        errors.add(field.name(), required());
        return None;
    }
    Some(ticked)
}

/// Runs a field's `validate` function when the field parsed and has no error yet.
#[doc(hidden)]
pub fn custom<T>(
    field: &FormField,
    value: Option<&T>,
    check: impl FnOnce(&T) -> Result<(), ValidationError>,
    errors: &mut ValidationErrors,
) {
    if let Some(value) = value {
        if !errors.has_field(field.name()) {
            if let Err(error) = check(value) {
                errors.add(field.name(), error);
            }
        }
    }
}

/// Writes a value back as the form shows it, for a form filled in from an object.
#[doc(hidden)]
pub fn put_value<T: FieldText>(value: &T, name: &str, data: &mut FormData) {
    data.push(name, value.to_text());
}

/// Writes an `Option` (nothing for `None`) and a `Vec` (one pair per value).
#[doc(hidden)]
pub fn put_option<T: FieldText>(value: &Option<T>, name: &str, data: &mut FormData) {
    if let Some(value) = value {
        data.push(name, value.to_text());
    }
}

#[doc(hidden)]
pub fn put_many<T: FieldText>(values: &[T], name: &str, data: &mut FormData) {
    for value in values {
        data.push(name, value.to_text());
    }
}

/// A bool is written only when true: an unticked checkbox sends nothing.
#[doc(hidden)]
pub fn put_checkbox(value: bool, name: &str, data: &mut FormData) {
    if value {
        data.push(name, "on");
    }
}

/// An `UploadedFile` field: a file must be sent unless the field is optional.
#[doc(hidden)]
pub fn file(
    field: &FormField,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Option<super::UploadedFile> {
    match data.file(field.name()) {
        Some(file) => Some(file.clone()),
        None => {
            errors.add(
                field.name(),
                ValidationError::new("required", "No file was submitted."),
            );
            None
        }
    }
}

/// An `Option<UploadedFile>` field.
#[doc(hidden)]
pub fn optional_file(
    field: &FormField,
    data: &FormData,
    _errors: &mut ValidationErrors,
) -> Option<Option<super::UploadedFile>> {
    Some(data.file(field.name()).cloned())
}
