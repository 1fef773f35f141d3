//! What validation found: errors per field and errors of the object as a whole.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// One problem with a value: a stable `code` code can match on (`"blank"`, `"max_length"`,
/// `"invalid"`, `"unique"`, … as in Django) and a sentence for a person.
///
/// ```
/// use alder_db::ValidationError;
/// let err = ValidationError::new("too_early", "A post cannot be published before it is written.");
/// assert_eq!(err.code(), "too_early");
/// assert_eq!(ValidationError::invalid("Enter a valid ISBN.").code(), "invalid");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidationError {
    code: Cow<'static, str>,
    message: String,
}

impl ValidationError {
    /// An error with its code and message.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ValidationError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// An error with the code `"invalid"`, the one Django's validators use.
    pub fn invalid(message: impl Into<String>) -> Self {
        ValidationError::new("invalid", message)
    }

    /// "Select a valid choice. That choice is not one of the available choices." (code
    /// `invalid_choice`), Django's words for a related object that is not on offer.
    pub fn invalid_choice() -> Self {
        ValidationError::new(
            "invalid_choice",
            "Select a valid choice. That choice is not one of the available choices.",
        )
    }

    /// The code, e.g. `"max_length"`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The sentence for a person.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every problem found with an object: per field, in the order of the fields, and for the
/// object as a whole (Django's `NON_FIELD_ERRORS`). Serialized as
/// `{"fields": {"title": [{"code": …, "message": …}]}, "non_field": [...]}`.
///
/// ```
/// use alder_db::{ValidationError, ValidationErrors};
/// let mut errors = ValidationErrors::new();
/// assert!(errors.is_empty());
/// errors.add("title", ValidationError::new("blank", "This field cannot be blank."));
/// errors.add_non_field(ValidationError::invalid("Pick a later date."));
/// assert_eq!(errors.field("title")[0].code(), "blank");
/// assert_eq!(errors.non_field()[0].message(), "Pick a later date.");
/// assert_eq!(errors.to_string(), "title: This field cannot be blank.; Pick a later date.");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    fields: Vec<(Cow<'static, str>, Vec<ValidationError>)>,
    non_field: Vec<ValidationError>,
}

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        ValidationErrors::default()
    }

    /// Adds an error to `field`.
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, error: ValidationError) {
        let field = field.into();
        match self.fields.iter_mut().find(|(name, _)| *name == field) {
            Some((_, errors)) => errors.push(error),
            None => self.fields.push((field, vec![error])),
        }
    }

    /// Adds an error about the object as a whole.
    pub fn add_non_field(&mut self, error: ValidationError) {
        self.non_field.push(error);
    }

    /// Adds every error of `other` as errors of a part of this value named `prefix` (a nested
    /// object's field or a list's index): `other`'s field `title` becomes `prefix.title`, and
    /// its errors about the whole part are reported under `prefix`.
    ///
    /// ```
    /// use alder_db::validation::{ValidationError, ValidationErrors};
    /// let mut inner = ValidationErrors::new();
    /// inner.add("name", ValidationError::invalid("no"));
    /// inner.add_non_field(ValidationError::invalid("whole"));
    /// let mut outer = ValidationErrors::new();
    /// outer.merge_under("author", inner);
    /// assert!(outer.has_field("author.name") && outer.has_field("author"));
    /// ```
    pub fn merge_under(&mut self, prefix: &str, other: ValidationErrors) {
        for error in other.non_field {
            self.add(prefix.to_owned(), error);
        }
        for (field, errors) in other.fields {
            let name = format!("{prefix}.{field}");
            for error in errors {
                self.add(name.clone(), error);
            }
        }
    }

    /// Adds every error of `other`.
    pub fn merge(&mut self, other: ValidationErrors) {
        for (field, errors) in other.fields {
            for error in errors {
                self.add(field.clone(), error);
            }
        }
        self.non_field.extend(other.non_field);
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.non_field.is_empty()
    }

    /// The errors of `field` (empty when it has none).
    pub fn field(&self, field: &str) -> &[ValidationError] {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map_or(&[], |(_, errors)| errors.as_slice())
    }

    /// Whether `field` has an error.
    pub fn has_field(&self, field: &str) -> bool {
        !self.field(field).is_empty()
    }

    /// Each field with errors, and its errors, in the order they were found.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[ValidationError])> {
        self.fields
            .iter()
            .map(|(name, errors)| (name.as_ref(), errors.as_slice()))
    }

    /// The errors about the object as a whole.
    pub fn non_field(&self) -> &[ValidationError] {
        &self.non_field
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl From<ValidationError> for ValidationErrors {
    /// An error about the object as a whole, so a model's `clean` can return
    /// `Err(ValidationError::invalid("…").into())`.
    fn from(error: ValidationError) -> Self {
        let mut errors = ValidationErrors::new();
        errors.add_non_field(error);
        errors
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            if !std::mem::take(&mut first) {
                f.write_str("; ")?;
            }
            Ok::<(), fmt::Error>(())
        };
        for (field, errors) in &self.fields {
            for error in errors {
                sep(f)?;
                write!(f, "{field}: {error}")?;
            }
        }
        for error in &self.non_field {
            sep(f)?;
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// The fields as a JSON object in field order.
struct FieldMap<'a>(&'a [(Cow<'static, str>, Vec<ValidationError>)]);

impl Serialize for FieldMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, errors) in self.0 {
            map.serialize_entry(field, errors)?;
        }
        map.end()
    }
}

impl Serialize for ValidationErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("ValidationErrors", 2)?;
        out.serialize_field("fields", &FieldMap(&self.fields))?;
        out.serialize_field("non_field", &self.non_field)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_fields_in_the_order_found() {
        let mut errors = ValidationErrors::new();
        errors.add("title", ValidationError::new("blank", "empty"));
        errors.add("body", ValidationError::invalid("bad"));
        errors.add("title", ValidationError::invalid("worse"));
        let json = serde_json::to_string(&errors).unwrap();
        assert_eq!(
            json,
            r#"{"fields":{"title":[{"code":"blank","message":"empty"},{"code":"invalid","message":"worse"}],"body":[{"code":"invalid","message":"bad"}]},"non_field":[]}"#
        );
    }

    #[test]
    fn merge_keeps_every_error() {
        let mut a = ValidationErrors::from(ValidationError::invalid("x"));
        let mut b = ValidationErrors::new();
        b.add("slug", ValidationError::invalid("y"));
        a.merge(b);
        assert_eq!(a.non_field().len(), 1);
        assert!(a.has_field("slug"));
        assert!(a.into_result().is_err());
        assert!(ValidationErrors::new().into_result().is_ok());
    }
}
