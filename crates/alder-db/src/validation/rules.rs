//! The rules a field declares (`#[model(min = 0, email, regex = "…")]`) and the check of one
//! value against its field's rules and storage limits.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use rust_decimal::Decimal;
use sea_query::Value;

use super::{formats, ValidationError};
use crate::meta::{FieldMeta, Limit, Validator};

/// Every problem with `value` as the value of `field`: emptiness (`blank`/NULL), `max_length`,
/// choices, decimal digits and the field's [`Validator`]s except custom functions (those run
/// in `Model::clean_fields`, which knows the field's Rust type). An empty value that the
/// field allows skips the other rules, as in Django.
///
/// ```
/// use alder_db::{Auto, Model, Value, validation::check_value};
/// #[derive(Model)]
/// struct Page {
///     id: Auto<i64>,
///     #[model(max_length = 5, slug)]
///     slug: String,
/// }
/// let slug = Page::META.field("slug").unwrap();
/// assert!(check_value(slug, &Value::from("intro")).is_empty());
/// assert_eq!(check_value(slug, &Value::from("")).first().unwrap().code(), "blank");
/// let errors = check_value(slug, &Value::from("a b c d"));
/// let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
/// assert_eq!(codes, ["max_length", "invalid"]);
/// ```
pub fn check_value(field: &FieldMeta, value: &Value) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    if is_empty_value(value) {
        let null = is_null(value);
        // Keys the database assigns and moments filled in by save are never typed in.
        if field.blank || field.auto || field.auto_now || field.auto_now_add {
            return errors;
        }
        errors.push(if null && !field.nullable {
            ValidationError::new("null", "This field cannot be null.")
        } else {
            ValidationError::new("blank", "This field cannot be blank.")
        });
        return errors;
    }
    if let Value::String(Some(text)) = value {
        check_text(field, text, &mut errors);
    }
    if let (Value::Decimal(Some(number)), Some((max_digits, places))) = (value, field.decimal) {
        check_digits(*number, max_digits, places, &mut errors);
    }
    for validator in field.validators {
        check_rule(*validator, value, &mut errors);
    }
    errors
}

/// Whether `value` counts as empty: NULL or the empty string (Django's `empty_values` for
/// these types). An empty value skips a field's rules when the field may be blank.
///
/// ```
/// use alder_db::{Value, validation::is_empty_value};
/// assert!(is_empty_value(&Value::from("")) && is_empty_value(&Value::Int(None)));
/// assert!(!is_empty_value(&Value::from(0)));
/// ```
pub fn is_empty_value(value: &Value) -> bool {
    is_null(value) || matches!(value, Value::String(Some(text)) if text.is_empty())
}

pub(crate) fn is_null(value: &Value) -> bool {
    // Every variant's payload is an `Option`; `None` is SQL NULL.
    sea_query::value::sea_value_to_json_value(value).is_null()
}

fn check_text(field: &FieldMeta, text: &str, errors: &mut Vec<ValidationError>) {
    let length = text.chars().count();
    if let Some(max) = field.max_length {
        if length > max as usize {
            errors.push(ValidationError::new(
                "max_length",
                format!("Ensure this value has at most {max} characters (it has {length})."),
            ));
        }
    }
    if !field.choices.is_empty() && !field.choices.iter().any(|(stored, _)| *stored == text) {
        errors.push(ValidationError::new(
            "invalid_choice",
            format!("Value {text:?} is not a valid choice."),
        ));
    }
}

/// Django's `DecimalValidator`: counts the digits as written (`12.50` has four, two of them
/// decimals) and reports the first limit passed.
fn check_digits(number: Decimal, max_digits: u32, places: u32, errors: &mut Vec<ValidationError>) {
    let written = number.mantissa().unsigned_abs().to_string().len() as u32;
    let decimals = number.scale();
    let digits = written.max(decimals);
    let whole = digits - decimals;
    let error = if digits > max_digits {
        ValidationError::new(
            "max_digits",
            format!("Ensure that there are no more than {max_digits} digits in total."),
        )
    } else if decimals > places {
        ValidationError::new(
            "max_decimal_places",
            format!("Ensure that there are no more than {places} decimal places."),
        )
    } else if whole > max_digits - places {
        ValidationError::new(
            "max_whole_digits",
            format!(
                "Ensure that there are no more than {} digits before the decimal point.",
                max_digits - places
            ),
        )
    } else {
        return;
    };
    errors.push(error);
}

/// The problems of `value` under `validators` alone, for a type that is not a model (the rules of
/// an API's input type): the same checks and messages as a
/// model field declaring `#[model(min = …, email, …)]`. Custom functions are skipped.
///
/// ```
/// use alder_db::{Value, validation::{check_rules, Limit, Validator}};
/// let rules = [Validator::MinValue(Limit::Int(1)), Validator::MaxValue(Limit::Int(5))];
/// assert!(check_rules(&rules, &Value::from(3)).is_empty());
/// assert_eq!(check_rules(&rules, &Value::from(9))[0].code(), "max_value");
/// assert_eq!(check_rules(&[Validator::Email], &Value::from("nope"))[0].code(), "invalid");
/// // Unsigned and f32 values are compared too.
/// assert_eq!(check_rules(&rules, &Value::from(0u32))[0].code(), "min_value");
/// assert!(check_rules(&rules, &Value::from(u64::MAX)).len() == 1);
/// assert!(check_rules(&rules, &Value::from(2.5f32)).is_empty());
/// assert_eq!(check_rules(&[Validator::MaxLength(2)], &Value::from("abc"))[0].code(), "max_length");
/// ```
pub fn check_rules(validators: &[Validator], value: &Value) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    for validator in validators {
        check_rule(*validator, value, &mut errors);
    }
    errors
}

fn check_rule(validator: Validator, value: &Value, errors: &mut Vec<ValidationError>) {
    let text = match value {
        Value::String(Some(text)) => Some(text.as_str()),
        _ => None,
    };
    let error = match (validator, text) {
        (Validator::MinValue(limit), _) => compare(value, limit).filter(|o| o.is_lt()).map(|_| {
            ValidationError::new(
                "min_value",
                format!("Ensure this value is greater than or equal to {limit}."),
            )
        }),
        (Validator::MaxValue(limit), _) => compare(value, limit).filter(|o| o.is_gt()).map(|_| {
            ValidationError::new(
                "max_value",
                format!("Ensure this value is less than or equal to {limit}."),
            )
        }),
        (Validator::MinLength(min), Some(text)) => {
            let length = text.chars().count();
            (length < min as usize).then(|| {
                ValidationError::new(
                    "min_length",
                    format!("Ensure this value has at least {min} characters (it has {length})."),
                )
            })
        }
        (Validator::MaxLength(max), Some(text)) => {
            let length = text.chars().count();
            (length > max as usize).then(|| {
                ValidationError::new(
                    "max_length",
                    format!("Ensure this value has at most {max} characters (it has {length})."),
                )
            })
        }
        (Validator::Regex(pattern), Some(text)) => (!matches_whole(pattern, text))
            .then(|| ValidationError::invalid("Enter a valid value.")),
        (Validator::Email, Some(text)) => (!formats::is_email(text))
            .then(|| ValidationError::invalid("Enter a valid email address.")),
        (Validator::Url, Some(text)) => {
            (!formats::is_url(text)).then(|| ValidationError::invalid("Enter a valid URL."))
        }
        (Validator::Slug, Some(text)) => (!formats::is_slug(text)).then(|| {
            ValidationError::invalid(
                "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
            )
        }),
        (Validator::Ip, Some(text)) => (!formats::is_ip(text))
            .then(|| ValidationError::invalid("Enter a valid IPv4 or IPv6 address.")),
        // Custom functions run where the field's type is known; text rules on other types
        // are refused by the derive.
        _ => None,
    };
    errors.extend(error);
}

/// How a numeric value compares with a bound; `None` for values that are not numbers.
fn compare(value: &Value, limit: Limit) -> Option<Ordering> {
    // i128 holds every signed and unsigned integer a value can carry (u64 past i64::MAX too).
    let int = match value {
        Value::TinyInt(Some(n)) => Some(i128::from(*n)),
        Value::SmallInt(Some(n)) => Some(i128::from(*n)),
        Value::Int(Some(n)) => Some(i128::from(*n)),
        Value::BigInt(Some(n)) => Some(i128::from(*n)),
        Value::TinyUnsigned(Some(n)) => Some(i128::from(*n)),
        Value::SmallUnsigned(Some(n)) => Some(i128::from(*n)),
        Value::Unsigned(Some(n)) => Some(i128::from(*n)),
        Value::BigUnsigned(Some(n)) => Some(i128::from(*n)),
        _ => None,
    };
    let value = match value {
        Value::Float(Some(x)) => &Value::Double(Some(f64::from(*x))),
        other => other,
    };
    match (int, value, limit) {
        (Some(n), _, Limit::Int(l)) => Some(n.cmp(&i128::from(l))),
        (Some(n), _, Limit::Float(l)) => (n as f64).partial_cmp(&l),
        (None, Value::Double(Some(x)), Limit::Int(l)) => x.partial_cmp(&(l as f64)),
        (None, Value::Double(Some(x)), Limit::Float(l)) => x.partial_cmp(&l),
        (None, Value::Decimal(Some(d)), Limit::Int(l)) => Some(d.cmp(&Decimal::from(l))),
        (None, Value::Decimal(Some(d)), Limit::Float(l)) => {
            Decimal::try_from(l).ok().map(|l| d.cmp(&l))
        }
        _ => None,
    }
}

/// Whether the whole of `text` matches `pattern`. Patterns are checked by the derive, so one
/// that does not compile here can only come from hand-written metadata: it matches nothing.
fn matches_whole(pattern: &'static str, text: &str) -> bool {
    // Compiled once per pattern; validation is not a hot path, so one lock is enough.
    static COMPILED: LazyLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> =
        LazyLock::new(Mutex::default);
    let regex = COMPILED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(pattern)
        .or_insert_with(|| regex::Regex::new(&format!("^(?:{pattern})$")).ok())
        .clone();
    regex.is_some_and(|r| r.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(value: &str, max: u32, places: u32) -> Vec<String> {
        let mut errors = Vec::new();
        check_digits(value.parse().unwrap(), max, places, &mut errors);
        errors.into_iter().map(|e| e.code().to_string()).collect()
    }

    #[test]
    fn decimal_digits_as_django_counts_them() {
        assert!(digits("999.99", 5, 2).is_empty());
        assert!(digits("-0.5", 5, 2).is_empty());
        assert!(digits("12.50", 4, 2).is_empty());
        assert_eq!(digits("1000.00", 5, 2), ["max_digits"]);
        assert_eq!(digits("1000.0", 5, 2), ["max_whole_digits"]);
        assert_eq!(digits("1.234", 5, 2), ["max_decimal_places"]);
        assert_eq!(digits("0.00", 3, 2), Vec::<String>::new());
        assert_eq!(digits("0", 1, 0), Vec::<String>::new());
    }

    #[test]
    fn bounds_compare_across_number_types() {
        assert_eq!(
            compare(&Value::from(3_i32), Limit::Int(5)),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(&Value::from(2.5_f64), Limit::Float(2.5)),
            Some(Ordering::Equal)
        );
        let d: Decimal = "10.01".parse().unwrap();
        assert_eq!(
            compare(&Value::from(d), Limit::Int(10)),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&Value::from("x"), Limit::Int(1)), None);
    }

    #[test]
    fn regex_matches_the_whole_value() {
        assert!(matches_whole("[a-z]+", "abc"));
        assert!(!matches_whole("[a-z]+", "abc1"));
        assert!(matches_whole("a|b", "b"));
        assert!(!matches_whole("(", "("));
    }
}
